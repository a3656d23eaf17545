//! Times the pure-Rust batch decode of a JSON-lines file of frames (one frame per line):
//! `cargo run --release --example batch_timing FILE [THREADS]`. `N` repeats (default 20).
use std::time::Instant;

use ocpp_meter::columnar::batch::{decode_batch, StationIds};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: batch_timing FILE [THREADS]");
    let threads: usize = args
        .next()
        .map_or(1, |t| t.parse().expect("a thread count"));
    let buf = std::fs::read(path).expect("readable file");
    let frames: Vec<&[u8]> = buf
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let n: u32 = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let mut best = f64::INFINITY;
    let mut rows = 0;
    for _ in 0..n {
        let start = Instant::now();
        let batch = decode_batch(
            std::hint::black_box(&frames),
            StationIds::Same("CS-1"),
            threads,
        );
        best = best.min(start.elapsed().as_secs_f64());
        rows = batch.row_count();
    }
    println!(
        "{} frames, {} rows, {} thread(s): best {:.2} ms ({:.0} ns per frame)",
        frames.len(),
        rows,
        threads,
        best * 1e3,
        best / frames.len() as f64 * 1e9
    );
}
