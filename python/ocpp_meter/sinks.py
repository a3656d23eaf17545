"""Where the endpoint's ingest handler puts a validated frame before acknowledging it.

A :class:`FrameSink` makes a frame durable: :meth:`FrameSink.store` returns once it is (the
CALLRESULT is sent after that) and raises when it is not (the station gets a CALLERROR and
sends the frame again). Three sinks, chosen by :func:`open_sink` from ``serve``'s options:

- ``--db FILE``: :class:`SqliteSink`, the group-commit writer of :mod:`ocpp_meter.storage`;
- ``--db postgresql://...``: :class:`~ocpp_meter.postgres_sink.PostgresSink`, the same
  group commit into the PostgreSQL store of :mod:`ocpp_meter.postgres_store`;
- ``--broker nats://...``: :class:`~ocpp_meter.broker_publisher.BrokerPublisher`, a publish
  to JetStream acknowledged by the stream.

The frame as received reaches the sink through :data:`received_frame`, set by the server's read
loop for the frame being handled, so a sink may keep the bytes the station sent.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .storage import GroupCommitWriter

if TYPE_CHECKING:
    from ._core import BatchDialect, Profile
    from .server import ServeConfig

__all__ = ["FrameSink", "ReceivedFrame", "SqliteSink", "open_sink", "received_frame"]


@dataclass(frozen=True)
class ReceivedFrame:
    """A frame as the station sent it, with what the endpoint knows of it."""

    station_id: str
    frame: bytes
    dialect: BatchDialect
    profile: Profile
    received_at: int
    """Microseconds since the Unix epoch, UTC."""
    transaction_id: str | None = None
    """The id the endpoint assigned, for a 1.6 StartTransaction (its request has none)."""
    connector_id: int | None = None
    """The connector of the transaction, for a 1.6 StopTransaction (its request names none;
    the endpoint knows it from the StartTransaction it assigned the id to)."""

    @classmethod
    def now(
        cls, station_id: str, frame: bytes | str, dialect: BatchDialect, profile: Profile
    ) -> ReceivedFrame:
        data = frame.encode() if isinstance(frame, str) else bytes(frame)
        return cls(station_id, data, dialect, profile, time.time_ns() // 1000)


received_frame: ContextVar[ReceivedFrame | None] = ContextVar(
    "ocpp_meter_received_frame", default=None
)
"""The frame whose handler runs in this task (set by the endpoint's read loop)."""


class FrameSink(Protocol):
    """Makes validated frames durable."""

    async def store(self, station_id: str, message_id: str, action: str, request: Any) -> None:
        """Return once the frame (``received_frame`` and its decoded ``request``) is durable;
        raise if it is not."""

    async def aclose(self) -> None:
        """Finish what was accepted and release the resources."""

    def summary(self) -> str:
        """What the sink has stored, for the log."""


class SqliteSink:
    """The SQLite file of :class:`~ocpp_meter.storage.GroupCommitWriter`."""

    def __init__(self, path: str, synchronous: str, max_batch_frames: int) -> None:
        self.writer = GroupCommitWriter(
            path, synchronous=synchronous, max_batch_frames=max_batch_frames
        ).start()

    async def store(self, station_id: str, message_id: str, action: str, request: Any) -> None:
        # The rows are built on the writer thread, from the core's columns: the event loop never
        # reads the readings, and no Python object per reading is made.
        received = received_frame.get()
        if received is None:  # dispatched by another caller: store the request as decoded
            await self.writer.write(station_id, message_id, request)
        else:
            await self.writer.write_frame(
                station_id,
                received.frame,
                dialect=received.dialect,
                profile=received.profile,
                transaction_id=received.transaction_id,
                connector_id=received.connector_id,
            )

    async def aclose(self) -> None:
        await self.writer.aclose()

    def summary(self) -> str:
        s = self.writer.stats
        return (
            f"{s.frames} frames, {s.rows} rows in {s.commits} commits "
            f"({s.failed_frames} frames failed)"
        )


async def open_sink(config: ServeConfig) -> FrameSink:
    """The sink ``config`` asks for (raises if it cannot be opened)."""
    if config.broker is not None:
        from .broker_publisher import BrokerPublisher

        return await BrokerPublisher.open(
            config.broker, replicas=config.broker_replicas, timeout=config.publish_timeout
        )
    if config.db.startswith(("postgresql://", "postgres://")):
        from .postgres_sink import PostgresSink

        return await PostgresSink.open(config.db, max_batch_frames=config.max_batch_frames)
    return SqliteSink(config.db, config.synchronous, config.max_batch_frames)
