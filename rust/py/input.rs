//! The one input gate: the only code that knows `bytes`, `bytearray`, `memoryview` and `str`.
//! Each is read in place; no copy of the caller's buffer is made.

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

/// Inputs at least this long are parsed with the interpreter released when they are immutable
/// (`bytes`, `str`), so that other Python threads run meanwhile; below it, releasing and
/// re-acquiring costs more than it frees.
const DETACH_AT: usize = 16 * 1024;

/// Runs `read(bytes, trusted_utf8)` over the contents of `obj`. A `str` that cannot be UTF-8
/// (it holds a lone surrogate) is read as its surrogatepass bytes: invalid UTF-8, like any
/// invalid text, at the place of the surrogate.
/// `read` must be pure Rust: it may run with the interpreter released.
pub fn with_input<R: Send>(
    obj: &Bound<'_, PyAny>,
    read: impl FnOnce(&[u8], bool) -> R + Send,
) -> PyResult<R> {
    let exported: PyBuffer<u8>;
    let encoded: Bound<'_, PyBytes>;
    // (contents, valid UTF-8 for sure, immutable while we hold a reference)
    let (bytes, trusted_utf8, immutable): (&[u8], bool, bool) = if let Ok(b) = obj.cast::<PyBytes>()
    {
        (b.as_bytes(), false, true)
    } else if let Ok(s) = obj.cast::<PyString>() {
        match s.to_str() {
            // A Python str is valid Unicode, so its UTF-8 form needs no further checking.
            Ok(text) => (text.as_bytes(), true, true),
            // A lone surrogate has no UTF-8 form: its surrogatepass bytes (a copy, on this
            // rare path only) are invalid UTF-8 just where the text is, so the decoder reads
            // what comes before (the message id, say) and reports the fault in its place.
            Err(_) => {
                encoded = s
                    .call_method1("encode", ("utf-8", "surrogatepass"))?
                    .cast_into()?;
                (encoded.as_bytes(), false, true)
            }
        }
    } else if let Ok(ba) = obj.cast::<PyByteArray>() {
        // SAFETY: the slice is read only below, with the interpreter held (mutable input is
        // never read detached) by pure Rust that runs no Python code, so nothing can resize
        // or write to the bytearray while the slice is alive.
        (unsafe { ba.as_bytes() }, false, false)
    } else if let Ok(buffer) = PyBuffer::<u8>::get(obj) {
        if !buffer.is_c_contiguous() {
            return Err(PyTypeError::new_err("a buffer must be C-contiguous bytes"));
        }
        exported = buffer;
        // SAFETY: the export is held by `exported` until this function returns, it is
        // contiguous with `len_bytes()` bytes, and it is read with the interpreter held by
        // code that runs no Python, so no Python thread can write to it meanwhile.
        let bytes = unsafe {
            std::slice::from_raw_parts(exported.buf_ptr() as *const u8, exported.len_bytes())
        };
        (bytes, false, false)
    } else {
        return Err(PyTypeError::new_err(format!(
            "expected bytes, bytearray, memoryview or str, got {}",
            obj.get_type().name()?
        )));
    };
    if immutable && bytes.len() >= DETACH_AT {
        Ok(obj.py().detach(|| read(bytes, trusted_utf8)))
    } else {
        Ok(read(bytes, trusted_utf8))
    }
}
