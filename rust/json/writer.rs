//! JSON text out: strings with the escapes JSON requires and nothing more, doubles in shortest
//! round-trip form, integers. The message encoders and open JSON both write through these.

/// Appends `s` as a JSON string.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[run..i]);
                out.extend_from_slice(b"\\u00");
                out.push(b"0123456789abcdef"[usize::from(b >> 4)]);
                out.push(b"0123456789abcdef"[usize::from(b & 15)]);
                run = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[run..i]);
        out.extend_from_slice(esc);
        run = i + 1;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Appends a finite double in its shortest round-trip form (`1.0`, `2.5e-7`).
pub fn write_f64(v: f64, out: &mut Vec<u8>) {
    debug_assert!(
        v.is_finite(),
        "non-finite numbers are rejected before they reach the model"
    );
    out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
}

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
