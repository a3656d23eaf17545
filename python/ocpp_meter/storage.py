"""SQLite storage of the row form and the event form, written by one group-commit writer thread.

The table ``sampled_values`` has the row form's columns (README, *Batch ingest*), in
order; ``transaction_events`` has the event form's columns, in order, one row per accepted
TransactionEvent, indexed by ``(station_id, transaction_id)``. ``timestamp`` is stored as
RFC 3339 text in UTC with six fraction digits and ``Z`` (``2024-05-01T12:00:00.000000Z``): fixed
width, so text order is time order, and SQLite's date functions read it; ``offline`` is 0 or 1.
There is no uniqueness constraint: a station that resends a frame whose acknowledgement it lost
gets its rows stored again (at least once), while a station that reuses message ids after a
reboot never has real readings dropped.

:class:`GroupCommitWriter` owns the connection on a thread of its own. Frames are queued with
:meth:`~GroupCommitWriter.write_frame` (the endpoint: the frame as received, already validated)
or :meth:`~GroupCommitWriter.write` and :meth:`~GroupCommitWriter.submit` (a decoded request,
encoded back to its frame), each giving a future. The thread takes the frames waiting in the
queue, up to ``max_batch_frames`` and ``max_batch_bytes`` per transaction (the oldest frame and
the smallest ones by turns, so that a station sending small frames never waits behind more than
one transaction of large ones), decodes them with the core's :func:`~ocpp_meter.decode_batch` and
inserts the rows and event records from its columns one parameter tuple at a time
(:meth:`~ocpp_meter.BatchResult.sql_parameters`): no Python object per row is ever held, so
the writer's memory is the columns of one transaction's frames, at most about 20 times
``max_batch_bytes`` (the 24 row columns of ``{"value":0}`` readings, the densest frame there
is), whatever the number of frames waiting. It commits, and only then resolves each frame's
future. If the transaction fails, each of its frames is tried again in a transaction of its
own, so a frame the database refuses fails alone (its waiter gets the error, which the endpoint
answers with an ``InternalError`` CALLERROR) and nothing of it is stored; a frame's rows and
event record are stored together or not at all. While one commit is on disk the next batch
gathers, so the cost of a sync is shared by every frame that arrived meanwhile, and no delay is
added when the load is light.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Union

from ._core import (
    BatchResult,
    MeterValuesRequest,
    TransactionEventRequest,
    decode_batch,
    encode_call,
)
from .errors import OcppError
from .rows import COLUMNS, EVENT_COLUMNS, Row
from .sessions import create_session_energy_view

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._core import BatchDialect, Buffer, Profile

__all__ = [
    "CREATE_EVENTS_TABLE",
    "CREATE_TABLE",
    "INSERT_EVENT",
    "INSERT_ROW",
    "MAX_BATCH_BYTES",
    "GroupCommitWriter",
    "WriterStats",
    "connect",
    "row_to_sql",
]

logger = logging.getLogger(__name__)

CREATE_TABLE = """\
CREATE TABLE IF NOT EXISTS sampled_values (
    station_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    action TEXT NOT NULL,
    evse_id INTEGER,
    connector_id INTEGER,
    transaction_id TEXT,
    event_type TEXT,
    seq_no INTEGER,
    meter_value_index INTEGER NOT NULL,
    sampled_value_index INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    value REAL NOT NULL,
    measurand TEXT NOT NULL,
    phase TEXT,
    location TEXT NOT NULL,
    context TEXT NOT NULL,
    unit TEXT NOT NULL,
    multiplier INTEGER NOT NULL,
    normalized_value REAL NOT NULL,
    normalized_unit TEXT NOT NULL,
    signed_meter_data TEXT,
    signing_method TEXT,
    encoding_method TEXT,
    public_key TEXT
)"""

CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS sampled_values_station_time "
    "ON sampled_values (station_id, timestamp)"
)

CREATE_EVENTS_TABLE = """\
CREATE TABLE IF NOT EXISTS transaction_events (
    station_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    trigger_reason TEXT,
    seq_no INTEGER,
    offline INTEGER,
    number_of_phases_used INTEGER,
    cable_max_current INTEGER,
    reservation_id INTEGER,
    remote_start_id INTEGER,
    charging_state TEXT,
    stopped_reason TEXT,
    time_spent_charging INTEGER,
    evse_id INTEGER,
    connector_id INTEGER,
    id_token TEXT,
    id_token_type TEXT,
    meter_value_count INTEGER NOT NULL
)"""

CREATE_EVENTS_INDEX = (
    "CREATE INDEX IF NOT EXISTS transaction_events_station_transaction "
    "ON transaction_events (station_id, transaction_id)"
)

INSERT_ROW = (
    f"INSERT INTO sampled_values ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
)
INSERT_EVENT = (
    f"INSERT INTO transaction_events ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
)

SYNCHRONOUS_MODES = ("full", "normal")

MAX_BATCH_BYTES = 1 << 20
"""Bytes of frames in one transaction of the writer (a larger frame goes alone): their columns,
about 20 times this at most, are what the writer holds, and the time to store them is what a
small frame may wait behind."""

_TIMESTAMP = COLUMNS.index("timestamp")
_ROW_TRANSACTION_ID = COLUMNS.index("transaction_id")
_EVENT_TRANSACTION_ID = EVENT_COLUMNS.index("transaction_id")


def row_to_sql(row: Row) -> tuple[Any, ...]:
    """The row as SQL parameters: the timestamp becomes fixed-width RFC 3339 UTC text, as
    :meth:`~ocpp_meter.BatchResult.sql_rows` gives it."""
    return (*row[:_TIMESTAMP], _timestamp_text(row.timestamp), *row[_TIMESTAMP + 1 :])


def _timestamp_text(stamp: datetime) -> str:
    return stamp.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def decode_frames(
    frames: Sequence[Buffer], station_ids: Sequence[str], profile: Profile, dialect: BatchDialect
) -> BatchResult:
    """The core's decode of frames the writer stores (one thread: the writer's own)."""
    return decode_batch(frames, station_ids, threads=1, profile=profile, dialect=dialect)


def connect(path: str, synchronous: str = "full") -> sqlite3.Connection:
    """Open (creating if need be) the database: WAL journal, the given ``synchronous`` level.

    ``full`` syncs the write-ahead log on every commit, so a committed (and so acknowledged)
    frame survives a power cut or an OS crash; ``normal`` syncs only at checkpoints, which
    survives the process being killed but may lose the last commits on power loss.
    """
    if synchronous not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}, not {synchronous!r}")
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal" and path != ":memory:":
            raise sqlite3.OperationalError(f"could not switch {path!r} to WAL (got {mode!r})")
        connection.execute(f"PRAGMA synchronous={synchronous.upper()}")
        for statement in (CREATE_TABLE, CREATE_INDEX, CREATE_EVENTS_TABLE, CREATE_EVENTS_INDEX):
            connection.execute(statement)
        create_session_energy_view(connection)
    except BaseException:
        connection.close()
        raise
    return connection


@dataclass
class WriterStats:
    """What the writer has made durable so far."""

    commits: int = 0
    frames: int = 0
    rows: int = 0
    events: int = 0
    failed_frames: int = 0


_Future = Union["asyncio.Future[int]", "concurrent.futures.Future[int]"]


class _Pending:
    """A queued frame: what it is stored from, and who waits for it."""

    __slots__ = (
        "dialect",
        "error",
        "frame",
        "future",
        "loop",
        "profile",
        "rows",
        "station_id",
        "transaction_id",
    )

    def __init__(
        self,
        station_id: str,
        frame: Buffer,
        dialect: BatchDialect,
        profile: Profile,
        future: _Future,
        loop: asyncio.AbstractEventLoop | None,
        transaction_id: str | None = None,
    ) -> None:
        self.station_id = station_id
        self.frame = frame
        self.dialect = dialect
        self.profile = profile
        self.future = future
        self.loop = loop
        self.rows = 0
        self.error: BaseException | None = None
        self.transaction_id = transaction_id


_STOP = object()


class GroupCommitWriter:
    """One thread that writes frames to SQLite, many frames per commit.

    Use it as a context manager, or call :meth:`start` and :meth:`close`. A frame's future
    resolves to its number of rows once they (and its event record, for a TransactionEvent)
    are committed, or fails with the error that kept them from being written (nothing of that
    frame is then stored). A transaction holds at most ``max_batch_frames`` frames and
    ``max_batch_bytes`` of them (or one larger frame); see :meth:`_take` for their order.
    """

    def __init__(
        self,
        path: str,
        *,
        synchronous: str = "full",
        max_batch_frames: int = 1000,
        max_batch_bytes: int = MAX_BATCH_BYTES,
    ) -> None:
        if max_batch_frames < 1:
            raise ValueError("max_batch_frames must be at least 1")
        if max_batch_bytes < 1:
            raise ValueError("max_batch_bytes must be at least 1")
        self.path = path
        self.synchronous = synchronous
        self.max_batch_frames = max_batch_frames
        self.max_batch_bytes = max_batch_bytes
        self.stats = WriterStats()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._connection: sqlite3.Connection | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._events = 0  # event records of the transaction in progress (writer thread)
        self._oldest_next = True  # see _take

    def start(self) -> Self:
        """Open the database (errors are raised here) and start the writer thread."""
        with self._lock:
            if self._thread is not None or self._closed:
                raise RuntimeError("the writer was already started")
            self._connection = connect(self.path, self.synchronous)
            self._thread = threading.Thread(target=self._run, name="ocpp-meter-writer", daemon=True)
            self._thread.start()
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def submit(
        self,
        station_id: str,
        message_id: str,
        request: MeterValuesRequest | TransactionEventRequest,
    ) -> concurrent.futures.Future[int]:
        """Queue a decoded request as the CALL ``message_id``; the future gives its row count
        once committed."""
        frame = _encoded(message_id, request)
        future: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._put(_Pending(station_id, frame, "2.1", "strict", future, None))
        return future

    async def write(
        self,
        station_id: str,
        message_id: str,
        request: MeterValuesRequest | TransactionEventRequest,
    ) -> int:
        """Queue a decoded request and wait until it is committed; returns the row count."""
        return await self.write_frame(station_id, _encoded(message_id, request), dialect="2.1")

    async def write_frame(
        self,
        station_id: str,
        frame: Buffer,
        *,
        dialect: BatchDialect = "2.0.1",
        profile: Profile = "strict",
        transaction_id: str | None = None,
    ) -> int:
        """Queue a MeterValues or TransactionEvent CALL frame, as received (it is decoded on the
        writer thread under ``dialect`` and ``profile``, so the caller should have validated it
        under them: a frame the core rejects fails with its ``OcppError``), and wait until its
        rows and event record are committed; returns the row count. ``transaction_id`` is the
        id the endpoint assigned to a 1.6 StartTransaction: its rows and event record get it
        (the request itself has none)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._put(_Pending(station_id, frame, dialect, profile, future, loop, transaction_id))
        return await future

    def _put(self, pending: _Pending) -> None:
        with self._lock:
            if self._thread is None or self._closed:
                raise RuntimeError("the writer is not running")
            self._queue.put(pending)

    def close(self) -> None:
        """Commit every frame queued so far, stop the thread and close the database."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join()

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    # The writer thread.

    def _run(self) -> None:
        connection = self._connection
        assert connection is not None
        backlog: list[_Pending] = []
        try:
            stopping = False
            while backlog or not stopping:
                if not backlog:
                    item = self._queue.get()
                    if item is _STOP:
                        break
                    assert isinstance(item, _Pending)
                    backlog.append(item)
                while not stopping:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stopping = True
                    else:
                        assert isinstance(item, _Pending)
                        backlog.append(item)
                self._commit(connection, self._take(backlog))
        finally:
            connection.close()

    def _take(self, backlog: list[_Pending]) -> list[_Pending]:
        """The next transaction's frames, removed from ``backlog`` (arrival order), at most
        ``max_batch_frames`` and ``max_batch_bytes`` of them (or one larger frame).

        Transactions alternate: one takes the oldest frame (alone when it is over half of
        ``max_batch_bytes``), the next the smallest frames. A station sending small frames thus
        waits behind at most one transaction of large ones, and the oldest frame goes at least
        every other transaction, so none waits forever."""
        budget = self.max_batch_bytes
        chosen: set[int] = set()
        if self._oldest_next:
            chosen.add(0)
            budget -= len(backlog[0].frame)
            if budget < self.max_batch_bytes // 2:
                budget = 0
        self._oldest_next = not self._oldest_next
        for i in sorted(range(len(backlog)), key=lambda i: len(backlog[i].frame)):
            size = len(backlog[i].frame)
            if len(chosen) >= self.max_batch_frames or (size > budget and chosen):
                break
            if i not in chosen:
                budget -= size
                chosen.add(i)
        batch = [pending for i, pending in enumerate(backlog) if i in chosen]
        backlog[:] = [pending for i, pending in enumerate(backlog) if i not in chosen]
        return batch

    def _commit(self, connection: sqlite3.Connection, batch: Sequence[_Pending]) -> None:
        failure = self._transaction(connection, batch)
        stored = [pending for pending in batch if pending.error is None]
        if failure is None:
            self._count_commit(stored)
        else:
            logger.error("commit of %d frames failed: %s", len(batch), failure)
            if len(stored) == 1:
                stored[0].error = failure
            else:
                # Nothing of the batch is stored: try each frame alone, so that a frame the
                # database refuses fails alone and the others are still committed.
                for pending in stored:
                    pending.error = self._transaction(connection, [pending])
                    if pending.error is None:
                        self._count_commit([pending])
        for pending in batch:
            if pending.error is None:
                self.stats.frames += 1
            else:
                self.stats.failed_frames += 1
                logger.error("station %r: frame not stored: %s", pending.station_id, pending.error)
        self._resolve(batch)

    def _count_commit(self, stored: Sequence[_Pending]) -> None:
        self.stats.commits += 1
        self.stats.rows += sum(pending.rows for pending in stored if pending.error is None)
        self.stats.events += self._events

    def _transaction(
        self, connection: sqlite3.Connection, frames: Sequence[_Pending]
    ) -> Exception | None:
        """Store ``frames`` in one transaction (each frame the core rejects gets its error and
        nothing stored); the error that rolled the transaction back, if any."""
        self._events = 0
        try:
            connection.execute("BEGIN")
            for result, assigned in self._decoded(frames):
                rows: Iterable[tuple[Any, ...]] = result.sql_parameters()
                events: Iterable[tuple[Any, ...]] = result.events.sql_parameters()
                if assigned is not None:
                    rows = _with_transaction_id(rows, _ROW_TRANSACTION_ID, assigned)
                    events = _with_transaction_id(events, _EVENT_TRANSACTION_ID, assigned)
                connection.executemany(INSERT_ROW, rows)
                connection.executemany(INSERT_EVENT, events)
                self._events += result.event_count
                del result  # its columns go back to the core's pool before the next slice
            connection.execute("COMMIT")
        except Exception as error:  # noqa: BLE001 - handed to every waiter
            if connection.in_transaction:
                try:
                    connection.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            return error
        return None

    def _decoded(self, frames: Sequence[_Pending]) -> Iterator[tuple[BatchResult, str | None]]:
        """The decode of ``frames`` in slices of one dialect and profile and at most
        ``max_batch_bytes`` (a larger frame alone), each with the transaction id its rows and
        events are to get (a frame with an assigned id is a slice of its own); a frame the
        core rejects fails."""
        pending_frames = [pending for pending in frames if pending.error is None]
        start = 0
        while start < len(pending_frames):
            first = pending_frames[start]
            size = len(first.frame)
            end = start + 1
            while end < len(pending_frames):
                nxt = pending_frames[end]
                size += len(nxt.frame)
                if (
                    size > self.max_batch_bytes
                    or nxt.dialect != first.dialect
                    or nxt.profile != first.profile
                    or first.transaction_id is not None
                    or nxt.transaction_id is not None
                ):
                    break
                end += 1
            pendings = pending_frames[start:end]
            start = end
            try:
                result = _decode(pendings)
            except Exception as error:  # noqa: BLE001 - only the frame that caused it fails
                if len(pendings) == 1:
                    pendings[0].error = error
                    continue
                for pending in pendings:  # find it: each frame of the slice alone
                    try:
                        result = _decode([pending])
                    except Exception as error:  # noqa: BLE001
                        pending.error = error
                        continue
                    _take_counts(result, [pending])
                    yield result, pending.transaction_id
                continue
            _take_counts(result, pendings)
            yield result, first.transaction_id

    @staticmethod
    def _resolve(batch: Sequence[_Pending]) -> None:
        # One wake-up per event loop per batch, not one per frame.
        by_loop: dict[asyncio.AbstractEventLoop, list[_Pending]] = {}
        for pending in batch:
            if pending.loop is None:
                _settle(pending)
            else:
                by_loop.setdefault(pending.loop, []).append(pending)
        for loop, items in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle_all, items)
            except RuntimeError:  # the loop was closed meanwhile: nobody is waiting
                pass


def _decode(pendings: Sequence[_Pending]) -> BatchResult:
    first = pendings[0]
    return decode_frames(
        [p.frame for p in pendings], [p.station_id for p in pendings], first.profile, first.dialect
    )


def _encoded(message_id: str, request: object) -> bytes:
    if not isinstance(request, (MeterValuesRequest, TransactionEventRequest)):
        raise TypeError(f"the writer does not store {type(request).__name__}")
    return encode_call(message_id, request)


def _with_transaction_id(
    parameters: Iterable[tuple[Any, ...]], column: int, transaction_id: str
) -> Iterator[tuple[Any, ...]]:
    """The parameters with ``transaction_id`` in ``column`` (one StartTransaction's few)."""
    for parameter in parameters:
        yield (*parameter[:column], transaction_id, *parameter[column + 1 :])


def _take_counts(result: BatchResult, pendings: Sequence[_Pending]) -> None:
    """Each frame's rows; a frame the core rejected gets the error of its error record."""
    for pending, rows in zip(pendings, result.frame_rows):
        pending.rows = rows
    if result.error_count:
        for index, message_id, code, description, path in result.errors.sql_parameters():
            pendings[index].error = OcppError(code, description, path=path, message_id=message_id)


def _settle_all(items: Sequence[_Pending]) -> None:
    for pending in items:
        _settle(pending)


def _settle(pending: _Pending) -> None:
    future = pending.future
    if future.cancelled():
        return
    try:
        if pending.error is None:
            future.set_result(pending.rows)
        else:
            future.set_exception(pending.error)
    except (asyncio.InvalidStateError, concurrent.futures.InvalidStateError):
        pass  # cancelled by its waiter meanwhile
