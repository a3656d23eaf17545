"""The gateway's sink (``ocpp-meter serve --broker nats://...``): publish each validated frame,
as received, to JetStream, and return only once the stream has acknowledged it.

Publishes of different connections are in flight at once (each connection awaits its own
acknowledgement; one NATS connection carries them all). When the broker cannot be reached, or
does not acknowledge within ``timeout`` seconds, :meth:`BrokerPublisher.store` raises
:class:`~ocpp_meter.errors.OcppError` ``InternalError`` ("frame not stored: message broker
unavailable, send it again"): the station gets that CALLERROR and keeps the frame to send it
again; no CALLRESULT ever leaves for a frame the stream does not hold. The retry carries the
same ``Nats-Msg-Id`` (the frame's identity), so a publish that did land before its ack was lost
is not stored twice.

A 1.6 StartTransaction's assigned id and a StopTransaction's connector, when the endpoint gave
them (:class:`~ocpp_meter.sinks.ReceivedFrame`), travel as the headers ``Ocpp-Transaction-Id``
and ``Ocpp-Connector-Id``; :meth:`BrokerPublisher.transaction_ids` is the id source of the
gateway's 1.6 stations, on the same connection.
"""

from __future__ import annotations

import logging
from typing import Any

from .broker import (
    HEADER_ACTION,
    HEADER_CONNECTOR_ID,
    HEADER_DIALECT,
    HEADER_MESSAGE_ID,
    HEADER_PROFILE,
    HEADER_RECEIVED,
    HEADER_STATION,
    HEADER_TRANSACTION_ID,
    connect,
    ensure_streams,
    station_header,
    station_subject,
    when_jetstream_answers,
)
from .broker_transaction_ids import BrokerTransactionIds
from .enums import ErrorCode
from .errors import OcppError
from .postgres_store import frame_identity
from .sinks import received_frame

__all__ = ["BrokerPublisher"]

logger = logging.getLogger(__name__)

UNAVAILABLE = "frame not stored: message broker unavailable, send it again"


class BrokerPublisher:
    """A JetStream publisher; :meth:`open` connects and makes sure the streams exist."""

    def __init__(self, nc: Any, timeout: float) -> None:
        self._nc = nc
        self._js = nc.jetstream()
        self.timeout = timeout
        self.published = 0
        self.duplicates = 0
        self.failed = 0

    @classmethod
    async def open(cls, url: str, *, replicas: int = 3, timeout: float = 5.0) -> BrokerPublisher:
        nc = await connect(url, "ocpp-meter-gateway")
        publisher = cls(nc, timeout)
        try:
            # A cluster without a quorum yet is waited for (serve's start is stoppable).
            await when_jetstream_answers(
                lambda: ensure_streams(publisher._js, replicas), "ocpp-meter-gateway"
            )
        except BaseException:
            await nc.close()
            raise
        return publisher

    async def store(self, station_id: str, message_id: str, action: str, request: Any) -> None:
        received = received_frame.get()
        if received is None:
            raise RuntimeError("the broker sink needs the frame as received")
        headers = {
            "Nats-Msg-Id": frame_identity(station_id, received.frame),
            HEADER_STATION: station_header(station_id),
            HEADER_MESSAGE_ID: message_id,
            HEADER_ACTION: action,
            HEADER_DIALECT: received.dialect,
            HEADER_PROFILE: received.profile,
            HEADER_RECEIVED: str(received.received_at),
        }
        if received.transaction_id is not None:
            headers[HEADER_TRANSACTION_ID] = received.transaction_id
        if received.connector_id is not None:
            headers[HEADER_CONNECTOR_ID] = str(received.connector_id)
        try:
            ack = await self._js.publish(
                station_subject(station_id), received.frame, timeout=self.timeout, headers=headers
            )
        except Exception as error:  # noqa: BLE001 - any failure: the frame is not durable
            self.failed += 1
            logger.warning(
                "station %r, message %r: publish not acknowledged (%s: %s)",
                station_id, message_id, type(error).__name__, error,
            )  # fmt: skip
            raise OcppError(ErrorCode.INTERNAL_ERROR, UNAVAILABLE) from None
        if getattr(ack, "duplicate", False):
            self.duplicates += 1
        self.published += 1

    async def transaction_ids(self, replicas: int = 3) -> BrokerTransactionIds:
        """The 1.6 transaction id source in the broker, on this publisher's connection."""
        return await BrokerTransactionIds.open(self._nc, replicas=replicas, timeout=self.timeout)

    async def aclose(self) -> None:
        # Every store() has returned (the server waits for them): nothing is left in flight.
        await self._nc.close()

    def summary(self) -> str:
        return (
            f"{self.published} frames published ({self.duplicates} already held), "
            f"{self.failed} not acknowledged"
        )
