//! The `TransactionEvent` response of OCPP 2.0.1 and 2.1 (what a CSMS answers a
//! TransactionEvent with): model, decoding and encoding. The id token types are shared with the
//! request, the transaction limit with its `transactionInfo`. As in the request, 2.0.1's key
//! tables are prefixes of 2.1's, so a 2.1 property is an unknown one under 2.0.1.

use crate::json::datetime::DateTime;
use crate::ocpp::cost::TransactionLimit;
use crate::ocpp::declare::{
    ocpp_type, Custom, Date, Enum, Int, Ints, List, Number, One, Str, Text,
};
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

ocpp_type! {
    /// `MessageContentType`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct MessageContent as message_content {
        format: MessageFormat = "format" => Enum,
        language: Option<String> = "language" => Str(MAX_LANGUAGE),
        content: String = "content" => Text(MAX_CONTENT, MAX_CONTENT_V21),
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
    json(custom_data, format, language, content)
}

ocpp_type! {
    /// `IdTokenInfoType`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct IdTokenInfo as id_token_info {
        status: AuthorizationStatus = "status" => Enum,
        cache_expiry_date_time: Option<DateTime> = "cacheExpiryDateTime" => Date,
        charging_priority: Option<i64> = "chargingPriority" => Int,
        language1: Option<String> = "language1" => Str(MAX_LANGUAGE),
        /// At least one when present.
        evse_id: Option<Vec<i64>> = "evseId" => Ints,
        group_id_token: Option<IdToken> = "groupIdToken" => One,
        language2: Option<String> = "language2" => Str(MAX_LANGUAGE),
        personal_message: Option<MessageContent> = "personalMessage" => One,
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
    json(
        custom_data,
        status,
        cache_expiry_date_time,
        charging_priority,
        language1,
        evse_id,
        group_id_token,
        language2,
        personal_message,
    )
}

ocpp_type! {
    /// The `TransactionEvent` response payload.
    #[derive(Clone, Debug, PartialEq, Default)]
    pub struct TransactionEventResponse as transaction_event_response {
        total_cost: Option<f64> = "totalCost" => Number,
        charging_priority: Option<i64> = "chargingPriority" => Int,
        id_token_info: Option<IdTokenInfo> = "idTokenInfo" => One,
        updated_personal_message: Option<MessageContent> = "updatedPersonalMessage" => One,
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
        /// OCPP 2.1.
        v21 transaction_limit: Option<TransactionLimit> = "transactionLimit" => One,
        /// OCPP 2.1: one to four more messages, in other languages.
        v21 updated_personal_message_extra: Option<Vec<MessageContent>> =
            "updatedPersonalMessageExtra" => List(MAX_EXTRA_MESSAGES),
    }
    json(
        custom_data,
        total_cost,
        charging_priority,
        id_token_info,
        transaction_limit,
        updated_personal_message,
        updated_personal_message_extra,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;
    use crate::fault::error::ErrorCode::{self, *};
    use crate::ocpp::decode::from_slice;
    use crate::ocpp::encode::Encode;

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
