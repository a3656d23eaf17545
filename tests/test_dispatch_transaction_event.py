"""The dispatcher routes TransactionEvent to ``on_transaction_event``: plain and async handlers,
either method or both, the contract's error table for what a handler returns, and the rules of
OCPP a TransactionEvent response is held to before it is sent (``ocpp_meter.response_rules``)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from ocpp_meter import (
    AuthorizationStatus,
    CallContext,
    CallError,
    CallResult,
    CSMSHandler,
    Dispatcher,
    ErrorCode,
    IdToken,
    IdTokenInfo,
    MessageContent,
    MeterValuesRequest,
    MeterValuesResponse,
    OcppError,
    TransactionEventHandler,
    TransactionEventRequest,
    TransactionEventResponse,
    TransactionLimit,
    current_call,
    decode_message,
    new_transaction_event_response,
)

METER_VALUES = (
    '[2,"mv-1","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z",'
    '"sampledValue":[{"value":1.5}]}]}]'
)
TOKEN = {"idToken": "04A2B3", "type": "ISO14443"}


def event(event_type: str = "Updated", token: bool = False, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "eventType": event_type,
        "timestamp": "2024-05-01T12:00:00Z",
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 1,
        "transactionInfo": {"transactionId": "tx-1"},
        **extra,
    }
    if token:
        payload["idToken"] = TOKEN
    return payload


def frame(payload: dict[str, Any], message_id: str = "te-1") -> str:
    return json.dumps([2, message_id, "TransactionEvent", payload])


class Events:
    """Handles TransactionEvent only, answering ``response`` (or the status its token needs)."""

    def __init__(self, response: Any = "auto") -> None:
        self.response = response
        self.calls: list[tuple[str, TransactionEventRequest, CallContext | None]] = []

    def on_transaction_event(
        self, charging_station_id: str, request: TransactionEventRequest
    ) -> Any:
        self.calls.append((charging_station_id, request, current_call()))
        if self.response == "auto":
            return new_transaction_event_response("Accepted" if request.id_token else None)
        return self.response


class AsyncEvents(Events):
    async def on_transaction_event(
        self, charging_station_id: str, request: TransactionEventRequest
    ) -> Any:
        await asyncio.sleep(0)
        return Events.on_transaction_event(self, charging_station_id, request)


class Both(Events):
    """A CSMSHandler: both actions."""

    def __init__(self, response: Any = "auto") -> None:
        super().__init__(response)
        self.meter_values: list[MeterValuesRequest] = []

    def on_meter_values(self, charging_station_id: str, request: MeterValuesRequest) -> Any:
        self.meter_values.append(request)
        return MeterValuesResponse()


def replies(dispatcher: Dispatcher, data: str, **kw: Any) -> list[bytes | None]:
    """The reply of the synchronous and of the awaitable entry point."""
    return [
        dispatcher.dispatch("CS-1", data, **kw),
        asyncio.run(dispatcher.dispatch_async("CS-1", data, **kw)),
    ]


def result_of(reply: bytes | None, dialect: str = "2.1") -> TransactionEventResponse:
    assert reply is not None
    message = decode_message(reply, "TransactionEvent", dialect=dialect)  # type: ignore[arg-type]
    assert isinstance(message, CallResult), reply
    assert isinstance(message.payload, TransactionEventResponse)
    return message.payload


def error_of(reply: bytes | None) -> CallError:
    assert reply is not None
    message = decode_message(reply)
    assert isinstance(message, CallError), reply
    return message


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, str])
def test_a_transaction_event_reaches_on_transaction_event_and_gets_its_response(
    kind: type,
) -> None:
    handler = Events()
    text = frame(event("Started", token=True))
    data: Any = text if kind is str else kind(text.encode())
    for reply in replies(Dispatcher(handler), data):
        assert result_of(reply).id_token_info == IdTokenInfo(status=AuthorizationStatus.ACCEPTED)
        assert reply == b'[3,"te-1",{"idTokenInfo":{"status":"Accepted"}}]'
    station, request, context = handler.calls[0]
    assert station == "CS-1"
    assert request == TransactionEventRequest.from_json(json.dumps(event("Started", token=True)))
    assert context == CallContext("CS-1", "te-1", "TransactionEvent")
    assert current_call() is None


def test_an_async_handler_is_awaited_by_dispatch_async_and_refused_by_dispatch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = AsyncEvents()
    dispatcher = Dispatcher(handler)
    reply = asyncio.run(dispatcher.dispatch_async("CS-1", frame(event(token=True))))
    assert result_of(reply).id_token_info is not None
    assert handler.calls[0][2] == CallContext("CS-1", "te-1", "TransactionEvent")
    with caplog.at_level(logging.ERROR, logger="ocpp_meter.dispatch"):
        sync_reply = dispatcher.dispatch("CS-1", frame(event(), "te-2"))
    assert error_of(sync_reply).code is ErrorCode.INTERNAL_ERROR
    assert "dispatch_async" in caplog.text


def test_a_handler_of_one_action_answers_the_other_not_supported() -> None:
    events_only = Dispatcher(Events())
    for reply in replies(events_only, METER_VALUES):
        error = error_of(reply)
        assert (error.code, error.message_id) == (ErrorCode.NOT_SUPPORTED, "mv-1")

    class MeterOnly:
        def on_meter_values(self, station: str, request: MeterValuesRequest) -> Any:
            return MeterValuesResponse()

    for reply in replies(Dispatcher(MeterOnly()), frame(event())):
        assert error_of(reply).code is ErrorCode.NOT_SUPPORTED
    for reply in replies(Dispatcher(), frame(event())):
        assert error_of(reply).code is ErrorCode.NOT_SUPPORTED


def test_a_handler_of_both_actions_gets_each_frame_at_its_method() -> None:
    handler = Both()
    assert isinstance(handler, CSMSHandler)
    dispatcher = Dispatcher(handler)
    assert replies(dispatcher, METER_VALUES) == [b'[3,"mv-1",{}]'] * 2
    assert replies(dispatcher, frame(event())) == [b'[3,"te-1",{}]'] * 2
    assert len(handler.meter_values) == 2 and len(handler.calls) == 2


def test_registration_takes_either_method_and_refuses_neither() -> None:
    dispatcher = Dispatcher()
    events = Events()
    assert isinstance(events, TransactionEventHandler)
    dispatcher.register_csms_handler(events)
    assert dispatcher.csms_handler is events
    assert result_of(dispatcher.dispatch("CS", frame(event()))) == TransactionEventResponse()
    with pytest.raises(TypeError, match="on_transaction_event"):
        dispatcher.register_csms_handler(object())  # type: ignore[arg-type]
    dispatcher.register_csms_handler(None)
    assert error_of(dispatcher.dispatch("CS", frame(event()))).code is ErrorCode.NOT_SUPPORTED


@pytest.mark.parametrize(
    ("returned", "code"),
    [
        (MeterValuesResponse(), ErrorCode.INTERNAL_ERROR),
        ({"idTokenInfo": {"status": "Accepted"}}, ErrorCode.INTERNAL_ERROR),
        (b"{}", ErrorCode.INTERNAL_ERROR),
        (None, ErrorCode.GENERIC_ERROR),
    ],
    ids=["meter-values-response", "dict", "bytes", "none"],
)
def test_a_wrong_return_type_is_answered_by_the_error_table_and_logged(
    returned: Any, code: ErrorCode, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ocpp_meter.dispatch"):
        for handler in (Events(returned), AsyncEvents(returned)):
            reply = asyncio.run(Dispatcher(handler).dispatch_async("CS-1", frame(event())))
            error = error_of(reply)
            assert (error.code, error.message_id) == (code, "te-1")
            assert "TransactionEvent" in error.description
            assert type(returned).__name__ not in error.description  # logged, not sent
    assert "te-1" in caplog.text


def test_a_transaction_event_response_to_meter_values_is_an_internal_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Confused(Both):
        def on_meter_values(self, charging_station_id: str, request: MeterValuesRequest) -> Any:
            return TransactionEventResponse()

    with caplog.at_level(logging.ERROR, logger="ocpp_meter.dispatch"):
        for reply in replies(Dispatcher(Confused()), METER_VALUES):
            assert error_of(reply).code is ErrorCode.INTERNAL_ERROR
    assert "not a MeterValuesResponse" in caplog.text


def test_what_the_handler_raises_becomes_the_callerror() -> None:
    class Refuses(Events):
        def on_transaction_event(self, station: str, request: TransactionEventRequest) -> Any:
            raise OcppError("SecurityError", "unknown station")

    class Crashes(Events):
        def on_transaction_event(self, station: str, request: TransactionEventRequest) -> Any:
            raise KeyError("secret internals")

    for reply in replies(Dispatcher(Refuses()), frame(event())):
        error = error_of(reply)
        assert (error.code, error.description) == (ErrorCode.SECURITY_ERROR, "unknown station")
    for reply in replies(Dispatcher(Crashes()), frame(event())):
        error = error_of(reply)
        assert error.code is ErrorCode.INTERNAL_ERROR
        assert "secret" not in error.description and "KeyError" not in error.description


INFO = IdTokenInfo(status="Accepted")


@pytest.mark.parametrize(
    ("payload", "response", "dialect", "rule"),
    [
        # idTokenInfo is required when the request carried an idToken.
        (event("Started", token=True), TransactionEventResponse(), "2.0.1", "idTokenInfo"),
        (event("Ended", token=True), TransactionEventResponse(total_cost=1.0), "2.1", "idToken"),
        # OCPP 2.0.1: totalCost only once charging has ended.
        (event("Updated"), TransactionEventResponse(total_cost=2.5), "2.0.1", "totalCost"),
        (event("Started"), TransactionEventResponse(total_cost=0.0), "2.0.1", "totalCost"),
        # chargingPriority within -9..9, in the response and in its idTokenInfo.
        (event(), TransactionEventResponse(charging_priority=10), "2.0.1", "chargingPriority"),
        (
            event(token=True),
            TransactionEventResponse(
                id_token_info=IdTokenInfo(status="Accepted", charging_priority=-10)
            ),
            "2.1",
            "chargingPriority",
        ),
        # language2 only beside a different language1.
        (
            event(token=True),
            TransactionEventResponse(id_token_info=IdTokenInfo(status="Blocked", language2="en")),
            "2.0.1",
            "language2",
        ),
        (
            event(token=True),
            TransactionEventResponse(
                id_token_info=IdTokenInfo(status="Accepted", language1="nl", language2="nl")
            ),
            "2.0.1",
            "language2",
        ),
        # The connection's schema: what only 2.1 allows on 2.0.1, what 2.1 forbids on 2.1.
        (
            event(),
            TransactionEventResponse(transaction_limit=TransactionLimit(max_soc=80)),
            "2.0.1",
            "transactionLimit",
        ),
        (
            event(),
            TransactionEventResponse(
                updated_personal_message=MessageContent(format="QRCODE", content="x")
            ),
            "2.0.1",
            "QRCODE",
        ),
        (
            event(),
            TransactionEventResponse(
                updated_personal_message=MessageContent(format="UTF8", content="c" * 513)
            ),
            "2.0.1",
            "maxLength",
        ),
        (
            event(token=True),
            TransactionEventResponse(id_token_info=IdTokenInfo(status="Accepted", evse_id=[-1])),
            "2.1",
            "minimum",
        ),
    ],
)
def test_a_response_ocpp_forbids_is_an_internal_error_and_logged(
    payload: dict[str, Any],
    response: TransactionEventResponse,
    dialect: str,
    rule: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = Dispatcher(Events(response), dialect=dialect)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="ocpp_meter.dispatch"):
        for reply in replies(dispatcher, frame(payload)):
            error = error_of(reply)
            assert (error.code, error.message_id) == (ErrorCode.INTERNAL_ERROR, "te-1")
            assert rule not in error.description  # the why is logged, not sent
    forbidden = [r for r in caplog.records if "OCPP forbids" in r.getMessage()]
    assert len(forbidden) == 2 and rule in forbidden[0].getMessage()


@pytest.mark.parametrize(
    ("payload", "response", "dialect"),
    [
        (event("Started", token=True), new_transaction_event_response("Accepted"), "2.0.1"),
        (event("Ended"), TransactionEventResponse(total_cost=0.0), "2.0.1"),
        (event("Updated"), TransactionEventResponse(total_cost=3.2), "2.1"),  # running cost
        (event(), TransactionEventResponse(id_token_info=INFO), "2.0.1"),  # no token: allowed
        (
            event(token=True),
            TransactionEventResponse(
                charging_priority=-9,
                id_token_info=IdTokenInfo(
                    status="Accepted",
                    charging_priority=9,
                    language1="en",
                    language2="nl",
                    evse_id=[-1],
                ),
                updated_personal_message=MessageContent(format="UTF8", content="c" * 512),
            ),
            "2.0.1",
        ),
        (
            event(token=True),
            TransactionEventResponse(
                id_token_info=IdTokenInfo(status="Accepted", evse_id=[0, 2]),
                transaction_limit=TransactionLimit(max_soc=80),
                updated_personal_message=MessageContent(format="QRCODE", content="c" * 1024),
                updated_personal_message_extra=[MessageContent(format="UTF8", content="x")],
            ),
            "2.1",
        ),
    ],
)
def test_a_response_within_the_rules_is_sent(
    payload: dict[str, Any], response: TransactionEventResponse, dialect: str
) -> None:
    dispatcher = Dispatcher(Events(response), dialect=dialect)  # type: ignore[arg-type]
    for reply in replies(dispatcher, frame(payload)):
        assert result_of(reply, dialect) == response


def test_the_dialect_of_the_call_overrides_the_dispatchers_for_request_and_response() -> None:
    limited = TransactionEventResponse(transaction_limit=TransactionLimit(max_time=60))
    dispatcher = Dispatcher(Events(limited))  # 2.0.1 by default
    payload = event(triggerReason="RunningCost")  # a 2.1 trigger reason
    for reply in replies(dispatcher, frame(payload)):
        error = error_of(reply)
        assert (error.code, error.details["path"]) == (
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            "/triggerReason",
        )
    for reply in replies(dispatcher, frame(payload), dialect="2.1"):
        assert result_of(reply) == limited
    # The request is valid 2.0.1, the response is not: refused on a 2.0.1 connection.
    assert error_of(dispatcher.dispatch("CS", frame(event()), dialect="2.0.1")).code is (
        ErrorCode.INTERNAL_ERROR
    )


def test_a_lenient_station_profile_hands_over_the_warnings() -> None:
    handler = Events()
    dispatcher = Dispatcher(handler, station_profiles={"CS-1": "lenient"})
    payload = event(timestamp="2024-05-01T12:00:00")  # no offset: a known firmware deviation
    for reply in replies(dispatcher, frame(payload)):
        assert result_of(reply) == TransactionEventResponse()
    request = handler.calls[0][1]
    assert [w.code for w in request.warnings] == ["timestamp_without_offset"]
    strict = Dispatcher(Events())
    error = error_of(strict.dispatch("CS-1", frame(payload)))
    assert (error.code, error.details["path"]) == (
        ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
        "/timestamp",
    )


def test_new_transaction_event_response_builds_what_a_handler_returns() -> None:
    assert new_transaction_event_response() == TransactionEventResponse()
    accepted = new_transaction_event_response(AuthorizationStatus.ACCEPTED)
    assert accepted == TransactionEventResponse(id_token_info=INFO)
    assert new_transaction_event_response("Blocked").to_json() == (
        b'{"idTokenInfo":{"status":"Blocked"}}'
    )
    info = IdTokenInfo(status="Accepted", group_id_token=IdToken("g", "Central"))
    assert new_transaction_event_response(info).id_token_info == info
    with pytest.raises(OcppError) as caught:
        new_transaction_event_response("Maybe")
    assert (caught.value.code, caught.value.path) == (
        ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
        "/status",
    )


def test_the_readme_handler_of_both_actions_runs_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    (example,) = [
        b for b in re.findall(r"```python\n(.*?)```", readme, re.DOTALL) if "class Csms" in b
    ]
    # Its one top-level await, run as the event loop would.
    body = example.replace(
        'reply = await dispatcher.dispatch_async("CS-1", frame)  # in a coroutine',
        'reply = asyncio.run(dispatcher.dispatch_async("CS-1", frame))',
    )
    assert body != example
    namespace: dict[str, Any] = {"asyncio": asyncio}
    exec(compile(body, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert capsys.readouterr().out == "CS-1 Started tx-1\n"
    handler = namespace["Csms"]()
    assert isinstance(handler, CSMSHandler)
    dispatcher = Dispatcher(handler)
    assert dispatcher.dispatch("CS-1", METER_VALUES) == b'[3,"mv-1",{}]'
    blocked = frame(event(token=True) | {"idToken": {"idToken": "BLOCKED-CARD", "type": "Local"}})
    reply = asyncio.run(dispatcher.dispatch_async("CS-1", blocked))
    assert reply == b'[3,"te-1",{"idTokenInfo":{"status":"Blocked"}}]'
