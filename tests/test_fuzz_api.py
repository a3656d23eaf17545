"""Fuzzing the Python API with hypothesis (the Rust core has cargo-fuzz targets in ``fuzz/``).

Properties, over the decoders ``MeterValuesRequest.from_json``, ``TransactionEventRequest.from_json``,
``decode_call``, ``decode_message`` and ``decode_batch``:

* **total**: any input -- random bytes, any ``str`` (lone surrogates included), valid payloads and
  frames with byte-level damage -- as ``bytes``, ``bytearray``, ``memoryview`` or ``str`` either
  decodes or raises :class:`ocpp_meter.OcppError` (nothing else) with a code from the contract's
  error table, a ``str`` path that is a JSON Pointer, a description of 1 to 255 characters and
  details holding the path; every input type gives the same outcome, and a ``str`` gives what its
  ``surrogatepass`` UTF-8 bytes give;
* **schema oracle**: a valid payload mutated at the structure level (members dropped, added,
  renamed, values replaced by values of other types, arrays emptied or grown) is accepted exactly
  when the jsonschema oracle of ``tests/test_conformance.py`` accepts it; on reject the reported
  (path, code) is, for MeterValues, the first fault in document order
  (``strategies.first_in_document_order``) and, for TransactionEvent, one the oracle allows.
  Inputs that fall under a documented difference (``test_conformance.DOCUMENTED_DIFFERENCES``)
  are left out by :func:`documented_difference`;
* **round trip**: whatever decodes re-encodes to bytes that decode to an equal value, and
  encoding is stable;
* **batch**: ``decode_batch`` of a list of frames agrees, frame by frame, with ``decode_call``
  (the error record, the reply, the number of rows), and does not depend on the thread count.

In CI every test runs a fixed, modest number of examples from the run's seed (fresh each run,
printed by pytest; ``OCPP_METER_HYPOTHESIS_SEED=<n>`` replays it, see ``hypothesis_run``).
``OCPP_METER_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz_api.py`` runs that many
examples per test (a failure also prints a reproduction blob; ``OCPP_METER_FUZZ_SEED=<n>`` fixes
the seed of such a run), and ``OCPP_METER_HYPOTHESIS_SCALE=<k>`` multiplies the CI counts.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import hypothesis_run
import ocpp_meter
import pyarrow as pa
import pytest
import strategies as S
from hypothesis import HealthCheck, assume, event, given, seed, settings
from hypothesis import strategies as st
from ocpp_meter import (
    Call,
    CallError,
    CallResult,
    ErrorCode,
    MeterValuesRequest,
    MeterValuesResponse,
    OcppError,
    TransactionEventRequest,
    decode_batch,
    decode_call,
    decode_message,
    encode_call,
    encode_call_error,
    encode_call_result,
    samples,
)
from test_conformance import DOCUMENTED_DIFFERENCES, as_input
from test_transaction_event import FULL as TE_FULL
from test_transaction_event import ORACLE as TE_ORACLE
from test_transaction_event import SCHEMA as TE_SCHEMA

# --------------------------------------------------------------------------------------------------
# Settings: small in CI, as large as asked for a long run; seeded by the run (conftest.py).

LONG_EXAMPLES = int(os.environ.get("OCPP_METER_FUZZ_EXAMPLES", "0"))
LONG_SEED = os.environ.get("OCPP_METER_FUZZ_SEED")
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "ocpp-meter-fuzz-ci",
    derandomize=False,
    print_blob=True,
    database=None,
    deadline=None,
    suppress_health_check=_HEALTH,
)
settings.register_profile(
    "ocpp-meter-fuzz-long",
    derandomize=False,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_HEALTH,
)
_PROFILE = settings.get_profile("ocpp-meter-fuzz-long" if LONG_EXAMPLES else "ocpp-meter-fuzz-ci")


def fuzz(ci_examples: int) -> Callable[[Any], Any]:
    """The settings of one property: ``ci_examples`` in CI, ``OCPP_METER_FUZZ_EXAMPLES`` if set."""
    chosen = settings(_PROFILE, max_examples=LONG_EXAMPLES or hypothesis_run.examples(ci_examples))

    def apply(test: Any) -> Any:
        test = chosen(test)
        return seed(int(LONG_SEED))(test) if LONG_EXAMPLES and LONG_SEED else test

    return apply


# --------------------------------------------------------------------------------------------------
# The contract's error table: the codes each decoder may raise (the handler rows -- NotSupported,
# InternalError, GenericError, a handler's own code -- belong to dispatch, not to decoding).

PAYLOAD_CODES = {
    "FormatViolation",
    "ProtocolError",
    "OccurrenceConstraintViolation",
    "TypeConstraintViolation",
    "PropertyConstraintViolation",
}
FRAME_CODES = PAYLOAD_CODES | {"RpcFrameworkError", "MessageTypeNotSupported", "NotImplemented"}
assert FRAME_CODES <= {c.value for c in ErrorCode}


def check_error(e: BaseException, codes: set[str], frame: bool) -> None:
    assert type(e) is OcppError, f"{type(e).__name__} raised: {e!r}"
    assert isinstance(e.code, ErrorCode) and e.code.value in codes, e
    assert isinstance(e.path, str) and (e.path == "" or e.path.startswith("/")), e
    assert isinstance(e.description, str) and 1 <= len(e.description) <= 255, e
    assert isinstance(e.details, dict) and e.details.get("path") == e.path, e.details
    if frame:
        assert isinstance(e.message_id, str) and 1 <= len(e.message_id) <= 36, e
    else:
        assert e.message_id is None, e


def outcome(decode: Callable[..., Any], *args: Any) -> Any:
    """What ``decode`` gives for ``args``: the value, or the exception raised (any kind)."""
    try:
        return decode(*args)
    except Exception as e:  # noqa: BLE001 - anything but OcppError fails check_error
        return e


def error_key(e: OcppError) -> tuple[Any, ...]:
    return (e.code, e.path, e.description, e.message_id, e.details)


def same_outcome(a: Any, b: Any) -> bool:
    if isinstance(a, OcppError) and isinstance(b, OcppError):
        return error_key(a) == error_key(b)
    return type(a) is type(b) and a == b


# --------------------------------------------------------------------------------------------------
# Round trips


def encode_message(m: Any) -> bytes:
    if isinstance(m, Call):
        return encode_call(m.message_id, m.payload)
    if isinstance(m, CallResult):
        return encode_call_result(m.message_id, m.payload)
    assert isinstance(m, CallError), m
    return encode_call_error(m.message_id, m.code, m.description, m.details)


def check_round_trip(x: Any, decode: Callable[[Any], Any]) -> None:
    """``decode(encode(x)) == x`` and the encoding is stable."""
    encoded = x.to_json() if hasattr(x, "to_json") else encode_message(x)
    assert isinstance(encoded, bytes)
    again = decode(encoded)
    assert again == x, (x, encoded)
    assert (again.to_json() if hasattr(again, "to_json") else encode_message(again)) == encoded


# --------------------------------------------------------------------------------------------------
# Inputs with byte-level damage


def _schema_words(schema: dict[str, Any]) -> set[str]:
    words: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            words.update(node.get("properties", {}))
            words.update(v for v in node.get("enum", ()) if isinstance(v, str))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)
    return words


WORDS = sorted(_schema_words(S.REQUEST_SCHEMA) | _schema_words(TE_SCHEMA))
TOKENS = [
    *(f'"{w}"'.encode() for w in WORDS),
    *(w.encode() for w in ("{", "}", "[", "]", ":", ",", '"', "\\", "\\u", "\\ud800", "\\udc00")),
    *(w.encode() for w in ("true", "false", "null", "-0", "1.0", "1e999", "-1", "1.5", "NaN")),
    *(w.encode() for w in ("9223372036854775808", "2147483648", "1.0000000000000001")),
    *(w.encode() for w in ('"2024-02-30T00:00:00Z"', '"2024-01-01T00:00:00Z"', '"x"', '""')),
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b" ",
    b"\n",
]


@st.composite
def damaged(draw: Any, base: st.SearchStrategy[bytes]) -> bytes:
    """A valid text with 1 to 4 byte-level edits: a slice deleted, duplicated or replaced by a
    token or random bytes, a byte changed, the end cut off."""
    data = bytearray(draw(base))
    for _ in range(draw(st.integers(1, 4))):
        n = len(data)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 12)))
        op = draw(st.sampled_from(["delete", "duplicate", "token", "random", "byte", "cut"]))
        if op == "delete":
            del data[i:j]
        elif op == "duplicate":
            data[i:i] = data[i:j]
        elif op == "token":
            data[i:j] = draw(st.sampled_from(TOKENS))
        elif op == "random":
            data[i:j] = draw(st.binary(min_size=1, max_size=4))
        elif op == "byte" and i < n:
            data[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[i:]
    return bytes(data)


def _call(message_id: str, action: str, payload: bytes) -> bytes:
    return (
        b"[2," + json.dumps(message_id).encode() + b',"' + action.encode() + b'",' + payload + b"]"
    )


_IDS = st.one_of(
    st.sampled_from(["m1", "-1", "x" * 36, "x" * 37, "", "\u00e9", "id/1"]), S.texts(max_size=8)
)
MV_PAYLOADS = S.valid_cases().map(lambda c: c.text.encode())
TE_PAYLOADS = st.sampled_from(
    [json.dumps(TE_FULL).encode(), json.dumps({**TE_FULL, "meterValue": []}).encode()]
    + [json.dumps({k: v for k, v in TE_FULL.items() if k != k2}).encode() for k2 in TE_FULL]
)
SAMPLE_FRAMES = [f for kind in samples.FRAME_KINDS for f in samples.frames(2, kind=kind, seed=11)]
VALID_FRAMES = st.one_of(
    st.sampled_from(SAMPLE_FRAMES),
    st.builds(_call, _IDS, st.just("MeterValues"), MV_PAYLOADS),
    st.builds(_call, _IDS, st.just("TransactionEvent"), TE_PAYLOADS),
    st.sampled_from(
        [
            b'[3,"r1",{}]',
            b'[3,"r2",{"customData":{"vendorId":"v"}}]',
            b'[4,"e1","FormatViolation","bad",{"path":"/evseId"}]',
            b'[2,"h1","Heartbeat",{}]',
            b'[5,"t1","MeterValues",{}]',
        ]
    ),
)


def raw(valid: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Random bytes, valid texts, and valid texts with byte-level damage."""
    return st.one_of(st.binary(max_size=200), valid, damaged(valid), damaged(valid))


# Any str: lone surrogates included (read as their surrogatepass UTF-8 bytes), and damaged
# valid texts decoded leniently.
STRINGS = st.one_of(
    st.text(st.characters(codec=None, categories=None), max_size=80),
    damaged(VALID_FRAMES | MV_PAYLOADS).map(lambda b: b.decode("utf-8", "surrogateescape")),
)

# --------------------------------------------------------------------------------------------------
# (a) Total: any input decodes or raises an OcppError of the table


ENTRY_POINTS: dict[str, tuple[Callable[[Any], Any], st.SearchStrategy[bytes], bool]] = {
    "MeterValuesRequest.from_json": (MeterValuesRequest.from_json, MV_PAYLOADS, False),
    "TransactionEventRequest.from_json": (TransactionEventRequest.from_json, TE_PAYLOADS, False),
    "decode_call": (decode_call, VALID_FRAMES, True),
    "decode_message": (decode_message, VALID_FRAMES, True),
}


def check_total(name: str, data: bytes | str) -> None:
    decode, _, frame = ENTRY_POINTS[name]
    codes = FRAME_CODES if frame else PAYLOAD_CODES
    if isinstance(data, str):
        forms = {"str": data, "bytes": data.encode("utf-8", "surrogatepass")}
    else:
        forms = {form: as_input(data, form) for form in ("bytes", "bytearray", "memoryview")}
        try:
            forms["str"] = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    results = {form: outcome(decode, value) for form, value in forms.items()}
    first = results["bytes"]
    for form, r in results.items():
        if isinstance(r, BaseException):
            check_error(r, codes, frame)
        assert same_outcome(r, first), (form, r, first)
    if not isinstance(first, BaseException):
        check_round_trip(first, decode)


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
@fuzz(150)
@given(data=st.data())
def test_any_bytes_decode_or_raise_ocpp_error(name: str, data: st.DataObject) -> None:
    check_total(name, data.draw(raw(ENTRY_POINTS[name][1]), label="input"))


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
@fuzz(60)
@given(text=STRINGS)
def test_any_str_decodes_like_its_utf8(name: str, text: str) -> None:
    check_total(name, text)


def test_wrong_python_types_raise_type_error() -> None:
    """Not a buffer and not a str: a TypeError, not a crash (outside the fuzzed domain)."""
    for decode, _, _ in ENTRY_POINTS.values():
        for bad in (None, 1, 1.5, ["[]"], {"a": 1}, object()):
            with pytest.raises(TypeError):
                decode(bad)


# --------------------------------------------------------------------------------------------------
# (b) Structure-aware mutations against the schema oracle


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of every object member and array item (and of the root)."""
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _nodes(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _nodes(v, path + (i,))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for t in path:
        value = value[t]
    return value


ENUM_VALUES = sorted(S.ALL_ENUM_VALUES | {w for w in WORDS if w[:1].isupper()})
REPLACEMENTS = st.one_of(
    S.json_values,
    S.numbers,
    st.sampled_from(ENUM_VALUES),
    S.timestamps(),
    S.bad_timestamps(),
    S.text_of_length(36),
    S.text_of_length(37),
    st.sampled_from([0, -1, 1.0, 1.5, -0.0, 2**31, 2**63 - 1, "", [], {}, None, True]),
)
# Copied: sampled_from hands out the same [] and {} every time, and mutations edit in place.
REPLACEMENTS = REPLACEMENTS.map(copy.deepcopy)
NAMES = st.one_of(st.sampled_from(WORDS), S.json_keys)


@st.composite
def mutated(draw: Any, base: Any) -> Any:
    """``base`` (a valid payload) with 1 to 3 structural mutations."""
    payload = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_nodes(payload)))
        node = _get(payload, path)
        parent = _get(payload, path[:-1]) if path else None
        ops = ["replace"] if path else []
        if isinstance(node, dict):
            ops += ["add"] + (["drop", "rename"] if node else [])
        if isinstance(node, list):
            ops += ["empty", "grow"] + (["drop_item"] if node else [])
        if not ops:
            continue
        op = draw(st.sampled_from(ops))
        if op == "replace":
            assert parent is not None
            parent[path[-1]] = draw(REPLACEMENTS)
        elif op == "add":
            items = list(node.items())
            items.insert(draw(st.integers(0, len(items))), (draw(NAMES), draw(REPLACEMENTS)))
            node.clear()
            node.update(items)
        elif op in ("drop", "rename"):
            key = draw(st.sampled_from(sorted(node)))
            value = node.pop(key)
            if op == "rename":
                node[draw(NAMES)] = value
        elif op == "empty":
            node.clear()
        elif op == "grow":
            node.append(
                copy.deepcopy(node[0]) if node and draw(st.booleans()) else draw(REPLACEMENTS)
            )
        elif op == "drop_item":
            del node[draw(st.integers(0, len(node) - 1))]
    return payload


INT64 = (-(2**63), 2**63 - 1)


def _integer_keys(schema: dict[str, Any]) -> set[str]:
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if sub.get("type") == "integer":
                    keys.add(name)
            for v in node.values():
                walk(v)

    walk(schema)
    return keys


INTEGER_KEYS = _integer_keys(S.REQUEST_SCHEMA) | _integer_keys(TE_SCHEMA)
assert {"evseId", "multiplier", "seqNo", "connectorId"} <= INTEGER_KEYS


def _decimal(v: Any) -> Decimal | None:
    if isinstance(v, bool) or not isinstance(v, (int, float, S.RawNumber)):
        return None
    try:
        return Decimal(v.text if isinstance(v, S.RawNumber) else v)
    except InvalidOperation:
        return None


def _integer_literal(v: Any) -> bool:
    """Written as a JSON integer (no fraction, no exponent)."""
    if isinstance(v, S.RawNumber):
        return not any(c in v.text for c in ".eE")
    return isinstance(v, int) and not isinstance(v, bool)


def documented_difference(payload: Any, meter_values: bool) -> str | None:
    """The documented difference (``test_conformance.DOCUMENTED_DIFFERENCES``) this payload falls
    under, if any: there the oracle and the contract knowingly disagree. Under an integer-typed
    key (``evseId``, ``seqNo``, ...; the same name inside ``customData`` is judged alike, which
    only leaves out a few more cases) an integer-valued number must fit 64 bits and an integer
    is judged by exact decimal value; elsewhere an integer literal must fit 64 bits."""
    evse = payload.get("evseId") if meter_values and isinstance(payload, dict) else None
    d = _decimal(evse)
    if d is not None and d < 0:
        return "negative evseId"

    def walk(v: Any, key: Any) -> str | None:
        d = _decimal(v)
        if d is not None:
            integral = d == d.to_integral_value()
            in_range = INT64[0] <= d <= INT64[1]
            if key in INTEGER_KEYS:
                if integral and not in_range:
                    return "integer-typed field outside 64 bits"
                if not integral and float(d).is_integer():
                    return "integer by float rounding only"
            elif _integer_literal(v) and not in_range and key != "value":
                return "integer literal outside 64 bits"
        if isinstance(v, dict):
            return next((r for k, x in v.items() if (r := walk(x, k))), None)
        if isinstance(v, list):
            return next((r for x in v if (r := walk(x, key))), None)
        return None

    return walk(payload, None)


assert {"negative evseId", "evseId 2**63", "evseId 1.0000000000000001"} <= {
    d.name for d in DOCUMENTED_DIFFERENCES
}


def _oracle_instance(text: str) -> Any:
    return json.loads(text)


@fuzz(300)
@given(data=st.data())
def test_mutated_meter_values_agree_with_the_oracle(data: st.DataObject) -> None:
    base = data.draw(S.payloads(data.draw(st.booleans())), label="base")
    payload = data.draw(mutated(base), label="payload")
    assume(documented_difference(payload, True) is None)
    text, layout = S.dumps_with_layout(payload, data.draw(S.styles(), label="style"))
    errors = S.oracle_errors(_oracle_instance(text))
    event("oracle rejects" if errors else "oracle accepts")
    for form in ("bytes", "str"):
        r = outcome(MeterValuesRequest.from_json, as_input(text, form))
        if not errors:
            assert isinstance(r, MeterValuesRequest), f"{form}: oracle accepts, core: {r!r}"
            check_round_trip(r, MeterValuesRequest.from_json)
        else:
            want = S.first_in_document_order(errors, layout)
            assert isinstance(r, OcppError), f"{form}: oracle rejects {want}, core accepts"
            check_error(r, PAYLOAD_CODES, frame=False)
            assert (r.path, r.code.value) == want, f"{form}: core {r!r}, oracle's first {want}"


@fuzz(300)
@given(data=st.data())
def test_mutated_transaction_events_agree_with_the_oracle(data: st.DataObject) -> None:
    payload = data.draw(mutated(TE_FULL), label="payload")
    assume(documented_difference(payload, False) is None)
    text = S.dumps(payload, data.draw(S.styles(), label="style"))
    errors = list(TE_ORACLE.iter_errors(_oracle_instance(text)))
    event("oracle rejects" if errors else "oracle accepts")
    for form in ("bytes", "str"):
        r = outcome(TransactionEventRequest.from_json, as_input(text, form))
        if not errors:
            assert isinstance(r, TransactionEventRequest), f"{form}: oracle accepts, core: {r!r}"
            check_round_trip(r, TransactionEventRequest.from_json)
        else:
            allowed = S.oracle_expectations(errors)
            assert isinstance(r, OcppError), f"{form}: oracle rejects {allowed}, core accepts"
            check_error(r, PAYLOAD_CODES, frame=False)
            assert (r.path, r.code.value) in allowed, f"{form}: core {r!r}, oracle {allowed}"


# --------------------------------------------------------------------------------------------------
# (d) decode_batch agrees with decode_call, frame by frame

INT32 = (-(2**31), 2**31 - 1)


def _rows_of(call: Call) -> int:
    return sum(len(mv.sampled_value) for mv in call.payload.meter_value or ())


_EVENT_INT32: dict[str, Callable[[Any], Any]] = {
    "/numberOfPhasesUsed": lambda p: p.number_of_phases_used,
    "/cableMaxCurrent": lambda p: p.cable_max_current,
    "/reservationId": lambda p: p.reservation_id,
    "/transactionInfo/remoteStartId": lambda p: p.transaction_info.remote_start_id,
}
"""The TransactionEvent fields the event form stores as int32, and how to read them."""


def _row_form_overflow(call: Call, path: str) -> bool:
    """Whether ``path`` is a field the row or event form stores as int32 and its value does not
    fit."""
    p: Any = call.payload
    value: Any = None
    if path == "/evseId":
        value = p.evse_id
    elif path == "/evse/id":
        value = p.evse.id
    elif path == "/evse/connectorId":
        value = p.evse.connector_id
    elif path in _EVENT_INT32:  # the event record's int32 columns
        value = _EVENT_INT32[path](p)
    elif path.endswith("/unitOfMeasure/multiplier"):
        _, _, i, _, j, _, _ = path.split("/")
        value = p.meter_value[int(i)].sampled_value[int(j)].unit_of_measure.multiplier
    return isinstance(value, int) and not INT32[0] <= value <= INT32[1]


@st.composite
def mutated_frames(draw: Any) -> bytes:
    """A CALL of a TransactionEvent payload with structural mutations."""
    payload = S.dumps(draw(mutated(TE_FULL)), draw(S.styles()))
    return _call(draw(_IDS), "TransactionEvent", payload.encode())


BATCH_FRAMES = st.lists(
    st.one_of(
        VALID_FRAMES,
        raw(VALID_FRAMES),
        st.builds(_call, _IDS, st.just("MeterValues"), damaged(MV_PAYLOADS)),
        mutated_frames(),
    ),
    max_size=8,
)


@fuzz(150)
@given(frames=BATCH_FRAMES, as_str=st.booleans())
def test_decode_batch_agrees_with_decode_call(frames: list[bytes], as_str: bool) -> None:
    inputs: list[Any] = list(frames)
    if as_str:  # str where the frame is UTF-8: read in place rather than as bytes
        inputs = [f.decode("utf-8", "replace") if i % 2 else f for i, f in enumerate(frames)]
        frames = [f.encode("utf-8") if isinstance(f, str) else f for f in inputs]
    ids = [f"CS-{i % 3}" for i in range(len(frames))]
    results = [outcome(functools.partial(decode_batch, threads=n), inputs, ids) for n in (1, 2)]
    for r in results:
        assert isinstance(r, ocpp_meter.BatchResult), r
    one, two = results
    records = pa.table(one.errors).to_pylist()
    assert pa.table(two.errors).to_pylist() == records
    assert pa.table(two).equals(pa.table(one))
    assert (two.replies, two.frame_rows) == (one.replies, one.frame_rows)
    assert len(one.replies) == len(one.frame_rows) == len(frames)
    assert one.row_count == sum(one.frame_rows) == pa.table(one).num_rows
    assert one.error_count == len(records) == len(one.errors)
    by_index = {rec["index"]: rec for rec in records}
    assert len(by_index) == len(records), "two records for one frame"
    for i, frame in enumerate(frames):
        alone = outcome(decode_call, frame)
        rec, reply, n = by_index.get(i), one.replies[i], one.frame_rows[i]
        event("frame: " + (alone.code.value if isinstance(alone, OcppError) else "accepted"))
        if isinstance(alone, Call) and not (rec and _row_form_overflow(alone, rec["path"])):
            assert rec is None, (i, rec)
            assert n == _rows_of(alone), (i, n)
            assert reply == encode_call_result(alone.message_id, MeterValuesResponse()), reply
            continue
        assert rec is not None and n == 0, (i, frame, alone, n)
        if isinstance(alone, Call):  # valid, but a field too large for the row form's int32
            want = ("PropertyConstraintViolation", alone.message_id, 2)
            assert (rec["code"], rec["message_id"], 2) == want, rec
            assert reply is not None
            continue
        check_error(alone, FRAME_CODES, frame=True)
        assert (rec["code"], rec["path"], rec["description"]) == (
            alone.code.value,
            alone.path,
            alone.description,
        ), (rec, alone)
        assert rec["message_id"] == alone.message_id or (
            rec["message_id"] is None and alone.message_id == "-1"
        ), (rec, alone)
        if alone.details.get("message_type") in (3, 4):
            assert reply is None, (i, reply)
        else:
            answer = decode_message(reply)
            assert isinstance(answer, CallError), answer
            assert (answer.message_id, answer.code, answer.description, answer.details) == (
                alone.message_id,
                alone.code,
                alone.description,
                alone.details,
            )


# --------------------------------------------------------------------------------------------------
# Validation profiles: lenient and off on mutated payloads with known firmware quirks mixed in

QUIRKS = st.sampled_from(
    [
        " 12.5",
        "3",
        " -3 ",
        "ERR",
        "2024-05-01T12:00:00",
        "2024-05-01T12:00:00+0100",
        "2024-05-01T12:00:00+0100\u20ac",
        "temperature",
        "l1",
        "outlet",
        "sample.periodic",
        {"value": 1},
        {"timestamp": "2024-05-01T12:00:00Z", "sampledValue": {"value": "7"}},
    ]
).map(copy.deepcopy)


@st.composite
def quirky(draw: Any, base: Any) -> Any:
    """``base`` mutated, then up to three of its values replaced by firmware quirks."""
    payload = draw(mutated(base))
    for _ in range(draw(st.integers(0, 3))):
        paths = [p for p in _nodes(payload) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        _get(payload, path[:-1])[path[-1]] = draw(QUIRKS)
    return payload


@fuzz(200)
@given(data=st.data(), profile=st.sampled_from(["lenient", "off"]))
def test_profiles_raise_only_ocpp_errors_agree_with_strict_and_round_trip(
    data: st.DataObject, profile: str
) -> None:
    """Under a non-strict profile: only OcppErrors of the table; nothing strict accepts is
    rejected or changed or reported; what is accepted re-encodes and decodes again, under the
    same profile, to an equal request; every warning's path and code are well formed."""
    action = data.draw(st.sampled_from(["MeterValues", "TransactionEvent"]), label="action")
    base = data.draw(S.payloads(data.draw(st.booleans())), label="base")
    payload = data.draw(quirky(base if action == "MeterValues" else TE_FULL), label="payload")
    text, _ = S.dumps_with_layout(payload, data.draw(S.styles(), label="style"))
    frame = _call("m1", action, text.encode())
    strict = outcome(decode_call, frame)
    got = outcome(functools.partial(decode_call, profile=profile), frame)
    event(f"{profile}: {'accepts' if isinstance(got, Call) else 'rejects'}")
    if not isinstance(got, Call):
        check_error(got, FRAME_CODES, frame=True)
        assert isinstance(strict, OcppError), f"{profile} rejects what strict accepts: {got!r}"
        return
    request = got.payload
    if isinstance(strict, Call):
        assert request == strict.payload and request.warnings == ()
    for w in request.warnings:
        assert w.code in PROFILE_WARNING_CODES and (w.path == "" or w.path.startswith("/")), w
    again = type(request).from_json(request.to_json(), profile=profile)  # type: ignore[arg-type]
    assert again == request


PROFILE_WARNING_CODES = {
    "timestamp_without_offset",
    "offset_without_colon",
    "numeric_string",
    "object_for_array",
    "unknown_enum_value",
    "unknown_property",
}
