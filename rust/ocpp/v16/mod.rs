//! OCPP 1.6J: the meter data of the stations most fleets still run. MeterValues,
//! StartTransaction and StopTransaction (and their responses) are decoded, validated and
//! encoded in one pass, as the 2.0.1 messages are, into types of their own ([`model`]: 1.6's
//! shapes differ from 2.0.1's); faults carry the same kinds and JSON Pointers, and the OCPP
//! 1.6J error codes on the wire ([`error`]). Their frames are [`crate::ocppj::frame16`]'s,
//! their rows and events [`crate::columnar::rows16`]'s and [`crate::columnar::events16`]'s,
//! each at its layer of the crate.
//!
//! - [`model`]: the types and the enumerations 1.6 has of its own.
//! - [`decode`]: JSON text to [`model`], validating as it reads (draft-04 integers, decimal
//!   text of `value`).
//! - [`encode`]: compact JSON in schema order.
//! - [`responses`]: StartTransaction's and StopTransaction's responses and `IdTagInfo`, each
//!   declared once (model, decoding and encoding together).
//! - [`error`]: the ten 1.6J error codes and which one a fault gets.

pub mod decode;
pub mod encode;
pub mod error;
pub mod model;
pub mod responses;
#[cfg(test)]
mod tests;

pub use error::ErrorCode16;
