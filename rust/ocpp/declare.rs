//! One declaration per OCPP type: [`ocpp_type!`] writes, from one list of fields, the model
//! struct, its decoder (one pass over the [`Reader`], constraints checked while reading, faults
//! with the codes and JSON Pointers of [`crate::ocpp::decode`]) and its encoder; the Python
//! binding writes its class from the same list (`declared_class!` in `py/class.rs`). What a field is on the wire,
//! how it is read and written, is its [`Kind`]: one value per field that decoding, encoding and
//! (in `py/`) keyword construction all use.
//!
//! The hot types (`SampledValue`, `MeterValue`, the requests, `Transaction`, `IdToken`, and
//! 1.6's requests) stay hand-written: their readers are tuned (interning, inlining, borrowed
//! strings, a sidecar for rare fields, 1.6's decimal text) beyond what a generic declaration
//! gives.

use crate::dialect::Dialect;
use crate::fault::error::{Fault, FaultKind, Res, Seg};
use crate::json::datetime::DateTime;
use crate::json::reader::Reader;
use crate::ocpp::decode::{
    boolean, bounded_array, check_bounds, custom_data, date_time, enumerated, integer, items_of,
    non_empty_array, number, object, string_max, Decode,
};
use crate::ocpp::encode::{write_custom_data, Encode, Obj};
use crate::ocpp::model::{CustomData, WireEnum};

/// How a field of model type `T` is read from and written to JSON.
pub(crate) trait Kind<T> {
    /// Reads the value next in `r` (after the key), checking the schema's constraints.
    fn read(&self, r: &mut Reader<'_>) -> Res<T>;
    /// Writes member `key` with value `v`.
    fn put(&self, v: &T, o: &mut Obj<'_>, key: &'static str);
}

/// `type: string` with a `maxLength`.
pub struct Str(pub usize);
/// `type: string` whose `maxLength` the dialect sets: OCPP 2.0.1's, then 2.1's (keyword
/// construction takes the larger, 2.1's).
pub struct Text(pub usize, pub usize);
/// `type: integer` (OCPP 1.6's draft-04 integer under the 1.6 dialect: no fraction, no exponent).
pub struct Int;
/// `type: integer` within `minimum..=maximum` (`i64::MAX`: no maximum), read as [`Int`] reads.
pub struct IntWithin(pub i64, pub i64);
/// `type: number`.
pub struct Number;
/// `type: boolean`.
pub struct Bool;
/// `format: date-time`.
pub struct Date;
/// A schema enumeration, as the reader's dialect defines it.
pub struct Enum;
/// An object of the field type.
pub struct One;
/// An array of objects with `minItems: 1` and at most `.0` of them (`usize::MAX`: no
/// `maxItems`).
pub struct List(pub usize);
/// An array of integers with `minItems: 1`, each read as [`Int`] reads; OCPP 2.1 gives the
/// items a `minimum` of 0 (keyword construction takes what either allows: no minimum).
pub struct Ints;
/// `customData`.
pub struct Custom;

/// [`List`] without a `maxItems`.
pub const LIST: List = List(usize::MAX);

impl Kind<String> for Str {
    #[inline]
    fn read(&self, r: &mut Reader<'_>) -> Res<String> {
        string_max(r, self.0).map(|s| s.into_owned())
    }
    fn put(&self, v: &String, o: &mut Obj<'_>, key: &'static str) {
        o.str(key, v);
    }
}

impl Kind<String> for Text {
    #[inline]
    fn read(&self, r: &mut Reader<'_>) -> Res<String> {
        let max = if r.dialect() == Dialect::V21 {
            self.1
        } else {
            self.0
        };
        string_max(r, max).map(|s| s.into_owned())
    }
    fn put(&self, v: &String, o: &mut Obj<'_>, key: &'static str) {
        o.str(key, v);
    }
}

impl Kind<i64> for Int {
    #[inline]
    fn read(&self, r: &mut Reader<'_>) -> Res<i64> {
        match r.dialect() {
            Dialect::V16 => crate::ocpp::v16::decode::integer(r),
            Dialect::V201 | Dialect::V21 => integer(r),
        }
    }
    fn put(&self, v: &i64, o: &mut Obj<'_>, key: &'static str) {
        o.int(key, *v);
    }
}

impl Kind<i64> for IntWithin {
    #[inline]
    fn read(&self, r: &mut Reader<'_>) -> Res<i64> {
        int_within(r, self.0, (self.1 != i64::MAX).then_some(self.1))
    }
    fn put(&self, v: &i64, o: &mut Obj<'_>, key: &'static str) {
        o.int(key, *v);
    }
}

/// An integer read as [`Int`] reads it (1.6's stricter reader under the 1.6 dialect), then
/// checked against `min` and `max` (unless the reader skips value checks).
#[inline]
fn int_within(r: &mut Reader<'_>, min: i64, max: Option<i64>) -> Res<i64> {
    let at = r.pos();
    let v = Int.read(r)?;
    check_bounds(r, v, at, min, max)?;
    Ok(v)
}

/// Kinds whose value one reader reads and one [`Obj`] method writes.
macro_rules! plain_kind {
    ($($kind:ident: $t:ty => $read:ident, $write:ident($($by:tt)?);)*) => {$(
        impl Kind<$t> for $kind {
            #[inline]
            fn read(&self, r: &mut Reader<'_>) -> Res<$t> {
                $read(r)
            }
            fn put(&self, v: &$t, o: &mut Obj<'_>, key: &'static str) {
                o.$write(key, $($by)? v);
            }
        }
    )*};
}
plain_kind!(
    Number: f64 => number, f64(*);
    Bool: bool => boolean, bool(*);
    Date: DateTime => date_time, date_time();
);

impl<T: WireEnum> Kind<T> for Enum {
    #[inline]
    fn read(&self, r: &mut Reader<'_>) -> Res<T> {
        enumerated::<T>(r)
    }
    fn put(&self, v: &T, o: &mut Obj<'_>, key: &'static str) {
        o.wire(key, T::WIRE[v.index()]);
    }
}

impl<T: Decode + Encode> Kind<T> for One {
    #[inline]
    fn read(&self, r: &mut Reader<'_>) -> Res<T> {
        object::<T>(r)
    }
    fn put(&self, v: &T, o: &mut Obj<'_>, key: &'static str) {
        v.write(o.key(key));
    }
}

impl<T: Decode + Encode> Kind<Vec<T>> for List {
    #[inline]
    fn read(&self, r: &mut Reader<'_>) -> Res<Vec<T>> {
        if self.0 == usize::MAX {
            non_empty_array::<T>(r, 4)
        } else {
            bounded_array::<T>(r, self.0)
        }
    }
    fn put(&self, v: &Vec<T>, o: &mut Obj<'_>, key: &'static str) {
        o.array(key, v);
    }
}

impl Kind<Vec<i64>> for Ints {
    fn read(&self, r: &mut Reader<'_>) -> Res<Vec<i64>> {
        let min = match r.dialect() {
            Dialect::V21 => 0,
            Dialect::V201 | Dialect::V16 => i64::MIN,
        };
        items_of(r, (1, None), 0, |r| int_within(r, min, None))
    }
    fn put(&self, v: &Vec<i64>, o: &mut Obj<'_>, key: &'static str) {
        o.array(key, v);
    }
}

impl Kind<Box<CustomData>> for Custom {
    #[inline]
    fn read(&self, r: &mut Reader<'_>) -> Res<Box<CustomData>> {
        custom_data(r)
    }
    fn put(&self, v: &Box<CustomData>, o: &mut Obj<'_>, key: &'static str) {
        write_custom_data(v, o.key(key));
    }
}

/// A property OCPP 2.1 added, met under an older dialect: unknown there, as the key table of
/// that dialect's schema would find it.
#[cold]
#[inline(never)]
pub(crate) fn unknown_here(key: &'static str, at: usize) -> Box<Fault> {
    Fault::new(FaultKind::UnknownProperty(key.into()), at).within(Seg::Name(key.into()))
}

/// Declares an OCPP type once: its model struct, [`Decode`] and [`Encode`], and a macro
/// `$list!` that hands the field list to a callback (the Python class: `declared_class!` in
/// `py/class.rs`).
///
/// ```text
/// ocpp_type! {
///     /// docs and derives of the struct
///     pub struct Name as name_fields {
///         field: Type = "wireKey" => Kind,            // required
///         field: Option<Type> = "wireKey" => Kind,    // optional
///         v21 field: Option<Type> = "wireKey" => Kind, // only in OCPP 2.1
///     }
///     json(field, ...)  // optional: the order fields are written in, when not the above
/// }
/// ```
/// Fields are listed in the order of the key table (the schema's `properties`, OCPP 2.1's
/// additions last); required ones are checked, when the object closes, in that order. The
/// `json(...)` order must name every field once (checked at compile time); keyword
/// construction in Python checks the fields in that order too.
macro_rules! ocpp_type {
    (
        $(#[$meta:meta])*
        pub struct $name:ident as $list:ident { $($body:tt)* }
        $(json($($json:ident),* $(,)?))?
    ) => {
        $crate::ocpp::declare::ocpp_type!(
            @munch ($) [$(#[$meta])* $name $list] [$($($json)*)?] [] $($body)*
        );
    };
    // Each field to `{ since req|opt [attrs] name [Type] "key" [kind] }`.
    (@munch ($d:tt) $head:tt $json:tt [$($done:tt)*]
        $(#[$fm:meta])* v21 $f:ident : Option<$t:ty> = $k:literal => $kind:expr $(, $($rest:tt)*)?
    ) => {
        $crate::ocpp::declare::ocpp_type!(@munch ($d) $head $json
            [$($done)* { v21 opt [$(#[$fm])*] $f [$t] $k [$kind] }] $($($rest)*)?);
    };
    (@munch ($d:tt) $head:tt $json:tt [$($done:tt)*]
        $(#[$fm:meta])* $f:ident : Option<$t:ty> = $k:literal => $kind:expr $(, $($rest:tt)*)?
    ) => {
        $crate::ocpp::declare::ocpp_type!(@munch ($d) $head $json
            [$($done)* { all opt [$(#[$fm])*] $f [$t] $k [$kind] }] $($($rest)*)?);
    };
    (@munch ($d:tt) $head:tt $json:tt [$($done:tt)*]
        $(#[$fm:meta])* $f:ident : $t:ty = $k:literal => $kind:expr $(, $($rest:tt)*)?
    ) => {
        $crate::ocpp::declare::ocpp_type!(@munch ($d) $head $json
            [$($done)* { all req [$(#[$fm])*] $f [$t] $k [$kind] }] $($($rest)*)?);
    };
    (@munch ($d:tt) [$(#[$meta:meta])* $name:ident $list:ident] [$($json:ident)*]
        [$({ $since:ident $q:ident [$(#[$fm:meta])*] $f:ident [$t:ty] $k:literal [$kind:expr] })*]
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$fm])* pub $f: $crate::ocpp::declare::ocpp_type!(@ty $q $t),)*
        }

        impl $crate::ocpp::decode::Decode for $name {
            fn read(r: &mut $crate::json::reader::Reader<'_>) -> $crate::fault::error::Res<Self> {
                #[allow(non_camel_case_types)]
                #[derive(Clone, Copy)]
                enum Field { $($f),* }
                const KEYS: &[&str] = &[$($k),*];
                const FIELDS: &[Field] = &[$(Field::$f),*];
                r.begin_object();
                $(let mut $f = None;)*
                $crate::ocpp::decode::each_field!(r, KEYS, |index| match FIELDS[index] {
                    $(Field::$f => {
                        $crate::ocpp::declare::ocpp_type!(@gate $since r, KEYS[index]);
                        $f = Some(
                            $crate::ocpp::declare::Kind::read(&$kind, r)
                                .map_err(|e| e.within($crate::fault::error::Seg::Key(KEYS[index])))?,
                        );
                    })*
                });
                Ok($name {
                    $($f: $crate::ocpp::declare::ocpp_type!(@finish $q r, $f, $k),)*
                })
            }
        }

        impl $crate::ocpp::encode::Encode for $name {
            fn write(&self, out: &mut Vec<u8>) {
                let mut o = $crate::ocpp::encode::Obj::open(out);
                $(
                    let $f = |o: &mut $crate::ocpp::encode::Obj<'_>| {
                        $crate::ocpp::declare::ocpp_type!(@put $q o, &self.$f, $k, $kind)
                    };
                )*
                $crate::ocpp::declare::ocpp_type!(@calls o [$($json)*] [$($f)*]);
                o.close();
            }
        }

        $crate::ocpp::declare::ocpp_type!(@check $name [$($json)*]);

        /// Hands this type's field list to `$cb!`: `$cb! { args; Model; [json order]; fields }`.
        #[allow(unused_macros)]
        macro_rules! $list {
            ($d($d cb:ident)::+ { $d($d args:tt)* }) => {
                $d($d cb)::+! {
                    $d($d args)*;
                    $name;
                    [$($json)*];
                    $({ $since $q $f $k [$kind] })*
                }
            };
        }
        #[allow(unused_imports)]
        pub(crate) use $list;
    };
    (@ty req $t:ty) => { $t };
    (@ty opt $t:ty) => { Option<$t> };
    (@gate all $r:ident, $key:expr) => {};
    (@gate v21 $r:ident, $key:expr) => {
        if $r.dialect() != $crate::dialect::Dialect::V21 {
            return Err($crate::ocpp::declare::unknown_here($key, $r.key_at()));
        }
    };
    (@finish req $r:ident, $f:ident, $k:literal) => {
        $f.ok_or_else(|| $crate::ocpp::decode::missing($r, $k))?
    };
    (@finish opt $r:ident, $f:ident, $k:literal) => {
        $f
    };
    (@put req $o:ident, $v:expr, $k:literal, $kind:expr) => {
        $crate::ocpp::declare::Kind::put(&$kind, $v, $o, $k)
    };
    (@put opt $o:ident, $v:expr, $k:literal, $kind:expr) => {
        if let Some(v) = $v {
            $crate::ocpp::declare::Kind::put(&$kind, v, $o, $k)
        }
    };
    (@check $name:ident []) => {};
    // The `json(...)` order names every field once.
    (@check $name:ident [$($json:ident)+]) => {
        const _: fn(&$name) = |v| {
            let $name { $($json: _),* } = v;
        };
    };
    (@calls $o:ident [] [$($f:ident)*]) => { $($f(&mut $o);)* };
    (@calls $o:ident [$($json:ident)+] [$($f:ident)*]) => { $($json(&mut $o);)+ };
}
pub(crate) use ocpp_type;

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::fault::error::ErrorCode::{self, *};
    use crate::ocpp::decode::from_slice_in;
    use crate::ocpp::encode::Encode;
    use crate::ocpp::transaction_event_response::{MessageContent, TransactionEventResponse};

    fn fault<T: crate::ocpp::decode::Decode + std::fmt::Debug>(
        text: &str,
        d: Dialect,
    ) -> (ErrorCode, String) {
        let f = from_slice_in::<T>(text.as_bytes(), false, d).unwrap_err();
        (f.code(), f.pointer())
    }

    #[test]
    fn bounded_integers_follow_the_dialects_integer_reader() {
        use super::{IntWithin, Ints, Kind};
        use crate::fault::error::{FaultKind, JsonType};
        use crate::json::reader::Reader;
        let within = IntWithin(0, 10);
        let read = |text: &str, d: Dialect| {
            within.read(&mut Reader::new(text.as_bytes(), false).with_dialect(d))
        };
        let items = |text: &str, d: Dialect| {
            Ints.read(&mut Reader::new(text.as_bytes(), false).with_dialect(d))
        };
        // Draft-06 (2.x): `1.0` is an integer; draft-04 (1.6): a number, as `Int` reads it.
        assert_eq!(read("1.0", Dialect::V201).unwrap(), 1);
        assert_eq!(items("[1.0]", Dialect::V21).unwrap(), vec![1]);
        for d in [Dialect::V201, Dialect::V16] {
            assert_eq!(read("3", d).unwrap(), 3);
            assert!(matches!(
                read("11", d).unwrap_err().kind,
                FaultKind::AboveMaximum { max: 10 }
            ));
        }
        let wrong = FaultKind::WrongType {
            expected: JsonType::Integer,
            found: JsonType::Number,
        };
        for text in ["1.0", "1e0"] {
            assert_eq!(read(text, Dialect::V16).unwrap_err().kind, wrong, "{text}");
        }
        let f = items("[2,1.0]", Dialect::V16).unwrap_err();
        assert_eq!((&f.kind, f.pointer().as_str()), (&wrong, "/1"));
    }

    #[test]
    fn declared_fields_are_written_in_the_json_order_and_read_in_any() {
        // `json(...)`: customData first, 2.1's transactionLimit where 2.1's schema places it.
        let text = r#"{"customData":{"vendorId":"v"},"totalCost":1.5,"chargingPriority":2,"idTokenInfo":{"status":"Accepted","evseId":[1]},"transactionLimit":{"maxTime":60},"updatedPersonalMessage":{"format":"UTF8","content":"x"},"updatedPersonalMessageExtra":[{"format":"ASCII","content":"y"}]}"#;
        let r: TransactionEventResponse =
            from_slice_in(text.as_bytes(), false, Dialect::V21).unwrap();
        assert_eq!(std::str::from_utf8(&r.to_vec()).unwrap(), text);
        let shuffled = r#"{"updatedPersonalMessageExtra":[{"content":"y","format":"ASCII"}],"transactionLimit":{"maxTime":60},"chargingPriority":2,"updatedPersonalMessage":{"content":"x","format":"UTF8"},"idTokenInfo":{"evseId":[1],"status":"Accepted"},"totalCost":1.5,"customData":{"vendorId":"v"}}"#;
        let again: TransactionEventResponse =
            from_slice_in(shuffled.as_bytes(), false, Dialect::V21).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn declared_faults_have_the_hand_written_readers_codes_and_pointers() {
        let cases: &[(&str, Dialect, ErrorCode, &str)] = &[
            // Required fields are missed in declaration order, when the object closes.
            (
                r#"{}"#,
                Dialect::V201,
                OccurrenceConstraintViolation,
                "/format",
            ),
            (
                r#"{"content":"x"}"#,
                Dialect::V201,
                OccurrenceConstraintViolation,
                "/format",
            ),
            (
                r#"{"format":"UTF8"}"#,
                Dialect::V201,
                OccurrenceConstraintViolation,
                "/content",
            ),
            // A fault inside a value comes before a missing property.
            (
                r#"{"format":"?"}"#,
                Dialect::V201,
                PropertyConstraintViolation,
                "/format",
            ),
            (
                r#"{"format":"UTF8","format":"UTF8","content":"x"}"#,
                Dialect::V201,
                PropertyConstraintViolation,
                "/format",
            ),
            (
                r#"{"format":"UTF8","content":1}"#,
                Dialect::V201,
                TypeConstraintViolation,
                "/content",
            ),
            (
                r#"{"format":"UTF8","content":"x","x":1}"#,
                Dialect::V201,
                ProtocolError,
                "/x",
            ),
        ];
        for (text, d, code, pointer) in cases {
            assert_eq!(
                fault::<MessageContent>(text, *d),
                (*code, pointer.to_string()),
                "{text}"
            );
        }
        // A 2.1 property under 2.0.1 is an unknown one, found before a repeat of it.
        let twice = r#"{"transactionLimit":{},"transactionLimit":{}}"#;
        assert_eq!(
            fault::<TransactionEventResponse>(twice, Dialect::V201),
            (ProtocolError, "/transactionLimit".into())
        );
        assert_eq!(
            fault::<TransactionEventResponse>(twice, Dialect::V21),
            (PropertyConstraintViolation, "/transactionLimit".into())
        );
    }
}
