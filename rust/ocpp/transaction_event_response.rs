//! The `TransactionEvent` response of OCPP 2.0.1 and 2.1 (what a CSMS answers a
//! TransactionEvent with): model, decoding and encoding. The id token types are shared with the
//! request, the transaction limit with its `transactionInfo`. As in the request, 2.0.1's key
//! tables are prefixes of 2.1's, so a 2.1 property is an unknown one under 2.0.1.

use crate::dialect::Dialect;
use crate::fault::error::{Fault, FaultKind, JsonType, Res, Seg};
use crate::json::datetime::DateTime;
use crate::json::reader::Reader;
use crate::ocpp::cost::TransactionLimit;
use crate::ocpp::decode::{
    bounded_array, custom_data, date_time, enumerated, expect_type, fields, integer,
    integer_within, missing, number, object, string_max, Decode,
};
use crate::ocpp::encode::{Encode, Obj};
use crate::ocpp::model::{wire_enum, CustomData};
use crate::ocpp::transaction_event::IdToken;

/// `maxLength` of `language`, `language1` and `language2`.
pub const MAX_LANGUAGE: usize = 8;
/// `maxLength` of a message's `content` in OCPP 2.0.1.
pub const MAX_CONTENT: usize = 512;
/// `maxLength` of a message's `content` in OCPP 2.1.
pub const MAX_CONTENT_V21: usize = 1024;
/// `maxItems` of `updatedPersonalMessageExtra` (OCPP 2.1).
pub const MAX_EXTRA_MESSAGES: usize = 4;

wire_enum!(
    /// `AuthorizationStatusEnumType`.
    AuthorizationStatus, "AuthorizationStatusEnumType", {
    Accepted = "Accepted",
    Blocked = "Blocked",
    ConcurrentTx = "ConcurrentTx",
    Expired = "Expired",
    Invalid = "Invalid",
    NoCredit = "NoCredit",
    NotAllowedTypeEVSE = "NotAllowedTypeEVSE",
    NotAtThisLocation = "NotAtThisLocation",
    NotAtThisTime = "NotAtThisTime",
    Unknown = "Unknown",
});

wire_enum!(
    /// `MessageFormatEnumType`.
    MessageFormat, "MessageFormatEnumType", {
    Ascii = "ASCII",
    Html = "HTML",
    Uri = "URI",
    Utf8 = "UTF8",
} v21 {
    QrCode = "QRCODE",
});

/// `MessageContentType`.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageContent {
    pub format: MessageFormat,
    pub language: Option<String>,
    pub content: String,
    pub custom_data: Option<Box<CustomData>>,
}

/// `IdTokenInfoType`.
#[derive(Clone, Debug, PartialEq)]
pub struct IdTokenInfo {
    pub status: AuthorizationStatus,
    pub cache_expiry_date_time: Option<DateTime>,
    pub charging_priority: Option<i64>,
    pub language1: Option<String>,
    /// At least one when present.
    pub evse_id: Option<Vec<i64>>,
    pub group_id_token: Option<IdToken>,
    pub language2: Option<String>,
    pub personal_message: Option<MessageContent>,
    pub custom_data: Option<Box<CustomData>>,
}

/// The `TransactionEvent` response payload.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TransactionEventResponse {
    pub total_cost: Option<f64>,
    pub charging_priority: Option<i64>,
    pub id_token_info: Option<IdTokenInfo>,
    pub updated_personal_message: Option<MessageContent>,
    pub custom_data: Option<Box<CustomData>>,
    /// OCPP 2.1.
    pub transaction_limit: Option<TransactionLimit>,
    /// OCPP 2.1: one to four more messages, in other languages.
    pub updated_personal_message_extra: Option<Vec<MessageContent>>,
}

/// An array of integers with `minItems: 1`; OCPP 2.1 gives the items a `minimum` of 0.
fn non_empty_integers(r: &mut Reader<'_>) -> Res<Vec<i64>> {
    let item = match r.dialect() {
        // 1.6 has no TransactionEvent: a 1.6 reader never gets here.
        Dialect::V201 | Dialect::V16 => integer,
        Dialect::V21 => |r: &mut Reader<'_>| integer_within(r, 0, None),
    };
    expect_type(r, JsonType::Array)?;
    let at = r.pos();
    r.begin_array();
    let mut items = Vec::new();
    let mut first = true;
    while r.next_item(&mut first)? {
        items.push(item(r).map_err(|e| e.within(Seg::Index(items.len())))?);
    }
    if items.is_empty() {
        return Err(Fault::new(FaultKind::TooFewItems { min: 1 }, at));
    }
    Ok(items)
}

const MESSAGE_CONTENT_KEYS: &[&str] = &["format", "language", "content", "customData"];

impl Decode for MessageContent {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let max_content = match r.dialect() {
            // 1.6 has no TransactionEvent: a 1.6 reader never gets here.
            Dialect::V201 | Dialect::V16 => MAX_CONTENT,
            Dialect::V21 => MAX_CONTENT_V21,
        };
        let (mut format, mut language, mut content, mut custom) = (None, None, None, None);
        fields!(r, MESSAGE_CONTENT_KEYS, {
            0 => format = enumerated::<MessageFormat>(r),
            1 => language = string_max(r, MAX_LANGUAGE),
            2 => content = string_max(r, max_content),
            3 => custom = custom_data(r),
        });
        Ok(MessageContent {
            format: format.ok_or_else(|| missing(r, "format"))?,
            content: content.ok_or_else(|| missing(r, "content"))?.into_owned(),
            language: language.map(|l| l.into_owned()),
            custom_data: custom,
        })
    }
}

const ID_TOKEN_INFO_KEYS: &[&str] = &[
    "status",
    "cacheExpiryDateTime",
    "chargingPriority",
    "language1",
    "evseId",
    "groupIdToken",
    "language2",
    "personalMessage",
    "customData",
];

impl Decode for IdTokenInfo {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut status, mut expiry, mut priority, mut language1) = (None, None, None, None);
        let (mut evse, mut group, mut language2, mut message, mut custom) =
            (None, None, None, None, None);
        fields!(r, ID_TOKEN_INFO_KEYS, {
            0 => status = enumerated::<AuthorizationStatus>(r),
            1 => expiry = date_time(r),
            2 => priority = integer(r),
            3 => language1 = string_max(r, MAX_LANGUAGE),
            4 => evse = non_empty_integers(r),
            5 => group = object::<IdToken>(r),
            6 => language2 = string_max(r, MAX_LANGUAGE),
            7 => message = object::<MessageContent>(r),
            8 => custom = custom_data(r),
        });
        Ok(IdTokenInfo {
            status: status.ok_or_else(|| missing(r, "status"))?,
            cache_expiry_date_time: expiry,
            charging_priority: priority,
            language1: language1.map(|l| l.into_owned()),
            evse_id: evse,
            group_id_token: group,
            language2: language2.map(|l| l.into_owned()),
            personal_message: message,
            custom_data: custom,
        })
    }
}

/// OCPP 2.1's keys: 2.0.1's, then those 2.1 adds.
const RESPONSE_KEYS_V21: &[&str] = &[
    "totalCost",
    "chargingPriority",
    "idTokenInfo",
    "updatedPersonalMessage",
    "customData",
    "transactionLimit",
    "updatedPersonalMessageExtra",
];
const RESPONSE_KEYS: &[&str] = RESPONSE_KEYS_V21.split_at(5).0;

impl Decode for TransactionEventResponse {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let keys = match r.dialect() {
            // 1.6 has no TransactionEvent: a 1.6 reader never gets here.
            Dialect::V201 | Dialect::V16 => RESPONSE_KEYS,
            Dialect::V21 => RESPONSE_KEYS_V21,
        };
        let (mut cost, mut priority, mut info, mut message, mut custom) =
            (None, None, None, None, None);
        let (mut limit, mut extra) = (None, None);
        fields!(r, keys, {
            0 => cost = number(r),
            1 => priority = integer(r),
            2 => info = object::<IdTokenInfo>(r),
            3 => message = object::<MessageContent>(r),
            4 => custom = custom_data(r),
            5 => limit = object::<TransactionLimit>(r),
            6 => extra = bounded_array::<MessageContent>(r, MAX_EXTRA_MESSAGES),
        });
        Ok(TransactionEventResponse {
            total_cost: cost,
            charging_priority: priority,
            id_token_info: info,
            updated_personal_message: message,
            custom_data: custom,
            transaction_limit: limit,
            updated_personal_message_extra: extra,
        })
    }
}

impl Encode for MessageContent {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        o.str("format", self.format.as_str());
        if let Some(l) = &self.language {
            o.str("language", l);
        }
        o.str("content", &self.content);
        o.close();
    }
}

impl Encode for i64 {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(itoa::Buffer::new().format(*self).as_bytes());
    }
}

impl Encode for IdTokenInfo {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        o.str("status", self.status.as_str());
        if let Some(t) = &self.cache_expiry_date_time {
            o.date_time("cacheExpiryDateTime", t);
        }
        if let Some(p) = self.charging_priority {
            o.int("chargingPriority", p);
        }
        if let Some(l) = &self.language1 {
            o.str("language1", l);
        }
        if let Some(ids) = &self.evse_id {
            o.array("evseId", ids);
        }
        if let Some(g) = &self.group_id_token {
            g.write(o.key("groupIdToken"));
        }
        if let Some(l) = &self.language2 {
            o.str("language2", l);
        }
        if let Some(m) = &self.personal_message {
            m.write(o.key("personalMessage"));
        }
        o.close();
    }
}

impl Encode for TransactionEventResponse {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        if let Some(c) = self.total_cost {
            o.f64("totalCost", c);
        }
        if let Some(p) = self.charging_priority {
            o.int("chargingPriority", p);
        }
        if let Some(i) = &self.id_token_info {
            i.write(o.key("idTokenInfo"));
        }
        if let Some(l) = &self.transaction_limit {
            l.write(o.key("transactionLimit"));
        }
        if let Some(m) = &self.updated_personal_message {
            m.write(o.key("updatedPersonalMessage"));
        }
        if let Some(m) = &self.updated_personal_message_extra {
            o.array("updatedPersonalMessageExtra", m);
        }
        o.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::error::ErrorCode::{self, *};
    use crate::ocpp::decode::from_slice;

    fn outcome(text: &str) -> Result<TransactionEventResponse, (ErrorCode, String)> {
        from_slice::<TransactionEventResponse>(text.as_bytes(), false)
            .map_err(|f| (f.code(), f.pointer()))
    }

    #[test]
    fn decodes_every_field_and_round_trips() {
        let text = r#"{"totalCost":12.5,"chargingPriority":-1,"idTokenInfo":{"status":"Accepted",
            "cacheExpiryDateTime":"2024-06-01T00:00:00Z","chargingPriority":2,"language1":"en",
            "evseId":[1,2],"groupIdToken":{"idToken":"g","type":"Central"},"language2":"nl",
            "personalMessage":{"format":"UTF8","language":"en","content":"Hi"}},
            "updatedPersonalMessage":{"format":"ASCII","content":"Bye"},"customData":{"vendorId":"v"}}"#;
        let response = outcome(text).unwrap();
        assert_eq!(response.total_cost, Some(12.5));
        let info = response.id_token_info.as_ref().unwrap();
        assert_eq!(info.status, AuthorizationStatus::Accepted);
        assert_eq!(info.evse_id, Some(vec![1, 2]));
        assert_eq!(
            info.personal_message.as_ref().unwrap().format,
            MessageFormat::Utf8
        );
        let again = outcome(std::str::from_utf8(&response.to_vec()).unwrap()).unwrap();
        assert_eq!(again, response);
        assert_eq!(outcome("{}").unwrap(), TransactionEventResponse::default());
    }

    #[test]
    fn the_2_1_response_decodes_and_round_trips_and_2_0_1_refuses_it() {
        let in_dialect = |text: &str, d: Dialect| {
            crate::ocpp::decode::from_slice_in::<TransactionEventResponse>(
                text.as_bytes(),
                false,
                d,
            )
            .map_err(|f| (f.code(), f.pointer()))
        };
        let long = "c".repeat(MAX_CONTENT_V21);
        let text = format!(
            r#"{{"idTokenInfo":{{"status":"Accepted","evseId":[0],"groupIdToken":{{"idToken":"g","type":"NEVI"}}}},
            "transactionLimit":{{"maxSoC":0,"maxTime":60}},"updatedPersonalMessage":{{"format":"QRCODE","content":"{long}"}},
            "updatedPersonalMessageExtra":[{{"format":"UTF8","language":"de","content":"Tschüss"}}]}}"#
        );
        let response = in_dialect(&text, Dialect::V21).unwrap();
        assert_eq!(
            response.transaction_limit.as_ref().unwrap().max_soc,
            Some(0)
        );
        assert_eq!(
            response
                .updated_personal_message_extra
                .as_ref()
                .unwrap()
                .len(),
            1
        );
        let again = response.to_vec();
        assert_eq!(
            in_dialect(std::str::from_utf8(&again).unwrap(), Dialect::V21).unwrap(),
            response
        );
        // What 2.1 allows, with its fault under 2.0.1.
        let cases: &[(&str, ErrorCode, &str)] = &[
            (
                r#"{"transactionLimit":{}}"#,
                ProtocolError,
                "/transactionLimit",
            ),
            (
                r#"{"updatedPersonalMessageExtra":[{"format":"ASCII","content":"x"}]}"#,
                ProtocolError,
                "/updatedPersonalMessageExtra",
            ),
            (
                r#"{"updatedPersonalMessage":{"format":"QRCODE","content":"x"}}"#,
                PropertyConstraintViolation,
                "/updatedPersonalMessage/format",
            ),
            (
                r#"{"idTokenInfo":{"status":"Accepted","groupIdToken":{"idToken":"g","type":"NEVI"}}}"#,
                PropertyConstraintViolation,
                "/idTokenInfo/groupIdToken/type",
            ),
        ];
        for (text, code, path) in cases {
            assert_eq!(
                in_dialect(text, Dialect::V201).map(|_| ()),
                Err((*code, path.to_string())),
                "{text}"
            );
            assert!(in_dialect(text, Dialect::V21).is_ok(), "{text}");
        }
        let message = r#"{"format":"ASCII","content":"x"}"#;
        let five = format!(
            r#"{{"updatedPersonalMessageExtra":[{message},{message},{message},{message},{message}]}}"#
        );
        let v21_cases: &[(String, ErrorCode, &str)] = &[
            (
                five,
                OccurrenceConstraintViolation,
                "/updatedPersonalMessageExtra",
            ),
            (
                r#"{"updatedPersonalMessageExtra":[]}"#.into(),
                OccurrenceConstraintViolation,
                "/updatedPersonalMessageExtra",
            ),
            (
                r#"{"updatedPersonalMessageExtra":[{"format":"ASCII"}]}"#.into(),
                OccurrenceConstraintViolation,
                "/updatedPersonalMessageExtra/0/content",
            ),
            (
                format!(r#"{{"updatedPersonalMessage":{{"format":"ASCII","content":"{long}c"}}}}"#),
                PropertyConstraintViolation,
                "/updatedPersonalMessage/content",
            ),
            (
                r#"{"idTokenInfo":{"status":"Accepted","evseId":[1,-1]}}"#.into(),
                PropertyConstraintViolation,
                "/idTokenInfo/evseId/1",
            ),
            (
                r#"{"transactionLimit":{"maxSoC":101}}"#.into(),
                PropertyConstraintViolation,
                "/transactionLimit/maxSoC",
            ),
        ];
        for (text, code, path) in v21_cases {
            assert_eq!(
                in_dialect(text, Dialect::V21).map(|_| ()),
                Err((*code, path.to_string())),
                "{text}"
            );
        }
        // 2.0.1 has no minimum for the EVSE ids and a shorter content.
        assert!(in_dialect(
            r#"{"idTokenInfo":{"status":"Accepted","evseId":[-1]}}"#,
            Dialect::V201
        )
        .is_ok());
        let long_201 = format!(
            r#"{{"updatedPersonalMessage":{{"format":"ASCII","content":"{}"}}}}"#,
            "c".repeat(MAX_CONTENT + 1)
        );
        assert_eq!(
            in_dialect(&long_201, Dialect::V201).unwrap_err().0,
            PropertyConstraintViolation
        );
        assert!(in_dialect(&long_201, Dialect::V21).is_ok());
    }

    #[test]
    fn each_rule_gives_its_code_and_path() {
        let cases: &[(&str, ErrorCode, &str)] = &[
            (
                r#"{"totalCost":"1"}"#,
                TypeConstraintViolation,
                "/totalCost",
            ),
            (
                r#"{"idTokenInfo":{}}"#,
                OccurrenceConstraintViolation,
                "/idTokenInfo/status",
            ),
            (
                r#"{"idTokenInfo":{"status":"Maybe"}}"#,
                PropertyConstraintViolation,
                "/idTokenInfo/status",
            ),
            (
                r#"{"idTokenInfo":{"status":"Accepted","evseId":[]}}"#,
                OccurrenceConstraintViolation,
                "/idTokenInfo/evseId",
            ),
            (
                r#"{"idTokenInfo":{"status":"Accepted","evseId":[1,1.5]}}"#,
                TypeConstraintViolation,
                "/idTokenInfo/evseId/1",
            ),
            (
                r#"{"idTokenInfo":{"status":"Accepted","language1":"123456789"}}"#,
                PropertyConstraintViolation,
                "/idTokenInfo/language1",
            ),
            (
                r#"{"updatedPersonalMessage":{"format":"ASCII"}}"#,
                OccurrenceConstraintViolation,
                "/updatedPersonalMessage/content",
            ),
            (r#"{"surprise":1}"#, ProtocolError, "/surprise"),
        ];
        for (text, code, path) in cases {
            assert_eq!(
                outcome(text).map(|_| ()),
                Err((*code, path.to_string())),
                "{text}"
            );
        }
    }
}
