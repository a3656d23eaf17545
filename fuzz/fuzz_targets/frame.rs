//! `decode_message` (with every action a CALLRESULT may answer) and `decode_call` on arbitrary
//! bytes (the frame entry point), under every validation profile.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ocpp_meter_fuzz::check_frame(data);
});
