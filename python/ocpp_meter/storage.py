"""SQLite storage of the row form, written by one group-commit writer thread.

The table ``sampled_values`` has the contract's columns (``CONTRACT.md`` section 4), in order.
``timestamp`` is stored as RFC 3339 text in UTC with six fraction digits and ``Z``
(``2024-05-01T12:00:00.000000Z``): fixed width, so text order is time order, and SQLite's date
functions read it. There is no uniqueness constraint: a station that resends a frame whose
acknowledgement it lost gets its rows stored again (at least once), while a station that reuses
message ids after a reboot never has real readings dropped.

:class:`GroupCommitWriter` owns the connection on a thread of its own. Frames are queued with
:meth:`~GroupCommitWriter.write` (awaitable) or :meth:`~GroupCommitWriter.submit` (a
``concurrent.futures.Future``); the thread takes every frame waiting in the queue (up to
``max_batch_frames``), turns them into rows, inserts them in one transaction, commits, and only
then resolves each frame's future. If the batch's transaction fails, each of its frames is tried
again in a transaction of its own, so a frame the database refuses fails alone (its waiter gets
the error, which the endpoint answers with an ``InternalError`` CALLERROR) and no row of it is
stored. What a request becomes in SQL is looked up by its type in :data:`INSERTS_OF` (today
MeterValues: its rows in ``sampled_values``); every statement of a frame is in the same
transaction, so a request type that also writes another table (a TransactionEvent's event
record) is stored all or nothing, and acknowledged after the commit like MeterValues.
While one commit is on disk the next batch gathers, so the
cost of a sync is shared by every frame that arrived meanwhile, and no delay is added when the
load is light.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Union

from ._core import MeterValuesRequest
from .rows import COLUMNS, Row, meter_values_rows

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "CREATE_TABLE",
    "INSERTS_OF",
    "INSERT_ROW",
    "GroupCommitWriter",
    "Inserts",
    "WriterStats",
    "connect",
    "frame_to_sql",
    "meter_values_inserts",
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

INSERT_ROW = (
    f"INSERT INTO sampled_values ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
)

SYNCHRONOUS_MODES = ("full", "normal")

_TIMESTAMP = COLUMNS.index("timestamp")


def row_to_sql(row: Row) -> tuple[Any, ...]:
    """The row as SQL parameters: the timestamp becomes fixed-width RFC 3339 UTC text."""
    return (*row[:_TIMESTAMP], _timestamp_text(row.timestamp), *row[_TIMESTAMP + 1 :])


def _timestamp_text(stamp: datetime) -> str:
    return stamp.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def frame_to_sql(
    station_id: str, message_id: str, request: MeterValuesRequest
) -> list[tuple[Any, ...]]:
    """The SQL parameters of every row of one frame (:func:`row_to_sql` of each row)."""
    out: list[tuple[Any, ...]] = []
    last: datetime | None = None
    text = ""
    for row in meter_values_rows(station_id, message_id, request):
        stamp = row.timestamp
        if stamp is not last:  # one datetime per meter value: format it once
            last, text = stamp, _timestamp_text(stamp)
        out.append((*row[:_TIMESTAMP], text, *row[_TIMESTAMP + 1 :]))
    return out


Inserts = list[tuple[str, list[tuple[Any, ...]]]]
"""What one frame writes: ``(INSERT statement, parameter rows)`` pairs, committed together."""


def meter_values_inserts(station_id: str, message_id: str, request: MeterValuesRequest) -> Inserts:
    """A MeterValues frame: its rows in ``sampled_values``."""
    return [(INSERT_ROW, frame_to_sql(station_id, message_id, request))]


INSERTS_OF: dict[type, Callable[[str, str, Any], Inserts]] = {
    MeterValuesRequest: meter_values_inserts,
}
"""How :class:`GroupCommitWriter` stores each request type (run on the writer thread)."""


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
        connection.execute(CREATE_TABLE)
        connection.execute(CREATE_INDEX)
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
    failed_frames: int = 0


_Future = Union["asyncio.Future[int]", "concurrent.futures.Future[int]"]


@dataclass
class _Pending:
    station_id: str
    message_id: str
    request: Any
    future: _Future
    loop: asyncio.AbstractEventLoop | None
    inserts: Inserts = field(default_factory=list)
    error: BaseException | None = None

    @property
    def rows(self) -> int:
        """The frame's rows in ``sampled_values`` (its readings)."""
        return sum(len(rows) for sql, rows in self.inserts if sql == INSERT_ROW)


_STOP = object()


class GroupCommitWriter:
    """One thread that writes frames to SQLite, many frames per commit.

    Use it as a context manager, or call :meth:`start` and :meth:`close`. A frame's future
    resolves to its number of rows once they are committed, or fails with the error that kept
    them from being written (nothing of that frame is then stored). A request of a type not in
    :data:`INSERTS_OF` is refused when queued (``TypeError``), never dropped later.
    """

    def __init__(
        self,
        path: str,
        *,
        synchronous: str = "full",
        max_batch_frames: int = 1000,
    ) -> None:
        if max_batch_frames < 1:
            raise ValueError("max_batch_frames must be at least 1")
        self.path = path
        self.synchronous = synchronous
        self.max_batch_frames = max_batch_frames
        self.stats = WriterStats()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._connection: sqlite3.Connection | None = None
        self._closed = False
        self._lock = threading.Lock()

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
        self, station_id: str, message_id: str, request: MeterValuesRequest
    ) -> concurrent.futures.Future[int]:
        """Queue a frame; the future gives its row count once committed."""
        _check_storable(request)
        future: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._put(_Pending(station_id, message_id, request, future, None))
        return future

    async def write(self, station_id: str, message_id: str, request: MeterValuesRequest) -> int:
        """Queue a frame and wait until its rows are committed; returns the row count."""
        _check_storable(request)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._put(_Pending(station_id, message_id, request, future, loop))
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
        try:
            stopping = False
            while not stopping:
                item = self._queue.get()
                if item is _STOP:
                    break
                assert isinstance(item, _Pending)
                batch = [item]
                while len(batch) < self.max_batch_frames:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stopping = True
                        break
                    assert isinstance(item, _Pending)
                    batch.append(item)
                self._commit(connection, batch)
        finally:
            connection.close()

    def _commit(self, connection: sqlite3.Connection, batch: Sequence[_Pending]) -> None:
        merged: dict[str, list[tuple[Any, ...]]] = {}
        for pending in batch:
            try:
                to_sql = INSERTS_OF[type(pending.request)]
                pending.inserts = to_sql(pending.station_id, pending.message_id, pending.request)
            except Exception as error:  # noqa: BLE001 - one bad frame must not sink the batch
                pending.error = error
            else:
                for sql, rows in pending.inserts:
                    merged.setdefault(sql, []).extend(rows)
        failure = self._transaction(connection, list(merged.items()))
        if failure is None:
            self.stats.commits += 1
            self.stats.rows += len(merged.get(INSERT_ROW, ()))
        else:
            logger.error("commit of %d frames failed: %s", len(batch), failure)
            flattened = [pending for pending in batch if pending.error is None]
            if len(flattened) == 1:
                flattened[0].error = failure
            else:
                # Nothing of the batch is stored: try each frame alone, so that a frame the
                # database refuses fails alone and the others are still committed.
                for pending in flattened:
                    pending.error = self._transaction(connection, pending.inserts)
                    if pending.error is None:
                        self.stats.commits += 1
                        self.stats.rows += pending.rows
                    else:
                        logger.error(
                            "station %r, message id %r: rows not stored: %s",
                            pending.station_id,
                            pending.message_id,
                            pending.error,
                        )
        for pending in batch:
            if pending.error is None:
                self.stats.frames += 1
            else:
                self.stats.failed_frames += 1
        self._resolve(batch)

    @staticmethod
    def _transaction(connection: sqlite3.Connection, inserts: Inserts) -> Exception | None:
        """Run ``inserts`` in one transaction; the error that rolled it back, if any."""
        try:
            connection.execute("BEGIN")
            for sql, rows in inserts:
                connection.executemany(sql, rows)
            connection.execute("COMMIT")
        except Exception as error:  # noqa: BLE001 - handed to every waiter
            if connection.in_transaction:
                try:
                    connection.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            return error
        return None

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


def _check_storable(request: object) -> None:
    if type(request) not in INSERTS_OF:
        raise TypeError(f"the writer does not store {type(request).__name__}")


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
