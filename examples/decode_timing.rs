//! Times the pure-Rust decode of one frame file: `cargo run --release --example decode_timing FILE`.
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: decode_timing FILE");
    let buf = std::fs::read(path).expect("readable file");
    let n: u32 = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let start = Instant::now();
    for _ in 0..n {
        let r = ocpp_meter::decode_call(std::hint::black_box(&buf), false);
        std::hint::black_box(r.is_ok());
    }
    let per = start.elapsed().as_secs_f64() / f64::from(n) * 1e9;
    println!(
        "{} bytes: {:.0} ns per frame, {:.2} bytes/ns",
        buf.len(),
        per,
        buf.len() as f64 / per
    );
}
