"""The configurable size limits (``ocpp_meter.limits``): defaults, changes, and that every entry
point (payloads, frames, batches, Python-built values, the dispatcher) applies them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa
import pytest
from ocpp_meter import (
    DEFAULT_LIMITS,
    Dispatcher,
    Limits,
    MeterValuesRequest,
    MeterValuesResponse,
    OcppError,
    decode_batch,
    decode_call,
    get_limits,
    set_limits,
)
from ocpp_meter.limits import MAX_DEPTH_LIMIT

PAYLOAD = {
    "evseId": 1,
    "meterValue": [{"timestamp": "2024-01-01T00:00:00Z", "sampledValue": [{"value": 1}]}],
}


@pytest.fixture(autouse=True)
def restore_limits() -> Iterator[None]:
    yield
    set_limits(**DEFAULT_LIMITS._asdict())


def frame(payload: object, message_id: str = "m1") -> bytes:
    return json.dumps([2, message_id, "MeterValues", payload], separators=(",", ":")).encode()


def with_custom(depth: int) -> bytes:
    """A frame whose customData nests ``depth`` levels (the object itself is the first)."""
    x = "[" * (depth - 1) + "1" + "]" * (depth - 1)
    body = json.dumps(PAYLOAD, separators=(",", ":"))[:-1]
    return b'[2,"m1","MeterValues",' + f'{body},"customData":{{"vendorId":"v","x":{x}}}}}]'.encode()


def test_defaults_and_changes() -> None:
    assert DEFAULT_LIMITS == Limits(max_frame_bytes=1 << 20, max_depth=64)
    assert MAX_DEPTH_LIMIT == 256
    assert get_limits() == DEFAULT_LIMITS
    assert set_limits(max_depth=8) == DEFAULT_LIMITS
    assert get_limits() == Limits(1 << 20, 8)
    assert set_limits(max_frame_bytes=100) == Limits(1 << 20, 8)
    assert get_limits() == Limits(100, 8)
    for bad in ({"max_frame_bytes": 0}, {"max_depth": 0}, {"max_depth": MAX_DEPTH_LIMIT + 1}):
        with pytest.raises(ValueError):
            set_limits(**bad)
        assert get_limits() == Limits(100, 8), bad
    with pytest.raises(OverflowError):
        set_limits(max_frame_bytes=-1)
    assert get_limits() == Limits(100, 8)


def test_the_frame_limit_is_exact_and_keeps_the_message_id() -> None:
    data = frame(PAYLOAD, "id-7")
    set_limits(max_frame_bytes=len(data))
    assert decode_call(data).message_id == "id-7"
    set_limits(max_frame_bytes=len(data) - 1)
    with pytest.raises(OcppError) as e:
        decode_call(data)
    assert (e.value.code.value, e.value.message_id, e.value.path) == ("FormatViolation", "id-7", "")
    assert e.value.details["type"] == "too_large"
    assert str(len(data) - 1) in e.value.description
    # A bare payload is measured alone.
    body = json.dumps(PAYLOAD).encode()
    set_limits(max_frame_bytes=len(body) - 1)
    with pytest.raises(OcppError) as p:
        MeterValuesRequest.from_json(body)
    assert (p.value.code.value, p.value.message_id, p.value.details["type"]) == (
        "FormatViolation",
        None,
        "too_large",
    )


def test_batches_and_the_dispatcher_answer_an_oversized_frame_with_its_id() -> None:
    small, large = frame(PAYLOAD, "s1"), frame({**PAYLOAD, "evseId": 123456}, "big-1")
    set_limits(max_frame_bytes=len(small))
    result = decode_batch([small, large, small], "CS-1", threads=2)
    assert result.frame_rows == [1, 0, 1]
    errors = pa.table(result.errors).to_pylist()
    assert [(e["index"], e["message_id"], e["code"]) for e in errors] == [
        (1, "big-1", "FormatViolation")
    ]
    reply = result.replies[1]
    assert reply is not None and json.loads(reply)[:3] == [4, "big-1", "FormatViolation"]

    class Acknowledge:
        def on_meter_values(self, station: str, request: MeterValuesRequest) -> MeterValuesResponse:
            return MeterValuesResponse()

    answer = Dispatcher(Acknowledge()).dispatch("CS-1", large)
    assert answer is not None and json.loads(answer)[:3] == [4, "big-1", "FormatViolation"]


@pytest.mark.parametrize("depth", [64, MAX_DEPTH_LIMIT])
def test_the_depth_limit_holds_at_its_edge_everywhere(depth: int) -> None:
    set_limits(max_depth=depth, max_frame_bytes=1 << 20)
    ok, too_deep = with_custom(depth), with_custom(depth + 1)
    assert decode_call(ok).payload.custom_data is not None
    with pytest.raises(OcppError) as e:
        decode_call(too_deep)
    assert (e.value.code.value, e.value.details["type"]) == ("FormatViolation", "too_deep")
    assert str(depth) in e.value.description
    # Batch worker threads (2 MiB stacks) read the deepest nesting allowed too.
    result = decode_batch([ok, too_deep] * 4, "CS-1", threads=2)
    assert result.frame_rows == [1, 0] * 4
    # Values built in Python are held to the same limit.
    decoded = decode_call(ok).payload
    custom = decoded.custom_data
    assert custom is not None
    rebuilt = MeterValuesRequest(evse_id=1, meter_value=decoded.meter_value, custom_data=custom)
    assert rebuilt.to_json() == decoded.to_json()
    deeper = {"vendorId": "v", "x": [custom["x"]]}
    with pytest.raises(OcppError) as built:
        MeterValuesRequest(evse_id=1, meter_value=decoded.meter_value, custom_data=deeper)
    assert built.value.details["type"] == "too_deep"
