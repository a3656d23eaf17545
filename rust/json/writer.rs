//! JSON text out: strings with the escapes JSON requires and nothing more, doubles in shortest
//! round-trip form, integers. The message encoders and open JSON both write through these.

/// Appends `s` as a JSON string.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run = 0;
    let mut i = first_escape(bytes, 0);
    while i < bytes.len() {
        let b = bytes[i];
        out.extend_from_slice(&bytes[run..i]);
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            _ => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                b"0123456789abcdef"[usize::from(b >> 4)],
                b"0123456789abcdef"[usize::from(b & 15)],
            ],
        };
        out.extend_from_slice(esc);
        run = i + 1;
        i = first_escape(bytes, run);
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

const fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The index of the first byte at or after `from` that JSON requires escaped (`bytes.len()` when
/// none is). Most strings (identifiers, units, meter data) have none, so the scan takes eight
/// bytes a step: a word holds such a byte when one of its bytes is below 0x20 or equals `"` or
/// `\` (the usual zero-byte tests, exact about whether one exists; bytes of 0x80 and above never
/// match, so UTF-8 passes through).
fn first_escape(bytes: &[u8], from: usize) -> usize {
    const LO: u64 = u64::from_ne_bytes([0x01; 8]);
    const HI: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI != 0;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let w = u64::from_ne_bytes(chunk.try_into().expect("8 bytes"));
        let below_space = w.wrapping_sub(LO * 0x20) & !w & HI != 0;
        if below_space
            || has_zero(w ^ (LO * u64::from(b'"')))
            || has_zero(w ^ (LO * u64::from(b'\\')))
        {
            break;
        }
        i += 8;
    }
    while i < bytes.len() && !needs_escape(bytes[i]) {
        i += 1;
    }
    i
}

/// Appends a string known to need no escaping (an enum's wire name) without scanning it.
#[inline(always)]
pub(crate) fn write_plain_str(s: &str, out: &mut Vec<u8>) {
    debug_assert!(!s.bytes().any(needs_escape), "{s:?} needs escaping");
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// Appends a finite double in its shortest round-trip form (`1.0`, `2.5e-7`).
pub fn write_f64(v: f64, out: &mut Vec<u8>) {
    debug_assert!(
        v.is_finite(),
        "non-finite numbers are rejected before they reach the model"
    );
    if !write_short_decimal(v, out) {
        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
    }
}

/// Meter readings are mostly decimals of a few places (`4898.3`, `38431.115`), which ryu's
/// general algorithm spends most of a double's formatting time on. For those, the shortest
/// round-trip form is found directly: with `k` the fewest decimal places (up to
/// [`SHORT_PLACES`]) for which `x = round(v * 10^k)` gives back `v` as `x / 10^k` (a correctly
/// rounded division of two exact doubles, so exactly what a parser reads from the decimal), the
/// decimal `x * 10^-k` has the fewest significant digits of any that reads back as `v` (one with
/// fewer would end at fewer places, and would have been found at that `k`), and it is the only
/// one with `k` places that does, because `|x| < 2^50` keeps `v`'s rounding interval, scaled by
/// `10^k`, under a quarter. That is ryu's choice, written as ryu writes it (positional, `.0`
/// after an integer; the bound keeps `v` inside ryu's positional range). Returns false, writing
/// nothing, for every other double (zero included, for its sign).
fn write_short_decimal(v: f64, out: &mut Vec<u8>) -> bool {
    const LIMIT: f64 = (1u64 << 50) as f64;
    const POW10: [f64; SHORT_PLACES + 1] = [1.0, 10.0, 100.0, 1e3, 1e4];
    let magnitude = v.abs();
    if !(1e-4..LIMIT).contains(&magnitude) {
        return false;
    }
    for (places, scale) in POW10.iter().enumerate() {
        // Any whole number that passes the check below is the nearest one to `v * 10^k`, so a
        // truncating `+ 0.5` (off by one only where the product is near a half) does as well
        // as the library call `round` is.
        let x = (magnitude * scale + 0.5) as u64;
        if x >= 1 << 50 {
            return false;
        }
        // `x` is below 2^50: the conversion is exact.
        if x as f64 / scale != magnitude {
            continue;
        }
        let unit = 10u64.pow(places as u32);
        if v < 0.0 {
            out.push(b'-');
        }
        let mut digits = itoa::Buffer::new();
        out.extend_from_slice(digits.format(x / unit).as_bytes());
        out.push(b'.');
        if places == 0 {
            out.push(b'0');
        } else {
            let fraction = digits.format(x % unit + unit).as_bytes();
            // `unit +` keeps the leading zeros of the fraction; its leading `1` is dropped.
            out.extend_from_slice(&fraction[1..]);
        }
        return true;
    }
    false
}

/// The most decimal places [`write_short_decimal`] tries before leaving a double to ryu.
const SHORT_PLACES: usize = 4;

/// Appends an integer.
pub fn write_i64(v: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_only_what_json_requires() {
        let mut out = Vec::new();
        write_str("a\"b\\c\n\u{1}é€", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"b\\\\c\\n\\u0001é€\""
        );
    }

    #[test]
    fn the_escape_scan_finds_every_byte_to_escape_at_any_offset() {
        for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for len in 0..20 {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = special;
                    assert_eq!(first_escape(&bytes, 0), at, "{special} at {at} of {len}");
                }
            }
        }
        let clean = "µ-é€ ~\u{7f}abcdefghijklmnopqrstuvwxyz";
        assert_eq!(first_escape(clean.as_bytes(), 0), clean.len());
        let mut out = Vec::new();
        write_str(clean, &mut out);
        assert_eq!(out, format!("\"{clean}\"").into_bytes());
    }

    #[test]
    fn short_decimals_are_written_as_ryu_writes_them() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut checked = 0;
        for i in 0..400_000u64 {
            let r = next();
            let v = match i % 4 {
                // Decimals of 0 to 5 places over a wide range of magnitudes.
                0 | 1 => {
                    let places = (r % 6) as i32;
                    let digits = (r >> 8) % 10u64.pow(1 + (r >> 4) as u32 % 16);
                    digits as f64 / 10f64.powi(places)
                }
                // Arbitrary doubles, and ones right at the bounds.
                2 => f64::from_bits(r),
                _ => [
                    1e-4,
                    9.99e-5,
                    1e15,
                    1125899906842623.0,
                    1125899906842624.0,
                    0.5,
                    2.5e-7,
                ][(r % 7) as usize],
            };
            let v = if r & (1 << 63) != 0 { -v } else { v };
            if !v.is_finite() {
                continue;
            }
            let mut fast = Vec::new();
            if write_short_decimal(v, &mut fast) {
                checked += 1;
                assert_eq!(
                    String::from_utf8(fast).unwrap(),
                    ryu::Buffer::new().format_finite(v),
                    "{v:e}"
                );
            }
        }
        assert!(checked > 150_000, "only {checked} took the short path");
    }

    #[test]
    fn doubles_are_shortest_round_trip() {
        for (v, s) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (1e300, "1e300"),
            (2.5e-7, "2.5e-7"),
        ] {
            let mut out = Vec::new();
            write_f64(v, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), s);
        }
    }
}
