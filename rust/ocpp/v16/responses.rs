//! The responses of OCPP 1.6J's StartTransaction and StopTransaction and the `IdTagInfo` they
//! carry, each declared once ([`crate::ocpp::declare::ocpp_type!`]): model, decoding (draft-04
//! integers, as [`super::decode`] reads them) and encoding in the 1.6 schemas' property order.

use crate::json::datetime::DateTime;
use crate::ocpp::declare::{ocpp_type, Date, Enum, Int, One, Str};

use super::model::{AuthorizationStatus, MAX_ID_TAG};

ocpp_type! {
    /// `IdTagInfo`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct IdTagInfo as id_tag_info {
        expiry_date: Option<DateTime> = "expiryDate" => Date,
        parent_id_tag: Option<String> = "parentIdTag" => Str(MAX_ID_TAG),
        status: AuthorizationStatus = "status" => Enum,
    }
}

ocpp_type! {
    /// The `StartTransaction` response payload.
    #[derive(Clone, Debug, PartialEq)]
    pub struct StartTransactionResponse as start_transaction_response {
        id_tag_info: IdTagInfo = "idTagInfo" => One,
        /// The transaction id the Central System assigns.
        transaction_id: i64 = "transactionId" => Int,
    }
}

ocpp_type! {
    /// The `StopTransaction` response payload.
    #[derive(Clone, Debug, PartialEq, Default)]
    pub struct StopTransactionResponse as stop_transaction_response {
        id_tag_info: Option<IdTagInfo> = "idTagInfo" => One,
    }
}
