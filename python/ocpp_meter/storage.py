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
encoded back to its frame), each giving a future. The thread decodes frames with the core's
:func:`~ocpp_meter.decode_batch` and inserts the rows and event records from its columns one
parameter tuple at a time (:meth:`~ocpp_meter.BatchResult.sql_parameters`): no Python object
per row is ever held. It commits, and only then resolves each frame's future.

Frames go two ways, so that no step of the thread holds the database long (SQLite has one
writer: a frame is acknowledged only once its transaction commits, and a transaction waits for
the one before):

- A frame that gives at most about half of ``max_batch_rows`` rows (``large_frame_bytes`` or
  less, as a reading takes at least 12 bytes) is committed with the others waiting: up to
  ``max_batch_frames`` frames, ``max_batch_bytes`` of them and ``max_batch_rows`` rows per
  transaction, the oldest frame and the smallest ones by turns. If the transaction fails, each
  of its frames is tried again in a transaction of its own, so a frame the database refuses
  fails alone (its waiter gets the error, which the endpoint answers with an ``InternalError``
  CALLERROR) and nothing of it is stored. While one commit is on disk the next batch gathers,
  so the cost of a sync is shared by every frame that arrived meanwhile, and no delay is added
  when the load is light.
- A larger frame is stored in steps, one between two of those transactions: its rows go into a
  temporary table ``max_batch_rows`` at a time (the temporary database is not synced and
  readers never see it), then one transaction copies them into ``sampled_values`` with its
  event record, the only long step (SQLite alone copies about 87,000 rows of a 1 MiB frame in
  0.1 to 0.3 s). One large frame is staged at a time, the oldest and the smallest by turns.

A frame's rows and event record are thus committed together or not at all, and a station
sending small frames waits behind one step at most, however many large frames are queued. The
writer holds the columns of one slice of small frames (``max_batch_rows`` rows at most) and of
the large frame being staged (about 20 times its size for ``{"value":0}`` readings, the densest
frame there is), whatever the number of frames waiting.
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
from itertools import islice
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
    "CLEAR_STAGING",
    "CREATE_EVENTS_TABLE",
    "CREATE_STAGING",
    "CREATE_TABLE",
    "INSERT_EVENT",
    "INSERT_ROW",
    "INSERT_STAGED",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_ROWS",
    "MIN_READING_BYTES",
    "PUBLISH_STAGED",
    "GroupCommitWriter",
    "WriterStats",
    "connect",
    "row_to_sql",
]

logger = logging.getLogger(__name__)

_ROW_COLUMNS = """(
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

CREATE_TABLE = f"CREATE TABLE IF NOT EXISTS sampled_values {_ROW_COLUMNS}"

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

CREATE_STAGING = f"CREATE TEMP TABLE IF NOT EXISTS staged_values {_ROW_COLUMNS}"
INSERT_STAGED = INSERT_ROW.replace("INSERT INTO sampled_values", "INSERT INTO temp.staged_values")
PUBLISH_STAGED = "INSERT INTO main.sampled_values SELECT * FROM temp.staged_values ORDER BY rowid"
CLEAR_STAGING = "DELETE FROM temp.staged_values"

SYNCHRONOUS_MODES = ("full", "normal")

MAX_BATCH_BYTES = 1 << 20
"""Bytes of frames the writer considers for one transaction."""

MAX_BATCH_ROWS = 2048
"""Rows in one transaction of the writer, and in one step of storing a larger frame: the time
to insert them (about 35 ms on a loaded 2-core machine) is, besides the publication of one
large frame, what a small frame may wait behind."""

MIN_READING_BYTES = len('{"value":0},')
"""The fewest bytes a reading takes in a frame (a sampled value needs its ``value``), so a
frame of ``n`` bytes gives fewer than ``n / MIN_READING_BYTES + 1`` rows."""

_TIMESTAMP = COLUMNS.index("timestamp")
_ROW_ASSIGNED = (COLUMNS.index("transaction_id"), COLUMNS.index("connector_id"))
_EVENT_ASSIGNED = (EVENT_COLUMNS.index("transaction_id"), EVENT_COLUMNS.index("connector_id"))


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
        "connector_id",
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
        connector_id: int | None = None,
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
        self.connector_id = connector_id

    @property
    def assigned(self) -> tuple[str | None, int | None] | None:
        """The transaction id and connector the endpoint gave this frame, if it gave any."""
        if self.transaction_id is None and self.connector_id is None:
            return None
        return self.transaction_id, self.connector_id


_STOP = object()


class GroupCommitWriter:
    """One thread that writes frames to SQLite, many frames per commit.

    Use it as a context manager, or call :meth:`start` and :meth:`close`. A frame's future
    resolves to its number of rows once they (and its event record, for a TransactionEvent)
    are committed, or fails with the error that kept them from being written (nothing of that
    frame is then stored). A transaction holds at most ``max_batch_frames`` frames,
    ``max_batch_bytes`` of them and about ``max_batch_rows`` rows (see :meth:`_take` for their
    order); a frame that could give more than half of ``max_batch_rows`` rows (over
    ``large_frame_bytes``) is stored in steps of its own (see :meth:`_staged`), one step between
    two transactions of the others.
    """

    def __init__(
        self,
        path: str,
        *,
        synchronous: str = "full",
        max_batch_frames: int = 1000,
        max_batch_bytes: int = MAX_BATCH_BYTES,
        max_batch_rows: int = MAX_BATCH_ROWS,
    ) -> None:
        if max_batch_frames < 1:
            raise ValueError("max_batch_frames must be at least 1")
        if max_batch_bytes < 1:
            raise ValueError("max_batch_bytes must be at least 1")
        if max_batch_rows < 2:
            raise ValueError("max_batch_rows must be at least 2")
        self.path = path
        self.synchronous = synchronous
        self.max_batch_frames = max_batch_frames
        self.max_batch_bytes = max_batch_bytes
        self.max_batch_rows = max_batch_rows
        self.large_frame_bytes = MIN_READING_BYTES * max_batch_rows // 2
        """Frames longer than this are staged (:meth:`_staged`); shorter ones give at most about
        half of ``max_batch_rows`` rows."""
        self.stats = WriterStats()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._connection: sqlite3.Connection | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._events = 0  # event records of the transaction in progress (writer thread)
        self._oldest_next = True  # see _take
        self._oldest_large_next = True  # see _next_large

    def start(self) -> Self:
        """Open the database (errors are raised here) and start the writer thread."""
        with self._lock:
            if self._thread is not None or self._closed:
                raise RuntimeError("the writer was already started")
            self._connection = connect(self.path, self.synchronous)
            try:
                self._connection.execute(CREATE_STAGING)
            except BaseException:
                self._connection.close()
                raise
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
        connector_id: int | None = None,
    ) -> int:
        """Queue a MeterValues or TransactionEvent CALL frame, as received (it is decoded on the
        writer thread under ``dialect`` and ``profile``, so the caller should have validated it
        under them: a frame the core rejects fails with its ``OcppError``), and wait until its
        rows and event record are committed; returns the row count. ``transaction_id`` is the
        id the endpoint assigned to a 1.6 StartTransaction: its rows and event record get it
        (the request itself has none); ``connector_id`` the connector the endpoint knows a
        1.6 StopTransaction's transaction by (its request names none)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._put(
            _Pending(
                station_id, frame, dialect, profile, future, loop, transaction_id, connector_id
            )
        )
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
        small: list[_Pending] = []  # arrival order
        large: list[_Pending] = []  # arrival order
        staging: Iterator[None] | None = None  # the large frame being stored
        stopping = False
        try:
            while small or large or staging is not None or not stopping:
                idle = not small and not large and staging is None
                stopping = self._gather(small, large, wait=idle) or stopping
                # One transaction of small frames, then one step of a large one: a small frame
                # waits behind at most one of each.
                if small:
                    self._commit(connection, small)
                if staging is None and large:
                    staging = self._staged(connection, large.pop(self._next_large(large)))
                if staging is not None:
                    try:
                        next(staging)
                    except StopIteration:
                        staging = None
        finally:
            connection.close()

    def _gather(self, small: list[_Pending], large: list[_Pending], *, wait: bool) -> bool:
        """Move the frames queued into ``small`` and ``large`` (blocking for the first one if
        ``wait``); whether :meth:`close` asked the thread to stop."""
        while True:
            try:
                item = self._queue.get() if wait else self._queue.get_nowait()
            except queue.Empty:
                return False
            if item is _STOP:
                return True  # nothing is queued after it
            assert isinstance(item, _Pending)
            (large if len(item.frame) > self.large_frame_bytes else small).append(item)
            wait = False

    def _take(self, backlog: Sequence[_Pending]) -> list[_Pending]:
        """The next transaction's frames from ``backlog`` (arrival order), in the order they go
        in: at most ``max_batch_frames`` and ``max_batch_bytes`` of them, of which
        :meth:`_decoded` keeps those that fit in ``max_batch_rows``.

        Transactions alternate: one takes the oldest frame first, the other not; then come the
        smallest frames. The oldest frame gives at most about half of ``max_batch_rows`` (larger
        frames are staged), so a station sending small frames waits behind at most one
        transaction of others, and the oldest frame goes at least every other transaction, so
        none waits forever."""
        order = sorted(range(len(backlog)), key=lambda i: len(backlog[i].frame))
        if self._oldest_next:
            order.remove(0)
            order.insert(0, 0)
        self._oldest_next = not self._oldest_next
        budget = self.max_batch_bytes
        batch: list[_Pending] = []
        for i in order:
            size = len(backlog[i].frame)
            if len(batch) >= self.max_batch_frames or (size > budget and batch):
                break
            budget -= size
            batch.append(backlog[i])
        return batch

    def _next_large(self, backlog: Sequence[_Pending]) -> int:
        """Which frame of ``backlog`` (arrival order) to stage next: the oldest and the
        smallest by turns, so a frame waits behind at most one larger one and none forever."""
        oldest = self._oldest_large_next
        self._oldest_large_next = not oldest
        if oldest:
            return 0
        return min(range(len(backlog)), key=lambda i: len(backlog[i].frame))

    def _commit(self, connection: sqlite3.Connection, backlog: list[_Pending]) -> None:
        """Store the next transaction's frames of ``backlog`` (which loses them) and resolve
        their futures."""
        batch = self._take(backlog)
        left: list[_Pending] = []
        failure = self._transaction(connection, batch, left)
        if left:  # over max_batch_rows: they stay for the next transaction
            kept = {id(pending) for pending in left}
            batch = [pending for pending in batch if id(pending) not in kept]
        done = {id(pending) for pending in batch}
        backlog[:] = [pending for pending in backlog if id(pending) not in done]
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
                    pending.error = self._transaction(connection, [pending], [])
                    if pending.error is None:
                        self._count_commit([pending])
        self._finish(batch)

    def _finish(self, batch: Sequence[_Pending]) -> None:
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
        self, connection: sqlite3.Connection, frames: Sequence[_Pending], left: list[_Pending]
    ) -> Exception | None:
        """Store ``frames`` in one transaction (each frame the core rejects gets its error and
        nothing stored; those past ``max_batch_rows`` go to ``left``); the error that rolled the
        transaction back, if any."""
        self._events = 0
        try:
            connection.execute("BEGIN")
            for result, assigned in self._decoded(frames, left):
                rows: Iterable[tuple[Any, ...]] = result.sql_parameters()
                events: Iterable[tuple[Any, ...]] = result.events.sql_parameters()
                if assigned is not None:
                    rows = _with_assigned(rows, _ROW_ASSIGNED, assigned)
                    events = _with_assigned(events, _EVENT_ASSIGNED, assigned)
                connection.executemany(INSERT_ROW, rows)
                connection.executemany(INSERT_EVENT, events)
                self._events += result.event_count
                del result  # its columns go back to the core's pool before the next slice
            connection.execute("COMMIT")
        except Exception as error:  # noqa: BLE001 - handed to every waiter
            _rollback(connection)
            return error
        return None

    def _decoded(
        self, frames: Sequence[_Pending], left: list[_Pending]
    ) -> Iterator[tuple[BatchResult, tuple[str | None, int | None] | None]]:
        """The decode of ``frames`` in slices of one dialect and profile and at most
        ``max_batch_bytes`` and ``max_batch_rows`` (a slice that would take the rows past it,
        and the frames after it, go to ``left``), each with the transaction id and connector
        its rows and events are to get (a frame given either is a slice of its own); a frame
        the core rejects fails."""
        pending_frames = [pending for pending in frames if pending.error is None]
        most = min(self.max_batch_bytes, MIN_READING_BYTES * self.max_batch_rows)
        rows = 0
        start = 0
        while start < len(pending_frames):
            first = pending_frames[start]
            size = len(first.frame)
            end = start + 1
            while end < len(pending_frames):
                nxt = pending_frames[end]
                size += len(nxt.frame)
                if (
                    size > most
                    or nxt.dialect != first.dialect
                    or nxt.profile != first.profile
                    or first.assigned is not None
                    or nxt.assigned is not None
                ):
                    break
                end += 1
            pendings = pending_frames[start:end]
            try:
                result = _decode(pendings)
            except Exception as error:  # noqa: BLE001 - only the frame that caused it fails
                start = end
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
                    rows += result.row_count
                    yield result, pending.assigned
                continue
            if rows and rows + result.row_count > self.max_batch_rows:
                left.extend(pending_frames[start:])
                return
            start = end
            _take_counts(result, pendings)
            rows += result.row_count
            yield result, first.assigned

    def _staged(self, connection: sqlite3.Connection, pending: _Pending) -> Iterator[None]:
        """Store a large frame in steps, yielding after each: its decode; its rows into the
        temporary table ``staged_values``, ``max_batch_rows`` at a time, each step a transaction
        of the temporary database (nothing synced, nothing visible to readers); then one
        transaction that copies them into ``sampled_values`` with its event record and commits.
        The frame's rows are thus committed together or not at all, and the transactions of
        small frames go in between the steps, each waiting behind one step at most: the
        copy, the longest, moves rows in SQLite alone (about 2 us a row)."""
        try:
            result = _decode([pending])
        except Exception as error:  # noqa: BLE001 - the frame fails
            pending.error = error
        else:
            _take_counts(result, [pending])
        if pending.error is None:
            yield
            rows: Iterator[tuple[Any, ...]] = iter(result.sql_parameters())
            events: Iterable[tuple[Any, ...]] = result.events.sql_parameters()
            assigned = pending.assigned
            if assigned is not None:
                rows = _with_assigned(rows, _ROW_ASSIGNED, assigned)
                events = _with_assigned(events, _EVENT_ASSIGNED, assigned)
            try:
                for _ in range(0, pending.rows, self.max_batch_rows):
                    connection.execute("BEGIN")
                    connection.executemany(INSERT_STAGED, islice(rows, self.max_batch_rows))
                    connection.execute("COMMIT")
                    yield
                connection.execute("BEGIN")
                connection.execute(PUBLISH_STAGED)
                connection.executemany(INSERT_EVENT, events)
                connection.execute(CLEAR_STAGING)
                connection.execute("COMMIT")
            except Exception as error:  # noqa: BLE001 - handed to the waiter
                pending.error = error
                _rollback(connection)
                try:
                    connection.execute(CLEAR_STAGING)
                except sqlite3.Error:
                    logger.exception("could not clear the staging table")
            else:
                self.stats.commits += 1
                self.stats.rows += pending.rows
                self.stats.events += result.event_count
            del rows, events, result
        self._finish([pending])

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


def _rollback(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        try:
            connection.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _encoded(message_id: str, request: object) -> bytes:
    if not isinstance(request, (MeterValuesRequest, TransactionEventRequest)):
        raise TypeError(f"the writer does not store {type(request).__name__}")
    return encode_call(message_id, request)


def _with_assigned(
    parameters: Iterable[tuple[Any, ...]],
    columns: tuple[int, int],
    assigned: tuple[str | None, int | None],
) -> Iterator[tuple[Any, ...]]:
    """The parameters with the assigned transaction id and connector (those given) in their
    ``columns`` (one 1.6 Start- or StopTransaction's few)."""
    for parameter in parameters:
        values = list(parameter)
        for column, value in zip(columns, assigned):
            if value is not None:
                values[column] = value
        yield tuple(values)


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
