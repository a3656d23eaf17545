"""Typed use of the dispatcher; `mypy --strict` must report exactly the line marked misuse."""

from __future__ import annotations

from typing import Literal

from ocpp_meter import (
    CSMSHandler,
    Dispatcher,
    MeterValuesHandler,
    MeterValuesRequest,
    MeterValuesResponse,
    TransactionEventHandler,
    TransactionEventRequest,
    TransactionEventResponse,
    current_call,
    new_transaction_event_response,
)


class SyncHandler:
    def on_meter_values(
        self, charging_station_id: str, request: MeterValuesRequest
    ) -> MeterValuesResponse:
        call = current_call()
        assert call is None or call.message_id
        return MeterValuesResponse()


class AsyncHandler:
    async def on_meter_values(
        self, charging_station_id: str, request: MeterValuesRequest
    ) -> MeterValuesResponse:
        return MeterValuesResponse()


class SessionHandler:
    def on_meter_values(
        self, charging_station_id: str, request: MeterValuesRequest
    ) -> MeterValuesResponse:
        return MeterValuesResponse()

    async def on_transaction_event(
        self, charging_station_id: str, request: TransactionEventRequest
    ) -> TransactionEventResponse:
        return new_transaction_event_response("Accepted" if request.id_token else None)


class EventsOnly:
    def on_transaction_event(
        self, charging_station_id: str, request: TransactionEventRequest
    ) -> TransactionEventResponse:
        return TransactionEventResponse()


class WrongHandler:
    def on_meter_values(self, charging_station_id: int) -> str:
        return str(charging_station_id)


def build() -> list[Dispatcher]:
    ok: list[MeterValuesHandler] = [SyncHandler(), AsyncHandler()]
    dispatchers = [Dispatcher(handler) for handler in ok]
    both: CSMSHandler = SessionHandler()
    events: TransactionEventHandler = EventsOnly()
    dispatchers += [Dispatcher(both), Dispatcher(events)]
    dispatchers.append(Dispatcher(SyncHandler(), dialect="2.1", profile="lenient"))
    dialect: Literal["2.0.1", "2.1"] = dispatchers[-1].dialect
    reply: bytes | None = dispatchers[0].dispatch("CS", b"[]", dialect=dialect)
    assert reply is None or reply.startswith(b"[")
    dispatchers[0].register_csms_handler(WrongHandler())  # misuse
    return dispatchers


async def serve_one(
    dispatcher: Dispatcher, frame: str, dialect: Literal["2.0.1", "2.1"] | None
) -> bytes | None:
    return await dispatcher.dispatch_async("CS", frame, dialect=dialect)
