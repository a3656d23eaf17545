"""The transaction ids the endpoint assigns to OCPP 1.6J StartTransaction requests.

In OCPP 1.6 the Central System, not the station, names a transaction: its StartTransaction
answer carries an integer ``transactionId`` that the station then quotes in its MeterValues and
StopTransaction. Billing joins on that id, so it must never be handed out twice, across
reconnects and restarts alike. Each id is a row of the SQLite table ``ocpp16_transactions``
in the endpoint's database, committed before the answer leaves:

- ``transaction_id INTEGER PRIMARY KEY AUTOINCREMENT``: SQLite never reuses an
  ``AUTOINCREMENT`` key, even one whose row was deleted;
- ``station_id``, ``message_id``, ``started_at`` (the request's ``timestamp``, as stored in
  ``transaction_events``), ``connector_id``, ``id_tag``: who was given it.

A station that sends the same StartTransaction again (same station, message id and
timestamp: it lost the answer to a dropped connection or a restart) gets the id it was given
the first time, so the readings and the StopTransaction that follow name one transaction.

Ids stop at 2147483647, the largest 1.6 ``integer`` most stations store; past it
:meth:`TransactionIds.assign` raises, which the endpoint answers ``InternalError``.

The same source, :class:`TransactionIdSource`, has two more homes for the deployments where
gateways share no file: the PostgreSQL table of :mod:`ocpp_meter.postgres_transaction_ids`
(``serve --db postgresql://``) and the JetStream key-value bucket of
:mod:`ocpp_meter.broker_transaction_ids` (``serve --broker``). Each also tells which connector
a transaction it assigned runs on, for the StopTransaction, which names none.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
import threading
from typing import Protocol

__all__ = [
    "CREATE_TRANSACTIONS_TABLE",
    "MAX_TRANSACTION_ID",
    "BlockingTransactionIds",
    "TransactionIdSource",
    "TransactionIds",
    "check_transaction_id",
]

MAX_TRANSACTION_ID = 2**31 - 1
"""The largest id given: 1.6's ``transactionId`` is a JSON Schema ``integer``, which stations
keep in 32 signed bits."""


def check_transaction_id(transaction_id: int) -> int:
    """``transaction_id`` if it is 1 to :data:`MAX_TRANSACTION_ID`; else ``OverflowError``
    (the id space is spent: the endpoint answers ``InternalError``, and an operator must act)."""
    if not 0 < transaction_id <= MAX_TRANSACTION_ID:
        raise OverflowError(f"transaction id {transaction_id} is past {MAX_TRANSACTION_ID}")
    return transaction_id


class TransactionIdSource(Protocol):
    """Where a 1.6 endpoint's transaction ids come from: unique for ever within the source,
    and the same id again for the same StartTransaction (station, message id, timestamp)."""

    async def assign(
        self,
        station_id: str,
        message_id: str,
        started_at: str,
        connector_id: int | None,
        id_tag: str | None,
    ) -> int:
        """The id of this StartTransaction (``started_at`` its timestamp as the rows store
        it), durable before it returns: a new one, or the one it was given before."""

    async def connector_of(self, station_id: str, transaction_id: int) -> int | None:
        """The connector of the StartTransaction that ``station_id`` was given
        ``transaction_id`` for; ``None`` when this source gave it no such id."""

    async def aclose(self) -> None:
        """Release the source (assignments in progress finish first)."""


class BlockingTransactionIds:
    """A :class:`TransactionIdSource` over a database client that blocks: a subclass gives
    :meth:`assign_now`, :meth:`connector_now` and :meth:`release`, and each runs on the
    source's one thread of its own, off the event loop."""

    def __init__(self) -> None:
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ocpp-txid")

    def assign_now(
        self,
        station_id: str,
        message_id: str,
        started_at: str,
        connector_id: int | None,
        id_tag: str | None,
    ) -> int:
        """The id of this StartTransaction, durable: a new one, or the one it was given if
        it was seen before."""
        raise NotImplementedError

    def connector_now(self, station_id: str, transaction_id: int) -> int | None:
        """The connector of ``station_id``'s transaction ``transaction_id``, if this source
        assigned it."""
        raise NotImplementedError

    def release(self) -> None:
        """Close the database connection."""
        raise NotImplementedError

    async def assign(
        self,
        station_id: str,
        message_id: str,
        started_at: str,
        connector_id: int | None,
        id_tag: str | None,
    ) -> int:
        """:meth:`assign_now` off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, self.assign_now, station_id, message_id, started_at, connector_id, id_tag
        )

    async def connector_of(self, station_id: str, transaction_id: int) -> int | None:
        """:meth:`connector_now` off the event loop (``None`` for an id no source gives)."""
        if not 0 < transaction_id <= MAX_TRANSACTION_ID:
            return None
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, self.connector_now, station_id, transaction_id
        )

    async def aclose(self) -> None:
        """Wait for the calls in progress, then :meth:`release`."""
        await asyncio.get_running_loop().run_in_executor(self._thread, self.release)
        self._thread.shutdown(wait=True)


CREATE_TRANSACTIONS_TABLE = """\
CREATE TABLE IF NOT EXISTS ocpp16_transactions (
    transaction_id INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    connector_id INTEGER,
    id_tag TEXT,
    UNIQUE (station_id, message_id, started_at)
)"""


class TransactionIds(BlockingTransactionIds):
    """Assigns 1.6 transaction ids from ``ocpp16_transactions`` in the SQLite file ``path``,
    on a thread of its own (each assignment is a commit, synced by ``synchronous``)."""

    def __init__(self, path: str, synchronous: str = "full") -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute(f"PRAGMA synchronous={synchronous.upper()}")
            # The group-commit writer holds the write lock for one commit at a time.
            self._connection.execute("PRAGMA busy_timeout=30000")
            self._connection.execute(CREATE_TRANSACTIONS_TABLE)
        except BaseException:
            self._connection.close()
            raise
        self._lock = threading.Lock()
        super().__init__()

    def assign_now(
        self,
        station_id: str,
        message_id: str,
        started_at: str,
        connector_id: int | None,
        id_tag: str | None,
    ) -> int:
        """The id of this StartTransaction, committed: a new one, or the one it was given if
        it was seen before."""
        key = (station_id, message_id, started_at)
        with self._lock:
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                row = connection.execute(
                    "SELECT transaction_id FROM ocpp16_transactions "
                    "WHERE station_id = ? AND message_id = ? AND started_at = ?",
                    key,
                ).fetchone()
                if row is None:
                    cursor = connection.execute(
                        "INSERT INTO ocpp16_transactions (station_id, message_id, started_at, "
                        "connector_id, id_tag) VALUES (?, ?, ?, ?, ?)",
                        (*key, connector_id, id_tag),
                    )
                    transaction_id = int(cursor.lastrowid or 0)
                else:
                    transaction_id = int(row[0])
                check_transaction_id(transaction_id)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return transaction_id

    def connector_now(self, station_id: str, transaction_id: int) -> int | None:
        """The connector of ``station_id``'s transaction ``transaction_id``, if this file
        assigned it."""
        with self._lock:
            row = self._connection.execute(
                "SELECT connector_id FROM ocpp16_transactions "
                "WHERE transaction_id = ? AND station_id = ?",
                (transaction_id, station_id),
            ).fetchone()
        return None if row is None else row[0]

    def release(self) -> None:
        """Close the database."""
        with self._lock:
            self._connection.close()
