"""The ``session_energy`` view in PostgreSQL: the SQLite store's view
(:data:`~ocpp_meter.sessions.SESSION_ENERGY_VIEW`) in PostgreSQL's dialect, over the
PostgreSQL store's ``sampled_values`` and ``transaction_events``.

Same name, same columns in the same order, same answers on the same data: one record per
``(station_id, transaction_id)``, computed as :func:`~ocpp_meter.sessions.session_energy`
describes. The types are PostgreSQL's own: ``start_time`` and ``end_time`` are ``timestamptz``
(SQLite gives RFC 3339 text), the flags ``boolean`` (SQLite gives 0 or 1). Text is ordered
byte-wise (``COLLATE "C"``), as SQLite orders it, so readings that share a ``seq_no`` (or have
none) take the same order under any database locale.

Readings and events are ordered by ``seq_no``, then ``message_id``, then position; those
without a ``seq_no`` (OCPP 1.6 has none, and its message ids are the station's random choice)
come after, ordered by ``timestamp``, then ``message_id``, then position.

Created by migration 2 of :data:`~ocpp_meter.postgres_store.MIGRATIONS` and replaced by
migration 3 (the time order of readings without a ``seq_no``). The SQL is written out here
rather than generated from the SQLite view's: a migration is a snapshot
(:data:`POSTGRES_SESSION_ENERGY_VIEW_2` is migration 2's), and a later change of the view is a
new migration (``CREATE OR REPLACE VIEW``) beside a change of the SQLite one, both checked by
``tests/test_scale.py`` on the same data.
"""

from __future__ import annotations

from .sessions import ENERGY_MEASURAND, MAX_POWER_W, POWER_MEASURAND

__all__ = ["POSTGRES_SESSION_ENERGY_VIEW", "POSTGRES_SESSION_ENERGY_VIEW_2"]


def _session_energy_view(time_order: str) -> str:
    """The view's SQL with ``time_order`` (an ORDER BY item and its comma, or nothing) between
    ``seq_no`` and ``message_id`` in the order of readings and of events."""
    return f"""\
CREATE OR REPLACE VIEW session_energy AS
WITH
totals AS (
    SELECT station_id, transaction_id, seq_no, message_id, meter_value_index, measurand,
        MIN("timestamp") AS "timestamp",
        bool_or(context = 'Transaction.Begin') AS begin,
        COALESCE(MAX(CASE WHEN phase IS NULL THEN normalized_value END), SUM(normalized_value))
            AS total
    FROM sampled_values
    WHERE transaction_id IS NOT NULL AND location = 'Outlet' AND (
        measurand = '{ENERGY_MEASURAND}'
        OR (measurand = '{POWER_MEASURAND}' AND normalized_unit = 'W'))
    GROUP BY station_id, transaction_id, seq_no, message_id, meter_value_index, measurand
),
readings AS (
    SELECT station_id, transaction_id, "timestamp", begin, total AS wh,
        ROW_NUMBER() OVER w AS n,
        LAG(total) OVER w AS prev_wh,
        LAG("timestamp") OVER w AS prev_ts
    FROM totals
    WHERE measurand = '{ENERGY_MEASURAND}'
    WINDOW w AS (
        PARTITION BY station_id, transaction_id
        ORDER BY seq_no IS NULL, seq_no, {time_order}message_id COLLATE "C", meter_value_index
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
            {MAX_POWER_W!r} * GREATEST(EXTRACT(EPOCH FROM r2."timestamp" - r1."timestamp"),
            1.0), false) AS flag
    FROM readings AS r1
    LEFT JOIN readings AS r2 ON r2.station_id = r1.station_id
        AND r2.transaction_id = r1.transaction_id AND r2.n = 2
    WHERE r1.n = 1
),
register AS (
    SELECT r.station_id, r.transaction_id,
        COUNT(*) AS readings,
        SUM(CASE WHEN r.n > 1 AND NOT (p.flag AND r.n = 2) THEN GREATEST(r.wh - r.prev_wh, 0.0)
            ELSE 0.0 END) AS energy_wh,
        MAX(CASE WHEN r.n = 1 + p.flag::integer THEN r.wh END) AS start_wh,
        MAX(r.n) AS last_n,
        bool_or(p.flag) AS begin_placeholder,
        bool_or(COALESCE(r.wh < r.prev_wh, false)) AS register_decreased,
        bool_or(COALESCE(r."timestamp" < r.prev_ts, false)) AS out_of_order
    FROM readings AS r
    JOIN placeholders AS p USING (station_id, transaction_id)
    GROUP BY r.station_id, r.transaction_id
),
row_summary AS (
    SELECT station_id, transaction_id,
        MIN("timestamp") AS first_ts, MAX("timestamp") AS last_ts, MIN(evse_id) AS evse_id,
        bool_or(event_type = 'Ended') AS ended
    FROM sampled_values
    WHERE transaction_id IS NOT NULL
    GROUP BY station_id, transaction_id
),
event_order AS (
    SELECT station_id, transaction_id, "timestamp", evse_id, event_type,
        LAG("timestamp") OVER (
            PARTITION BY station_id, transaction_id
            ORDER BY seq_no IS NULL, seq_no, {time_order}message_id COLLATE "C"
        ) AS prev_ts
    FROM transaction_events
),
event_summary AS (
    SELECT station_id, transaction_id,
        MIN("timestamp") AS first_ts, MAX("timestamp") AS last_ts, MIN(evse_id) AS evse_id,
        bool_or(event_type = 'Ended') AS ended,
        bool_or(COALESCE("timestamp" < prev_ts, false)) AS out_of_order
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
    LEAST(e.first_ts, rs.first_ts) AS start_time,
    GREATEST(e.last_ts, rs.last_ts) AS end_time,
    g.start_wh AS start_register_wh,
    (SELECT r.wh FROM readings AS r WHERE r.station_id = s.station_id
        AND r.transaction_id = s.transaction_id AND r.n = g.last_n) AS end_register_wh,
    g.energy_wh,
    pw.peak_power_w,
    COALESCE(g.readings, 0) AS readings,
    COALESCE(g.begin_placeholder, false) AS begin_placeholder,
    COALESCE(g.register_decreased, false) AS register_decreased,
    COALESCE(u.unit_changed, false) AS unit_changed,
    NOT (COALESCE(e.ended, false) OR COALESCE(rs.ended, false)) AS not_ended,
    (COALESCE(g.out_of_order, false) OR COALESCE(e.out_of_order, false)) AS out_of_order
FROM sessions AS s
LEFT JOIN register AS g USING (station_id, transaction_id)
LEFT JOIN row_summary AS rs USING (station_id, transaction_id)
LEFT JOIN event_summary AS e USING (station_id, transaction_id)
LEFT JOIN powers AS pw USING (station_id, transaction_id)
LEFT JOIN units AS u USING (station_id, transaction_id)
ORDER BY s.station_id COLLATE "C", s.transaction_id COLLATE "C\""""


POSTGRES_SESSION_ENERGY_VIEW = _session_energy_view(
    'CASE WHEN seq_no IS NULL THEN "timestamp" END, '
)
"""The PostgreSQL view ``session_energy`` (migration 3): the columns of
:class:`~ocpp_meter.sessions.SessionEnergy`; readings and events without a ``seq_no`` (OCPP
1.6) in ``timestamp`` order, as in the SQLite view."""

POSTGRES_SESSION_ENERGY_VIEW_2 = _session_energy_view("")
"""The view as migration 2 created it: readings without a ``seq_no`` in ``message_id`` order,
which for OCPP 1.6's random message ids is no order at all."""
