//! Compact, deterministic JSON output: properties in the order of the official schema's
//! `properties`, absent fields omitted, doubles in shortest round-trip form, timestamps in UTC
//! with `Z`, non-ASCII text as UTF-8 (only `"`, `\` and control characters are escaped).

use crate::json::value::{write_members, write_value, JsonValue};
use crate::json::writer::{write_f64, write_i64, write_plain_str, write_str};
use crate::ocpp::model::*;

/// Writes the members of an object one at a time, placing commas.
pub(crate) struct Obj<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Obj<'o> {
    pub(crate) fn open(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Starts member `key` (a schema name: no escaping needed) and returns the output for its value.
    // Inlined so that the key's length is a constant at each call and its copy a few stores
    // rather than a call of memcpy.
    #[inline(always)]
    pub(crate) fn key(&mut self, key: &str) -> &mut Vec<u8> {
        self.out.reserve(key.len() + 4);
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    pub(crate) fn custom(&mut self, custom: &Option<Box<CustomData>>) {
        if let Some(c) = custom {
            write_custom_data(c, self.key("customData"));
        }
    }

    pub(crate) fn str(&mut self, key: &str, v: &str) {
        write_str(v, self.key(key));
    }

    /// Member `key` with an enum's wire name, which never needs escaping.
    #[inline(always)]
    pub(crate) fn wire(&mut self, key: &str, v: &'static str) {
        write_plain_str(v, self.key(key));
    }

    pub(crate) fn int(&mut self, key: &str, v: i64) {
        write_i64(v, self.key(key));
    }

    pub(crate) fn bool(&mut self, key: &str, v: bool) {
        let value: &[u8] = if v { b"true" } else { b"false" };
        self.key(key).extend_from_slice(value);
    }

    pub(crate) fn f64(&mut self, key: &str, v: f64) {
        write_f64(v, self.key(key));
    }

    pub(crate) fn date_time(&mut self, key: &str, t: &crate::json::datetime::DateTime) {
        let out = self.key(key);
        out.push(b'"');
        t.write_utc(out);
        out.push(b'"');
    }

    pub(crate) fn array<T: Encode>(&mut self, key: &str, items: &[T]) {
        let out = self.key(key);
        out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            item.write(out);
        }
        out.push(b']');
    }

    pub(crate) fn close(self) {
        self.out.push(b'}');
    }
}

/// A type with a JSON form.
pub trait Encode {
    /// Appends the compact JSON of `self`.
    fn write(&self, out: &mut Vec<u8>);

    /// The compact JSON of `self` as a new buffer.
    fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.write(&mut out);
        out
    }
}

pub(crate) fn write_custom_data(c: &CustomData, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"vendorId\":");
    write_str(&c.vendor_id, out);
    write_members(&c.extra, out, true);
    out.push(b'}');
}

/// An item of an array of integers (`evseId`).
impl Encode for i64 {
    fn write(&self, out: &mut Vec<u8>) {
        write_i64(*self, out);
    }
}

impl Encode for JsonValue {
    fn write(&self, out: &mut Vec<u8>) {
        write_value(self, out);
    }
}

impl Encode for UnitOfMeasure {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        if let Some(u) = &self.unit {
            o.str("unit", u);
        }
        if let Some(m) = self.multiplier {
            o.int("multiplier", m);
        }
        o.close();
    }
}

impl Encode for SignedMeterValue {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        o.str("signedMeterData", &self.signed_meter_data);
        if let Some(m) = &self.signing_method {
            o.str("signingMethod", m);
        }
        o.str("encodingMethod", &self.encoding_method);
        if let Some(k) = &self.public_key {
            o.str("publicKey", k);
        }
        o.close();
    }
}

impl Encode for SampledValue {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(self.custom_data());
        write_f64(self.value, o.key("value"));
        let raw = self.raw_enums();
        let fields = [
            (
                "context",
                self.context.map(|c| c.as_str()),
                raw.and_then(|r| r.context.as_deref()),
            ),
            (
                "measurand",
                self.measurand.map(|m| m.as_str()),
                raw.and_then(|r| r.measurand.as_deref()),
            ),
            (
                "phase",
                self.phase.map(|p| p.as_str()),
                raw.and_then(|r| r.phase.as_deref()),
            ),
            (
                "location",
                self.location.map(|l| l.as_str()),
                raw.and_then(|r| r.location.as_deref()),
            ),
        ];
        for (key, known, raw) in fields {
            match (known, raw) {
                (Some(v), _) => o.wire(key, v),
                (None, Some(v)) => o.str(key, v),
                (None, None) => {}
            }
        }
        if let Some(s) = &self.signed_meter_value {
            s.write(o.key("signedMeterValue"));
        }
        if let Some(u) = &self.unit_of_measure {
            u.write(o.key("unitOfMeasure"));
        }
        o.close();
    }
}

impl Encode for MeterValue {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        o.array("sampledValue", &self.sampled_value);
        o.date_time("timestamp", &self.timestamp);
        o.close();
    }
}

impl Encode for MeterValuesRequest {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        o.int("evseId", self.evse_id);
        o.array("meterValue", &self.meter_value);
        o.close();
    }
}

impl Encode for MeterValuesResponse {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        o.close();
    }
}
