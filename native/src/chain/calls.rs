//! eth_call / eth_estimateGas off the event loop and off the libuv pool: a few dedicated threads and a bounded queue,
//! so a flood of heavy calls can neither stall the JS thread (ABCI, MPC, JSON-RPC) nor take the libuv threads block
//! building and the MPC use. Each call settles a Promise from its worker; a full queue rejects at once.
use napi::bindgen_prelude::Object;
use napi::{Env, JsDeferred};
use seq_chain::{CallLimits, CallOutcome, ChainError};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use super::views::to_napi;
use super::{call_result, CallResult};

type Resolver = Box<dyn FnOnce(Env) -> napi::Result<CallResult>>;

/// A promise settled from a worker thread. napi settles it through a threadsafe function, which exists to be
/// called from any thread; the deferred is moved to one worker and settled exactly once.
struct Settle(JsDeferred<CallResult, Resolver>);
// SAFETY: `JsDeferred` is a handle to a threadsafe function (see above); nothing in it is touched off the JS thread
// except through that function.
unsafe impl Send for Settle {}

struct Job {
    work: Box<dyn FnOnce() -> Result<CallOutcome, ChainError> + Send>,
    settle: Settle,
}

/// How calls run: `threads` workers, at most `queue` calls waiting for one, each call within `limits`.
#[derive(Clone, Copy, Debug)]
pub struct CallPoolOptions {
    pub threads: usize,
    pub queue: usize,
    pub limits: CallLimits,
}

impl Default for CallPoolOptions {
    fn default() -> Self {
        Self { threads: 1, queue: 8, limits: CallLimits::default() }
    }
}

pub struct CallPool {
    jobs: SyncSender<Job>,
    pub(super) options: CallPoolOptions,
}

impl CallPool {
    pub fn start(options: CallPoolOptions) -> Self {
        let (jobs, waiting) = sync_channel::<Job>(options.queue);
        let waiting = Arc::new(Mutex::new(waiting));
        for index in 0..options.threads.max(1) {
            let waiting = waiting.clone();
            // Workers end when the pool (the only sender) is dropped with the chain's binding.
            std::thread::Builder::new().name(format!("seq-call-{index}")).spawn(move || work(&waiting)).expect("spawn call worker");
        }
        Self { jobs, options }
    }

    /// A Promise of `work`'s result, run on a worker; rejected at once with "CallQueueFull: ..." when every worker
    /// is busy and `queue` calls already wait.
    pub fn submit<'env>(&self, env: &'env Env, work: impl FnOnce() -> Result<CallOutcome, ChainError> + Send + 'static) -> napi::Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred::<CallResult, Resolver>()?;
        match self.jobs.try_send(Job { work: Box::new(work), settle: Settle(deferred) }) {
            Ok(()) => {}
            Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) => job.settle.0.reject(napi::Error::new(
                napi::Status::GenericFailure,
                format!("CallQueueFull: {} calls running and {} waiting", self.options.threads, self.options.queue),
            )),
        }
        Ok(promise)
    }
}

fn work(waiting: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while taking a job, never while running one.
        let next = waiting.lock().map(|jobs| jobs.recv());
        let Ok(Ok(job)) = next else { return };
        // A panic in one call must neither kill the worker nor leave its Promise pending forever.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(job.work)) {
            Ok(Ok(outcome)) => job.settle.0.resolve(Box::new(move |_| Ok(call_result(outcome)))),
            Ok(Err(error)) => job.settle.0.reject(to_napi(error)),
            Err(_) => job.settle.0.reject(napi::Error::new(napi::Status::GenericFailure, "CallFailed: the call panicked")),
        }
    }
}
