"""Energy per charging session: one record per transaction, from rows and event records.

:func:`session_energy` reads what ``decode_batch`` gives (its rows and ``result.events``, or
the same columns as lists of dicts or :class:`~ocpp_meter.rows.Row` / ``Event`` tuples);
:data:`SESSION_ENERGY_VIEW` is the same computation as a SQLite view over the endpoint's tables
``sampled_values`` and ``transaction_events``. Both give, per ``(station_id, transaction_id)``:

============================  =================================================================
column                        meaning
============================  =================================================================
``station_id``                the station
``evse_id``                   the lowest ``evse_id`` its events name (else its rows)
``transaction_id``            the transaction
``start_time``, ``end_time``  the earliest and latest timestamp of its events and rows
``start_register_wh``         the energy register energy is counted from (Wh)
``end_register_wh``           the last energy register reading (Wh)
``energy_wh``                 the energy charged, Wh (see below); ``None`` without readings
``peak_power_w``              the highest total ``Power.Active.Import`` (W), or ``None``
``readings``                  how many meter values carry the energy register
``begin_placeholder``         the ``Transaction.Begin`` register is a placeholder 0
``register_decreased``        the register went down between two readings (reset, meter swap)
``unit_changed``              the register's unit or multiplier changed within the session
``not_ended``                 no ``Ended`` event was received
``out_of_order``              a timestamp is earlier than the one before it, in ``seqNo`` order
============================  =================================================================

The energy register is ``Energy.Active.Import.Register`` at the ``Outlet``, in
``normalized_value`` (so ``kWh`` and multipliers count as Wh), one reading per meter value: the
value without a ``phase``, else the sum of the per-phase values (many stations tag their one
register with a phase); power alike. Readings are taken in the order the station sent them:
``seq_no``, then ``message_id``, then position in the frame. Records without a ``seq_no``
(OCPP 1.6 has none, and its message ids are arbitrary) come after those with one, ordered by
their ``timestamp``, then ``message_id``, then position (the SQLite view compares timestamps
with ``julianday``, to the millisecond). Event records are ordered alike.
``energy_wh`` is the sum of the register's rises between consecutive readings, so a register
that goes down (a reset, a swapped meter) loses nothing it counted before and counts what it
counts after; with a steady register it is ``end - start``.

A ``Transaction.Begin`` register of 0 followed by a reading larger than :data:`MAX_POWER_W`
could have delivered in the time between them is a placeholder, not a reading (a station that
sends 0 at the start and its lifetime register afterwards would otherwise bill that lifetime):
it is flagged, and energy is counted from the next reading, which is then
``start_register_wh``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple

__all__ = [
    "ENERGY_MEASURAND",
    "MAX_POWER_W",
    "POWER_MEASURAND",
    "SESSION_ENERGY_VIEW",
    "SessionEnergy",
    "create_session_energy_view",
    "session_energy",
]

ENERGY_MEASURAND = "Energy.Active.Import.Register"
POWER_MEASURAND = "Power.Active.Import"
MAX_POWER_W = 1_000_000.0
"""The most power a reading after a ``Transaction.Begin`` 0 may imply before that 0 counts as a
placeholder: 1 MW, above any charger's rating."""


class SessionEnergy(NamedTuple):
    """One charging session's energy; see the module for each field."""

    station_id: str
    evse_id: int | None
    transaction_id: str
    start_time: datetime | None
    end_time: datetime | None
    start_register_wh: float | None
    end_register_wh: float | None
    energy_wh: float | None
    peak_power_w: float | None
    readings: int
    begin_placeholder: bool
    register_decreased: bool
    unit_changed: bool
    not_ended: bool
    out_of_order: bool


def _records(table: Any) -> list[Mapping[str, Any]]:
    """Dicts of an Arrow table or stream (``decode_batch``'s rows or events), or of rows."""
    if table is None:
        return []
    if hasattr(table, "__arrow_c_stream__") or hasattr(table, "to_pylist"):
        if not hasattr(table, "to_pylist"):
            import pyarrow  # type: ignore[import-untyped]

            table = pyarrow.table(table)
        records: list[Mapping[str, Any]] = table.to_pylist()
        return records
    out: list[Mapping[str, Any]] = []
    for item in table:
        out.append(item._asdict() if hasattr(item, "_asdict") else item)
    return out


_NO_TIME = datetime.min.replace(tzinfo=timezone.utc)


def _order(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """The record's place in its session (see the module): its first five items name its
    meter value."""
    seq = record.get("seq_no")
    return (
        seq is None,
        seq if seq is not None else 0,
        # 1.6 has no seqNo and its message ids are the station's choice (random uuids), so
        # the reading time is what orders those records; a seqNo keeps its order unchanged.
        _utc(record["timestamp"]) if seq is None else _NO_TIME,
        record["message_id"],
        record.get("meter_value_index", 0),
        record.get("sampled_value_index", 0),
    )


def _utc(stamp: Any) -> datetime:
    if isinstance(stamp, str):  # the endpoint's text form
        stamp = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=timezone.utc)  # type: ignore[no-any-return]
    return stamp.astimezone(timezone.utc)  # type: ignore[no-any-return]


def _out_of_order(stamps: list[datetime]) -> bool:
    return any(b < a for a, b in zip(stamps, stamps[1:]))


def session_energy(rows: Any, events: Any = None) -> list[SessionEnergy]:
    """One :class:`SessionEnergy` per transaction of ``rows`` and ``events``, ordered by
    station and transaction id.

    ``rows`` and ``events`` are what ``decode_batch`` gives (``result`` and ``result.events``,
    or ``pyarrow`` tables of them), or iterables of dicts or tuples with the row and event forms' column
    names. ``session_energy(result)`` takes the events from ``result.events``. Rows without a
    ``transaction_id`` (MeterValues) belong to no session and are left out.
    """
    if events is None and hasattr(rows, "events"):
        events = rows.events
    by_session: dict[tuple[str, str], tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]]
    by_session = {}
    for row in _records(rows):
        if row.get("transaction_id") is not None:
            key = (row["station_id"], row["transaction_id"])
            by_session.setdefault(key, ([], []))[0].append(row)
    for event in _records(events):
        key = (event["station_id"], event["transaction_id"])
        by_session.setdefault(key, ([], []))[1].append(event)
    return [_session(key, *by_session[key]) for key in sorted(by_session)]


def _meter_value_totals(
    rows: list[Mapping[str, Any]], measurand: str, unit: str | None
) -> list[tuple[Mapping[str, Any], float, bool]]:
    """Per meter value (in order) holding ``measurand`` at the Outlet: its first row, the total
    (the phase-less value, else the sum of the phases) and whether it is a Transaction.Begin."""
    groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for r in rows:
        if (
            r["measurand"] == measurand
            and r["location"] == "Outlet"
            and (unit is None or r["normalized_unit"] == unit)
        ):
            groups.setdefault(_order(r)[:5], []).append(r)
    out = []
    for members in groups.values():  # rows are sorted, so the groups are in order
        whole = [float(r["normalized_value"]) for r in members if r.get("phase") is None]
        total = max(whole) if whole else sum(float(r["normalized_value"]) for r in members)
        begin = any(r["context"] == "Transaction.Begin" for r in members)
        out.append((members[0], total, begin))
    return out


def _session(
    key: tuple[str, str], rows: list[Mapping[str, Any]], events: list[Mapping[str, Any]]
) -> SessionEnergy:
    rows = sorted(rows, key=_order)
    events = sorted(events, key=_order)
    readings = _meter_value_totals(rows, ENERGY_MEASURAND, None)
    values = [total for _, total, _ in readings]
    stamps = [_utc(first["timestamp"]) for first, _, _ in readings]
    placeholder = (
        len(readings) >= 2
        and readings[0][2]
        and values[0] == 0.0
        and values[1] * 3600.0 > MAX_POWER_W * max((stamps[1] - stamps[0]).total_seconds(), 1.0)
    )
    first = 1 if placeholder else 0
    energy = None
    if readings:
        energy = 0.0
        for index in range(1, len(values)):
            if index == 1 and placeholder:
                continue
            energy += max(values[index] - values[index - 1], 0.0)
    powers = [total for _, total, _ in _meter_value_totals(rows, POWER_MEASURAND, "W")]
    times = [_utc(e["timestamp"]) for e in events] + [_utc(r["timestamp"]) for r in rows]
    evse = [e["evse_id"] for e in events if e.get("evse_id") is not None]
    if not evse:
        evse = [r["evse_id"] for r in rows if r.get("evse_id") is not None]
    ended = any(e["event_type"] == "Ended" for e in events) or any(
        r.get("event_type") == "Ended" for r in rows
    )
    units = {
        (r["unit"], r["multiplier"])
        for r in rows
        if r["measurand"] == ENERGY_MEASURAND and r["location"] == "Outlet"
    }
    return SessionEnergy(
        station_id=key[0],
        evse_id=min(evse) if evse else None,
        transaction_id=key[1],
        start_time=min(times) if times else None,
        end_time=max(times) if times else None,
        start_register_wh=values[first] if readings else None,
        end_register_wh=values[-1] if readings else None,
        energy_wh=energy,
        peak_power_w=max(powers) if powers else None,
        readings=len(readings),
        begin_placeholder=placeholder,
        register_decreased=any(b < a for a, b in zip(values, values[1:])),
        unit_changed=len(units) > 1,
        not_ended=not ended,
        out_of_order=_out_of_order(stamps) or _out_of_order([_utc(e["timestamp"]) for e in events]),
    )


SESSION_ENERGY_VIEW = f"""\
CREATE VIEW IF NOT EXISTS session_energy AS
WITH
totals AS (
    SELECT station_id, transaction_id, seq_no, message_id, meter_value_index, measurand,
        MIN(timestamp) AS timestamp,
        MAX(context = 'Transaction.Begin') AS begin,
        COALESCE(MAX(CASE WHEN phase IS NULL THEN normalized_value END), SUM(normalized_value))
            AS total
    FROM sampled_values
    WHERE transaction_id IS NOT NULL AND location = 'Outlet' AND (
        measurand = '{ENERGY_MEASURAND}'
        OR (measurand = '{POWER_MEASURAND}' AND normalized_unit = 'W'))
    GROUP BY station_id, transaction_id, seq_no, message_id, meter_value_index, measurand
),
readings AS (
    SELECT station_id, transaction_id, timestamp, begin, total AS wh,
        ROW_NUMBER() OVER w AS n,
        LAG(total) OVER w AS prev_wh,
        LAG(timestamp) OVER w AS prev_ts
    FROM totals
    WHERE measurand = '{ENERGY_MEASURAND}'
    WINDOW w AS (
        PARTITION BY station_id, transaction_id
        ORDER BY seq_no IS NULL, seq_no, CASE WHEN seq_no IS NULL THEN julianday(timestamp) END,
            message_id, meter_value_index
    )
),
powers AS (
    SELECT station_id, transaction_id, MAX(total) AS peak_power_w
    FROM totals
    WHERE measurand = '{POWER_MEASURAND}'
    GROUP BY station_id, transaction_id
),
units AS (
    SELECT station_id, transaction_id,
        COUNT(DISTINCT unit || '/' || multiplier) > 1 AS unit_changed
    FROM sampled_values
    WHERE transaction_id IS NOT NULL AND location = 'Outlet'
        AND measurand = '{ENERGY_MEASURAND}'
    GROUP BY station_id, transaction_id
),
placeholders AS (
    SELECT r1.station_id, r1.transaction_id,
        COALESCE(r1.begin AND r1.wh = 0 AND r2.wh * 3600.0 >
            {MAX_POWER_W!r} * MAX((julianday(r2.timestamp) - julianday(r1.timestamp)) * 86400.0,
            1.0), 0) AS flag
    FROM readings AS r1
    LEFT JOIN readings AS r2 ON r2.station_id = r1.station_id
        AND r2.transaction_id = r1.transaction_id AND r2.n = 2
    WHERE r1.n = 1
),
register AS (
    SELECT r.station_id, r.transaction_id,
        COUNT(*) AS readings,
        SUM(CASE WHEN r.n > 1 AND NOT (p.flag AND r.n = 2) THEN MAX(r.wh - r.prev_wh, 0.0)
            ELSE 0.0 END) AS energy_wh,
        MAX(CASE WHEN r.n = 1 + p.flag THEN r.wh END) AS start_wh,
        MAX(r.n) AS last_n,
        MAX(p.flag) AS begin_placeholder,
        MAX(COALESCE(r.wh < r.prev_wh, 0)) AS register_decreased,
        MAX(COALESCE(r.timestamp < r.prev_ts, 0)) AS out_of_order
    FROM readings AS r
    JOIN placeholders AS p USING (station_id, transaction_id)
    GROUP BY r.station_id, r.transaction_id
),
row_summary AS (
    SELECT station_id, transaction_id,
        MIN(timestamp) AS first_ts, MAX(timestamp) AS last_ts, MIN(evse_id) AS evse_id,
        MAX(event_type = 'Ended') AS ended
    FROM sampled_values
    WHERE transaction_id IS NOT NULL
    GROUP BY station_id, transaction_id
),
event_order AS (
    SELECT station_id, transaction_id, timestamp, evse_id, event_type,
        LAG(timestamp) OVER (
            PARTITION BY station_id, transaction_id
            ORDER BY seq_no IS NULL, seq_no,
                CASE WHEN seq_no IS NULL THEN julianday(timestamp) END, message_id
        ) AS prev_ts
    FROM transaction_events
),
event_summary AS (
    SELECT station_id, transaction_id,
        MIN(timestamp) AS first_ts, MAX(timestamp) AS last_ts, MIN(evse_id) AS evse_id,
        MAX(event_type = 'Ended') AS ended,
        MAX(COALESCE(timestamp < prev_ts, 0)) AS out_of_order
    FROM event_order
    GROUP BY station_id, transaction_id
),
sessions AS (
    SELECT station_id, transaction_id FROM row_summary
    UNION
    SELECT station_id, transaction_id FROM event_summary
)
SELECT
    s.station_id,
    COALESCE(e.evse_id, rs.evse_id) AS evse_id,
    s.transaction_id,
    MIN(COALESCE(e.first_ts, rs.first_ts), COALESCE(rs.first_ts, e.first_ts)) AS start_time,
    MAX(COALESCE(e.last_ts, rs.last_ts), COALESCE(rs.last_ts, e.last_ts)) AS end_time,
    g.start_wh AS start_register_wh,
    (SELECT r.wh FROM readings AS r WHERE r.station_id = s.station_id
        AND r.transaction_id = s.transaction_id AND r.n = g.last_n) AS end_register_wh,
    g.energy_wh,
    pw.peak_power_w,
    COALESCE(g.readings, 0) AS readings,
    COALESCE(g.begin_placeholder, 0) AS begin_placeholder,
    COALESCE(g.register_decreased, 0) AS register_decreased,
    COALESCE(u.unit_changed, 0) AS unit_changed,
    NOT (COALESCE(e.ended, 0) OR COALESCE(rs.ended, 0)) AS not_ended,
    (COALESCE(g.out_of_order, 0) OR COALESCE(e.out_of_order, 0)) AS out_of_order
FROM sessions AS s
LEFT JOIN register AS g USING (station_id, transaction_id)
LEFT JOIN row_summary AS rs USING (station_id, transaction_id)
LEFT JOIN event_summary AS e USING (station_id, transaction_id)
LEFT JOIN powers AS pw USING (station_id, transaction_id)
LEFT JOIN units AS u USING (station_id, transaction_id)
ORDER BY s.station_id, s.transaction_id"""
"""The SQLite view ``session_energy`` over ``sampled_values`` and ``transaction_events``: the
columns of :class:`SessionEnergy`, timestamps as the tables' RFC 3339 text, flags as 0 or 1."""


def create_session_energy_view(connection: sqlite3.Connection) -> None:
    """Create the ``session_energy`` view (once the two tables exist), replacing one of
    another definition: a store keeps the view an earlier version created (one that ordered
    1.6 readings by their random message ids), so it gets this version's on open."""
    found = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'session_energy'"
    ).fetchone()
    # SQLite keeps the statement's text without IF NOT EXISTS: compare what follows the name.
    if found is not None and _view_body(found[0]) == _view_body(SESSION_ENERGY_VIEW):
        return
    if connection.in_transaction:
        connection.execute("DROP VIEW IF EXISTS session_energy")
        connection.execute(SESSION_ENERGY_VIEW)
        return
    # Immediate, so two processes opening an old store replace the view one after the other.
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute("DROP VIEW IF EXISTS session_energy")
        connection.execute(SESSION_ENERGY_VIEW)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _view_body(sql: str) -> str:
    return sql.partition(" session_energy AS\n")[2]
