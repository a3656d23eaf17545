//! `from_slice_in::<TransactionEventRequest>` on arbitrary bytes, under OCPP 2.0.1 and 2.1.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocpp_meter::transaction_event::TransactionEventRequest;

fuzz_target!(|data: &[u8]| {
    ocpp_meter_fuzz::check_payload::<TransactionEventRequest>(data);
});
