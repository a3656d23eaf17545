//! `from_slice::<MeterValuesRequest>` on arbitrary bytes (the payload entry point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocpp_meter::ocpp::model::MeterValuesRequest;

fuzz_target!(|data: &[u8]| {
    ocpp_meter_fuzz::check_payload::<MeterValuesRequest>(data);
});
