//! The byte cursor: whitespace, structural tokens, strings and numbers, read in place.
//!
//! Strings without escapes are borrowed from the caller's buffer; only escaped strings are
//! decoded into a new `String`. UTF-8 is checked only inside strings (every other valid JSON
//! byte is ASCII) and not at all when the caller vouches for the buffer (a Python `str`).

use std::borrow::Cow;

use crate::dialect::Dialect;
use crate::fault::error::{Fault, FaultKind, JsonType, Res};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// A word with the high bit set in (at least) the lowest byte of `word` that is `"`, `\\`, below
/// 0x20 or above 0x7f; bytes above the first flagged one may be flagged spuriously, so only the
/// lowest flag is meaningful.
#[inline(always)]
fn special_bytes(word: u64) -> u64 {
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let zero_quote = quote.wrapping_sub(ONES) & !quote;
    let zero_backslash = backslash.wrapping_sub(ONES) & !backslash;
    let control = word.wrapping_sub(ONES * 0x20);
    (zero_quote | zero_backslash | control | word) & HIGHS
}

/// Whether `rest` (the text after an opening quote) starts with `key` and its closing quote.
#[inline(always)]
fn key_matches(rest: &[u8], key: &str) -> bool {
    let k = key.as_bytes();
    // The closing quote first: it rules out most other keys for the price of one byte.
    rest.len() > k.len() + 1 && rest[k.len()] == b'"' && short_eq(&rest[..k.len()], k)
}

/// Equality of two byte strings of the same length, with two overlapping word loads for the
/// lengths that schema names and enumeration values have (no call to `memcmp`).
#[inline(always)]
pub fn short_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word8 =
        |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let word4 =
        |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"));
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n - 1] == b[n - 1] && a[n / 2] == b[n / 2],
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => {
            word8(a, 0) == word8(b, 0)
                && word8(a, n - 8) == word8(b, n - 8)
                && a[8..n - 8] == b[8..n - 8]
        }
    }
}

/// The index of the first byte at or after `i` that is `"`, `\\`, a control character or
/// non-ASCII (or `buf.len()`), sixteen bytes at a time where the CPU allows.
#[inline(always)]
fn skip_plain_bytes(buf: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        while i + 16 <= buf.len() {
            // SAFETY: SSE2 is part of the x86_64 baseline; the load reads buf[i..i + 16], which
            // the loop condition keeps in bounds, and `loadu` has no alignment requirement.
            let mask = unsafe {
                let chunk = _mm_loadu_si128(buf.as_ptr().add(i).cast());
                let quote = _mm_cmpeq_epi8(chunk, _mm_set1_epi8(b'"' as i8));
                let backslash = _mm_cmpeq_epi8(chunk, _mm_set1_epi8(b'\\' as i8));
                // Signed compare: bytes >= 0x80 are negative, so they count as "below 0x20" too.
                let low = _mm_cmplt_epi8(chunk, _mm_set1_epi8(0x20));
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), low)) as u32
            };
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    while let Some(chunk) = buf.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let flags = special_bytes(word);
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

/// A cursor over one JSON text.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    trusted_utf8: bool,
    key_at: usize,
    /// Deepest nesting of open JSON (see [`crate::fault::limits`]), fixed when the reader is made.
    max_depth: usize,
    /// False under the `off` profile: `maxLength` and minimums are not checked.
    value_checks: bool,
    /// The schema the text follows.
    dialect: Dialect,
    /// Deviations the lenient 1.6 reading accepts, how many of each are left.
    allowances: Allowances,
}

/// A deviation that the lenient reading of 1.6 accepts in the decoder itself, since no
/// repaired JSON text could hold it and still be valid (see [`crate::profile`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowance {
    /// A sampled value whose `value` is the empty string: kept as sent, no number.
    EmptyValue,
    /// A MeterValues meter value with an empty `sampledValue` array.
    EmptySampledValue,
}

/// How many of each [`Allowance`] a reader accepts: the first ones in document order, so a
/// repair that adds one accepts exactly the fault it was made for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allowances([u16; 2]);

impl Allowances {
    /// One more of `which`.
    pub fn grant(&mut self, which: Allowance) {
        let n = &mut self.0[which as usize];
        *n = n.saturating_add(1);
    }
}

/// A JSON number token, not yet converted.
#[derive(Clone, Copy, Debug)]
pub struct Number<'a> {
    /// The token text, exactly as written.
    pub text: &'a str,
    /// Digits only, with an optional minus: no fraction, no exponent.
    pub plain_integer: bool,
    /// Offset of the token in the input.
    pub offset: usize,
    /// The digits as an integer, when there are at most 19 of them (else `None`).
    mantissa: Option<u64>,
    /// The power of ten to apply to `mantissa` (fraction digits and exponent together).
    exp10: i64,
    negative: bool,
}

/// Exact powers of ten as doubles (10^22 is the largest that is exact).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `mantissa` × 10^`exp10`, negated when `negative`, when one multiplication or division rounds
/// it correctly: Clinger's fast path, for a mantissa that a double holds exactly scaled by an
/// exact power of ten. `None` otherwise.
#[inline(always)]
pub(crate) fn exact_scaled(mantissa: u64, exp10: i64, negative: bool) -> Option<f64> {
    if mantissa > 1 << 53 || exp10.abs() > 22 {
        return None;
    }
    let v = mantissa as f64;
    let v = if exp10 < 0 {
        v / POW10[(-exp10) as usize]
    } else {
        v * POW10[exp10 as usize]
    };
    Some(if negative { -v } else { v })
}

/// The double that number text stands for, correctly rounded by `f64::from_str` (the slow
/// path): `OutOfRange` when it overflows to infinity, `refused()` when `from_str` refuses it.
#[cold]
pub(crate) fn parse_finite(
    text: &str,
    refused: impl FnOnce() -> FaultKind,
) -> Result<f64, FaultKind> {
    let v: f64 = text.parse().map_err(|_| refused())?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(FaultKind::OutOfRange)
    }
}

impl<'a> Number<'a> {
    /// The nearest double; `OutOfRange` when it overflows to infinity.
    #[inline]
    pub fn to_f64(&self) -> Result<f64, FaultKind> {
        if let Some(v) = self
            .mantissa
            .and_then(|m| exact_scaled(m, self.exp10, self.negative))
        {
            return Ok(v);
        }
        // The token is valid JSON number syntax, which is a subset of what `f64::from_str` takes.
        parse_finite(self.text, || FaultKind::Syntax("bad number"))
    }

    /// The exact integer value, following draft-06: `1.0` and `1e2` are integers, `1.5` is not.
    /// `None` means "not an integer"; `OutOfRange` means an integer beyond 64 bits.
    #[inline]
    pub fn to_i64(&self) -> Result<Option<i64>, FaultKind> {
        if self.plain_integer {
            if let Some(m) = self.mantissa.filter(|&m| m <= i64::MAX as u64) {
                let v = m as i64;
                return Ok(Some(if self.negative { -v } else { v }));
            }
        }
        exact_integer(self.text)
    }
}

/// Exact decimal reading of a number token as an integer (the slow, general path).
#[cold]
fn exact_integer(text: &str) -> Result<Option<i64>, FaultKind> {
    let bytes = text.as_bytes();
    let (neg, rest) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    let mant_end = rest
        .iter()
        .position(|&b| b == b'e' || b == b'E')
        .unwrap_or(rest.len());
    let (mant, exp_part) = rest.split_at(mant_end);
    let mut exp: i64 = 0;
    if let [_, e @ ..] = exp_part {
        let (eneg, edigits) = match e {
            [b'-', d @ ..] => (true, d),
            [b'+', d @ ..] => (false, d),
            d => (false, d),
        };
        for &d in edigits {
            // Saturate: an exponent this large is out of range or zero either way.
            exp = (exp * 10 + i64::from(d - b'0')).min(1 << 40);
        }
        if eneg {
            exp = -exp;
        }
    }
    let mut digits: Vec<u8> = Vec::with_capacity(mant.len());
    let mut frac_len: i64 = 0;
    let mut in_frac = false;
    for &b in mant {
        if b == b'.' {
            in_frac = true;
        } else {
            digits.push(b - b'0');
            if in_frac {
                frac_len += 1;
            }
        }
    }
    let first_nonzero = digits.iter().position(|&d| d != 0);
    let Some(first) = first_nonzero else {
        return Ok(Some(0));
    };
    let digits = &digits[first..];
    let trailing_zeros = digits.iter().rev().take_while(|&&d| d == 0).count();
    let significant = &digits[..digits.len() - trailing_zeros];
    let scale = exp - frac_len + trailing_zeros as i64;
    if scale < 0 {
        return Ok(None);
    }
    if significant.len() as i64 + scale > 19 {
        return Err(FaultKind::OutOfRange);
    }
    let mut v: i128 = 0;
    for &d in significant {
        v = v * 10 + i128::from(d);
    }
    for _ in 0..scale {
        v *= 10;
    }
    if neg {
        v = -v;
    }
    i64::try_from(v)
        .map(Some)
        .map_err(|_| FaultKind::OutOfRange)
}

impl<'a> Reader<'a> {
    /// A reader over `buf`. `trusted_utf8` skips UTF-8 checks for text known to be valid.
    pub fn new(buf: &'a [u8], trusted_utf8: bool) -> Self {
        Reader {
            buf,
            pos: 0,
            trusted_utf8,
            key_at: 0,
            max_depth: crate::fault::limits::max_depth(),
            value_checks: true,
            dialect: Dialect::V201,
            allowances: Allowances([0; 2]),
        }
    }

    /// The same reader accepting `allowances` (the lenient reading of 1.6).
    pub fn with_allowances(mut self, allowances: Allowances) -> Self {
        self.allowances = allowances;
        self
    }

    /// Uses up one `which`, if one is left (consulted on the failure path only).
    #[cold]
    pub fn take_allowance(&mut self, which: Allowance) -> bool {
        let n = &mut self.allowances.0[which as usize];
        let left = *n > 0;
        *n = n.saturating_sub(1);
        left
    }

    /// The same reader for text that follows `dialect`'s schema.
    pub fn with_dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    #[inline(always)]
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The same reader without value checks (`maxLength`, minimums): the `off` profile.
    pub fn without_value_checks(mut self) -> Self {
        self.value_checks = false;
        self
    }

    /// Whether a value check that failed counts (consulted on the failure path only).
    #[inline]
    pub fn value_checks(&self) -> bool {
        self.value_checks
    }

    /// The same reader with another nesting limit for open JSON.
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    #[inline]
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Current byte offset.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Goes back to an earlier offset, to read a value again on a slow path.
    pub fn rewind(&mut self, pos: usize) {
        debug_assert!(pos <= self.pos);
        self.pos = pos;
    }

    /// A fault at the current position.
    #[cold]
    pub fn fault(&self, kind: FaultKind) -> Box<Fault> {
        Fault::new(kind, self.pos)
    }

    #[cold]
    fn syntax<T>(&self, reason: &'static str) -> Res<T> {
        Err(self.fault(FaultKind::Syntax(reason)))
    }

    /// Skips JSON whitespace and returns the next byte, if any.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.buf.get(self.pos) {
            match b {
                b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                _ => return Some(b),
            }
        }
        None
    }

    /// The JSON type of the next value, judged from its first byte.
    #[inline]
    pub fn peek_type(&mut self) -> Res<JsonType> {
        match self.peek() {
            Some(b'{') => Ok(JsonType::Object),
            Some(b'[') => Ok(JsonType::Array),
            Some(b'"') => Ok(JsonType::String),
            Some(b'-' | b'0'..=b'9') => Ok(JsonType::Number),
            Some(b't' | b'f') => Ok(JsonType::Boolean),
            Some(b'n') => Ok(JsonType::Null),
            Some(_) => self.syntax("expected a value"),
            None => self.syntax("unexpected end of input"),
        }
    }

    /// Consumes `byte` (after whitespace) or fails with a syntax fault.
    #[inline]
    pub fn expect(&mut self, byte: u8, reason: &'static str) -> Res<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.syntax(reason)
        }
    }

    /// Requires that only whitespace is left.
    pub fn finish(&mut self) -> Res<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.syntax("unexpected content after the value"),
        }
    }

    /// Steps into an object whose `{` is next. Call [`Reader::next_key`] with `first = true`.
    #[inline]
    pub fn begin_object(&mut self) {
        debug_assert_eq!(self.buf.get(self.pos), Some(&b'{'));
        self.pos += 1;
    }

    /// Moves to the next key of an object: true with the opening quote next, false at `}`
    /// (consumed).
    #[inline]
    fn advance_to_key(&mut self, first: bool) -> Res<bool> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b',') if !first => {
                self.pos += 1;
                if self.peek() != Some(b'"') {
                    return self.syntax("expected a key after ','");
                }
                Ok(true)
            }
            Some(b'"') if first => Ok(true),
            Some(_) if first => self.syntax("expected a key or '}'"),
            _ => self.syntax("expected ',' or '}'"),
        }
    }

    /// The next key of the object (its `:` consumed) with the key's offset, or `None` at `}`.
    #[inline]
    pub fn next_key(&mut self, first: &mut bool) -> Res<Option<(Cow<'a, str>, usize)>> {
        if !self.advance_to_key(*first)? {
            return Ok(None);
        }
        *first = false;
        let at = self.pos;
        let key = self.read_string()?;
        self.expect(b':', "expected ':' after a key")?;
        Ok(Some((key, at)))
    }

    /// Like [`Reader::next_key`] for an object whose keys the schema fixes: the key is matched
    /// in place against `keys` and its index returned (its offset is then [`Reader::key_at`]).
    /// A key with escapes is decoded and matched on a slow path; a key not in `keys` is an
    /// unknown-property fault at that key's pointer.
    ///
    /// `hint` is the index to try first; it is set to the next index, since senders usually
    /// write the properties in one order.
    #[inline(always)]
    pub fn next_field(
        &mut self,
        first: &mut bool,
        hint: &mut usize,
        keys: &[&'static str],
    ) -> Res<Option<usize>> {
        let b = self.buf;
        match b.get(self.pos) {
            Some(b'"') if *first => {}
            Some(b',') if !*first && b.get(self.pos + 1) == Some(&b'"') => self.pos += 1,
            Some(b'}') => {
                self.pos += 1;
                return Ok(None);
            }
            _ => {
                if !self.advance_to_key(*first)? {
                    return Ok(None);
                }
            }
        }
        *first = false;
        self.key_at = self.pos;
        let rest = &b[self.pos + 1..];
        // From the hint forward (absent optional properties are skipped), then from the start.
        let mut found = None;
        let mut index = *hint;
        for _ in 0..keys.len() {
            if index >= keys.len() {
                index = 0;
            }
            if key_matches(rest, keys[index]) {
                found = Some(index);
                break;
            }
            index += 1;
        }
        let Some(index) = found else {
            return self.field_by_name(keys);
        };
        *hint = index + 1;
        let len = keys[index].len();
        self.pos += len + 2;
        if rest[len + 1] == b':' {
            self.pos += 1;
        } else {
            self.expect(b':', "expected ':' after a key")?;
        }
        Ok(Some(index))
    }

    /// Fast path for a string that must be one of a few ASCII words (an enumeration): the raw
    /// text between the quotes when it has no escapes, else `None` (the caller then reads it
    /// with [`Reader::read_string`]). On `Some`, the reader has moved past the string.
    #[inline(always)]
    pub fn read_plain_ascii(&mut self) -> Option<&'a str> {
        let start = self.pos + 1;
        let end = skip_plain_bytes(self.buf, start);
        if self.buf.get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        // SAFETY: skip_plain_bytes stops at the first byte that is not printable ASCII, and
        // that byte is the closing quote, so the whole range is ASCII.
        Some(unsafe { std::str::from_utf8_unchecked(&self.buf[start..end]) })
    }

    /// The next byte without skipping whitespace (for fast paths that fall back to [`Reader::peek`]).
    #[inline(always)]
    pub fn current(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    #[cold]
    #[inline(never)]
    fn field_by_name(&mut self, keys: &[&'static str]) -> Res<Option<usize>> {
        let at = self.pos;
        let key = self.read_string()?;
        self.expect(b':', "expected ':' after a key")?;
        match keys.iter().position(|k| *k == key) {
            Some(index) => Ok(Some(index)),
            None => Err(
                Fault::new(FaultKind::UnknownProperty(key.as_ref().into()), at)
                    .within(crate::fault::error::Seg::Name(key.as_ref().into())),
            ),
        }
    }

    /// The offset of the key that [`Reader::next_field`] returned last.
    pub fn key_at(&self) -> usize {
        self.key_at
    }

    /// Steps into an array whose `[` is next. Call [`Reader::next_item`] with `first = true`.
    #[inline]
    pub fn begin_array(&mut self) {
        debug_assert_eq!(self.buf.get(self.pos), Some(&b'['));
        self.pos += 1;
    }

    /// True when another item follows (positioned at it), false at `]` (consumed).
    #[inline]
    pub fn next_item(&mut self, first: &mut bool) -> Res<bool> {
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b',') if !*first => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            _ => self.syntax("expected ',' or ']'"),
        }
    }

    /// Reads a string whose opening quote is next.
    #[inline]
    pub fn read_string(&mut self) -> Res<Cow<'a, str>> {
        let start = self.pos + 1;
        let mut i = start;
        let mut ascii = true;
        let buf = self.buf;
        loop {
            i = skip_plain_bytes(buf, i);
            match buf.get(i) {
                Some(b'"') => break,
                Some(b'\\') => return self.read_escaped_string(start).map(Cow::Owned),
                Some(&b) if b < 0x20 => {
                    self.pos = i;
                    return self.syntax("control character in string");
                }
                Some(&b) => {
                    ascii &= b < 0x80;
                    i += 1;
                }
                None => {
                    self.pos = i;
                    return self.syntax("unterminated string");
                }
            }
        }
        let raw = &buf[start..i];
        let s = if ascii || self.trusted_utf8 {
            // SAFETY: `raw` is all ASCII, or the caller vouched that the whole buffer is UTF-8 and
            // `raw` starts and ends at ASCII quote bytes, hence on character boundaries.
            unsafe { std::str::from_utf8_unchecked(raw) }
        } else {
            match std::str::from_utf8(raw) {
                Ok(s) => s,
                Err(e) => {
                    self.pos = start + e.valid_up_to();
                    return Err(self.fault(FaultKind::InvalidUnicode));
                }
            }
        };
        self.pos = i + 1;
        Ok(Cow::Borrowed(s))
    }

    #[cold]
    fn read_escaped_string(&mut self, start: usize) -> Res<String> {
        let mut out: Vec<u8> = Vec::with_capacity(16);
        let mut i = start;
        loop {
            let Some(&b) = self.buf.get(i) else {
                self.pos = i;
                return self.syntax("unterminated string");
            };
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.buf.get(i + 1) else {
                        self.pos = i;
                        return self.syntax("unterminated string");
                    };
                    i += 2;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4(i)?;
                            i += 4;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                let lo = if self.buf.get(i) == Some(&b'\\')
                                    && self.buf.get(i + 1) == Some(&b'u')
                                {
                                    self.hex4(i + 2)?
                                } else {
                                    0
                                };
                                if !(0xDC00..0xE000).contains(&lo) {
                                    self.pos = i;
                                    return Err(self.fault(FaultKind::InvalidUnicode));
                                }
                                i += 6;
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                self.pos = i;
                                return Err(self.fault(FaultKind::InvalidUnicode));
                            } else {
                                hi
                            };
                            // Surrogates were handled above, so this is a scalar value.
                            char::from_u32(code).unwrap_or('\u{FFFD}')
                        }
                        _ => {
                            self.pos = i - 1;
                            return self.syntax("invalid escape");
                        }
                    };
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
                b if b < 0x20 => {
                    self.pos = i;
                    return self.syntax("control character in string");
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        let s = if self.trusted_utf8 {
            // SAFETY: unescaped runs come from a valid UTF-8 buffer split at ASCII bytes, and
            // escapes were encoded from `char`s, so the whole is UTF-8.
            unsafe { String::from_utf8_unchecked(out) }
        } else {
            match String::from_utf8(out) {
                Ok(s) => s,
                Err(_) => {
                    self.pos = start;
                    return Err(self.fault(FaultKind::InvalidUnicode));
                }
            }
        };
        self.pos = i + 1;
        Ok(s)
    }

    fn hex4(&mut self, at: usize) -> Res<u32> {
        let mut v = 0u32;
        for k in 0..4 {
            let d = match self.buf.get(at + k) {
                Some(&b @ b'0'..=b'9') => b - b'0',
                Some(&b @ b'a'..=b'f') => b - b'a' + 10,
                Some(&b @ b'A'..=b'F') => b - b'A' + 10,
                _ => {
                    self.pos = at + k;
                    return self.syntax("invalid \\u escape");
                }
            };
            v = v * 16 + u32::from(d);
        }
        Ok(v)
    }

    /// Fast path for the small integers that integer fields mostly hold (multipliers, ids,
    /// sequence numbers): an optional minus and one to nine digits without a leading zero,
    /// not followed by a fraction or an exponent. `None`, the reader unmoved, for anything
    /// else, which [`Reader::read_number`] then reads and judges.
    #[inline(always)]
    pub fn read_short_integer(&mut self) -> Option<i64> {
        let b = self.buf;
        let negative = b.get(self.pos) == Some(&b'-');
        let first = self.pos + usize::from(negative);
        let mut i = first;
        let mut v: i64 = 0;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            // Wrapping: a longer run is refused below, whatever it wrapped to.
            v = v.wrapping_mul(10).wrapping_add(i64::from(d - b'0'));
            i += 1;
        }
        let digits = i - first;
        let leading_zero = digits > 1 && b[first] == b'0';
        if digits == 0 || digits > 9 || leading_zero || matches!(b.get(i), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        self.pos = i;
        Some(if negative { -v } else { v })
    }

    /// Reads a number token (grammar of RFC 8259) whose first byte is next.
    #[inline(always)]
    pub fn read_number(&mut self) -> Res<Number<'a>> {
        let start = self.pos;
        let b = self.buf;
        let mut i = start;
        let negative = b.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        let mut mantissa: u64 = 0;
        let mut digits = 0usize;
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while let Some(&d @ b'0'..=b'9') = b.get(i) {
                    mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                    digits += 1;
                    i += 1;
                }
            }
            _ => {
                self.pos = i;
                return self.syntax("invalid number");
            }
        }
        let mut plain_integer = true;
        let mut exp10: i64 = 0;
        if b.get(i) == Some(&b'.') {
            plain_integer = false;
            i += 1;
            let frac_start = i;
            while let Some(&d @ b'0'..=b'9') = b.get(i) {
                if mantissa != 0 || d != b'0' {
                    mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                    digits += 1;
                }
                i += 1;
            }
            if i == frac_start {
                self.pos = i;
                return self.syntax("invalid number");
            }
            exp10 = -((i - frac_start) as i64);
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            plain_integer = false;
            i += 1;
            let exp_negative = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let exp_start = i;
            let mut e: i64 = 0;
            while let Some(&d @ b'0'..=b'9') = b.get(i) {
                // Saturate: beyond this the value is zero or infinite either way.
                e = (e * 10 + i64::from(d - b'0')).min(1 << 40);
                i += 1;
            }
            if i == exp_start {
                self.pos = i;
                return self.syntax("invalid number");
            }
            exp10 += if exp_negative { -e } else { e };
        }
        self.pos = i;
        // SAFETY: the token consists of ASCII bytes only, checked above.
        let text = unsafe { std::str::from_utf8_unchecked(&b[start..i]) };
        let mantissa = (digits <= 19).then_some(mantissa);
        Ok(Number {
            text,
            plain_integer,
            offset: start,
            mantissa,
            exp10,
            negative,
        })
    }

    /// Reads `true`, `false` or `null`, returning the boolean (`None` for null).
    pub fn read_literal(&mut self) -> Res<Option<bool>> {
        let rest = &self.buf[self.pos..];
        let (len, v) = if rest.starts_with(b"true") {
            (4, Some(true))
        } else if rest.starts_with(b"false") {
            (5, Some(false))
        } else if rest.starts_with(b"null") {
            (4, None)
        } else {
            return self.syntax("invalid literal");
        };
        self.pos += len;
        Ok(v)
    }

    /// Skips one value of any type, checking its syntax, without recursion (so any depth is
    /// safe). Keys and strings are fully checked, escapes and UTF-8 included.
    pub fn skip_value(&mut self) -> Res<()> {
        let mut stack: Vec<u8> = Vec::new();
        'value: loop {
            match self.peek_type()? {
                JsonType::Object => {
                    self.begin_object();
                    let mut first = true;
                    if self.next_key(&mut first)?.is_some() {
                        stack.push(b'{');
                        continue 'value;
                    }
                }
                JsonType::Array => {
                    self.begin_array();
                    let mut first = true;
                    if self.next_item(&mut first)? {
                        stack.push(b'[');
                        continue 'value;
                    }
                }
                JsonType::String => {
                    self.read_string()?;
                }
                JsonType::Number => {
                    self.read_number()?;
                }
                JsonType::Boolean | JsonType::Null => {
                    self.read_literal()?;
                }
                JsonType::Integer => unreachable!("peek_type never says integer"),
            }
            // A value ended: close every container that ends here, or move to the next member.
            loop {
                match stack.last() {
                    None => return Ok(()),
                    Some(b'{') => {
                        let mut first = false;
                        if self.next_key(&mut first)?.is_some() {
                            continue 'value;
                        }
                    }
                    Some(_) => {
                        let mut first = false;
                        if self.next_item(&mut first)? {
                            continue 'value;
                        }
                    }
                }
                stack.pop();
            }
        }
    }
}

/// Checks that `buf` holds exactly one well-formed JSON value; the first syntax fault otherwise.
#[cold]
pub fn check_syntax(buf: &[u8], trusted_utf8: bool) -> Option<Box<Fault>> {
    let mut r = Reader::new(buf, trusted_utf8);
    r.skip_value().and_then(|()| r.finish()).err()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(text: &str) -> Result<Option<i64>, FaultKind> {
        let mut r = Reader::new(text.as_bytes(), false);
        r.read_number().unwrap().to_i64()
    }

    #[test]
    fn the_short_integer_path_reads_what_the_general_one_does_or_declines() {
        // (token and what follows it, what the fast path gives)
        let cases: &[(&str, Option<i64>)] = &[
            ("0,", Some(0)),
            ("3}", Some(3)),
            ("-3]", Some(-3)),
            ("-0,", Some(0)),
            ("42", Some(42)),
            ("123456789,", Some(123_456_789)),
            ("-999999999}", Some(-999_999_999)),
            // Declined: the general path reads (or rejects) these.
            ("1234567890,", None),
            ("99999999999999999999999", None),
            ("01,", None),
            ("-,", None),
            ("1.0,", None),
            ("1e2,", None),
            ("1E2,", None),
            (" 1,", None),
            ("\"1\"", None),
        ];
        for (text, want) in cases {
            let mut r = Reader::new(text.as_bytes(), false);
            assert_eq!(r.read_short_integer(), *want, "{text}");
            match want {
                Some(v) => {
                    assert_eq!(int(text), Ok(Some(*v)), "{text}");
                    let token = text.trim_end_matches([',', '}', ']']);
                    assert_eq!(r.pos(), token.len(), "{text}");
                }
                None => assert_eq!(r.pos(), 0, "{text}"),
            }
        }
    }

    #[test]
    fn integers_follow_draft06_exactly() {
        assert_eq!(int("0"), Ok(Some(0)));
        assert_eq!(int("-0"), Ok(Some(0)));
        assert_eq!(int("1.0"), Ok(Some(1)));
        assert_eq!(int("1e2"), Ok(Some(100)));
        assert_eq!(int("1.50e1"), Ok(Some(15)));
        assert_eq!(int("1500e-2"), Ok(Some(15)));
        assert_eq!(int("1.5"), Ok(None));
        assert_eq!(int("1.0000000000000001"), Ok(None));
        assert_eq!(int("9223372036854775807"), Ok(Some(i64::MAX)));
        assert_eq!(int("-9223372036854775808"), Ok(Some(i64::MIN)));
        assert_eq!(int("9223372036854775808"), Err(FaultKind::OutOfRange));
        assert_eq!(int("1e400"), Err(FaultKind::OutOfRange));
        assert_eq!(int("0e999999999999999999999"), Ok(Some(0)));
        assert_eq!(int("1e-999999999999999999999"), Ok(None));
    }

    #[test]
    fn number_grammar_is_strict() {
        for bad in ["01", "-", "1.", ".5", "1e", "+1", "1e+"] {
            let mut r = Reader::new(bad.as_bytes(), false);
            let ok = r.read_number().is_ok() && r.finish().is_ok();
            assert!(!ok, "{bad} accepted");
        }
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let mut r = Reader::new(br#""plain""#, false);
        assert!(matches!(r.read_string().unwrap(), Cow::Borrowed("plain")));
        let mut r = Reader::new(br#""a\n\u00e9\ud83d\ude00""#, false);
        assert_eq!(r.read_string().unwrap(), "a\n\u{e9}\u{1F600}");
    }

    #[test]
    fn lone_surrogates_and_bad_utf8_are_rejected() {
        for bad in [
            &br#""\ud800""#[..],
            br#""\udc00x""#,
            b"\"\xff\"",
            b"\"\xc3\"",
        ] {
            let mut r = Reader::new(bad, false);
            assert_eq!(r.read_string().unwrap_err().kind, FaultKind::InvalidUnicode);
        }
    }

    #[test]
    fn syntax_check_handles_deep_nesting_without_recursion() {
        let deep = "[".repeat(200_000) + &"]".repeat(200_000);
        assert!(check_syntax(deep.as_bytes(), false).is_none());
        let broken = "[".repeat(200_000);
        assert!(check_syntax(broken.as_bytes(), false).is_some());
    }

    #[test]
    fn syntax_check_rejects_common_breakage() {
        for bad in [
            "",
            "{",
            "{\"a\":1,}",
            "[1,]",
            "{\"a\" 1}",
            "[1 2]",
            "tru",
            "{} {}",
            "\u{feff}{}",
        ] {
            assert!(
                check_syntax(bad.as_bytes(), false).is_some(),
                "{bad:?} accepted"
            );
        }
        for good in ["{}", " [1, -0.5e3, \"x\", true, null, {\"a\": []}] "] {
            assert!(
                check_syntax(good.as_bytes(), false).is_none(),
                "{good:?} rejected"
            );
        }
    }
}
