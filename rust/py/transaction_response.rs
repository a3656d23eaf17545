//! Python classes of the `TransactionEvent` response
//! ([`crate::ocpp::transaction_event_response`]): `TransactionEventResponse`, `IdTokenInfo`,
//! `MessageContent`, each from its type's declaration. Same conventions as the request's
//! classes: immutable, `==`, readable `repr`, pickling, keyword construction that validates like
//! decoding and takes what either dialect allows (a `QRCODE` message of up to 1024 characters,
//! OCPP 2.1's transaction limit; 2.0.1's EVSE ids below 0), so pickles load under 2.1 and the
//! `off` profile ([`super::methods::dialect_loaders!`]).

use crate::ocpp::transaction_event_response::*;

use super::class::*;

declared_class! {
    /// `MessageContentType`: a message for the EV driver.
    PyMessageContent("MessageContent") = message_content, dialect;
    /// `IdTokenInfoType`: the status of an id token, and what goes with it.
    PyIdTokenInfo("IdTokenInfo") = id_token_info, dialect;
    /// The `TransactionEvent` CALLRESULT payload.
    PyTransactionEventResponse("TransactionEventResponse") = transaction_event_response, dialect;
}
