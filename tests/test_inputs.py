"""The input gate: bytes, bytearray, memoryview and str decode alike, and nothing is modified."""

from __future__ import annotations

import array
from typing import Any, Callable

import pytest
from ocpp_meter import (
    ErrorCode,
    MeterValuesRequest,
    OcppError,
    decode_call,
    decode_message,
    samples,
)

FRAME = samples.typical_frame(seed=3)


def as_inputs(raw: bytes) -> list[Any]:
    return [raw, bytearray(raw), memoryview(raw), raw.decode("utf-8")]


def outcome(fn: Callable[[Any], Any], data: Any) -> Any:
    try:
        return fn(data)
    except OcppError as e:
        return (e.code, e.path, e.message_id, e.description)


@pytest.mark.parametrize(
    "raw",
    [
        FRAME,
        samples.large_frame(seed=3),
        (
            b'[2,"m","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z",'
            b'"sampledValue":[{"value":1,"customData":{"vendorId":"\xc3\xa9\xe2\x82\xac","k":"\\u00e9"}}]}]}]'
        ),
        b'[2,"m","MeterValues",{"evseId":-1}]',
        b'[2,"m","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"x"}]}]',
        b"[2,",
    ],
)
def test_all_four_input_types_give_equal_results(raw: bytes) -> None:
    results = [outcome(decode_message, data) for data in as_inputs(raw)]
    assert all(r == results[0] for r in results[1:]), results


def test_the_callers_buffer_is_not_modified() -> None:
    buffer = bytearray(FRAME)
    view = memoryview(buffer)
    before = bytes(buffer)
    decode_call(buffer).payload.meter_value  # noqa: B018 - materialise everything
    decode_call(view)
    assert bytes(buffer) == before


def test_a_slice_of_a_larger_buffer_is_read_in_place() -> None:
    big = b"xxxx" + FRAME + b"yyyy"
    assert decode_call(memoryview(big)[4:-4]) == decode_call(FRAME)


def test_other_buffer_objects_of_bytes_are_accepted() -> None:
    assert decode_call(array.array("B", FRAME)) == decode_call(FRAME)


def test_non_contiguous_and_wrong_types_are_type_errors() -> None:
    with pytest.raises(TypeError):
        decode_call(memoryview(FRAME)[::2])
    with pytest.raises(TypeError):
        decode_call(12345)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        MeterValuesRequest.from_json(None)  # type: ignore[arg-type]


def test_invalid_utf8_is_a_format_violation_with_the_id() -> None:
    with pytest.raises(OcppError) as caught:
        decode_call(b'[2,"m","MeterValues",{"evseId":1,"x\xff":1}]')
    assert (caught.value.code, caught.value.message_id) == (ErrorCode.FORMAT_VIOLATION, "m")


def test_a_str_with_a_lone_surrogate_is_invalid_text_where_the_surrogate_is() -> None:
    with pytest.raises(OcppError) as caught:
        decode_call('[2,"m","MeterValues",{"evseId":1,"x\ud800":1}]')
    assert (caught.value.code, caught.value.message_id) == (ErrorCode.FORMAT_VIOLATION, "m")
    with pytest.raises(OcppError) as caught:
        decode_call('[2,"\ud800","MeterValues",{}]')
    assert (caught.value.code, caught.value.message_id) == (ErrorCode.RPC_FRAMEWORK_ERROR, "-1")
    with pytest.raises(OcppError) as caught:
        MeterValuesRequest.from_json('{"x\ud800":1}')
    assert caught.value.code is ErrorCode.FORMAT_VIOLATION


def test_large_inputs_decode_alike_from_many_threads() -> None:
    # Large immutable inputs are parsed with the interpreter released; results must not change.
    from concurrent.futures import ThreadPoolExecutor

    large = samples.frames(8, "large", seed=9)
    expected = [decode_call(f) for f in large]
    inputs = [f if i % 2 else f.decode() for i, f in enumerate(large)] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(decode_call, inputs))
    assert results == expected * 4
