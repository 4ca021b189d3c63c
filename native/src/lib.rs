//! Thin napi facade. Each binding module wraps one core crate; no logic lives here.
use napi_derive::napi;

mod blob;
mod chain;
mod merkle;
mod mpc;
mod tx;

/// Version of the native core, so hosts can log which build they loaded.
#[napi]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
