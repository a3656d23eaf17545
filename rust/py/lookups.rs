//! The Python objects that decoded values map to and that are looked up, not built: enum
//! members, interned unit strings, and units of measure shared within one message.

use std::cell::RefCell;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;

use crate::ocpp::model;

/// The Python members of one enumeration, indexed by the Rust discriminant.
pub struct EnumMembers {
    cell: PyOnceLock<Vec<Py<PyAny>>>,
    class_name: &'static str,
}

impl EnumMembers {
    /// The Python enum's name.
    pub fn class_name(&self) -> &'static str {
        self.class_name
    }

    pub const fn new(class_name: &'static str) -> Self {
        EnumMembers {
            cell: PyOnceLock::new(),
            class_name,
        }
    }

    /// The member at discriminant `index`; `wire` lists the wire strings in that order, to load
    /// the members from Python once.
    pub fn get<'py>(
        &self,
        py: Python<'py>,
        index: usize,
        wire: &[&'static str],
    ) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.all(py, wire)?[index].bind(py).clone())
    }

    /// Every member, indexed by discriminant.
    pub fn all<'a>(&'a self, py: Python<'_>, wire: &[&'static str]) -> PyResult<&'a [Py<PyAny>]> {
        let members = self
            .cell
            .get_or_try_init(py, || -> PyResult<Vec<Py<PyAny>>> {
                let cls = py.import("ocpp_meter.enums")?.getattr(self.class_name)?;
                wire.iter()
                    .map(|w| Ok(cls.call1((*w,))?.unbind()))
                    .collect()
            })?;
        Ok(members)
    }
}

pub static READING_CONTEXT: EnumMembers = EnumMembers::new("ReadingContext");
pub static MEASURAND: EnumMembers = EnumMembers::new("Measurand");
pub static PHASE: EnumMembers = EnumMembers::new("Phase");
pub static LOCATION: EnumMembers = EnumMembers::new("Location");
pub static ERROR_CODE: EnumMembers = EnumMembers::new("ErrorCode");
pub static TRANSACTION_EVENT_TYPE: EnumMembers = EnumMembers::new("TransactionEventType");
pub static TRIGGER_REASON: EnumMembers = EnumMembers::new("TriggerReason");
pub static CHARGING_STATE: EnumMembers = EnumMembers::new("ChargingState");
pub static REASON: EnumMembers = EnumMembers::new("Reason");
pub static ID_TOKEN_TYPE: EnumMembers = EnumMembers::new("IdTokenType");
pub static OPERATION_MODE: EnumMembers = EnumMembers::new("OperationMode");
pub static PRECONDITIONING_STATUS: EnumMembers = EnumMembers::new("PreconditioningStatus");
pub static COST_DIMENSION: EnumMembers = EnumMembers::new("CostDimension");
pub static TARIFF_COST: EnumMembers = EnumMembers::new("TariffCost");
pub static AUTHORIZATION_STATUS: EnumMembers = EnumMembers::new("AuthorizationStatus");
pub static MESSAGE_FORMAT: EnumMembers = EnumMembers::new("MessageFormat");
// OCPP 1.6J's enumerations: those whose values 1.6 shares with 2.0.1 are the 2.0.1 Python
// enums, with members of their own here, since a table is indexed by its Rust type's order.
pub static READING_CONTEXT16: EnumMembers = EnumMembers::new("ReadingContext");
pub static PHASE16: EnumMembers = EnumMembers::new("Phase");
pub static LOCATION16: EnumMembers = EnumMembers::new("Location");
pub static AUTHORIZATION_STATUS16: EnumMembers = EnumMembers::new("AuthorizationStatus");
pub static MEASURAND16: EnumMembers = EnumMembers::new("Measurand16");
pub static UNIT16: EnumMembers = EnumMembers::new("UnitOfMeasure16");
pub static VALUE_FORMAT16: EnumMembers = EnumMembers::new("ValueFormat");
pub static ERROR_CODE16: EnumMembers = EnumMembers::new("ErrorCode16");
pub static REASON16: EnumMembers = EnumMembers::new("Reason16");

/// The Python member of a schema enumeration value.
pub fn enum_to_py<'py, T: model::WireEnum>(
    py: Python<'py>,
    members: &EnumMembers,
    value: T,
) -> PyResult<Bound<'py, PyAny>> {
    members.get(py, value.index(), T::WIRE)
}

/// Everything that turning a decoded tree into Python objects looks up, fetched once per tree,
/// and the immutable objects already built for it, to share between equal values.
pub struct Lookups<'a> {
    pub context: &'a [Py<PyAny>],
    pub measurand: &'a [Py<PyAny>],
    pub phase: &'a [Py<PyAny>],
    pub location: &'a [Py<PyAny>],
    units: &'a [Py<PyString>],
    /// Units of measure used so far in this message (without custom data). A meter sends a
    /// handful of distinct ones, so a short list beats a hash map.
    shared_units: RefCell<Vec<(model::UnitOfMeasure, Py<PyAny>)>>,
}

static UNITS: PyOnceLock<Vec<Py<PyString>>> = PyOnceLock::new();

/// Units of measure shared by every message of the process: a fleet of meters sends a few dozen
/// distinct ones, again and again, and the objects are immutable. Bounded, so that input with
/// ever new units cannot grow it; past the bound, units are shared within a message only.
static PROCESS_UNITS: Mutex<Vec<(model::UnitOfMeasure, Py<PyAny>)>> = Mutex::new(Vec::new());
const MAX_PROCESS_UNITS: usize = 256;

impl<'a> Lookups<'a> {
    pub fn get(py: Python<'_>) -> PyResult<Lookups<'static>> {
        Ok(Lookups {
            context: READING_CONTEXT.all(py, model::ReadingContext::WIRE)?,
            measurand: MEASURAND.all(py, model::Measurand::WIRE)?,
            phase: PHASE.all(py, model::Phase::WIRE)?,
            location: LOCATION.all(py, model::Location::WIRE)?,
            units: UNITS.get_or_init(py, || {
                model::KNOWN_UNITS
                    .iter()
                    .map(|u| PyString::intern(py, u).unbind())
                    .collect()
            }),
            shared_units: RefCell::new(Vec::new()),
        })
    }

    /// The Python object of unit of measure `u` (which has no custom data), shared with every
    /// equal one: first within this message, then within the process; `make` builds it if new.
    pub fn shared_unit(
        &self,
        py: Python<'_>,
        u: &model::UnitOfMeasure,
        make: impl FnOnce() -> PyResult<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        if let Some((_, obj)) = self.shared_units.borrow().iter().find(|(k, _)| k == u) {
            return Ok(obj.clone_ref(py));
        }
        // A poisoned lock still holds a consistent list (pushes are the only writes).
        let known = PROCESS_UNITS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(k, _)| k == u)
            .map(|(_, obj)| obj.clone_ref(py));
        let obj = match known {
            Some(obj) => obj,
            None => {
                // Built outside the lock: building may run Python code.
                let obj = make()?;
                let mut process = PROCESS_UNITS.lock().unwrap_or_else(|e| e.into_inner());
                if process.len() < MAX_PROCESS_UNITS && !process.iter().any(|(k, _)| k == u) {
                    process.push((u.clone(), obj.clone_ref(py)));
                }
                obj
            }
        };
        self.shared_units
            .borrow_mut()
            .push((u.clone(), obj.clone_ref(py)));
        Ok(obj)
    }

    /// A unit string; the standard units are shared interned strings.
    pub fn unit(&self, py: Python<'_>, unit: &str) -> Py<PyAny> {
        match model::KNOWN_UNITS
            .iter()
            .position(|k| std::ptr::eq(k.as_ptr(), unit.as_ptr()))
        {
            Some(i) => self.units[i].clone_ref(py).into_any(),
            None => PyString::new(py, unit).into_any().unbind(),
        }
    }
}

/// `Some(member)` as a Python object, `None` as Python `None`.
pub fn member(py: Python<'_>, table: &[Py<PyAny>], index: Option<usize>) -> Py<PyAny> {
    match index {
        Some(i) => table[i].clone_ref(py),
        None => py.None(),
    }
}
