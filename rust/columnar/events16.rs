//! The contract's event records for 1.6: one per StartTransaction (`Started`) and per
//! StopTransaction (`Ended`), in the columns of 2.0.1's TransactionEvent records
//! ([`crate::columnar::events::EventColumns`]). `connectorId` is `connector_id`, `idTag` is `id_token`
//! (its type null: 1.6 has none), a StopTransaction's `reason` is `stopped_reason`, and a
//! StartTransaction's `reservationId` is `reservation_id`. A StartTransaction request carries
//! no transaction id (the Central System assigns it in its answer): its record takes the id
//! the caller knows, and an empty string when it knows none (a capture without the answers).

use crate::columnar::events::EventColumns;
use crate::columnar::rows::{int32, timestamp_micros};
use crate::fault::error::{Res, Seg};

use crate::ocpp::v16::model::*;

/// What a 1.6 record holds, its `int32` columns checked.
struct Record<'a> {
    transaction_id: &'a str,
    event_type: &'static str,
    timestamp: i64,
    reservation_id: Option<i32>,
    stopped_reason: Option<&'static str>,
    connector_id: Option<i32>,
    id_tag: Option<&'a str>,
}

fn push(cols: &mut EventColumns, station_id: &str, message_id: &str, r: &Record<'_>, rows: usize) {
    cols.station_id.push(station_id);
    cols.message_id.push(message_id);
    cols.transaction_id.push(r.transaction_id);
    cols.event_type.push(r.event_type);
    cols.timestamp.push(r.timestamp);
    cols.trigger_reason.push_opt(None);
    cols.seq_no.push_opt(None);
    cols.offline.push_opt(None);
    cols.number_of_phases_used.push_opt(None);
    cols.cable_max_current.push_opt(None);
    cols.reservation_id.push_opt(r.reservation_id);
    cols.remote_start_id.push_opt(None);
    cols.charging_state.push_opt(None);
    cols.stopped_reason.push_opt(r.stopped_reason);
    cols.time_spent_charging.push_opt(None);
    cols.evse_id.push_opt(None);
    cols.connector_id.push_opt(r.connector_id);
    cols.id_token.push_opt(r.id_tag);
    cols.id_token_type.push_opt(None);
    // A frame cannot hold 2**31 sampled values.
    cols.meter_value_count.push(rows as i32);
}

/// Checks a StartTransaction's `int32` columns (`connectorId`, then `reservationId`): what
/// [`push_start`] needs, checked before any row is written.
pub fn check_start(req: &StartTransactionRequest) -> Res<()> {
    int32(req.connector_id, || [Seg::Key("connectorId")])?;
    if let Some(v) = req.reservation_id {
        int32(v, || [Seg::Key("reservationId")])?;
    }
    Ok(())
}

/// Appends the record of a StartTransaction that [`check_start`] accepted and that gave
/// `rows` rows; `transaction_id` is the id the Central System assigned, if known.
pub fn push_start(
    cols: &mut EventColumns,
    station_id: &str,
    message_id: &str,
    req: &StartTransactionRequest,
    transaction_id: Option<&str>,
    rows: usize,
) {
    let record = Record {
        transaction_id: transaction_id.unwrap_or(""),
        event_type: "Started",
        timestamp: timestamp_micros(&req.timestamp),
        reservation_id: req.reservation_id.map(|v| v as i32),
        stopped_reason: None,
        connector_id: Some(req.connector_id as i32),
        id_tag: Some(&req.id_tag),
    };
    push(cols, station_id, message_id, &record, rows);
}

/// Appends the record of a StopTransaction that gave `rows` rows.
pub fn push_stop(
    cols: &mut EventColumns,
    station_id: &str,
    message_id: &str,
    req: &StopTransactionRequest,
    rows: usize,
) {
    let transaction_id = req.transaction_id.to_string();
    let record = Record {
        transaction_id: &transaction_id,
        event_type: "Ended",
        timestamp: timestamp_micros(&req.timestamp),
        reservation_id: None,
        stopped_reason: req.reason.map(Reason::as_str),
        connector_id: None,
        id_tag: req.id_tag.as_deref(),
    };
    push(cols, station_id, message_id, &record, rows);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columnar::columns::Builder;
    use crate::dialect::Dialect;
    use crate::ocpp::decode::from_slice_in;

    #[test]
    fn start_and_stop_give_started_and_ended_records() {
        let start: StartTransactionRequest = from_slice_in(
            br#"{"connectorId":2,"idTag":"T1","meterStart":5,"reservationId":9,"timestamp":"2024-01-01T00:00:00Z"}"#,
            false,
            Dialect::V16,
        )
        .unwrap();
        let stop: StopTransactionRequest = from_slice_in(
            br#"{"idTag":"T1","meterStop":9,"timestamp":"2024-01-01T01:00:00Z","transactionId":12,"reason":"Local"}"#,
            false,
            Dialect::V16,
        )
        .unwrap();
        check_start(&start).unwrap();
        let mut cols = EventColumns::default();
        push_start(&mut cols, "CS", "a", &start, Some("12"), 1);
        push_stop(&mut cols, "CS", "b", &stop, 1);
        assert_eq!(cols.len(), 2);
        assert_eq!(cols.transaction_id.get(0), Some("12"));
        assert_eq!(cols.transaction_id.get(1), Some("12"));
        assert_eq!(cols.event_type.get(0), Some("Started"));
        assert_eq!(cols.event_type.get(1), Some("Ended"));
        assert_eq!(cols.stopped_reason.get(1), Some("Local"));
        assert_eq!(cols.connector_id.get(0), Some(2));
        assert_eq!(cols.reservation_id.get(0), Some(9));
        assert_eq!(cols.id_token.get(1), Some("T1"));
        assert_eq!(cols.id_token_type.get(0), None);
        assert_eq!(cols.timestamp.get(1), Some(1_704_070_800_000_000));
        let too_big: StartTransactionRequest = from_slice_in(
            br#"{"connectorId":1,"idTag":"T","meterStart":5,"reservationId":4294967296,"timestamp":"2024-01-01T00:00:00Z"}"#,
            false,
            Dialect::V16,
        )
        .unwrap();
        assert_eq!(
            check_start(&too_big).unwrap_err().pointer(),
            "/reservationId"
        );
    }
}
