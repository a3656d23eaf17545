//! Python arguments to Rust values, for keyword construction and the encoders: the checks make
//! construction validate exactly as decoding does (the same core rules, the same faults), with
//! the JSON Pointer of the keyword.

use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyDateAccess, PyDateTime, PyDelta, PyDeltaAccess, PyDict, PyFloat, PyInt, PyList,
    PyString, PyTimeAccess, PyTuple, PyTzInfoAccess,
};

use crate::fault::error::{Fault, FaultKind, JsonType, Res, Seg};
use crate::fault::limits;
use crate::json::datetime::DateTime;
use crate::json::value::JsonValue;
use crate::ocpp::model::{self, CustomData};

/// A fault in keyword argument `key` (a wire name), for constructors.
#[cold]
pub fn arg_fault(kind: FaultKind, key: &'static str) -> Box<Fault> {
    Fault::new(kind, 0).within(Seg::Key(key))
}

#[cold]
fn wrong_type(expected: JsonType, obj: &Bound<'_, PyAny>) -> Box<Fault> {
    let found = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned());
    Fault::new(
        FaultKind::WrongPythonType {
            expected,
            found: found.into(),
        },
        0,
    )
}

/// A `type: integer` argument: an `int` (not `bool`), or a `float` with an integral value, as
/// draft-06 reads `1.0`.
pub fn int_arg(obj: &Bound<'_, PyAny>) -> Res<i64> {
    if obj.is_instance_of::<PyBool>() {
        return Err(wrong_type(JsonType::Integer, obj));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj
            .extract::<i64>()
            .map_err(|_| Fault::new(FaultKind::OutOfRange, 0));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        if !v.is_finite() {
            return Err(Fault::new(FaultKind::OutOfRange, 0));
        }
        if v.fract() != 0.0 {
            return Err(wrong_type(JsonType::Integer, obj));
        }
        if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v) {
            return Err(Fault::new(FaultKind::OutOfRange, 0));
        }
        return Ok(v as i64);
    }
    Err(wrong_type(JsonType::Integer, obj))
}

/// An integer argument within `min..=max`.
pub fn int_within_arg(obj: &Bound<'_, PyAny>, min: i64, max: i64) -> Res<i64> {
    let v = int_arg(obj)?;
    if v < min {
        return Err(Fault::new(FaultKind::BelowMinimum { min }, 0));
    }
    if v > max {
        return Err(Fault::new(FaultKind::AboveMaximum { max }, 0));
    }
    Ok(v)
}

/// A `type: boolean` argument: a `bool`, nothing else.
pub fn bool_arg(obj: &Bound<'_, PyAny>) -> Res<bool> {
    obj.cast::<PyBool>()
        .map(|b| b.is_true())
        .map_err(|_| wrong_type(JsonType::Boolean, obj))
}

/// A `type: number` argument: `int` or `float` (not `bool`), finite as a double.
pub fn number_arg(obj: &Bound<'_, PyAny>) -> Res<f64> {
    if obj.is_instance_of::<PyBool>()
        || !(obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>())
    {
        return Err(wrong_type(JsonType::Number, obj));
    }
    let v: f64 = obj
        .extract()
        .map_err(|_| Fault::new(FaultKind::OutOfRange, 0))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Fault::new(FaultKind::OutOfRange, 0))
    }
}

/// The UTF-8 text of a `str` (one holding a lone surrogate has none).
fn utf8<'a>(s: &'a Bound<'_, PyString>) -> Res<&'a str> {
    s.to_str()
        .map_err(|_| Fault::new(FaultKind::InvalidUnicode, 0))
}

/// The text of an argument that must be a `str`.
fn text_arg<'a>(obj: &'a Bound<'_, PyAny>) -> Res<&'a str> {
    utf8(
        obj.cast::<PyString>()
            .map_err(|_| wrong_type(JsonType::String, obj))?,
    )
}

/// A `type: string` argument with a `maxLength`.
pub fn str_arg(obj: &Bound<'_, PyAny>, max: usize) -> Res<String> {
    let text = text_arg(obj)?;
    model::check_max_length(text, max).map_err(|k| Fault::new(k, 0))?;
    Ok(text.to_owned())
}

/// An enumerated argument of the schema: a member of the Python enum or its wire string.
pub fn enum_arg<T: model::WireEnum>(obj: &Bound<'_, PyAny>) -> Res<T> {
    wire_arg(obj, T::from_wire, T::SCHEMA_NAME)
}

/// A string argument from a closed set, parsed by `parse` (named `enum_name` in faults).
pub fn wire_arg<T>(
    obj: &Bound<'_, PyAny>,
    parse: fn(&str) -> Option<T>,
    enum_name: &'static str,
) -> Res<T> {
    let text = text_arg(obj)?;
    parse(text).ok_or_else(|| {
        Fault::new(
            FaultKind::UnknownEnumValue {
                enum_name,
                value: text.into(),
            },
            0,
        )
    })
}

/// A `date-time` argument: a timezone-aware `datetime`, or an RFC 3339 string.
pub fn datetime_arg(obj: &Bound<'_, PyAny>) -> Res<DateTime> {
    if let Ok(s) = obj.cast::<PyString>() {
        return DateTime::parse(utf8(s)?).map_err(|r| Fault::new(FaultKind::BadDateTime(r), 0));
    }
    let dt = obj
        .cast::<PyDateTime>()
        .map_err(|_| wrong_type(JsonType::String, obj))?;
    let bad = |reason| Fault::new(FaultKind::BadDateTime(reason), 0);
    if dt.get_tzinfo().is_none() {
        return Err(bad("a naive datetime has no time zone offset"));
    }
    let offset = dt
        .call_method0("utcoffset")
        .ok()
        .and_then(|o| o.cast_into::<PyDelta>().ok())
        .ok_or_else(|| bad("the time zone gives no offset"))?;
    let offset_seconds = i64::from(offset.get_days()) * 86_400 + i64::from(offset.get_seconds());
    if offset.get_microseconds() != 0 {
        return Err(bad("offset must be whole minutes"));
    }
    DateTime::from_fields(
        i64::from(dt.get_year()),
        dt.get_month(),
        dt.get_day(),
        dt.get_hour(),
        dt.get_minute(),
        dt.get_second(),
        dt.get_microsecond() * 1000,
        offset_seconds,
    )
    .map_err(bad)
}

/// Python to open JSON, with the decoder's strictness (finite floats, 64-bit ints, str keys).
pub fn py_to_json(obj: &Bound<'_, PyAny>, depth: usize) -> Res<JsonValue> {
    if obj.is_none() {
        return Ok(JsonValue::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(JsonValue::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj
            .extract::<i64>()
            .map(JsonValue::Int)
            .map_err(|_| Fault::new(FaultKind::OutOfRange, 0));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return if v.is_finite() {
            Ok(JsonValue::Float(v))
        } else {
            Err(Fault::new(FaultKind::OutOfRange, 0))
        };
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(JsonValue::Str(utf8(s)?.to_owned()));
    }
    let limit = limits::max_depth();
    if depth >= limit
        && (obj.is_instance_of::<PyDict>()
            || obj.is_instance_of::<PyList>()
            || obj.is_instance_of::<PyTuple>())
    {
        return Err(Fault::new(FaultKind::TooDeep { limit }, 0));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return py_members(d, depth, |_| false).map(JsonValue::Object);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj
            .try_iter()
            .map_err(|_| wrong_type(JsonType::Array, obj))?
            .enumerate()
        {
            let item = item.map_err(|_| wrong_type(JsonType::Array, obj))?;
            items.push(py_to_json(&item, depth + 1).map_err(|e| e.within(Seg::Index(i)))?);
        }
        return Ok(JsonValue::Array(items));
    }
    Err(wrong_type(JsonType::Object, obj))
}

/// The members of a dict with `str` keys, skipping the keys `skip` claims.
fn py_members(
    d: &Bound<'_, PyDict>,
    depth: usize,
    skip: impl Fn(&str) -> bool,
) -> Res<Vec<(String, JsonValue)>> {
    let mut members = Vec::with_capacity(d.len());
    for (k, v) in d.iter() {
        let key = text_arg(&k)?.to_owned();
        if skip(&key) {
            continue;
        }
        let value =
            py_to_json(&v, depth + 1).map_err(|e| e.within(Seg::Name(key.as_str().into())))?;
        members.push((key, value));
    }
    Ok(members)
}

/// A `custom_data` argument: `None`, or a dict with a `vendorId` string and JSON values.
pub fn custom_data_arg(obj: Option<&Bound<'_, PyAny>>) -> Res<Option<Box<CustomData>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let inner = || -> Res<Box<CustomData>> {
        let d = obj
            .cast::<PyDict>()
            .map_err(|_| wrong_type(JsonType::Object, obj))?;
        let vendor = d
            .get_item("vendorId")
            .ok()
            .flatten()
            .ok_or_else(|| arg_fault(FaultKind::MissingProperty("vendorId"), "vendorId"))?;
        let vendor_id =
            str_arg(&vendor, model::MAX_VENDOR_ID).map_err(|e| e.within(Seg::Key("vendorId")))?;
        let extra = py_members(d, 0, |k| k == "vendorId")?;
        Ok(Box::new(CustomData { vendor_id, extra }))
    };
    inner()
        .map(Some)
        .map_err(|e| e.within(Seg::Key("customData")))
}

/// Lets a keyword argument's fault carry the keyword's wire name.
pub trait AtKey<T> {
    fn at(self, key: &'static str) -> Res<T>;
}

impl<T> AtKey<T> for Res<T> {
    fn at(self, key: &'static str) -> Res<T> {
        self.map_err(|e| e.within(Seg::Key(key)))
    }
}

/// Optional keyword arguments: `None` stays absent.
pub fn opt<'py, T>(
    obj: Option<&Bound<'py, PyAny>>,
    f: impl FnOnce(&Bound<'py, PyAny>) -> Res<T>,
) -> Res<Option<T>> {
    match obj {
        Some(o) if !o.is_none() => f(o).map(Some),
        _ => Ok(None),
    }
}

/// The items of a list or tuple argument (a `str` or a mapping is not a sequence here).
pub fn items_arg<'py>(obj: &Bound<'py, PyAny>) -> Res<Vec<Bound<'py, PyAny>>> {
    if !(obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>()) {
        return Err(wrong_type(JsonType::Array, obj));
    }
    obj.try_iter()
        .and_then(|it| it.collect::<PyResult<Vec<_>>>())
        .map_err(|_| wrong_type(JsonType::Array, obj))
}

/// A `minItems: 1` array argument of integers (faults at `key/index`).
pub fn ints_arg(obj: &Bound<'_, PyAny>, key: &'static str) -> Res<Vec<i64>> {
    let items = items_arg(obj).at(key)?;
    if items.is_empty() {
        return Err(arg_fault(FaultKind::TooFewItems { min: 1 }, key));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, o)| int_arg(o).map_err(|e| e.within(Seg::Index(i)).within(Seg::Key(key))))
        .collect()
}

/// A wrong-type fault for an element that is not the expected class.
#[cold]
pub fn not_instance(obj: &Bound<'_, PyAny>) -> Box<Fault> {
    wrong_type(JsonType::Object, obj)
}

/// An argument that must be an instance of the class `T` (at keyword `key`).
pub fn instance_arg<'py, T: pyo3::PyClass>(
    obj: &Bound<'py, PyAny>,
    key: &'static str,
) -> Res<Bound<'py, T>> {
    obj.cast::<T>()
        .cloned()
        .map_err(|_| not_instance(obj).within(Seg::Key(key)))
}

/// A `minItems: 1` array argument of `T` objects, as their Rust values.
pub fn models_arg<T, M>(
    obj: &Bound<'_, PyAny>,
    key: &'static str,
    model: impl Fn(&T) -> M,
) -> Res<Vec<M>>
where
    T: pyo3::PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Sync,
{
    models_within_arg(obj, key, usize::MAX, model)
}

/// [`models_arg`] with a `maxItems`, checked before the items, as decoding checks it.
pub fn models_within_arg<T, M>(
    obj: &Bound<'_, PyAny>,
    key: &'static str,
    max: usize,
    model: impl Fn(&T) -> M,
) -> Res<Vec<M>>
where
    T: pyo3::PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Sync,
{
    let items = items_arg(obj).at(key)?;
    if items.len() > max {
        return Err(arg_fault(FaultKind::TooManyItems { max }, key));
    }
    if items.is_empty() {
        return Err(arg_fault(FaultKind::TooFewItems { min: 1 }, key));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            item.cast::<T>().map(|t| model(t.get())).map_err(|_| {
                not_instance(item)
                    .within(Seg::Index(i))
                    .within(Seg::Key(key))
            })
        })
        .collect()
}
