//! The ground every layer stands on: error codes and faults with their JSON Pointer (built only
//! on failure), and the process-wide limits on untrusted input.

pub mod error;
pub mod limits;
