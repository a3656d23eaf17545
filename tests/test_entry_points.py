"""Every entry point of the pyo3 layer (``ocpp_meter._core``), each input form, valid and invalid
input: the Python tests ``.ci/valgrind`` runs under memcheck (with ``tests/test_inputs.py`` and
``tests/test_limits.py``), so they stay small. The last test checks that nothing the extension
exports is left out, so a new entry point must be added here to be checked under valgrind.
"""

from __future__ import annotations

import copy
import enum
import json
import pickle
from datetime import datetime
from typing import Any

import ocpp_meter
import pyarrow as pa
import pytest
import test_ocpp16_types as T16
from ocpp_meter import OcppError, _core, samples
from test_transaction_event import FULL as TE_FULL
from test_transaction_event import FULL_21 as TE_FULL_21

MV = samples.frames(1, kind="typical", seed=7)[0]
SMALL = samples.frames(1, kind="small", seed=7)[0]
TE = json.dumps([2, "te-1", "TransactionEvent", TE_FULL]).encode()
TE_21 = json.dumps([2, "te-2", "TransactionEvent", TE_FULL_21]).encode()
INVALID = (
    SMALL.replace(b'"evseId":', b'"evseId":-', 1),
    SMALL[:-3],
    b"\xff\xfe[2,",
    b'[2,"m","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-13-01T00:00:00Z"}]}]',
    TE.replace(b'"Updated"', b'"Sideways"', 1),
    b"[" * 300,
)
QUIRKY = SMALL.replace(b'Z"', b'"', 1)  # a timestamp without offset: lenient repairs it

REACHED: set[str] = set()
"""Names of ``_core`` that the tests below reached (functions called, types built)."""


def forms(raw: bytes) -> list[Any]:
    out: list[Any] = [raw, bytearray(raw), memoryview(raw), memoryview(b"xx" + raw + b"yy")[2:-2]]
    try:
        out.append(raw.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    return out


def outcome(func: Any, *args: Any, **kwargs: Any) -> Any:
    REACHED.add(func.__name__)
    try:
        return func(*args, **kwargs)
    except OcppError as e:
        return ("error", e.code, e.path, e.message_id, e.description)


def read(obj: Any, seen: set[type]) -> Any:
    """Every field, recursively (each class met is noted in ``seen``)."""
    if obj is None or isinstance(obj, (int, float, str, bytes, enum.Enum, datetime)):
        return obj
    if isinstance(obj, (tuple, list)):
        return [read(x, seen) for x in obj]
    if isinstance(obj, dict):
        return {k: read(v, seen) for k, v in obj.items()}
    seen.add(type(obj))
    REACHED.add(type(obj).__name__)
    names = [n for n in dir(type(obj)) if not n.startswith("_")]
    return {n: read(getattr(obj, n), seen) for n in names if not callable(getattr(obj, n))}


def round_trip_everything(obj: Any, seen: set[type], dialect: str) -> None:
    """``from_json(to_json())`` in every input form, pickling and repr, for ``obj`` and every
    object under it."""
    read(obj, seen)
    for cls in list(seen):
        REACHED.add(cls.__name__)
    stack = [obj]
    while stack:
        item = stack.pop()
        if hasattr(item, "to_json"):
            text = item.to_json()
            for form in forms(text if isinstance(text, bytes) else text.encode()):
                assert type(item).from_json(form, dialect=dialect) == item
            assert pickle.loads(pickle.dumps(item)) == item
            assert repr(item)
        for name in dir(type(item)):
            if not name.startswith("_") and name not in ("warnings", "unknown_properties"):
                value = getattr(item, name)
                if callable(value):
                    continue
                values = value if isinstance(value, tuple) else [value]
                stack += [v for v in values if hasattr(v, "to_json")]


@pytest.mark.parametrize("dialect", ["2.0.1", "2.1"])
@pytest.mark.parametrize("profile", ["strict", "lenient", "off"])
def test_decode_call_and_message_every_form(profile: str, dialect: str) -> None:
    frames = [MV, SMALL, TE, QUIRKY, *INVALID] + ([TE_21] if dialect == "2.1" else [])
    for raw in frames:
        results = [
            outcome(ocpp_meter.decode_call, f, profile=profile, dialect=dialect) for f in forms(raw)
        ]
        again = [
            outcome(ocpp_meter.decode_message, f, profile=profile, dialect=dialect)
            for f in forms(raw)
        ]
        assert all(r == results[0] for r in results) and all(a == again[0] for a in again)
        if not isinstance(results[0], tuple):
            seen: set[type] = set()
            read(results[0], seen)
            if profile == "strict":  # what a repairing profile accepts, strict may refuse
                round_trip_everything(results[0].payload, seen, dialect)


def test_callresults_and_callerrors_of_each_action() -> None:
    replies = [
        (b'[3,"m",{}]', "MeterValues"),
        (b'[3,"m",{"customData":{"vendorId":"v","n":[1.5,null,{"a":true}]}}]', "MeterValues"),
        (
            (
                b'[3,"m",{"totalCost":1.5,"idTokenInfo":{"status":"Accepted"},'
                b'"updatedPersonalMessage":{"format":"ASCII","content":"Bye"}}]'
            ),
            "TransactionEvent",
        ),
        (b'[3,"m",{"bad":1}]', "MeterValues"),
        (b'[4,"m","GenericError","boom",{"path":"/x","n":[1,2]}]', "MeterValues"),
    ]
    for raw, action in replies:
        results = [outcome(ocpp_meter.decode_message, f, action) for f in forms(raw)]
        assert all(r == results[0] for r in results), results
        read(results[0], set())
    result = ocpp_meter.decode_message(b'[3,"m",{}]')
    REACHED.update({"CallResult", "CallError", "MeterValuesResponse"})
    assert ocpp_meter.decode_message(ocpp_meter.encode_call_result("m", result.payload)) == result


def test_encoders() -> None:
    for raw in (MV, TE):
        call = ocpp_meter.decode_call(raw)
        encoded = outcome(ocpp_meter.encode_call, call.message_id, call.payload)
        assert ocpp_meter.decode_call(encoded) == call
    response = ocpp_meter.new_meter_values_response()
    assert outcome(ocpp_meter.encode_call_result, "m", response) == b'[3,"m",{}]'
    error = outcome(ocpp_meter.encode_call_error, "m", "GenericError", "x" * 255, {"a": [1, None]})
    assert ocpp_meter.decode_message(error).code == "GenericError"
    too_long = outcome(ocpp_meter.encode_call_error, "m", "GenericError", "x" * 256, {})
    assert too_long[:2] == ("error", "PropertyConstraintViolation")
    with pytest.raises((OcppError, TypeError, ValueError)):
        ocpp_meter.encode_call_error("m", "NoSuchCode", "x", {})
    with pytest.raises((OcppError, TypeError, ValueError)):
        ocpp_meter.encode_call("m" * 40, ocpp_meter.decode_call(MV).payload)


def test_keyword_construction_of_every_type() -> None:
    seen: set[type] = set()
    for raw in (MV, TE):
        read(ocpp_meter.decode_call(raw).payload, seen)
    read(ocpp_meter.decode_call(TE_21, dialect="2.1").payload, seen)
    built = 0
    for cls in seen:
        obj_fields = [
            n for n in dir(cls) if not n.startswith("_") and not callable(getattr(cls, n))
        ]
        for sample in _instances(cls):
            kwargs = {n: getattr(sample, n) for n in obj_fields}
            kwargs.pop("warnings", None)
            kwargs.pop("unknown_properties", None)
            try:
                again = cls(**kwargs)
            except TypeError:
                continue  # a class built only by decoding (DecodeWarning)
            assert again == sample
            built += 1
    assert built >= 10


def _instances(cls: type) -> list[Any]:
    out: list[Any] = []
    for raw, dialect in ((MV, "2.0.1"), (TE, "2.0.1"), (TE_21, "2.1")):
        stack: list[Any] = [ocpp_meter.decode_call(raw, dialect=dialect).payload]
        while stack:
            item = stack.pop()
            if type(item) is cls:
                out.append(item)
            for name in dir(type(item)):
                if name.startswith("_"):
                    continue
                value = getattr(item, name)
                values = value if isinstance(value, tuple) else [value]
                stack += [v for v in values if hasattr(v, "to_json")]
    return out[:2]


def test_schema_driven_actions() -> None:
    heartbeat = b'[2,"h-1","Heartbeat",{}]'
    for form in forms(heartbeat):
        assert outcome(ocpp_meter.decode_schema_call, form) == ("h-1", "Heartbeat", {})
    broken = outcome(ocpp_meter.decode_schema_call, b'[2,"h-1","Heartbeat",{"x":1}]')
    assert broken[0] == "error"
    for form in forms(b'{"currentTime":"2024-05-01T12:00:00Z"}'):
        got = outcome(ocpp_meter.validate_payload, "Heartbeat", form, response=True)
        assert got == {"currentTime": "2024-05-01T12:00:00Z"}
    assert outcome(ocpp_meter.validate_payload, "Heartbeat", b"[", response=True)[0] == "error"
    reply = outcome(
        ocpp_meter.encode_schema_call_result,
        "h-1",
        "Heartbeat",
        {"currentTime": "2024-05-01T12:00:00Z"},
    )
    assert reply == b'[3,"h-1",{"currentTime":"2024-05-01T12:00:00Z"}]'
    assert outcome(ocpp_meter.encode_schema_call_result, "h-1", "Heartbeat", {})[0] == "error"


@pytest.mark.parametrize("threads", [1, 0])
def test_decode_batch_every_input(threads: int) -> None:
    frames = [MV, SMALL, TE, QUIRKY, *INVALID, b'[3,"m",{}]']
    expected = ocpp_meter.decode_batch(frames, "CS", threads=threads)
    REACHED.update({"decode_batch", "BatchResult", "BatchRecords"})
    rows = pa.table(expected).to_pylist()
    errors = pa.table(expected.errors).to_pylist()
    assert rows and len(errors) >= len(INVALID)
    # The SQL parameter tuples the endpoint's writer inserts: one per row and per event record.
    params = list(expected.sql_parameters())
    REACHED.add(type(expected.sql_parameters()).__name__)
    assert [p[:3] for p in params] == [
        (r["station_id"], r["message_id"], r["action"]) for r in rows
    ]
    events = pa.table(expected.events).to_pylist()
    event_params = list(expected.events.sql_parameters())
    assert events and [p[:2] for p in event_params] == [
        (e["station_id"], e["message_id"]) for e in events
    ]
    inputs: list[Any] = [
        [bytearray(f) for f in frames],
        [memoryview(f) for f in frames],
        pa.array(frames, type=pa.binary()),
        pa.array(frames, type=pa.large_binary()),
        pa.array(frames + [b"x"], type=pa.binary()).slice(0, len(frames)),
    ]
    for given in inputs:
        got = ocpp_meter.decode_batch(given, ["CS"] * len(frames), threads=threads)
        assert pa.table(got).to_pylist() == rows
        assert pa.table(got.errors).to_pylist() == errors
        assert got.replies == expected.replies and got.frame_rows == expected.frame_rows
    lenient = ocpp_meter.decode_batch(frames, "CS", threads=threads, profile="lenient")
    assert lenient.row_count >= expected.row_count and read(lenient.warnings, set()) is not None
    with pytest.raises((TypeError, ValueError)):
        ocpp_meter.decode_batch(frames, ["CS"], threads=threads)


def test_limits_and_the_buffer_pool() -> None:
    before = outcome(ocpp_meter.get_limits)
    try:
        outcome(ocpp_meter.set_limits, max_frame_bytes=100, max_depth=8)
        assert ocpp_meter.decode_batch([MV], "CS").error_count == 1
        assert outcome(ocpp_meter.decode_call, MV)[1] == "FormatViolation"
    finally:
        ocpp_meter.set_limits(max_frame_bytes=before[0], max_depth=before[1])
    assert ocpp_meter.get_limits() == before
    limit = outcome(ocpp_meter.set_batch_buffer_pool_limit, 0)
    try:
        for _ in range(3):
            assert ocpp_meter.decode_batch([MV] * 50, "CS").row_count > 0
    finally:
        ocpp_meter.set_batch_buffer_pool_limit(limit)


V16_CALLS = [
    json.dumps([2, "16-1", action, payload]).encode()
    for action, payload in (
        ("MeterValues", T16.METER_VALUES),
        ("StartTransaction", T16.START),
        ("StopTransaction", T16.STOP),
    )
]
V16_REPLIES = [
    (json.dumps([3, "16-2", T16.START_RESPONSE]).encode(), "StartTransaction"),
    (json.dumps([3, "16-3", T16.STOP_RESPONSE]).encode(), "StopTransaction"),
    (b'[4,"16-4","OccurenceConstraintViolation","",{"a":[1]}]', "MeterValues"),
]
V16_INVALID = (
    V16_CALLS[0].replace(b'"230.1"', b"230.1", 1),
    V16_CALLS[1][:-3],
    b'[2,"16-5","TransactionEvent",{}]',
    b'[3,"16-6",{"transactionId":1}]',
)


def test_ocpp16_frames_every_form() -> None:
    for raw in [*V16_CALLS, *V16_INVALID]:
        results = [outcome(ocpp_meter.decode_call, f, dialect="1.6") for f in forms(raw)]
        again = [outcome(ocpp_meter.decode_message, f, dialect="1.6") for f in forms(raw)]
        assert all(r == results[0] for r in results) and all(a == again[0] for a in again)
        if not isinstance(results[0], tuple):
            round_trip_everything(results[0].payload, set(), "1.6")
            encoded = outcome(ocpp_meter.encode_call, "16-1", results[0].payload)
            assert ocpp_meter.decode_call(encoded, dialect="1.6") == results[0]
    for raw, action in V16_REPLIES:
        results = [outcome(ocpp_meter.decode_message, f, action, dialect="1.6") for f in forms(raw)]
        assert all(r == results[0] for r in results), results
        read(results[0], set())
        if isinstance(results[0], ocpp_meter.CallResult):
            round_trip_everything(results[0].payload, set(), "1.6")
            assert outcome(ocpp_meter.encode_call_result, "16-2", results[0].payload)
    error = outcome(ocpp_meter.encode_call_error, "m", "FormationViolation", "x", dialect="1.6")
    assert ocpp_meter.decode_message(error, dialect="1.6").code == "FormationViolation"
    codes = [
        outcome(ocpp_meter.error_code_16, code, fault_type)
        for code, fault_type in (
            ("ProtocolError", "unknown_property"),
            (ocpp_meter.ErrorCode.RPC_FRAMEWORK_ERROR, None),
            ("OccurenceConstraintViolation", "missing_property"),
            ("NoSuchCode", None),
            (5, None),
            ("GenericError", 5),
        )
    ]
    assert codes[:3] == ["FormationViolation", "FormationViolation", "OccurenceConstraintViolation"]
    assert [c[:3] for c in codes[3:]] == [
        ("error", "PropertyConstraintViolation", "/code"),
        ("error", "TypeConstraintViolation", "/code"),
        ("error", "TypeConstraintViolation", "/fault_type"),
    ]


def test_every_export_of_the_extension_is_reached() -> None:
    # Run the others first when this file runs alone in another order.
    test_decode_call_and_message_every_form("lenient", "2.1")
    test_callresults_and_callerrors_of_each_action()
    test_encoders()
    test_decode_batch_every_input(1)
    test_limits_and_the_buffer_pool()
    test_schema_driven_actions()
    test_ocpp16_frames_every_form()
    exported = {n for n in dir(_core) if not n.startswith("_") and callable(getattr(_core, n))}
    assert exported - REACHED == set()


def test_nothing_decoded_aliases_the_input() -> None:
    buffer = bytearray(MV)
    call = ocpp_meter.decode_call(buffer)
    text = call.payload.to_json()
    buffer[:] = b" " * len(buffer)
    assert call.payload.to_json() == text
    assert copy.deepcopy(call.payload) == call.payload
