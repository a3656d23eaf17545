//! Export of [`Table`]s through the Arrow C data interface and C stream interface, written
//! from the Apache Arrow specification (the structs are its stable ABI): [`ArrowSchema`],
//! [`ArrowArray`], [`ArrowArrayStream`], each with its `release` callback.
//!
//! Nothing is copied: every exported array keeps its [`Table`] alive through an [`Arc`], and
//! its buffers point into the table's vectors, so one batch can be exported any number of
//! times, and the consumer may keep the arrays after the stream (and the batch) is gone.
//!
//! A record batch is a struct array (format `+s`) with one child per column: `utf8` (`u`:
//! validity, `i32` offsets, bytes), `int32` (`i`), `int64` (`l`), `float64` (`g`),
//! `timestamp[us, UTC]` (`tsu:UTC`, `i64` values), `bool` (`b`, values bit-packed like a
//! validity bitmap), and `dictionary<int32, utf8>` (`i` indices, the dictionary a `u` array). A nullable column without nulls exports a null validity
//! buffer, as the specification allows when `null_count` is 0.
//!
//! Ownership follows the specification: the producer (this module) allocates, the consumer
//! calls `release` once on what it received; a parent's `release` releases the children the
//! consumer has not moved out (a moved child has its `release` set to null by the mover).

use std::ffi::{c_char, c_int, c_void, CString};
use std::ptr::{null, null_mut};
use std::sync::Arc;

use crate::columnar::columns::{ArrowType, Field, Table, Values};

/// Flag of a nullable field.
pub const ARROW_FLAG_NULLABLE: i64 = 2;

/// `struct ArrowSchema` of the C data interface.
#[repr(C)]
#[derive(Debug)]
pub struct ArrowSchema {
    pub format: *const c_char,
    pub name: *const c_char,
    pub metadata: *const c_char,
    pub flags: i64,
    pub n_children: i64,
    pub children: *mut *mut ArrowSchema,
    pub dictionary: *mut ArrowSchema,
    pub release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    pub private_data: *mut c_void,
}

/// `struct ArrowArray` of the C data interface.
#[repr(C)]
#[derive(Debug)]
pub struct ArrowArray {
    pub length: i64,
    pub null_count: i64,
    pub offset: i64,
    pub n_buffers: i64,
    pub n_children: i64,
    pub buffers: *mut *const c_void,
    pub children: *mut *mut ArrowArray,
    pub dictionary: *mut ArrowArray,
    pub release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    pub private_data: *mut c_void,
}

/// `struct ArrowArrayStream` of the C stream interface.
#[repr(C)]
#[derive(Debug)]
pub struct ArrowArrayStream {
    pub get_schema: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowSchema) -> c_int>,
    pub get_next: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowArray) -> c_int>,
    pub get_last_error: Option<unsafe extern "C" fn(*mut ArrowArrayStream) -> *const c_char>,
    pub release: Option<unsafe extern "C" fn(*mut ArrowArrayStream)>,
    pub private_data: *mut c_void,
}

impl ArrowSchema {
    /// A released (all-null) schema, to be filled by a producer.
    pub fn empty() -> Self {
        ArrowSchema {
            format: null(),
            name: null(),
            metadata: null(),
            flags: 0,
            n_children: 0,
            children: null_mut(),
            dictionary: null_mut(),
            release: None,
            private_data: null_mut(),
        }
    }
}

impl ArrowArray {
    /// A released (all-null) array, to be filled by a producer; also the end of a stream.
    pub fn empty() -> Self {
        ArrowArray {
            length: 0,
            null_count: 0,
            offset: 0,
            n_buffers: 0,
            n_children: 0,
            buffers: null_mut(),
            children: null_mut(),
            dictionary: null_mut(),
            release: None,
            private_data: null_mut(),
        }
    }
}

impl ArrowArrayStream {
    /// A released (all-null) stream.
    pub fn empty() -> Self {
        ArrowArrayStream {
            get_schema: None,
            get_next: None,
            get_last_error: None,
            release: None,
            private_data: null_mut(),
        }
    }
}

/// Releases what `release` points at, if not released yet, then frees the struct itself.
///
/// # Safety
/// `p` comes from `Box::into_raw` of this module.
unsafe fn release_boxed_schema(p: *mut ArrowSchema) {
    if let Some(release) = (*p).release {
        release(p);
    }
    drop(Box::from_raw(p));
}

unsafe fn release_boxed_array(p: *mut ArrowArray) {
    if let Some(release) = (*p).release {
        release(p);
    }
    drop(Box::from_raw(p));
}

struct SchemaPrivate {
    format: CString,
    name: CString,
    children: Vec<*mut ArrowSchema>,
    dictionary: *mut ArrowSchema,
}

fn schema_node(
    format: &str,
    name: &str,
    flags: i64,
    children: Vec<ArrowSchema>,
    dictionary: Option<ArrowSchema>,
) -> ArrowSchema {
    let mut private = Box::new(SchemaPrivate {
        format: CString::new(format).expect("formats have no NUL"),
        name: CString::new(name).expect("names have no NUL"),
        children: children
            .into_iter()
            .map(|c| Box::into_raw(Box::new(c)))
            .collect(),
        dictionary: dictionary.map_or(null_mut(), |d| Box::into_raw(Box::new(d))),
    });
    ArrowSchema {
        format: private.format.as_ptr(),
        name: private.name.as_ptr(),
        metadata: null(),
        flags,
        n_children: private.children.len() as i64,
        children: private.children.as_mut_ptr(),
        dictionary: private.dictionary,
        release: Some(release_schema),
        private_data: Box::into_raw(private).cast(),
    }
}

unsafe extern "C" fn release_schema(schema: *mut ArrowSchema) {
    let Some(schema) = schema.as_mut() else {
        return;
    };
    if schema.release.is_none() {
        return;
    }
    let private = Box::from_raw(schema.private_data.cast::<SchemaPrivate>());
    for &child in &private.children {
        release_boxed_schema(child);
    }
    if !private.dictionary.is_null() {
        release_boxed_schema(private.dictionary);
    }
    drop(private);
    schema.release = None;
}

/// The schema of a record batch of `fields`: a struct (`+s`) with one child per field.
pub fn export_schema(fields: &[Field]) -> ArrowSchema {
    let children = fields
        .iter()
        .map(|f| {
            let flags = if f.nullable { ARROW_FLAG_NULLABLE } else { 0 };
            let dictionary = match f.ty {
                ArrowType::Dictionary(_) => Some(schema_node("u", "", 0, Vec::new(), None)),
                _ => None,
            };
            schema_node(f.ty.format(), f.name, flags, Vec::new(), dictionary)
        })
        .collect();
    schema_node("+s", "", 0, children, None)
}

/// What keeps an array's buffers alive.
enum Keep {
    /// The batch the buffers point into.
    Table(#[allow(dead_code)] Arc<Table>),
    /// A dictionary's own offsets and bytes.
    Dictionary(#[allow(dead_code)] Vec<i32>, #[allow(dead_code)] Vec<u8>),
    /// Nothing (the struct node: its buffers are its children's).
    Nothing,
}

struct ArrayPrivate {
    _keep: Keep,
    buffers: Vec<*const c_void>,
    children: Vec<*mut ArrowArray>,
    dictionary: *mut ArrowArray,
}

/// An aligned, non-null address for a buffer of length 0.
static EMPTY: u64 = 0;

fn ptr<T>(v: &[T]) -> *const c_void {
    if v.is_empty() {
        std::ptr::addr_of!(EMPTY).cast()
    } else {
        v.as_ptr().cast()
    }
}

fn array_node(
    length: usize,
    null_count: usize,
    buffers: Vec<*const c_void>,
    children: Vec<ArrowArray>,
    dictionary: Option<ArrowArray>,
    keep: Keep,
) -> ArrowArray {
    let mut private = Box::new(ArrayPrivate {
        _keep: keep,
        buffers,
        children: children
            .into_iter()
            .map(|c| Box::into_raw(Box::new(c)))
            .collect(),
        dictionary: dictionary.map_or(null_mut(), |d| Box::into_raw(Box::new(d))),
    });
    ArrowArray {
        length: length as i64,
        null_count: null_count as i64,
        offset: 0,
        n_buffers: private.buffers.len() as i64,
        n_children: private.children.len() as i64,
        buffers: private.buffers.as_mut_ptr(),
        children: private.children.as_mut_ptr(),
        dictionary: private.dictionary,
        release: Some(release_array),
        private_data: Box::into_raw(private).cast(),
    }
}

unsafe extern "C" fn release_array(array: *mut ArrowArray) {
    let Some(array) = array.as_mut() else {
        return;
    };
    if array.release.is_none() {
        return;
    }
    let private = Box::from_raw(array.private_data.cast::<ArrayPrivate>());
    for &child in &private.children {
        release_boxed_array(child);
    }
    if !private.dictionary.is_null() {
        release_boxed_array(private.dictionary);
    }
    drop(private);
    array.release = None;
}

/// A `utf8` array of `values` then `extra`, owning its buffers.
fn strings_array(values: &[&str], extra: &[String]) -> ArrowArray {
    let mut offsets = Vec::with_capacity(values.len() + extra.len() + 1);
    let mut data = Vec::new();
    offsets.push(0i32);
    for v in values
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
    {
        data.extend_from_slice(v.as_bytes());
        offsets.push(i32::try_from(data.len()).expect("a small dictionary"));
    }
    let buffers = vec![null(), ptr(&offsets), ptr(&data)];
    array_node(
        offsets.len() - 1,
        0,
        buffers,
        Vec::new(),
        None,
        Keep::Dictionary(offsets, data),
    )
}

/// `table` as a struct array (one record batch); the buffers stay in `table`.
pub fn export_array(table: Arc<Table>) -> ArrowArray {
    let children = table
        .columns
        .iter()
        .map(|c| {
            let validity = c.validity.as_deref().map_or(null(), ptr::<u8>);
            let buffers = match &c.values {
                Values::Utf8 { offsets, data } => vec![validity, ptr(offsets), ptr(data)],
                Values::I32(v) => vec![validity, ptr(v)],
                Values::I64(v) => vec![validity, ptr(v)],
                Values::F64(v) => vec![validity, ptr(v)],
                Values::Bool(bits) => vec![validity, ptr(bits)],
            };
            let dictionary = match c.field.ty {
                ArrowType::Dictionary(values) => Some(strings_array(values, &c.dictionary_extra)),
                _ => None,
            };
            array_node(
                c.len,
                c.null_count,
                buffers,
                Vec::new(),
                dictionary,
                Keep::Table(Arc::clone(&table)),
            )
        })
        .collect();
    array_node(table.len, 0, vec![null()], children, None, Keep::Nothing)
}

struct StreamPrivate {
    fields: &'static [Field],
    batches: Vec<Arc<Table>>,
    next: usize,
}

/// A stream of `batches`, whose schema is `fields`. Panics if a batch has another schema.
pub fn export_stream(fields: &'static [Field], batches: Vec<Arc<Table>>) -> ArrowArrayStream {
    for b in &batches {
        assert!(b.fields() == fields, "a batch of another schema");
    }
    let private = Box::new(StreamPrivate {
        fields,
        batches,
        next: 0,
    });
    ArrowArrayStream {
        get_schema: Some(stream_get_schema),
        get_next: Some(stream_get_next),
        get_last_error: Some(stream_get_last_error),
        release: Some(release_stream),
        private_data: Box::into_raw(private).cast(),
    }
}

unsafe extern "C" fn stream_get_schema(
    stream: *mut ArrowArrayStream,
    out: *mut ArrowSchema,
) -> c_int {
    let private = &*(*stream).private_data.cast::<StreamPrivate>();
    out.write(export_schema(private.fields));
    0
}

unsafe extern "C" fn stream_get_next(stream: *mut ArrowArrayStream, out: *mut ArrowArray) -> c_int {
    let private = &mut *(*stream).private_data.cast::<StreamPrivate>();
    match private.batches.get(private.next) {
        Some(batch) => {
            out.write(export_array(Arc::clone(batch)));
            private.next += 1;
        }
        // A released array marks the end of the stream.
        None => out.write(ArrowArray::empty()),
    }
    0
}

/// This stream never fails, so there is never a last error.
unsafe extern "C" fn stream_get_last_error(_stream: *mut ArrowArrayStream) -> *const c_char {
    null()
}

unsafe extern "C" fn release_stream(stream: *mut ArrowArrayStream) {
    let Some(stream) = stream.as_mut() else {
        return;
    };
    if stream.release.is_none() {
        return;
    }
    drop(Box::from_raw(stream.private_data.cast::<StreamPrivate>()));
    stream.release = None;
}

/// A consumer of the C interfaces, for tests: reads exported structs back through nothing but
/// their format strings, buffers and bitmaps.
#[cfg(test)]
pub(crate) mod import {
    use super::*;
    use std::ffi::CStr;

    /// One column as read back.
    #[derive(Clone, Debug, PartialEq)]
    pub enum Col {
        Utf8(Vec<Option<String>>),
        Int32(Vec<Option<i32>>),
        Int64(Vec<Option<i64>>),
        Float64(Vec<Option<f64>>),
        Bool(Vec<Option<bool>>),
        TimestampUs(Vec<Option<i64>>),
        /// Indices, then the dictionary.
        Dict(Vec<Option<i32>>, Vec<String>),
    }

    impl Col {
        /// The values as strings, dictionaries decoded (for compact assertions).
        pub fn strings(&self) -> Vec<Option<String>> {
            match self {
                Col::Utf8(v) => v.clone(),
                Col::Dict(idx, dict) => idx
                    .iter()
                    .map(|i| i.map(|i| dict[i as usize].clone()))
                    .collect(),
                other => panic!("not strings: {other:?}"),
            }
        }
    }

    unsafe fn cstr(p: *const c_char) -> String {
        CStr::from_ptr(p).to_str().unwrap().to_owned()
    }

    unsafe fn valid(a: &ArrowArray, i: usize) -> bool {
        let bits = *a.buffers as *const u8;
        if bits.is_null() {
            assert_eq!(a.null_count, 0, "no bitmap, so no nulls");
            return true;
        }
        let j = i + a.offset as usize;
        *bits.add(j / 8) & (1 << (j % 8)) != 0
    }

    unsafe fn prim<T: Copy>(a: &ArrowArray) -> Vec<Option<T>> {
        assert_eq!(a.n_buffers, 2);
        let values = *a.buffers.add(1) as *const T;
        assert_eq!(values as usize % std::mem::align_of::<T>(), 0, "aligned");
        (0..a.length as usize)
            .map(|i| valid(a, i).then(|| *values.add(i + a.offset as usize)))
            .collect()
    }

    unsafe fn bools(a: &ArrowArray) -> Vec<Option<bool>> {
        assert_eq!(a.n_buffers, 2);
        let bits = *a.buffers.add(1) as *const u8;
        (0..a.length as usize)
            .map(|i| {
                let j = i + a.offset as usize;
                valid(a, i).then(|| *bits.add(j / 8) & (1 << (j % 8)) != 0)
            })
            .collect()
    }

    unsafe fn utf8(a: &ArrowArray) -> Vec<Option<String>> {
        assert_eq!(a.n_buffers, 3);
        let offsets = *a.buffers.add(1) as *const i32;
        let data = *a.buffers.add(2) as *const u8;
        (0..a.length as usize)
            .map(|i| {
                let j = i + a.offset as usize;
                let (s, e) = (*offsets.add(j) as usize, *offsets.add(j + 1) as usize);
                let bytes = std::slice::from_raw_parts(data.add(s), e - s);
                valid(a, i).then(|| std::str::from_utf8(bytes).unwrap().to_owned())
            })
            .collect()
    }

    /// Reads one column of `schema`'s type out of `a`, checking the null count.
    pub unsafe fn column(schema: &ArrowSchema, a: &ArrowArray) -> Col {
        let format = cstr(schema.format);
        let col = match format.as_str() {
            "u" => Col::Utf8(utf8(a)),
            "i" if !schema.dictionary.is_null() => {
                let dict_schema = &*schema.dictionary;
                assert_eq!(cstr(dict_schema.format), "u");
                assert!(!a.dictionary.is_null());
                let dict = utf8(&*a.dictionary)
                    .into_iter()
                    .map(Option::unwrap)
                    .collect();
                Col::Dict(prim::<i32>(a), dict)
            }
            "i" => Col::Int32(prim(a)),
            "l" => Col::Int64(prim(a)),
            "g" => Col::Float64(prim(a)),
            "b" => Col::Bool(bools(a)),
            "tsu:UTC" => Col::TimestampUs(prim(a)),
            other => panic!("unexpected format {other}"),
        };
        let nulls = match &col {
            Col::Utf8(v) => v.iter().filter(|x| x.is_none()).count(),
            Col::Int32(v) | Col::Dict(v, _) => v.iter().filter(|x| x.is_none()).count(),
            Col::Int64(v) | Col::TimestampUs(v) => v.iter().filter(|x| x.is_none()).count(),
            Col::Float64(v) => v.iter().filter(|x| x.is_none()).count(),
            Col::Bool(v) => v.iter().filter(|x| x.is_none()).count(),
        };
        assert_eq!(a.null_count, nulls as i64, "null_count of {format}");
        if schema.flags & ARROW_FLAG_NULLABLE == 0 {
            assert_eq!(nulls, 0, "nulls in a non-nullable field");
        }
        col
    }

    /// `(name, nullable, column)` of every child of a struct record batch.
    pub unsafe fn record_batch(schema: &ArrowSchema, a: &ArrowArray) -> Vec<(String, bool, Col)> {
        assert_eq!(cstr(schema.format), "+s");
        assert_eq!(schema.n_children, a.n_children);
        (0..a.n_children as usize)
            .map(|i| {
                let s = &**schema.children.add(i);
                let c = &**a.children.add(i);
                assert_eq!(c.length, a.length, "children as long as the batch");
                (
                    cstr(s.name),
                    s.flags & ARROW_FLAG_NULLABLE != 0,
                    column(s, c),
                )
            })
            .collect()
    }

    /// Drains a stream: the schema's field names, and the columns of all batches
    /// concatenated; releases everything it received, and the stream.
    pub unsafe fn read_stream(mut stream: ArrowArrayStream) -> (usize, Vec<(String, bool, Col)>) {
        let mut schema = ArrowSchema::empty();
        assert_eq!((stream.get_schema.unwrap())(&mut stream, &mut schema), 0);
        let mut all: Vec<(String, bool, Col)> = Vec::new();
        let mut batches = 0;
        loop {
            let mut array = ArrowArray::empty();
            assert_eq!((stream.get_next.unwrap())(&mut stream, &mut array), 0);
            if array.release.is_none() {
                break;
            }
            batches += 1;
            let cols = record_batch(&schema, &array);
            if all.is_empty() {
                all = cols;
            } else {
                for ((_, _, into), (_, _, more)) in all.iter_mut().zip(cols) {
                    match (into, more) {
                        (Col::Utf8(a), Col::Utf8(b)) => a.extend(b),
                        (Col::Int32(a), Col::Int32(b)) => a.extend(b),
                        (Col::Int64(a), Col::Int64(b)) => a.extend(b),
                        (Col::Float64(a), Col::Float64(b)) => a.extend(b),
                        (Col::Bool(a), Col::Bool(b)) => a.extend(b),
                        (Col::TimestampUs(a), Col::TimestampUs(b)) => a.extend(b),
                        (Col::Dict(a, d), Col::Dict(b, e)) => {
                            assert_eq!(*d, e);
                            a.extend(b)
                        }
                        _ => panic!("batches of different types"),
                    }
                }
            }
            (array.release.unwrap())(&mut array);
            assert!(array.release.is_none());
        }
        (schema.release.unwrap())(&mut schema);
        (stream.release.unwrap())(&mut stream);
        assert!(stream.release.is_none());
        (batches, all)
    }
}

#[cfg(test)]
mod tests {
    use super::import::*;
    use super::*;
    use crate::columnar::columns::{BoolColumn, Builder, Column, PrimColumn, Utf8Column};

    crate::columnar::columns::column_struct! {
        struct Small {
            s: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
            n: PrimColumn<i32> = PrimColumn::new(false), ArrowType::Int32, false;
            d: PrimColumn<i32> = PrimColumn::new(true), ArrowType::Dictionary(&["x", "yy"]), true;
            t: PrimColumn<i64> = PrimColumn::new(false), ArrowType::TimestampMicrosUtc, false;
            b: BoolColumn = BoolColumn::new(true), ArrowType::Boolean, true;
        }
    }

    fn small() -> Arc<Table> {
        let mut b = Small::default();
        for i in 0..10 {
            b.s.push_opt((i % 3 != 0).then(|| "é".repeat(i)).as_deref());
            b.n.push(i as i32);
            b.d.push_opt((i != 4).then_some(i as i32 % 2));
            b.t.push(-(i as i64));
            b.b.push_opt((i % 4 != 1).then_some(i % 3 == 0));
        }
        assert_eq!(b.s.len(), 10);
        Arc::new(b.finish())
    }

    #[test]
    fn a_schema_reads_back_with_names_formats_and_flags() {
        let mut schema = export_schema(Small::FIELDS);
        unsafe {
            assert_eq!(schema.n_children, 5);
            let child = |i: usize| &**schema.children.add(i);
            let info: Vec<(String, String, i64, bool)> = (0..5)
                .map(|i| {
                    let c = child(i);
                    (
                        std::ffi::CStr::from_ptr(c.name)
                            .to_str()
                            .unwrap()
                            .to_owned(),
                        std::ffi::CStr::from_ptr(c.format)
                            .to_str()
                            .unwrap()
                            .to_owned(),
                        c.flags,
                        c.dictionary.is_null(),
                    )
                })
                .collect();
            assert_eq!(
                info,
                [
                    ("s".into(), "u".into(), 2, true),
                    ("n".into(), "i".into(), 0, true),
                    ("d".into(), "i".into(), 2, false),
                    ("t".into(), "tsu:UTC".into(), 0, true),
                    ("b".into(), "b".into(), 2, true),
                ]
            );
            (schema.release.unwrap())(&mut schema);
        }
        assert!(schema.release.is_none());
    }

    #[test]
    fn arrays_read_back_and_release_what_they_hold() {
        let table = small();
        let mut schema = export_schema(Small::FIELDS);
        let mut array = export_array(Arc::clone(&table));
        assert_eq!(Arc::strong_count(&table), 1 + 5, "one hold per column");
        unsafe {
            let cols = record_batch(&schema, &array);
            let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
            assert_eq!(names, ["s", "n", "d", "t", "b"]);
            let s: Vec<Option<String>> = (0..10)
                .map(|i| (i % 3 != 0).then(|| "é".repeat(i)))
                .collect();
            assert_eq!(cols[0].2, Col::Utf8(s));
            assert_eq!(cols[1].2, Col::Int32((0..10).map(Some).collect()));
            assert_eq!(
                cols[2].2,
                Col::Dict(
                    (0..10).map(|i| (i != 4).then_some(i % 2)).collect(),
                    vec!["x".into(), "yy".into()]
                )
            );
            assert_eq!(
                cols[3].2,
                Col::TimestampUs((0..10).map(|i| Some(-i)).collect())
            );
            assert_eq!(
                cols[4].2,
                Col::Bool(
                    (0..10)
                        .map(|i| (i % 4 != 1).then_some(i % 3 == 0))
                        .collect()
                )
            );

            // A consumer may move a child out and release the parent: the child lives on.
            let moved_ptr = *array.children.add(0);
            let mut moved = std::ptr::read(moved_ptr);
            (*moved_ptr).release = None;
            (array.release.unwrap())(&mut array);
            assert!(array.release.is_none());
            assert_eq!(
                Arc::strong_count(&table),
                2,
                "the moved child still holds it"
            );
            let schema_s = &**schema.children.add(0);
            assert_eq!(column(schema_s, &moved).strings()[1], Some("é".into()));
            (moved.release.unwrap())(&mut moved);
            (schema.release.unwrap())(&mut schema);
        }
        assert_eq!(Arc::strong_count(&table), 1, "everything released");
    }

    #[test]
    fn a_stream_yields_each_batch_then_ends() {
        let (a, b) = (small(), small());
        let stream = export_stream(Small::FIELDS, vec![Arc::clone(&a), Arc::clone(&b)]);
        let (batches, cols) = unsafe { read_stream(stream) };
        assert_eq!(batches, 2);
        assert_eq!(
            cols[1].2,
            Col::Int32((0..10).chain(0..10).map(Some).collect())
        );
        assert_eq!((Arc::strong_count(&a), Arc::strong_count(&b)), (1, 1));
        // A stream released before it is read frees its batches too.
        let mut stream = export_stream(Small::FIELDS, vec![Arc::clone(&a)]);
        assert_eq!(Arc::strong_count(&a), 2);
        unsafe { (stream.release.unwrap())(&mut stream) };
        assert_eq!(Arc::strong_count(&a), 1);
    }
}
