//! One declaration per Python class over a model type: [`py_class!`] writes the class, its
//! keyword constructor (validating as decoding does), its getters, `repr`, `==`, `to_json`,
//! `from_json` and pickling from a list of fields. What a field's value looks like in Python is
//! [`ToPy`] of its model type; how a keyword argument becomes one is the field's [`Arg`] kind.

use pyo3::prelude::*;
use pyo3::pyclass::boolean_struct::True;
use pyo3::types::{PyBool, PyFloat, PyString, PyTuple};

use crate::fault::error::Res;
use crate::json::datetime::DateTime;
use crate::ocpp::model::{CustomData, WireEnum};

use super::args::*;
use super::lookups::{self, enum_to_py};
use super::to_python::{custom_data_to_py, datetime_to_py};

/// A model value as a new Python object: what a getter returns and a `repr` shows.
pub trait ToPy {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
}

impl ToPy for String {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, self).into_any())
    }
}

impl ToPy for i64 {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.into_pyobject(py)?.into_any())
    }
}

impl ToPy for f64 {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyFloat::new(py, *self).into_any())
    }
}

impl ToPy for bool {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyBool::new(py, *self).to_owned().into_any())
    }
}

impl ToPy for DateTime {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, self)
    }
}

/// `customData` as a fresh dict.
impl ToPy for Box<CustomData> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let dict = custom_data_to_py(py, &Some(self.clone()))?;
        Ok(dict.map_or_else(|| py.None().into_bound(py), Bound::into_any))
    }
}

/// An absent field is `None`.
impl<T: ToPy> ToPy for Option<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.to_py(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

/// Arrays are tuples (the objects are immutable).
impl<T: ToPy> ToPy for Vec<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = self
            .iter()
            .map(|v| v.to_py(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyTuple::new(py, items)?.into_any())
    }
}

/// A model type's annotation in `_core.pyi`: what a getter returns and what keyword
/// construction takes. Each declared class lists its fields' annotations (`_stub_fields`) and
/// `tests/test_stub_declarations.py` holds the stub to them. Data, rendered only when the
/// class is created, so that the many field types add a constant each rather than code.
#[derive(Clone, Copy)]
pub enum Ann {
    /// The same returned and taken.
    Plain(&'static str),
    /// Returned as the first, taken as the second.
    Taken(&'static str, &'static str),
    /// A Python enum (its name looked up): taken as a member or its wire string.
    Enum(fn() -> &'static str),
    /// `X | None`.
    Optional(&'static Ann),
    /// Returned as a tuple, taken as any sequence.
    Items(&'static Ann),
}

impl Ann {
    /// The annotation as the stub writes it, of a keyword (`taken`) or of a getter.
    pub fn render(&self, taken: bool) -> String {
        match *self {
            Ann::Plain(name) => name.into(),
            Ann::Taken(_, as_taken) if taken => as_taken.into(),
            Ann::Taken(returned, _) => returned.into(),
            Ann::Enum(name) if taken => format!("{} | str", name()),
            Ann::Enum(name) => name().into(),
            Ann::Optional(inner) => format!("{} | None", inner.render(taken)),
            Ann::Items(inner) if taken => format!("Sequence[{}]", inner.render(taken)),
            Ann::Items(inner) => format!("tuple[{}, ...]", inner.render(taken)),
        }
    }
}

/// The [`Ann`] of a model type.
pub trait Annotation {
    const ANN: Ann;
}

macro_rules! annotation {
    ($($t:ty => $ann:expr;)*) => {$(
        impl Annotation for $t {
            const ANN: Ann = $ann;
        }
    )*};
}
annotation!(
    String => Ann::Plain("str");
    i64 => Ann::Plain("int");
    f64 => Ann::Plain("float");
    bool => Ann::Plain("bool");
    DateTime => Ann::Taken("datetime", "datetime | str");
    Box<CustomData> => Ann::Plain("dict[str, Any]");
);

impl<T: Annotation> Annotation for Option<T> {
    const ANN: Ann = Ann::Optional(&T::ANN);
}

impl<T: Annotation> Annotation for Vec<T> {
    const ANN: Ann = Ann::Items(&T::ANN);
}

/// `_stub_fields` of a class: `(name, required, taken, returned)` per keyword.
pub fn stub_fields(
    fields: &[(&'static str, bool, Ann)],
) -> Vec<(&'static str, bool, String, String)> {
    fields
        .iter()
        .map(|&(name, required, ann)| {
            let name = name.trim_start_matches("r#");
            (name, required, ann.render(true), ann.render(false))
        })
        .collect()
}

/// The annotation of the model field `field` picks.
pub fn annotation<M, T: Annotation>(_field: fn(&M) -> &T) -> Ann {
    T::ANN
}

/// Schema enumerations are members of their Python enum (`ocpp_meter.enums`).
macro_rules! enum_to_py {
    ($($t:ty => $members:ident),* $(,)?) => {$(
        impl ToPy for $t {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                enum_to_py(py, &lookups::$members, *self)
            }
        }

        impl Annotation for $t {
            const ANN: Ann = Ann::Enum(|| lookups::$members.class_name());
        }
    )*};
}
enum_to_py!(
    crate::ocpp::transaction_event_response::MessageFormat => MESSAGE_FORMAT,
    crate::ocpp::transaction_event_response::AuthorizationStatus => AUTHORIZATION_STATUS,
    crate::ocpp::cost::CostDimensionKind => COST_DIMENSION,
    crate::ocpp::cost::TariffCost => TARIFF_COST,
    crate::ocpp::v16::model::ReadingContext => READING_CONTEXT16,
    crate::ocpp::v16::model::Phase => PHASE16,
    crate::ocpp::v16::model::Location => LOCATION16,
    crate::ocpp::v16::model::Measurand => MEASURAND16,
    crate::ocpp::v16::model::Unit => UNIT16,
    crate::ocpp::v16::model::ValueFormat => VALUE_FORMAT16,
    crate::ocpp::v16::model::Reason => REASON16,
    crate::ocpp::v16::model::AuthorizationStatus => AUTHORIZATION_STATUS16,
);

/// A model type with a Python class holding it as `inner`: nested values become instances of
/// the class, and arguments of the class give back their model.
pub trait PyModel: Clone + Sized + 'static {
    type Class: pyo3::PyClass<Frozen = True> + Sync + Into<pyo3::PyClassInitializer<Self::Class>>;
    fn of(class: &Self::Class) -> &Self;
}

/// [`PyModel`] and [`ToPy`] of `$model` through `$class` (a frozen class with `inner: $model`).
macro_rules! model_class {
    ($class:ident, $model:ty $(, $xf:ident)*) => {
        impl $crate::py::class::PyModel for $model {
            type Class = $class;
            fn of(class: &$class) -> &$model {
                &class.inner
            }
        }

        impl $crate::py::class::Annotation for $model {
            const ANN: $crate::py::class::Ann =
                $crate::py::class::Ann::Plain(<$class as pyo3::PyClass>::NAME);
        }

        impl $crate::py::class::ToPy for $model {
            fn to_py<'py>(
                &self,
                py: pyo3::Python<'py>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                Ok(pyo3::Py::new(
                    py,
                    $class {
                        inner: self.clone(),
                        $($xf: Default::default(),)*
                    },
                )?
                .into_bound(py)
                .into_any())
            }
        }
    };
}
pub(crate) use model_class;

/// How a keyword argument becomes a model value of type `T`; a fault carries the keyword's
/// wire name `key`, as decoding puts it in the JSON Pointer.
pub trait Arg<T> {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<T>;
}

pub use crate::ocpp::declare::{
    Bool, Custom, Date, Enum, Int, IntWithin, Ints, List, Number, One, Str, Text, LIST,
};

impl Arg<String> for Str {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<String> {
        str_arg(obj, self.0).at(key)
    }
}

/// What either dialect allows: the larger, OCPP 2.1's, `maxLength`.
impl Arg<String> for Text {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<String> {
        str_arg(obj, self.1).at(key)
    }
}

impl Arg<i64> for Int {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<i64> {
        int_arg(obj).at(key)
    }
}

/// `IntWithin(min, i64::MAX)`: no maximum.
impl Arg<i64> for IntWithin {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<i64> {
        int_within_arg(obj, self.0, self.1).at(key)
    }
}

impl Arg<f64> for Number {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<f64> {
        number_arg(obj).at(key)
    }
}

impl Arg<bool> for Bool {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<bool> {
        bool_arg(obj).at(key)
    }
}

impl Arg<DateTime> for Date {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<DateTime> {
        datetime_arg(obj).at(key)
    }
}

impl<T: WireEnum> Arg<T> for Enum {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<T> {
        enum_arg::<T>(obj).at(key)
    }
}

impl<M: PyModel> Arg<M> for One {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<M> {
        Ok(M::of(instance_arg::<M::Class>(obj, key)?.get()).clone())
    }
}

impl<M: PyModel> Arg<Vec<M>> for List {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<Vec<M>> {
        models_within_arg(obj, key, self.0, |c: &M::Class| M::of(c).clone())
    }
}

/// What either dialect allows: OCPP 2.0.1 sets the items no minimum.
impl Arg<Vec<i64>> for Ints {
    fn take(&self, obj: &Bound<'_, PyAny>, key: &'static str) -> Res<Vec<i64>> {
        ints_arg(obj, key)
    }
}

/// An optional keyword (`None` or left out: absent). `customData` is its own kind, optional
/// by nature.
pub trait OptArg<T> {
    fn take_opt(&self, obj: Option<&Bound<'_, PyAny>>, key: &'static str) -> Res<T>;
}

impl<T, A: Arg<T>> OptArg<Option<T>> for A {
    fn take_opt(&self, obj: Option<&Bound<'_, PyAny>>, key: &'static str) -> Res<Option<T>> {
        opt(obj, |o| self.take(o, key))
    }
}

/// `custom_data=`: a dict with a `vendorId` string and JSON values.
impl OptArg<Option<Box<CustomData>>> for Custom {
    fn take_opt(
        &self,
        obj: Option<&Bound<'_, PyAny>>,
        _: &'static str,
    ) -> Res<Option<Box<CustomData>>> {
        custom_data_arg(obj)
    }
}

/// A required keyword: an explicit `None` is a value of the wrong type, as `null` is in JSON.
pub fn take_required<T>(
    py: Python<'_>,
    kind: &impl Arg<T>,
    obj: Option<&Bound<'_, PyAny>>,
    key: &'static str,
) -> Res<T> {
    match obj {
        Some(o) => kind.take(o, key),
        None => kind.take(&py.None().into_bound(py), key),
    }
}

/// The first of one or two idents: a declaration's `a: b` or `b in a` where the model's and
/// Python's names differ, else the one name both use.
macro_rules! pick {
    ($a:ident $($b:ident)?) => {
        $a
    };
}
pub(crate) use pick;

/// Field `a` of `e` (`pick!` in field position, where a macro cannot stand).
macro_rules! field {
    ($e:expr; $a:ident $($b:ident)?) => {
        $e.$a
    };
}
pub(crate) use field;

/// `present` in a `repr`: fields that are `None` are left out.
pub fn present(v: Bound<'_, PyAny>) -> Option<Bound<'_, PyAny>> {
    (!v.is_none()).then_some(v)
}

/// Declares a Python class over a model type. In signature order, each field:
/// `name [in model_field] [= None]: "wireName" => Kind`, where `= None` makes the keyword
/// optional and `Kind` is an [`Arg`] (or [`Custom`]); the getter is `name`, its value
/// [`ToPy`] of the model field. `build { … }` lists the model's fields in its own (the
/// schema's) order, `model_field: name` where the two differ: the constructor checks them in
/// that order, as decoding meets them; `model_field = expr` gives a field no keyword sets,
/// and `then f` passes the built value through `f` (a check across fields, or a field derived
/// from others). `dialect` classes load from either OCPP 2.x version, `cost` classes from OCPP
/// 2.1 only, `v16` classes from OCPP 1.6J only, their faults with the 1.6J codes. `+ name:
/// Type` after the flavor adds a member the Python side never sets, `Type::default()` in a
/// value built by keyword or copied out of another (what a decoding kept beside the model:
/// a lenient 1.6 request's deviations).
macro_rules! py_class {
    (
        $(#[$meta:meta])*
        $class:ident($name:literal): $model:ident, $flavor:ident $(+ $xf:ident: $xt:ty)*;
        ($($py:ident $(in $mf:ident)? $(= $none:ident)?: $key:literal => $kind:expr),* $(,)?)
        build { $($bf:ident $(: $bp:ident)? $(= $bv:expr)?),* $(,)? }
        $(then $then:path)?
    ) => {
        $(#[$meta])*
        #[pyo3::pyclass(frozen, module = "ocpp_meter._core", name = $name)]
        pub struct $class {
            pub inner: $model,
            $(pub $xf: $xt,)*
        }

        #[pyo3::pymethods]
        impl $class {
            #[new]
            #[pyo3(signature = ($($py $(= $none)?),*))]
            #[allow(clippy::too_many_arguments)]
            fn new(
                py: pyo3::Python<'_>,
                $($py: Option<&pyo3::Bound<'_, pyo3::PyAny>>),*
            ) -> pyo3::PyResult<Self> {
                $(
                    let $py = || $crate::py::class::py_class!(@take $($none)?; py, $py, $key, $kind);
                )*
                let build = || -> $crate::fault::error::Res<$model> {
                    let built = $model {
                        $($bf: $crate::py::class::py_class!(@field $bf $($bp)? $(= $bv)?),)*
                    };
                    $(let built = $then(built)?;)?
                    Ok(built)
                };
                Ok($class {
                    inner: $crate::py::class::py_class!(@raise $flavor, py, build())?,
                    $($xf: <$xt>::default(),)*
                })
            }

            $(
                #[getter]
                fn $py<'py>(
                    &self,
                    py: pyo3::Python<'py>,
                ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                    $crate::py::class::ToPy::to_py(
                        &$crate::py::class::field!(self.inner; $($mf)? $py),
                        py,
                    )
                }
            )*

            /// `(name, required, taken, returned)` of each keyword, in signature order: what
            /// `_core.pyi` must say (`tests/test_stub_declarations.py`).
            #[classattr]
            fn _stub_fields() -> Vec<(&'static str, bool, String, String)> {
                $crate::py::class::stub_fields(&[$((
                    stringify!($py),
                    $crate::py::class::py_class!(@required $($none)?),
                    $crate::py::class::annotation(
                        |m: &$model| &$crate::py::class::field!(m; $($mf)? $py),
                    ),
                )),*])
            }

            fn __repr__(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<String> {
                $crate::py::methods::repr(
                    py,
                    $name,
                    &[$((
                        stringify!($py).trim_start_matches("r#"),
                        $crate::py::class::present(self.$py(py)?),
                    )),*],
                )
            }
        }

        $crate::py::class::model_class!($class, $model $(, $xf)*);
        $crate::py::class::py_class!(@loaders $flavor, $class, $model, $name $(, $xf)*);
    };
    (@field $bf:ident $($bp:ident)? = $bv:expr) => {
        $bv
    };
    (@field $bf:ident $($bp:ident)?) => {
        $crate::py::class::pick!($($bp)? $bf)()?
    };
    (@required None) => {
        false
    };
    (@required) => {
        true
    };
    (@raise v16, $py:ident, $r:expr) => {
        $crate::py::methods::raise16($py, $r)
    };
    (@raise $flavor:ident, $py:ident, $r:expr) => {
        $crate::py::methods::raise($py, $r)
    };
    (@take None; $tok:ident, $py:ident, $key:literal, $kind:expr) => {
        $crate::py::class::OptArg::take_opt(&$kind, $py, $key)
    };
    (@take; $tok:ident, $py:ident, $key:literal, $kind:expr) => {
        $crate::py::class::take_required($tok, &$kind, $py, $key)
    };
    (@loaders dialect, $class:ident, $model:ident, $name:literal) => {
        $crate::py::methods::dialect_loaders!($class, $model);
    };
    (@loaders v16, $class:ident, $model:ident, $name:literal $(, $xf:ident)*) => {
        $crate::py::methods::v16_loaders!($class, $model, $name $(, $xf)*);
    };
    (@loaders cost, $class:ident, $model:ident, $name:literal) => {
        $crate::py::methods::cost_loaders!($class, $model, $name);
    };
}
pub(crate) use py_class;

/// The Python classes of types declared with [`crate::ocpp::declare::ocpp_type!`], one entry
/// each (`Class("Name") = type_list, flavor;`): the type's field list (`type_list!`) becomes a
/// [`py_class!`] whose keywords are the required fields, then the optional ones (`= None`),
/// each in declaration order, and whose constructor checks them in the order they are written
/// in JSON, as decoding meets them. The field kinds and constants of the declaration are
/// resolved where this is invoked: import the type's module and the kinds
/// (`use super::class::*`) there.
macro_rules! declared_class {
    ($($(#[$meta:meta])* $class:ident($name:literal) = $list:ident, $flavor:ident;)+) => {$(
        $list!(declared_class { @fields [$(#[$meta])* $class($name), $flavor] });
    )+};
    // Without a `json(...)` order, the constructor checks the fields in declaration order.
    (@fields $head:tt; $model:ident; [];
        $({ $since:ident $q:ident $f:ident $k:literal [$kind:expr] })*
    ) => {
        $crate::py::class::declared_class!(
            @part $head $model [$($f)*] [] [] $({ $q $f $k [$kind] })*
        );
    };
    (@fields $head:tt; $model:ident; [$($json:ident)+];
        $({ $since:ident $q:ident $f:ident $k:literal [$kind:expr] })*
    ) => {
        $crate::py::class::declared_class!(
            @part $head $model [$($json)+] [] [] $({ $q $f $k [$kind] })*
        );
    };
    // Required keywords first, then the optional ones.
    (@part $head:tt $model:ident $build:tt [$($req:tt)*] $opt:tt
        { req $f:ident $k:literal [$kind:expr] } $($rest:tt)*
    ) => {
        $crate::py::class::declared_class!(
            @part $head $model $build [$($req)* $f: $k => $kind,] $opt $($rest)*
        );
    };
    (@part $head:tt $model:ident $build:tt $req:tt [$($opt:tt)*]
        { opt $f:ident $k:literal [$kind:expr] } $($rest:tt)*
    ) => {
        $crate::py::class::declared_class!(
            @part $head $model $build $req [$($opt)* $f = None: $k => $kind,] $($rest)*
        );
    };
    (@part [$(#[$meta:meta])* $class:ident($name:literal), $flavor:ident] $model:ident
        [$($b:ident)*] [$($req:tt)*] [$($opt:tt)*]
    ) => {
        $crate::py::class::py_class! {
            $(#[$meta])*
            $class($name): $model, $flavor;
            ($($req)* $($opt)*)
            build { $($b),* }
        }
    };
}
pub(crate) use declared_class;
