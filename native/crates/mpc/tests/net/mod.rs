//! An in-memory message router for driving several parties' state machines in one test.
use seq_mpc::{MpcProtocol, Outgoing, ParticipantId, Result};

pub fn run<T, P: MpcProtocol<Output = T>>(mut parties: Vec<(ParticipantId, P)>) -> Result<Vec<(ParticipantId, T)>> {
    let ids: Vec<ParticipantId> = parties.iter().map(|(id, _)| *id).collect();
    let mut outputs: Vec<Option<T>> = parties.iter().map(|_| None).collect();
    for _round in 0..10_000 {
        let mut progressed = false;
        for i in 0..parties.len() {
            let from = ids[i];
            let out = parties[i].1.poke()?;
            if let Some(o) = parties[i].1.take_output() {
                outputs[i] = Some(o);
            }
            for msg in out {
                progressed = true;
                match msg {
                    Outgoing::All(data) => {
                        for j in 0..parties.len() {
                            if j != i {
                                parties[j].1.message(from, &data)?;
                            }
                        }
                    }
                    Outgoing::To(to, data) => {
                        let j = ids.iter().position(|p| *p == to).expect("known recipient");
                        parties[j].1.message(from, &data)?;
                    }
                }
            }
        }
        if outputs.iter().all(Option::is_some) {
            return Ok(ids.into_iter().zip(outputs.into_iter().map(Option::unwrap)).collect());
        }
        if !progressed {
            panic!("protocol stalled");
        }
    }
    panic!("protocol did not finish");
}
