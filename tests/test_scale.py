"""The scale-out pipeline with real servers: gateways (``serve --broker``), a 3-node NATS
JetStream cluster, workers and PostgreSQL, each started here on loopback and stopped by PID
(see ``services.py``), including the fault tests: a server killed (``kill -9``) while stations
send, after which every frame a station got a CALLRESULT for is in PostgreSQL exactly once and
nothing else is."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import services
from serving import ServerProcess, in_process, refusing_port, run
from stations import SAMPLED_VALUES, drive, frame, send
from test_sessions import event, from_view

try:
    import adbc_driver_postgresql.dbapi as pgdb
    import nats
except ImportError as missing:  # the scale extra is not installed
    services.require(f"Python module {missing.name}", False, "pip install -e '.[test]'")

import ocpp_meter
import ocpp_meter.postgres_store
import ocpp_meter.samples
from ocpp_meter.broker import (
    DEAD_STREAM,
    HEADER_DEAD_REASON,
    STREAM,
    broker_servers,
    ensure_streams,
)
from ocpp_meter.postgres_store import (
    EVENT_COLUMNS,
    MIGRATIONS,
    ROW_COLUMNS,
    FrameBatch,
    PostgresStore,
    frame_identity,
)
from ocpp_meter.server import ServeConfig
from ocpp_meter.worker import Worker as WorkerProcess
from ocpp_meter.worker import WorkerConfig, WorkerStats

ALL_VERSIONS = [(version,) for version, _, _ in MIGRATIONS]


@pytest.fixture(scope="module")
def cluster() -> Iterator[services.NatsCluster]:
    yield from services.nats_cluster()


@pytest.fixture(scope="module")
def pg() -> Iterator[services.Postgres]:
    yield from services.postgres()


@pytest.fixture
def db(pg: services.Postgres, request: pytest.FixtureRequest) -> str:
    """A fresh database of the test's own; its URL."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()
    with pgdb.connect(pg.url, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    return pg.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def broker(cluster: services.NatsCluster) -> str:
    """The cluster's URL, its streams deleted (each test starts from an empty log)."""

    async def reset() -> None:
        nc = await nats.connect(servers=broker_servers(cluster.url), connect_timeout=5)
        js = nc.jetstream()
        # A cluster just started (or a node just restarted) answers once its meta leader is
        # elected: retry until then.
        deadline = time.monotonic() + 50
        while True:
            try:
                await js.account_info()
                for name in (STREAM, DEAD_STREAM):
                    try:
                        await js.delete_stream(name)
                    except nats.js.errors.NotFoundError:
                        pass
                break
            except (nats.errors.TimeoutError, nats.js.errors.ServiceUnavailableError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
        await nc.close()

    run(reset(), 60)
    return cluster.url


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with pgdb.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def stored(url: str) -> set[tuple[str, str]]:
    return {(s, m) for s, m in query(url, "SELECT station_id, message_id FROM ingested_frames")}


def check_exactly_once(url: str, acknowledged: set[tuple[str, str]], what: str) -> None:
    """Every acknowledged frame is stored once with all its rows; nothing else is stored."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and stored(url) != acknowledged:
        time.sleep(0.25)
    in_db = stored(url)
    [(frames, distinct_frames)] = query(
        url, "SELECT count(*), count(DISTINCT (station_id, message_id)) FROM ingested_frames"
    )
    [(rows, distinct_rows)] = query(
        url,
        "SELECT count(*), count(DISTINCT (station_id, message_id, meter_value_index,"
        " sampled_value_index)) FROM sampled_values",
    )
    print(
        f"{what}: {len(acknowledged)} frames acknowledged; stored {frames} frames "
        f"({distinct_frames} distinct), {rows} rows ({distinct_rows} distinct)"
    )
    assert in_db - acknowledged == set(), "stored without an acknowledgement"
    assert acknowledged - in_db == set(), "acknowledged but not stored"
    assert frames == distinct_frames == len(acknowledged)
    assert rows == distinct_rows == len(acknowledged) * SAMPLED_VALUES


class Worker:
    """``ocpp-meter worker`` as a subprocess."""

    def __init__(self, broker: str, db: str, log: Path, *args: str) -> None:
        self.log = log
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ocpp_meter.cli", "worker", "--broker", broker,
                 "--db", db, *args],
                stdout=subprocess.DEVNULL, stderr=out,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while "worker consuming" not in log.read_text():
            assert self.process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


def gateway(broker: str, tmp: Path, port: int | None = None) -> ServerProcess:
    """``serve --broker`` as a subprocess, not started yet (``with`` starts it)."""
    server = ServerProcess(tmp / "unused.sqlite", tmp / "gateway.log", "--broker", broker)
    if port is not None:
        server.port, server.url = port, f"ws://127.0.0.1:{port}"
    return server


# The store alone.

ALL_VERSIONS = [(version,) for version, _, _ in MIGRATIONS]


def batch(pairs: list[tuple[str, bytes]]) -> FrameBatch:
    return FrameBatch(
        [f for _, f in pairs],
        [s for s, _ in pairs],
        [f"{s}-{i}" for i, (s, _) in enumerate(pairs)],
        [frame_identity(s, f) for s, f in pairs],
        [1_767_571_200_000_000] * len(pairs),
    )


def test_store_migrates_once_types_partitions_and_stores_each_frame_once(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = PostgresStore(db)
    # A database made by an older release (migration 1 only) gets the versions after it.
    monkeypatch.setattr(ocpp_meter.postgres_store, "MIGRATIONS", MIGRATIONS[:1])
    store.connect()
    assert query(db, "SELECT version FROM ocpp_meter_migrations") == [(1,)]
    assert query(db, "SELECT count(*) FROM pg_views WHERE viewname = 'session_energy'") == [(0,)]
    monkeypatch.undo()
    store.connect()
    store.connect()  # a second start applies nothing again
    assert query(db, "SELECT version FROM ocpp_meter_migrations ORDER BY 1") == ALL_VERSIONS
    assert query(db, "SELECT count(*) FROM pg_views WHERE viewname = 'session_energy'") == [(1,)]
    types = dict(
        query(
            db,
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = 'sampled_values'",
        )
    )
    assert types["timestamp"] == "timestamp with time zone"
    assert types["value"] == types["normalized_value"] == "double precision"
    assert types["seq_no"] == "bigint" and types["evse_id"] == "integer"
    # Two days of readings: two partitions.
    frames = [("A", frame("A", n)) for n in (0, 1, 86_400)]
    first = store.store_frames([batch(frames)])
    assert (first.frames, first.rows, first.refused) == (3, 3 * SAMPLED_VALUES, [{}])
    partitions = query(
        db,
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'meter_readings'"
        " ORDER BY 1",
    )
    assert partitions == [("meter_readings_p20260105",), ("meter_readings_p20260106",)]
    # Delivered again, with one new frame: only the new one is stored.
    again = store.store_frames([batch([*frames, ("A", frame("A", 2))])])
    assert (again.accepted, again.frames, again.rows) == (4, 1, SAMPLED_VALUES)
    assert query(db, "SELECT count(*) FROM sampled_values") == [(4 * SAMPLED_VALUES,)]
    store.close()


def test_store_refuses_alone_a_frame_the_database_cannot_hold(db: str) -> None:
    store = PostgresStore(db)
    good = frame("B", 1)
    # A NUL character is valid JSON in a string, but PostgreSQL text cannot hold it.
    bad = (
        b'[2,"nul","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2026-01-05T00:00:00Z",'
        b'"sampledValue":[{"value":1,"signedMeterValue":{"signedMeterData":"a\\u0000b",'
        b'"signingMethod":"x","encodingMethod":"y","publicKey":"z"}}]}]}]'
    )
    invalid = b'[2,"inv","MeterValues",{"meterValue":[]}]'
    result = store.store_frames([batch([("B", good), ("B", bad), ("B", invalid)])])
    refused = result.refused[0]
    assert set(refused) == {1, 2}
    assert "database refused" in refused[1]
    assert refused[2].startswith("OccurrenceConstraintViolation")
    assert stored(db) == {("B", "B-0")}
    store.close()


def test_store_write_keeps_the_straight_copys_error_when_the_staged_one_fails(db: str) -> None:
    from ocpp_meter.postgres_store import decode_batches

    # The NUL character fails both the straight copy and the staged one: the error raised is
    # the staged copy's, with the straight copy's as its context (not only in a debug line).
    bad = (
        b'[2,"nul","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2026-01-05T00:00:00Z",'
        b'"sampledValue":[{"value":1,"signedMeterValue":{"signedMeterData":"a\\u0000b",'
        b'"signingMethod":"x","encodingMethod":"y","publicKey":"z"}}]}]}]'
    )
    decoded = decode_batches([batch([("N", bad)])])
    store = PostgresStore(db)
    try:
        with pytest.raises(Exception) as raised:
            store.write([part for part, _ in decoded.parts])
    finally:
        store.close()
    first = raised.value.__context__
    assert isinstance(first, Exception) and first is not raised.value
    assert "0x00" in str(first), str(first)
    assert stored(db) == set()


def test_store_refuses_a_frame_whose_rows_differ_in_what_it_stores_once(db: str) -> None:
    import pyarrow as pa
    from ocpp_meter.postgres_store import decode_batches

    decoded = decode_batches([batch([("F", frame("F", 0)), ("F", frame("F", 1))])])
    [(part, _)] = decoded.parts
    # The decoder gives every row of a frame the same evse; were it not so, storing it once
    # per frame would alter the frame: it is refused instead.
    evse = part.rows["evse_id"].to_pylist()
    evse[1] = 7  # the second row of frame 0
    part.rows = part.rows.set_column(
        part.rows.schema.get_field_index("evse_id"), "evse_id", pa.array(evse, pa.int32())
    )
    part.ledger = None
    store = PostgresStore(db)
    result = store.store_decoded(decoded)
    store.close()
    assert set(result.refused[0]) == {0}
    assert "rows of one frame differ in evse_id" in result.refused[0][0]
    assert stored(db) == {("F", "F-1")}
    assert query(db, "SELECT DISTINCT evse_id FROM sampled_values") == [(1,)]


def test_store_keeps_transaction_events_with_their_frames(db: str) -> None:
    frames = ocpp_meter.samples.sessions(4, seed=3)  # type: ignore[attr-defined]
    actions = [json.loads(f)[2] for f in frames]
    store = PostgresStore(db)
    pairs = [("E", f) for f in frames]
    result = store.store_frames([replace(batch(pairs), actions=actions)])
    assert result.refused == [{}]
    expected_events = actions.count("TransactionEvent")
    assert result.frames == len(frames) and result.events == expected_events
    [(events, sessions, ended)] = query(
        db,
        "SELECT count(*), count(DISTINCT transaction_id), count(*) FILTER (WHERE"
        " event_type = 'Ended' AND stopped_reason IS NOT NULL) FROM transaction_events",
    )
    assert (events, sessions, ended) == (expected_events, 4, 4)
    # An event's meter_value_count matches its rows in sampled_values.
    mismatched = query(
        db,
        "SELECT e.message_id FROM transaction_events e LEFT JOIN sampled_values s"
        " ON s.station_id = e.station_id AND s.message_id = e.message_id"
        " GROUP BY e.message_id, e.meter_value_count"
        " HAVING count(s.message_id) <> e.meter_value_count",
    )
    assert mismatched == []
    again = store.store_frames([replace(batch(pairs), actions=actions)])
    assert (again.frames, again.events) == (0, 0)
    store.close()


# Whole charging sessions: TransactionEvents (Started, Updated, Ended) and their readings.


def session_stations(stations: int = 3, sessions: int = 2) -> dict[str, list[bytes]]:
    """Each station's frames: whole sessions (TransactionEvents, and MeterValues of its grid
    meter) as ``ocpp_meter.samples`` makes them, then all of them once more, as a station
    sends them again when it lost their CALLRESULTs."""
    out = {}
    for i in range(stations):
        own = ocpp_meter.samples.sessions(sessions, seed=40 + i)  # type: ignore[attr-defined]
        out[f"S{i}"] = own + own
    return out


def sorted_records(table: Any, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = table.to_pylist()
    return sorted(records, key=lambda r: tuple(r[k] for k in keys))


def check_sessions_stored(url: str, frames: dict[str, list[bytes]], tally: Any, what: str) -> None:
    """Every frame acknowledged; its rows and event record stored exactly once, equal to what
    ``decode_batch`` makes of the frames."""
    import pyarrow as pa

    unique = {name: list(dict.fromkeys(own)) for name, own in frames.items()}
    expected = {(name, json.loads(f)[1]) for name, own in unique.items() for f in own}
    assert tally.acknowledged == expected and not tally.call_errors and not tally.unfinished
    results = [ocpp_meter.decode_batch(own, name) for name, own in unique.items()]
    rows = pa.concat_tables(pa.table(r).cast(pa.table(results[0]).schema) for r in results)
    events = pa.concat_tables(pa.table(r.events) for r in results)
    check_exactly_once_frames(url, expected, what)
    row_keys = ("station_id", "message_id", "meter_value_index", "sampled_value_index")
    event_keys = ("station_id", "message_id")
    with pgdb.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(map(quote, ROW_COLUMNS))} FROM sampled_values")
        stored_rows = sorted_records(cursor.fetch_arrow_table(), row_keys)
        cursor.execute(f"SELECT {', '.join(map(quote, EVENT_COLUMNS))} FROM transaction_events")
        stored_events = sorted_records(cursor.fetch_arrow_table(), event_keys)
        cursor.execute("SELECT sum(row_count), sum(event_count) FROM ingested_frames")
        ledger = cursor.fetchone()
    print(
        f"{what}: {len(expected)} frames, {rows.num_rows} rows, {events.num_rows} events expected;"
        f" stored {len(stored_rows)} rows, {len(stored_events)} events"
    )
    assert events.num_rows == sum(
        json.loads(f)[2] == "TransactionEvent" for own in unique.values() for f in own
    )
    assert stored_events == sorted_records(events, event_keys)
    assert stored_rows == sorted_records(rows, row_keys)
    assert ledger == (rows.num_rows, events.num_rows)


def check_exactly_once_frames(url: str, acknowledged: set[tuple[str, str]], what: str) -> None:
    """Every acknowledged frame is in the ledger once, nothing else is (waiting up to 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and stored(url) != acknowledged:
        time.sleep(0.25)
    [(frames, distinct)] = query(
        url, "SELECT count(*), count(DISTINCT (station_id, message_id)) FROM ingested_frames"
    )
    assert stored(url) == acknowledged, what
    assert frames == distinct == len(acknowledged), what


def quote(column: str) -> str:
    return f'"{column}"'


def test_sessions_through_serve_db_postgres(db: str) -> None:
    frames = session_stations()

    async def scenario() -> Any:
        async with in_process(ServeConfig(port=0, db=db)) as url:
            return await send(url, frames)

    check_sessions_stored(db, frames, run(scenario(), 120), "sessions, serve --db postgresql")


def test_sessions_through_gateway_and_workers(broker: str, db: str, tmp_path: Path) -> None:
    frames = session_stations()
    workers = [Worker(broker, db, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        with gateway(broker, tmp_path) as gw:
            tally = run(send(gw.url, frames), 120)
        check_sessions_stored(db, frames, tally, "sessions, serve --broker and 2 workers")
    finally:
        for worker in workers:
            assert worker.stop() == 0


# The session_energy view: the same answers in PostgreSQL as in SQLite.


def session_view_frames() -> dict[tuple[str, str], list[bytes]]:
    """Frames by (station, dialect): generated sessions of both dialects, and sessions made to
    raise each of the view's flags (a placeholder Begin register, a register going down, a
    unit change, no Ended, timestamps out of order, events without readings)."""
    placeholder = [
        event("P", 0, "Started", 0, 0, context="Transaction.Begin"),
        event("P", 1, "Updated", 60, 5_000_000, power=7000),
        event("P", 2, "Ended", 120, 5_000_500, context="Transaction.End"),
    ]
    decreasing = [event("D", 0, "Started", 0, 100), event("D", 1, "Updated", 60, 40),
                  event("D", 2, "Ended", 120, 90)]  # fmt: skip
    units = [event("U", 0, "Started", 0, 1000), event("U", 1, "Ended", 60, 2, unit="kWh")]
    open_ended = [event("O", 0, "Started", 0, 10), event("O", 1, "Updated", 60, 20)]
    disordered = [event("X", 0, "Started", 60, 10), event("X", 1, "Ended", 0, 30),
                  event("Y", 0, "Started", 60), event("Y", 1, "Ended", 0)]  # fmt: skip
    return {
        ("V1", "2.0.1"): ocpp_meter.samples.sessions(6, seed=11),  # type: ignore[attr-defined]
        ("V2", "2.1"): ocpp_meter.samples.sessions(6, seed=12, dialect="2.1"),  # type: ignore[attr-defined]
        ("V3", "2.0.1"): placeholder + decreasing + units + open_ended + disordered,
        (NO_SEQ_NO, "2.0.1"): no_seq_no_frames(),
    }


NO_SEQ_NO = "V4"
"""The station whose stored readings and events lose their ``seq_no`` (as OCPP 1.6's have none)."""


def no_seq_no_frames() -> list[bytes]:
    """A session whose message ids (``N-3`` ... ``N-0``) sort against its time: 1000 Wh at
    Begin, 2000 Wh at End, once :func:`drop_seq_no` has made it a session without seqNo."""
    return [
        event("N", 3, "Started", 0, 1000, context="Transaction.Begin"),
        event("N", 2, "Updated", 60, 1250),
        event("N", 1, "Updated", 120, 1500),
        event("N", 0, "Ended", 180, 2000, context="Transaction.End"),
    ]


def drop_seq_no(connection: Any, rows: str = "sampled_values") -> None:
    """Null the ``seq_no`` of station :data:`NO_SEQ_NO`'s rows and events (SQLite or PostgreSQL:
    a connection or a cursor); 2.x decoding always gives one, 1.6's never. ``rows``: the table
    holding the rows' ``seq_no`` (in PostgreSQL since migration 4, ``ingested_frames``: once
    per frame)."""
    for table in (rows, "transaction_events"):
        connection.execute(f"UPDATE {table} SET seq_no = NULL WHERE station_id = '{NO_SEQ_NO}'")


NO_SEQ_NO_ENERGY = (1000.0, 2000.0, 1000.0, 4, False, False)
"""``start_register_wh, end_register_wh, energy_wh, readings, register_decreased,
out_of_order`` of :func:`no_seq_no_frames`' session, in time order."""


def energy_of(record: Any) -> tuple[Any, ...]:
    return (record.start_register_wh, record.end_register_wh, record.energy_wh, record.readings,
            record.register_decreased, record.out_of_order)  # fmt: skip


def test_session_energy_view_answers_as_in_sqlite(db: str, tmp_path: Path) -> None:
    from ocpp_meter.sessions import SessionEnergy
    from ocpp_meter.storage import GroupCommitWriter

    frames = session_view_frames()
    store = PostgresStore(db)
    sqlite_path = tmp_path / "view.sqlite"

    async def into_sqlite() -> None:
        with GroupCommitWriter(str(sqlite_path)) as writer:
            for (station, dialect), own in frames.items():
                for f in own:
                    await writer.write_frame(station, f, dialect=dialect)  # type: ignore[arg-type]

    run(into_sqlite(), 60)
    for (station, dialect), own in frames.items():
        pairs = [(station, f) for f in own]
        actions = [json.loads(f)[2] for f in own]
        result = store.store_frames([replace(batch(pairs), actions=actions, dialect=dialect)])
        assert result.refused == [{}] and result.frames == len(own)
    store.close()
    assert query(db, "SELECT version FROM ocpp_meter_migrations ORDER BY 1") == ALL_VERSIONS
    with sqlite3.connect(sqlite_path) as lite:
        drop_seq_no(lite)
    with pgdb.connect(db, autocommit=True) as connection, connection.cursor() as cursor:
        drop_seq_no(cursor, "ingested_frames")

    with sqlite3.connect(sqlite_path) as lite:
        cursor = lite.execute("SELECT * FROM session_energy")
        lite_columns = [d[0] for d in cursor.description]
        in_sqlite = from_view(lite)
    with pgdb.connect(db) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT * FROM session_energy")
        pg_columns = [d[0] for d in cursor.description]
        in_postgres = [SessionEnergy(*found) for found in cursor.fetchall()]
    assert pg_columns == lite_columns == list(SessionEnergy._fields)
    print(f"session_energy: {len(in_postgres)} sessions in PostgreSQL, {len(in_sqlite)} in SQLite")
    assert len(in_postgres) == len(in_sqlite) == 6 + 6 + 6 + 1
    (no_seq,) = [s for s in in_postgres if s.station_id == NO_SEQ_NO]
    assert energy_of(no_seq) == NO_SEQ_NO_ENERGY
    # Every flag is raised by some session, so each of the view's branches is compared.
    for flag in ("begin_placeholder", "register_decreased", "unit_changed", "not_ended",
                 "out_of_order"):  # fmt: skip
        assert any(getattr(s, flag) for s in in_postgres), flag
    for pg_record, lite_record in zip(in_postgres, in_sqlite):
        floats = {"energy_wh": None, "peak_power_w": None}
        assert pg_record._replace(**floats) == lite_record._replace(**floats)
        # Sums of floats in another order may differ in the last bit.
        for name in floats:
            assert getattr(pg_record, name) == pytest.approx(getattr(lite_record, name))


def store_as_before_migration_4(url: str, frames: FrameBatch) -> None:
    """Store ``frames`` as a release before migration 4 did: whole rows in the table
    ``sampled_values``, event records in ``transaction_events``, in day partitions."""
    from ocpp_meter.postgres_store import _day_bounds, _partition_name, decode_frames

    part = decode_frames(frames)
    assert part.errors == {} and part.events is not None
    with pgdb.connect(url) as connection, connection.cursor() as cursor:
        for name, table in (("sampled_values", part.rows), ("transaction_events", part.events)):
            for day in {stamp.date() for stamp in table["timestamp"].to_pylist()}:
                low, high = _day_bounds(day)
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {_partition_name(name, day)} PARTITION OF"
                    f" {name} FOR VALUES FROM ('{low}') TO ('{high}')"
                )
            cursor.adbc_ingest(name, table, mode="append")
        connection.commit()


def test_a_version_2_store_gets_the_view_that_orders_readings_without_seq_no_by_time(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ocpp_meter.sessions import SessionEnergy

    def sessions() -> list[SessionEnergy]:
        with pgdb.connect(db) as connection, connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM session_energy WHERE station_id = '{NO_SEQ_NO}'")
            return [SessionEnergy(*found) for found in cursor.fetchall()]

    monkeypatch.setattr(ocpp_meter.postgres_store, "MIGRATIONS", MIGRATIONS[:2])
    store = PostgresStore(db)
    store.connect()
    store.close()
    own = no_seq_no_frames()
    pairs = [(NO_SEQ_NO, f) for f in own]
    actions = [json.loads(f)[2] for f in own]
    store_as_before_migration_4(db, replace(batch(pairs), actions=actions))
    with pgdb.connect(db, autocommit=True) as connection, connection.cursor() as cursor:
        drop_seq_no(cursor)
    assert query(db, "SELECT version FROM ocpp_meter_migrations ORDER BY 1") == [(1,), (2,)]
    # Version 2's view: message id order, N-0 (2000 Wh) first and N-3 (1000 Wh) last.
    (before,) = sessions()
    assert energy_of(before)[:3] == (2000.0, 1000.0, 0.0)
    monkeypatch.undo()
    store = PostgresStore(db)
    store.connect()
    store.close()
    assert query(db, "SELECT version FROM ocpp_meter_migrations ORDER BY 1") == ALL_VERSIONS
    (after,) = sessions()
    assert energy_of(after) == NO_SEQ_NO_ENERGY
    assert after._replace(start_register_wh=None, end_register_wh=None, energy_wh=None,
                          register_decreased=False, out_of_order=False) == before._replace(
        start_register_wh=None, end_register_wh=None, energy_wh=None,
        register_decreased=False, out_of_order=False)  # fmt: skip


# serve --db postgresql://


def test_serve_writes_postgres_directly(db: str) -> None:
    async def scenario() -> Any:
        async with in_process(ServeConfig(port=0, db=db)) as url:
            return await drive(url, stations=5, seconds=1.5)

    tally = run(scenario(), 120)
    assert tally.acknowledged and not tally.call_errors
    check_exactly_once(db, tally.acknowledged, "serve --db postgresql")


# The pipeline.


def test_gateway_workers_postgres(broker: str, db: str, tmp_path: Path) -> None:
    workers = [Worker(broker, db, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        with gateway(broker, tmp_path) as gw:
            tally = run(drive(gw.url, stations=10, seconds=2), 120)
        assert tally.acknowledged and not tally.call_errors
        check_exactly_once(db, tally.acknowledged, "pipeline")
    finally:
        for worker in workers:
            assert worker.stop() == 0
    logs = "".join(w.log.read_text() for w in workers)
    assert "worker stopped" in logs


def test_worker_dead_letters_what_it_cannot_store(broker: str, db: str, tmp_path: Path) -> None:
    async def publish_and_read() -> list[tuple[str, str]]:
        nc = await nats.connect(servers=broker_servers(broker))
        js = nc.jetstream()
        headers = {"Ocpp-Station": "D", "Ocpp-Received": "1767571200000000"}
        await js.publish("ocpp.meter.D", b'[2,"x","MeterValues",{}]', headers=headers)
        await js.publish("ocpp.meter.D", frame("D", 0), headers={"Ocpp-Station": "D"})
        await js.publish("ocpp.meter.D", frame("D", 1), headers=headers)
        sub = await js.pull_subscribe("ocpp.dead.>", stream=DEAD_STREAM)
        got: list[tuple[str, str]] = []
        deadline = time.monotonic() + 30
        while len(got) < 2 and time.monotonic() < deadline:
            try:
                for message in await sub.fetch(10, timeout=1):
                    got.append((message.subject, message.headers[HEADER_DEAD_REASON]))
                    await message.ack()
            except nats.errors.TimeoutError:
                pass
        await nc.close()
        return sorted(got)

    worker = Worker(broker, db, tmp_path / "w.log", "--replicas", "3")
    try:
        dead = run(publish_and_read(), 60)
        assert [subject for subject, _ in dead] == ["ocpp.dead.D", "ocpp.dead.D"]
        reasons = " | ".join(reason for _, reason in dead)
        assert "OccurrenceConstraintViolation" in reasons and "header" in reasons
        check_exactly_once(db, {("D", "D-1")}, "dead letters")
    finally:
        assert worker.stop() == 0


def test_worker_sigterm_finishes_or_returns_its_batch(broker: str, db: str, tmp_path: Path) -> None:
    # The first worker is stopped while the frames are still being published, so it cannot
    # have stored them all however fast it is (a worker that kept up with 12,000 published
    # first had stored every one before the SIGTERM landed).
    count = 12000

    async def publish() -> None:
        nc = await nats.connect(servers=broker_servers(broker))
        js = nc.jetstream()
        headers = {"Ocpp-Station": "T", "Ocpp-Received": "1767571200000000"}
        for start in range(0, count, 500):
            await asyncio.gather(
                *(
                    js.publish("ocpp.meter.T", frame("T", n), headers=headers)
                    for n in range(start, start + 500)
                )
            )
        await nc.close()

    # A long ack_wait: a batch the stopped worker kept without returning it would come back
    # only after 120 s, past the check's bound.
    args = ("--batch", "100", "--ack-wait", "120")
    first = Worker(broker, db, tmp_path / "w1.log", *args)
    publisher = threading.Thread(target=run, args=(publish(), 60))
    publisher.start()
    try:
        deadline = time.monotonic() + 30
        while not stored(db) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first.stop() == 0
    finally:
        publisher.join(90)
    assert not publisher.is_alive()
    stopped_with = len(stored(db))
    log = first.log.read_text()
    assert "worker stopped" in log
    second = Worker(broker, db, tmp_path / "w2.log", *args)
    try:
        check_exactly_once(
            db, {("T", f"T-{n}") for n in range(count)}, f"SIGTERM after {stopped_with} frames"
        )
    finally:
        assert second.stop() == 0
    assert 0 < stopped_with < count


def test_worker_stopped_while_storing_returns_the_batch_fetched_meanwhile(
    broker: str, db: str, tmp_path: Path
) -> None:
    """The stop lands while the first batch is stored and the second is already fetched: the
    first is stored and acknowledged, the second returned (``nak``), not stored."""
    count, size = 300, 100

    async def scenario() -> WorkerStats:
        nc = await nats.connect(servers=broker_servers(broker))
        js = nc.jetstream()
        await ensure_streams(js, 3)
        headers = {"Ocpp-Station": "S", "Ocpp-Received": "1767571200000000"}
        await asyncio.gather(
            *(js.publish("ocpp.meter.S", frame("S", n), headers=headers) for n in range(count))
        )
        await nc.close()
        stop = asyncio.Event()
        second_fetched = asyncio.Event()
        worker = WorkerProcess(WorkerConfig(broker, db, batch=size, ack_wait=120))
        fetch, handle = worker._fetch, worker._handle
        fetched = []

        async def fetch_counted(pull: Any) -> Any:
            messages = await fetch(pull)
            if messages:
                fetched.append(len(messages))
                if len(fetched) == 2:
                    second_fetched.set()
            return messages

        async def handle_stopped_meanwhile(messages: Any, decoding: Any) -> None:
            if len(fetched) == 1:  # the first batch: stopped once the second is in hand
                await second_fetched.wait()
                stop.set()
            await handle(messages, decoding)

        worker._fetch = fetch_counted  # type: ignore[method-assign]
        worker._handle = handle_stopped_meanwhile  # type: ignore[method-assign]
        assert await worker.run(stop)
        assert fetched == [size, size]
        return worker.stats

    stats = run(scenario(), 90)
    assert (stats.frames, stats.returned) == (size, size)
    assert len(stored(db)) == size
    # Returned at once (not after the 120 s ack_wait): the next worker stores all of them.
    second = Worker(broker, db, tmp_path / "w.log", "--batch", str(size), "--ack-wait", "120")
    try:
        check_exactly_once(db, {("S", f"S-{n}") for n in range(count)}, "stopped while storing")
    finally:
        assert second.stop() == 0


def sigterm_while_waiting(args: list[str], log: Path, waiting_for: str) -> tuple[int, str]:
    """Run ``ocpp-meter *args``, SIGTERM it 1.5 s after ``waiting_for`` is in its log (well into
    its retries); its status and log."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ocpp_meter.cli", *args], stdout=subprocess.DEVNULL, stderr=out
        )
    try:
        deadline = time.monotonic() + 30
        while waiting_for not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        time.sleep(1.5)
        process.terminate()
        status = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return status, log.read_text()


def test_worker_sigterm_while_waiting_for_the_database_exits_cleanly(tmp_path: Path) -> None:
    # Nothing listens on either port: the database is tried first, again and again.
    with refusing_port() as closed:
        status, log = sigterm_while_waiting(
            ["worker", "--broker", f"nats://127.0.0.1:{closed}",
             "--db", f"postgresql://postgres@127.0.0.1:{closed}/none"],
            tmp_path / "w.log",
            "database unreachable",
        )  # fmt: skip
    assert status == 0, log
    assert "Traceback" not in log
    assert log.count("database unreachable") >= 2  # it was retrying
    assert "worker stopped before the database and the broker were reachable" in log


def test_worker_sigterm_while_waiting_for_the_broker_exits_cleanly(db: str, tmp_path: Path) -> None:
    with refusing_port() as closed:
        status, log = sigterm_while_waiting(
            ["worker", "--broker", f"nats://127.0.0.1:{closed}", "--db", db],
            tmp_path / "w.log",
            "connecting to the broker",
        )
    assert status == 0, log
    assert "Traceback" not in log
    assert "worker stopped before the database and the broker were reachable" in log


def test_gateway_sigterm_while_waiting_for_the_broker_exits_cleanly(tmp_path: Path) -> None:
    # A port held bound and not listening: one freed after choosing it could be taken by a
    # server of another test, or become a connection's own port (a client then connects to
    # itself), and the gateway would log other errors than the refusal (seen once under load).
    with refusing_port() as closed:
        status, log = sigterm_while_waiting(
            ["serve", "--port", "0", "--broker", f"nats://127.0.0.1:{closed}"],
            tmp_path / "gateway.log",
            "broker connection",
        )
    assert status == 0, log
    assert "Traceback" not in log
    assert "stopped before the broker was reachable" in log
    # The same connection error over 1.5 s of attempts (four a second): logged once.
    assert log.count("broker connection") == 1, log


def wait_for(condition: Any, what: str, logs: list[Path], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what + "\n" + "\n".join(p.read_text() for p in logs)
        time.sleep(0.1)


@pytest.mark.parametrize("up_first", [1, 2])
def test_gateway_and_worker_wait_for_a_jetstream_quorum(
    db: str, tmp_path: Path, up_first: int
) -> None:
    # One node of three: JetStream has no quorum. Two: it has one, but a stream of 3 replicas
    # cannot be placed until the third node joins (JetStream's "no suitable peers").
    services.require("nats-server", services.nats_binary() is not None, services.NATS_HINT)
    cluster = services.NatsCluster(tmp_path, size=3)
    for node in range(up_first):
        cluster.start(node)
    port = ServerProcess(tmp_path / "unused.sqlite", tmp_path / "unused.log").port
    logs = [tmp_path / "gateway.log", tmp_path / "worker.log"]
    commands = [
        ["serve", "--port", str(port), "--db", str(tmp_path / "unused.sqlite")],
        ["worker", "--db", db],
    ]
    processes = []
    try:
        for command, log in zip(commands, logs):
            with open(log, "ab") as out:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "ocpp_meter.cli", *command, "--broker", cluster.url],
                        stdout=subprocess.DEVNULL,
                        stderr=out,
                    )
                )
        waiting = "JetStream is not answering"
        wait_for(lambda: all(waiting in p.read_text() for p in logs), "no wait logged", logs)
        assert all(process.poll() is None for process in processes)
        for node in range(up_first, 3):
            cluster.start(node)
        wait_for(lambda: "worker consuming" in logs[1].read_text(), "worker not ready", logs)
        tally = run(send(f"ws://127.0.0.1:{port}", {"Q": [frame("Q", 0)]}), 90)
        assert tally.acknowledged == {("Q", "Q-0")}
        check_exactly_once(db, tally.acknowledged, "after the quorum came")
        for process in processes:
            process.terminate()
        statuses = [process.wait(timeout=30) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        cluster.stop()
    texts = [log.read_text() for log in logs]
    assert statuses == [0, 0], texts
    for text in texts:
        assert "Traceback" not in text, text
        # One line when the wait begins, a repeat every 10 s at most.
        assert 1 <= text.count(waiting) <= 1 + 60 // 10, text


def test_serve_db_postgres_unreachable_at_start_is_one_line() -> None:
    with refusing_port() as closed:
        refused = subprocess.run(
            [sys.executable, "-m", "ocpp_meter.cli", "serve", "--port", "0",
             "--db", f"postgresql://postgres@127.0.0.1:{closed}/none"],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
    lines = refused.stderr.decode().splitlines()
    assert refused.returncode == 1, lines
    assert len(lines) == 1, lines
    assert "cannot serve" in lines[0] and "Connection refused" in lines[0]


def refusing_urls(pg: services.Postgres, db: str) -> dict[str, str]:
    """URLs of the test's server that it refuses: an unknown database, an unknown role, a role
    without the right to connect."""
    base = pg.url.rsplit("/", 1)[0]
    name = db.rsplit("/", 1)[1]
    with pgdb.connect(pg.url, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name}_nc LOGIN")
        cursor.execute(f"REVOKE CONNECT ON DATABASE {name} FROM PUBLIC")
    return {
        "does not exist": f"{base}/{name}_missing",
        'role "nobody" does not exist': base.replace("postgres@", "nobody@") + f"/{name}",
        "permission denied": base.replace("postgres@", f"{name}_nc@") + f"/{name}",
    }


def test_worker_refused_by_the_database_exits_at_once_with_one_line(
    pg: services.Postgres, db: str
) -> None:
    # No broker: the database is tried first, and its refusal ends the worker.
    for reason, url in refusing_urls(pg, db).items():
        started = time.monotonic()
        with refusing_port() as closed:
            refused = subprocess.run(
                [sys.executable, "-m", "ocpp_meter.cli", "worker", "--broker",
                 f"nats://127.0.0.1:{closed}", "--db", url],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        lines = refused.stderr.decode().splitlines()
        print(f"{reason}: exit {refused.returncode} in {time.monotonic() - started:.1f} s: {lines}")
        assert refused.returncode == 1, lines
        assert len(lines) == 1, lines
        assert "cannot run: the database refuses this client" in lines[0] and reason in lines[0]


def test_serve_db_postgres_refused_at_start_is_one_line(pg: services.Postgres, db: str) -> None:
    for reason, url in refusing_urls(pg, db).items():
        refused = subprocess.run(
            [sys.executable, "-m", "ocpp_meter.cli", "serve", "--port", "0", "--db", url],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        lines = refused.stderr.decode().splitlines()
        assert refused.returncode == 1, lines
        assert len(lines) == 1, lines
        assert "cannot serve: the database refuses this client" in lines[0] and reason in lines[0]


def own_role(pg: services.Postgres, db: str) -> str:
    """A role that owns the test's database (so it creates the tables); its URL."""
    name = db.rsplit("/", 1)[1]
    with pgdb.connect(pg.url, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name}_owner LOGIN")
        cursor.execute(f"ALTER DATABASE {name} OWNER TO {name}_owner")
    return db.replace("postgres@", f"{name}_owner@")


def set_insert(db: str, role_url: str, allowed: bool) -> None:
    """Grant or revoke the role's right to insert into the frame ledger (as the superuser)."""
    role = role_url.split("//", 1)[1].split("@", 1)[0]
    grant = f"GRANT INSERT ON ingested_frames TO {role}"
    revoke = f"REVOKE INSERT ON ingested_frames FROM {role}"
    with pgdb.connect(db, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(grant if allowed else revoke)


def test_serve_db_postgres_refused_while_running_answers_as_unreachable(
    pg: services.Postgres, db: str
) -> None:
    role = own_role(pg, db)

    async def scenario() -> tuple[str, str, str]:
        from websockets.asyncio.client import connect

        async with (
            in_process(ServeConfig(port=0, db=role)) as url,
            connect(f"{url}/ocpp/R1", subprotocols=["ocpp2.0.1"]) as ws,  # type: ignore[list-item]
        ):
            await ws.send(frame("R1", 0).decode())
            stored_first = await asyncio.wait_for(ws.recv(), 20)
            set_insert(db, role, False)
            await ws.send(frame("R1", 1).decode())
            refused = await asyncio.wait_for(ws.recv(), 20)
            set_insert(db, role, True)
            await ws.send(frame("R1", 1).decode())
            again = await asyncio.wait_for(ws.recv(), 20)
        return stored_first, refused, again

    stored_first, refused, again = run(scenario(), 90)
    assert stored_first == '[3,"R1-0",{}]'
    assert refused.startswith(
        '[4,"R1-1","InternalError","frame not stored: database unavailable, send it again"'
    )
    assert again == '[3,"R1-1",{}]'
    check_exactly_once(db, {("R1", "R1-0"), ("R1", "R1-1")}, "refused while running")


def test_worker_refused_while_running_returns_its_batch_and_exits_1(
    pg: services.Postgres, broker: str, db: str, tmp_path: Path
) -> None:
    role = own_role(pg, db)

    async def publish(numbers: range) -> None:
        nc = await nats.connect(servers=broker_servers(broker))
        js = nc.jetstream()
        headers = {"Ocpp-Station": "W", "Ocpp-Received": "1767571200000000"}
        for n in numbers:
            await js.publish("ocpp.meter.W", frame("W", n), headers=headers)
        await nc.close()

    first = Worker(broker, role, tmp_path / "w1.log", "--ack-wait", "120")
    run(publish(range(10)), 60)
    check_exactly_once(db, {("W", f"W-{n}") for n in range(10)}, "before the refusal")
    set_insert(db, role, False)
    run(publish(range(10, 20)), 60)
    status = first.process.wait(timeout=60)
    log = first.log.read_text()
    assert status == 1, log
    assert "Traceback" not in log and "dead-lettering" not in log, log
    assert "cannot run: the database refuses this client" in log and "permission denied" in log
    set_insert(db, role, True)
    # The batch it held was returned, not dead-lettered: the next worker stores it at once
    # (not after the 120 s ack_wait).
    second = Worker(broker, role, tmp_path / "w2.log")
    try:
        check_exactly_once(db, {("W", f"W-{n}") for n in range(20)}, "after the refusal")
    finally:
        assert second.stop() == 0


def test_broker_unreachable_gives_a_callerror_and_no_ack(tmp_path: Path) -> None:
    services.require("nats-server", services.nats_binary() is not None, services.NATS_HINT)
    single = services.NatsCluster(tmp_path, size=1)
    single.start()

    async def scenario() -> tuple[Any, Any, float]:
        config = ServeConfig(port=0, broker=single.url, broker_replicas=1, publish_timeout=1.0)
        async with in_process(config) as url:
            single.kill(0)
            started = time.monotonic()
            from websockets.asyncio.client import connect

            async with connect(f"{url}/ocpp/U1", subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
                await ws.send(frame("U1", 0).decode())
                down = await asyncio.wait_for(ws.recv(), 10)
                elapsed = time.monotonic() - started
                await asyncio.get_running_loop().run_in_executor(None, single.start, 0)
                deadline = time.monotonic() + 20
                while True:
                    await ws.send(frame("U1", 0).decode())
                    up = await asyncio.wait_for(ws.recv(), 10)
                    if up.startswith("[3") or time.monotonic() > deadline:
                        return down, up, elapsed

    try:
        down, up, elapsed = run(scenario(), 90)
    finally:
        single.stop()
    assert down.startswith('[4,"U1-0","InternalError","frame not stored: message broker')
    assert elapsed < 8
    assert up == '[3,"U1-0",{}]'


# Fault tests: kill -9 a server while stations send.


def test_fault_stream_leader_killed(
    cluster: services.NatsCluster, broker: str, db: str, tmp_path: Path
) -> None:
    async def leader() -> str:
        nc = await nats.connect(servers=broker_servers(broker))
        info = await nc.jetstream().stream_info(STREAM)
        await nc.close()
        return str(info.cluster.leader)

    # Deliveries or acknowledgements lost with the killed node bring their messages back after
    # ack_wait (found stored, then acknowledged): 5 s, not the default 30 s, which was half of
    # the check's 60 s bound on a busy machine.
    worker = Worker(broker, db, tmp_path / "w.log", "--ack-wait", "5")
    killed: list[int] = []

    def fault() -> None:
        index = cluster.index_of(run(leader(), 30))
        cluster.kill(index)
        killed.append(index)
        time.sleep(2)
        cluster.start(index)

    try:
        with gateway(broker, tmp_path) as gw:
            tally = run(drive(gw.url, stations=10, seconds=6, fault=fault), 180)
    finally:
        for index in killed:
            if cluster.nodes[index].process.poll() is not None:  # type: ignore[union-attr]
                cluster.start(index)
    try:
        check_exactly_once(db, tally.acknowledged, f"leader n{killed} killed ({tally!s})")
    finally:
        assert worker.stop() == 0


def test_fault_worker_killed_mid_batch(broker: str, db: str, tmp_path: Path) -> None:
    args = ("--ack-wait", "3", "--batch", "200")
    workers = [Worker(broker, db, tmp_path / f"w{i}.log", *args) for i in range(2)]

    def fault() -> None:
        workers[0].kill()
        time.sleep(1)
        workers[0] = Worker(broker, db, tmp_path / "w0-again.log", *args)

    with gateway(broker, tmp_path) as gw:
        tally = run(drive(gw.url, stations=10, seconds=5, fault=fault), 180)
    try:
        check_exactly_once(db, tally.acknowledged, f"worker killed ({tally!s})")
    finally:
        for worker in workers:
            worker.stop()


def test_fault_postgres_restarted(
    pg: services.Postgres, broker: str, db: str, tmp_path: Path
) -> None:
    worker = Worker(broker, db, tmp_path / "w.log", "--ack-wait", "5")

    def fault() -> None:
        pg.kill()
        time.sleep(1)
        pg.start()

    try:
        with gateway(broker, tmp_path) as gw:
            tally = run(drive(gw.url, stations=10, seconds=6, fault=fault), 180)
        check_exactly_once(db, tally.acknowledged, f"postgres killed and restarted ({tally!s})")
    finally:
        worker.stop()
    assert "database unreachable" in worker.log.read_text()


def test_fault_gateway_killed(broker: str, db: str, tmp_path: Path) -> None:
    worker = Worker(broker, db, tmp_path / "w.log")
    gateways = [gateway(broker, tmp_path).start()]

    def fault() -> None:
        gateways[0].kill()
        time.sleep(0.5)
        gateways.append(gateway(broker, tmp_path, port=gateways[0].port).start())

    try:
        tally = run(drive(gateways[0].url, stations=10, seconds=5, fault=fault), 180)
        assert tally.reconnects >= 10
        check_exactly_once(db, tally.acknowledged, f"gateway killed ({tally!s})")
    finally:
        for gw in gateways:
            gw.__exit__()
        worker.stop()


def test_gateway_and_worker_connections_leave_a_node_that_hangs(
    cluster: services.NatsCluster, broker: str
) -> None:
    """The nats-py connection of the gateway and the worker (``broker.connect``) moves to
    another node when its node stops answering without closing the connection (a frozen host,
    a lost network), within its PINGs (seconds), not the kernel's many minutes."""
    from ocpp_meter.broker import connect

    async def scenario() -> tuple[int, int, float]:
        nc = await connect(broker, "hang-test")
        paused = -1
        try:
            before = nc.connected_url.port
            paused = next(i for i, node in enumerate(cluster.nodes) if node.port == before)
            cluster.pause(paused)
            started = time.monotonic()
            while True:
                assert time.monotonic() - started < 60, "still on the hung node"
                try:
                    if nc.is_connected and nc.connected_url.port != before:
                        await nc.flush(timeout=2)
                        return before, nc.connected_url.port, time.monotonic() - started
                except (nats.errors.Error, asyncio.TimeoutError):
                    pass
                await asyncio.sleep(0.2)
        finally:
            if paused >= 0:
                cluster.resume(paused)
            await nc.close()

    before, after, took = run(scenario(), 90)
    assert after != before and after in {node.port for node in cluster.nodes}
    print(f"left the hung node in {took:.1f} s")
    assert took < 30
