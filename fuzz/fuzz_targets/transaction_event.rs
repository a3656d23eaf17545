//! `from_slice::<TransactionEventRequest>` on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocpp_meter::transaction_event::TransactionEventRequest;

fuzz_target!(|data: &[u8]| {
    ocpp_meter_fuzz::check_payload::<TransactionEventRequest>(data);
});
