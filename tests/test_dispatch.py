"""The dispatcher: every row of the contract's error table, sync and async handlers, replies."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import ocpp_meter
import pytest
from ocpp_meter import (
    CallError,
    CallResult,
    ChargingStationHandler,
    CSMSHandler,
    Dispatcher,
    ErrorCode,
    MeterValuesRequest,
    MeterValuesResponse,
    OcppError,
    current_call,
    decode_message,
)
from ocpp_meter import dispatch as dispatch_module

ROOT = Path(__file__).resolve().parents[1]

PAYLOAD = (
    '{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z",'
    '"sampledValue":[{"value":12.5,"measurand":"SoC","unitOfMeasure":{"unit":"Percent"}}]}]}'
)
GOOD = f'[2,"m-1","MeterValues",{PAYLOAD}]'.encode()


class Recorder:
    """A synchronous CSMS handler that records what it was given."""

    def __init__(self, response: Any = None) -> None:
        self.response = MeterValuesResponse() if response is None else response
        self.calls: list[tuple[str, MeterValuesRequest, Any]] = []

    def on_meter_values(
        self, charging_station_id: str, request: MeterValuesRequest
    ) -> MeterValuesResponse:
        self.calls.append((charging_station_id, request, current_call()))
        return self.response  # type: ignore[no-any-return]


class AsyncRecorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, MeterValuesRequest, Any]] = []

    async def on_meter_values(
        self, charging_station_id: str, request: MeterValuesRequest
    ) -> MeterValuesResponse:
        await asyncio.sleep(0)
        self.calls.append((charging_station_id, request, current_call()))
        return MeterValuesResponse(custom_data={"vendorId": "acme", "stored": 1})


class Returns:
    def __init__(self, value: object) -> None:
        self.value = value

    def on_meter_values(self, charging_station_id: str, request: MeterValuesRequest) -> Any:
        return self.value


class Raises:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def on_meter_values(self, charging_station_id: str, request: MeterValuesRequest) -> Any:
        raise self.error


def call_error(reply: bytes | None) -> CallError:
    assert reply is not None
    message = decode_message(reply)
    assert isinstance(message, CallError), reply
    return message


def both(dispatcher: Dispatcher, station: str, frame: Any) -> list[bytes | None]:
    """The reply of the synchronous and of the awaitable entry point."""
    return [
        dispatcher.dispatch(station, frame),
        asyncio.run(dispatcher.dispatch_async(station, frame)),
    ]


def test_a_valid_call_reaches_the_handler_and_gets_a_callresult() -> None:
    handler = Recorder()
    dispatcher = Dispatcher(handler)
    for reply in both(dispatcher, "CS-1", GOOD):
        assert reply == b'[3,"m-1",{}]'
    assert len(handler.calls) == 2
    station, request, context = handler.calls[0]
    assert station == "CS-1"
    assert request == MeterValuesRequest.from_json(PAYLOAD)
    assert context == ocpp_meter.CallContext("CS-1", "m-1", "MeterValues")
    assert current_call() is None  # reset after the handler


def test_the_current_call_is_a_context_variable_reset_even_when_the_handler_fails() -> None:
    # The synchronous dispatch sets it in the core: what a handler copies of its context keeps
    # the call after the dispatch, and a failing handler leaves nothing set behind it.
    copied: list[contextvars.Context] = []

    class Copies:
        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def on_meter_values(self, station: str, request: MeterValuesRequest) -> Any:
            copied.append(contextvars.copy_context())
            if self.fail:
                raise RuntimeError("boom")
            return MeterValuesResponse()

    assert Dispatcher(Copies(fail=False)).dispatch("CS-1", GOOD) == b'[3,"m-1",{}]'
    assert current_call() is None
    reply = Dispatcher(Copies(fail=True)).dispatch("CS-2", GOOD)
    assert reply is not None and call_error(reply).code is ErrorCode.INTERNAL_ERROR
    assert current_call() is None
    seen = [context.run(current_call) for context in copied]
    assert seen == [
        ocpp_meter.CallContext("CS-1", "m-1", "MeterValues"),
        ocpp_meter.CallContext("CS-2", "m-1", "MeterValues"),
    ]


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, str])
def test_every_buffer_kind_is_accepted(kind: type) -> None:
    frame = GOOD.decode() if kind is str else kind(GOOD)
    for reply in both(Dispatcher(Recorder()), "CS", frame):
        assert reply == b'[3,"m-1",{}]'


def test_an_async_handler_is_awaited_and_its_response_encoded() -> None:
    handler = AsyncRecorder()
    reply = asyncio.run(Dispatcher(handler).dispatch_async("CS-2", GOOD))
    assert reply == b'[3,"m-1",{"customData":{"vendorId":"acme","stored":1}}]'
    assert handler.calls[0][0] == "CS-2"
    assert handler.calls[0][2].message_id == "m-1"


def test_the_sync_entry_point_refuses_an_async_handler_without_leaking_it() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reply = Dispatcher(AsyncRecorder()).dispatch("CS", GOOD)
        gc.collect()
    error = call_error(reply)
    assert (error.code, error.message_id) == (ErrorCode.INTERNAL_ERROR, "m-1")
    assert not [w for w in caught if "never awaited" in str(w.message)]


# Every row of the error table that a frame (not a handler) causes, with the id and pointer.
FRAME_FAULTS = [
    # (frame, code, message id, path)
    (b"not json", "RpcFrameworkError", "-1", ""),
    (b'{"a":1}', "RpcFrameworkError", "-1", ""),
    (b"[2]", "RpcFrameworkError", "-1", ""),
    (b'[2,17,"MeterValues",{}]', "RpcFrameworkError", "-1", ""),
    (b'[2,"","MeterValues",{}]', "RpcFrameworkError", "-1", ""),
    (b'[2,"' + b"x" * 37 + b'","MeterValues",{}]', "RpcFrameworkError", "-1", ""),
    (b'[2,"m-2","MeterValues"]', "RpcFrameworkError", "m-2", ""),
    (b'[2,"m-3","MeterValues",{"evseId":1,', "FormatViolation", "m-3", ""),
    (b'[2,"m-4","MeterValues",{"evseId":1}] trailing', "FormatViolation", "m-4", ""),
    (b'[2,"m-5","MeterValues",[1]]', "FormatViolation", "m-5", ""),
    (b'[2,"m-6","MeterValues",{"evseId":1,"meterValue":"\xff"}]', "FormatViolation", "m-6", ""),
    (b'[7,"m-7","MeterValues",{}]', "MessageTypeNotSupported", "m-7", ""),
    (b'[2,"m-8","Heartbeat",{}]', "NotImplemented", "m-8", ""),
    (b'[2,"m-9","MeterValues",{"x":1,"evseId":1}]', "ProtocolError", "m-9", "/x"),
    (
        b'[2,"m-10","MeterValues",{"evseId":1}]',
        "OccurrenceConstraintViolation",
        "m-10",
        "/meterValue",
    ),
    (
        b'[2,"m-17","MeterValues",{"evseId":1,"meterValue":[]}]',
        "OccurrenceConstraintViolation",
        "m-17",
        "/meterValue",
    ),
    (b'[2,"m-11","MeterValues",{"evseId":"1"}]', "TypeConstraintViolation", "m-11", "/evseId"),
    (b'[2,"m-12","MeterValues",{"evseId":1.5}]', "TypeConstraintViolation", "m-12", "/evseId"),
    (b'[2,"m-13","MeterValues",{"evseId":-1}]', "PropertyConstraintViolation", "m-13", "/evseId"),
    (
        PAYLOAD.replace('"SoC"', '"Nope"').join([b'[2,"m-14","MeterValues",'.decode(), "]"]),
        "PropertyConstraintViolation",
        "m-14",
        "/meterValue/0/sampledValue/0/measurand",
    ),
    (
        PAYLOAD.replace("2024-05-01T12:00:00Z", "2024-13-01T12:00:00Z").join(
            ['[2,"m-15","MeterValues",', "]"]
        ),
        "PropertyConstraintViolation",
        "m-15",
        "/meterValue/0/timestamp",
    ),
    (
        b'[2,"m-16","MeterValues",{"evseId":1,"evseId":2}]',
        "PropertyConstraintViolation",
        "m-16",
        "/evseId",
    ),
]


@pytest.mark.parametrize(("frame", "code", "message_id", "path"), FRAME_FAULTS)
def test_frame_faults_follow_the_error_table(
    frame: bytes | str, code: str, message_id: str, path: str
) -> None:
    handler = Recorder()
    dispatcher = Dispatcher(handler)
    for reply in both(dispatcher, "CS", frame):
        error = call_error(reply)
        assert (error.code.value, error.message_id) == (code, message_id)
        assert error.details["path"] == path
        try:
            decode_message(frame)
        except OcppError as expected:  # the reply carries the core's own verdict
            assert error.description == expected.description
            assert error.details == expected.details
    assert handler.calls == []


def test_no_handler_registered_is_not_supported() -> None:
    dispatcher = Dispatcher()
    for reply in both(dispatcher, "CS", GOOD):
        error = call_error(reply)
        assert (error.code, error.message_id) == (ErrorCode.NOT_SUPPORTED, "m-1")
    handler = Recorder()
    dispatcher.register_csms_handler(handler)
    assert dispatcher.csms_handler is handler
    assert dispatcher.dispatch("CS", GOOD) == b'[3,"m-1",{}]'
    dispatcher.register_csms_handler(None)
    assert call_error(dispatcher.dispatch("CS", GOOD)).code is ErrorCode.NOT_SUPPORTED


def test_registering_an_object_without_the_method_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="on_meter_values"):
        Dispatcher().register_csms_handler(object())  # type: ignore[arg-type]


def test_handler_ocpp_error_gives_its_code_and_description() -> None:
    dispatcher = Dispatcher(Raises(OcppError(ErrorCode.SECURITY_ERROR, "station not accepted")))
    for reply in both(dispatcher, "CS", GOOD):
        error = call_error(reply)
        assert (error.code, error.message_id) == (ErrorCode.SECURITY_ERROR, "m-1")
        assert error.description == "station not accepted"
        assert error.details == {"path": ""}


def test_handler_ocpp_error_with_long_text_or_odd_details_still_gets_a_callerror() -> None:
    long_text = OcppError("GenericError", "é" * 400)
    error = call_error(Dispatcher(Raises(long_text)).dispatch("CS", GOOD))
    assert error.code is ErrorCode.GENERIC_ERROR and error.description == "é" * 255
    odd = OcppError("GenericError", "odd", {"path": "", "when": object()})
    error = call_error(Dispatcher(Raises(odd)).dispatch("CS", GOOD))
    assert (error.code, error.description, error.details) == (
        ErrorCode.GENERIC_ERROR,
        "odd",
        {"path": ""},
    )


def test_handler_crash_is_an_internal_error_without_traceback_on_the_wire(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = Dispatcher(Raises(KeyError("db-password-is-hunter2")))
    with caplog.at_level(logging.ERROR, logger="ocpp_meter.dispatch"):
        replies = both(dispatcher, "CS", GOOD)
    for reply in replies:
        assert reply is not None
        error = call_error(reply)
        assert (error.code, error.message_id) == (ErrorCode.INTERNAL_ERROR, "m-1")
        assert b"hunter2" not in reply and b"Traceback" not in reply and b"KeyError" not in reply
    # ... but the traceback is in the log, for the operator.
    assert any(
        record.exc_info and "hunter2" in str(record.exc_info[1]) for record in caplog.records
    )


def test_handler_returning_none_is_a_generic_error() -> None:
    for reply in both(Dispatcher(Returns(None)), "CS", GOOD):
        error = call_error(reply)
        assert (error.code, error.message_id) == (ErrorCode.GENERIC_ERROR, "m-1")


@pytest.mark.parametrize("wrong", [{}, b"{}", "ok", MeterValuesRequest.from_json(PAYLOAD), 0])
def test_handler_returning_the_wrong_type_is_an_internal_error(wrong: object) -> None:
    for reply in both(Dispatcher(Returns(wrong)), "CS", GOOD):
        error = call_error(reply)
        assert (error.code, error.message_id) == (ErrorCode.INTERNAL_ERROR, "m-1")


def test_the_response_is_valid_before_it_is_encoded() -> None:
    # A MeterValuesResponse cannot exist in an invalid state: construction validates it...
    with pytest.raises(OcppError) as caught:
        MeterValuesResponse(custom_data={})
    assert caught.value.path == "/customData/vendorId"
    # ...so the reply to a valid one is a CALLRESULT that decodes back against the schema.
    response = MeterValuesResponse(custom_data={"vendorId": "v", "n": [1]})
    reply = Dispatcher(Recorder(response)).dispatch("CS", GOOD)
    assert reply == b'[3,"m-1",{"customData":{"vendorId":"v","n":[1]}}]'
    decoded = decode_message(reply)
    assert isinstance(decoded, CallResult) and decoded.payload == response


@pytest.mark.parametrize(
    "frame",
    [
        b'[3,"r-1",{}]',
        b'[4,"r-2","GenericError","oops",{}]',
        # Broken replies get no reply either: OCPP-J answers CALLs only.
        b'[3,"r-3",{"unknown":1}]',
        b'[3,"r-4",{',
        b' [ 4 ,"r-5","NoSuchCode","",{}]',
        b'[4,"r-6"]',
        '[3,"r-7",[]]',
    ],
)
def test_callresult_and_callerror_frames_get_no_reply(frame: bytes | str) -> None:
    handler = Recorder()
    assert both(Dispatcher(handler), "CS", frame) == [None, None]
    assert handler.calls == []


def test_a_failing_handler_does_not_take_the_dispatcher_down() -> None:
    class Flaky:
        def __init__(self) -> None:
            self.count = 0

        def on_meter_values(self, station: str, request: MeterValuesRequest) -> Any:
            self.count += 1
            if self.count % 2:
                raise RuntimeError("boom")
            return MeterValuesResponse()

    dispatcher = Dispatcher(Flaky())
    codes = []
    for _ in range(4):
        reply = dispatcher.dispatch("CS", GOOD)
        assert reply is not None
        message = decode_message(reply)
        codes.append(message.code.value if isinstance(message, CallError) else "result")
    assert codes == ["InternalError", "result", "InternalError", "result"]


def test_a_rejected_frame_is_logged_once_with_station_id_message_id_code_and_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    frame = b'[2,"m-42","MeterValues",{"evseId":-3}]'
    with caplog.at_level(logging.DEBUG, logger="ocpp_meter"):
        Dispatcher(Recorder()).dispatch("CS-\n-7", frame)
    records = [r for r in caplog.records if r.name == "ocpp_meter.dispatch"]
    assert len(records) == 1
    text = records[0].getMessage()
    assert records[0].levelno == logging.WARNING
    for part in ("'CS-\\n-7'", "'m-42'", "PropertyConstraintViolation", "'/evseId'"):
        assert part in text  # ids are quoted: a station cannot forge log lines
    assert "\n" not in text


def test_large_frames_are_decoded_off_the_event_loop_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[int] = []
    real = dispatch_module.decode_message

    def spy(frame: Any, action: str = "MeterValues") -> Any:
        threads.append(threading.get_ident())
        return real(frame, action)

    monkeypatch.setattr(dispatch_module, "decode_message", spy)
    sampled = ",".join(f'{{"value":{i}.5,"measurand":"SoC"}}' for i in range(3000))
    large = (
        '[2,"big","MeterValues",{"evseId":1,"meterValue":[{"timestamp":'
        f'"2024-05-01T12:00:00Z","sampledValue":[{sampled}]}}]}}]'
    ).encode()
    assert len(large) > dispatch_module.OFFLOAD_THRESHOLD

    async def main() -> tuple[int, list[bytes | None]]:
        dispatcher = Dispatcher(Recorder())
        replies = [
            await dispatcher.dispatch_async("CS", GOOD),
            await dispatcher.dispatch_async("CS", large),
        ]
        return threading.get_ident(), replies

    loop_thread, replies = asyncio.run(main())
    assert replies == [b'[3,"m-1",{}]', b'[3,"big",{}]']
    assert threads[0] == loop_thread  # small frame: decoded inline
    assert threads[1] != loop_thread  # large frame: decoded on a worker thread


def test_protocols_are_exported_and_runtime_checkable() -> None:
    # A MeterValues-only handler is a MeterValuesHandler; a CSMSHandler implements both actions.
    assert isinstance(Recorder(), ocpp_meter.MeterValuesHandler)
    assert isinstance(AsyncRecorder(), ocpp_meter.MeterValuesHandler)
    assert not isinstance(Recorder(), CSMSHandler)
    assert not isinstance(Recorder(), ocpp_meter.TransactionEventHandler)
    assert not isinstance(object(), CSMSHandler)
    assert isinstance(object(), ChargingStationHandler)  # empty: nothing to implement yet
    assert ocpp_meter.Dispatcher is Dispatcher


def test_mypy_accepts_sync_and_async_handlers_and_rejects_a_wrong_one() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "tests/typing/dispatch_usage.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if ": error:" in line]
    # Exactly one error, on the line marked as the misuse.
    assert len(lines) == 1, result.stdout
    assert "WrongHandler" in lines[0] or "wrong" in lines[0].lower(), lines[0]
    source = (ROOT / "tests/typing/dispatch_usage.py").read_text().splitlines()
    line_number = int(lines[0].split(":")[1])
    assert "misuse" in source[line_number - 1]


def test_results_and_errors_reach_callresult_and_callerror_types() -> None:
    # The replies decode as the core's frame types: a reply is always a well-formed frame.
    assert isinstance(
        decode_message(Dispatcher(Recorder()).dispatch("CS", GOOD) or b""), CallResult
    )


def test_an_unimplemented_action_is_logged_at_info_not_as_a_broken_frame(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="ocpp_meter"):
        reply = Dispatcher(Recorder()).dispatch("CS", b'[2,"hb","Heartbeat",{}]')
    assert call_error(reply).code is ErrorCode.NOT_IMPLEMENTED
    records = [r for r in caplog.records if r.name == "ocpp_meter.dispatch"]
    assert [(r.levelno, "'hb'" in r.getMessage()) for r in records] == [(logging.INFO, True)]


QUIRKY = GOOD.replace(b'12:00:00Z"', b'12:00:00"').replace(b'"value":12.5', b'"value":" 12.5"')


def test_profiles_are_chosen_per_dispatcher_and_per_station(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = Recorder()
    dispatcher = Dispatcher(handler, station_profiles={"OLD-FW": "lenient"})
    assert (dispatcher.profile_for("OLD-FW"), dispatcher.profile_for("CS-1")) == (
        "lenient",
        "strict",
    )
    strict_reply = call_error(dispatcher.dispatch("CS-1", QUIRKY))
    assert strict_reply.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    with caplog.at_level(logging.INFO, logger="ocpp_meter.dispatch"):
        for reply in both(dispatcher, "OLD-FW", QUIRKY):
            assert reply == b'[3,"m-1",{}]'
    request = handler.calls[-1][1]
    assert [(w.code, w.path, w.raw) for w in request.warnings] == [
        ("timestamp_without_offset", "/meterValue/0/timestamp", "2024-05-01T12:00:00"),
        ("numeric_string", "/meterValue/0/sampledValue/0/value", " 12.5"),
    ]
    assert request.meter_value[0].sampled_value[0].value == 12.5
    logged = [r.getMessage() for r in caplog.records if "deviation" in r.getMessage()]
    assert len(logged) == 2 and "'OLD-FW'" in logged[0] and "numeric_string" in logged[0]
    # A station's profile can change while it is connected, and fall back to the default.
    dispatcher.set_station_profile("CS-1", "off")
    assert dispatcher.dispatch("CS-1", QUIRKY) == b'[3,"m-1",{}]'
    dispatcher.set_station_profile("CS-1", None)
    assert call_error(dispatcher.dispatch("CS-1", QUIRKY)).message_id == "m-1"
    everyone = Dispatcher(handler, profile="lenient")
    assert everyone.dispatch("ANY", QUIRKY) == b'[3,"m-1",{}]'


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError):
        Dispatcher(profile="loose")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Dispatcher(station_profiles={"CS": "none"})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        Dispatcher().set_station_profile("CS", "Strict")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ocpp_meter.decode_call(GOOD, profile="relaxed")  # type: ignore[arg-type]


# Dialects: OCPP 2.0.1 (the default) or 2.1, for the dispatcher and per call.

ONLY_21 = (
    b'[2,"m-21","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z",'
    b'"sampledValue":[{"value":80,"measurand":"Display.PresentSOC","location":"Upstream"}]}]}]'
)
ONLY_21_PATH = "/meterValue/0/sampledValue/0/measurand"


def both_in(
    dispatcher: Dispatcher, station: str, frame: Any, dialect: Any = None
) -> list[bytes | None]:
    """``both`` with a per-call ``dialect``."""
    return [
        dispatcher.dispatch(station, frame, dialect=dialect),
        asyncio.run(dispatcher.dispatch_async(station, frame, dialect=dialect)),
    ]


def test_the_default_dialect_is_201_and_refuses_what_only_21_allows() -> None:
    handler = Recorder()
    dispatcher = Dispatcher(handler)
    assert dispatcher.dialect == "2.0.1"
    for reply in [*both(dispatcher, "CS-1", ONLY_21), *both_in(dispatcher, "CS-1", ONLY_21)]:
        error = call_error(reply)
        assert (error.message_id, error.code, error.details["path"]) == (
            "m-21",
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            ONLY_21_PATH,
        )
    assert handler.calls == []
    assert both(dispatcher, "CS-1", GOOD) == [b'[3,"m-1",{}]'] * 2


def test_a_21_dispatcher_hands_21_requests_to_the_handler() -> None:
    handler = Recorder()
    dispatcher = Dispatcher(handler, dialect="2.1")
    assert dispatcher.dialect == "2.1"
    assert both(dispatcher, "CS-21", ONLY_21) == [b'[3,"m-21",{}]'] * 2
    assert both(dispatcher, "CS-21", GOOD) == [b'[3,"m-1",{}]'] * 2  # 2.0.1 frames are 2.1 too
    sampled = handler.calls[0][1].meter_value[0].sampled_value[0]
    assert sampled.measurand is ocpp_meter.Measurand.DISPLAY_PRESENT_SOC
    assert sampled.location is ocpp_meter.Location.UPSTREAM
    assert handler.calls[0][2].message_id == "m-21"


def test_a_call_may_name_its_own_dialect() -> None:
    handler = Recorder()
    default, newer = Dispatcher(handler), Dispatcher(handler, dialect="2.1")
    assert both_in(default, "CS-1", ONLY_21, "2.1") == [b'[3,"m-21",{}]'] * 2
    for reply in both_in(newer, "CS-1", ONLY_21, "2.0.1"):
        assert call_error(reply).code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    # None is the dispatcher's own; the override is for that call only.
    assert both_in(newer, "CS-1", ONLY_21, None) == [b'[3,"m-21",{}]'] * 2
    assert call_error(default.dispatch("CS-1", ONLY_21)).code.value == "PropertyConstraintViolation"
    assert len(handler.calls) == 4


def test_the_dialect_reaches_frames_decoded_on_a_worker_thread() -> None:
    handler = Recorder()
    dispatcher = Dispatcher(handler, offload_threshold=0)  # every frame goes to a thread
    assert asyncio.run(dispatcher.dispatch_async("CS-1", ONLY_21, dialect="2.1")) == (
        b'[3,"m-21",{}]'
    )
    reply = asyncio.run(dispatcher.dispatch_async("CS-1", ONLY_21))
    assert call_error(reply).details["path"] == ONLY_21_PATH
    assert len(handler.calls) == 1


def test_dialect_and_profile_combine() -> None:
    """Under the lenient profile a 2.1 measurand on a 2.0.1 dispatcher is an unknown enum value,
    accepted and reported; in 2.1 it is simply valid."""
    handler = Recorder()
    lenient = Dispatcher(handler, profile="lenient")
    assert lenient.dispatch("CS-1", ONLY_21) == b'[3,"m-21",{}]'
    assert [(w.code, w.path) for w in handler.calls[-1][1].warnings] == [
        ("unknown_enum_value", ONLY_21_PATH),
        ("unknown_enum_value", "/meterValue/0/sampledValue/0/location"),
    ]
    assert lenient.dispatch("CS-1", ONLY_21, dialect="2.1") == b'[3,"m-21",{}]'
    assert handler.calls[-1][1].warnings == ()
    quirky_21 = ONLY_21.replace(b"12:00:00Z", b"12:00:00")
    reply = Dispatcher(handler, dialect="2.1", station_profiles={"OLD": "lenient"}).dispatch(
        "OLD", quirky_21
    )
    assert reply == b'[3,"m-21",{}]'
    assert [w.code for w in handler.calls[-1][1].warnings] == ["timestamp_without_offset"]


def test_an_unknown_dialect_is_refused() -> None:
    for dialect in ("2.0", "2.2", "ocpp2.1", ""):
        with pytest.raises(ValueError, match="dialect"):
            Dispatcher(dialect=dialect)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="dialect"):
            Dispatcher().dispatch("CS-1", GOOD, dialect=dialect)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="dialect"):
            asyncio.run(Dispatcher().dispatch_async("CS-1", GOOD, dialect=dialect))  # type: ignore[arg-type]
