"""Energy per charging session: hand-computed sessions for each flag, through ``decode_batch``
into :func:`session_energy` and into SQLite tables of the contract's columns under the
``session_energy`` view; then the function and the view agree on generated sessions."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any

import pyarrow as pa
import pytest
from ocpp_meter import decode_batch, samples
from ocpp_meter.rows import EVENT_COLUMNS
from ocpp_meter.sessions import SessionEnergy, create_session_energy_view, session_energy
from ocpp_meter.storage import CREATE_TABLE, INSERT_ROW, row_to_sql

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(
    tx: str,
    seq: int,
    kind: str,
    at: float,
    register: float | None = None,
    *,
    context: str = "Sample.Periodic",
    unit: str = "Wh",
    power: float | None = None,
) -> bytes:
    """A TransactionEvent frame with, optionally, an energy register reading and a power one."""
    payload: dict[str, Any] = {
        "eventType": kind,
        "timestamp": stamp(at),
        "triggerReason": {"Started": "CablePluggedIn", "Ended": "EVDeparted"}.get(
            kind, "MeterValuePeriodic"
        ),
        "seqNo": seq,
        "transactionInfo": {"transactionId": tx},
        "evse": {"id": 2, "connectorId": 1},
    }
    sampled: list[dict[str, Any]] = []
    if register is not None:
        sampled.append({"value": register, "context": context, "unitOfMeasure": {"unit": unit}})
    if power is not None:
        sampled.append(
            {"value": power, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "W"}}
        )
    if sampled:
        payload["meterValue"] = [{"timestamp": stamp(at), "sampledValue": sampled}]
    return json.dumps([2, f"{tx}-{seq}", "TransactionEvent", payload]).encode()


def database(result: Any) -> sqlite3.Connection:
    """An in-memory database with the contract's two tables, filled from ``result``."""
    connection = sqlite3.connect(":memory:")
    connection.execute(CREATE_TABLE)
    integers = {
        "seq_no", "offline", "number_of_phases_used", "cable_max_current", "reservation_id",
        "remote_start_id", "time_spent_charging", "evse_id", "connector_id", "meter_value_count",
    }  # fmt: skip
    columns = ", ".join(
        f"{name} {'INTEGER' if name in integers else 'TEXT'}" for name in EVENT_COLUMNS
    )
    connection.execute(f"CREATE TABLE transaction_events ({columns})")
    from ocpp_meter.rows import Row

    for row in pa.table(result).to_pylist():
        connection.execute(INSERT_ROW, row_to_sql(Row(**row)))
    for record in pa.table(result.events).to_pylist():
        record["timestamp"] = record["timestamp"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        connection.execute(
            f"INSERT INTO transaction_events VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})",
            [record[name] for name in EVENT_COLUMNS],
        )
    create_session_energy_view(connection)
    return connection


def from_view(connection: sqlite3.Connection) -> list[SessionEnergy]:
    out = []
    for found in connection.execute("SELECT * FROM session_energy"):
        values = list(found)
        for index in (3, 4):
            if values[index] is not None:
                values[index] = datetime.fromisoformat(values[index].replace("Z", "+00:00"))
        for index in range(10, 15):
            values[index] = bool(values[index])
        out.append(SessionEnergy(*values))
    return out


def both(frames: list[bytes], dialect: str = "2.0.1") -> list[SessionEnergy]:
    """The function's records, once checked equal to the view's."""
    result = decode_batch(frames, "CS-1", dialect=dialect)
    assert pa.table(result.errors).num_rows == 0
    mine = session_energy(result)
    viewed = from_view(database(result))
    assert len(mine) == len(viewed)
    for a, b in zip(mine, viewed):
        assert a._replace(energy_wh=None) == b._replace(energy_wh=None)
        assert (a.energy_wh is None) == (b.energy_wh is None)
        if a.energy_wh is not None:
            assert a.energy_wh == pytest.approx(b.energy_wh, abs=1e-6)
    return mine


NO_FLAGS = {
    "begin_placeholder": False,
    "register_decreased": False,
    "unit_changed": False,
    "not_ended": False,
    "out_of_order": False,
}


def only(record: SessionEnergy, **flags: bool) -> None:
    assert {name: getattr(record, name) for name in NO_FLAGS} == {**NO_FLAGS, **flags}


def test_a_clean_session() -> None:
    (s,) = both(
        [
            event("A", 0, "Started", 0, 1000, context="Transaction.Begin"),
            event("A", 1, "Updated", 60, 1100, power=7000),
            event("A", 2, "Updated", 120, 1216.5, power=7400),
            event("A", 3, "Ended", 180, 1300, context="Transaction.End"),
        ]
    )
    assert s == SessionEnergy(
        "CS-1", 2, "A", T0, T0 + timedelta(seconds=180), 1000.0, 1300.0, 300.0, 7400.0, 4,
        **NO_FLAGS,
    )  # fmt: skip


def test_a_placeholder_begin_register_is_flagged_and_not_billed() -> None:
    # The production case: 0 at Begin, then the meter's lifetime register 60 s later.
    (s,) = both(
        [
            event("P", 0, "Started", 0, 0, context="Transaction.Begin"),
            event("P", 1, "Updated", 60, 910_000),
            event("P", 2, "Ended", 120, 910_083, context="Transaction.End"),
        ]
    )
    assert (s.start_register_wh, s.end_register_wh, s.energy_wh) == (910_000, 910_083, 83)
    only(s, begin_placeholder=True)
    # A new meter's real 0: 500 Wh in 60 s (30 kW) is possible, so it is counted.
    (real,) = both(
        [
            event("N", 0, "Started", 0, 0, context="Transaction.Begin"),
            event("N", 1, "Ended", 60, 500, context="Transaction.End"),
        ]
    )
    assert (real.start_register_wh, real.energy_wh) == (0, 500)
    only(real)


def test_a_register_that_goes_down_counts_what_it_rose() -> None:
    (s,) = both(
        [
            event("D", 0, "Started", 0, 1000, context="Transaction.Begin"),
            event("D", 1, "Updated", 60, 1500),
            event("D", 2, "Updated", 120, 20),  # meter reset
            event("D", 3, "Ended", 180, 120, context="Transaction.End"),
        ]
    )
    assert (s.start_register_wh, s.end_register_wh, s.energy_wh) == (1000, 120, 600)
    only(s, register_decreased=True)


def test_a_unit_change_is_flagged_and_normalized() -> None:
    (s,) = both(
        [
            event("U", 0, "Started", 0, 1000, context="Transaction.Begin"),
            event("U", 1, "Updated", 60, 1.5, unit="kWh"),
            event("U", 2, "Ended", 120, 2000, context="Transaction.End"),
        ]
    )
    assert (s.start_register_wh, s.end_register_wh, s.energy_wh, s.readings) == (
        1000,
        2000,
        1000,
        3,
    )
    only(s, unit_changed=True)


def test_a_session_without_ended() -> None:
    (s,) = both(
        [
            event("O", 0, "Started", 0, 1000, context="Transaction.Begin"),
            event("O", 1, "Updated", 60, 1250),
        ]
    )
    assert (s.energy_wh, s.end_time) == (250, T0 + timedelta(seconds=60))
    only(s, not_ended=True)


def test_timestamps_out_of_order() -> None:
    (s,) = both(
        [
            event("T", 0, "Started", 0, 1000, context="Transaction.Begin"),
            event("T", 1, "Updated", 120, 1200),
            event("T", 2, "Updated", 60, 1300),  # sent after seqNo 1, stamped before it
            event("T", 3, "Ended", 180, 1400, context="Transaction.End"),
        ]
    )
    assert (s.energy_wh, s.start_time, s.end_time) == (400, T0, T0 + timedelta(seconds=180))
    only(s, out_of_order=True)
    # Events alone out of order (no readings): flagged too, and no energy.
    (e,) = both([event("E", 0, "Started", 60), event("E", 1, "Ended", 0)])
    assert (e.energy_wh, e.readings, e.start_register_wh) == (None, 0, None)
    only(e, out_of_order=True)


def meter16(message_id: str, tx: int, at: str, register: str) -> bytes:
    """A 1.6 MeterValues frame of one register reading (no seqNo: 1.6 has none)."""
    reading = {"timestamp": at, "sampledValue": [{"value": register, "unit": "Wh"}]}
    payload = {"connectorId": 1, "transactionId": tx, "meterValue": [reading]}
    return json.dumps([2, message_id, "MeterValues", payload]).encode()


def test_readings_without_seq_no_are_ordered_by_time_not_message_id() -> None:
    # 1.6 message ids are the station's random choice: here they sort against time, and two
    # stamps of the same second differ only in their fraction ("...:01:00Z" is earlier than
    # "...:01:00.500Z" but sorts after it as text).
    stop = {"meterStop": 2000, "timestamp": "2024-05-01T10:05:00Z", "transactionId": 7}
    frames = [
        json.dumps([2, "a", "StopTransaction", stop]).encode(),
        meter16("b", 7, "2024-05-01T10:02:00.25Z", "1750"),
        meter16("c", 7, "2024-05-01T10:01:00.500Z", "1500"),
        meter16("d", 7, "2024-05-01T10:01:00Z", "1250"),
    ]
    result = decode_batch(frames, "CS-1", dialect="1.6")
    assert pa.table(result).column("seq_no").to_pylist() == [None] * 4
    (s,) = both(frames, "1.6")
    assert s == SessionEnergy(
        "CS-1", None, "7", T0 + timedelta(seconds=60), T0 + timedelta(seconds=300),
        1250.0, 2000.0, 750.0, None, 4, **NO_FLAGS,
    )  # fmt: skip
    # Read in reverse (the frames' order is not the station's): the same session.
    assert both(frames[::-1], "1.6") == [s]
    # A seqNo still rules over time and message id: stamped late, sent first.
    (seq,) = both(
        [
            event("S", 0, "Started", 120, 1000, context="Transaction.Begin"),
            event("S", 1, "Ended", 60, 1300, context="Transaction.End"),
        ]
    )
    assert (seq.start_register_wh, seq.end_register_wh, seq.out_of_order) == (1000, 1300, True)


@pytest.mark.parametrize("dialect", ["2.0.1", "2.1"])
def test_the_function_and_the_view_agree_on_generated_sessions(dialect: str) -> None:
    frames = samples.sessions(25, seed=7, dialect=dialect)
    result = decode_batch(frames, "CS-G", dialect=dialect)
    mine = session_energy(pa.table(result), pa.table(result.events))
    assert len(mine) == 25
    assert mine == session_energy(result)
    # Steady registers: each session's energy is the rise of its register, and every session
    # has its periodic readings (power per phase, summed) and ends.
    assert all(s.energy_wh is not None and s.energy_wh > 0 and s.readings >= 4 for s in mine)
    assert all(s.peak_power_w is not None and s.peak_power_w > 1000 for s in mine)
    assert not any(s.not_ended or s.begin_placeholder or s.out_of_order for s in mine)
    assert all(s.energy_wh == pytest.approx(s.end_register_wh - s.start_register_wh) for s in mine)
    viewed = from_view(database(result))
    # Sums of floats may differ in the last bit: Python 3.12's sum() compensates, SQLite's not.
    for a, b in zip(mine, viewed):
        assert a._replace(energy_wh=None, peak_power_w=None) == b._replace(
            energy_wh=None, peak_power_w=None
        )
        assert a.energy_wh == pytest.approx(b.energy_wh)
        assert a.peak_power_w == pytest.approx(b.peak_power_w)
