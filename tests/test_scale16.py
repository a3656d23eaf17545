"""OCPP 1.6J stations through the scale-out deployments, with real servers (see
``services.py``): ``serve --db postgresql://`` (transaction ids from the PostgreSQL table
``ocpp16_transactions``) and ``serve --broker`` with workers into PostgreSQL (ids from the
JetStream bucket). The station is the mobilityhouse ``ocpp`` v16 ``ChargePoint``; the rows and
event records in PostgreSQL are compared with what the core decodes of the frames it sent, each
StartTransaction's with the id its answer carried and each StopTransaction's with the connector
of its transaction. Ids stay unique across gateways, resends, restarts and a gateway killed
(``kill -9``) while stations run sessions and reconnect."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import ocpp_meter
import ocpp_meter.postgres_store
import pytest
import services
import test_scale
from ocpp_meter.broker import broker_servers, ensure_streams, when_jetstream_answers
from ocpp_meter.broker_transaction_ids import BUCKET, BrokerTransactionIds
from ocpp_meter.postgres_store import EVENT_COLUMNS, MIGRATIONS, ROW_COLUMNS, PostgresStore
from ocpp_meter.server import ServeConfig
from ocpp_meter.transaction_ids import MAX_TRANSACTION_ID
from serving import ServerProcess, in_process, run
from test_central_system16 import (
    METER_ACTIONS,
    STOP_CONNECTORS,
    SUBPROTOCOL,
    assignments,
    raw,
    start_frame,
    station_session,
    stops_and_their_connectors,
)
from test_scale import Worker, gateway, query, quote, sorted_records, wait_for
from websockets.asyncio.client import connect

# The servers of the 2.x pipeline tests' fixtures (this module starts its own, once).
cluster = test_scale.cluster
pg = test_scale.pg
db = test_scale.db
broker = test_scale.broker

Sent = dict[str, tuple[list[str], list[tuple[str, Any, Any]]]]
"""Per station: the frames it sent and its (action, request, reply) answers."""


def expected_records(sent: Sent) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows and event records of the meter frames sent, as ``decode_batch`` makes them,
    with what the endpoint assigns (the StartTransaction's id, the StopTransaction's
    connector)."""
    import pyarrow as pa

    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for station, (frames, answers) in sent.items():
        meter = [f for f in frames if json.loads(f)[2] in METER_ACTIONS]
        result = ocpp_meter.decode_batch(meter, station, dialect="1.6")
        assert result.error_count == 0
        given, stops = assignments(frames, answers)
        for table, into in ((pa.table(result), rows), (pa.table(result.events), events)):
            for record in table.to_pylist():
                message_id = record["message_id"]
                if message_id in given:
                    record["transaction_id"] = given[message_id]
                if message_id in stops:
                    record["connector_id"] = stops[message_id]
                into.append(record)
    return rows, events


ROW_KEYS = ("station_id", "message_id", "meter_value_index", "sampled_value_index")
EVENT_KEYS = ("station_id", "message_id")


def stored_records(url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    import adbc_driver_postgresql.dbapi as pgdb

    with pgdb.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(map(quote, ROW_COLUMNS))} FROM sampled_values")
        rows = sorted_records(cursor.fetch_arrow_table(), ROW_KEYS)
        cursor.execute(f"SELECT {', '.join(map(quote, EVENT_COLUMNS))} FROM transaction_events")
        events = sorted_records(cursor.fetch_arrow_table(), EVENT_KEYS)
    return rows, events


def wait_for_frames(url: str, count: int, limit: float = 60) -> None:
    """Until the ledger holds ``count`` frames (the workers are behind the gateway)."""
    deadline = time.monotonic() + limit
    while query(url, "SELECT count(*) FROM ingested_frames") != [(count,)]:
        assert time.monotonic() < deadline, query(url, "SELECT count(*) FROM ingested_frames")
        time.sleep(0.25)


def check_sessions(url: str, sent: Sent, what: str) -> list[int]:
    """The stored rows and events are exactly the expected ones; the ids given are unique and
    each session is billed 1000 Wh by the ``session_energy`` view; returns the ids."""
    want_rows, want_events = expected_records(sent)
    ids = [
        reply.transaction_id
        for _, answers in sent.values()
        for name, _, reply in answers
        if name == "StartTransaction"
    ]
    meter_frames = sum(
        json.loads(f)[2] in METER_ACTIONS for frames, _ in sent.values() for f in frames
    )
    wait_for_frames(url, meter_frames)
    rows, events = stored_records(url)
    print(
        f"{what}: {meter_frames} meter frames, {len(ids)} transactions; stored {len(rows)} rows"
        f" ({len(want_rows)} expected), {len(events)} events ({len(want_events)} expected)"
    )
    assert len(set(ids)) == len(ids) and all(0 < i <= MAX_TRANSACTION_ID for i in ids)
    assert rows == sorted_records_of(want_rows, ROW_KEYS)
    assert events == sorted_records_of(want_events, EVENT_KEYS)
    assert {e["connector_id"] for e in events} == {1}  # the Ended events' too
    billed = query(url, "SELECT transaction_id, energy_wh, not_ended FROM session_energy")
    assert sorted(billed) == sorted((str(i), 1000.0, False) for i in ids)
    return ids


def sorted_records_of(records: list[dict[str, Any]], keys: tuple[str, ...]) -> list[Any]:
    return sorted(records, key=lambda r: tuple(r[k] for k in keys))


def stop_connectors(url: str) -> set[tuple[Any, ...]]:
    return set(
        query(
            url,
            "SELECT station_id, message_id, event_type, connector_id FROM transaction_events"
            " WHERE station_id IN ('CS-A', 'CS-B')",
        )
    )


# serve --db postgresql://


def test_16_sessions_through_serve_db_postgres(db: str) -> None:
    async def scenario() -> Sent:
        async with in_process(ServeConfig(port=0, db=db)) as url:
            got = await asyncio.gather(
                station_session(url, "PG16-A", range(2)),
                station_session(url, "PG16-B", range(10, 12)),
            )
        return {name: (r.sent, a) for name, (r, a) in zip(("PG16-A", "PG16-B"), got)}

    sent = run(scenario(), 120)
    ids = check_sessions(db, sent, "1.6 sessions, serve --db postgresql")
    recorded = query(
        db,
        "SELECT transaction_id, station_id, connector_id, id_tag FROM ocpp16_transactions"
        " WHERE station_id LIKE 'PG16-%' ORDER BY transaction_id",
    )
    assert [r[0] for r in recorded] == sorted(ids)
    assert {(r[1], r[2], r[3]) for r in recorded} == {
        ("PG16-A", 1, "TAG0"),
        ("PG16-A", 1, "TAG1"),
        ("PG16-B", 1, "TAG3"),
        ("PG16-B", 1, "TAG4"),
    }


def test_16_stop_transactions_through_serve_db_postgres_get_their_connector(db: str) -> None:
    async def scenario() -> int:
        async with in_process(ServeConfig(port=0, db=db)) as url:
            return await stops_and_their_connectors(url)

    transaction_id = run(scenario(), 60)
    assert stop_connectors(db) == STOP_CONNECTORS
    rows = query(db, "SELECT message_id, connector_id, transaction_id FROM sampled_values")
    assert sorted(rows, key=str) == sorted(
        [
            ("st", 3, str(transaction_id)),
            ("sa", 3, str(transaction_id)),
            ("sb", None, str(transaction_id)),
            ("sx", None, str(MAX_TRANSACTION_ID)),
        ],
        key=str,
    )


def test_16_ids_from_postgres_are_unique_across_gateways_resends_and_restarts(db: str) -> None:
    """Two gateways on one database take StartTransactions of six stations at once, each
    frame sent to one gateway and sent again to the other (its answer lost); both answer the
    same id. After both restart, a resend still gets its id, a new StartTransaction a new one."""
    config = ServeConfig(port=0, db=db, dialects=("1.6",))
    stations = [f"G{n}" for n in range(6)]

    async def station(urls: tuple[str, str], name: str, starts: range) -> list[tuple[str, int]]:
        async with (
            connect(f"{urls[0]}/ocpp/{name}", subprotocols=SUBPROTOCOL) as first,
            connect(f"{urls[1]}/ocpp/{name}", subprotocols=SUBPROTOCOL) as second,
        ):
            out = []
            for k in starts:
                frame = start_frame(f"m{k}", seconds=k)
                a, b = (first, second) if k % 2 else (second, first)
                out.append((f"m{k}", (await raw(a, frame))[2]["transactionId"]))
                out.append((f"m{k}", (await raw(b, frame))[2]["transactionId"]))
            return out

    async def gateways(starts: range) -> list[list[tuple[str, int]]]:
        async with in_process(config) as one, in_process(config) as two:
            return await asyncio.gather(*(station((one, two), s, starts) for s in stations))

    before = run(gateways(range(4)), 120)
    after = run(gateways(range(3, 5)), 120)  # m3 again, m4 new
    given: dict[tuple[str, str], set[int]] = {}
    for name, answers in zip(stations * 2, before + after):
        for message_id, transaction_id in answers:
            given.setdefault((name, message_id), set()).add(transaction_id)
    # One id per StartTransaction, whichever gateway answered and however often.
    assert all(len(ids) == 1 for ids in given.values()), given
    ids = [next(iter(v)) for v in given.values()]
    assert len(set(ids)) == len(ids) == 6 * 5
    first = [next(iter(v)) for (_, m), v in given.items() if m != "m4"]
    assert min(next(iter(given[(s, "m4")])) for s in stations) > max(first)
    assert query(db, "SELECT count(*) FROM ocpp16_transactions") == [(30,)]
    # Each StartTransaction is stored once (the resends are the same bytes), with its id.
    events = query(db, "SELECT station_id, message_id, transaction_id FROM transaction_events")
    assert sorted(events) == sorted((s, m, str(next(iter(v)))) for (s, m), v in given.items())


def test_16_ids_stop_at_the_32_bit_bound(db: str) -> None:
    """The last id 1.6's 32-bit ``transactionId`` holds is given; past it the station is
    answered ``InternalError`` and nothing of the frame is stored."""
    import adbc_driver_postgresql.dbapi as pgdb

    store = PostgresStore(db)  # the migrations make the table
    store.connect()
    store.close()
    with pgdb.connect(db, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE ocpp16_transactions ALTER COLUMN transaction_id"
            f" RESTART WITH {MAX_TRANSACTION_ID}"
        )

    async def scenario() -> list[Any]:
        async with (
            in_process(ServeConfig(port=0, db=db)) as url,
            connect(f"{url}/ocpp/LAST", subprotocols=SUBPROTOCOL) as ws,
        ):
            return [await raw(ws, start_frame(f"m{k}", seconds=k)) for k in range(2)]

    last, past = run(scenario(), 60)
    assert last[2]["transactionId"] == MAX_TRANSACTION_ID
    assert past[:3] == [4, "m1", "InternalError"]
    assert query(db, "SELECT message_id, transaction_id FROM transaction_events") == [
        ("m0", str(MAX_TRANSACTION_ID))
    ]


def test_16_migration_below_an_applied_one_still_runs(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that has every version but one numbered below the highest (a version added
    on a branch beside another) gets it on the next start."""
    missing = MIGRATIONS[2][0]
    monkeypatch.setattr(
        ocpp_meter.postgres_store, "MIGRATIONS", [m for m in MIGRATIONS if m[0] != missing]
    )
    older = PostgresStore(db)
    older.connect()
    older.close()
    applied = [v for (v,) in query(db, "SELECT version FROM ocpp_meter_migrations ORDER BY 1")]
    assert missing not in applied and max(applied) > missing
    monkeypatch.undo()
    store = PostgresStore(db)
    store.connect()
    store.close()
    assert query(db, "SELECT version FROM ocpp_meter_migrations ORDER BY 1") == [
        (m[0],) for m in MIGRATIONS
    ]


# serve --broker, workers, PostgreSQL


def test_16_sessions_through_gateway_and_workers(broker: str, db: str, tmp_path: Path) -> None:
    workers = [Worker(broker, db, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        with gateway(broker, tmp_path) as gw:

            async def scenario() -> Sent:
                got = await asyncio.gather(
                    station_session(gw.url, "NB16-A", range(2)),
                    station_session(gw.url, "NB16-B", range(10, 12)),
                )
                return {name: (r.sent, a) for name, (r, a) in zip(("NB16-A", "NB16-B"), got)}

            sent = run(scenario(), 120)
        check_sessions(db, sent, "1.6 sessions, serve --broker and 2 workers")
    finally:
        for worker in workers:
            assert worker.stop() == 0


def test_16_broker_ids_are_shared_by_gateways_and_know_their_connector(
    broker: str, db: str, tmp_path: Path
) -> None:
    """Two gateways on one broker: the same StartTransaction sent to each gets one id, another
    one a higher id; a StopTransaction's rows and event get the connector of its start, only
    for the station that was given that id."""
    config = ServeConfig(port=0, broker=broker, dialects=("1.6",))
    worker = Worker(broker, db, tmp_path / "w.log")

    async def scenario() -> tuple[list[int], int, int | None]:
        async with in_process(config) as one, in_process(config) as two:
            ids = []
            for url in (one, two, one):
                async with connect(f"{url}/ocpp/KV1", subprotocols=SUBPROTOCOL) as ws:
                    ids.append(
                        (await raw(ws, start_frame("same", connector=4)))[2]["transactionId"]
                    )
            async with connect(f"{two}/ocpp/KV1", subprotocols=SUBPROTOCOL) as ws:
                ids.append((await raw(ws, start_frame("other", 60)))[2]["transactionId"])
            started = await stops_and_their_connectors(one)
        # The bucket read directly: the record of an id is its station's.
        import nats

        nc = await nats.connect(servers=broker_servers(broker))
        try:
            source = await BrokerTransactionIds.open(nc, replicas=3)
            own = await source.connector_of("KV1", ids[0])
            assert await source.connector_of("KV2", ids[0]) is None
            assert await source.connector_of("KV1", 10**9) is None
        finally:
            await nc.close()
        return ids, started, own

    try:
        ids, started, own = run(scenario(), 120)
        assert ids[0] == ids[1] == ids[2] and ids[3] > ids[0] and started > ids[3]
        assert own == 4
        wait_for_frames(db, 2 + 4)
        assert stop_connectors(db) == STOP_CONNECTORS
        assert query(db, "SELECT transaction_id FROM transaction_events WHERE station_id = 'KV1'"
                     " ORDER BY message_id") == [(str(ids[3]),), (str(ids[0]),)]  # fmt: skip
    finally:
        assert worker.stop() == 0


def test_16_gateway_waits_for_nodes_to_place_the_transaction_id_bucket(tmp_path: Path) -> None:
    """Two nodes of three up and the streams already there (made with 2 replicas): the bucket
    of 3 replicas cannot be placed yet ("no suitable peers"). The 1.6 gateway waits, logging
    it, instead of dying; once the third node joins it creates the bucket and serves."""
    services.require("nats-server", services.nats_binary() is not None, services.NATS_HINT)
    cluster = services.NatsCluster(tmp_path, size=3)
    for node in range(2):
        cluster.start(node)
    log = tmp_path / "gateway.log"
    port = ServerProcess(tmp_path / "unused.sqlite", log).port

    import nats

    async def streams_of_two_replicas() -> None:
        nc = await nats.connect(servers=broker_servers(cluster.url))
        try:
            js = nc.jetstream()
            await when_jetstream_answers(lambda: ensure_streams(js, 2), "test")
        finally:
            await nc.close()

    async def start_and_bucket() -> tuple[Any, int]:
        async with connect(f"ws://127.0.0.1:{port}/ocpp/KW1", subprotocols=SUBPROTOCOL) as ws:
            reply = await raw(ws, start_frame("waited"))
        nc = await nats.connect(servers=broker_servers(cluster.url))
        try:
            info = await nc.jetstream().stream_info(f"KV_{BUCKET}")
        finally:
            await nc.close()
        return reply, info.config.num_replicas

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    process = None
    try:
        run(streams_of_two_replicas(), 60)
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "ocpp_meter.cli", "serve", "--port", str(port),
                 "--db", str(tmp_path / "unused.sqlite"), "--broker", cluster.url,
                 "--dialect", "1.6"],
                stdout=subprocess.DEVNULL, stderr=out,
            )  # fmt: skip
        waiting = "JetStream is not answering"
        wait_for(lambda: waiting in log.read_text(), "no wait logged", [log])
        assert process.poll() is None and not listening(), log.read_text()
        cluster.start(2)
        wait_for(listening, "gateway not listening after the third node joined", [log])
        reply, replicas = run(start_and_bucket(), 60)
        process.terminate()
        status = process.wait(timeout=30)
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        cluster.stop()
    text = log.read_text()
    assert reply[:2] == [3, "waited"] and 0 < reply[2]["transactionId"] <= MAX_TRANSACTION_ID
    assert replicas == 3
    assert status == 0, text
    assert "Traceback" not in text, text
    assert 1 <= text.count(waiting) <= 1 + 60 // 10, text


def test_16_gateway_killed_mid_sessions(broker: str, db: str, tmp_path: Path) -> None:
    """Four stations run sessions through a gateway killed (``kill -9``) and started again on
    its port; each station reconnects and goes on (a session cut short is started again, with
    new message ids). Every frame a station got a CALLRESULT for has its rows exactly once,
    each StartTransaction's with the id of its answer; every id given is unique."""
    worker = Worker(broker, db, tmp_path / "w.log")
    gateways = [gateway(broker, tmp_path).start()]
    acknowledged: list[tuple[str, Any]] = []
    failures: list[str] = []

    async def one(number: int) -> None:
        name = f"K{number}"
        for seed in range(number * 100, number * 100 + 6):
            for _attempt in range(20):
                try:
                    await station_session(
                        gateways[-1].url, name, range(seed, seed + 1), acknowledged, 5
                    )
                    break
                except Exception as error:  # noqa: BLE001 - the gateway died under it
                    failures.append(type(error).__name__)
                    await asyncio.sleep(0.3)

    async def killer() -> None:
        while len(acknowledged) < 60:
            await asyncio.sleep(0.005)
        os.kill(gateways[0].pid, signal.SIGKILL)
        assert await asyncio.get_running_loop().run_in_executor(None, gateways[0].wait) == (
            -signal.SIGKILL
        )
        restart = gateway(broker, tmp_path, port=gateways[0].port)
        gateways.append(await asyncio.get_running_loop().run_in_executor(None, restart.start))

    async def scenario() -> None:
        await asyncio.gather(killer(), *(one(n) for n in range(4)))

    try:
        run(scenario(), 300)
        meter = [(f, r) for f, r in acknowledged if json.loads(f)[2] in METER_ACTIONS]
        starts = [(f, r) for f, r in meter if json.loads(f)[2] == "StartTransaction"]
        # Every acknowledged frame reaches the store (more may: published, then unanswered).
        deadline = time.monotonic() + 60
        wanted = {json.loads(f)[1] for f, _ in meter}
        while wanted - {m for (m,) in query(db, "SELECT message_id FROM ingested_frames")}:
            assert time.monotonic() < deadline
            time.sleep(0.25)
        rows = dict(query(db, "SELECT message_id, count(*) FROM sampled_values GROUP BY 1"))
        events = query(db, "SELECT message_id, event_type, transaction_id FROM transaction_events")
        [(frames,)] = query(db, "SELECT count(*) FROM ingested_frames")
        print(
            f"1.6 gateway killed: {len(acknowledged)} CALLRESULTs ({len(meter)} meter frames,"
            f" {len(starts)} StartTransactions); stored {frames} frames, {sum(rows.values())}"
            f" rows, {len(events)} events; station errors {sorted(set(failures))}"
        )
        assert len(gateways) == 2 and failures and len(starts) >= 8
        for frame, _ in meter:
            expected_rows = ocpp_meter.decode_batch([frame], "K", dialect="1.6").row_count
            assert rows.get(json.loads(frame)[1], 0) == expected_rows, frame
        started = {m: tx for m, kind, tx in events if kind == "Started"}
        for frame, reply in starts:
            assert started[json.loads(frame)[1]] == str(reply.transaction_id)
        # Unique: no id given twice, whether its answer arrived or not.
        assert len(set(started.values())) == len(started)
        assert frames - len(meter) <= 4  # at most one frame in flight per station at the kill
    finally:
        for gw in gateways:
            gw.__exit__()
        assert worker.stop() == 0
