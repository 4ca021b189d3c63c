//! Presigning: two Beaver triples, then the key-dependent presignature, all before the digest
//! is known. This is the expensive part of a signature; hosts pool its output per signing set.
use cait_sith::triples::TripleGenerationOutput;
use cait_sith::{PresignArguments, PresignOutput};
use k256::Secp256k1;

use crate::driver::{Driver, Inbound, MpcProtocol, Outgoing};
use crate::error::{MpcError, Result};
use crate::participants::{check_set, to_cs, ParticipantId};
use crate::share::KeyShare;

/// One stage tag byte in front of every message: the two triples run side by side, then presign.
const STAGE_TRIPLE0: u8 = 0;
const STAGE_TRIPLE1: u8 = 1;
const STAGE_PRESIGN: u8 = 2;

/// Single-use signing material bound to one key generation and one signing set.
/// It is deliberately not serialisable: it lives in memory and is consumed by exactly one `Sign`.
pub struct Presignature {
    pub(crate) key_id: [u8; 32],
    pub(crate) participants: Vec<ParticipantId>,
    pub(crate) output: PresignOutput<Secp256k1>,
}

impl Presignature {
    pub fn participants(&self) -> &[ParticipantId] {
        &self.participants
    }
    pub fn key_id(&self) -> [u8; 32] {
        self.key_id
    }
}

pub struct Presign {
    share: KeyShare,
    participants: Vec<ParticipantId>,
    triples: [Driver<TripleGenerationOutput<Secp256k1>>; 2],
    triple_outputs: [Option<TripleGenerationOutput<Secp256k1>>; 2],
    presign: Option<Driver<PresignOutput<Secp256k1>>>,
    /// Presign-stage messages from faster peers, held until our triples are done.
    early: Vec<(ParticipantId, Vec<u8>)>,
    output: Option<Presignature>,
    finished: bool,
}

impl Presign {
    /// `signers` must be a subset of the share's set with at least `threshold` members.
    pub fn new(share: KeyShare, signers: &[ParticipantId]) -> Result<Self> {
        let participants = check_signers(&share, signers)?;
        let me = share.me;
        let triple = || {
            cait_sith::triples::generate_triple::<Secp256k1>(&to_cs(&participants), me.into(), share.threshold)
                .map(|p| Driver::new(p, me, &participants))
                .map_err(|e| MpcError::BadParameters(e.to_string()))
        };
        let triples = [triple()?, triple()?];
        Ok(Self { share, participants, triples, triple_outputs: [None, None], presign: None, early: Vec::new(), output: None, finished: false })
    }

    fn start_presign(&mut self) -> Result<()> {
        if self.triple_outputs.iter().any(Option::is_none) {
            return Ok(());
        }
        let (Some(t0), Some(t1)) = (self.triple_outputs[0].take(), self.triple_outputs[1].take()) else {
            return Ok(());
        };
        let args = PresignArguments { triple0: t0, triple1: t1, keygen_out: self.share.keygen_output(), threshold: self.share.threshold };
        let protocol =
            cait_sith::presign::<Secp256k1>(&to_cs(&self.participants), self.share.me.into(), args).map_err(|e| MpcError::BadParameters(e.to_string()))?;
        let mut driver = Driver::new(protocol, self.share.me, &self.participants);
        for (from, data) in self.early.drain(..) {
            driver.message(from, &data)?;
        }
        self.presign = Some(driver);
        Ok(())
    }
}

pub(crate) fn check_signers(share: &KeyShare, signers: &[ParticipantId]) -> Result<Vec<ParticipantId>> {
    let set = check_set(signers, "signers")?;
    if !set.contains(&share.me) {
        return Err(MpcError::BadParameters("this party is not among the signers".into()));
    }
    if let Some(p) = set.iter().find(|p| !share.participants.contains(p)) {
        return Err(MpcError::BadParameters(format!("signer {p} holds no share of this key generation")));
    }
    if set.len() < share.threshold {
        return Err(MpcError::BadParameters(format!("{} signers are fewer than the threshold {}", set.len(), share.threshold)));
    }
    Ok(set)
}

fn tag(stage: u8, out: Vec<Outgoing>) -> impl Iterator<Item = Outgoing> {
    out.into_iter().map(move |o| match o {
        Outgoing::All(m) => Outgoing::All([&[stage][..], &m].concat()),
        Outgoing::To(p, m) => Outgoing::To(p, [&[stage][..], &m].concat()),
    })
}

impl MpcProtocol for Presign {
    type Output = Presignature;

    fn inbound(&self) -> Inbound {
        Inbound::new(self.share.me, &self.participants, 3)
    }

    fn message(&mut self, from: ParticipantId, data: &[u8]) -> Result<()> {
        let Some((&stage, body)) = data.split_first() else {
            return Err(MpcError::MalformedMessage { from, reason: "empty".into() });
        };
        match stage {
            STAGE_TRIPLE0 | STAGE_TRIPLE1 => self.triples[stage as usize].message(from, body),
            STAGE_PRESIGN => match &mut self.presign {
                Some(driver) => driver.message(from, body),
                None => {
                    if !self.participants.contains(&from) || from == self.share.me {
                        return Err(MpcError::MalformedMessage { from, reason: "not a party of this protocol".into() });
                    }
                    crate::driver::check_frame(from, body)?;
                    self.early.push((from, body.to_vec()));
                    Ok(())
                }
            },
            other => Err(MpcError::MalformedMessage { from, reason: format!("unknown stage {other}") }),
        }
    }

    fn poke(&mut self) -> Result<Vec<Outgoing>> {
        let mut out = Vec::new();
        if self.finished {
            return Ok(out);
        }
        if self.presign.is_none() {
            for i in 0..2 {
                if self.triple_outputs[i].is_none() && !self.triples[i].is_done() {
                    out.extend(tag(i as u8, self.triples[i].poke()?));
                    self.triple_outputs[i] = self.triples[i].take_output();
                }
            }
            self.start_presign()?;
        }
        if let Some(driver) = &mut self.presign {
            out.extend(tag(STAGE_PRESIGN, driver.poke()?));
            if let Some(output) = driver.take_output() {
                self.output = Some(Presignature { key_id: self.share.key_id(), participants: self.participants.clone(), output });
                self.finished = true;
            }
        }
        Ok(out)
    }

    fn take_output(&mut self) -> Option<Presignature> {
        self.output.take()
    }

    fn is_done(&self) -> bool {
        self.finished
    }
}
