//! JSON text in and out, knowing nothing of OCPP's messages: the byte cursor, strict RFC 3339
//! `date-time`, the open JSON of `customData` and CALLERROR details, and the string and number
//! writer.

pub mod datetime;
pub mod reader;
pub mod value;
pub mod writer;
