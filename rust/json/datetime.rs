//! Strict RFC 3339 (section 5.6) `date-time`, as OCPP's JSON schema `format: date-time` means it.
//!
//! Accepted: `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`, `T` and `Z` in either case, any
//! number of fraction digits (nanoseconds are kept, further digits are dropped). Rejected:
//! year 0000, days that do not exist, hour 24, leap second 60 (no datetime type can hold
//! it), missing offset, and instants whose UTC form leaves years 0001..=9999.

use std::fmt;

/// A validated timestamp: the fields as sent plus the offset they were sent with.
#[derive(Clone, Copy, Debug)]
pub struct DateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub nanos: u32,
    /// Offset from UTC in minutes, as sent (`Z` is 0).
    pub offset_minutes: i16,
}

/// Seconds from 0001-01-01T00:00:00Z and to 9999-12-31T23:59:59Z, relative to the Unix epoch.
const MIN_UNIX: i64 = -62_135_596_800;
const MAX_UNIX: i64 = 253_402_300_799;

fn is_leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` of `year`.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (Hinnant's civil_from_days).
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Appends the instant `micros` (microseconds since the Unix epoch, years 0001..=9999) as
/// fixed-width RFC 3339 UTC text, `YYYY-MM-DDTHH:MM:SS.ffffffZ`: text order is time order.
pub fn write_micros_utc(micros: i64, out: &mut Vec<u8>) {
    let secs = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000) as u32;
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400) as u32;
    let mut buf = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, v: u32, n: usize| {
        let mut v = v;
        for k in (0..n).rev() {
            buf[at + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year.clamp(0, 9999) as u32, 4);
    put(5, u32::from(month), 2);
    put(8, u32::from(day), 2);
    put(11, sod / 3600, 2);
    put(14, sod / 60 % 60, 2);
    put(17, sod % 60, 2);
    put(20, fraction, 6);
    out.extend_from_slice(&buf);
}

#[inline]
fn two(b: &[u8], at: usize) -> Option<u8> {
    let hi = b.get(at)?.wrapping_sub(b'0');
    let lo = b.get(at + 1)?.wrapping_sub(b'0');
    (hi < 10 && lo < 10).then(|| hi * 10 + lo)
}

impl DateTime {
    /// Parses and validates; the error is a short reason for the description.
    pub fn parse(s: &str) -> Result<DateTime, &'static str> {
        let b = s.as_bytes();
        if b.len() < 19 {
            return Err("too short for YYYY-MM-DDTHH:MM:SS and an offset");
        }
        let (Some(y1), Some(y2)) = (two(b, 0), two(b, 2)) else {
            return Err("bad year");
        };
        let year = u16::from(y1) * 100 + u16::from(y2);
        if b[4] != b'-' || b[7] != b'-' {
            return Err("bad date separator");
        }
        let month = two(b, 5).ok_or("bad month")?;
        let day = two(b, 8).ok_or("bad day")?;
        if !matches!(b[10], b'T' | b't') {
            return Err("date and time must be separated by 'T'");
        }
        let hour = two(b, 11).ok_or("bad hour")?;
        let minute = two(b, 14).ok_or("bad minute")?;
        let second = two(b, 17).ok_or("bad second")?;
        if b[13] != b':' || b[16] != b':' {
            return Err("bad time separator");
        }
        let mut i = 19;
        let mut nanos = 0u32;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while let Some(&d @ b'0'..=b'9') = b.get(i) {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(d - b'0');
                }
                i += 1;
            }
            if i == start {
                return Err("empty fraction");
            }
            for _ in (i - start)..9 {
                nanos *= 10;
            }
        }
        let offset_minutes = match b.get(i) {
            None => return Err("missing time zone offset"),
            Some(b'Z' | b'z') => {
                i += 1;
                0
            }
            Some(&sign @ (b'+' | b'-')) => {
                let oh = two(b, i + 1).ok_or("bad offset hour")?;
                match b.get(i + 3) {
                    Some(b':') => {}
                    Some(b'0'..=b'9') => return Err("offset needs a colon"),
                    _ => return Err("offset needs minutes (+HH:MM)"),
                }
                let om = two(b, i + 4).ok_or("bad offset minute")?;
                if oh > 23 || om > 59 {
                    return Err("offset out of range");
                }
                i += 6;
                let m = i16::from(oh) * 60 + i16::from(om);
                if sign == b'-' {
                    -m
                } else {
                    m
                }
            }
            _ => return Err("expected Z or a +HH:MM / -HH:MM offset"),
        };
        if i != b.len() {
            return Err("unexpected text after the offset");
        }
        DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
            offset_minutes,
        }
        .validated()
    }

    /// Builds from fields (as a Python datetime gives them), validating like [`DateTime::parse`].
    #[allow(clippy::too_many_arguments)]
    pub fn from_fields(
        year: i64,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        nanos: u32,
        offset_seconds: i64,
    ) -> Result<DateTime, &'static str> {
        let year = u16::try_from(year).map_err(|_| "year out of range")?;
        if offset_seconds % 60 != 0 || offset_seconds.abs() >= 24 * 3600 {
            return Err("offset must be whole minutes and less than 24 hours");
        }
        let offset_minutes = (offset_seconds / 60) as i16;
        DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
            offset_minutes,
        }
        .validated()
    }

    /// The field ranges of RFC 3339 (no leap second: no datetime type can hold it) and the
    /// UTC range that a `Z` timestamp can express; shared by parsing and construction.
    fn validated(self) -> Result<DateTime, &'static str> {
        if self.year == 0 || self.year > 9999 {
            return Err("year out of range 0001..9999");
        }
        if !(1..=12).contains(&self.month) {
            return Err("month out of range");
        }
        if self.day == 0 || self.day > days_in_month(self.year, self.month) {
            return Err("day out of range");
        }
        if self.hour > 23 {
            return Err("hour out of range");
        }
        if self.minute > 59 {
            return Err("minute out of range");
        }
        if self.second > 59 {
            return Err("second out of range (leap seconds are not supported)");
        }
        if (MIN_UNIX..=MAX_UNIX).contains(&self.unix_seconds()) {
            Ok(self)
        } else {
            Err("instant outside years 0001..9999 in UTC")
        }
    }

    /// Seconds since the Unix epoch of the instant (the offset applied).
    pub fn unix_seconds(&self) -> i64 {
        let days = days_from_civil(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset_minutes) * 60
    }

    /// The same instant with offset zero.
    pub fn to_utc(&self) -> DateTime {
        let secs = self.unix_seconds();
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        DateTime {
            year: year as u16,
            month,
            day,
            hour: (sod / 3600) as u8,
            minute: (sod / 60 % 60) as u8,
            second: (sod % 60) as u8,
            nanos: self.nanos,
            offset_minutes: 0,
        }
    }

    /// Appends the RFC 3339 UTC form (`Z`); the fraction, if any, in groups of three digits.
    pub fn write_utc(&self, out: &mut Vec<u8>) {
        let u = self.to_utc();
        let mut buf = [0u8; 30];
        let digits = |buf: &mut [u8], at: usize, v: u32, n: usize| {
            let mut v = v;
            for k in (0..n).rev() {
                buf[at + k] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        digits(&mut buf, 0, u32::from(u.year), 4);
        buf[4] = b'-';
        digits(&mut buf, 5, u32::from(u.month), 2);
        buf[7] = b'-';
        digits(&mut buf, 8, u32::from(u.day), 2);
        buf[10] = b'T';
        digits(&mut buf, 11, u32::from(u.hour), 2);
        buf[13] = b':';
        digits(&mut buf, 14, u32::from(u.minute), 2);
        buf[16] = b':';
        digits(&mut buf, 17, u32::from(u.second), 2);
        let mut len = 19;
        if u.nanos != 0 {
            buf[19] = b'.';
            let (value, n) = if u.nanos % 1_000_000 == 0 {
                (u.nanos / 1_000_000, 3)
            } else if u.nanos % 1000 == 0 {
                (u.nanos / 1000, 6)
            } else {
                (u.nanos, 9)
            };
            digits(&mut buf, 20, value, n);
            len = 20 + n;
        }
        buf[len] = b'Z';
        out.extend_from_slice(&buf[..=len]);
    }
}

/// Equal when they denote the same instant, as with timezone-aware Python datetimes.
impl PartialEq for DateTime {
    fn eq(&self, other: &Self) -> bool {
        self.unix_seconds() == other.unix_seconds() && self.nanos == other.nanos
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        self.write_utc(&mut out);
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc3339_forms() {
        for ok in [
            "2024-02-29T23:59:59Z",
            "2024-01-01t00:00:00z",
            "2024-01-01T00:00:00.1+05:30",
            "2024-01-01T00:00:00.123456789123-08:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            assert!(DateTime::parse(ok).is_ok(), "{ok} rejected");
        }
    }

    #[test]
    fn rejects_what_the_rfc_rejects() {
        for bad in [
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T23:60:00Z",
            "2024-01-01T23:59:60Z",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+0100",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00Z ",
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:30:00-01:00",
            "2024-1-01T00:00:00Z",
            "２０２４-01-01T00:00:00Z",
        ] {
            assert!(DateTime::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn offset_faults_say_what_is_missing() {
        let reason = |t: &str| DateTime::parse(t).unwrap_err();
        assert_eq!(reason("2024-01-01T00:00:00+0100"), "offset needs a colon");
        assert_eq!(
            reason("2024-01-01T00:00:00+01"),
            "offset needs minutes (+HH:MM)"
        );
        assert_eq!(reason("2024-01-01T00:00:00"), "missing time zone offset");
    }

    #[test]
    fn utc_form_and_instant_equality() {
        let a = DateTime::parse("2024-03-01T00:30:00.250+01:00").unwrap();
        let b = DateTime::parse("2024-02-29T23:30:00.25Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "2024-02-29T23:30:00.250Z");
        let c = DateTime::parse("2024-02-29T23:30:00.000001Z").unwrap();
        assert_eq!(c.to_string(), "2024-02-29T23:30:00.000001Z");
    }

    #[test]
    fn fixed_width_micros_text() {
        let text = |m: i64| {
            let mut out = Vec::new();
            write_micros_utc(m, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(text(-1), "1969-12-31T23:59:59.999999Z");
        let t = DateTime::parse("2024-02-29T23:30:00.000042+01:00").unwrap();
        assert_eq!(
            text(t.unix_seconds() * 1_000_000 + 42),
            "2024-02-29T22:30:00.000042Z"
        );
        let first = DateTime::parse("0001-01-01T00:00:00Z").unwrap();
        assert_eq!(
            text(first.unix_seconds() * 1_000_000),
            "0001-01-01T00:00:00.000000Z"
        );
    }

    #[test]
    fn civil_round_trip_over_the_whole_range() {
        let mut day = days_from_civil(1, 1, 1);
        let end = days_from_civil(9999, 12, 31);
        while day <= end {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), day);
            day += 37;
        }
    }
}
