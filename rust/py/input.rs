//! The one input gate: the only code that knows `bytes`, `bytearray`, `memoryview` and `str`.
//! Each is read in place; no copy of the caller's buffer is made.

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

use crate::error::{Fault, FaultKind};

/// Runs `read(bytes, trusted_utf8)` over the contents of `obj`. A `str` that cannot be UTF-8
/// (it holds a lone surrogate) gives `Err(fault)` to `read`'s caller, like any invalid text.
pub fn with_input<R>(
    obj: &Bound<'_, PyAny>,
    read: impl FnOnce(&[u8], bool) -> R,
) -> PyResult<Result<R, Box<Fault>>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Ok(read(b.as_bytes(), false)));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(match s.to_str() {
            // A Python str is valid Unicode, so its UTF-8 form needs no further checking.
            Ok(text) => Ok(read(text.as_bytes(), true)),
            Err(_) => Err(Fault::new(FaultKind::InvalidUnicode, 0)),
        });
    }
    if let Ok(ba) = obj.cast::<PyByteArray>() {
        // SAFETY: `read` is pure Rust and runs no Python code, and we hold the interpreter, so
        // nothing can resize or write to the bytearray while the slice is alive.
        let bytes = unsafe { ba.as_bytes() };
        return Ok(Ok(read(bytes, false)));
    }
    if let Ok(buffer) = PyBuffer::<u8>::get(obj) {
        if !buffer.is_c_contiguous() {
            return Err(PyTypeError::new_err("a buffer must be C-contiguous bytes"));
        }
        let ptr = buffer.buf_ptr() as *const u8;
        let len = buffer.len_bytes();
        // SAFETY: the buffer export is held by `buffer` for the duration of `read`, it is
        // contiguous with `len` bytes, and `read` runs no Python code that could write to it.
        let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
        return Ok(Ok(read(bytes, false)));
    }
    Err(PyTypeError::new_err(format!(
        "expected bytes, bytearray, memoryview or str, got {}",
        obj.get_type().name()?
    )))
}
