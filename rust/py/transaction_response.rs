//! Python classes of the `TransactionEvent` response
//! ([`crate::ocpp::transaction_event_response`]): `TransactionEventResponse`, `IdTokenInfo`,
//! `MessageContent`. Same conventions as the request's classes: immutable, `==`, readable
//! `repr`, pickling, keyword construction that validates like decoding and takes what either
//! dialect allows (a `QRCODE` message of up to 1024 characters, OCPP 2.1's transaction limit;
//! 2.0.1's EVSE ids below 0), so pickles load under 2.1 and the `off` profile
//! ([`super::methods::dialect_loaders!`]).

use crate::ocpp::transaction_event_response::*;

use super::class::*;

py_class! {
    /// `MessageContentType`: a message for the EV driver.
    PyMessageContent("MessageContent"): MessageContent, dialect;
    (
        format: "format" => Enum,
        // What either dialect allows: 2.1's 1024 characters (2.0.1: 512).
        content: "content" => Str(MAX_CONTENT_V21),
        language = None: "language" => Str(MAX_LANGUAGE),
        custom_data = None: "customData" => Custom,
    )
    build { custom_data, format, language, content }
}

py_class! {
    /// `IdTokenInfoType`: the status of an id token, and what goes with it.
    PyIdTokenInfo("IdTokenInfo"): IdTokenInfo, dialect;
    (
        status: "status" => Enum,
        cache_expiry_date_time = None: "cacheExpiryDateTime" => Date,
        charging_priority = None: "chargingPriority" => Int,
        language1 = None: "language1" => Str(MAX_LANGUAGE),
        // What either dialect allows: 2.0.1 sets no minimum (2.1: 0).
        evse_id = None: "evseId" => Ints,
        group_id_token = None: "groupIdToken" => One,
        language2 = None: "language2" => Str(MAX_LANGUAGE),
        personal_message = None: "personalMessage" => One,
        custom_data = None: "customData" => Custom,
    )
    build {
        custom_data,
        status,
        cache_expiry_date_time,
        charging_priority,
        language1,
        evse_id,
        group_id_token,
        language2,
        personal_message,
    }
}

py_class! {
    /// The `TransactionEvent` CALLRESULT payload.
    PyTransactionEventResponse("TransactionEventResponse"): TransactionEventResponse, dialect;
    (
        total_cost = None: "totalCost" => Number,
        charging_priority = None: "chargingPriority" => Int,
        id_token_info = None: "idTokenInfo" => One,
        updated_personal_message = None: "updatedPersonalMessage" => One,
        custom_data = None: "customData" => Custom,
        transaction_limit = None: "transactionLimit" => One,
        updated_personal_message_extra = None: "updatedPersonalMessageExtra" => List(MAX_EXTRA_MESSAGES),
    )
    build {
        custom_data,
        total_cost,
        charging_priority,
        id_token_info,
        updated_personal_message,
        transaction_limit,
        updated_personal_message_extra,
    }
}
