"""How fast a worker stores a backlog in PostgreSQL, beside what PostgreSQL itself takes, in one
run on one server.

    python benches/store_drain.py [--frames 30000] [--batch 2000 [--batch 10000 ...]] [--rounds 2]

Starts its own PostgreSQL (tests/services.py; stopped by PID at the end), makes ``--frames``
typical frames (12 readings each, ``ocpp_meter.samples``) of 200 stations, and stores them in
batches of ``--batch`` frames, one transaction per batch, each way into a fresh database of the
store's schema (migrations, day partitions, indexes):

- ``worker store``: what a worker does with fetched batches (``decode_batches`` on one
  thread while ``PostgresStore.store_decoded`` stores the last batch on another: the ledger of
  frame identities with the columns a frame's rows share, the readings by ADBC binary COPY
  into ``meter_readings``, the commit), at each ``--batch`` size given (the first is the one
  of the other ways); the same again at the first size on another database with its per-step
  times (``decode``, ``kinds and ledger``, ``rows COPY``, ``commit``);
- ``worker store, decoding not overlapped``: the same with each batch decoded, then stored
  (as the worker did before it decoded the next batch while storing the last);
- ``worker store, layout of migration 3``: the same on a database of migrations 1-3 (whole rows
  in the table ``sampled_values``, two btrees per row), stored as the worker did before
  migration 4: the layout's gain, measured beside it;
- ``ADBC COPY only``: the same readings, decoded beforehand, by the same ADBC binary COPY (no
  decode, no ledger): the store's COPY path alone;
- ``server COPY FROM file``: the same frame records and readings as CSV files the server reads
  itself (``COPY ... FROM 'file'`` into ``ingested_frames`` and ``meter_readings``): no client,
  no network, PostgreSQL's own floor for this data into these tables;
- ``server COPY FROM file, layout of migration 3``: the whole rows into migration 3's
  ``sampled_values`` (the peer of the last figures before migration 4);
- ``server COPY FROM file, no indexes``: the readings into a table without indexes or
  partitions: what the index and the partitions cost.

Rows/s is rows over wall time; each figure is the best of ``--rounds``. Ratios are against
``server COPY FROM file`` of the same run. Not a test: figures depend on the machine and on what
else runs on it (PostgreSQL shares its cores with this process).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import adbc_driver_postgresql.dbapi as pgdb
import ocpp_meter.postgres_store
import pyarrow as pa
import pyarrow.csv as pacsv
import services
from ocpp_meter import samples
from ocpp_meter.postgres_store import (
    MIGRATIONS,
    READING_COLUMNS,
    ROW_COLUMNS,
    DecodedFrames,
    FrameBatch,
    PostgresStore,
    ReadingKinds,
    _copy_ledger,
    _day_bounds,
    _ledger_records,
    _partition_name,
    _readings,
    decode_batches,
    decode_frames,
    frame_identity,
)

STATIONS = 200
RECEIVED = 1_767_571_200_000_000


def batches(count: int, size: int) -> list[FrameBatch]:
    frames = samples.frames(count, "typical", seed=5)
    out = []
    for start in range(0, count, size):
        own = frames[start : start + size]
        stations = [f"CS{(start + i) % STATIONS:04d}" for i in range(len(own))]
        out.append(
            FrameBatch(
                list(own),
                stations,
                [""] * len(own),
                [frame_identity(s, f) for s, f in zip(stations, own)],
                [RECEIVED] * len(own),
                "2.0.1",
                "strict",
                ["MeterValues"] * len(own),
            )
        )
    return out


def create_database(pg: services.Postgres, name: str) -> str:
    """A new empty database ``name`` on ``pg`` (dropped first if there); its URL."""
    with pgdb.connect(pg.url, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    return pg.url.rsplit("/", 1)[0] + "/" + name


class Databases:
    """Fresh databases of the store's schema on one server."""

    def __init__(self, pg: services.Postgres, parts: list[DecodedFrames]) -> None:
        self.pg = pg
        self.parts = parts
        self.kinds = ReadingKinds()
        self.count = 0

    def _create(self) -> str:
        self.count += 1
        return create_database(self.pg, f"drain_{self.count}")

    def fresh(self) -> str:
        url = self._create()
        store = PostgresStore(url)
        store.connect()
        # The day partitions and the kinds of readings exist before the clock starts, as they do
        # for a worker that has stored frames of those days and kinds (the kinds are numbered
        # alike in every database: added in the same order).
        for part in self.parts:
            store._ensure_partitions(part)
            store._kind_numbers(part)
        self.kinds = store._kinds
        store.close()
        return url

    def before_migration_4(self) -> str:
        """A fresh database of migrations 1-3: whole rows in the table ``sampled_values``."""
        url = self._create()
        kept = ocpp_meter.postgres_store.MIGRATIONS
        ocpp_meter.postgres_store.MIGRATIONS = [m for m in MIGRATIONS if m[0] <= 3]
        try:
            store = PostgresStore(url)
            store.connect()
            store.close()
        finally:
            ocpp_meter.postgres_store.MIGRATIONS = kept
        days = set()
        for part in self.parts:
            days |= {stamp.date() for stamp in part.rows["timestamp"].to_pylist()}
        with pgdb.connect(url) as connection, connection.cursor() as cursor:
            for day in days:
                low, high = _day_bounds(day)
                cursor.execute(
                    f"CREATE TABLE {_partition_name('sampled_values', day)} PARTITION OF"
                    f" sampled_values FOR VALUES FROM ('{low}') TO ('{high}')"
                )
            connection.commit()
        return url

    def plain(self) -> str:
        """A fresh database with also ``plain_readings``: the readings' table without indexes
        or partitions."""
        url = self.fresh()
        with pgdb.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE plain_readings (LIKE meter_readings)")
            connection.commit()
        return url


def worker_store(url: str, work: list[FrameBatch]) -> int:
    """What a worker does with each fetched batch: decoded on one thread while the last one is
    stored on another."""
    store = PostgresStore(url)
    store.connect()
    rows = 0
    with ThreadPoolExecutor(1) as decoder:
        decoding = decoder.submit(decode_batches, work[:1])
        for number in range(len(work)):
            decoded = decoding.result()
            if number + 1 < len(work):
                decoding = decoder.submit(decode_batches, work[number + 1 : number + 2])
            rows += store.store_decoded(decoded).rows
    store.close()
    return rows


def worker_store_serial(url: str, work: list[FrameBatch]) -> int:
    """The same with each batch decoded then stored, on one thread."""
    store = PostgresStore(url)
    store.connect()
    rows = 0
    for batch in work:
        rows += store.store_frames([batch]).rows
    store.close()
    return rows


def worker_store_before_migration_4(url: str, work: list[FrameBatch]) -> int:
    """What a worker did with each fetched batch before migration 4: the ledger of identities,
    then the whole rows of the new frames into ``sampled_values``."""
    rows = 0
    with pgdb.connect(url) as connection:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE ingested_frames_stage (frame_id text, station_id text,"
                " message_id text, received_at timestamptz, row_count integer,"
                " event_count integer) ON COMMIT DELETE ROWS"
            )
        connection.commit()
        for batch in work:
            part = decode_frames(batch)
            with connection.cursor() as cursor:
                cursor.adbc_ingest(
                    "ingested_frames_stage", part.frames, mode="append", temporary=True
                )
                cursor.execute(
                    "INSERT INTO ingested_frames (frame_id, station_id, message_id, received_at,"
                    " row_count, event_count) SELECT frame_id::uuid, station_id, message_id,"
                    " received_at, row_count, event_count FROM pg_temp.ingested_frames_stage"
                    " ON CONFLICT DO NOTHING RETURNING replace(frame_id::text, '-', '')"
                )
                part = part.keep(set(cursor.fetch_arrow_table().column(0).to_pylist()))
                cursor.adbc_ingest("sampled_values", part.rows, mode="append")
            connection.commit()
            rows += part.rows.num_rows
    return rows


def worker_steps(url: str, work: list[FrameBatch]) -> dict[str, float]:
    """The worker's store path step by step (the statements ``PostgresStore._write`` runs on
    frames not stored before), each batch decoded then stored: ``decode`` is what the worker's
    decoding thread does (``decode_batches``: ``decode_batch``, the ledger's records, the
    rows' kinds as keys)."""
    store = PostgresStore(url)
    store.connect()
    connection: Any = store._connection
    steps = dict.fromkeys(("decode", "kinds and ledger", "rows COPY", "commit"), 0.0)
    for batch in work:
        t0 = time.perf_counter()
        [(part, _)] = decode_batches([batch]).parts
        t1 = time.perf_counter()
        store._ensure_partitions(part)
        kinds = store._kind_numbers(part)
        with connection.cursor() as cursor:
            fresh = _copy_ledger(cursor, part.ledger)
            t2 = time.perf_counter()
            cursor.adbc_ingest("meter_readings", _readings(part, fresh, kinds), mode="append")
            t3 = time.perf_counter()
        connection.commit()
        t4 = time.perf_counter()
        for name, seconds in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            steps[name] += seconds
    store.close()
    return steps


def adbc_copy(url: str, tables: list[pa.Table], table: str = "meter_readings") -> int:
    rows = 0
    with pgdb.connect(url) as connection:
        for records in tables:
            with connection.cursor() as cursor:
                cursor.adbc_ingest(table, records, mode="append")
            connection.commit()
            rows += records.num_rows
    return rows


LEDGER_COLUMNS = (
    "frame_id", "station_id", "message_id", "received_at", "row_count", "event_count",
    "action", "evse_id", "connector_id", "transaction_id", "event_type", "seq_no",
    "row_message_id",
)  # fmt: skip


def server_copy(url: str, files: list[tuple[dict[str, Path], int]], tables: dict[str, str]) -> int:
    """Each batch's files, by ``tables``' kind (``frames``, ``readings``, ``rows``) -> table,
    copied by the server itself, one transaction per batch; the readings (or rows) copied."""
    columns = {
        "frames": LEDGER_COLUMNS,
        "readings": ("frame_no", "kind", *READING_COLUMNS),
        "rows": (*ROW_COLUMNS, "received_at"),
    }
    rows = 0
    with pgdb.connect(url) as connection:
        for paths, count in files:
            with connection.cursor() as cursor:
                for kind, table in tables.items():
                    names = ", ".join(f'"{c}"' for c in columns[kind])
                    cursor.execute(
                        f"COPY {table} ({names}) FROM '{paths[kind]}' (FORMAT csv, HEADER)"
                    )
            connection.commit()
            rows += count
    return rows


def csv_file(table: pa.Table, path: Path) -> Path:
    plain = pa.table(
        {
            name: column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            for name, column in zip(table.column_names, table.columns)
        }
    )
    pacsv.write_csv(plain, path)
    path.chmod(0o644)
    return path


def csv_files(
    parts: list[DecodedFrames], readings: list[pa.Table], folder: Path
) -> list[tuple[dict[str, Path], int]]:
    """Per batch: its ledger records (with frame numbers), readings and whole rows as CSV."""
    out = []
    for number, (part, own) in enumerate(zip(parts, readings)):
        frames = _ledger_records(part)
        frames = frames.set_column(0, "frame_id", uuids(frames["frame_id"]))
        paths = {
            "frames": csv_file(frames, folder / f"frames{number}.csv"),
            "readings": csv_file(own, folder / f"readings{number}.csv"),
            "rows": csv_file(part.rows, folder / f"rows{number}.csv"),
        }
        out.append((paths, own.num_rows))
    return out


def uuids(hex_ids: pa.ChunkedArray) -> pa.Array:
    return pa.array(
        [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hex_ids.to_pylist()]
    )


def numbered_readings(parts: list[DecodedFrames], kinds: ReadingKinds) -> list[pa.Table]:
    """Each batch's readings as the worker copies them, frames numbered 1, 2, ... in order."""
    out = []
    first = 1
    for part in parts:
        count = part.frames.num_rows
        ids = part.frames["frame_id"].combine_chunks()
        answer = pa.table({"id": ids, "no": pa.array(range(first, first + count), pa.int64())})
        out.append(_readings(part, answer, kinds.numbers(kinds.encode(part.rows))))
        first += count
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=30_000)
    parser.add_argument("--batch", type=int, action="append", help="frames per batch (2000)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    sizes = args.batch or [2000]

    work = {size: batches(args.frames, size) for size in sizes}
    parts = [decode_frames(b) for b in work[sizes[0]]]
    folder = Path(tempfile.mkdtemp(prefix="ocpp-meter-drain-"))
    folder.chmod(0o755)
    servers = services.postgres()
    try:
        dbs = Databases(next(servers), parts)
        dbs.fresh()  # numbers the kinds of readings
        readings = numbered_readings(parts, dbs.kinds)
        total_rows = sum(t.num_rows for t in readings)
        files = csv_files(parts, readings, folder)
        # (name, a fresh database, what is timed on it: rows stored)
        ways: list[tuple[str, Callable[[], str], Callable[[str], int]]] = [
            (f"worker store, batch {size}", dbs.fresh, partial(worker_store, work=work[size]))
            for size in sizes
        ]
        ways += [
            (
                "worker store, decoding not overlapped",
                dbs.fresh,
                partial(worker_store_serial, work=work[sizes[0]]),
            ),
            (
                "worker store, layout of migration 3",
                dbs.before_migration_4,
                partial(worker_store_before_migration_4, work=work[sizes[0]]),
            ),
            ("ADBC COPY only", dbs.fresh, partial(adbc_copy, tables=readings)),
            (
                "server COPY FROM file",
                dbs.fresh,
                partial(
                    server_copy,
                    files=files,
                    tables={"frames": "ingested_frames", "readings": "meter_readings"},
                ),
            ),
            (
                "server COPY FROM file, layout of migration 3",
                dbs.before_migration_4,
                partial(server_copy, files=files, tables={"rows": "sampled_values"}),
            ),
            (
                "server COPY FROM file, no indexes",
                dbs.plain,
                partial(server_copy, files=files, tables={"readings": "plain_readings"}),
            ),
        ]
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, fresh, measure in ways:
                url = fresh()
                started = time.perf_counter()
                rows = measure(url)
                seconds = time.perf_counter() - started
                assert rows == total_rows, (name, rows, total_rows)
                best[name] = min(best.get(name, seconds), seconds)
        steps = worker_steps(dbs.fresh(), work[sizes[0]])
    finally:
        servers.close()
        shutil.rmtree(folder, ignore_errors=True)
    floor = best["server COPY FROM file"]
    print(
        f"{args.frames:,} typical frames ({total_rows:,} rows) in batches of {sizes[0]} frames "
        f"unless said, one transaction each; best of {args.rounds}"
    )
    for name, seconds in best.items():
        print(
            f"  {name:46s} {total_rows / seconds:>10,.0f} rows/s  "
            f"({floor / seconds:.2f}x the server's own COPY FROM file)"
        )
    spent = sum(steps.values())
    print(
        f"  worker store, batch {sizes[0]}, step by step: "
        + ", ".join(f"{k} {v / spent:.0%}" for k, v in steps.items())
        + f" of {spent:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
