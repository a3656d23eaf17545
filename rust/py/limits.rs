//! The process-wide bounds: the size limits on input (`crate::fault::limits`) and the memory kept for
//! the next batch (`crate::columnar::buffer_pool`). `ocpp_meter.limits` wraps the first in a named tuple.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::fault::limits::{self, Limits};

/// The size limits in force: `(max_frame_bytes, max_depth)`.
#[pyfunction]
pub fn get_limits() -> (usize, usize) {
    let l = limits::current();
    (l.max_frame_bytes, l.max_depth)
}

/// Sets the size limits; returns the previous ones. `ValueError` for a limit out of range.
#[pyfunction]
pub fn set_limits(max_frame_bytes: usize, max_depth: usize) -> PyResult<(usize, usize)> {
    let previous = limits::set(Limits {
        max_frame_bytes,
        max_depth,
    })
    .map_err(PyValueError::new_err)?;
    Ok((previous.max_frame_bytes, previous.max_depth))
}

/// Sets the bytes of column buffers kept for the next batch; returns the previous bound.
#[pyfunction]
pub fn set_batch_buffer_pool_limit(max_bytes: usize) -> usize {
    crate::columnar::buffer_pool::set_limit(max_bytes)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(get_limits, m)?)?;
    m.add_function(wrap_pyfunction!(set_limits, m)?)?;
    m.add_function(wrap_pyfunction!(set_batch_buffer_pool_limit, m)?)?;
    m.add(
        "DEFAULT_LIMITS",
        (limits::DEFAULT.max_frame_bytes, limits::DEFAULT.max_depth),
    )?;
    m.add("MAX_DEPTH_LIMIT", limits::MAX_DEPTH_LIMIT)?;
    m.add(
        "BATCH_BUFFER_POOL_DEFAULT_LIMIT",
        crate::columnar::buffer_pool::DEFAULT_LIMIT,
    )?;
    Ok(())
}
