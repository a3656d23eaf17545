//! `decode_batch` on arbitrary bytes cut into frames at each newline (the batch entry point),
//! on 1, 2 and 3 threads, checked frame by frame against `decode_call`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ocpp_meter_fuzz::check_batch(data);
});
