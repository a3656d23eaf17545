//! ocpp-meter: the OCPP 2.0.1 `MeterValues` codec.
//!
//! A map of the crate, from bytes to values and back:
//! - [`reader`]: the byte cursor (whitespace, tokens, strings, numbers), reading in place.
//! - [`datetime`]: strict RFC 3339 `date-time`.
//! - [`dialect`]: OCPP 2.0.1 or 2.1, the schema a payload follows.
//! - [`model`]: the message types, their enumerations and the schema's limits.
//! - [`decode`]: the one schema-driven pass from JSON text to [`model`], validating as it reads.
//! - [`transaction_event`]: the `TransactionEvent` request, whose meter values share [`model`];
//!   [`transaction_event_response`]: what a CSMS answers it with; [`cost`]: the cost details
//!   and transaction limit OCPP 2.1 adds to both.
//! - [`schema`]: validation by the official schema itself, for the actions answered without a
//!   typed model (BootNotification, Heartbeat, StatusNotification, Authorize).
//! - [`json_value`]: the open JSON of `customData` and CALLERROR details.
//! - [`frame`]: OCPP-J envelopes (CALL, CALLRESULT, CALLERROR), decoding and encoding.
//! - [`encode`]: compact, deterministic JSON output.
//! - [`error`]: error codes and faults with their JSON Pointer, built only on failure.
//! - [`columns`]: columnar builders in Arrow's memory layout.
//! - [`rows`]: the contract's row form (24 columns, normalization), error records, replies.
//! - [`events`]: the contract's event form, one record per accepted `TransactionEvent`.
//! - [`batch`]: `decode_batch`, many frames to rows and events on several threads, in input
//!   order.
//! - [`ocpp16`]: OCPP 1.6J's MeterValues, StartTransaction and StopTransaction, with types,
//!   decoding, encoding, frames and error codes of their own.
//! - [`arrow`]: export of the rows and events through the Arrow C data and C stream interfaces.
//!
//! Everything above is plain Rust. The Python binding lives in `py/`, behind the `python`
//! feature, so `cargo test` and fuzzing need no interpreter.

pub mod arrow;
pub mod batch;
pub mod buffer_pool;
pub mod columns;
pub mod cost;
pub mod datetime;
pub mod decode;
pub mod dialect;
pub mod encode;
pub mod error;
pub mod events;
pub mod frame;
pub mod json_value;
pub mod limits;
pub mod model;
pub mod ocpp16;
pub mod profile;
pub mod reader;
pub mod rows;
pub mod schema;
#[cfg(test)]
mod test_support;
pub mod transaction_event;
pub mod transaction_event_response;

#[cfg(feature = "python")]
mod py;

pub use decode::{from_slice, Decode};
pub use dialect::Dialect;
pub use encode::Encode;
pub use error::{ErrorCode, Fault, FaultKind};
pub use frame::{decode_call, decode_message, Message};
