//! The `TransactionEvent` response of OCPP 2.0.1 (what a CSMS answers a TransactionEvent with):
//! model, decoding and encoding. The id token types are shared with the request.

use crate::datetime::DateTime;
use crate::decode::{
    custom_data, date_time, enumerated, expect_type, fields, integer, missing, number, object,
    string_max, Decode,
};
use crate::encode::{Encode, Obj};
use crate::error::{Fault, FaultKind, JsonType, Res, Seg};
use crate::model::{wire_enum, CustomData};
use crate::reader::Reader;
use crate::transaction_event::IdToken;

/// `maxLength` of `language`, `language1` and `language2`.
pub const MAX_LANGUAGE: usize = 8;
/// `maxLength` of a message's `content`.
pub const MAX_CONTENT: usize = 512;

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
}

/// An array of integers with `minItems: 1`.
fn non_empty_integers(r: &mut Reader<'_>) -> Res<Vec<i64>> {
    expect_type(r, JsonType::Array)?;
    let at = r.pos();
    r.begin_array();
    let mut items = Vec::new();
    let mut first = true;
    while r.next_item(&mut first)? {
        items.push(integer(r).map_err(|e| e.within(Seg::Index(items.len())))?);
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
        let (mut format, mut language, mut content, mut custom) = (None, None, None, None);
        fields!(r, MESSAGE_CONTENT_KEYS, {
            0 => format = enumerated::<MessageFormat>(r),
            1 => language = string_max(r, MAX_LANGUAGE),
            2 => content = string_max(r, MAX_CONTENT),
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

const RESPONSE_KEYS: &[&str] = &[
    "totalCost",
    "chargingPriority",
    "idTokenInfo",
    "updatedPersonalMessage",
    "customData",
];

impl Decode for TransactionEventResponse {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut cost, mut priority, mut info, mut message, mut custom) =
            (None, None, None, None, None);
        fields!(r, RESPONSE_KEYS, {
            0 => cost = number(r),
            1 => priority = integer(r),
            2 => info = object::<IdTokenInfo>(r),
            3 => message = object::<MessageContent>(r),
            4 => custom = custom_data(r),
        });
        Ok(TransactionEventResponse {
            total_cost: cost,
            charging_priority: priority,
            id_token_info: info,
            updated_personal_message: message,
            custom_data: custom,
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
        if let Some(m) = &self.updated_personal_message {
            m.write(o.key("updatedPersonalMessage"));
        }
        o.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::from_slice;
    use crate::error::ErrorCode::{self, *};

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
