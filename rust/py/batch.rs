//! `decode_batch`: many frames to the contract's rows, exposed through the Arrow PyCapsule
//! interface (`__arrow_c_stream__`), with the event records of the TransactionEvents, the
//! error records and the reply to every frame.
//! The frames are read in place when they are `bytes`, `str` or an Arrow binary/string array;
//! the interpreter is released while they are decoded, on all cores for large batches.

use std::ffi::{c_void, CStr};
use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyCapsule, PyList, PyString, PyTuple};

use crate::columnar::arrow::{export_stream, ArrowArray, ArrowArrayStream, ArrowSchema};
use crate::columnar::batch::{decode_batch_as as decode, Batch, Dialects, StationIds};
use crate::columnar::columns::{Cell, Field, Table};
use crate::columnar::events::EventColumns;
use crate::columnar::rows::{ErrorColumns, RowColumns, WarningColumns};
use crate::dialect::Dialect;
use crate::json::datetime::write_micros_utc;
use crate::ocpp::profile::Profile;

use super::deviations::{any_dialect_arg, profile_arg};

/// An Arrow C stream that may cross threads inside a capsule: it owns what it points at.
struct SendStream(ArrowArrayStream);

// SAFETY: the stream's private data is an `Arc` of immutable tables; nothing in it is tied
// to the thread that made it, and its release callback may run on any thread.
unsafe impl Send for SendStream {}

fn stream_capsule<'py>(
    py: Python<'py>,
    fields: &'static [Field],
    tables: &[Arc<Table>],
) -> PyResult<Bound<'py, PyCapsule>> {
    let stream = SendStream(export_stream(fields, tables.to_vec()));
    PyCapsule::new_with_value_and_destructor(py, stream, c"arrow_array_stream", |mut s, _| {
        // A consumer that imported the stream moved it out and cleared `release`.
        if let Some(release) = s.0.release {
            // SAFETY: the stream was exported by us and not released yet.
            unsafe { release(&mut s.0) };
        }
    })
}

/// The outcome of `decode_batch`: the rows (`__arrow_c_stream__`), the event records
/// (`events`) and the error records (`errors`), each an Arrow stream source, and the reply to
/// each frame (`replies`).
#[pyclass(frozen, module = "ocpp_meter._core", name = "BatchResult")]
pub struct PyBatchResult {
    batch: Arc<Batch>,
}

/// Which records of a batch a [`PyBatchRecords`] gives.
#[derive(Clone, Copy)]
enum Records {
    Events,
    Errors,
    Warnings,
}

/// The event, error or warning records of a batch, as an Arrow stream source.
#[pyclass(frozen, module = "ocpp_meter._core", name = "BatchRecords")]
pub struct PyBatchRecords {
    batch: Arc<Batch>,
    which: Records,
}

impl PyBatchRecords {
    fn tables(&self) -> (&'static [Field], &[Arc<Table>]) {
        match self.which {
            Records::Events => (EventColumns::FIELDS, &self.batch.events),
            Records::Errors => (ErrorColumns::FIELDS, &self.batch.errors),
            Records::Warnings => (WarningColumns::FIELDS, &self.batch.warnings),
        }
    }
}

#[pymethods]
impl PyBatchResult {
    /// The rows, in the contract's row form, as an Arrow C stream (PyCapsule protocol).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is fixed; a requested one is a hint the protocol lets us ignore.
        let _ = requested_schema;
        stream_capsule(py, RowColumns::FIELDS, &self.batch.rows)
    }

    /// The event records (one per accepted TransactionEvent, the contract's event form) as
    /// an Arrow source.
    #[getter]
    fn events(&self) -> PyBatchRecords {
        self.records(Records::Events)
    }

    /// The error records (index, message_id, code, description, path) as an Arrow source.
    #[getter]
    fn errors(&self) -> PyBatchRecords {
        self.records(Records::Errors)
    }

    /// The warning records (index, message_id, code, path, raw) of the deviations a
    /// non-strict profile accepted, as an Arrow source.
    #[getter]
    fn warnings(&self) -> PyBatchRecords {
        self.records(Records::Warnings)
    }

    /// The reply a CSMS sends to each frame, in input order (`None`: no reply).
    #[getter]
    fn replies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .batch
            .replies
            .iter()
            .map(|r| r.map(|b| PyBytes::new(py, b)));
        PyList::new(py, items)
    }

    /// How many rows the accepted frames gave.
    #[getter]
    fn row_count(&self) -> usize {
        self.batch.row_count()
    }

    /// How many frames were rejected (or were not CALLs).
    #[getter]
    fn error_count(&self) -> usize {
        self.batch.error_count()
    }

    /// How many event records the accepted TransactionEvents gave (one each).
    #[getter]
    fn event_count(&self) -> usize {
        self.batch.event_count()
    }

    /// Rows given by each frame, in input order (0 for a frame with an error record).
    #[getter]
    fn frame_rows(&self) -> Vec<u32> {
        self.batch.frame_rows.clone()
    }

    /// The rows as SQL parameters, one tuple at a time (see `PySqlParameters`).
    fn sql_parameters(&self) -> PySqlParameters {
        PySqlParameters::new(Arc::clone(&self.batch), None)
    }

    fn __repr__(&self) -> String {
        format!(
            "BatchResult(frames={}, rows={}, events={}, errors={})",
            self.batch.frame_rows.len(),
            self.batch.row_count(),
            self.batch.event_count(),
            self.batch.error_count()
        )
    }
}

impl PyBatchResult {
    fn records(&self, which: Records) -> PyBatchRecords {
        PyBatchRecords {
            batch: Arc::clone(&self.batch),
            which,
        }
    }
}

#[pymethods]
impl PyBatchRecords {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let (fields, tables) = self.tables();
        stream_capsule(py, fields, tables)
    }

    fn __len__(&self) -> usize {
        self.tables().1.iter().map(|t| t.len).sum()
    }

    /// The records as SQL parameters, one tuple at a time (see `PySqlParameters`).
    fn sql_parameters(&self) -> PySqlParameters {
        PySqlParameters::new(Arc::clone(&self.batch), Some(self.which))
    }
}

/// An iterator of a batch's rows (or event records) as DB-API parameter tuples, in column
/// order: null as `None`, a dictionary value as its string, a timestamp as fixed-width RFC 3339
/// UTC text (`2024-05-01T12:00:00.000000Z`). One tuple exists at a time, so a writer inserting
/// a batch holds its columns (about the size of its frames) and no Python object per row.
#[pyclass(module = "ocpp_meter._core", name = "SqlParameters")]
pub struct PySqlParameters {
    batch: Arc<Batch>,
    /// `None`: the rows.
    which: Option<Records>,
    table: usize,
    row: usize,
    text: Vec<u8>,
}

impl PySqlParameters {
    fn new(batch: Arc<Batch>, which: Option<Records>) -> Self {
        PySqlParameters {
            batch,
            which,
            table: 0,
            row: 0,
            text: Vec::with_capacity(32),
        }
    }
}

#[pymethods]
impl PySqlParameters {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let batch = Arc::clone(&self.batch);
        let tables = tables_of(&batch, self.which);
        while let Some(table) = tables.get(self.table) {
            if self.row < table.len {
                let i = self.row;
                self.row += 1;
                let mut cells = Vec::with_capacity(table.columns.len());
                for column in &table.columns {
                    cells.push(match column.cell(i) {
                        Cell::Null => py.None().into_bound(py),
                        Cell::Str(s) => PyString::new(py, s).into_any(),
                        Cell::Int(v) => v.into_pyobject(py)?.into_any(),
                        Cell::Float(v) => v.into_pyobject(py)?.into_any(),
                        Cell::Bool(v) => v.into_pyobject(py)?.to_owned().into_any(),
                        Cell::Micros(v) => {
                            self.text.clear();
                            write_micros_utc(v, &mut self.text);
                            let text = std::str::from_utf8(&self.text).expect("ASCII");
                            PyString::new(py, text).into_any()
                        }
                    });
                }
                return PyTuple::new(py, cells).map(Some);
            }
            self.table += 1;
            self.row = 0;
        }
        Ok(None)
    }

    /// Tuples not yet given.
    fn __length_hint__(&self) -> usize {
        let tables = tables_of(&self.batch, self.which);
        let total: usize = tables.iter().skip(self.table).map(|t| t.len).sum();
        total - self.row.min(total)
    }
}

fn tables_of(batch: &Batch, which: Option<Records>) -> &[Arc<Table>] {
    match which {
        None => &batch.rows,
        Some(Records::Events) => &batch.events,
        Some(Records::Errors) => &batch.errors,
        Some(Records::Warnings) => &batch.warnings,
    }
}

/// Frames held for the decode: borrowed from immutable Python objects, or copied from mutable
/// ones (which another thread could change while the interpreter is released).
enum Held<'a> {
    Borrowed(&'a [u8]),
    Copied(Vec<u8>),
}

impl Held<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Held::Borrowed(b) => b,
            Held::Copied(v) => v,
        }
    }
}

fn hold<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Held<'a>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Held::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        // A str that cannot be UTF-8 (a lone surrogate) is read as its surrogatepass bytes,
        // invalid UTF-8 at the surrogate, as `decode_call` reads it.
        return Ok(match s.to_str() {
            Ok(text) => Held::Borrowed(text.as_bytes()),
            Err(_) => Held::Copied(
                s.call_method1("encode", ("utf-8", "surrogatepass"))?
                    .cast_into::<PyBytes>()?
                    .as_bytes()
                    .to_vec(),
            ),
        });
    }
    if let Ok(ba) = obj.cast::<PyByteArray>() {
        return Ok(Held::Copied(ba.to_vec()));
    }
    if let Ok(buffer) = pyo3::buffer::PyBuffer::<u8>::get(obj) {
        return Ok(Held::Copied(buffer.to_vec(obj.py())?));
    }
    Err(PyTypeError::new_err(format!(
        "a frame must be bytes, bytearray, memoryview or str, got {}",
        obj.get_type().name()?
    )))
}

/// Decodes many frames at once into the contract's rows.
#[pyfunction]
#[pyo3(signature = (frames, charging_station_ids, *, threads=0, profile="strict", dialect="2.0.1", dialects=None))]
pub fn decode_batch(
    py: Python<'_>,
    frames: &Bound<'_, PyAny>,
    charging_station_ids: &Bound<'_, PyAny>,
    threads: usize,
    profile: &str,
    dialect: &str,
    dialects: Option<Vec<String>>,
) -> PyResult<PyBatchResult> {
    let per_frame = match dialects {
        None => None,
        Some(names) => Some(
            names
                .iter()
                .map(|n| any_dialect_arg(n))
                .collect::<PyResult<Vec<Dialect>>>()?,
        ),
    };
    let how = How {
        threads,
        profile: profile_arg(profile)?,
        dialect: any_dialect_arg(dialect)?,
        per_frame: per_frame.as_deref(),
    };
    let objects: Vec<Bound<'_, PyAny>> = if frames.hasattr("__arrow_c_array__")? {
        return decode_arrow(py, frames, charging_station_ids, how);
    } else {
        frames.try_iter()?.collect::<PyResult<_>>()?
    };
    let held = objects.iter().map(hold).collect::<PyResult<Vec<_>>>()?;
    let slices: Vec<&[u8]> = held.iter().map(Held::bytes).collect();
    run(py, &slices, charging_station_ids, how)
}

/// How a batch is decoded: on how many threads, under which profile, in which dialect (or,
/// for a capture of a mixed fleet, the dialect of each frame).
#[derive(Clone, Copy)]
struct How<'d> {
    threads: usize,
    profile: Profile,
    dialect: Dialect,
    per_frame: Option<&'d [Dialect]>,
}

fn run(
    py: Python<'_>,
    slices: &[&[u8]],
    charging_station_ids: &Bound<'_, PyAny>,
    how: How<'_>,
) -> PyResult<PyBatchResult> {
    let (one, many): (Option<String>, Vec<String>) = match charging_station_ids.cast::<PyString>() {
        Ok(s) => (Some(s.to_str()?.to_owned()), Vec::new()),
        Err(_) => (None, charging_station_ids.extract::<Vec<String>>()?),
    };
    if one.is_none() && many.len() != slices.len() {
        return Err(PyValueError::new_err(format!(
            "{} charging station ids for {} frames",
            many.len(),
            slices.len()
        )));
    }
    if let Some(ds) = how.per_frame.filter(|ds| ds.len() != slices.len()) {
        return Err(PyValueError::new_err(format!(
            "{} dialects for {} frames",
            ds.len(),
            slices.len()
        )));
    }
    let ids: Vec<&str> = many.iter().map(String::as_str).collect();
    let batch = py.detach(|| {
        let stations = match &one {
            Some(s) => StationIds::Same(s),
            None => StationIds::PerFrame(&ids),
        };
        let dialects = match how.per_frame {
            Some(ds) => Dialects::PerFrame(ds),
            None => Dialects::Same(how.dialect),
        };
        decode(slices, stations, how.threads, how.profile, dialects)
    });
    Ok(PyBatchResult {
        batch: Arc::new(batch),
    })
}

/// Frames given as one Arrow binary or string array (`__arrow_c_array__`), read in place.
fn decode_arrow(
    py: Python<'_>,
    array_source: &Bound<'_, PyAny>,
    charging_station_ids: &Bound<'_, PyAny>,
    how: How<'_>,
) -> PyResult<PyBatchResult> {
    let pair = array_source.call_method0("__arrow_c_array__")?;
    let (schema_capsule, array_capsule): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) =
        pair.extract()?;
    let schema = capsule_ptr::<ArrowSchema>(&schema_capsule, c"arrow_schema")?;
    let array = capsule_ptr::<ArrowArray>(&array_capsule, c"arrow_array")?;
    // SAFETY: both capsules are alive for this whole function, so the structs they point at
    // are valid; we only read them and the buffers they describe (which Arrow keeps immutable).
    let slices = unsafe { binary_slices(&*schema, &*array)? };
    let result = run(py, &slices, charging_station_ids, how);
    drop(slices);
    result
}

fn capsule_ptr<T>(capsule: &Bound<'_, PyCapsule>, name: &CStr) -> PyResult<*const T> {
    // SAFETY: the capsule is alive; a wrong name gives an error, not a pointer.
    let ptr: *mut c_void =
        unsafe { pyo3::ffi::PyCapsule_GetPointer(capsule.as_ptr(), name.as_ptr()) };
    if ptr.is_null() {
        return Err(PyErr::fetch(capsule.py()));
    }
    Ok(ptr.cast())
}

/// The values of a binary/string (or large binary/string) array, nulls as empty frames.
///
/// # Safety
/// `schema` and `array` must be valid C data interface structs, alive while the slices are.
unsafe fn binary_slices<'a>(
    schema: &ArrowSchema,
    array: &'a ArrowArray,
) -> PyResult<Vec<&'a [u8]>> {
    let format = CStr::from_ptr(schema.format).to_bytes();
    let large = match format {
        b"z" | b"u" => false,
        b"Z" | b"U" => true,
        _ => {
            return Err(PyTypeError::new_err(format!(
                "frames must be an Arrow binary or string array, not format {:?}",
                String::from_utf8_lossy(format)
            )))
        }
    };
    if array.n_buffers < 3 || array.buffers.is_null() {
        return Err(PyValueError::new_err(
            "an Arrow binary array has three buffers",
        ));
    }
    let n = usize::try_from(array.length).unwrap_or(0);
    let offset = usize::try_from(array.offset).unwrap_or(0);
    let buffers = std::slice::from_raw_parts(array.buffers, 3);
    let validity = buffers[0].cast::<u8>();
    let data = buffers[2].cast::<u8>();
    let mut out = Vec::with_capacity(n);
    for i in offset..offset + n {
        let valid = validity.is_null() || (*validity.add(i / 8) >> (i % 8)) & 1 == 1;
        let (start, end) = if large {
            let offsets = buffers[1].cast::<i64>();
            (*offsets.add(i) as usize, *offsets.add(i + 1) as usize)
        } else {
            let offsets = buffers[1].cast::<i32>();
            (*offsets.add(i) as usize, *offsets.add(i + 1) as usize)
        };
        out.push(if valid && !data.is_null() {
            std::slice::from_raw_parts(data.add(start), end - start)
        } else {
            &[][..]
        });
    }
    Ok(out)
}
