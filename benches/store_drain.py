"""How fast a worker stores a backlog in PostgreSQL, beside what PostgreSQL itself takes, in one
run on one server.

    python benches/store_drain.py [--frames 30000] [--batch 2000 [--batch 10000 ...]] [--rounds 2]

Starts its own PostgreSQL (tests/services.py; stopped by PID at the end), makes ``--frames``
typical frames (12 readings each, ``ocpp_meter.samples``) of 200 stations, and stores them in
batches of ``--batch`` frames, one transaction per batch, each way into a fresh database of the
store's schema (migrations, day partitions, indexes):

- ``worker store``: what a worker does with a fetched batch (``PostgresStore.store_frames``:
  ``decode_batch``, the ledger of frame identities, the rows by ADBC binary COPY, the commit),
  at each ``--batch`` size given (the first is the one of the other ways); the same again at the
  first size on another database with its per-step times (``decode``, ``ledger``, ``rows
  COPY``, ``commit``);
- ``ADBC COPY only``: the same rows, decoded beforehand, by the same ADBC binary COPY (no
  decode, no ledger): the store's COPY path alone;
- ``server COPY FROM file``: the same rows as CSV files the server reads itself
  (``COPY ... FROM 'file'``): no client, no network, PostgreSQL's own floor for these rows into
  this table;
- ``server COPY FROM file, no indexes``: the same into a table without indexes or partitions:
  what the indexes cost.

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
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import adbc_driver_postgresql.dbapi as pgdb
import pyarrow as pa
import pyarrow.csv as pacsv
import services
from ocpp_meter import samples
from ocpp_meter.postgres_store import (
    ROW_COLUMNS,
    DecodedFrames,
    FrameBatch,
    PostgresStore,
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


class Databases:
    """Fresh databases of the store's schema on one server."""

    def __init__(self, pg: services.Postgres, parts: list[DecodedFrames]) -> None:
        self.pg = pg
        self.parts = parts
        self.count = 0

    def fresh(self) -> str:
        self.count += 1
        name = f"drain_{self.count}"
        with (
            pgdb.connect(self.pg.url, autocommit=True) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
            cursor.execute(f"CREATE DATABASE {name}")
        url = self.pg.url.rsplit("/", 1)[0] + "/" + name
        store = PostgresStore(url)
        store.connect()
        # The day partitions exist before the clock starts, as they do for a worker that has
        # stored frames of those days.
        for part in self.parts:
            store._ensure_partitions(part)
        store.close()
        return url

    def plain(self) -> str:
        """A fresh database with also ``plain_values``: the rows' table without indexes or
        partitions."""
        url = self.fresh()
        with pgdb.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE plain_values (LIKE sampled_values)")
            connection.commit()
        return url


def worker_store(url: str, work: list[FrameBatch]) -> int:
    """What a worker does with each fetched batch."""
    store = PostgresStore(url)
    store.connect()
    rows = 0
    for batch in work:
        rows += store.store_frames([batch]).rows
    store.close()
    return rows


def worker_steps(url: str, work: list[FrameBatch]) -> dict[str, float]:
    """The worker's store path step by step (the statements ``PostgresStore._write`` runs)."""
    store = PostgresStore(url)
    store.connect()
    connection: Any = store._connection
    steps = dict.fromkeys(("decode", "ledger", "rows COPY", "commit"), 0.0)
    for batch in work:
        t0 = time.perf_counter()
        part = decode_frames(batch)
        t1 = time.perf_counter()
        store._ensure_partitions(part)
        with connection.cursor() as cursor:
            cursor.adbc_ingest("ingested_frames_stage", part.frames, mode="append", temporary=True)
            cursor.execute(store_ledger_sql)
            fresh = set(cursor.fetch_arrow_table().column(0).to_pylist())
            cursor.execute("DELETE FROM pg_temp.ingested_frames_stage")
            part = part.keep(fresh)
            t2 = time.perf_counter()
            cursor.adbc_ingest("sampled_values", part.rows, mode="append")
            t3 = time.perf_counter()
        connection.commit()
        t4 = time.perf_counter()
        for name, seconds in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            steps[name] += seconds
    store.close()
    return steps


store_ledger_sql = (
    "INSERT INTO ingested_frames (frame_id, station_id, message_id, received_at,"
    " row_count, event_count) SELECT frame_id::uuid, station_id, message_id,"
    " received_at, row_count, event_count FROM pg_temp.ingested_frames_stage"
    " ON CONFLICT DO NOTHING RETURNING replace(frame_id::text, '-', '')"
)


def adbc_copy(url: str, tables: list[pa.Table]) -> int:
    rows = 0
    with pgdb.connect(url) as connection:
        for table in tables:
            with connection.cursor() as cursor:
                cursor.adbc_ingest("sampled_values", table, mode="append")
            connection.commit()
            rows += table.num_rows
    return rows


def server_copy(url: str, files: list[tuple[Path, int]], table: str) -> int:
    columns = ", ".join(f'"{c}"' for c in [*ROW_COLUMNS, "received_at"])
    rows = 0
    with pgdb.connect(url) as connection:
        for path, count in files:
            with connection.cursor() as cursor:
                cursor.execute(f"COPY {table} ({columns}) FROM '{path}' (FORMAT csv, HEADER)")
            connection.commit()
            rows += count
    return rows


def csv_files(tables: list[pa.Table], folder: Path) -> list[tuple[Path, int]]:
    out = []
    for number, table in enumerate(tables):
        plain = table.set_column(
            table.schema.get_field_index("measurand"),
            "measurand",
            table["measurand"].cast(pa.string()),
        )
        path = folder / f"batch{number}.csv"
        pacsv.write_csv(plain, path)
        path.chmod(0o644)
        out.append((path, table.num_rows))
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
    decoded = [part.rows for part in parts]
    total_rows = sum(t.num_rows for t in decoded)
    folder = Path(tempfile.mkdtemp(prefix="ocpp-meter-drain-"))
    folder.chmod(0o755)
    servers = services.postgres()
    try:
        files = csv_files(decoded, folder)
        dbs = Databases(next(servers), parts)
        # (name, a fresh database, what is timed on it: rows stored)
        ways: list[tuple[str, Callable[[], str], Callable[[str], int]]] = [
            (f"worker store, batch {size}", dbs.fresh, partial(worker_store, work=work[size]))
            for size in sizes
        ]
        ways += [
            ("ADBC COPY only", dbs.fresh, partial(adbc_copy, tables=decoded)),
            (
                "server COPY FROM file",
                dbs.fresh,
                partial(server_copy, files=files, table="sampled_values"),
            ),
            (
                "server COPY FROM file, no indexes",
                dbs.plain,
                partial(server_copy, files=files, table="plain_values"),
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
            f"  {name:36s} {total_rows / seconds:>10,.0f} rows/s  "
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
