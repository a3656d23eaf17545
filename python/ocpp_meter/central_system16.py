"""The endpoint's answers on an ``ocpp1.6`` connection: what an OCPP 1.6J charge point needs
around its meter data.

===================  ===========================================================================
action               reply
===================  ===========================================================================
BootNotification,    by :class:`~ocpp_meter.station_services.StationServices`, each request
Heartbeat,           checked against its 1.6 schema: ``Accepted`` with the heartbeat interval,
StatusNotification,  the time, ``{}``, and ``idTagInfo.status`` by the accept policy
Authorize            (``Accepted``, or ``Invalid`` for a tag off the accept list)
MeterValues          ``{}`` once its readings are committed
StartTransaction     ``transactionId`` (assigned by a :class:`~ocpp_meter.transaction_ids.
                     TransactionIdSource`: unique across reconnects, restarts and gateways)
                     and ``idTagInfo`` by the accept policy, once its ``meterStart`` reading
                     and its ``Started`` event record, both with that id, are durable
StopTransaction      ``idTagInfo`` by the accept policy when it names an ``idTag`` (else
                     ``{}``), once its ``transactionData`` and ``meterStop`` readings and its
                     ``Ended`` event record are durable, with the connector of the
                     transaction when the source assigned its id
any other action     ``NotImplemented``
===================  ===========================================================================

The three meter actions are validated by the core (``decode_batch(dialect="1.6")``), the very
decode the sink stores them with, so the rows and event records of 1.6 frames land in the same
tables as those of 2.0.1 (``sampled_values``, ``transaction_events``); a broken frame gets the
core's CALLERROR, with the OCPP 1.6J code as that specification spells it
(``FormationViolation``, ``OccurenceConstraintViolation``...), and nothing of it is stored. A
StartTransaction refused by the accept policy still gets its id and is stored: the station
reports it and will stop it, and the operator sees that it happened.

A StopTransaction names its transaction but not its connector; the id source knows the
connector of each id it gave (to that station), and the StopTransaction's rows and event
record get it, so a connector's readings are all found by ``connector_id``. An id the source
did not give that station (another source's, a station's own invention) leaves them without
one, as does a source that cannot be asked (logged; the frame is still stored).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ._core import (
    BatchResult,
    IdTagInfo,
    StartTransactionResponse,
    StopTransactionResponse,
    decode_batch,
    encode_call_error,
    encode_call_result,
    error_code_16,
)
from .enums import ErrorCode, ErrorCode16
from .errors import OcppError
from .logsafe import DESCRIPTION_CHARS, excerpt
from .rows import EVENT_COLUMNS
from .sinks import received_frame

if TYPE_CHECKING:
    from ._core import Buffer
    from .sinks import FrameSink
    from .station_services import StationServices
    from .transaction_ids import TransactionIdSource

__all__ = ["CentralSystem16"]

logger = logging.getLogger(__name__)

OFFLOAD_THRESHOLD = 64 * 1024
"""Frames larger than this are decoded on a worker thread (as the dispatcher does)."""

_EVENT = {name: EVENT_COLUMNS.index(name) for name in EVENT_COLUMNS}


class CentralSystem16:
    """Answers the frames of OCPP 1.6J connections (see the module's table): one object for
    every connection, keeping no per-frame state."""

    def __init__(
        self,
        sink: FrameSink,
        services: StationServices,
        transaction_ids: TransactionIdSource,
        *,
        offload_threshold: int = OFFLOAD_THRESHOLD,
    ) -> None:
        self.sink = sink
        self.services = services
        self.transaction_ids = transaction_ids
        self.offload_threshold = offload_threshold

    async def handle(self, station_id: str, frame: Buffer) -> bytes | None:
        """The reply to one frame of ``station_id`` (``None``: OCPP-J sends none)."""
        data = frame.encode() if isinstance(frame, str) else bytes(frame)
        if len(data) > self.offload_threshold:
            result = await asyncio.to_thread(_decode, station_id, data)
        else:
            result = _decode(station_id, data)
        if result.error_count:
            return self._rejected(station_id, data, result)
        if not result.event_count:
            reply = result.replies[0]
            assert reply is not None  # the core's CALLRESULT of an accepted MeterValues
            # Its message id, from the reply: a MeterValues may have no rows to read it from.
            message_id = str(json.loads(reply)[1])
            return await self._store(station_id, message_id, "MeterValues", reply)
        event = next(iter(result.events.sql_parameters()))
        message_id = event[_EVENT["message_id"]]
        if event[_EVENT["event_type"]] == "Started":
            return await self._start(station_id, message_id, event)
        return await self._stop(station_id, message_id, event)

    def _rejected(self, station_id: str, data: bytes, result: BatchResult) -> bytes | None:
        _, message_id, code, description, path = next(iter(result.errors.sql_parameters()))
        if code == ErrorCode.NOT_IMPLEMENTED.value:
            answer = self.services.answer(station_id, data, "1.6")
            if answer is not None:
                return answer
        reply = result.replies[0]
        logger.log(
            logging.INFO if code == ErrorCode.NOT_IMPLEMENTED.value else logging.WARNING,
            "station %r: %s frame, message id %s: %s at %s: %s",
            station_id,
            "rejected" if reply is not None else "ignored invalid reply",
            excerpt(message_id),
            code,
            excerpt(path),
            excerpt(description, DESCRIPTION_CHARS),
        )
        return reply

    async def _start(self, station_id: str, message_id: str, event: tuple[Any, ...]) -> bytes:
        id_tag = event[_EVENT["id_token"]]
        try:
            transaction_id = await self.transaction_ids.assign(
                station_id,
                message_id,
                event[_EVENT["timestamp"]],
                event[_EVENT["connector_id"]],
                id_tag,
            )
        except Exception:  # the station gets InternalError and sends it again
            logger.exception("station %r: no transaction id for %r", station_id, message_id)
            return _internal_error(message_id, "StartTransaction")
        status = self.services.id_token_status(id_tag, "1.6")
        logger.info(
            "station %r: transaction %d started on connector %s, id tag %r %s",
            station_id,
            transaction_id,
            event[_EVENT["connector_id"]],
            id_tag,
            status,
        )
        reply = encode_call_result(
            message_id, StartTransactionResponse(IdTagInfo(status), transaction_id)
        )
        return await self._store(
            station_id, message_id, "StartTransaction", reply, transaction_id=str(transaction_id)
        )

    async def _stop(self, station_id: str, message_id: str, event: tuple[Any, ...]) -> bytes:
        id_tag = event[_EVENT["id_token"]]
        info = None if id_tag is None else IdTagInfo(self.services.id_token_status(id_tag, "1.6"))
        reply = encode_call_result(message_id, StopTransactionResponse(info))
        connector_id = await self._connector_of(station_id, event[_EVENT["transaction_id"]])
        return await self._store(
            station_id, message_id, "StopTransaction", reply, connector_id=connector_id
        )

    async def _connector_of(self, station_id: str, transaction_id: str) -> int | None:
        try:
            return await self.transaction_ids.connector_of(station_id, int(transaction_id))
        except Exception as error:  # noqa: BLE001 - the stop is stored without its connector
            logger.warning(
                "station %r: connector of transaction %s unknown (%s: %s)",
                station_id,
                excerpt(transaction_id),
                type(error).__name__,
                excerpt(str(error), DESCRIPTION_CHARS),
            )
            return None

    async def _store(
        self,
        station_id: str,
        message_id: str,
        action: str,
        reply: bytes,
        **assigned: Any,
    ) -> bytes:
        """Store the frame being handled, with what the endpoint ``assigned`` it (the
        :class:`~ocpp_meter.sinks.ReceivedFrame` fields ``transaction_id``, ``connector_id``);
        ``reply`` once it is durable, else the CALLERROR the station retries on."""
        received = received_frame.get()
        assigned = {name: value for name, value in assigned.items() if value is not None}
        token = None
        if received is not None and assigned:
            token = received_frame.set(replace(received, **assigned))
        try:
            await self.sink.store(station_id, message_id, action, None)
        except OcppError as error:
            logger.warning(
                "station %r: %s %s not stored: %s",
                station_id,
                action,
                excerpt(message_id),
                excerpt(error.description, DESCRIPTION_CHARS),
            )
            code = error_code_16(error.code, error.details.get("type"))
            # errorDescription is 255 characters at most: the core refuses a longer one.
            return encode_call_error(message_id, code, error.description[:255], {}, dialect="1.6")
        except Exception:  # a failing store must not take the connection down
            logger.exception("station %r: %s %r not stored", station_id, action, message_id)
            return _internal_error(message_id, action)
        finally:
            if token is not None:
                received_frame.reset(token)
        return reply


def _decode(station_id: str, data: bytes) -> BatchResult:
    return decode_batch([data], station_id, threads=1, dialect="1.6")


def _internal_error(message_id: str, action: str) -> bytes:
    description = f"internal error while handling {action}"
    return encode_call_error(message_id, ErrorCode16.INTERNAL_ERROR, description, {}, dialect="1.6")
