//! Columnar builders laid out as Arrow lays out its arrays, so that exporting them
//! ([`crate::columnar::arrow`]) hands the very vectors over, without a copy.
//!
//! - [`Bitmap`]: a validity bitmap, least significant bit first, bits past the end kept zero.
//! - [`Utf8Column`]: `i32` offsets (starting at 0) and the concatenated UTF-8 bytes.
//! - [`PrimColumn`]: fixed-width values (`i32`, `i64`, `f64`); a null slot holds the default.
//! - [`BoolColumn`]: booleans packed as Arrow packs them, one bit each; a null slot holds 0.
//! - [`Table`]: finished columns with their [`Field`]s, one Arrow record batch.
//!
//! A column is nullable exactly when it has a bitmap; a nullable column whose values are all
//! present exports no bitmap (Arrow allows a null validity buffer when the null count is 0).
//!
//! Arrow's `utf8` has 32-bit offsets, so one column holds at most `i32::MAX` bytes. Builders
//! write offsets with a wrapping cast and report their size through [`Column::data_len`]; the owner
//! truncates back to the last good row and starts a new record batch (see
//! [`crate::columnar::rows::Segments`]), so an overflowed offset is never exported.

use crate::columnar::buffer_pool;

/// The largest byte length a `utf8` column may reach.
pub const MAX_UTF8_BYTES: usize = i32::MAX as usize;

/// A validity bitmap: bit `i` (LSB first in each byte) set when slot `i` holds a value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bitmap {
    bytes: Vec<u8>,
    len: usize,
    unset: usize,
}

impl Bitmap {
    /// Appends one bit.
    #[inline]
    pub fn push(&mut self, valid: bool) {
        if self.len % 8 == 0 {
            self.bytes.push(0);
        }
        if valid {
            *self.bytes.last_mut().expect("a byte was pushed") |= 1 << (self.len % 8);
        } else {
            self.unset += 1;
        }
        self.len += 1;
    }

    /// Appends `n` equal bits.
    pub fn push_n(&mut self, valid: bool, n: usize) {
        let end = self.len + n;
        self.bytes.resize(end.div_ceil(8), 0);
        if valid {
            let mut i = self.len;
            while i < end && i % 8 != 0 {
                self.bytes[i / 8] |= 1 << (i % 8);
                i += 1;
            }
            while i + 8 <= end {
                self.bytes[i / 8] = 0xFF;
                i += 8;
            }
            while i < end {
                self.bytes[i / 8] |= 1 << (i % 8);
                i += 1;
            }
        } else {
            self.unset += n;
        }
        self.len = end;
    }

    /// Bit `i`.
    pub fn get(&self, i: usize) -> bool {
        assert!(i < self.len, "bit {i} of {}", self.len);
        self.bytes[i / 8] & (1 << (i % 8)) != 0
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of unset bits (nulls).
    pub fn unset(&self) -> usize {
        self.unset
    }

    /// The bytes, `ceil(len / 8)` of them; bits past `len` are zero.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Keeps the first `n` bits.
    pub fn truncate(&mut self, n: usize) {
        if n >= self.len {
            return;
        }
        let dropped = (n..self.len).filter(|&i| !self.get(i)).count();
        self.unset -= dropped;
        self.bytes.truncate(n.div_ceil(8));
        if n % 8 != 0 {
            *self.bytes.last_mut().expect("n > 0") &= (1u8 << (n % 8)) - 1;
        }
        self.len = n;
    }

    /// Appends all bits of `other`.
    pub fn append(&mut self, other: &Bitmap) {
        let shift = self.len % 8;
        if shift == 0 {
            self.bytes.extend_from_slice(&other.bytes);
        } else {
            // Each byte of `other` straddles two bytes here; the bits past `other.len` are
            // zero, so the high part of the last one never sets a bit beyond the new length.
            self.bytes.reserve(other.bytes.len());
            for &b in &other.bytes {
                *self.bytes.last_mut().expect("shift > 0") |= b << shift;
                self.bytes.push(b >> (8 - shift));
            }
        }
        self.len += other.len;
        self.unset += other.unset;
        self.bytes.truncate(self.len.div_ceil(8));
    }

    /// The bitmap as exported: `None` when no bit is unset.
    pub fn into_exported(self) -> Option<Vec<u8>> {
        (self.unset > 0).then_some(self.bytes)
    }
}

/// A column's validity: `None` for a non-nullable column, which keeps no bits.
#[derive(Clone, Debug, PartialEq)]
struct Validity(Option<Bitmap>);

impl Validity {
    fn new(nullable: bool) -> Self {
        Validity(nullable.then(Bitmap::default))
    }

    #[inline]
    fn push_valid(&mut self) {
        if let Some(b) = &mut self.0 {
            b.push(true);
        }
    }

    /// Panics on a non-nullable column.
    #[inline]
    fn push_null(&mut self) {
        self.0
            .as_mut()
            .expect("null in a non-nullable column")
            .push(false);
    }

    /// `n` slots alike. Panics on nulls in a non-nullable column.
    fn push_n(&mut self, valid: bool, n: usize) {
        match &mut self.0 {
            Some(b) => b.push_n(valid, n),
            None => assert!(valid, "null in a non-nullable column"),
        }
    }

    fn is_valid(&self, i: usize) -> bool {
        self.0.as_ref().map_or(true, |b| b.get(i))
    }

    fn reserve(&mut self, rows: usize) {
        if let Some(b) = &mut self.0 {
            b.bytes.reserve(rows / 8 + 1);
        }
    }

    fn truncate(&mut self, n: usize) {
        if let Some(b) = &mut self.0 {
            b.truncate(n);
        }
    }

    fn append(&mut self, other: &Validity) {
        match (&mut self.0, &other.0) {
            (Some(a), Some(b)) => a.append(b),
            (None, None) => {}
            _ => panic!("appending columns of different nullability"),
        }
    }

    /// The null count and the exported bitmap.
    fn finish(self) -> (usize, Option<Vec<u8>>) {
        match self.0 {
            Some(b) => (b.unset(), b.into_exported()),
            None => (0, None),
        }
    }
}

/// Appends `src` to `dst`, taking its buffer when `dst` is empty: concatenating chunks then
/// moves the first one instead of copying it.
fn append_vec<T: Copy>(dst: &mut Vec<T>, src: Vec<T>) {
    if dst.is_empty() {
        *dst = src;
    } else {
        dst.extend_from_slice(&src);
    }
}

/// What every column builder can do, so that a row builder can handle its columns alike.
pub trait Column {
    /// Number of slots.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Keeps the first `n` slots.
    fn truncate(&mut self, n: usize);
    /// Appends the slots of `other` (which has the same nullability).
    fn append(&mut self, other: Self);
    /// Bytes of variable-length data (0 for fixed-width columns).
    fn data_len(&self) -> usize;
    /// The finished array, typed as `field` says.
    fn finish(self, field: Field) -> ColumnArray;
    /// Makes room for `rows` more slots (and, for variable-length data, `rows` times the
    /// average length seen so far), so that a batch does not grow by repeated doubling.
    fn reserve(&mut self, rows: usize);
}

/// A `utf8` column.
#[derive(Clone, Debug, PartialEq)]
pub struct Utf8Column {
    offsets: Vec<i32>,
    data: Vec<u8>,
    validity: Validity,
}

impl Utf8Column {
    pub fn new(nullable: bool) -> Self {
        Utf8Column {
            offsets: vec![0],
            data: Vec::new(),
            validity: Validity::new(nullable),
        }
    }

    /// Appends a value.
    #[inline]
    pub fn push(&mut self, s: &str) {
        self.data.extend_from_slice(s.as_bytes());
        // Wrapping on purpose: see the module docs (the owner checks `data_len` and undoes the row).
        self.offsets.push(self.data.len() as i32);
        self.validity.push_valid();
    }

    /// Appends a null. Panics on a non-nullable column.
    #[inline]
    pub fn push_null(&mut self) {
        self.validity.push_null();
        self.offsets.push(self.data.len() as i32);
    }

    #[inline]
    pub fn push_opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.push(s),
            None => self.push_null(),
        }
    }

    /// Appends `s` (or a null) `n` times: the values every row of one frame shares.
    pub fn push_n(&mut self, s: Option<&str>, n: usize) {
        let start = self.data.len();
        match s {
            Some(s) if n > 0 => {
                self.data.reserve(s.len() * n);
                self.data.extend_from_slice(s.as_bytes());
                // Doubling copies: a few copies of a growing run instead of one per row.
                while self.data.len() - start < s.len() * n {
                    let have = self.data.len() - start;
                    let more = have.min(s.len() * n - have);
                    self.data.extend_from_within(start..start + more);
                }
                self.offsets
                    .extend((1..=n).map(|k| (start + k * s.len()) as i32));
            }
            _ => self.offsets.resize(self.offsets.len() + n, start as i32),
        }
        self.validity.push_n(s.is_some(), n);
    }

    /// Slot `i`: `None` for a null.
    pub fn get(&self, i: usize) -> Option<&str> {
        if !self.validity.is_valid(i) {
            return None;
        }
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        Some(std::str::from_utf8(&self.data[a..b]).expect("built from &str"))
    }
}

impl Column for Utf8Column {
    fn reserve(&mut self, rows: usize) {
        let seen = self.offsets.len() - 1;
        let average = self.data.len().checked_div(seen).map_or(16, |a| a + 1);
        buffer_pool::reserve(&mut self.offsets, rows);
        buffer_pool::reserve(&mut self.data, rows * average);
        self.validity.reserve(rows);
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn truncate(&mut self, n: usize) {
        if n >= self.len() {
            return;
        }
        // Offsets up to a row that fitted are exact, so this one is too.
        let end = self.offsets[n] as u32 as usize;
        self.offsets.truncate(n + 1);
        self.data.truncate(end);
        self.validity.truncate(n);
    }

    fn append(&mut self, other: Self) {
        let base = self.data.len() as i32;
        self.offsets.reserve(other.offsets.len() - 1);
        self.offsets
            .extend(other.offsets[1..].iter().map(|o| o.wrapping_add(base)));
        append_vec(&mut self.data, other.data);
        self.validity.append(&other.validity);
    }

    fn data_len(&self) -> usize {
        self.data.len()
    }

    fn finish(self, field: Field) -> ColumnArray {
        assert!(matches!(field.ty, ArrowType::Utf8), "{field:?}");
        debug_assert!(self.data_len() <= MAX_UTF8_BYTES);
        let len = self.len();
        let (null_count, validity) = self.validity.finish();
        ColumnArray {
            len,
            null_count,
            validity,
            values: Values::Utf8 {
                offsets: self.offsets,
                data: self.data,
            },
            field,
            dictionary_extra: Vec::new(),
        }
    }
}

/// A fixed-width value type Arrow knows.
pub trait Primitive: buffer_pool::Pooled + Default + std::fmt::Debug + PartialEq {
    fn into_values(v: Vec<Self>) -> Values;
}

impl Primitive for i32 {
    fn into_values(v: Vec<Self>) -> Values {
        Values::I32(v)
    }
}

impl Primitive for i64 {
    fn into_values(v: Vec<Self>) -> Values {
        Values::I64(v)
    }
}

impl Primitive for f64 {
    fn into_values(v: Vec<Self>) -> Values {
        Values::F64(v)
    }
}

/// A fixed-width column.
#[derive(Clone, Debug, PartialEq)]
pub struct PrimColumn<T> {
    values: Vec<T>,
    validity: Validity,
}

impl<T: Primitive> PrimColumn<T> {
    pub fn new(nullable: bool) -> Self {
        PrimColumn {
            values: Vec::new(),
            validity: Validity::new(nullable),
        }
    }

    #[inline]
    pub fn push(&mut self, v: T) {
        self.values.push(v);
        self.validity.push_valid();
    }

    /// Appends a null (the slot holds `T::default()`). Panics on a non-nullable column.
    #[inline]
    pub fn push_null(&mut self) {
        self.validity.push_null();
        self.values.push(T::default());
    }

    #[inline]
    pub fn push_opt(&mut self, v: Option<T>) {
        match v {
            Some(v) => self.push(v),
            None => self.push_null(),
        }
    }

    /// Appends `v` (or a null) `n` times.
    pub fn push_n(&mut self, v: Option<T>, n: usize) {
        self.values
            .resize(self.values.len() + n, v.unwrap_or_default());
        self.validity.push_n(v.is_some(), n);
    }

    /// Slot `i`: `None` for a null.
    pub fn get(&self, i: usize) -> Option<T> {
        self.validity.is_valid(i).then(|| self.values[i])
    }
}

impl<T: Primitive> Column for PrimColumn<T> {
    fn reserve(&mut self, rows: usize) {
        buffer_pool::reserve(&mut self.values, rows);
        self.validity.reserve(rows);
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn truncate(&mut self, n: usize) {
        self.values.truncate(n);
        self.validity.truncate(n);
    }

    fn append(&mut self, other: Self) {
        append_vec(&mut self.values, other.values);
        self.validity.append(&other.validity);
    }

    fn data_len(&self) -> usize {
        0
    }

    fn finish(self, field: Field) -> ColumnArray {
        let len = self.values.len();
        let values = T::into_values(self.values);
        let ok = matches!(
            (&field.ty, &values),
            (ArrowType::Int32, Values::I32(_))
                | (ArrowType::Dictionary(_), Values::I32(_))
                | (ArrowType::Int64, Values::I64(_))
                | (ArrowType::TimestampMicrosUtc, Values::I64(_))
                | (ArrowType::Float64, Values::F64(_))
        );
        assert!(ok, "{field:?} cannot hold these values");
        let (null_count, validity) = self.validity.finish();
        ColumnArray {
            len,
            null_count,
            validity,
            values,
            field,
            dictionary_extra: Vec::new(),
        }
    }
}

/// A `bool` column: the values are a bitmap too (Arrow's boolean layout), so [`Bitmap`]
/// holds them.
#[derive(Clone, Debug, PartialEq)]
pub struct BoolColumn {
    values: Bitmap,
    validity: Validity,
}

impl BoolColumn {
    pub fn new(nullable: bool) -> Self {
        BoolColumn {
            values: Bitmap::default(),
            validity: Validity::new(nullable),
        }
    }

    #[inline]
    pub fn push_opt(&mut self, v: Option<bool>) {
        self.values.push(v.unwrap_or(false));
        match v {
            Some(_) => self.validity.push_valid(),
            None => self.validity.push_null(),
        }
    }

    /// Slot `i`: `None` for a null.
    pub fn get(&self, i: usize) -> Option<bool> {
        self.validity.is_valid(i).then(|| self.values.get(i))
    }
}

impl Column for BoolColumn {
    fn reserve(&mut self, rows: usize) {
        buffer_pool::reserve(&mut self.values.bytes, rows / 8 + 1);
        self.validity.reserve(rows);
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn truncate(&mut self, n: usize) {
        self.values.truncate(n);
        self.validity.truncate(n);
    }

    fn append(&mut self, other: Self) {
        self.values.append(&other.values);
        self.validity.append(&other.validity);
    }

    fn data_len(&self) -> usize {
        0
    }

    fn finish(self, field: Field) -> ColumnArray {
        assert!(matches!(field.ty, ArrowType::Boolean), "{field:?}");
        let len = self.values.len();
        let (null_count, validity) = self.validity.finish();
        ColumnArray {
            len,
            null_count,
            validity,
            values: Values::Bool(self.values.bytes),
            field,
            dictionary_extra: Vec::new(),
        }
    }
}

/// The Arrow types the row form uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ArrowType {
    /// `utf8` (format `u`).
    Utf8,
    /// `int32` (format `i`).
    Int32,
    /// `int64` (format `l`).
    Int64,
    /// `float64` (format `g`).
    Float64,
    /// `bool` (format `b`), bit-packed.
    Boolean,
    /// `timestamp[us, UTC]` (format `tsu:UTC`), microseconds since the epoch.
    TimestampMicrosUtc,
    /// `dictionary<int32, utf8>` over a fixed list of values: the column holds the indices.
    Dictionary(&'static [&'static str]),
}

impl ArrowType {
    /// The format string of the Arrow C data interface (of the indices, for a dictionary).
    pub fn format(self) -> &'static str {
        match self {
            ArrowType::Utf8 => "u",
            ArrowType::Int32 | ArrowType::Dictionary(_) => "i",
            ArrowType::Int64 => "l",
            ArrowType::Float64 => "g",
            ArrowType::Boolean => "b",
            ArrowType::TimestampMicrosUtc => "tsu:UTC",
        }
    }
}

/// A column's name, type and nullability.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub ty: ArrowType,
    pub nullable: bool,
}

/// The value buffers of a finished column.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    Utf8 {
        offsets: Vec<i32>,
        data: Vec<u8>,
    },
    I32(Vec<i32>),
    I64(Vec<i64>),
    F64(Vec<f64>),
    /// Bit-packed, least significant bit first.
    Bool(Vec<u8>),
}

impl Drop for Values {
    fn drop(&mut self) {
        // The next batch's builders take these buffers over (see `buffer_pool`).
        match self {
            Values::Utf8 { offsets, data } => {
                buffer_pool::give(std::mem::take(offsets));
                buffer_pool::give(std::mem::take(data));
            }
            Values::I32(v) => buffer_pool::give(std::mem::take(v)),
            Values::I64(v) => buffer_pool::give(std::mem::take(v)),
            Values::F64(v) => buffer_pool::give(std::mem::take(v)),
            Values::Bool(v) => buffer_pool::give(std::mem::take(v)),
        }
    }
}

/// A finished column: the buffers Arrow will see.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnArray {
    pub field: Field,
    pub len: usize,
    pub null_count: usize,
    /// `None` when there is no null.
    pub validity: Option<Vec<u8>>,
    pub values: Values,
    /// A dictionary column's values after the fixed ones of its type (see [`DictColumn`]).
    pub dictionary_extra: Vec<String>,
}

/// One slot of a finished column, as a reader of single rows sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    Null,
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A `timestamp[us, UTC]`: microseconds since the Unix epoch.
    Micros(i64),
}

impl ColumnArray {
    /// Slot `i` (`i < len`), a dictionary's index resolved to its string.
    pub fn cell(&self, i: usize) -> Cell<'_> {
        if let Some(validity) = &self.validity {
            if validity[i / 8] & (1 << (i % 8)) == 0 {
                return Cell::Null;
            }
        }
        match (&self.values, self.field.ty) {
            (Values::Utf8 { offsets, data }, _) => {
                let (a, b) = (offsets[i] as usize, offsets[i + 1] as usize);
                Cell::Str(std::str::from_utf8(&data[a..b]).expect("built from &str"))
            }
            (Values::I32(keys), ArrowType::Dictionary(fixed)) => {
                let k = keys[i] as usize;
                match fixed.get(k) {
                    Some(s) => Cell::Str(s),
                    None => Cell::Str(&self.dictionary_extra[k - fixed.len()]),
                }
            }
            (Values::I32(v), _) => Cell::Int(i64::from(v[i])),
            (Values::I64(v), ArrowType::TimestampMicrosUtc) => Cell::Micros(v[i]),
            (Values::I64(v), _) => Cell::Int(v[i]),
            (Values::F64(v), _) => Cell::Float(v[i]),
            (Values::Bool(bits), _) => Cell::Bool(bits[i / 8] & (1 << (i % 8)) != 0),
        }
    }
}

/// A `dictionary<int32, utf8>` column over a fixed list of values (its [`ArrowType`]) that
/// can take other strings too: they get indices past the fixed list, in a per-batch extension
/// of the dictionary. Rare by design (raw enum strings the lenient profile kept), so they are
/// looked up by a linear scan.
#[derive(Clone, Debug, PartialEq)]
pub struct DictColumn {
    keys: PrimColumn<i32>,
    fixed: usize,
    extra: Vec<String>,
}

impl DictColumn {
    /// A non-nullable column over a dictionary of `fixed` values.
    pub fn new(fixed: usize) -> Self {
        DictColumn {
            keys: PrimColumn::new(false),
            fixed,
            extra: Vec::new(),
        }
    }

    /// Appends fixed value `index`.
    #[inline]
    pub fn push(&mut self, index: usize) {
        self.keys.push(index as i32);
    }

    /// Appends a string outside the fixed values.
    pub fn push_other(&mut self, s: &str) {
        let i = match self.extra.iter().position(|e| e == s) {
            Some(i) => i,
            None => {
                self.extra.push(s.to_owned());
                self.extra.len() - 1
            }
        };
        self.keys.push((self.fixed + i) as i32);
    }

    /// Slot `i` as its index into the whole dictionary (fixed values, then the others).
    pub fn get(&self, i: usize) -> Option<i32> {
        self.keys.get(i)
    }

    /// The strings past the fixed values.
    pub fn extra(&self) -> &[String] {
        &self.extra
    }
}

impl Column for DictColumn {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn truncate(&mut self, n: usize) {
        // Extra strings of the dropped rows may stay: unused dictionary values are harmless.
        self.keys.truncate(n);
    }

    fn append(&mut self, mut other: Self) {
        if !other.extra.is_empty() {
            let fixed = other.fixed as i32;
            let remap: Vec<i32> = other
                .extra
                .iter()
                .map(|s| {
                    let i = self.extra.iter().position(|e| e == s).unwrap_or_else(|| {
                        self.extra.push(s.clone());
                        self.extra.len() - 1
                    });
                    (self.fixed + i) as i32
                })
                .collect();
            for k in other.keys.values.iter_mut().filter(|k| **k >= fixed) {
                *k = remap[(*k - fixed) as usize];
            }
        }
        self.keys.append(other.keys);
    }

    fn data_len(&self) -> usize {
        0
    }

    fn finish(self, field: Field) -> ColumnArray {
        assert!(
            matches!(field.ty, ArrowType::Dictionary(v) if v.len() == self.fixed),
            "{field:?}"
        );
        let mut array = self.keys.finish(field);
        array.dictionary_extra = self.extra;
        array
    }

    fn reserve(&mut self, rows: usize) {
        self.keys.reserve(rows);
    }
}

/// Finished columns of equal length: one record batch.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub len: usize,
    pub columns: Vec<ColumnArray>,
}

impl Table {
    /// The schema.
    pub fn fields(&self) -> Vec<Field> {
        self.columns.iter().map(|c| c.field).collect()
    }
}

/// Declares a struct of column builders with its schema, in column order, and implements
/// [`Builder`] for it. Each entry: `name: BuilderType = init, ArrowType, nullable;`.
macro_rules! column_struct {
    ($(#[$doc:meta])* $vis:vis struct $name:ident {
        $($col:ident : $ty:ty = $init:expr, $arrow:expr, $nullable:expr;)*
    }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        $vis struct $name {
            $(pub $col: $ty,)*
        }

        impl $name {
            /// The schema, in column order.
            pub const FIELDS: &'static [$crate::columnar::columns::Field] = &[$(
                $crate::columnar::columns::Field {
                    name: stringify!($col),
                    ty: $arrow,
                    nullable: $nullable,
                },
            )*];
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $($col: $init,)* }
            }
        }

        impl $crate::columnar::columns::Builder for $name {
            fn fields() -> &'static [$crate::columnar::columns::Field] {
                Self::FIELDS
            }

            fn len(&self) -> usize {
                let lens = [$($crate::columnar::columns::Column::len(&self.$col),)*];
                debug_assert!(lens.iter().all(|l| *l == lens[0]), "{lens:?}");
                lens[0]
            }

            fn truncate(&mut self, n: usize) {
                $($crate::columnar::columns::Column::truncate(&mut self.$col, n);)*
            }

            fn fits_within(&self, limit: usize) -> bool {
                true $(&& $crate::columnar::columns::Column::data_len(&self.$col) <= limit)*
            }

            fn can_take_within(&self, other: &Self, limit: usize) -> bool {
                true $(&& $crate::columnar::columns::Column::data_len(&self.$col)
                    + $crate::columnar::columns::Column::data_len(&other.$col)
                    <= limit)*
            }

            fn append(&mut self, other: Self) {
                $($crate::columnar::columns::Column::append(&mut self.$col, other.$col);)*
            }

            fn reserve(&mut self, rows: usize) {
                $($crate::columnar::columns::Column::reserve(&mut self.$col, rows);)*
            }

            fn finish(self) -> $crate::columnar::columns::Table {
                let len = $crate::columnar::columns::Builder::len(&self);
                let mut fields = Self::FIELDS.iter().copied();
                let columns = vec![$(
                    $crate::columnar::columns::Column::finish(
                        self.$col,
                        fields.next().expect("one field per column"),
                    ),
                )*];
                $crate::columnar::columns::Table { len, columns }
            }
        }
    };
}
pub(crate) use column_struct;

/// A struct of column builders that grow together, row by row.
pub trait Builder: Default {
    fn fields() -> &'static [Field];
    /// Number of rows.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Keeps the first `n` rows.
    fn truncate(&mut self, n: usize);
    /// Makes room for `rows` more rows in every column.
    fn reserve(&mut self, rows: usize);
    /// False once a `utf8` column holds more than `limit` bytes (at most [`MAX_UTF8_BYTES`],
    /// which its offsets can address): undo the last rows, then start a new batch.
    fn fits_within(&self, limit: usize) -> bool;
    /// Whether `other` can be appended with every `utf8` column within `limit` bytes.
    fn can_take_within(&self, other: &Self, limit: usize) -> bool;
    /// Appends the rows of `other`.
    fn append(&mut self, other: Self);
    /// The record batch.
    fn finish(self) -> Table;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(b: &Bitmap) -> Vec<bool> {
        (0..b.len()).map(|i| b.get(i)).collect()
    }

    #[test]
    fn bitmaps_append_and_truncate_at_any_alignment() {
        let pattern = |n: usize, seed: usize| -> Vec<bool> {
            (0..n).map(|i| (i * 7 + seed) % 3 != 0).collect()
        };
        for a in 0..20 {
            for b in 0..20 {
                let (pa, pb) = (pattern(a, 1), pattern(b, 2));
                let mut x = Bitmap::default();
                pa.iter().for_each(|v| x.push(*v));
                let mut y = Bitmap::default();
                pb.iter().for_each(|v| y.push(*v));
                x.append(&y);
                let want: Vec<bool> = pa.iter().chain(&pb).copied().collect();
                assert_eq!(bits(&x), want, "{a} + {b}");
                assert_eq!(x.unset(), want.iter().filter(|v| !**v).count());
                assert_eq!(x.as_bytes().len(), (a + b).div_ceil(8));
                // Bits past the end stay zero, so the bytes equal those of a fresh build.
                let mut fresh = Bitmap::default();
                want.iter().for_each(|v| fresh.push(*v));
                assert_eq!(x, fresh);
                for n in [0, a / 2, a + b / 3] {
                    let mut t = x.clone();
                    t.truncate(n);
                    let mut fresh = Bitmap::default();
                    want[..n].iter().for_each(|v| fresh.push(*v));
                    assert_eq!(t, fresh, "{a} + {b} truncated to {n}");
                }
            }
        }
    }

    #[test]
    fn repeated_pushes_equal_single_ones_at_any_alignment() {
        for before in 0..10 {
            for n in 0..20 {
                for value in [None, Some(""), Some("x"), Some("message-id-0123456789")] {
                    let start = |c: &mut Utf8Column, p: &mut PrimColumn<i32>| {
                        (0..before).for_each(|i| {
                            c.push_opt((i % 3 != 0).then_some("ab"));
                            p.push_opt((i % 3 != 0).then_some(7));
                        });
                    };
                    let (mut bulk, mut single) = (Utf8Column::new(true), Utf8Column::new(true));
                    let (mut bulk_p, mut single_p) = (PrimColumn::new(true), PrimColumn::new(true));
                    start(&mut bulk, &mut bulk_p);
                    start(&mut single, &mut single_p);
                    bulk.push_n(value, n);
                    bulk_p.push_n(value.map(|v| v.len() as i32), n);
                    (0..n).for_each(|_| {
                        single.push_opt(value);
                        single_p.push_opt(value.map(|v| v.len() as i32));
                    });
                    assert_eq!(bulk, single, "{before} then {n} x {value:?}");
                    assert_eq!(bulk_p, single_p, "{before} then {n} x {value:?}");
                }
            }
        }
    }

    #[test]
    fn utf8_columns_append_truncate_and_hold_nulls() {
        let mut a = Utf8Column::new(true);
        a.push("ab");
        a.push_null();
        let mut b = Utf8Column::new(true);
        b.push("");
        b.push("héé");
        b.push_null();
        a.append(b);
        let got: Vec<Option<&str>> = (0..a.len()).map(|i| a.get(i)).collect();
        assert_eq!(got, [Some("ab"), None, Some(""), Some("héé"), None]);
        a.truncate(3);
        assert_eq!(a.data_len(), 2);
        let arr = a.finish(Field {
            name: "s",
            ty: ArrowType::Utf8,
            nullable: true,
        });
        assert_eq!(arr.null_count, 1);
        assert_eq!(arr.validity, Some(vec![0b101]));
        assert_eq!(
            arr.values,
            Values::Utf8 {
                offsets: vec![0, 2, 2, 2],
                data: b"ab".to_vec()
            }
        );
    }

    #[test]
    fn a_nullable_column_without_nulls_exports_no_bitmap() {
        let mut c = PrimColumn::<i64>::new(true);
        c.push(5);
        c.push_opt(Some(6));
        let arr = c.finish(Field {
            name: "n",
            ty: ArrowType::Int64,
            nullable: true,
        });
        assert_eq!((arr.null_count, arr.validity), (0, None));
        assert_eq!(arr.values, Values::I64(vec![5, 6]));
    }

    #[test]
    fn bool_columns_pack_values_and_nulls_apart_at_any_alignment() {
        let pattern = |n: usize, seed: usize| -> Vec<Option<bool>> {
            (0..n)
                .map(|i| ((i + seed) % 5 != 0).then_some((i * 3 + seed) % 2 == 0))
                .collect()
        };
        for a in 0..12 {
            for b in 0..12 {
                let build = |values: &[Option<bool>]| {
                    let mut c = BoolColumn::new(true);
                    values.iter().for_each(|v| c.push_opt(*v));
                    c
                };
                let (pa, pb) = (pattern(a, 1), pattern(b, 2));
                let mut x = build(&pa);
                x.append(build(&pb));
                let want: Vec<Option<bool>> = pa.iter().chain(&pb).copied().collect();
                assert_eq!((0..x.len()).map(|i| x.get(i)).collect::<Vec<_>>(), want);
                assert_eq!(x, build(&want), "{a} + {b}");
                let mut t = x.clone();
                t.truncate(a / 2);
                assert_eq!(t, build(&want[..a / 2]));
            }
        }
        let arr = BoolColumn::new(true).finish(Field {
            name: "b",
            ty: ArrowType::Boolean,
            nullable: true,
        });
        assert_eq!((arr.len, arr.null_count), (0, 0));
        let mut c = BoolColumn::new(false);
        c.push_opt(Some(true));
        c.push_opt(Some(false));
        c.push_opt(Some(true));
        let arr = c.finish(Field {
            name: "b",
            ty: ArrowType::Boolean,
            nullable: false,
        });
        assert_eq!((arr.len, arr.null_count, arr.validity), (3, 0, None));
        assert_eq!(arr.values, Values::Bool(vec![0b101]));
    }

    #[test]
    #[should_panic(expected = "null in a non-nullable column")]
    fn nulls_are_refused_where_the_schema_has_none() {
        PrimColumn::<f64>::new(false).push_null();
    }
}
