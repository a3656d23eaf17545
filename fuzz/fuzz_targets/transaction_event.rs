//! `from_slice_in::<TransactionEventRequest>` and `::<TransactionEventResponse>` on arbitrary
//! bytes, under OCPP 2.0.1 and 2.1.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocpp_meter::ocpp::transaction_event::TransactionEventRequest;
use ocpp_meter::ocpp::transaction_event_response::TransactionEventResponse;

fuzz_target!(|data: &[u8]| {
    ocpp_meter_fuzz::check_payload::<TransactionEventRequest>(data);
    ocpp_meter_fuzz::check_payload::<TransactionEventResponse>(data);
});
