"""OCPP-J frames: decode_call, decode_message and the three encoders, with the contract's codes."""

from __future__ import annotations

import orjson
import pytest
from ocpp_meter import (
    Call,
    CallError,
    CallResult,
    ErrorCode,
    MeterValuesRequest,
    MeterValuesResponse,
    OcppError,
    decode_call,
    decode_message,
    encode_call,
    encode_call_error,
    encode_call_result,
    samples,
)

PAYLOAD = (
    b'{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z",'
    b'"sampledValue":[{"value":1.5}]}]}'
)


def call(payload: bytes = PAYLOAD, message_id: bytes = b'"m1"') -> bytes:
    return b"[2," + message_id + b',"MeterValues",' + payload + b"]"


def test_decode_call_gives_a_typed_request() -> None:
    c = decode_call(call())
    assert isinstance(c, Call)
    assert (c.message_id, c.action) == ("m1", "MeterValues")
    assert c.payload == MeterValuesRequest.from_json(PAYLOAD)
    assert c.payload.meter_value[0].sampled_value[0].value == 1.5


def test_decode_message_gives_each_message_type() -> None:
    assert isinstance(decode_message(call()), Call)
    result = decode_message(b'[3,"m1",{"customData":{"vendorId":"acme","x":[1]}}]')
    assert isinstance(result, CallResult)
    assert result.payload.custom_data == {"vendorId": "acme", "x": [1]}
    error = decode_message(b'[4,"m1","NotSupported","no handler",{"a":1}]')
    assert isinstance(error, CallError)
    assert (error.code, error.description, error.details) == (
        ErrorCode.NOT_SUPPORTED,
        "no handler",
        {"a": 1},
    )


# One line per row of the contract's error table that a frame can hit: (frame, code, id, path).
FRAME_CASES = [
    (b"", "RpcFrameworkError", "-1", ""),
    (b"not json", "RpcFrameworkError", "-1", ""),
    (b'{"a":1}', "RpcFrameworkError", "-1", ""),
    (b"[2]", "RpcFrameworkError", "-1", ""),
    (b'[2,17,"MeterValues",{}]', "RpcFrameworkError", "-1", ""),
    (b'[2,"","MeterValues",{}]', "RpcFrameworkError", "-1", ""),
    (b'[2,"' + b"x" * 37 + b'","MeterValues",{}]', "RpcFrameworkError", "-1", ""),
    (b'[2,"m1","MeterValues",{"evseId":1', "FormatViolation", "m1", ""),
    (b'[2,"m1","MeterValues",{"evseId":-1,}]', "FormatViolation", "m1", ""),
    (b'[2,"m1","MeterValues",{}] x', "FormatViolation", "m1", ""),
    (b'[2,"m1","MeterValues",[]]', "FormatViolation", "m1", ""),
    (b'[2,"m1","MeterValues","\xff"]', "FormatViolation", "m1", ""),
    (b'[9,"m1","MeterValues",{}]', "MessageTypeNotSupported", "m1", ""),
    (b'["2","m1","MeterValues",{}]', "MessageTypeNotSupported", "m1", ""),
    (b'[2,"m1","MeterValues"]', "RpcFrameworkError", "m1", ""),
    (b'[2,"m1","MeterValues",{},{}]', "RpcFrameworkError", "m1", ""),
    (b'[2,"m1","Heartbeat",{}]', "NotImplemented", "m1", ""),
    (
        call(b'{"evseId":1,"meterValue":[],"x":1}'),
        "OccurrenceConstraintViolation",
        "m1",
        "/meterValue",
    ),
    (call(b'{"evseId":1,"x":1}'), "ProtocolError", "m1", "/x"),
    (call(b'{"evseId":"1"}'), "TypeConstraintViolation", "m1", "/evseId"),
    (call(b'{"evseId":-1}'), "PropertyConstraintViolation", "m1", "/evseId"),
    (b'[4,"m1","NoSuchCode","x",{}]', "RpcFrameworkError", "m1", ""),
    (b'[4,"m1","GenericError","' + b"d" * 256 + b'",{}]', "RpcFrameworkError", "m1", ""),
    (b'[4,"m1","GenericError","d",[]]', "RpcFrameworkError", "m1", ""),
]


@pytest.mark.parametrize(("frame", "code", "message_id", "path"), FRAME_CASES)
def test_frame_faults_follow_the_contract(
    frame: bytes, code: str, message_id: str, path: str
) -> None:
    with pytest.raises(OcppError) as caught:
        decode_message(frame)
    e = caught.value
    assert (e.code.value, e.message_id, e.path) == (code, message_id, path), e.description
    assert e.details["path"] == path
    assert 0 < len(e.description) <= 255


def test_decode_call_refuses_replies_but_names_them() -> None:
    with pytest.raises(OcppError) as caught:
        decode_call(b'[3,"m1",{}]')
    assert caught.value.code is ErrorCode.RPC_FRAMEWORK_ERROR
    assert caught.value.message_id == "m1"


def test_callresult_payload_is_validated() -> None:
    with pytest.raises(OcppError) as caught:
        decode_message(b'[3,"m1",{"customData":{}}]')
    assert (caught.value.code, caught.value.path) == (
        ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
        "/customData/vendorId",
    )


def test_unknown_result_action_is_not_implemented() -> None:
    with pytest.raises(OcppError) as caught:
        decode_message(b'[3,"m1",{}]', action="Heartbeat")
    assert caught.value.code is ErrorCode.NOT_IMPLEMENTED


def test_encoders_build_compact_frames_that_decode_back() -> None:
    request = MeterValuesRequest.from_json(PAYLOAD)
    frame = encode_call("m1", request)
    assert frame == b'[2,"m1","MeterValues",' + request.to_json() + b"]"
    assert decode_call(frame).payload == request
    assert encode_call_result("m1", MeterValuesResponse()) == b'[3,"m1",{}]'
    error = encode_call_error("m1", ErrorCode.NOT_SUPPORTED, "no handler", {"n": [1, 2.5]})
    assert error == b'[4,"m1","NotSupported","no handler",{"n":[1,2.5]}]'
    assert orjson.loads(encode_call_error("m1", "GenericError")) == [
        4,
        "m1",
        "GenericError",
        "",
        {},
    ]
    decoded = decode_message(error)
    assert decoded == CallError("m1", ErrorCode.NOT_SUPPORTED, "no handler", {"n": [1, 2.5]})


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (("", MeterValuesResponse()), "/messageId"),
        (("x" * 37, MeterValuesResponse()), "/messageId"),
    ],
)
def test_encoders_reject_bad_message_ids(args: tuple[str, MeterValuesResponse], path: str) -> None:
    with pytest.raises(OcppError) as caught:
        encode_call_result(*args)
    assert caught.value.path == path


def test_encode_call_error_checks_its_arguments() -> None:
    with pytest.raises(OcppError) as caught:
        encode_call_error("m1", "Nope")
    assert caught.value.path == "/errorCode"
    with pytest.raises(OcppError) as caught:
        encode_call_error("m1", "GenericError", "d" * 256)
    assert caught.value.path == "/errorDescription"
    with pytest.raises(OcppError) as caught:
        encode_call_error("m1", "GenericError", "", {"bad": float("nan")})
    assert caught.value.path == "/errorDetails/bad"


def test_sample_frames_round_trip_through_the_encoder() -> None:
    for kind in samples.FRAME_KINDS:
        for frame in samples.frames(3, kind, seed=11):
            c = decode_call(frame)
            again = decode_call(encode_call(c.message_id, c.payload))
            assert again == c
            # Same data as the input, modulo number spelling and timestamps re-encoded in UTC.
            assert (
                orjson.loads(encode_call(c.message_id, c.payload))[3]["evseId"]
                == (orjson.loads(frame)[3]["evseId"])
            )


def test_message_id_escapes_are_decoded() -> None:
    assert decode_call(call(message_id=b'"a\\u0062c"')).message_id == "abc"
