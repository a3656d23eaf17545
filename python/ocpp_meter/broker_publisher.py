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

Each frame is written as one ``HPUB`` whose reply subject is this gateway's acknowledgement inbox
and a number; one subscription on that inbox resolves the waiting publish by the number. This is
JetStream's publish (a request whose reply is the stream's acknowledgement), with the headers
encoded in one pass and one future and one timer per frame: the NATS client's generic request
costs the gateway about as much per frame as the WebSocket and the validation together.
"""

from __future__ import annotations

import asyncio
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

__all__ = ["BrokerPublisher", "NotAcknowledged"]

logger = logging.getLogger(__name__)

_STATION, _MESSAGE_ID, _ACTION, _DIALECT, _PROFILE, _RECEIVED, _TRANSACTION_ID, _CONNECTOR_ID = (
    name.encode()
    for name in (
        HEADER_STATION, HEADER_MESSAGE_ID, HEADER_ACTION, HEADER_DIALECT, HEADER_PROFILE,
        HEADER_RECEIVED, HEADER_TRANSACTION_ID, HEADER_CONNECTOR_ID,
    )
)  # fmt: skip

UNAVAILABLE = "frame not stored: message broker unavailable, send it again"
_NEWLINES = str.maketrans({"\r": " ", "\n": " "})
"""A header value never ends its line early (as the NATS client itself writes values)."""


def _header_value(value: str) -> bytes:
    return value.strip().translate(_NEWLINES).encode()


class NotAcknowledged(Exception):
    """JetStream did not take the frame: no acknowledgement in time, or an error instead."""


class BrokerPublisher:
    """A JetStream publisher; :meth:`open` connects and makes sure the streams exist."""

    def __init__(self, nc: Any, timeout: float) -> None:
        self._nc = nc
        self._js = nc.jetstream()
        self.timeout = timeout
        self.published = 0
        self.duplicates = 0
        self.failed = 0
        self._inbox = ""
        self._waiting: dict[str, asyncio.Future[bytes]] = {}
        self._next = 0

    @classmethod
    async def open(cls, url: str, *, replicas: int = 3, timeout: float = 5.0) -> BrokerPublisher:
        nc = await connect(url, "ocpp-meter-gateway")
        publisher = cls(nc, timeout)
        try:
            # A cluster without a quorum yet is waited for (serve's start is stoppable).
            await when_jetstream_answers(
                lambda: ensure_streams(publisher._js, replicas), "ocpp-meter-gateway"
            )
            await publisher._listen()
        except BaseException:
            await nc.close()
            raise
        return publisher

    async def _listen(self) -> None:
        """Subscribe to this publisher's acknowledgement inbox (resubscribed on reconnects)."""
        self._inbox = self._nc.new_inbox() + "."
        await self._nc.subscribe(self._inbox + "*", cb=self._on_ack)

    async def _on_ack(self, msg: Any) -> None:
        future = self._waiting.pop(msg.subject[len(self._inbox) :], None)
        if future is not None and not future.done():
            future.set_result(msg.data)

    def _expire(self, token: str) -> None:
        future = self._waiting.pop(token, None)
        if future is not None and not future.done():
            future.set_exception(NotAcknowledged(f"no acknowledgement in {self.timeout} s"))

    async def publish(self, subject: str, headers: bytes, payload: bytes) -> bool:
        """Publish to JetStream and wait for the stream's acknowledgement; ``True`` if the stream
        already held a message of this ``Nats-Msg-Id``. Raises :class:`NotAcknowledged` (or the
        NATS client's error) when the message is not known to be stored. ``headers`` are the
        ``NATS/1.0`` header block, blank line included."""
        nc = self._nc
        if not nc.is_connected:  # reconnecting or closed: fail now, the station retries
            raise NotAcknowledged("not connected to the message broker")
        token = str(self._next)
        self._next += 1
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiting[token] = future
        timer = asyncio.get_running_loop().call_later(self.timeout, self._expire, token)
        try:
            await nc._send_command(
                b"HPUB %s %s%s %d %d\r\n%s%s\r\n"
                % (
                    subject.encode(),
                    self._inbox.encode(),
                    token.encode(),
                    len(headers),
                    len(headers) + len(payload),
                    headers,
                    payload,
                )
            )
            # As the client's own publish: wake its writer unless a wake-up is pending already,
            # so the publishes of one turn of the event loop leave in one write. (Gathering
            # them for 1 or 3 ms more made no difference measured under the pipeline's load.)
            if nc._flush_queue is not None and nc._flush_queue.empty():
                await nc._flush_pending()
            data = await future
        finally:
            timer.cancel()
            self._waiting.pop(token, None)
        # The stream's answer is {"stream":...,"seq":...[,"duplicate":true]} or {"error":...};
        # no data at all is a status message (no responders: the stream is not there).
        if not data or b'"error"' in data:
            raise NotAcknowledged(data.decode(errors="replace") or "no stream answered")
        return b'"duplicate":true' in data

    async def store(self, station_id: str, message_id: str, action: str, request: Any) -> None:
        received = received_frame.get()
        if received is None:
            raise RuntimeError("the broker sink needs the frame as received")
        headers = (
            b"NATS/1.0\r\nNats-Msg-Id: %s\r\n%s: %s\r\n%s: %s\r\n%s: %s\r\n%s: %s\r\n"
            b"%s: %s\r\n%s: %d\r\n"
            % (
                frame_identity(station_id, received.frame).encode(),
                _STATION, station_header(station_id).encode(),
                _MESSAGE_ID, _header_value(message_id),
                _ACTION, _header_value(action),
                _DIALECT, received.dialect.encode(),
                _PROFILE, received.profile.encode(),
                _RECEIVED, received.received_at,
            )
        )  # fmt: skip
        if received.transaction_id is not None:
            headers += b"%s: %s\r\n" % (_TRANSACTION_ID, _header_value(received.transaction_id))
        if received.connector_id is not None:
            headers += b"%s: %d\r\n" % (_CONNECTOR_ID, received.connector_id)
        try:
            duplicate = await self.publish(
                station_subject(station_id), headers + b"\r\n", received.frame
            )
        except Exception as error:  # noqa: BLE001 - any failure: the frame is not durable
            self.failed += 1
            logger.warning(
                "station %r, message %r: publish not acknowledged (%s: %s)",
                station_id, message_id, type(error).__name__, error,
            )  # fmt: skip
            raise OcppError(ErrorCode.INTERNAL_ERROR, UNAVAILABLE) from None
        if duplicate:
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
