//! OCPP-J: the envelopes (CALL, CALLRESULT, CALLERROR) over any message, decoding and encoding.

pub mod frame;
pub mod frame16;
pub mod lenient16;
