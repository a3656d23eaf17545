"""Whole charging sessions from the mobilityhouse ``ocpp`` v201 and v21 ``ChargePoint`` (a real
station implementation) against ``ocpp-meter serve``: every reply as OCPP says, every reading
and every event stored exactly once (compared with what the station sent), and nothing that was
acknowledged lost to a kill -9 mid-session."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from ocpp.charge_point import camel_to_snake_case
from ocpp_meter import decode_batch
from ocpp_meter.samples import session_frames, typical_frame
from serving import Recorded, ServerProcess, as_stored, kill_mid_sessions, run
from websockets.asyncio.client import connect

VERSIONS = {"2.0.1": ("ocpp.v201", "ocpp2.0.1"), "2.1": ("ocpp.v21", "ocpp2.1")}
SESSIONS = 3


def payload_of(frame: bytes) -> dict[str, Any]:
    return dict(camel_to_snake_case(json.loads(frame)[3]))


def stored(db: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()


async def station_session(
    url: str, station_id: str, dialect: str, seeds: range, acknowledged: list[str] | None = None
) -> tuple[Recorded, list[tuple[str, Any, Any]]]:
    """Boot, status, authorize, whole sessions of TransactionEvents, MeterValues for evse 0 and a
    heartbeat; the requests and their replies."""
    module, subprotocol = VERSIONS[dialect]
    ocpp_version = __import__(module, fromlist=["ChargePoint", "call"])
    answers: list[tuple[str, Any, Any]] = []
    async with connect(f"{url}/ocpp/{station_id}", subprotocols=[subprotocol]) as ws:
        recorded = Recorded(ws)
        station = ocpp_version.ChargePoint(station_id, recorded, response_timeout=15)
        reader = asyncio.ensure_future(station.start())

        async def send(name: str, request: Any) -> Any:
            reply = await station.call(request, suppress=False)
            answers.append((name, request, reply))
            if acknowledged is not None:
                acknowledged.append(recorded.sent[-1])  # one CALL in flight: the last sent
            return reply

        call = ocpp_version.call
        try:
            await send(
                "BootNotification",
                call.BootNotification(
                    charging_station={"model": "M1", "vendor_name": "V"}, reason="PowerUp"
                ),
            )
            await send(
                "StatusNotification",
                call.StatusNotification(
                    timestamp=datetime.now(timezone.utc).isoformat(),
                    connector_status="Available",
                    evse_id=1,
                    connector_id=1,
                ),
            )
            for seed in seeds:
                frames = session_frames(seed, updates=3, dialect=dialect)
                token = next(json.loads(f)[3]["idToken"] for f in frames if b'"idToken"' in f)
                await send("Authorize", call.Authorize(id_token=camel_to_snake_case(token)))
                for frame in frames:
                    await send("TransactionEvent", call.TransactionEvent(**payload_of(frame)))
                meter = json.loads(typical_frame(seed))[3]
                meter["evseId"] = 0  # the main meter of the station
                await send("MeterValues", call.MeterValues(**camel_to_snake_case(meter)))
                await send("Heartbeat", call.Heartbeat())
        finally:
            reader.cancel()
    return recorded, answers


@pytest.mark.parametrize("dialect", ["2.0.1", "2.1"])
def test_whole_sessions_are_answered_and_stored_exactly_once(tmp_path: Path, dialect: str) -> None:
    db = tmp_path / "m.sqlite"
    with ServerProcess(db, tmp_path / "serve.log") as server:
        recorded, answers = run(
            station_session(server.url, f"MH-{dialect}", dialect, range(SESSIONS)), limit=120
        )
    by_action: dict[str, list[Any]] = {}
    for name, request, reply in answers:
        by_action.setdefault(name, []).append((request, reply))
        if name == "BootNotification":
            assert (reply.status, reply.interval) == ("Accepted", 300)
            datetime.fromisoformat(reply.current_time.replace("Z", "+00:00"))
        elif name == "Heartbeat":
            datetime.fromisoformat(reply.current_time.replace("Z", "+00:00"))
        elif name == "Authorize":
            assert reply.id_token_info == {"status": "Accepted"}
        elif name == "TransactionEvent":
            if request.id_token is None:
                assert reply.id_token_info is None
            else:
                assert reply.id_token_info == {"status": "Accepted"}
    assert len(by_action["TransactionEvent"]) >= SESSIONS * 5
    assert len(by_action["MeterValues"]) == SESSIONS
    meter_frames = [
        frame
        for frame in recorded.sent
        if json.loads(frame)[2] in ("MeterValues", "TransactionEvent")
    ]
    rows, events = as_stored(meter_frames, f"MH-{dialect}", dialect)
    assert stored(db, "sampled_values") == rows
    assert stored(db, "transaction_events") == events
    assert len(events) == len(by_action["TransactionEvent"])
    assert any(row[3] == 0 and row[2] == "MeterValues" for row in rows)


def test_a_kill_mid_session_loses_nothing_acknowledged(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    process = ServerProcess(db, tmp_path / "serve.log")
    acknowledged: list[str] = []

    async def one(number: int) -> None:
        seeds = range(number * 100, number * 100 + 50)
        await station_session(process.url, f"K{number}", "2.0.1", seeds, acknowledged)

    try:
        kill_mid_sessions(process, one, acknowledged)
    finally:
        process.kill()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = dict(
            connection.execute(
                "SELECT message_id, count(*) FROM sampled_values GROUP BY message_id"
            ).fetchall()
        )
        events = dict(
            connection.execute(
                "SELECT message_id, count(*) FROM transaction_events GROUP BY message_id"
            ).fetchall()
        )
    stored = [f for f in acknowledged if json.loads(f)[2] in ("MeterValues", "TransactionEvent")]
    assert len(acknowledged) >= 80 and len(stored) >= 40
    for frame in stored:
        message_id = json.loads(frame)[1]
        result = decode_batch([frame], "K", dialect="2.0.1")
        # Every acknowledged frame has all its rows and its event, exactly once (the station
        # never resent a frame).
        assert rows.get(message_id, 0) == result.row_count, frame
        assert events.get(message_id, 0) == result.event_count, frame
