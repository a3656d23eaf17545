"""The single-gateway PostgreSQL sink (``ocpp-meter serve --db postgresql://...``): frames
waiting meanwhile are stored together, in one transaction of the PostgreSQL store, on one
database thread; each frame's CALLRESULT leaves after that commit.

A frame the database refuses fails alone (its station gets an ``InternalError`` CALLERROR);
while the database is unreachable, or refuses the gateway (a bad password, no permission: see
:class:`~ocpp_meter.postgres_store.StoreRefused`), every waiting frame fails the same way
("database unavailable, send it again") and the next batch reconnects. At start, either ends
``serve`` with one line.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from typing import Any

from .enums import ErrorCode
from .errors import OcppError
from .postgres_store import (
    FrameBatch,
    PostgresStore,
    StoreRefused,
    StoreUnavailable,
    frame_identity,
)
from .sinks import ReceivedFrame, received_frame

__all__ = ["PostgresSink"]

logger = logging.getLogger(__name__)

_Pending = tuple[ReceivedFrame, str, str, "asyncio.Future[None]"]


class PostgresSink:
    """Group commit into :class:`~ocpp_meter.postgres_store.PostgresStore`."""

    def __init__(self, store: PostgresStore, max_batch_frames: int) -> None:
        self.database = store
        self.max_batch_frames = max_batch_frames
        self.frames = self.rows = self.commits = self.failed = 0
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ocpp-pg")
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, url: str, *, max_batch_frames: int = 1000) -> PostgresSink:
        """Connect (applying the migrations) and start the committing task."""
        sink = cls(PostgresStore(url), max_batch_frames)
        await sink._in_thread(sink.database.connect)
        sink._task = asyncio.ensure_future(sink._run())
        return sink

    async def _in_thread(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    async def store(self, station_id: str, message_id: str, action: str, request: Any) -> None:
        received = received_frame.get()
        if received is None:
            raise RuntimeError("the PostgreSQL sink needs the frame as received")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((received, message_id, action, future))
        await future

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self.max_batch_frames and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            await self._commit(batch)

    async def _commit(self, batch: list[_Pending]) -> None:
        groups: dict[tuple[str, str], tuple[FrameBatch, list[_Pending]]] = {}
        for pending in batch:
            received, message_id, action, _ = pending
            key = (received.dialect, received.profile)
            if key not in groups:
                groups[key] = (FrameBatch([], [], [], [], [], *key, [], [], []), [])
            frames, members = groups[key]
            frames.frames.append(received.frame)
            frames.station_ids.append(received.station_id)
            frames.message_ids.append(message_id)
            frames.frame_ids.append(frame_identity(received.station_id, received.frame))
            frames.received_at.append(received.received_at)
            assert frames.actions is not None
            frames.actions.append(action)
            assert frames.transaction_ids is not None and frames.connector_ids is not None
            frames.transaction_ids.append(received.transaction_id)
            frames.connector_ids.append(received.connector_id)
            members.append(pending)
        try:
            result = await self._in_thread(
                self.database.store_frames, [frames for frames, _ in groups.values()]
            )
        except (StoreUnavailable, StoreRefused) as error:
            # Refused (a bad password, no permission) is answered as unreachable: the station
            # keeps the frame and sends it again once someone fixes the configuration.
            logger.error("database unavailable (%s): %d frames not stored", error, len(batch))
            self.failed += len(batch)
            for *_, future in batch:
                _fail(future, "frame not stored: database unavailable, send it again")
            return
        except Exception as error:
            logger.exception("storing %d frames failed", len(batch))
            self.failed += len(batch)
            for *_, future in batch:
                _fail(future, f"frame not stored: {type(error).__name__}")
            return
        self.commits += 1
        self.frames += result.frames
        self.rows += result.rows
        for refused, (_, members) in zip(result.refused, groups.values()):
            for index, (received, message_id, _, future) in enumerate(members):
                if index in refused:
                    self.failed += 1
                    logger.error(
                        "station %r, message %r not stored: %s",
                        received.station_id, message_id, refused[index],
                    )  # fmt: skip
                    _fail(future, "frame not stored: the database refused it")
                elif not future.done():
                    future.set_result(None)

    async def aclose(self) -> None:
        if self._task is not None:
            await self._queue.put(None)
            await self._task
        await self._in_thread(self.database.close)
        self._thread.shutdown(wait=True)

    def summary(self) -> str:
        return (
            f"{self.frames} frames, {self.rows} rows in {self.commits} commits "
            f"({self.failed} frames failed)"
        )


def _fail(future: asyncio.Future[None], description: str) -> None:
    if not future.done():
        future.set_exception(OcppError(ErrorCode.INTERNAL_ERROR, description))
