//! OCPP 1.6J: the meter data of the stations most fleets still run. MeterValues,
//! StartTransaction and StopTransaction (and their responses) are decoded, validated and
//! encoded in one pass, as the 2.0.1 messages are, into types of their own ([`model`]: 1.6's
//! shapes differ from 2.0.1's); faults carry the same kinds and JSON Pointers, and the OCPP
//! 1.6J error codes on the wire ([`error`]).
//!
//! - [`model`]: the types and the enumerations 1.6 has of its own.
//! - [`decode`]: JSON text to [`model`], validating as it reads (draft-04 integers, decimal
//!   text of `value`).
//! - [`encode`]: compact JSON in schema order.
//! - [`error`]: the ten 1.6J error codes and which one a fault gets.
//! - [`frame`]: 1.6 CALL, CALLRESULT and CALLERROR frames.
//! - [`lenient`]: 1.6 CALLs under the non-strict profiles (the quirks of 1.6 chargers).

pub mod decode;
pub mod encode;
pub mod error;
pub mod events;
pub mod frame;
pub mod lenient;
pub mod model;
pub mod rows;
#[cfg(test)]
mod tests;

pub use error::ErrorCode16;
pub use frame::{decode_call16, decode_message16, Action16, Message16, Request16, Response16};
pub use lenient::decode_call16_as;
