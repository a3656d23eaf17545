"""The mobilityhouse adapter on loopback: a CSMS built like the library's example central system
(BootNotification, Heartbeat, MeterValues and TransactionEvent handlers), served by `websockets`,
with and without :class:`OcppMeterMixin`, against the library's own v201 and v21 ChargePoint as
the station and against raw WebSocket clients for frames the library would never send.

Every server listens on 127.0.0.1 on a free port and every exchange is bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, ClassVar

import ocpp.v21
import ocpp.v201
import pytest
from ocpp.charge_point import camel_to_snake_case
from ocpp.exceptions import PropertyConstraintViolationError
from ocpp.routing import after, on
from ocpp.v201 import call, call_result
from ocpp.v201.enums import Action
from ocpp_meter import (
    ErrorCode,
    IdTokenInfo,
    MeterValuesRequest,
    MeterValuesResponse,
    OcppError,
    TransactionEventRequest,
    TransactionEventResponse,
    current_call,
    new_transaction_event_response,
    samples,
)
from ocpp_meter.mobilityhouse import OcppMeterMixin, typed
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

TIMEOUT = 10.0
SUBPROTOCOLS: Any = ["ocpp2.0.1", "ocpp2.1"]


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Recording:
    """What the handlers saw, shared by every ChargePoint of one server."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.after: list[str] = []


def csms_class(base: type, recording: Recording) -> type:
    """The example central system's ChargePoint on ``base``, with meter handlers that record
    their keyword arguments: the same code with and without the mixin."""

    class CentralSystemChargePoint(base):  # type: ignore[misc, valid-type]
        @on(Action.boot_notification)
        def on_boot_notification(self, charging_station: Any, reason: Any, **kwargs: Any) -> Any:
            return call_result.BootNotification(current_time=now(), interval=10, status="Accepted")

        @on(Action.heartbeat)
        def on_heartbeat(self) -> Any:
            return call_result.Heartbeat(current_time=now())

        @on(Action.meter_values)
        async def on_meter_values(self, evse_id: int, meter_value: Any, **kwargs: Any) -> Any:
            recording.calls.append(
                ("MeterValues", {"evse_id": evse_id, "meter_value": meter_value, **kwargs})
            )
            return call_result.MeterValues()

        @on(Action.transaction_event)
        def on_transaction_event(self, call_unique_id: str, **kwargs: Any) -> Any:
            recording.calls.append(("TransactionEvent", kwargs))
            ended = kwargs["event_type"] == "Ended"
            return call_result.TransactionEvent(
                total_cost=1.5 if ended else None,
                id_token_info={"status": "Accepted"} if "id_token" in kwargs else None,
            )

        @after(Action.meter_values)
        def after_meter_values(self, evse_id: int, **kwargs: Any) -> None:
            recording.after.append(f"MeterValues {evse_id}")

    return CentralSystemChargePoint


async def run_server(charge_point_class: type, body: Callable[[str], Awaitable[Any]]) -> Any:
    """Serve ``charge_point_class`` as the example does (station id from the path, subprotocol
    required) and run ``body(url)`` against it."""

    async def on_connect(connection: ServerConnection) -> None:
        assert connection.request is not None
        if connection.subprotocol is None:
            await connection.close()
            return
        station_id = connection.request.path.strip("/")
        charge_point = charge_point_class(station_id, connection)
        with contextlib.suppress(ConnectionClosed):  # the station hung up
            await charge_point.start()

    async with serve(on_connect, "127.0.0.1", 0, subprotocols=SUBPROTOCOLS) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        return await asyncio.wait_for(body(f"ws://127.0.0.1:{port}"), TIMEOUT)


def session_calls(dialect: str) -> list[tuple[str, dict[str, Any]]]:
    """A whole charging session as (action, camelCase payload), from the samples."""
    out = []
    for frame in samples.sessions(2, seed=3, dialect=dialect):
        _, _, action, payload = json.loads(frame)
        out.append((action, payload))
    return out


def library_payload(module: Any, action: str, payload: dict[str, Any]) -> Any:
    return getattr(module, action)(**camel_to_snake_case(payload))


async def station_session(url: str, version: str) -> list[Any]:
    """The library's ChargePoint as the station: boot, heartbeat, then a session's frames."""
    lib = ocpp.v201 if version == "2.0.1" else ocpp.v21
    subprotocol: Any = "ocpp2.0.1" if version == "2.0.1" else "ocpp2.1"
    async with connect(f"{url}/CP-{version}", subprotocols=[subprotocol]) as ws:
        station = lib.ChargePoint(f"CP-{version}", ws)
        listener = asyncio.ensure_future(station.start())
        try:
            results: list[Any] = [
                await station.call(
                    lib.call.BootNotification(
                        charging_station={"model": "Wallbox", "vendor_name": "Acme"},
                        reason="PowerUp",
                    )
                ),
                await station.call(lib.call.Heartbeat()),
            ]
            for action, payload in session_calls(version):
                results.append(await station.call(library_payload(lib.call, action, payload)))
            return results
        finally:
            listener.cancel()


@pytest.mark.parametrize(
    ("version", "base"), [("2.0.1", ocpp.v201.ChargePoint), ("2.1", ocpp.v21.ChargePoint)]
)
def test_unchanged_handlers_get_the_same_arguments_and_the_station_the_same_replies(
    version: str, base: type
) -> None:
    plain, mixed = Recording(), Recording()
    plain_replies = asyncio.run(
        run_server(csms_class(base, plain), lambda url: station_session(url, version))
    )
    mixed_class = csms_class(type("Mixed", (OcppMeterMixin, base), {}), mixed)
    mixed_replies = asyncio.run(run_server(mixed_class, lambda url: station_session(url, version)))

    assert mixed.calls == plain.calls
    actions = [action for action, _ in mixed.calls]
    assert "MeterValues" in actions and actions.count("TransactionEvent") >= 3
    assert mixed.after == plain.after and len(mixed.after) == actions.count("MeterValues")
    # BootNotification and Heartbeat went through the library: their replies carry the time.
    assert mixed_replies[0].status == "Accepted" and mixed_replies[1].current_time
    assert [type(r) for r in mixed_replies] == [type(r) for r in plain_replies]
    assert mixed_replies[2:] == plain_replies[2:]
    assert any(getattr(r, "id_token_info", None) == {"status": "Accepted"} for r in mixed_replies)
    assert any(getattr(r, "total_cost", None) == 1.5 for r in mixed_replies)


class TypedCSMS(OcppMeterMixin, ocpp.v201.ChargePoint):
    seen: ClassVar[list[Any]] = []

    @typed(Action.meter_values)
    def meter_values(self, request: MeterValuesRequest) -> MeterValuesResponse:
        context = current_call()
        assert context is not None and context.charging_station_id == self.id
        self.seen.append(request)
        return MeterValuesResponse()

    @typed("TransactionEvent")
    async def transaction_event(self, request: TransactionEventRequest) -> TransactionEventResponse:
        self.seen.append(request)
        if request.id_token is not None:
            return TransactionEventResponse(id_token_info=IdTokenInfo(status="Accepted"))
        return new_transaction_event_response()


def test_typed_handlers_get_ocpp_meter_objects() -> None:
    TypedCSMS.seen = []
    replies = asyncio.run(run_server(TypedCSMS, lambda url: station_session(url, "2.0.1")))
    kinds = {type(request) for request in TypedCSMS.seen}
    assert kinds == {MeterValuesRequest, TransactionEventRequest}
    frames = [json.loads(f)[3] for f in samples.sessions(2, seed=3, dialect="2.0.1")]
    assert len(TypedCSMS.seen) == len(frames)
    for request, payload in zip(TypedCSMS.seen, frames):
        assert request == type(request).from_json(json.dumps(payload))
    assert any(getattr(r, "id_token_info", None) == {"status": "Accepted"} for r in replies)


async def raw_exchange(url: str, frames: list[str]) -> list[Any]:
    """Send each frame and read its reply (``None`` where none comes within a moment)."""
    replies: list[Any] = []
    async with connect(f"{url}/CP-RAW", subprotocols=["ocpp2.0.1"]) as ws:
        for frame in frames:
            await ws.send(frame)
            try:
                reply = await asyncio.wait_for(ws.recv(), 0.5)
            except asyncio.TimeoutError:
                replies.append(None)
            else:
                assert isinstance(reply, str), "OCPP-J replies are text frames"
                replies.append(json.loads(reply))
    return replies


MV_OK = {
    "evseId": 1,
    "meterValue": [{"timestamp": "2024-01-01T00:00:00Z", "sampledValue": [{"value": 1.0}]}],
}


def frame(message_id: str, action: str, payload: Any) -> str:
    return json.dumps([2, message_id, action, payload])


def test_invalid_frames_get_our_callerrors_and_the_rest_goes_to_the_library() -> None:
    recording = Recording()
    csms = csms_class(type("Mixed", (OcppMeterMixin, ocpp.v201.ChargePoint), {}), recording)
    bad_date = json.loads(json.dumps(MV_OK))
    bad_date["meterValue"][0]["timestamp"] = "2024-13-01T00:00:00Z"
    frames = [
        frame("a", "MeterValues", {**MV_OK, "evseId": -1}),
        frame("b", "MeterValues", bad_date),
        frame("c", "MeterValues", {"evseId": 1}),
        frame("d", "MeterValues", {**MV_OK, "extra": 1}),
        '[2,"e","MeterValues",{"evseId":1,',
        frame("f", "TransactionEvent", {"eventType": "Started"}),
        '[2,"g","Heartbeat",{',  # broken, not ours: the library's (it answers nothing)
        frame("h", "Heartbeat", {}),
        frame("i", "MeterValues", MV_OK),
    ]
    replies = asyncio.run(run_server(csms, lambda url: raw_exchange(url, frames)))
    a, b, c, d, e, f, g, h, i = replies
    assert a == [4, "a", "PropertyConstraintViolation", a[3], {**a[4], "path": "/evseId"}]
    assert b[2] == "PropertyConstraintViolation" and b[4]["path"] == "/meterValue/0/timestamp"
    assert c[2] == "OccurrenceConstraintViolation" and c[4]["path"] == "/meterValue"
    assert d[2] == "ProtocolError" and d[4]["path"] == "/extra"
    assert e[:3] == [4, "e", "FormatViolation"] and e[4]["path"] == ""
    assert f[2] == "OccurrenceConstraintViolation" and f[4]["path"].startswith("/")
    assert g is None
    assert h[0] == 3 and "currentTime" in h[2]
    assert i == [3, "i", {}]
    assert len(recording.calls) == 1  # only the valid MeterValues reached the handler


def test_handler_outcomes_follow_the_error_table() -> None:
    class Outcomes(OcppMeterMixin, ocpp.v201.ChargePoint):
        @on(Action.meter_values)
        def on_meter_values(self, evse_id: int, **kwargs: Any) -> Any:
            if evse_id == 1:
                raise OcppError(ErrorCode.SECURITY_ERROR, "not yours")
            if evse_id == 2:
                raise PropertyConstraintViolationError("bad evse", {"cause": "evse 2"})
            if evse_id == 3:
                raise RuntimeError("secret traceback text")
            if evse_id == 4:
                return None
            if evse_id == 5:
                return call_result.Heartbeat(current_time=now())
            return call_result.MeterValues(custom_data={"vendor_id": "acme", "n": 1})

    frames = [frame(str(n), "MeterValues", {**MV_OK, "evseId": n}) for n in range(1, 7)]
    frames.append(frame("7", "TransactionEvent", session_calls("2.0.1")[0][1]))
    replies = asyncio.run(run_server(Outcomes, lambda url: raw_exchange(url, frames)))
    assert replies[0][:4] == [4, "1", "SecurityError", "not yours"]
    assert replies[1][:4] == [4, "2", "PropertyConstraintViolation", "bad evse"]
    assert replies[1][4] == {"cause": "evse 2", "path": ""}
    assert replies[2][2] == "InternalError" and "secret" not in json.dumps(replies[2])
    assert replies[3][2] == "GenericError"
    assert replies[4][2] == "InternalError"
    assert replies[5] == [3, "6", {"customData": {"vendorId": "acme", "n": 1}}]
    assert replies[6][:3] == [4, "7", "NotSupported"]


def test_a_forbidden_transaction_event_response_is_an_internal_error() -> None:
    class Forgetful(OcppMeterMixin, ocpp.v201.ChargePoint):
        @on(Action.transaction_event)
        def on_transaction_event(self, **kwargs: Any) -> Any:
            return call_result.TransactionEvent()  # no idTokenInfo for an idToken

    started = next(p for a, p in session_calls("2.0.1") if "idToken" in p)
    replies = asyncio.run(
        run_server(
            Forgetful, lambda url: raw_exchange(url, [frame("x", "TransactionEvent", started)])
        )
    )
    assert replies[0][:3] == [4, "x", "InternalError"]


def test_profiles_per_station_and_the_dialect_of_the_version() -> None:
    class Lenient(OcppMeterMixin, ocpp.v21.ChargePoint):
        ocpp_meter_station_profiles: ClassVar[dict[str, Any]] = {"CP-RAW": "lenient"}

        @typed(Action.meter_values)
        def meter_values(self, request: MeterValuesRequest) -> MeterValuesResponse:
            return MeterValuesResponse()

    cp = Lenient("CP-RAW", None)
    assert cp.ocpp_meter_dialect == "2.1" and cp.ocpp_meter_station_profile == "lenient"
    assert Lenient("CP-2", None).ocpp_meter_station_profile == "strict"
    with pytest.raises(ValueError, match="profile"):
        cp.set_ocpp_meter_profile("sloppy")  # type: ignore[arg-type]

    # 2.1 allows the Upstream location, which 2.0.1 refuses.
    upstream = json.loads(json.dumps(MV_OK))
    upstream["meterValue"][0]["sampledValue"][0]["location"] = "Upstream"
    replies = asyncio.run(
        run_server(Lenient, lambda url: raw_exchange(url, [frame("u", "MeterValues", upstream)]))
    )
    assert replies == [[3, "u", {}]]
    replies = asyncio.run(
        run_server(TypedCSMS, lambda url: raw_exchange(url, [frame("u", "MeterValues", upstream)]))
    )
    assert replies[0][2] == "PropertyConstraintViolation"


def test_the_mixin_refuses_what_it_cannot_serve() -> None:
    import ocpp.v16

    class Old(OcppMeterMixin, ocpp.v16.ChargePoint):
        pass

    with pytest.raises(TypeError, match="v201"):
        Old("CP", None)

    class Twice(OcppMeterMixin, ocpp.v201.ChargePoint):
        @on(Action.meter_values)
        def a(self, **kwargs: Any) -> Any:
            return call_result.MeterValues()

        @typed(Action.meter_values)
        def b(self, request: Any) -> Any:
            return MeterValuesResponse()

    with pytest.raises(TypeError, match="more than one handler"):
        Twice("CP", None)
    with pytest.raises(ValueError, match="typed handlers"):
        typed("Heartbeat")


def test_call_is_unchanged_for_the_csms_own_calls() -> None:
    """The CSMS's CALLs to the station, and their CALLRESULTs, still go through the library."""

    class Asking(OcppMeterMixin, ocpp.v201.ChargePoint):
        pass

    async def station(connection: ServerConnection) -> None:
        message = json.loads(await connection.recv())
        await connection.send(json.dumps([3, message[1], {"status": "Accepted"}]))
        await asyncio.sleep(0.5)

    async def main() -> Any:
        async with serve(station, "127.0.0.1", 0, subprotocols=SUBPROTOCOLS) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            async with connect(f"ws://127.0.0.1:{port}/", subprotocols=["ocpp2.0.1"]) as ws:
                csms = Asking("CP-Q", ws)
                listener = asyncio.ensure_future(csms.start())
                try:
                    return await asyncio.wait_for(csms.call(call.ClearCache()), 5)
                finally:
                    listener.cancel()

    result = asyncio.run(main())
    assert result.status == "Accepted"


def test_the_readme_example_runs() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    section = readme[readme.index("## Under a mobilityhouse") :]
    body = section[
        section.index("```python\n") + 10 : section.index("```\n", section.index("```python"))
    ]
    namespace: dict[str, Any] = {}
    exec(compile(body, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    csms = namespace["CentralSystemChargePoint"]
    started = next(p for a, p in session_calls("2.0.1") if "idToken" not in p)
    frames = [frame("m", "MeterValues", MV_OK), frame("t", "TransactionEvent", started)]
    replies = asyncio.run(run_server(csms, lambda url: raw_exchange(url, frames)))
    assert replies == [[3, "m", {}], [3, "t", {}]]


def test_the_keywords_are_the_librarys_on_every_sample_frame() -> None:
    from ocpp_meter.mobilityhouse import _keywords

    frames = [
        *samples.sessions(5, seed=11),
        *samples.sessions(5, seed=12, dialect="2.1"),
        *(f for kind in samples.FRAME_KINDS for f in samples.frames(3, kind, seed=4)),
    ]
    for raw in frames:
        expected = camel_to_snake_case(json.loads(raw)[3])
        assert _keywords(raw) == expected
        assert _keywords(raw.decode()) == expected
        assert _keywords(memoryview(raw)) == expected
