"""Hypothesis strategies for OCPP 2.0.1 and 2.1 ``MeterValuesRequest`` payloads.

Two families:

* :func:`valid_cases` -- payloads that satisfy the official schema (read as draft-06, with a strict
  RFC 3339 ``date-time``) *and* the extra rules of the contract (``evseId >= 0``, 64-bit integers,
  finite numbers, UTC instant in years 0001..9999, no duplicate keys, no lone surrogates), so that
  the jsonschema oracle and the core must both accept them.
* :func:`broken_cases` -- a valid payload broken in exactly one place, for one schema keyword at one
  schema location (:data:`TARGETS` lists every location of every keyword; pass one to aim at it).
  Each case carries the JSON Pointer of the fault and the keyword it violates.
* :func:`multi_fault_cases` -- a payload broken in several places, serialised with its layout (the
  offset of every value, key and closing bracket) so that the first fault in document order can be
  worked out (:func:`first_in_document_order`).

The oracle lives here too: ``jsonschema.Draft6Validator`` on the official schema with a strict
RFC 3339 ``date-time`` format checker (:data:`ORACLE`), and :data:`KEYWORD_CODE`, the error code we
owe for each schema keyword.

Everything that depends on the schema is derived from a :class:`SchemaSet`, one per OCPP dialect
(:data:`OCPP201`, :data:`OCPP21`; the schemas in ``data/ocpp201`` and ``data/ocpp21``), which every
generator takes as its last argument. The default is the 2.0.1 set, and the module-level names
(:data:`REQUEST_SCHEMA`, :data:`TARGETS`, :data:`ORACLE`, :data:`MEASURANDS`...) are its.

Payloads are built as Python values, where :class:`RawNumber` stands for a number whose exact JSON
spelling matters (``1.0``, ``1e2`` for an integer field), and serialised by :func:`dumps`, which
also varies whitespace, escaping (``\\uXXXX`` for every character, ``\\/``) and key order.

The schema is walked to list the targets, so a keyword added to the schema file is targeted
without editing this module (an unknown ``type`` makes :func:`wrong_type_values` fail loudly).
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import functools
import json
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jsonschema
from hypothesis import strategies as st
from rfc3339_validator import validate_rfc3339

# --------------------------------------------------------------------------------------------------
# Schema

DATA_DIR = Path(__file__).resolve().parent / "data"
SCHEMA_DIRS = {"2.0.1": DATA_DIR / "ocpp201", "2.1": DATA_DIR / "ocpp21"}
"""The official schemas of each dialect (see ``data/PROVENANCE.md``)."""
SCHEMA_DIR = SCHEMA_DIRS["2.0.1"]


def input_forms(payload: Any) -> list[Any]:
    """``payload``'s JSON in the four input types the core reads: bytes, bytearray, a
    memoryview into a larger buffer, and str."""
    raw = json.dumps(payload).encode()
    return [raw, bytearray(raw), memoryview(b"[" + raw + b"]")[1:-1], raw.decode()]


def fault(fn: Callable[[], Any]) -> tuple[str, str]:
    """The code and JSON Pointer of the ``OcppError`` that ``fn()`` raises."""
    import pytest
    from ocpp_meter import OcppError

    with pytest.raises(OcppError) as info:
        fn()
    return info.value.code.value, info.value.path


def load_schema(name: str, dialect: str = "2.0.1") -> dict[str, Any]:
    """Load an official OCPP schema of ``dialect`` (the OCA files may start with a UTF-8 BOM)."""
    return json.loads((SCHEMA_DIRS[dialect] / f"{name}.json").read_text(encoding="utf-8-sig"))


def resolve(node: dict[str, Any], defs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Follow local ``#/definitions/...`` references (into the 2.0.1 MeterValues schema's
    definitions unless ``defs`` says otherwise)."""
    defs = _DEFS if defs is None else defs
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
    return node


INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class SchemaSet:
    """The ``MeterValuesRequest`` schema of one OCPP dialect and what is derived from it: its
    enums, the :class:`Target` of every keyword at every location, and its oracle. Hashable by
    identity, so that the cached strategies below can take it as an argument."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.schema = load_schema("MeterValuesRequest", dialect)
        self.defs: dict[str, Any] = self.schema["definitions"]
        self.contexts = self.enum("ReadingContextEnumType")
        self.measurands = self.enum("MeasurandEnumType")
        self.phases = self.enum("PhaseEnumType")
        self.locations = self.enum("LocationEnumType")
        self.enum_fields = tuple(
            (name, st.sampled_from(values))
            for name, values in (
                ("context", self.contexts),
                ("measurand", self.measurands),
                ("phase", self.phases),
                ("location", self.locations),
            )
        )
        self.targets: tuple[Target, ...] = tuple(schema_targets(self.schema))
        self.oracle = jsonschema.Draft6Validator(self.schema, format_checker=FORMAT_CHECKER)

    def enum(self, name: str) -> tuple[str, ...]:
        return tuple(self.defs[name]["enum"])

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        return resolve(node, self.defs)

    def oracle_errors(self, instance: Any) -> list[jsonschema.ValidationError]:
        return list(self.oracle.iter_errors(instance))

    def __repr__(self) -> str:
        return f"SchemaSet({self.dialect!r})"


NAME_CUT = 128
"""Characters of a property name a pointer shows; a longer name is cut and ends with an ellipsis
(README, Errors: a documented difference, so that error paths stay small)."""


def pointer(tokens: Any) -> str:
    """RFC 6901 JSON Pointer of a sequence of keys / indices, names cut as ours are."""

    def segment(t: Any) -> str:
        text = str(t)
        cut = isinstance(t, str) and len(text) > NAME_CUT
        escaped = text[:NAME_CUT].replace("~", "~0").replace("/", "~1")
        return "/" + escaped + ("\u2026" if cut else "")

    return "".join(segment(t) for t in tokens)


def at_pointer(document: Any, path: str) -> Any:
    """The node an RFC 6901 JSON Pointer names in ``document``."""
    for token in path.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


# --------------------------------------------------------------------------------------------------
# Serialisation


@dataclass(frozen=True)
class RawNumber:
    """A JSON number written exactly as ``text`` (``json.loads(text)`` is what the oracle sees)."""

    text: str


@dataclass(frozen=True)
class Style:
    """How :func:`dumps` spells a document. The default is compact, minimal escaping."""

    ws: str = ""  # between every pair of tokens, and around the document
    escape: str = "minimal"  # "minimal" | "ascii" (non-ASCII as \\u) | "all" (all but [A-Za-z0-9])
    slash: bool = False  # write "/" as "\\/"
    upper_hex: bool = False  # \\u00E9 rather than \\u00e9


COMPACT = Style()
_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _u(code: int, upper: bool) -> str:
    return ("\\u%04X" if upper else "\\u%04x") % code


def _dump_str(s: str, style: Style) -> str:
    out = ['"']
    for ch in s:
        cp = ord(ch)
        must = ch in _SHORT_ESCAPES or cp < 0x20
        if style.escape == "all" and not (ch.isascii() and ch.isalnum()):
            if cp > 0xFFFF:
                cp -= 0x10000
                out.append(
                    _u(0xD800 + (cp >> 10), style.upper_hex)
                    + _u(0xDC00 + (cp & 0x3FF), style.upper_hex)
                )
            else:
                out.append(_u(cp, style.upper_hex))
        elif must:
            out.append(_SHORT_ESCAPES.get(ch) or _u(cp, style.upper_hex))
        elif ch == "/" and style.slash:
            out.append("\\/")
        elif cp > 0x7F and style.escape == "ascii":
            if cp > 0xFFFF:
                cp -= 0x10000
                out.append(
                    _u(0xD800 + (cp >> 10), style.upper_hex)
                    + _u(0xDC00 + (cp & 0x3FF), style.upper_hex)
                )
            else:
                out.append(_u(cp, style.upper_hex))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


@dataclass
class Layout:
    """Where :func:`dumps_with_layout` put things: character offsets into the text, by pointer."""

    value_start: dict[str, int]  # first character of every value
    key_start: dict[str, int]  # first character of every object member's key
    close: dict[str, int]  # the closing bracket of every object / array


def dumps_with_layout(value: Any, style: Style = COMPACT) -> tuple[str, Layout]:
    """Serialise a payload (dicts keep their key order; :class:`RawNumber` is written verbatim)
    and record where each value, key and closing bracket landed."""
    w = style.ws
    out: list[str] = []
    size = 0
    layout = Layout({}, {}, {})

    def put(text: str) -> None:
        nonlocal size
        out.append(text)
        size += len(text)

    def enc(v: Any, ptr: str) -> None:
        layout.value_start[ptr] = size
        if v is None:
            put("null")
        elif v is True:
            put("true")
        elif v is False:
            put("false")
        elif isinstance(v, RawNumber):
            put(v.text)
        elif isinstance(v, int):
            put(str(v))
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise ValueError("non-finite float in a generated payload")
            put(repr(v))
        elif isinstance(v, str):
            put(_dump_str(v, style))
        elif isinstance(v, (list, tuple)):
            put("[" + w)
            for i, x in enumerate(v):
                if i:
                    put(w + "," + w)
                enc(x, f"{ptr}/{i}")
            put(w)
            layout.close[ptr] = size
            put("]")
        elif isinstance(v, dict):
            put("{" + w)
            for i, (k, x) in enumerate(v.items()):
                child = ptr + pointer([k])
                if i:
                    put(w + "," + w)
                layout.key_start[child] = size
                put(_dump_str(k, style) + w + ":" + w)
                enc(x, child)
            put(w)
            layout.close[ptr] = size
            put("}")
        else:
            raise TypeError(f"cannot serialise {type(v).__name__}")

    put(w)
    enc(value, "")
    put(w)
    return "".join(out), layout


def dumps(value: Any, style: Style = COMPACT) -> str:
    """Serialise a payload (dicts keep their key order; :class:`RawNumber` is written verbatim)."""
    return dumps_with_layout(value, style)[0]


@functools.cache
def styles() -> st.SearchStrategy[Style]:
    return st.one_of(
        st.just(COMPACT),
        st.builds(
            Style,
            ws=st.sampled_from(["", " ", "\n", "\t", "\r\n  ", " \t\n\r"]),
            escape=st.sampled_from(["minimal", "ascii", "all"]),
            slash=st.booleans(),
            upper_hex=st.booleans(),
        ),
    )


# --------------------------------------------------------------------------------------------------
# Scalars

# Any code point but surrogates (a lone surrogate is a documented difference, tested separately),
# with extra weight on characters that exercise escaping and code-point counting.
_SPECIAL_CHARS = [
    "\u00e9",
    "\u4e2d",
    "\U0001f600",
    "\U0001d11e",
    "\U0010ffff",
    "\u0000",
    "\u001f",
    "\u007f",
    "\u2028",
    "\ufeff",
    "\ufffd",
    '"',
    "\\",
    "/",
    "~",
]
CHARS = st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(_SPECIAL_CHARS))


@functools.cache
def texts(max_size: int = 12, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(alphabet=CHARS, min_size=min_size, max_size=max_size)


@functools.cache
def text_of_length(n: int) -> st.SearchStrategy[str]:
    """A string of exactly ``n`` code points (a short random seed, repeated)."""
    return texts(min_size=1, max_size=6).map(lambda s: (s * (n // len(s) + 1))[:n])


@functools.cache
def bounded_texts(max_length: int) -> st.SearchStrategy[str]:
    """Strings valid for ``maxLength``; exactly at the maximum a good share of the time."""
    return st.one_of(texts(max_size=min(max_length, 16)), text_of_length(max_length))


finite_floats = st.floats(allow_nan=False, allow_infinity=False)
int64s = st.integers(INT64_MIN, INT64_MAX)


@functools.cache
@st.composite
def integer_spellings(draw: Any, min_value: int, max_value: int) -> Any:
    """An integer as a plain int, or as an integer-valued JSON number (``1.0``, ``1e2``, ``1.5e1``),
    valid in draft-06. Non-plain spellings stay below 2**53 so that the oracle's float is exact."""
    n = draw(st.integers(min_value, max_value))
    if abs(n) >= 2**53 or not draw(st.booleans()):
        return n
    sign, digits = ("-" if n < 0 else ""), str(abs(n))
    stripped = digits.rstrip("0") or "0"
    zeros = len(digits) - len(stripped) if digits != "0" else 0
    forms = [
        digits + ".0",
        digits + "." + "0" * draw(st.integers(2, 5)),
        digits + "e0",
        digits + "E+0",
        (digits + "000" if n else "0") + "e-3",
        digits + ".000E-0",
        digits[0] + "." + (digits[1:] or "0") + "e" + str(len(digits) - 1),
        digits[0] + "." + (digits[1:] or "0") + "E+" + str(len(digits) - 1),
    ]
    if zeros:
        forms.append(stripped + "e" + str(zeros))
        forms.append(stripped + "E" + str(zeros))
    return RawNumber(sign + draw(st.sampled_from(forms)))


@st.composite
def decimal_literals(draw: Any) -> RawNumber:
    """A finite JSON number literal with up to 25 fraction digits and 3 exponent digits."""
    sign = draw(st.sampled_from(["", "-"]))
    intpart = draw(st.one_of(st.just("0"), st.from_regex(r"[1-9][0-9]{0,18}", fullmatch=True)))
    frac = draw(st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,25}", fullmatch=True)))
    exp = draw(st.one_of(st.just(""), st.from_regex(r"[eE][+-]?[0-9]{1,3}", fullmatch=True)))
    if not frac and not exp and not INT64_MIN <= int(sign + intpart) <= INT64_MAX:
        frac = ".0"  # a plain integer literal beyond 64 bits is outside this generator's scope
    text = sign + intpart + frac + exp
    if not math.isfinite(float(text)):
        text = sign + intpart + frac
    return RawNumber(text)


numbers = st.one_of(int64s, finite_floats, decimal_literals())

json_scalars = st.one_of(st.none(), st.booleans(), int64s, finite_floats, texts())
json_keys = st.one_of(
    texts(), st.sampled_from(["", "a/b", "~", "~1", "/", "vendorid", "VendorId", "value"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(json_keys, children, max_size=3)
    ),
    max_leaves=4,
)


# --------------------------------------------------------------------------------------------------
# Timestamps


@dataclass(frozen=True)
class _Stamp:
    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    frac: str  # "" or "." + digits
    sep: str  # "T" or "t"
    offset: str  # "Z", "z" or "+HH:MM" / "-HH:MM"

    def render(self) -> str:
        return (
            f"{self.year:04d}-{self.month:02d}-{self.day:02d}{self.sep}"
            f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}{self.frac}{self.offset}"
        )


def offset_minutes(offset: str) -> int:
    if offset in ("Z", "z"):
        return 0
    sign = -1 if offset[0] == "-" else 1
    return sign * (int(offset[1:3]) * 60 + int(offset[4:6]))


def utc_in_range(year: int, month: int, day: int, hour: int, minute: int, offset: str) -> bool:
    """Whether the UTC instant of a local time falls within years 0001..9999."""
    minutes = (
        dt.date(year, month, day).toordinal() * 1440 + hour * 60 + minute - offset_minutes(offset)
    )
    return 1440 <= minutes < (dt.date(9999, 12, 31).toordinal() + 1) * 1440


_YEARS = st.one_of(st.integers(1, 9999), st.sampled_from([1, 2000, 2024, 2100, 9999]))
_DAYS = st.one_of(st.integers(1, 31), st.just(31))  # clamped to the month's last day
_FRACS = st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,9}", fullmatch=True))
_OFFSETS = st.one_of(
    st.sampled_from(["Z", "z", "+00:00", "-00:00", "+05:30", "-08:00", "+23:59", "-23:59"]),
    st.builds(
        lambda s, h, m: f"{s}{h:02d}:{m:02d}",
        st.sampled_from("+-"),
        st.integers(0, 23),
        st.integers(0, 59),
    ),
)


@st.composite
def _stamps(draw: Any) -> _Stamp:
    year, month = draw(_YEARS), draw(st.integers(1, 12))
    day = min(draw(_DAYS), calendar.monthrange(year, month)[1])
    hour, minute, second = (
        draw(st.integers(0, 23)),
        draw(st.integers(0, 59)),
        draw(st.integers(0, 59)),
    )
    frac, offset = draw(_FRACS), draw(_OFFSETS)
    if not utc_in_range(year, month, day, hour, minute, offset):
        offset = "Z"  # an instant outside 0001..9999 UTC is a documented difference
    return _Stamp(year, month, day, hour, minute, second, frac, draw(st.sampled_from("Tt")), offset)


STAMPS = _stamps()
TIMESTAMPS = STAMPS.map(_Stamp.render)


def timestamps() -> st.SearchStrategy[str]:
    """Valid RFC 3339 date-times whose UTC instant lies in years 0001..9999."""
    return TIMESTAMPS


def _replace(s: _Stamp, **kw: Any) -> str:
    return _Stamp(**{**s.__dict__, **kw}).render()


_NON_LEAP_YEARS = [1900, 2023, 2100, 2200, 1, 9999]

# name -> function(stamp, draw) -> a string every strict RFC 3339 checker rejects
BAD_TIMESTAMPS: dict[str, Callable[[_Stamp, Any], str]] = {
    "feb30": lambda s, d: _replace(s, month=2, day=30),
    "feb29_non_leap": lambda s, d: _replace(
        s, year=d(st.sampled_from(_NON_LEAP_YEARS)), month=2, day=29
    ),
    "day31_in_30_day_month": lambda s, d: _replace(
        s, month=d(st.sampled_from([4, 6, 9, 11])), day=31
    ),
    "day00": lambda s, d: _replace(s, day=0),
    "day32": lambda s, d: _replace(s, day=32),
    "month00": lambda s, d: _replace(s, month=0),
    "month13": lambda s, d: _replace(s, month=13),
    "hour24": lambda s, d: _replace(s, hour=24),
    "minute60": lambda s, d: _replace(s, minute=60),
    "second60": lambda s, d: _replace(s, second=60),
    "year0000": lambda s, d: _replace(s, year=0),
    "missing_offset": lambda s, d: _replace(s, offset=""),
    "space_for_T": lambda s, d: _replace(s, sep=" "),
    "underscore_for_T": lambda s, d: _replace(s, sep="_"),
    "offset_hour24": lambda s, d: _replace(s, offset=d(st.sampled_from(["+24:00", "-24:00"]))),
    "offset_minute60": lambda s, d: _replace(s, offset="+01:60"),
    "offset_no_colon": lambda s, d: _replace(
        s, offset=d(st.sampled_from(["+0530", "-0800", "+0000"]))
    ),
    "offset_hours_only": lambda s, d: _replace(s, offset=d(st.sampled_from(["+05", "-08"]))),
    "offset_utc_word": lambda s, d: _replace(s, offset="UTC"),
    "trailing_text": lambda s, d: (
        s.render()
        + d(
            st.one_of(texts(min_size=1, max_size=3), st.sampled_from(["\n", " ", "Z", "0", "\r\n"]))
        )
    ),
    "leading_space": lambda s, d: " " + s.render(),
    "empty_fraction": lambda s, d: _replace(s, frac="."),
    "comma_fraction": lambda s, d: _replace(s, frac=",5"),
    "no_seconds": lambda s, d: s.render()[:16] + s.offset,
    "date_only": lambda s, d: s.render()[:10],
    "two_digit_year": lambda s, d: s.render()[2:],
    "five_digit_year": lambda s, d: "1" + _replace(s, year=d(st.integers(0, 9999))),
    "one_digit_month": lambda s, d: s.render()[:5] + str(d(st.integers(1, 9))) + s.render()[7:],
    "non_ascii_digit": lambda s, d: (
        d(st.sampled_from(["\uff12", "\u0662", "\u096a"])) + s.render()[1:]
    ),
    "empty": lambda s, d: "",
}


_BAD_KINDS = st.sampled_from(sorted(BAD_TIMESTAMPS))


@st.composite
def bad_timestamps(draw: Any) -> str:
    kind = draw(_BAD_KINDS)
    return BAD_TIMESTAMPS[kind](draw(STAMPS), draw)


# --------------------------------------------------------------------------------------------------
# Valid payloads


def _maybe(draw: Any, force: bool) -> bool:
    return force or draw(st.booleans())


_SEEDS = st.integers(0, 2**32 - 1)


def _shuffled(draw: Any, obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with its keys in a drawn order (0 keeps the order)."""
    seed = draw(_SEEDS)
    keys = list(obj)
    if seed:
        random.Random(seed).shuffle(keys)
    return {k: obj[k] for k in keys}


_CUSTOM_EXTRA = st.dictionaries(
    json_keys.filter(lambda k: k != "vendorId"), json_values, max_size=2
)


@st.composite
def _custom_data(draw: Any) -> dict[str, Any]:
    extra = draw(_CUSTOM_EXTRA)
    return _shuffled(draw, {"vendorId": draw(bounded_texts(255)), **extra})


CUSTOM_DATA = _custom_data()


@functools.cache
@st.composite
def signed_meter_values(
    draw: Any, force: bool = False, schemas: SchemaSet | None = None
) -> dict[str, Any]:
    """The schema's ``SignedMeterValueType``: its strings within their ``maxLength``, the
    optional ones (``signingMethod`` and ``publicKey`` in OCPP 2.1) present at random."""
    node = (schemas or OCPP201).defs["SignedMeterValueType"]
    obj = {
        name: draw(bounded_texts(prop["maxLength"]))
        for name, prop in node["properties"].items()
        if name != "customData" and (name in node["required"] or _maybe(draw, force))
    }
    if _maybe(draw, force):
        obj["customData"] = draw(CUSTOM_DATA)
    return _shuffled(draw, obj)


_UNITS = st.one_of(bounded_texts(20), st.sampled_from(["Wh", "kWh", "W", "kvarh", "A", "V"]))
_MULTIPLIERS = st.one_of(integer_spellings(-(2**53) + 1, 2**53 - 1), int64s)
_EVSE_IDS = st.one_of(integer_spellings(0, 2**53 - 1), st.integers(0, INT64_MAX))


@functools.cache
@st.composite
def units_of_measure(draw: Any, force: bool = False) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    if _maybe(draw, force):
        obj["unit"] = draw(_UNITS)
    if _maybe(draw, force):
        obj["multiplier"] = draw(_MULTIPLIERS)
    if _maybe(draw, force):
        obj["customData"] = draw(CUSTOM_DATA)
    return _shuffled(draw, obj)


@functools.cache
@st.composite
def sampled_values(
    draw: Any, force: bool = False, schemas: SchemaSet | None = None
) -> dict[str, Any]:
    schemas = schemas or OCPP201
    obj: dict[str, Any] = {"value": draw(numbers)}
    for name, values in schemas.enum_fields:
        if _maybe(draw, force):
            obj[name] = draw(values)
    if _maybe(draw, force):
        obj["signedMeterValue"] = draw(signed_meter_values(force, schemas))
    if _maybe(draw, force):
        obj["unitOfMeasure"] = draw(units_of_measure(force))
    if _maybe(draw, force):
        obj["customData"] = draw(CUSTOM_DATA)
    return _shuffled(draw, obj)


@functools.cache
def _more(items: st.SearchStrategy[Any], max_size: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(items, max_size=max_size)


@functools.cache
@st.composite
def meter_values(
    draw: Any, force: bool = False, schemas: SchemaSet | None = None
) -> dict[str, Any]:
    first = draw(sampled_values(force, schemas))
    rest = draw(_more(sampled_values(False, schemas), 2))
    obj: dict[str, Any] = {"timestamp": draw(TIMESTAMPS), "sampledValue": [first, *rest]}
    if _maybe(draw, force):
        obj["customData"] = draw(CUSTOM_DATA)
    return _shuffled(draw, obj)


@functools.cache
@st.composite
def payloads(draw: Any, force: bool = False, schemas: SchemaSet | None = None) -> dict[str, Any]:
    """A valid MeterValuesRequest of ``schemas`` (2.0.1 by default). With ``force`` every
    optional field is present in the first meter value's first sampled value and at every level
    above it."""
    first = draw(meter_values(force, schemas))
    rest = draw(_more(meter_values(False, schemas), 1))
    obj: dict[str, Any] = {
        "evseId": draw(_EVSE_IDS),
        "meterValue": [first, *rest],
    }
    if _maybe(draw, force):
        obj["customData"] = draw(CUSTOM_DATA)
    return _shuffled(draw, obj)


# --------------------------------------------------------------------------------------------------
# Cases


@dataclass(frozen=True)
class Case:
    payload: Any  # Python structure, possibly holding RawNumber
    text: str  # what is fed to the core and (via json.loads) to the oracle
    pointer: str | None = None  # JSON Pointer of the fault (None: valid)
    keyword: str | None = None  # violated schema keyword
    note: str = ""
    layout: Layout | None = None  # where dumps_with_layout put things in ``text``, if known

    def __repr__(self) -> str:  # what hypothesis prints for a falsifying example
        return (
            f"Case(keyword={self.keyword!r}, pointer={self.pointer!r}, note={self.note!r},\n"
            f"     text={self.text!r})"
        )


@functools.cache
@st.composite
def valid_cases(draw: Any, schemas: SchemaSet | None = None) -> Case:
    """A valid payload of ``schemas`` (2.0.1 by default), spelled in a drawn :class:`Style`."""
    payload = draw(payloads(draw(st.booleans()), schemas))
    return Case(payload, dumps(payload, draw(styles())))


@functools.cache
@st.composite
def laid_out_valid_cases(draw: Any, schemas: SchemaSet | None = None) -> MultiCase:
    """As :func:`valid_cases`, with the layout of the text (to judge it under another dialect's
    schema with :func:`first_in_document_order`)."""
    payload = draw(payloads(draw(st.booleans()), schemas))
    text, layout = dumps_with_layout(payload, draw(styles()))
    return MultiCase(payload, text, layout, ())


@dataclass(frozen=True)
class Target:
    """One (keyword, schema location) to violate. ``path`` uses ``*`` for array items; for
    ``required`` and ``additionalProperties`` it is the object's path."""

    keyword: str
    path: tuple[str, ...]
    arg: Any = (
        None  # required: the property; enum: the values; maxLength: the limit; type: the type
    )

    def __str__(self) -> str:
        return f"{self.keyword}@/{'/'.join(self.path)}" + (
            f"/{self.arg}" if self.keyword == "required" else ""
        )


def _walk(
    node: dict[str, Any], path: tuple[str, ...], out: list[Target], defs: dict[str, Any]
) -> None:
    node = resolve(node, defs)
    kind = node.get("type")
    if (
        path
    ):  # the payload not being an object is a FormatViolation for us (a documented difference)
        out.append(Target("type", path, kind))
    if kind == "object":
        out.extend(Target("required", path, name) for name in node.get("required", ()))
        if node.get("additionalProperties") is False:
            out.append(Target("additionalProperties", path, tuple(node.get("properties", {}))))
        for name, sub in node.get("properties", {}).items():
            _walk(sub, path + (name,), out, defs)
    elif kind == "array":
        if node.get("minItems", 0) >= 1:
            out.append(Target("minItems", path, node["minItems"]))
        _walk(node["items"], path + ("*",), out, defs)
    elif kind in ("integer", "number"):
        if "minimum" in node:
            out.append(Target("minimum", path, int(node["minimum"])))
    elif kind == "string":
        if "enum" in node:
            out.append(Target("enum", path, tuple(node["enum"])))
        if "maxLength" in node:
            out.append(Target("maxLength", path, node["maxLength"]))
        if node.get("format") == "date-time":
            out.append(Target("format", path, "date-time"))


def schema_targets(schema: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    _walk(schema, (), out, schema["definitions"])
    return out


def instances(
    payload: Any, path: tuple[str, ...], prefix: tuple[Any, ...] = ()
) -> Iterator[tuple[Any, ...]]:
    """Concrete token paths of ``payload`` matching the schema path (``*`` = every index)."""
    if not path:
        yield prefix
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(payload, list):
            for i, item in enumerate(payload):
                yield from instances(item, rest, prefix + (i,))
    elif isinstance(payload, dict) and head in payload:
        yield from instances(payload[head], rest, prefix + (head,))


def _get(payload: Any, tokens: tuple[Any, ...]) -> Any:
    for t in tokens:
        payload = payload[t]
    return payload


_NON_INTEGERS = st.one_of(
    st.floats(0.0009765625, 1e6).filter(lambda f: not f.is_integer()),
    st.sampled_from(
        [RawNumber(t) for t in ("1.5", "0.5", "1e-1", "15e-1", "2.25E1", "0.001", "1.25e+0")]
    ),
)
_NEGATIVE_NON_INTEGERS = st.floats(-1e6, -0.0009765625).filter(lambda f: not f.is_integer())
_ARRAYS = st.lists(json_values, max_size=3)
_OBJECTS = st.dictionaries(json_keys, json_values, max_size=3)


@functools.cache
def wrong_type_values(expected: str, path: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """JSON values whose type is not ``expected`` (draft-06: an integer-valued number IS an integer).
    For evseId only non-negative non-integers, so that "not an integer" is the only fault."""
    strings = texts(max_size=6) | st.sampled_from(["1", "0", "1.5", "true", "null", "NaN", "[]"])
    ints = st.integers(-1000, 1000) | int64s
    nums = ints | finite_floats
    bools = st.booleans()
    if expected == "integer":
        frac = _NON_INTEGERS if path == ("evseId",) else (_NON_INTEGERS | _NEGATIVE_NON_INTEGERS)
        return st.one_of(strings, frac, st.none(), bools, _ARRAYS, _OBJECTS)
    if expected == "number":
        return st.one_of(strings, st.none(), bools, _ARRAYS, _OBJECTS)
    if expected == "string":
        return st.one_of(nums, st.none(), bools, _ARRAYS, _OBJECTS)
    if expected == "object":
        return st.one_of(strings, nums, st.none(), bools, _ARRAYS)
    if expected == "array":
        return st.one_of(strings, nums, st.none(), bools, _OBJECTS)
    raise AssertionError(f"no wrong-type generator for schema type {expected!r}")


def _near_misses(names: tuple[str, ...]) -> list[str]:
    out = []
    for n in names:
        snake = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), n)
        out += [
            n.upper(),
            n.lower(),
            n[0].upper() + n[1:],
            n + " ",
            " " + n,
            n + "\u0000",
            n[:-1],
            snake,
        ]
    return out


@functools.cache
def extra_property_names(known: tuple[str, ...]) -> st.SearchStrategy[str]:
    special = [
        "",
        "/",
        "a/b",
        "~",
        "~0",
        "~1",
        "x" * 300,
        "\U0001f600",
        "$ref",
        "foo",
        "id",
        "type",
    ]
    return st.one_of(st.sampled_from(_near_misses(known) + special), texts(max_size=8)).filter(
        lambda s: s not in known
    )


@functools.cache
def unknown_enum_values(values: tuple[str, ...]) -> st.SearchStrategy[str]:
    near = [v.lower() for v in values] + [v.upper() for v in values] + [v + " " for v in values]
    near += [" " + v for v in values] + [v + "\u0000" for v in values] + [v[:-1] for v in values]
    near += sorted(EVERY_DIALECT_ENUM_VALUES) + ["", "Energy.Active.Import", "L4", "Outlet.Inlet"]
    return st.one_of(st.sampled_from(near), texts(max_size=8)).filter(lambda s: s not in values)


def _mutate(
    draw: Any, payload: Any, target: Target, site: tuple[Any, ...]
) -> tuple[tuple[Any, ...], str]:
    """Break ``payload`` in place at ``site`` for ``target``; return the fault's tokens and a note."""
    kw = target.keyword
    if kw in ("required", "additionalProperties"):
        obj = _get(payload, site)
        if kw == "required":
            del obj[target.arg]
            return site + (target.arg,), f"removed {target.arg!r}"
        name = draw(extra_property_names(target.arg))
        items = list(obj.items())
        items.insert(draw(st.integers(0, len(items))), (name, draw(json_values)))
        obj.clear()
        obj.update(items)
        return site + (name,), f"added {name!r}"
    parent, key = _get(payload, site[:-1]), site[-1]
    if kw == "type":
        new = draw(wrong_type_values(target.arg, target.path))
    elif kw == "minItems":
        new = []
    elif kw == "enum":
        new = draw(unknown_enum_values(target.arg))
    elif kw == "minimum":  # below the minimum, inside 64 bits (beyond is a documented difference)
        new = draw(
            st.integers(INT64_MIN, target.arg - 1) | st.integers(target.arg - 1000, target.arg - 1)
        )
    elif kw == "maxLength":
        new = draw(text_of_length(target.arg + 1))
    elif kw == "format":
        new = draw(bad_timestamps())
    else:
        raise AssertionError(f"no mutation for keyword {kw!r}")
    parent[key] = new
    return site, f"set to {new!r}"[:120]


@functools.cache
@st.composite
def broken_cases(draw: Any, target: Target | None = None, schemas: SchemaSet | None = None) -> Case:
    """A valid payload of ``schemas`` (2.0.1 by default) broken at one instance of ``target``
    (drawn from the set's targets if None)."""
    schemas = schemas or OCPP201
    if target is None:
        target = draw(st.sampled_from(schemas.targets))
    payload = copy.deepcopy(draw(payloads(True, schemas)))
    sites = list(instances(payload, target.path))
    assert sites, f"force=True should make {target} reachable"
    fault, note = _mutate(draw, payload, target, draw(st.sampled_from(sites)))
    text, layout = dumps_with_layout(payload, draw(styles()))
    return Case(payload, text, pointer(fault), target.keyword, f"{target}: {note}", layout)


def _applicable(payload: Any, target: Target, site: tuple[Any, ...]) -> bool:
    if target.keyword in ("required", "additionalProperties"):
        obj = _get(payload, site)
        return isinstance(obj, dict) and (target.keyword != "required" or target.arg in obj)
    return True


@dataclass(frozen=True)
class MultiCase:
    payload: Any
    text: str
    layout: Layout
    notes: tuple[str, ...]


@functools.cache
@st.composite
def multi_fault_cases(draw: Any, schemas: SchemaSet | None = None) -> MultiCase:
    """A valid payload of ``schemas`` (2.0.1 by default) broken in 2 to 4 places (a later break
    may remove an earlier one)."""
    schemas = schemas or OCPP201
    payload = copy.deepcopy(draw(payloads(True, schemas)))
    notes = []
    for _ in range(draw(st.integers(2, 4))):
        target = draw(st.sampled_from(schemas.targets))
        sites = [
            site for site in instances(payload, target.path) if _applicable(payload, target, site)
        ]
        if sites:
            fault, note = _mutate(draw, payload, target, draw(st.sampled_from(sites)))
            notes.append(f"{target} at {pointer(fault)}: {note}")
    text, layout = dumps_with_layout(payload, draw(styles()))
    return MultiCase(payload, text, layout, tuple(notes))


# --------------------------------------------------------------------------------------------------
# Oracle: jsonschema's draft-06 validator on the official schema, with a strict RFC 3339 date-time.


FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


@FORMAT_CHECKER.checks("date-time")
def _strict_date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True  # format only constrains strings
    # validate_rfc3339's pattern ends in `$`, which also matches before a trailing "\n".
    return "\n" not in instance and validate_rfc3339(instance.upper())


# Our error code for each schema keyword the oracle can report.
KEYWORD_CODE = {
    "additionalProperties": "ProtocolError",
    "required": "OccurrenceConstraintViolation",
    "minItems": "OccurrenceConstraintViolation",
    "type": "TypeConstraintViolation",
    "enum": "PropertyConstraintViolation",
    "maxLength": "PropertyConstraintViolation",
    "format": "PropertyConstraintViolation",
    "minimum": "PropertyConstraintViolation",
    "maximum": "PropertyConstraintViolation",
    "maxItems": "OccurrenceConstraintViolation",
}

# The same keywords' codes under OCPP 1.6J, as that specification spells them: an unknown
# property is malformed (1.6 has no ProtocolError for it), and "Occurence" is 1.6's spelling.
KEYWORD_CODE_16 = {
    **KEYWORD_CODE,
    "additionalProperties": "FormationViolation",
    "required": "OccurenceConstraintViolation",
    "minItems": "OccurenceConstraintViolation",
    "maxItems": "OccurenceConstraintViolation",
}


def oracle_errors(
    instance: Any, schemas: SchemaSet | None = None
) -> list[jsonschema.ValidationError]:
    """The errors of the oracle of ``schemas`` (2.0.1 by default) on ``instance``."""
    return (schemas or OCPP201).oracle_errors(instance)


def oracle_expectations(
    errors: list[jsonschema.ValidationError], codes: dict[str, str] = KEYWORD_CODE
) -> set[tuple[str, str]]:
    """The (path, code) pairs an implementation may report for these oracle errors: the error's
    own pointer, except for ``required`` / ``additionalProperties``, where it is the pointer of
    the missing / unexpected property; ``codes`` by keyword (:data:`KEYWORD_CODE_16` for 1.6)."""
    out: set[tuple[str, str]] = set()
    for e in errors:
        base = list(e.absolute_path)
        code = codes[str(e.validator)]
        if e.validator == "required":
            out.update(
                (pointer(base + [p]), code) for p in e.validator_value if p not in e.instance
            )
        elif e.validator == "additionalProperties":
            known = e.schema.get("properties", {})
            out.update((pointer(base + [k]), code) for k in e.instance if k not in known)
        else:
            out.add((pointer(base), code))
    return out


def first_in_document_order(
    errors: list[jsonschema.ValidationError], layout: Layout
) -> tuple[str, str]:
    """The (path, code) the core must report for these oracle errors under its documented order:
    the first fault in the text, where an unknown property counts at its key, a missing required
    property at the closing brace of its object (in the order of the schema's ``required`` list),
    and everything else at the start of the offending value (a type error before an enum error)."""
    keyed = []
    for e in errors:
        base = list(e.absolute_path)
        at = pointer(base)
        code = KEYWORD_CODE[str(e.validator)]
        if e.validator == "required":
            keyed += [
                ((layout.close[at], 1, i), pointer(base + [p]), code)
                for i, p in enumerate(e.validator_value)
                if p not in e.instance
            ]
        elif e.validator == "additionalProperties":
            known = e.schema.get("properties", {})
            keyed += [
                ((layout.key_start[pointer(base + [k])], 0, 0), pointer(base + [k]), code)
                for k in e.instance
                if k not in known
            ]
        else:
            keyed.append(((layout.value_start[at], 0, 0 if e.validator == "type" else 1), at, code))
    _, path, code = min(keyed)
    return path, code


# --------------------------------------------------------------------------------------------------
# The schema sets of the two dialects, and the 2.0.1 set's names kept at module level.

OCPP201 = SchemaSet("2.0.1")
OCPP21 = SchemaSet("2.1")
SCHEMA_SETS = (OCPP201, OCPP21)

REQUEST_SCHEMA = OCPP201.schema
_DEFS = OCPP201.defs
CONTEXTS = OCPP201.contexts
MEASURANDS = OCPP201.measurands
PHASES = OCPP201.phases
LOCATIONS = OCPP201.locations
ALL_ENUM_VALUES = frozenset(CONTEXTS + MEASURANDS + PHASES + LOCATIONS)
"""The values of the four enums of the 2.0.1 schema."""
EVERY_DIALECT_ENUM_VALUES = frozenset(
    v
    for schemas in SCHEMA_SETS
    for v in schemas.contexts + schemas.measurands + schemas.phases + schemas.locations
)
"""The values of the four enums in either dialect: a 2.1-only measurand is a near miss in 2.0.1."""
TARGETS = list(OCPP201.targets)
ORACLE = OCPP201.oracle
