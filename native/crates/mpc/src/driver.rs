//! The sans-I/O seam: every protocol is driven by `message` (bytes in) and `poke` (bytes out).
use cait_sith::protocol::{Action, Protocol};

use crate::error::{MpcError, Result};
use crate::participants::ParticipantId;

/// The [`MpcProtocol`] methods of a protocol that is one [`Driver`] in a field named `driver`: only
/// `take_output` (turning the raw cait-sith result into ours) differs between such protocols.
macro_rules! delegate_to_driver {
    () => {
        fn inbound(&self) -> $crate::driver::Inbound {
            self.driver.inbound()
        }

        fn message(&mut self, from: $crate::participants::ParticipantId, data: &[u8]) -> $crate::error::Result<()> {
            self.driver.message(from, data)
        }

        fn poke(&mut self) -> $crate::error::Result<Vec<$crate::driver::Outgoing>> {
            self.driver.poke()
        }

        fn is_done(&self) -> bool {
            self.driver.is_done()
        }
    };
}
pub(crate) use delegate_to_driver;

/// A message the host must deliver: to every other party of the session, or to one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    All(Vec<u8>),
    To(ParticipantId, Vec<u8>),
}

/// What a protocol instance accepts, fixed at construction: lets the host refuse a message (and blame its
/// sender) on its own thread, without touching a protocol that may be busy on another.
#[derive(Debug, Clone)]
pub struct Inbound {
    peers: Vec<ParticipantId>,
    /// Messages carry a stage byte in front of the cait-sith frame (see `Presign`).
    stages: u8,
}

impl Inbound {
    pub(crate) fn new(me: ParticipantId, participants: &[ParticipantId], stages: u8) -> Self {
        Self { peers: participants.iter().copied().filter(|p| *p != me).collect(), stages }
    }

    pub fn check(&self, from: ParticipantId, data: &[u8]) -> Result<()> {
        if !self.peers.contains(&from) {
            return Err(MpcError::MalformedMessage { from, reason: "not a party of this protocol".into() });
        }
        if self.stages == 0 {
            return check_frame(from, data);
        }
        match data.split_first() {
            Some((stage, body)) if *stage < self.stages => check_frame(from, body),
            Some((stage, _)) => Err(MpcError::MalformedMessage { from, reason: format!("unknown stage {stage}") }),
            None => Err(MpcError::MalformedMessage { from, reason: "empty".into() }),
        }
    }
}

/// The interface every MPC state machine in this crate offers the host.
pub trait MpcProtocol: Send {
    type Output;
    /// The checks `message` applies before anything reaches the protocol.
    fn inbound(&self) -> Inbound;
    /// Hand in one message from `from`. Malformed input is refused here and never reaches the
    /// protocol, so the host can drop it and blame the sender.
    fn message(&mut self, from: ParticipantId, data: &[u8]) -> Result<()>;
    /// Run as far as possible; returns what to send. After an error the protocol is dead.
    fn poke(&mut self) -> Result<Vec<Outgoing>>;
    /// The result, once; `None` while still running or after it was taken.
    fn take_output(&mut self) -> Option<Self::Output>;
    fn is_done(&self) -> bool;
}

/// cait-sith frames every message as a 28-byte routing header followed by one MessagePack value.
const HEADER_LEN: usize = 28;

/// Checks the framing of a cait-sith message without interpreting it.
pub(crate) fn check_frame(from: ParticipantId, data: &[u8]) -> Result<()> {
    let malformed = |reason: &str| MpcError::MalformedMessage { from, reason: reason.into() };
    if data.len() <= HEADER_LEN {
        return Err(malformed("shorter than the routing header"));
    }
    let body = &data[HEADER_LEN..];
    let mut cursor = std::io::Cursor::new(body);
    let mut de = rmp_serde::Deserializer::new(&mut cursor);
    <serde::de::IgnoredAny as serde::Deserialize>::deserialize(&mut de).map_err(|_| malformed("body is not MessagePack"))?;
    if cursor.position() as usize != body.len() {
        return Err(malformed("trailing bytes after the body"));
    }
    Ok(())
}

/// Adapts one cait-sith protocol instance to [`MpcProtocol`], checking senders and framing.
pub(crate) struct Driver<T> {
    protocol: Box<dyn Protocol<Output = T> + Send>,
    me: ParticipantId,
    peers: Vec<ParticipantId>,
    output: Option<T>,
    finished: bool,
    failed: Option<String>,
}

impl<T> Driver<T> {
    pub fn new(protocol: impl Protocol<Output = T> + Send + 'static, me: ParticipantId, participants: &[ParticipantId]) -> Self {
        Self {
            protocol: Box::new(protocol),
            me,
            peers: participants.iter().copied().filter(|p| *p != me).collect(),
            output: None,
            finished: false,
            failed: None,
        }
    }

    pub fn message(&mut self, from: ParticipantId, data: &[u8]) -> Result<()> {
        if !self.peers.contains(&from) {
            return Err(MpcError::MalformedMessage { from, reason: "not a party of this protocol".into() });
        }
        check_frame(from, data)?;
        if !self.finished {
            self.protocol.message(from.into(), data.to_vec());
        }
        Ok(())
    }

    pub fn poke(&mut self) -> Result<Vec<Outgoing>> {
        if let Some(reason) = &self.failed {
            return Err(MpcError::Protocol(reason.clone()));
        }
        let mut out = Vec::new();
        while !self.finished {
            match self.protocol.poke() {
                Ok(Action::Wait) => break,
                Ok(Action::SendMany(m)) => out.push(Outgoing::All(m)),
                Ok(Action::SendPrivate(to, m)) => out.push(Outgoing::To(to.into(), m)),
                Ok(Action::Return(value)) => {
                    self.output = Some(value);
                    self.finished = true;
                }
                Err(e) => {
                    let reason = e.to_string();
                    self.failed = Some(reason.clone());
                    self.finished = true;
                    return Err(MpcError::Protocol(reason));
                }
            }
        }
        Ok(out)
    }

    pub fn take_output(&mut self) -> Option<T> {
        self.output.take()
    }

    pub fn is_done(&self) -> bool {
        self.finished && self.failed.is_none()
    }

    pub fn me(&self) -> ParticipantId {
        self.me
    }

    pub fn inbound(&self) -> Inbound {
        let mut participants = self.peers.clone();
        participants.push(self.me);
        Inbound::new(self.me, &participants, 0)
    }
}
