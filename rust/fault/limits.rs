//! The size limits on untrusted input, process-wide and configurable.
//!
//! - `max_frame_bytes`: a frame (or a bare payload) longer than this is refused before it is
//!   parsed, so the time and memory spent on one input are bounded whatever it holds. The
//!   default, 1 MiB, is also the reference endpoint's WebSocket message limit; the largest
//!   MeterValues frames seen in practice are tens of kilobytes.
//! - `max_depth`: the deepest nesting accepted in the schema's open parts (`customData` vendor
//!   properties, CALLERROR details), which are read recursively; everywhere else the schema
//!   fixes the shape and nesting is refused without recursion. At most [`MAX_DEPTH_LIMIT`]:
//!   reading, converting and encoding take about 550 bytes of stack per level (measured: 440
//!   levels fill a 256 KiB thread stack), so 256 levels fit the smallest thread stacks servers
//!   commonly use.
//!
//! They are read with relaxed atomics on every decode: a change applies to the decodes that
//! start after it.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The limits in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_frame_bytes: usize,
    pub max_depth: usize,
}

/// The defaults.
pub const DEFAULT: Limits = Limits {
    max_frame_bytes: 1 << 20,
    max_depth: 64,
};

/// The largest `max_depth` that may be set.
pub const MAX_DEPTH_LIMIT: usize = 256;

static MAX_FRAME_BYTES: AtomicUsize = AtomicUsize::new(DEFAULT.max_frame_bytes);
static MAX_DEPTH: AtomicUsize = AtomicUsize::new(DEFAULT.max_depth);

/// The limits in force now.
pub fn current() -> Limits {
    Limits {
        max_frame_bytes: max_frame_bytes(),
        max_depth: max_depth(),
    }
}

#[inline]
pub fn max_frame_bytes() -> usize {
    MAX_FRAME_BYTES.load(Ordering::Relaxed)
}

#[inline]
pub fn max_depth() -> usize {
    MAX_DEPTH.load(Ordering::Relaxed)
}

/// Sets the limits and returns the previous ones; refuses (with the reason) a limit of 0 or a
/// depth over [`MAX_DEPTH_LIMIT`], leaving the limits as they were.
pub fn set(limits: Limits) -> Result<Limits, &'static str> {
    if limits.max_frame_bytes == 0 {
        return Err("max_frame_bytes must be at least 1");
    }
    if !(1..=MAX_DEPTH_LIMIT).contains(&limits.max_depth) {
        return Err("max_depth must be between 1 and 256");
    }
    let previous = current();
    MAX_FRAME_BYTES.store(limits.max_frame_bytes, Ordering::Relaxed);
    MAX_DEPTH.store(limits.max_depth, Ordering::Relaxed);
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tests run in parallel and the limits are global, so this test never changes them (the
    // Python tests, which run one at a time, do); the decoding side takes explicit limits.
    #[test]
    fn bad_limits_are_refused_and_change_nothing() {
        assert_eq!(current(), DEFAULT);
        let bad = [
            Limits {
                max_frame_bytes: 0,
                max_depth: 1,
            },
            Limits {
                max_frame_bytes: 1,
                max_depth: 0,
            },
            Limits {
                max_frame_bytes: 1,
                max_depth: MAX_DEPTH_LIMIT + 1,
            },
        ];
        for l in bad {
            assert!(set(l).is_err(), "{l:?}");
            assert_eq!(current(), DEFAULT);
        }
        assert_eq!(set(DEFAULT), Ok(DEFAULT));
    }
}
