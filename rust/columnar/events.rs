//! The event form of `CONTRACT.md` section 5: one record per accepted `TransactionEvent`,
//! beside its rows, so that what a session is (who started it, why it stopped, in which order
//! its events came) is kept even when an event carries no meter values.
//!
//! - [`EventColumns`]: the contract's 20 columns as Arrow-shaped builders.
//! - [`EventRecord`]: a decoded request whose `int32` columns were checked, ready to append.
//!
//! As in the rows ([`crate::columnar::rows`]), an `int32` column holds what OCPP calls an integer (32
//! bits); the decoder accepts any 64-bit integer, so a value outside `i32` rejects the frame
//! with `PropertyConstraintViolation` (`out_of_range`) at its path. The event's own integers
//! are checked first, in this order: `numberOfPhasesUsed`, `cableMaxCurrent`, `reservationId`,
//! `transactionInfo.remoteStartId`, `evse.id`, `evse.connectorId`; then its readings, as
//! [`crate::columnar::rows::push_transaction_event`] checks them.

use crate::columnar::columns::{column_struct, ArrowType, BoolColumn, PrimColumn, Utf8Column};
use crate::columnar::rows::{int32, timestamp_micros};
use crate::fault::error::{Res, Seg};
use crate::ocpp::transaction_event::TransactionEventRequest;

column_struct! {
    /// The contract's event columns, in order.
    pub struct EventColumns {
        station_id: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        message_id: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        transaction_id: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        event_type: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        timestamp: PrimColumn<i64> = PrimColumn::new(false), ArrowType::TimestampMicrosUtc, false;
        trigger_reason: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        seq_no: PrimColumn<i64> = PrimColumn::new(true), ArrowType::Int64, true;
        offline: BoolColumn = BoolColumn::new(true), ArrowType::Boolean, true;
        number_of_phases_used: PrimColumn<i32> = PrimColumn::new(true), ArrowType::Int32, true;
        cable_max_current: PrimColumn<i32> = PrimColumn::new(true), ArrowType::Int32, true;
        reservation_id: PrimColumn<i32> = PrimColumn::new(true), ArrowType::Int32, true;
        remote_start_id: PrimColumn<i32> = PrimColumn::new(true), ArrowType::Int32, true;
        charging_state: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        stopped_reason: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        time_spent_charging: PrimColumn<i64> = PrimColumn::new(true), ArrowType::Int64, true;
        evse_id: PrimColumn<i32> = PrimColumn::new(true), ArrowType::Int32, true;
        connector_id: PrimColumn<i32> = PrimColumn::new(true), ArrowType::Int32, true;
        id_token: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        id_token_type: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        meter_value_count: PrimColumn<i32> = PrimColumn::new(false), ArrowType::Int32, false;
    }
}

/// A `TransactionEvent` request whose `int32` columns fit: appending it cannot fail.
#[derive(Debug)]
pub struct EventRecord<'a> {
    request: &'a TransactionEventRequest,
    number_of_phases_used: Option<i32>,
    cable_max_current: Option<i32>,
    reservation_id: Option<i32>,
    remote_start_id: Option<i32>,
    evse_id: Option<i32>,
    connector_id: Option<i32>,
}

/// `v` as an `int32` column's value, or the fault at `path`.
fn opt_int32<const N: usize>(v: Option<i64>, path: impl FnOnce() -> [Seg; N]) -> Res<Option<i32>> {
    v.map(|v| int32(v, path)).transpose()
}

impl<'a> EventRecord<'a> {
    /// Checks the request's `int32` columns (see the module docs for the order).
    pub fn of(request: &'a TransactionEventRequest) -> Res<Self> {
        let tx = &request.transaction_info;
        let evse = request.evse.as_ref();
        Ok(EventRecord {
            request,
            number_of_phases_used: opt_int32(request.number_of_phases_used, || {
                [Seg::Key("numberOfPhasesUsed")]
            })?,
            cable_max_current: opt_int32(request.cable_max_current, || {
                [Seg::Key("cableMaxCurrent")]
            })?,
            reservation_id: opt_int32(request.reservation_id, || [Seg::Key("reservationId")])?,
            remote_start_id: opt_int32(tx.remote_start_id, || {
                [Seg::Key("transactionInfo"), Seg::Key("remoteStartId")]
            })?,
            evse_id: opt_int32(evse.map(|e| e.id), || [Seg::Key("evse"), Seg::Key("id")])?,
            connector_id: opt_int32(evse.and_then(|e| e.connector_id), || {
                [Seg::Key("evse"), Seg::Key("connectorId")]
            })?,
        })
    }
}

impl EventColumns {
    /// Appends the record of `event`, which gave `meter_value_count` rows.
    pub fn push(
        &mut self,
        station_id: &str,
        message_id: &str,
        event: &EventRecord<'_>,
        meter_value_count: usize,
    ) {
        let req = event.request;
        let tx = &req.transaction_info;
        self.station_id.push(station_id);
        self.message_id.push(message_id);
        self.transaction_id.push(&tx.transaction_id);
        self.event_type.push(req.event_type.as_str());
        self.timestamp.push(timestamp_micros(&req.timestamp));
        self.trigger_reason.push(req.trigger_reason.as_str());
        self.seq_no.push(req.seq_no);
        self.offline.push_opt(req.offline);
        self.number_of_phases_used
            .push_opt(event.number_of_phases_used);
        self.cable_max_current.push_opt(event.cable_max_current);
        self.reservation_id.push_opt(event.reservation_id);
        self.remote_start_id.push_opt(event.remote_start_id);
        self.charging_state
            .push_opt(tx.charging_state.map(|s| s.as_str()));
        self.stopped_reason
            .push_opt(tx.stopped_reason.map(|r| r.as_str()));
        self.time_spent_charging.push_opt(tx.time_spent_charging);
        self.evse_id.push_opt(event.evse_id);
        self.connector_id.push_opt(event.connector_id);
        let token = req.id_token.as_ref();
        self.id_token.push_opt(token.map(|t| t.id_token.as_str()));
        self.id_token_type.push_opt(token.map(|t| t.type_.as_ref()));
        // A frame cannot hold 2**31 sampled values.
        self.meter_value_count.push(meter_value_count as i32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columnar::columns::Builder;
    use crate::fault::error::ErrorCode;
    use crate::ocpp::decode::from_slice;

    fn te(text: &str) -> TransactionEventRequest {
        from_slice(text.as_bytes(), false).unwrap()
    }

    #[test]
    fn a_record_holds_every_column_and_nulls_for_what_was_not_sent() {
        let full = te(
            r#"{"eventType":"Ended","timestamp":"2024-05-01T12:00:00.5+02:00",
            "triggerReason":"StopAuthorized","seqNo":9,"offline":true,"numberOfPhasesUsed":3,
            "cableMaxCurrent":32,"reservationId":17,
            "transactionInfo":{"transactionId":"tx-1","chargingState":"EVConnected",
              "timeSpentCharging":3600,"stoppedReason":"Local","remoteStartId":5},
            "evse":{"id":2,"connectorId":1},"idToken":{"idToken":"04A2B3C4","type":"ISO14443"}}"#,
        );
        let bare = te(
            r#"{"eventType":"Started","timestamp":"2024-05-01T10:00:00Z",
            "triggerReason":"Authorized","seqNo":0,"transactionInfo":{"transactionId":"tx-2"}}"#,
        );
        let mut cols = EventColumns::default();
        cols.push("CS", "m1", &EventRecord::of(&full).unwrap(), 4);
        cols.push("CS", "m2", &EventRecord::of(&bare).unwrap(), 0);
        assert_eq!(cols.len(), 2);
        assert_eq!(cols.transaction_id.get(0), Some("tx-1"));
        assert_eq!(cols.event_type.get(0), Some("Ended"));
        assert_eq!(cols.timestamp.get(0), Some(1_714_557_600_500_000));
        assert_eq!(cols.trigger_reason.get(0), Some("StopAuthorized"));
        assert_eq!(cols.seq_no.get(0), Some(9));
        assert_eq!(cols.offline.get(0), Some(true));
        assert_eq!(cols.number_of_phases_used.get(0), Some(3));
        assert_eq!(cols.cable_max_current.get(0), Some(32));
        assert_eq!(cols.reservation_id.get(0), Some(17));
        assert_eq!(cols.remote_start_id.get(0), Some(5));
        assert_eq!(cols.charging_state.get(0), Some("EVConnected"));
        assert_eq!(cols.stopped_reason.get(0), Some("Local"));
        assert_eq!(cols.time_spent_charging.get(0), Some(3600));
        assert_eq!(
            (cols.evse_id.get(0), cols.connector_id.get(0)),
            (Some(2), Some(1))
        );
        assert_eq!(cols.id_token.get(0), Some("04A2B3C4"));
        assert_eq!(cols.id_token_type.get(0), Some("ISO14443"));
        assert_eq!(cols.meter_value_count.get(0), Some(4));
        assert_eq!(cols.offline.get(1), None);
        assert_eq!(cols.stopped_reason.get(1), None);
        assert_eq!(cols.evse_id.get(1), None);
        assert_eq!(cols.id_token_type.get(1), None);
        assert_eq!(cols.meter_value_count.get(1), Some(0));
        let table = cols.finish();
        let names: Vec<&str> = table.fields().iter().map(|f| f.name).collect();
        assert_eq!(names.len(), 20);
        assert_eq!(names.last(), Some(&"meter_value_count"));
    }

    #[test]
    fn integers_outside_int32_reject_the_event_at_their_path() {
        let base = r#""eventType":"Updated","timestamp":"2024-05-01T12:00:00Z","triggerReason":"Trigger","seqNo":1"#;
        for (extra, path) in [
            (
                r#""numberOfPhasesUsed":2147483648,"transactionInfo":{"transactionId":"t"}"#,
                "/numberOfPhasesUsed",
            ),
            (
                r#""cableMaxCurrent":-2147483649,"transactionInfo":{"transactionId":"t"}"#,
                "/cableMaxCurrent",
            ),
            (
                r#""reservationId":9999999999,"transactionInfo":{"transactionId":"t"}"#,
                "/reservationId",
            ),
            (
                r#""transactionInfo":{"transactionId":"t","remoteStartId":4294967296}"#,
                "/transactionInfo/remoteStartId",
            ),
            (
                r#""transactionInfo":{"transactionId":"t"},"evse":{"id":2147483648}"#,
                "/evse/id",
            ),
            (
                r#""transactionInfo":{"transactionId":"t"},"evse":{"id":1,"connectorId":2147483648}"#,
                "/evse/connectorId",
            ),
            // The first in the documented order wins.
            (
                r#""reservationId":9999999999,"cableMaxCurrent":9999999999,"transactionInfo":{"transactionId":"t"}"#,
                "/cableMaxCurrent",
            ),
        ] {
            let req = te(&format!("{{{base},{extra}}}"));
            let fault = EventRecord::of(&req).unwrap_err();
            assert_eq!(fault.pointer(), path, "{extra}");
            assert_eq!(fault.code(), ErrorCode::PropertyConstraintViolation);
        }
        let edge = te(&format!(
            r#"{{{base},"reservationId":2147483647,"cableMaxCurrent":-2147483648,"transactionInfo":{{"transactionId":"t"}}}}"#
        ));
        let record = EventRecord::of(&edge).unwrap();
        assert_eq!(
            (record.reservation_id, record.cable_max_current),
            (Some(i32::MAX), Some(i32::MIN))
        );
    }
}
