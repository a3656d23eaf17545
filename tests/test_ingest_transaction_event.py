"""The endpoint stores TransactionEvents: readings in sampled_values, the event record in
transaction_events, in one commit, acknowledged after it; the reply carries idTokenInfo by the
Authorize accept policy when the request has an idToken."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from ocpp_meter import CallResult, decode_message
from ocpp_meter.samples import session_frames
from ocpp_meter.server import ServeConfig
from serving import ServerProcess, as_stored, in_process, loadgen, run
from websockets.asyncio.client import connect


def table(db: Path, name: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(f"SELECT * FROM {name} ORDER BY rowid").fetchall()


@pytest.mark.parametrize("dialect", ["2.0.1", "2.1"])
@pytest.mark.parametrize("accepted", [None, frozenset({"nobody"})])
def test_sessions_are_stored_exactly_and_answered_by_the_accept_policy(
    tmp_path: Path, dialect: str, accepted: frozenset[str] | None
) -> None:
    db = tmp_path / "m.sqlite"
    sessions = [session_frames(seed, updates=3, dialect=dialect) for seed in range(4)]
    config = ServeConfig(port=0, db=str(db), accepted_id_tokens=accepted)
    subprotocol = "ocpp2.1" if dialect == "2.1" else "ocpp2.0.1"

    async def scenario() -> list[tuple[dict[str, Any], Any]]:
        answered = []
        async with (
            in_process(config) as url,
            connect(f"{url}/ocpp/CS-TE", subprotocols=[subprotocol]) as ws,
        ):
            for frames in sessions:
                for frame in frames:
                    await ws.send(frame.decode())
                    reply = json.loads(await ws.recv())
                    answered.append((json.loads(frame), reply))
        return answered

    answered = run(scenario())
    status = "Accepted" if accepted is None else "Unknown"
    tokens = 0
    for (_, message_id, _, payload), reply in answered:
        assert reply[:2] == [3, message_id], reply
        decoded = decode_message(json.dumps(reply), action="TransactionEvent", dialect=dialect)
        assert isinstance(decoded, CallResult)
        if "idToken" in payload:
            tokens += 1
            assert reply[2] == {"idTokenInfo": {"status": status}}
        else:
            assert reply[2] == {}
    assert tokens >= len(sessions)
    frames = [frame for session in sessions for frame in session]
    rows, events = as_stored(frames, "CS-TE", dialect)
    assert table(db, "sampled_values") == rows
    assert table(db, "transaction_events") == events
    assert len(events) == len(frames)


def test_loadgen_runs_sessions_beside_meter_values_in_one_run(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    with ServerProcess(db, tmp_path / "serve.log") as server:
        meter_values, sessions = loadgen(
            f"{server.url}/load",
            *("--stations", "3", "--seconds", "1", "--max-frames", "150"),
            *("--scenario", "meter-values", "--scenario", "sessions"),
        )
    assert (meter_values["scenario"], sessions["scenario"]) == ("meter-values", "sessions")
    for report in (meter_values, sessions):
        assert report["errors"] == 0 and report["timeouts"] == 0
        assert 0 < report["acknowledged"] == report["sent"] <= 150
        assert 0 < report["p50_ms"] <= report["p99_ms"] <= report["max_ms"]
    with sqlite3.connect(db) as connection:
        events = connection.execute("SELECT count(*) FROM transaction_events").fetchone()[0]
        actions = dict(
            connection.execute("SELECT action, count(*) FROM sampled_values GROUP BY action")
        )
    # Every acknowledged TransactionEvent has its event record; MeterValues 12 readings each.
    assert events == sessions["acknowledged"]
    assert actions["MeterValues"] == 12 * meter_values["acknowledged"]
    assert actions.get("TransactionEvent", 0) > 0
