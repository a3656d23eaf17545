//! Compact JSON of the 1.6 model, properties in the order of the 1.6 schemas' `properties`.
//! A sampled value's `value` is written as the text it was read from, so a frame re-encodes
//! to the readings it was sent with, digit for digit.

use crate::ocpp::encode::{Encode, Obj};

use super::model::*;

impl Encode for SampledValue {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.str("value", &self.value);
        let fields = [
            ("context", self.context.map(|v| v.as_str())),
            ("format", self.format.map(|v| v.as_str())),
            ("measurand", self.measurand.map(|v| v.as_str())),
            ("phase", self.phase.map(|v| v.as_str())),
            ("location", self.location.map(|v| v.as_str())),
            ("unit", self.unit.map(|v| v.as_str())),
        ];
        for (key, value) in fields {
            if let Some(v) = value {
                o.str(key, v);
            }
        }
        o.close();
    }
}

impl Encode for MeterValue {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.date_time("timestamp", &self.timestamp);
        o.array("sampledValue", &self.sampled_value);
        o.close();
    }
}

impl Encode for MeterValuesRequest {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.int("connectorId", self.connector_id);
        if let Some(t) = self.transaction_id {
            o.int("transactionId", t);
        }
        o.array("meterValue", &self.meter_value);
        o.close();
    }
}

impl Encode for MeterValuesResponse {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{}");
    }
}

impl Encode for StartTransactionRequest {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.int("connectorId", self.connector_id);
        o.str("idTag", &self.id_tag);
        o.int("meterStart", self.meter_start);
        if let Some(v) = self.reservation_id {
            o.int("reservationId", v);
        }
        o.date_time("timestamp", &self.timestamp);
        o.close();
    }
}

impl Encode for StopTransactionRequest {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        if let Some(t) = &self.id_tag {
            o.str("idTag", t);
        }
        o.int("meterStop", self.meter_stop);
        o.date_time("timestamp", &self.timestamp);
        o.int("transactionId", self.transaction_id);
        if let Some(r) = self.reason {
            o.str("reason", r.as_str());
        }
        if let Some(data) = &self.transaction_data {
            o.array("transactionData", data);
        }
        o.close();
    }
}
