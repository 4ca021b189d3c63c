//! Binding for `seq-mpc`: each MPC protocol as a sans-I/O class (`poke()` for outgoing messages,
//! `message(from, bytes)` for incoming ones, `take…()` for the result). No networking, no clock.
//! Errors carry a stable `code`: BadParameters, MalformedMessage, Protocol, InvalidShare,
//! PresignatureConsumed, Finished.
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Status, Task};
use napi_derive::napi;
use seq_mpc::to_hex_prefixed;
use seq_mpc::{node_key, parse_public_key, Inbound, KeyShare, Keygen, MpcError, MpcProtocol, Outgoing, Presign, Presignature, Reshare, ReshareBasis, Sign};

type Result<T> = napi::Result<T, String>;

fn to_js(e: MpcError) -> napi::Error<String> {
    let code = match &e {
        MpcError::BadParameters(_) => "BadParameters",
        MpcError::MalformedMessage { .. } => "MalformedMessage",
        MpcError::Protocol(_) => "Protocol",
        MpcError::InvalidShare(_) => "InvalidShare",
        MpcError::PresignatureConsumed => "PresignatureConsumed",
        MpcError::Finished => "Finished",
    };
    napi::Error::new(code.to_string(), e.to_string())
}

fn share(bytes: &[u8]) -> Result<KeyShare> {
    KeyShare::from_bytes(bytes).map_err(to_js)
}

fn hex32(bytes: &[u8], what: &str) -> Result<[u8; 32]> {
    bytes.try_into().map_err(|_| to_js(MpcError::BadParameters(format!("{what} must be 32 bytes"))))
}

/// One message to deliver: to party `to`, or to every other party of the session when `to` is absent.
#[napi(object)]
pub struct MpcAction {
    pub to: Option<u32>,
    pub data: Buffer,
}

fn actions(out: Vec<Outgoing>) -> Vec<MpcAction> {
    out.into_iter()
        .map(|o| match o {
            Outgoing::All(data) => MpcAction { to: None, data: data.into() },
            Outgoing::To(to, data) => MpcAction { to: Some(to), data: data.into() },
        })
        .collect()
}

/// Messages waiting for the next poke: (sender participant id, bytes).
type SharedInbox = Arc<Mutex<Vec<(u32, Vec<u8>)>>>;

/// A protocol plus its inbox, shared with the worker thread that runs `pokeAsync`. `message` only checks and
/// queues (never waits for a running poke); a poke first hands the queued messages to the protocol.
struct Runner<P: MpcProtocol> {
    inbound: Inbound,
    inbox: SharedInbox,
    protocol: Arc<Mutex<P>>,
}

impl<P: MpcProtocol + 'static> Runner<P> {
    fn new(protocol: P) -> Self {
        Self { inbound: protocol.inbound(), inbox: Arc::default(), protocol: Arc::new(Mutex::new(protocol)) }
    }

    fn message(&self, from: u32, data: &[u8]) -> Result<()> {
        self.inbound.check(from, data).map_err(to_js)?;
        self.inbox.lock().expect("inbox lock").push((from, data.to_vec()));
        Ok(())
    }

    fn poke(&self) -> Result<Vec<MpcAction>> {
        run_poke(&self.inbox, &self.protocol).map(actions).map_err(to_js)
    }

    fn poke_async(&self) -> AsyncTask<PokeTask<P>> {
        AsyncTask::new(PokeTask { inbox: self.inbox.clone(), protocol: self.protocol.clone() })
    }

    fn with<T>(&self, f: impl FnOnce(&mut P) -> T) -> T {
        f(&mut self.protocol.lock().expect("protocol lock"))
    }
}

fn run_poke<P: MpcProtocol>(inbox: &Mutex<Vec<(u32, Vec<u8>)>>, protocol: &Mutex<P>) -> std::result::Result<Vec<Outgoing>, MpcError> {
    let queued = std::mem::take(&mut *inbox.lock().expect("inbox lock"));
    let mut protocol = protocol.lock().expect("protocol lock");
    for (from, data) in queued {
        protocol.message(from, &data)?;
    }
    protocol.poke()
}

/// The plumbing every protocol class shares (`poke`, `pokeAsync`, `message`, `done`), over its `Runner`;
/// each class adds only its constructor and its `take…()`.
macro_rules! protocol_class {
    ($class:ident, $protocol:ident) => {
        #[napi]
        impl $class {
            /// Runs as far as possible on this thread; returns what to send.
            #[napi]
            pub fn poke(&self) -> Result<Vec<MpcAction>> {
                self.0.poke()
            }
            /// Like `poke`, on the libuv thread pool (rejects with "<Code>: reason"). One at a time per instance.
            #[napi(ts_return_type = "Promise<Array<MpcAction>>")]
            pub fn poke_async(&self) -> AsyncTask<PokeTask<$protocol>> {
                self.0.poke_async()
            }
            /// Checks (throws MalformedMessage) and queues a message; the next poke hands it to the protocol.
            #[napi]
            pub fn message(&self, from: u32, data: Buffer) -> Result<()> {
                self.0.message(from, &data)
            }
            #[napi(getter)]
            pub fn done(&self) -> bool {
                self.0.with(|p| p.is_done())
            }
        }
    };
}

/// `pokeAsync` on the libuv thread pool, so heavy steps (triple generation) never block the host's event loop.
pub struct PokeTask<P: MpcProtocol> {
    inbox: SharedInbox,
    protocol: Arc<Mutex<P>>,
}

impl<P: MpcProtocol + 'static> Task for PokeTask<P> {
    type Output = std::result::Result<Vec<Outgoing>, MpcError>;
    type JsValue = Vec<MpcAction>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(run_poke(&self.inbox, &self.protocol))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        // Async rejections only carry a napi Status, so the stable code leads the message: "Protocol: …".
        output.map(actions).map_err(|e| {
            let js = to_js(e);
            napi::Error::new(Status::GenericFailure, format!("{}: {}", js.status, js.reason))
        })
    }
}

/// Public facts about a key share (never the secret).
#[napi(object)]
pub struct MpcShareInfo {
    pub me: u32,
    pub participants: Vec<u32>,
    pub threshold: u32,
    pub generation: u32,
    /// 0x-prefixed compressed SEC1 group public key.
    pub public_key: String,
    /// 0x-prefixed lowercase Ethereum address of the group key.
    pub address: String,
    /// 0x-prefixed id of (group key, generation, set, threshold).
    pub key_id: String,
}

/// Parses and checks a serialised key share; throws `InvalidShare` for anything that does not hold together.
#[napi]
pub fn mpc_share_info(share_bytes: Buffer) -> Result<MpcShareInfo> {
    let s = share(&share_bytes)?;
    Ok(MpcShareInfo {
        me: s.me,
        participants: s.participants.clone(),
        threshold: s.threshold as u32,
        generation: s.generation as u32,
        public_key: to_hex_prefixed(&s.public_key_compressed()),
        address: to_hex_prefixed(&s.address()),
        key_id: to_hex_prefixed(&s.key_id()),
    })
}

/// t = floor(2n/3) + 1.
#[napi]
pub fn mpc_signing_threshold(n: u32) -> u32 {
    seq_mpc::signing_threshold(n as usize) as u32
}

/// Signs keccak256(message) with a node key: 65 bytes r ‖ s ‖ v (v = 27/28, low s).
#[napi]
pub fn mpc_envelope_sign(secret_key: Buffer, message: Buffer) -> Result<Buffer> {
    node_key::sign_message(&secret_key, &message).map(|s| s.to_vec().into()).map_err(to_js)
}

/// The lowercase 0x address that signed keccak256(message), or null when the signature is invalid.
#[napi]
pub fn mpc_envelope_recover(message: Buffer, signature: Buffer) -> Option<String> {
    node_key::recover_signer(&message, &signature).ok().map(|a| to_hex_prefixed(&a))
}

/// The lowercase 0x address of a node secret key.
#[napi]
pub fn mpc_node_address(secret_key: Buffer) -> Result<String> {
    node_key::address_of_secret(&secret_key).map(|a| to_hex_prefixed(&a)).map_err(to_js)
}

/// Distributed key generation among `participants` with signing threshold `threshold`.
#[napi]
pub struct MpcKeygen(Runner<Keygen>);
protocol_class!(MpcKeygen, Keygen);

#[napi]
impl MpcKeygen {
    #[napi(constructor)]
    pub fn new(participants: Vec<u32>, me: u32, threshold: u32) -> Result<Self> {
        Keygen::new(&participants, me, threshold as usize).map(|p| Self(Runner::new(p))).map_err(to_js)
    }
    /// The serialised key share (JSON; holds the secret: encrypt before storing), once, after `done`.
    #[napi]
    pub fn take_share(&self) -> Option<Buffer> {
        self.0.with(|p| p.take_output()).map(|s| s.to_bytes().into())
    }
}

/// Resharing the group key to a new set and threshold; the address stays the same.
#[napi]
pub struct MpcReshare(Runner<Reshare>);
protocol_class!(MpcReshare, Reshare);

#[napi]
impl MpcReshare {
    /// A party that holds a share of the current generation.
    #[napi(factory)]
    pub fn as_holder(share_bytes: Buffer, new_participants: Vec<u32>, new_threshold: u32) -> Result<Self> {
        let s = share(&share_bytes)?;
        let me = s.me;
        Reshare::new(&new_participants, new_threshold as usize, me, ReshareBasis::Holder(s)).map(|p| Self(Runner::new(p))).map_err(to_js)
    }
    /// A party joining the set; the old parameters come from the current holders.
    #[napi(factory)]
    pub fn as_joiner(
        me: u32,
        old_participants: Vec<u32>,
        old_threshold: u32,
        public_key: String,
        generation: u32,
        new_participants: Vec<u32>,
        new_threshold: u32,
    ) -> Result<Self> {
        let public_key = parse_public_key(&public_key).map_err(to_js)?;
        let basis = ReshareBasis::Joiner { old_participants, old_threshold: old_threshold as usize, public_key, generation: generation as u64 };
        Reshare::new(&new_participants, new_threshold as usize, me, basis).map(|p| Self(Runner::new(p))).map_err(to_js)
    }
    /// The new generation's serialised key share, once, after `done`.
    #[napi]
    pub fn take_share(&self) -> Option<Buffer> {
        self.0.with(|p| p.take_output()).map(|s| s.to_bytes().into())
    }
}

/// Single-use signing material for one signing set and key generation. Not serialisable, by design:
/// it lives in memory and the first `MpcSign` built from it empties it.
#[napi]
pub struct MpcPresignature(Option<Presignature>);

#[napi]
impl MpcPresignature {
    /// False once an `MpcSign` has consumed it.
    #[napi(getter)]
    pub fn available(&self) -> bool {
        self.0.is_some()
    }
    #[napi(getter)]
    pub fn participants(&self) -> Vec<u32> {
        self.0.as_ref().map(|p| p.participants().to_vec()).unwrap_or_default()
    }
    #[napi(getter)]
    pub fn key_id(&self) -> String {
        self.0.as_ref().map(|p| to_hex_prefixed(&p.key_id())).unwrap_or_default()
    }
}

/// Two triples and a presignature for `signers` (a subset of the share's set, at least the threshold).
#[napi]
pub struct MpcPresign(Runner<Presign>);
protocol_class!(MpcPresign, Presign);

#[napi]
impl MpcPresign {
    #[napi(constructor)]
    pub fn new(share_bytes: Buffer, signers: Vec<u32>) -> Result<Self> {
        Presign::new(share(&share_bytes)?, &signers).map(|p| Self(Runner::new(p))).map_err(to_js)
    }
    #[napi]
    pub fn take_presignature(&self) -> Option<MpcPresignature> {
        self.0.with(|p| p.take_output()).map(|p| MpcPresignature(Some(p)))
    }
}

/// An Ethereum signature by the group key: hex r, s (low), v (27/28), and the 65-byte r ‖ s ‖ v.
#[napi(object)]
pub struct MpcSignature {
    pub r: String,
    pub s: String,
    pub v: u32,
    pub signature: String,
}

/// The online round: consumes `presignature` and signs the 32-byte `digest`.
#[napi]
pub struct MpcSign(Runner<Sign>);
protocol_class!(MpcSign, Sign);

#[napi]
impl MpcSign {
    #[napi(constructor)]
    pub fn new(share_bytes: Buffer, presignature: &mut MpcPresignature, signers: Vec<u32>, digest: Buffer) -> Result<Self> {
        let s = share(&share_bytes)?;
        let digest = hex32(&digest, "digest")?;
        let presig = presignature.0.take().ok_or_else(|| to_js(MpcError::PresignatureConsumed))?;
        Sign::new(&s, presig, &signers, digest).map(|p| Self(Runner::new(p))).map_err(to_js)
    }
    #[napi]
    pub fn take_signature(&self) -> Option<MpcSignature> {
        self.0.with(|p| p.take_output()).map(|sig| MpcSignature {
            r: to_hex_prefixed(&sig.r),
            s: to_hex_prefixed(&sig.s),
            v: sig.v as u32,
            signature: to_hex_prefixed(&sig.to_bytes()),
        })
    }
}
