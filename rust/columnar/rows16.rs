//! The contract's row form for 1.6 frames, in the very columns of 2.0.1's
//! ([`crate::columnar::rows::RowColumns`]), so that a fleet of 1.6 and 2.0.1 stations lands in one table:
//! - `evse_id` is null (1.6 has no EVSE); `connector_id` is `connectorId`; `transaction_id` is
//!   the integer `transactionId` as text; `multiplier` is 0 (1.6 has none).
//! - `value` is the decimal text read as a number. A `SignedData` sample's text goes to
//!   `signed_meter_data`, and its `value` and `normalized_value` are NaN: it is no reading;
//!   so are those of an empty `value` the lenient profile accepted (no signed data).
//! - `measurand` takes 1.6's value (dictionary-encoded like 2.0.1's; `Temperature` and `RPM`,
//!   which 2.0.1 lacks, as other strings); `unit` is 1.6's unit as sent, and `normalized_unit`
//!   also spells 1.6's `Celcius` and `Hertz` as the 2.0.1 units `Celsius` and `Hz`.
//! - StartTransaction gives one row, its `meterStart` as a reading of the energy register
//!   (`Energy.Active.Import.Register`, `Wh`, context `Transaction.Begin`, at its `timestamp`);
//!   StopTransaction gives the rows of its `transactionData`, then one row of `meterStop`
//!   (context `Transaction.End`), as a CSMS bills a 1.6 session. Their `event_type` is
//!   `Started` and `Ended`; a StartTransaction has no `transaction_id` until the CSMS assigns
//!   one, so its rows leave it null.

use crate::columnar::rows::{
    base_unit, int32, push_head, push_unsigned, timestamp_micros, Head, RowColumns,
};
use std::sync::OnceLock;

use crate::fault::error::{Res, Seg};
use crate::ocpp::model::Measurand as Measurand2;

use crate::ocpp::v16::model::*;

/// The register a StartTransaction's `meterStart` and a StopTransaction's `meterStop` read.
const REGISTER: Measurand = Measurand::EnergyActiveImportRegister;

/// The 2.0.1 spelling of a 1.6 unit, for `normalized_unit`.
fn unit_2x(unit: Unit) -> &'static str {
    match unit {
        Unit::Celcius => "Celsius",
        Unit::Hertz => "Hz",
        u => u.as_str(),
    }
}

/// `(value, unit)` normalized as `rows::normalize(value, unit, 0)` would (a k-prefixed unit
/// scaled to its base unit, equal bit for bit), but from a table by the 1.6 unit holding each
/// unit's 2.x spelling and base, found once rather than by string per row. Kept apart from
/// `normalize` so that 2.0.1's row loop stays its only caller: a second caller made the compiler
/// stop inlining its scaling there (callgrind: +30 instructions a row).
fn normalize_1_6(value: f64, unit: Unit) -> (f64, &'static str) {
    static UNITS: OnceLock<Vec<(&'static str, Option<&'static str>)>> = OnceLock::new();
    let units = UNITS.get_or_init(|| {
        Unit::ALL
            .iter()
            .map(|&u| (unit_2x(u), base_unit(unit_2x(u))))
            .collect()
    });
    match units[unit as usize] {
        (_, Some(base)) => (value * 1e3, base),
        (unit, None) => (value, unit),
    }
}

/// The measurand's entry of 2.0.1's dictionary, found once per 1.6 measurand (a table by the
/// 1.6 value), not by string per row.
fn push_measurand(cols: &mut RowColumns, m: Measurand) {
    static KNOWN: OnceLock<Vec<Option<Measurand2>>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| {
        Measurand::ALL
            .iter()
            .map(|m| Measurand2::from_wire(m.as_str()))
            .collect()
    });
    match known[m as usize] {
        Some(k) => cols.measurand.push(k as usize),
        None => cols.measurand.push_other(m.as_str()),
    }
}

/// One row of a reading, without its four signed-data columns: the caller fills those, for
/// many rows at once by [`push_unsigned`] or row by row, else the columns' lengths differ.
#[allow(clippy::too_many_arguments)]
fn push_reading(
    cols: &mut RowColumns,
    (m, s): (usize, usize),
    timestamp: i64,
    value: f64,
    measurand: Measurand,
    phase: Option<&str>,
    location: &str,
    context: &str,
    unit: Unit,
) {
    let (normalized_value, normalized_unit) = normalize_1_6(value, unit);
    // A frame cannot hold 2**31 array items, so the positions fit.
    cols.meter_value_index.push(m as i32);
    cols.sampled_value_index.push(s as i32);
    cols.timestamp.push(timestamp);
    cols.value.push(value);
    push_measurand(cols, measurand);
    cols.phase.push_opt(phase);
    cols.location.push(location);
    cols.context.push(context);
    cols.unit.push(unit.as_str());
    cols.multiplier.push(0);
    cols.normalized_value.push(normalized_value);
    cols.normalized_unit.push(normalized_unit);
}

fn push_meter_values_of(cols: &mut RowColumns, meter_values: &[MeterValue], first: usize) -> usize {
    let mut rows = 0;
    // Without signed data in the message (the usual case), its signed-data columns are filled
    // once, after its rows, as 2.0.1's are.
    let signed_rows = meter_values
        .iter()
        .any(|mv| mv.sampled_value.iter().any(SampledValue::is_signed));
    for (m, mv) in meter_values.iter().enumerate() {
        let timestamp = timestamp_micros(&mv.timestamp);
        for (s, sv) in mv.sampled_value.iter().enumerate() {
            push_reading(
                cols,
                (first + m, s),
                timestamp,
                sv.number.unwrap_or(f64::NAN),
                sv.measurand.unwrap_or(REGISTER),
                sv.phase.map(Phase::as_str),
                sv.location.unwrap_or(Location::Outlet).as_str(),
                sv.context
                    .unwrap_or(ReadingContext::SamplePeriodic)
                    .as_str(),
                sv.unit.unwrap_or(Unit::Wh),
            );
            if signed_rows {
                let signed = sv.is_signed().then_some(sv.value.as_str());
                cols.signed_meter_data.push_opt(signed);
                cols.signing_method.push_opt(None);
                cols.encoding_method.push_opt(None);
                cols.public_key.push_opt(None);
            }
            rows += 1;
        }
    }
    if !signed_rows {
        push_unsigned(cols, rows);
    }
    rows
}

/// Appends the rows of a 1.6 MeterValues request; returns how many. On a fault nothing is
/// appended.
pub fn push_meter_values(
    cols: &mut RowColumns,
    station_id: &str,
    message_id: &str,
    req: &MeterValuesRequest,
) -> Res<usize> {
    let connector = int32(req.connector_id, || [Seg::Key("connectorId")])?;
    // The id's text in a buffer on the stack: no allocation a message.
    let mut text = itoa::Buffer::new();
    let transaction = req.transaction_id.map(|t| text.format(t));
    let rows = push_meter_values_of(cols, &req.meter_value, 0);
    let head = Head {
        station_id,
        message_id,
        action: "MeterValues",
        evse_id: None,
        connector_id: Some(connector),
        transaction_id: transaction,
        event_type: None,
        seq_no: None,
    };
    push_head(cols, &head, rows);
    Ok(rows)
}

/// Appends the one row of a StartTransaction (its `meterStart`).
pub fn push_start_transaction(
    cols: &mut RowColumns,
    station_id: &str,
    message_id: &str,
    req: &StartTransactionRequest,
) -> Res<usize> {
    let connector = int32(req.connector_id, || [Seg::Key("connectorId")])?;
    push_reading(
        cols,
        (0, 0),
        timestamp_micros(&req.timestamp),
        req.meter_start as f64,
        REGISTER,
        None,
        Location::Outlet.as_str(),
        ReadingContext::TransactionBegin.as_str(),
        Unit::Wh,
    );
    push_unsigned(cols, 1);
    let head = Head {
        station_id,
        message_id,
        action: "StartTransaction",
        evse_id: None,
        connector_id: Some(connector),
        transaction_id: None,
        event_type: Some("Started"),
        seq_no: None,
    };
    push_head(cols, &head, 1);
    Ok(1)
}

/// Appends the rows of a StopTransaction: its `transactionData`, then its `meterStop` (at
/// `meter_value_index` one past the data's).
pub fn push_stop_transaction(
    cols: &mut RowColumns,
    station_id: &str,
    message_id: &str,
    req: &StopTransactionRequest,
) -> Res<usize> {
    let data = req.transaction_data.as_deref().unwrap_or(&[]);
    let mut rows = push_meter_values_of(cols, data, 0);
    push_reading(
        cols,
        (data.len(), 0),
        timestamp_micros(&req.timestamp),
        req.meter_stop as f64,
        REGISTER,
        None,
        Location::Outlet.as_str(),
        ReadingContext::TransactionEnd.as_str(),
        Unit::Wh,
    );
    push_unsigned(cols, 1);
    rows += 1;
    // The id's text in a buffer on the stack, as `push_meter_values` has it.
    let mut text = itoa::Buffer::new();
    let transaction = text.format(req.transaction_id);
    let head = Head {
        station_id,
        message_id,
        action: "StopTransaction",
        evse_id: None,
        connector_id: None,
        transaction_id: Some(transaction),
        event_type: Some("Ended"),
        seq_no: None,
    };
    push_head(cols, &head, rows);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columnar::columns::Builder;
    use crate::dialect::Dialect;
    use crate::ocpp::decode::from_slice_in;

    fn decoded<T: crate::ocpp::decode::Decode>(text: &str) -> T {
        from_slice_in::<T>(text.as_bytes(), false, Dialect::V16).unwrap()
    }

    #[test]
    fn a_session_lands_in_the_2_0_1_columns() {
        let mut cols = RowColumns::default();
        let start = decoded::<StartTransactionRequest>(
            r#"{"connectorId":2,"idTag":"T","meterStart":1000,"timestamp":"2024-01-01T00:00:00Z"}"#,
        );
        let mv = decoded::<MeterValuesRequest>(
            r#"{"connectorId":2,"transactionId":77,"meterValue":[{"timestamp":"2024-01-01T00:15:00Z","sampledValue":[{"value":"1.25","unit":"kWh"},{"value":"21.5","measurand":"Temperature","unit":"Celcius"},{"value":"AB12","format":"SignedData"}]}]}"#,
        );
        let stop = decoded::<StopTransactionRequest>(
            r#"{"meterStop":2500,"timestamp":"2024-01-01T01:00:00Z","transactionId":77,"transactionData":[{"timestamp":"2024-01-01T00:59:00Z","sampledValue":[{"value":"2400"}]}]}"#,
        );
        assert_eq!(
            push_start_transaction(&mut cols, "CS", "s", &start).unwrap(),
            1
        );
        assert_eq!(push_meter_values(&mut cols, "CS", "m", &mv).unwrap(), 3);
        assert_eq!(
            push_stop_transaction(&mut cols, "CS", "e", &stop).unwrap(),
            2
        );
        assert_eq!(cols.len(), 6);
        let values: Vec<f64> = (0..6).map(|i| cols.value.get(i).unwrap()).collect();
        assert_eq!(values[0], 1000.0);
        assert_eq!(values[1], 1.25);
        assert!(values[3].is_nan(), "signed data is no reading");
        assert_eq!((values[4], values[5]), (2400.0, 2500.0));
        let norm: Vec<f64> = (0..3)
            .map(|i| cols.normalized_value.get(i).unwrap())
            .collect();
        assert_eq!(&norm[..2], &[1000.0, 1250.0]);
        let texts = |c: &crate::columnar::columns::Utf8Column| -> Vec<Option<String>> {
            (0..6).map(|i| c.get(i).map(str::to_owned)).collect()
        };
        let ctx = texts(&cols.context);
        assert_eq!(ctx[0].as_deref(), Some("Transaction.Begin"));
        assert_eq!(ctx[5].as_deref(), Some("Transaction.End"));
        let tx = texts(&cols.transaction_id);
        assert_eq!(
            tx[0], None,
            "a StartTransaction has no id until the CSMS assigns it"
        );
        assert_eq!(tx[1].as_deref(), Some("77"));
        assert_eq!(tx[5].as_deref(), Some("77"));
        let nu = texts(&cols.normalized_unit);
        assert_eq!(nu[1].as_deref(), Some("Wh"));
        assert_eq!(nu[2].as_deref(), Some("Celsius"));
        assert_eq!(texts(&cols.signed_meter_data)[3].as_deref(), Some("AB12"));
        assert_eq!(texts(&cols.event_type)[0].as_deref(), Some("Started"));
        assert_eq!(cols.connector_id.get(0), Some(2));
        assert_eq!(cols.evse_id.get(0), None);
        assert_eq!(
            cols.meter_value_index.get(5),
            Some(1),
            "meterStop after the data"
        );
        // Temperature is past 2.0.1's measurands, an other string of the dictionary.
        let key = cols.measurand.get(2).unwrap() as usize;
        assert_eq!(
            cols.measurand.extra()[key - Measurand2::WIRE.len()],
            "Temperature"
        );
        assert_eq!(
            cols.measurand.get(1),
            Some(Measurand2::EnergyActiveImportRegister as i32)
        );
    }
}
