"""PostgreSQL storage of the row form and the event records, loaded Arrow-native (ADBC).

Used by ``ocpp-meter worker`` (frames from the broker) and by ``ocpp-meter serve --db
postgresql://...`` (gateways writing directly, without a broker: any number on one database).
Needs the ``scale`` extra (``adbc-driver-postgresql``, ``pyarrow``).

Tables (created if missing by :data:`MIGRATIONS`, applied in order under an advisory lock and
recorded in ``ocpp_meter_migrations``, so any number of workers may start at once):

- ``ingested_frames``: one record per stored frame: its identity, station, message id, receive
  time, commit time (``stored_at``; ``stored_at - received_at`` is the pipeline's lag),
  counts, and (migration 4) its number ``frame_no`` and the row columns every row of the frame
  shares (:data:`FRAME_COLUMNS`: action, evse, connector, transaction, event type, seq_no).
- ``reading_kinds`` (migration 4): one record per kind of reading (:data:`KIND_COLUMNS`:
  measurand, phase, location, context, unit, normalized unit), numbered by ``kind``.
- ``meter_readings`` (migration 4): one record per reading: ``frame_no``, ``kind``, then the
  reading's own columns (:data:`READING_COLUMNS`) with SQL types (``timestamptz``, ``double
  precision``, ``integer``, ``text``). Its one index is on ``frame_no``, which grows with every
  commit.
- ``transaction_events``: the event form's columns, then ``received_at``.
- ``ocpp16_transactions`` (migration 5): one record per OCPP 1.6J StartTransaction of
  ``serve --db postgresql://``, its ``transaction_id`` an ``integer`` identity
  (:mod:`ocpp_meter.postgres_transaction_ids`).

``meter_readings`` and ``transaction_events`` are partitioned by range of ``timestamp``, one partition per UTC day
(``meter_readings_p20260105``), created when a batch first holds a reading of that day.

Views: ``sampled_values`` (migration 4), the row form's columns, in order, then
``received_at``: ``meter_readings`` joined to ``ingested_frames`` and ``reading_kinds``, and
the rows stored before migration 4 (whole rows, in the table ``sampled_values_v1``);
``session_energy`` (migration 2), the SQLite store's view of energy per charging session
(:mod:`ocpp_meter.postgres_sessions`).

Why the split: a worker's time went to the server's COPY of whole rows, whose frame-level
columns (station, message id, action, ...) repeat a frame's twelve times and whose kind columns
(measurand, location, context, ...) repeat a few dozen combinations, and to two btrees per row;
stored once each, a reading is less than half as wide, and its one btree is on an ever-growing
number (``benches/store_drain.py`` measures both layouts side by side).

**Exactly once.** A frame's identity is :func:`frame_identity`: a digest of the station id and
the frame's bytes as received. A station that resends a frame whose CALLRESULT it lost sends the
same bytes (OCPP-J: same message id, same payload), so the resend has the same identity; a
station that reuses a message id after a reboot sends other readings, so other bytes, and is
stored. In one transaction per batch, the batch's frames are copied into ``ingested_frames``
(primary key ``frame_id``), numbered from its sequence, then their readings and event records
(binary COPY from Arrow) into the partitioned tables. If the ledger refuses the copy (a frame
there already: a batch delivered again after a crash, or a frame two workers hold at once, in
which case the second waits on the key until the first commits), the transaction is rolled
back and done again the careful way: the frames are copied into a staging table and moved
into the ledger with ``INSERT ... ON CONFLICT DO NOTHING RETURNING``, and only the frames
returned (new ones) have their readings and event records copied. Either way nothing is
stored twice. The key is per frame, not per row, so checking it costs a twelfth of a per-row
key for frames of twelve readings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .postgres_sessions import POSTGRES_SESSION_ENERGY_VIEW, POSTGRES_SESSION_ENERGY_VIEW_2

__all__ = [
    "CONNECT_TIMEOUT",
    "EVENT_COLUMNS",
    "FRAME_COLUMNS",
    "KIND_COLUMNS",
    "MIGRATIONS",
    "READING_COLUMNS",
    "ROW_COLUMNS",
    "DecodedBatches",
    "DecodedFrames",
    "FrameBatch",
    "PostgresStore",
    "ReadingKinds",
    "StoreRefused",
    "StoreResult",
    "StoreUnavailable",
    "decode_batches",
    "decode_frames",
    "frame_identity",
]

logger = logging.getLogger(__name__)

ROW_COLUMNS: dict[str, str] = {
    "station_id": "text NOT NULL",
    "message_id": "text NOT NULL",
    "action": "text NOT NULL",
    "evse_id": "integer",
    "connector_id": "integer",
    "transaction_id": "text",
    "event_type": "text",
    "seq_no": "bigint",
    "meter_value_index": "integer NOT NULL",
    "sampled_value_index": "integer NOT NULL",
    "timestamp": "timestamptz NOT NULL",
    "value": "double precision NOT NULL",
    "measurand": "text NOT NULL",
    "phase": "text",
    "location": "text NOT NULL",
    "context": "text NOT NULL",
    "unit": "text NOT NULL",
    "multiplier": "integer NOT NULL",
    "normalized_value": "double precision NOT NULL",
    "normalized_unit": "text NOT NULL",
    "signed_meter_data": "text",
    "signing_method": "text",
    "encoding_method": "text",
    "public_key": "text",
}
"""The row form's columns and their PostgreSQL types, in order."""

FRAME_COLUMNS = (
    "station_id", "message_id", "action", "evse_id", "connector_id", "transaction_id",
    "event_type", "seq_no",
)  # fmt: skip
"""The row form's columns that every row of a frame shares: stored once per frame, in
``ingested_frames`` (migration 4), and joined back by the ``sampled_values`` view."""

KIND_COLUMNS = ("measurand", "phase", "location", "context", "unit", "normalized_unit")
"""The row form's columns that say what a reading is: few combinations (a station sends the
same dozen again and again), each stored once in ``reading_kinds`` (migration 4) and referred
to by its number ``kind`` from ``meter_readings``."""

READING_COLUMNS = tuple(c for c in ROW_COLUMNS if c not in FRAME_COLUMNS and c not in KIND_COLUMNS)
"""The row form's columns of one reading, stored as they are in ``meter_readings`` (migration
4) after ``frame_no`` and ``kind``."""

EVENT_COLUMNS: dict[str, str] = {
    "station_id": "text NOT NULL",
    "message_id": "text NOT NULL",
    "transaction_id": "text NOT NULL",
    "event_type": "text NOT NULL",
    "timestamp": "timestamptz NOT NULL",
    "trigger_reason": "text",
    "seq_no": "bigint",
    "offline": "boolean",
    "number_of_phases_used": "integer",
    "cable_max_current": "integer",
    "reservation_id": "integer",
    "remote_start_id": "integer",
    "charging_state": "text",
    "stopped_reason": "text",
    "time_spent_charging": "bigint",
    "evse_id": "integer",
    "connector_id": "integer",
    "id_token": "text",
    "id_token_type": "text",
    "meter_value_count": "integer NOT NULL",
}
"""The event form's columns and their PostgreSQL types, in order."""


def _view_column(column: str) -> str:
    """``sampled_values``' expression of a row column (migration 4): a frame's, a kind's or a
    reading's."""
    if column == "message_id":
        return "COALESCE(f.row_message_id, f.message_id) AS message_id"
    table = "f" if column in FRAME_COLUMNS else "k" if column in KIND_COLUMNS else "r"
    return f'{table}."{column}"'


def _table_sql(name: str, columns: dict[str, str], received_at: bool = True) -> str:
    body = ",\n    ".join(f'"{c}" {t}' for c, t in columns.items())
    if received_at:
        body += ",\n    received_at timestamptz NOT NULL"
    return f'CREATE TABLE IF NOT EXISTS {name} (\n    {body}\n) PARTITION BY RANGE ("timestamp")'


MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "ingested_frames; sampled_values and transaction_events partitioned by day",
        [
            (
                "CREATE TABLE IF NOT EXISTS ingested_frames (\n"
                "    frame_id uuid PRIMARY KEY,\n"
                "    station_id text NOT NULL,\n"
                "    message_id text NOT NULL,\n"
                "    received_at timestamptz NOT NULL,\n"
                "    stored_at timestamptz NOT NULL DEFAULT now(),\n"
                "    row_count integer NOT NULL,\n"
                "    event_count integer NOT NULL\n"
                ")"
            ),
            (
                "CREATE INDEX IF NOT EXISTS ingested_frames_station_received"
                " ON ingested_frames (station_id, received_at)"
            ),
            _table_sql("sampled_values", ROW_COLUMNS),
            # A station's (or a session's) readings over a time range: the dashboard's queries.
            (
                "CREATE INDEX IF NOT EXISTS sampled_values_station_time"
                ' ON sampled_values (station_id, "timestamp")'
            ),
            (
                "CREATE INDEX IF NOT EXISTS sampled_values_transaction"
                ' ON sampled_values (transaction_id, "timestamp") WHERE transaction_id IS NOT NULL'
            ),
            _table_sql("transaction_events", EVENT_COLUMNS),
            (
                "CREATE INDEX IF NOT EXISTS transaction_events_transaction"
                " ON transaction_events (transaction_id, seq_no)"
            ),
            (
                "CREATE INDEX IF NOT EXISTS transaction_events_station_time"
                ' ON transaction_events (station_id, "timestamp")'
            ),
        ],
    ),
    (
        2,
        "session_energy view, as in the SQLite store",
        [POSTGRES_SESSION_ENERGY_VIEW_2],
    ),
    (
        3,
        "session_energy view: readings without a seq_no (OCPP 1.6) in timestamp order",
        [POSTGRES_SESSION_ENERGY_VIEW],
    ),
    (
        4,
        (
            "frame-level columns once per frame in ingested_frames, reading kinds once each in"
            " reading_kinds, readings in meter_readings; sampled_values a view of the three"
        ),
        [
            # The view is rebuilt over the new sampled_values (a view binds to the table).
            "DROP VIEW IF EXISTS session_energy",
            # Rows stored before stay where they are (their frames cannot be told apart by
            # station and message id alone) and remain part of the view.
            "ALTER TABLE sampled_values RENAME TO sampled_values_v1",
            (
                "ALTER TABLE ingested_frames ADD COLUMN frame_no bigint GENERATED BY DEFAULT AS"
                " IDENTITY (SEQUENCE NAME ingested_frames_frame_no_seq)"
            ),
            *(
                f'ALTER TABLE ingested_frames ADD COLUMN "{c}" {ROW_COLUMNS[c].split(" NOT")[0]}'
                for c in FRAME_COLUMNS
                if c not in ("station_id", "message_id")
            ),
            # The rows' own message id, where the producer's differs (else null).
            "ALTER TABLE ingested_frames ADD COLUMN row_message_id text",
            "CREATE UNIQUE INDEX ingested_frames_frame_no ON ingested_frames (frame_no)",
            # A session's frames (the per-row index of migration 1, now per frame).
            (
                "CREATE INDEX ingested_frames_transaction ON ingested_frames (transaction_id,"
                " seq_no) WHERE transaction_id IS NOT NULL"
            ),
            # No unique constraint (phase may be null): a store adds kinds under the advisory
            # lock, after reading those there.
            (
                "CREATE TABLE reading_kinds (kind integer GENERATED BY DEFAULT AS IDENTITY"
                " PRIMARY KEY, " + ", ".join(f'"{c}" {ROW_COLUMNS[c]}' for c in KIND_COLUMNS) + ")"
            ),
            _table_sql(
                "meter_readings",
                {
                    "frame_no": "bigint NOT NULL",
                    "kind": "integer NOT NULL",
                    **{c: ROW_COLUMNS[c] for c in READING_COLUMNS},
                },
                received_at=False,
            ),
            # A frame's readings: the frame numbers grow with every commit, so this btree is
            # appended to at its right edge.
            "CREATE INDEX meter_readings_frame ON meter_readings (frame_no)",
            (
                "CREATE VIEW sampled_values AS SELECT "
                + ", ".join(_view_column(c) for c in ROW_COLUMNS)
                + ", f.received_at FROM meter_readings r JOIN ingested_frames f"
                " ON f.frame_no = r.frame_no JOIN reading_kinds k ON k.kind = r.kind"
                " UNION ALL SELECT * FROM sampled_values_v1"
            ),
            POSTGRES_SESSION_ENERGY_VIEW,
        ],
    ),
    (
        5,
        "ocpp16_transactions: the OCPP 1.6J transaction ids of serve --db postgresql",
        [
            # See ocpp_meter.postgres_transaction_ids: integer, so the ids stop at 2147483647.
            (
                "CREATE TABLE IF NOT EXISTS ocpp16_transactions (\n"
                "    transaction_id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
                "    station_id text NOT NULL,\n"
                "    message_id text NOT NULL,\n"
                "    started_at timestamptz NOT NULL,\n"
                "    connector_id integer,\n"
                "    id_tag text,\n"
                "    assigned_at timestamptz NOT NULL DEFAULT now(),\n"
                "    UNIQUE (station_id, message_id, started_at)\n"
                ")"
            ),
        ],
    ),
]
"""``(version, description, statements)`` in order; a database records the versions applied
in ``ocpp_meter_migrations``. A new version is appended here, never an old one changed."""

_MIGRATION_LOCK = 0x6F637070  # "ocpp": serialises migrations and partition creation
_PARTITIONED = ("meter_readings", "transaction_events")


@dataclass
class StoreResult:
    """What :meth:`PostgresStore.store_frames` did."""

    refused: list[dict[int, str]]
    """Per batch: index of a frame not stored -> why."""
    accepted: int = 0
    """Frames stored now or before (their identity is in the ledger)."""
    frames: int = 0
    """Frames stored now (``accepted - frames`` had been stored before)."""
    rows: int = 0
    events: int = 0


def _one_line(error: Exception) -> str:
    """The error's message on one line (libpq's span several)."""
    return " ".join(str(error).split())


class StoreUnavailable(ConnectionError):
    """The database cannot be reached: the batch was not stored and should be retried (an
    ``OSError``, as any connection failure, so a command reports it in one line)."""


class StoreRefused(ConnectionError):
    """The database answers but refuses this client: a bad password, an unknown database or
    role, no permission. Retrying cannot help until someone changes the configuration: a
    worker stops (exit status 1) with this one line, ``serve`` refuses to start, and a running
    ``serve`` answers each frame as when the database is unreachable."""


_REFUSED_STATES = ("3D000", "42501")
"""SQLSTATEs of a refusal besides class 28 (invalid authorization): an unknown database,
insufficient privilege."""

_REFUSED_AT_CONNECT = (
    "authentication failed",
    "no password supplied",
    "does not exist",
    "permission denied",
    "no pg_hba.conf entry",
    "invalid connection option",
    "invalid uri",
)
"""What libpq's message says when the server (or libpq itself) refuses the connection's
settings: ADBC gives no SQLSTATE for a failed connection. Anything else there (refused, timed
out, name not resolved, the server starting or shutting down, too many clients) counts as
unreachable and is retried."""


def _refusal(error: Exception, connecting: bool = False) -> StoreRefused | None:
    """``error`` as a :class:`StoreRefused` if it is one, else ``None``; by its SQLSTATE, or
    when ``connecting`` (libpq's connection failures have none) by its message."""
    state = getattr(error, "sqlstate", None)
    if state:
        refused = state.startswith("28") or state in _REFUSED_STATES
    else:
        text = str(error).lower()
        refused = connecting and any(found in text for found in _REFUSED_AT_CONNECT)
    return (
        StoreRefused(f"the database refuses this client: {_one_line(error)}") if refused else None
    )


def frame_identity(station_id: str, frame: bytes) -> str:
    """The frame's identity: 32 hex digits of BLAKE2b over the station id and the frame's
    bytes as received; the broker's deduplication id and the store's key."""
    digest = hashlib.blake2b(station_id.encode(), digest_size=16)
    digest.update(b"\0")
    digest.update(frame)
    return digest.hexdigest()


@dataclass
class FrameBatch:
    """Frames of one dialect and profile, with what the gateway recorded of each."""

    frames: list[bytes]
    station_ids: list[str]
    message_ids: list[str]
    frame_ids: list[str]
    received_at: list[int]
    """Microseconds since the Unix epoch, UTC."""
    dialect: str = "2.0.1"
    profile: str = "strict"
    actions: list[str] | None = None
    """Each frame's action, when known (used to place event records)."""
    transaction_ids: list[str | None] | None = None
    """Each frame's transaction id as the gateway assigned it (an OCPP 1.6 StartTransaction,
    whose request has none), for its rows and event record; ``None`` where it assigned none."""
    connector_ids: list[int | None] | None = None
    """Each frame's connector as the gateway knew it (an OCPP 1.6 StopTransaction, whose
    request names none: the connector of its StartTransaction), likewise."""


@dataclass
class DecodedFrames:
    """A :class:`FrameBatch` through ``decode_batch``: Arrow tables ready to load. ``frames``
    has one record per accepted frame; the rows and event records of accepted frame ``k`` are
    ``rows[row_offsets[k]:row_offsets[k + 1]]`` and likewise for events."""

    frames: Any
    """``pyarrow.Table``: frame_id, station_id, message_id, received_at, row_count,
    event_count."""
    rows: Any
    """``pyarrow.Table``: the row form's columns, then received_at."""
    events: Any | None
    """``pyarrow.Table`` of event records (then received_at), when the core gives them."""
    errors: dict[int, str] = field(default_factory=dict)
    """Index in the batch -> why the frame was refused (code, description, path)."""
    accepted: list[int] = field(default_factory=list)
    """Index in the batch of each accepted frame, in order."""
    row_offsets: list[int] = field(default_factory=list)
    event_offsets: list[int] = field(default_factory=list)
    ledger: Any = None
    """The ledger's records of the frames, when :func:`decode_batches` made them (on the
    decoding thread); else the store makes them."""
    kind_keys: Any = None
    """The rows' :meth:`ReadingKinds.encode`, likewise."""

    def only(self, k: int) -> DecodedFrames:
        """The accepted frame ``k`` alone."""
        rows = self.rows.slice(self.row_offsets[k], self.row_offsets[k + 1] - self.row_offsets[k])
        events = None
        if self.events is not None:
            low, high = self.event_offsets[k], self.event_offsets[k + 1]
            events = self.events.slice(low, high - low)
        return DecodedFrames(
            self.frames.slice(k, 1),
            rows,
            events,
            {},
            [self.accepted[k]],
            [0, rows.num_rows],
            [0, 0 if events is None else events.num_rows],
        )

    def keep(self, frame_ids: set[str]) -> DecodedFrames:
        """Only the accepted frames whose identity is in ``frame_ids``."""
        pa = importlib.import_module("pyarrow")

        mine = self.frames["frame_id"].to_pylist()
        mask = [frame_id in frame_ids for frame_id in mine]
        if all(mask):
            return self
        rows = self.rows.filter(_frame_column(pa.array(mask), self.frames["row_count"]))
        events = self.events
        if events is not None:
            events = events.filter(_frame_column(pa.array(mask), self.frames["event_count"]))
        frames = self.frames.filter(pa.array(mask))
        counts = frames["row_count"].to_pylist()
        event_counts = frames["event_count"].to_pylist()
        return DecodedFrames(
            frames,
            rows,
            events,
            {},
            [index for index, kept in zip(self.accepted, mask) if kept],
            _offsets(counts),
            _offsets(event_counts),
        )


def _frame_column(values: Any, counts: Any) -> Any:
    """``values[i]`` repeated ``counts[i]`` times, built in Arrow (no per-row Python loop)."""
    pa = importlib.import_module("pyarrow")
    pc = importlib.import_module("pyarrow.compute")

    counts = pa.array(counts, pa.int32()) if not isinstance(counts, pa.ChunkedArray) else counts
    counts = counts.combine_chunks() if isinstance(counts, pa.ChunkedArray) else counts
    nonzero = pc.greater(counts, 0)
    kept = pc.filter(counts, nonzero)
    if len(kept) == 0:
        return pa.array([], type=values.type)
    ends = pc.cumulative_sum(kept)
    encoded = pa.RunEndEncodedArray.from_arrays(ends, pc.filter(values, nonzero))
    return pc.run_end_decode(encoded)


def _offsets(counts: Sequence[int]) -> list[int]:
    out = [0]
    for n in counts:
        out.append(out[-1] + n)
    return out


_SHARED = tuple(c for c in FRAME_COLUMNS if c not in ("station_id", "message_id"))
"""The frame-level row columns the ledger holds beside its own station and message id."""

_FRAME_NUMBERS = "ingested_frames_frame_no_seq"
"""The sequence of ``ingested_frames.frame_no`` (migration 4)."""

_STAGE_TYPES = {c: ROW_COLUMNS[c].split(" NOT")[0] for c in ROW_COLUMNS}

_LEDGER_INSERT = (
    "INSERT INTO ingested_frames (frame_id, station_id, message_id, received_at, row_count,"
    " event_count, " + ", ".join(f'"{c}"' for c in _SHARED) + ", row_message_id)"
    " SELECT frame_id::uuid, station_id, message_id, received_at, row_count, event_count, "
    + ", ".join(f'"{c}"' for c in _SHARED)
    + ", row_message_id FROM pg_temp.ingested_frames_stage"
    " ON CONFLICT DO NOTHING RETURNING replace(frame_id::text, '-', ''), frame_no"
)
"""Records the staged frames not stored before; their identities and frame numbers."""


def _ledger_records(part: DecodedFrames) -> Any:
    """The ledger's records of ``part``'s frames: identity, station, message id, receive time,
    counts, then the row columns the frame's rows share (from its first row; null for a frame
    without rows) and the rows' own message id where the producer gave another one."""
    pa = importlib.import_module("pyarrow")
    pc = importlib.import_module("pyarrow.compute")

    counts = part.frames["row_count"].to_pylist()
    firsts = pa.array(
        [start if n else None for start, n in zip(part.row_offsets, counts)], pa.int64()
    )
    shared = part.rows.select(["message_id", *_SHARED]).take(firsts)
    records = part.frames
    for name in _SHARED:
        records = records.append_column(name, shared[name])
    # Stored once per frame, these must be the same on every row of a frame (they are, as
    # the decoder makes them): a frame whose rows differ is refused, never stored altered.
    frame_of_row = _frame_column(pa.array(range(len(counts)), pa.int64()), counts)
    for name in ("message_id", *_SHARED):
        if not _same(shared[name].take(frame_of_row), part.rows[name]):
            raise ValueError(f"rows of one frame differ in {name}: not stored")
    own = shared["message_id"]
    other = pc.if_else(pc.equal(own, records["message_id"]), pa.scalar(None, pa.string()), own)
    return records.append_column("row_message_id", other)


def _same(left: Any, right: Any) -> bool:
    """Whether two columns of one length hold the same values, nulls at the same places."""
    pc = importlib.import_module("pyarrow.compute")

    if (left.null_count or right.null_count) and not pc.all(
        pc.equal(pc.is_null(left), pc.is_null(right))
    ).as_py():
        return False
    return bool(pc.all(pc.equal(left, right)).as_py() is not False)


def _copy_ledger(cursor: Any, records: Any) -> Any:
    """Copy ``records`` (:func:`_ledger_records`) straight into the ledger, numbered from its
    sequence; their identities and frame numbers, as :data:`_LEDGER_INSERT` answers. Raises
    if one of the frames is in the ledger already (or being stored by another transaction)."""
    pa = importlib.import_module("pyarrow")

    cursor.execute(
        f"SELECT nextval('{_FRAME_NUMBERS}') FROM generate_series(1, {records.num_rows})"
    )
    numbers = cursor.fetch_arrow_table().column(0)
    hex_ids = records["frame_id"]
    # 16 bytes each: PostgreSQL's binary form of a uuid.
    ids = pa.array([bytes.fromhex(h) for h in hex_ids.to_pylist()], pa.binary())
    numbered = records.set_column(0, "frame_id", ids).append_column("frame_no", numbers)
    cursor.adbc_ingest("ingested_frames", numbered, mode="append")
    return pa.table({"frame_id": hex_ids, "frame_no": numbers})


def _readings(part: DecodedFrames, fresh: Any, kinds: Any) -> Any:
    """``meter_readings``' records of ``part``'s rows: each row's frame number (from the
    ledger's answer ``fresh``: identity, frame number) and kind number (``kinds``, one per
    row), then the reading's own columns."""
    pc = importlib.import_module("pyarrow.compute")

    where = pc.index_in(part.frames["frame_id"], fresh.column(0).combine_chunks())
    numbers = pc.take(fresh.column(1).combine_chunks(), where.combine_chunks())
    readings = part.rows.select(list(READING_COLUMNS))
    readings = readings.add_column(0, "kind", kinds)
    return readings.add_column(0, "frame_no", _frame_column(numbers, part.frames["row_count"]))


class ReadingKinds:
    """What a store knows of ``reading_kinds``: each kind's key (its :data:`KIND_COLUMNS`
    joined) and number."""

    def __init__(self) -> None:
        pa = importlib.import_module("pyarrow")

        self.keys = pa.array([], pa.string())
        self.kinds = pa.array([], pa.int32())

    @staticmethod
    def key(table: Any) -> Any:
        """Each record's key: its kind columns joined by a separator; a null (only ``phase``
        may be one) as NUL, which PostgreSQL text never holds."""
        pa = importlib.import_module("pyarrow")
        pc = importlib.import_module("pyarrow.compute")

        columns = [table[c] for c in KIND_COLUMNS]
        columns = [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in columns]
        return pc.binary_join_element_wise(
            *columns, "\x1f", null_handling="replace", null_replacement="\x00"
        )

    @staticmethod
    def encode(rows: Any) -> Any:
        """The rows' keys, dictionary-encoded: each distinct kind is looked up once."""
        return ReadingKinds.key(rows).combine_chunks().dictionary_encode()

    def missing(self, rows: Any, keys: Any) -> Any:
        """The kinds of ``rows`` (whose :meth:`encode` is ``keys``) not known yet: a table of
        :data:`KIND_COLUMNS`."""
        pc = importlib.import_module("pyarrow.compute")

        columns = list(KIND_COLUMNS)
        if pc.all(pc.is_in(keys.dictionary, value_set=self.keys)).as_py():
            return rows.select(columns).slice(0, 0)
        kinds = rows.select(columns).group_by(columns).aggregate([])
        return kinds.filter(pc.invert(pc.is_in(self.key(kinds), value_set=self.keys)))

    def load(self, table: Any) -> None:
        """Know the kinds of ``table`` (``reading_kinds``' records)."""
        self.keys = self.key(table).combine_chunks()
        self.kinds = table["kind"].combine_chunks()

    def numbers(self, keys: Any) -> Any:
        """Each row's kind number, from the rows' :meth:`encode` (every kind known)."""
        pc = importlib.import_module("pyarrow.compute")

        numbers = pc.take(self.kinds, pc.index_in(keys.dictionary, value_set=self.keys))
        return pc.take(numbers, keys.indices)


_EVENT_ACTIONS = frozenset({"TransactionEvent", "StartTransaction", "StopTransaction"})


def decode_frames(batch: FrameBatch) -> DecodedFrames:
    """``decode_batch`` on the batch's frames; the receive time joined to every row and event
    record as an Arrow column, and the table of accepted frames for the ledger."""
    pa = importlib.import_module("pyarrow")

    from ._core import decode_batch

    result = decode_batch(
        batch.frames,
        batch.station_ids,
        profile=batch.profile,  # type: ignore[arg-type]
        dialect=batch.dialect,  # type: ignore[arg-type]
    )
    errors: dict[int, str] = {}
    error_table = pa.table(result.errors)
    if error_table.num_rows:
        for record in error_table.to_pylist():
            errors[int(record["index"])] = f"{record['code']}: {record['description']}"
    received = pa.array(batch.received_at, pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    counts = result.frame_rows
    rows = pa.table(result)
    rows = rows.append_column("received_at", _frame_column(received, counts))
    count = len(batch.frames)
    event_counts = [0] * count
    events = None
    source = getattr(result, "events", None)
    if source is not None:
        # One event record per accepted TransactionEvent (or 1.6 Start/StopTransaction), in
        # input order; the gateway's action header says which frames those are.
        actions = batch.actions or [""] * count
        event_counts = [int(i not in errors and actions[i] in _EVENT_ACTIONS) for i in range(count)]
        events = pa.table(source)
        if events.num_rows != sum(event_counts):
            raise ValueError(f"{events.num_rows} event records for {sum(event_counts)} events")
        events = events.append_column("received_at", _frame_column(received, event_counts))
    rows = _with_assigned(rows, counts, batch)
    if events is not None:
        events = _with_assigned(events, event_counts, batch)
    accepted = [i for i in range(count) if i not in errors]
    message_ids = list(batch.message_ids)
    if not all(message_ids):
        # Not given by the producer: the frame's own, from its first row when it has one.
        starts = _offsets(counts)
        column = rows["message_id"]
        for i in accepted:
            if not message_ids[i] and counts[i]:
                message_ids[i] = column[starts[i]].as_py()
    frames = pa.table(
        {
            "frame_id": pa.array([batch.frame_ids[i] for i in accepted], pa.string()),
            "station_id": pa.array([batch.station_ids[i] for i in accepted], pa.string()),
            "message_id": pa.array([message_ids[i] for i in accepted], pa.string()),
            "received_at": received.take(pa.array(accepted, pa.int64())),
            "row_count": pa.array([counts[i] for i in accepted], pa.int32()),
            "event_count": pa.array([event_counts[i] for i in accepted], pa.int32()),
        }
    )
    return DecodedFrames(
        frames,
        rows,
        events,
        errors,
        accepted,
        _offsets([counts[i] for i in accepted]),
        _offsets([event_counts[i] for i in accepted]),
    )


def _with_assigned(table: Any, counts: Sequence[int], batch: FrameBatch) -> Any:
    """``table`` (rows or event records, ``counts[i]`` of them for frame ``i``) with the
    transaction and connector ids the gateway gave their frames, where it gave one."""
    pa = importlib.import_module("pyarrow")
    pc = importlib.import_module("pyarrow.compute")

    for column, given, kind in (
        ("transaction_id", batch.transaction_ids, pa.string()),
        ("connector_id", batch.connector_ids, pa.int32()),
    ):
        if not given or all(value is None for value in given):
            continue
        index = table.schema.get_field_index(column)
        current = table.column(index)
        spread = _frame_column(pa.array(given, kind), counts).cast(current.type)
        merged = pc.if_else(pc.is_valid(spread), spread, current)
        table = table.set_column(index, table.field(index), merged)
    return table


@dataclass
class DecodedBatches:
    """Batches through :func:`decode_frames`, ready for :meth:`PostgresStore.store_decoded`."""

    parts: list[tuple[DecodedFrames, int]]
    """Each decoded batch, with its index among the batches given."""
    refused: list[dict[int, str]]
    """Per batch given: index of a frame the decoder refused -> why."""
    accepted: int = 0
    """Frames the decoder accepted."""


def decode_batches(batches: Sequence[FrameBatch]) -> DecodedBatches:
    """:func:`decode_frames` on each batch; a batch of an unknown dialect or profile has all
    its frames refused."""
    decoded = DecodedBatches([], [{} for _ in batches])
    for number, batch in enumerate(batches):
        try:
            part = decode_frames(batch)
        except ValueError as error:  # an unknown dialect or profile
            decoded.refused[number].update(
                (i, f"cannot decode: {error}") for i in range(len(batch.frames))
            )
            continue
        decoded.refused[number].update(part.errors)
        decoded.accepted += len(part.accepted)
        # What storing needs of the rows alone is made here, on the decoding thread.
        part.kind_keys = ReadingKinds.encode(part.rows)
        try:
            part.ledger = _ledger_records(part)
        except ValueError as error:  # the store refuses the frame(s) concerned
            logger.debug("ledger records: %s", error)
        decoded.parts.append((part, number))
    return decoded


def _day_bounds(day: dt.date) -> tuple[str, str]:
    low = f"{day.isoformat()} 00:00:00+00"
    if day == dt.date.max:
        return low, "infinity"
    return low, f"{(day + dt.timedelta(days=1)).isoformat()} 00:00:00+00"


def _partition_name(table: str, day: dt.date) -> str:
    return f"{table}_p{day.year:04d}{day.month:02d}{day.day:02d}"


CONNECT_TIMEOUT = 10
"""Seconds a connection attempt may take (libpq's ``connect_timeout``) unless the URL sets
it: libpq's own default waits for ever on a host that drops packets, and a worker that is
told to stop meanwhile would wait with it."""


def _bounded(url: str) -> str:
    """``url`` with :data:`CONNECT_TIMEOUT` as its ``connect_timeout`` unless it has one."""
    if "connect_timeout=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}connect_timeout={CONNECT_TIMEOUT}"


def _close_quietly(connection: Any, what: str) -> None:
    """Close ``connection`` if there is one: a broken connection may fail to close, and that
    changes nothing for the caller, which drops it either way."""
    if connection is not None:
        try:
            connection.close()
        except Exception as error:  # noqa: BLE001
            logger.debug("closing the %s: %s", what, error)


class PostgresStore:
    """One ADBC connection to PostgreSQL; :meth:`write` stores decoded batches in one
    transaction. Not thread-safe: one thread owns a store."""

    def __init__(self, url: str) -> None:
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError(f"not a postgresql:// URL: {url!r}")
        self.url = url
        self._connect_url = _bounded(url)
        self._connection: Any = None
        self._days: dict[str, set[dt.date]] = {name: set() for name in _PARTITIONED}
        self._kinds = ReadingKinds()

    def connect(self) -> None:
        """Open the connection (raises :class:`StoreUnavailable`, or :class:`StoreRefused`
        for a bad password, an unknown database or role, no permission), apply the migrations
        and create the staging tables."""
        pgdb = importlib.import_module("adbc_driver_postgresql.dbapi")

        self.close()
        try:
            connection = pgdb.connect(self._connect_url)
        except Exception as error:
            raise (
                _refusal(error, connecting=True) or StoreUnavailable(_one_line(error))
            ) from error
        self._connection = connection
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET TIME ZONE 'UTC'")
                cursor.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                cursor.execute(
                    "CREATE TABLE IF NOT EXISTS ocpp_meter_migrations (version integer PRIMARY"
                    " KEY, description text NOT NULL, applied_at timestamptz NOT NULL"
                    " DEFAULT now())"
                )
                cursor.execute("SELECT version FROM ocpp_meter_migrations")
                # Each version not recorded, not those above the highest: a version numbered
                # below one a database already has (built on a branch beside it) still runs.
                applied = {int(version) for (version,) in cursor.fetchall()}
                for version, description, statements in MIGRATIONS:
                    if version in applied:
                        continue
                    for statement in statements:
                        cursor.execute(statement)
                    cursor.execute(
                        "INSERT INTO ocpp_meter_migrations (version, description) VALUES"
                        f" ({version}, '{description}')"
                    )
                    logger.info("applied migration %d: %s", version, description)
            connection.commit()
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS ingested_frames_stage (frame_id text,"
                    " station_id text, message_id text, received_at timestamptz,"
                    " row_count integer, event_count integer, "
                    + ", ".join(f'"{c}" {_STAGE_TYPES[c]}' for c in _SHARED)
                    + ", row_message_id text) ON COMMIT DELETE ROWS"
                )
            connection.commit()
        except Exception as error:
            self.close()
            refused = _refusal(error)
            if refused is not None:  # e.g. no right to create the tables
                raise refused from error
            if self._is_down():
                raise StoreUnavailable(_one_line(error)) from error
            raise

    def close(self) -> None:
        """Close the connection (nothing is pending between writes)."""
        connection, self._connection = self._connection, None
        _close_quietly(connection, "connection")

    def _is_down(self) -> bool:
        """Whether the database is unreachable (as opposed to refusing what was sent)."""
        pgdb = importlib.import_module("adbc_driver_postgresql.dbapi")

        try:
            with pgdb.connect(self._connect_url) as probe, probe.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchall()
        except Exception:  # noqa: BLE001
            return True
        return False

    def write(self, parts: Sequence[DecodedFrames]) -> tuple[int, int, int]:
        """Store the accepted frames of ``parts`` not stored before, in one transaction;
        returns (frames, rows, events) newly stored. Raises :class:`StoreUnavailable` when the
        database is down (nothing stored), :class:`StoreRefused` when it refuses this client
        (say, its right to insert was revoked), or the database's error when it refuses the
        data (nothing stored either)."""
        if self._connection is None:
            self.connect()
        try:
            return self._write(parts)
        except (StoreUnavailable, StoreRefused):
            raise
        except Exception as error:
            try:
                self._connection.rollback()
            except Exception as gone:  # noqa: BLE001 - the connection may be gone
                logger.debug("rollback failed: %s", gone)
            refused = _refusal(error)
            if refused is not None:
                raise refused from error
            if self._is_down():
                self.close()
                raise StoreUnavailable(_one_line(error)) from error
            raise

    def _write(self, parts: Sequence[DecodedFrames]) -> tuple[int, int, int]:
        parts = [part for part in parts if part.frames.num_rows]
        if not parts:
            return 0, 0, 0
        kinds = []
        for part in parts:
            self._ensure_partitions(part)
            kinds.append(self._kind_numbers(part))
        try:
            return self._write_parts(parts, kinds, staged=False)
        except Exception as error:  # noqa: BLE001 - tried again, which raises if it must
            # Most likely a frame stored before (a redelivery) or being stored by another
            # worker right now (its key waited for that commit): the ledger refused the copy.
            # Again through the staging table, which skips such frames; retried here, inside
            # the handler, so an error of the retry keeps this one as its context.
            logger.debug("ledger copy refused (%s): staging the batch", _one_line(error))
            self._connection.rollback()
            return self._write_parts(parts, kinds, staged=True)

    def _write_parts(
        self, parts: Sequence[DecodedFrames], kinds: Sequence[Any], staged: bool
    ) -> tuple[int, int, int]:
        """One transaction: each part's frames into the ledger, then the readings and event
        records of those the ledger took. ``staged=False``: the frames are copied straight
        into the ledger (fails whole if one is there already); ``staged=True``: copied into
        the staging table, then moved with ``ON CONFLICT DO NOTHING``, so only new ones are
        taken. ``kinds``: each part's rows' kind numbers."""
        connection = self._connection
        frames = rows = events = 0
        with connection.cursor() as cursor:
            for part, numbers in zip(parts, kinds):
                records = part.ledger if part.ledger is not None else _ledger_records(part)
                if staged:
                    cursor.adbc_ingest(
                        "ingested_frames_stage", records, mode="append", temporary=True
                    )
                    cursor.execute(_LEDGER_INSERT)
                    # As Arrow: fetching the ids row by row costs as much as their rows' COPY.
                    numbered = cursor.fetch_arrow_table()
                    cursor.execute("DELETE FROM pg_temp.ingested_frames_stage")
                    kept = part.keep(set(numbered.column(0).to_pylist()))
                    if kept is not part:
                        part, numbers = kept, self._kinds.numbers(self._kinds.encode(kept.rows))
                else:
                    numbered = _copy_ledger(cursor, records)
                if part.rows.num_rows:
                    readings = _readings(part, numbered, numbers)
                    cursor.adbc_ingest("meter_readings", readings, mode="append")
                if part.events is not None and part.events.num_rows:
                    cursor.adbc_ingest("transaction_events", part.events, mode="append")
                frames += part.frames.num_rows
                rows += part.rows.num_rows
                events += 0 if part.events is None else part.events.num_rows
        connection.commit()
        return frames, rows, events

    def store_frames(self, batches: Sequence[FrameBatch]) -> StoreResult:
        """Decode and store ``batches`` in one transaction. A frame the decoder refuses, or
        whose rows the database refuses (then each frame is stored alone, to find which), is
        left out with its reason. Raises :class:`StoreUnavailable` when the database cannot be
        reached, :class:`StoreRefused` when it refuses this client: nothing was stored."""
        return self.store_decoded(decode_batches(batches))

    def store_decoded(self, decoded: DecodedBatches) -> StoreResult:
        """:meth:`store_frames` of batches :func:`decode_batches` has decoded (on any thread:
        a worker decodes the next batch while this one is stored)."""
        result = StoreResult([dict(refused) for refused in decoded.refused], decoded.accepted)
        parts = decoded.parts
        try:
            result.frames, result.rows, result.events = self.write([d for d, _ in parts])
        except (StoreUnavailable, StoreRefused):
            raise
        except Exception as error:  # noqa: BLE001 - the database refused something: find what
            logger.warning("batch refused (%s); storing its frames one by one", error)
            for part, number in parts:
                for k, index in enumerate(part.accepted):
                    try:
                        frames, rows, events = self.write([part.only(k)])
                    except (StoreUnavailable, StoreRefused):
                        raise
                    except Exception as alone:  # noqa: BLE001 - this frame is the one
                        result.refused[number][index] = f"database refused the frame: {alone}"
                        result.accepted -= 1
                        continue
                    result.frames += frames
                    result.rows += rows
                    result.events += events
        return result

    def _kind_numbers(self, batch: DecodedFrames) -> Any:
        """The kind number of each row of ``batch``, adding its new kinds to ``reading_kinds``
        (committed before the batch's transaction, as partitions are)."""
        keys = batch.kind_keys if batch.kind_keys is not None else ReadingKinds.encode(batch.rows)
        if not self._kinds.missing(batch.rows, keys).num_rows:
            return self._kinds.numbers(keys)
        connection = self._connection
        with connection.cursor() as cursor:
            # Another store may be adding the same kinds: one adds them at a time, after
            # reading what is there.
            cursor.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            select = "SELECT kind, " + ", ".join(f'"{c}"' for c in KIND_COLUMNS)
            cursor.execute(f"{select} FROM reading_kinds")
            self._kinds.load(cursor.fetch_arrow_table())
            missing = self._kinds.missing(batch.rows, keys)
            if missing.num_rows:
                cursor.adbc_ingest("reading_kinds", missing, mode="append")
                cursor.execute(f"{select} FROM reading_kinds")
                self._kinds.load(cursor.fetch_arrow_table())
        connection.commit()
        return self._kinds.numbers(keys)

    def _ensure_partitions(self, batch: DecodedFrames) -> None:
        pc = importlib.import_module("pyarrow.compute")

        wanted: dict[str, set[dt.date]] = {}
        for name, table in (("meter_readings", batch.rows), ("transaction_events", batch.events)):
            if table is None or not table.num_rows:
                continue
            floors = pc.unique(pc.floor_temporal(table["timestamp"], unit="day"))
            missing = {stamp.date() for stamp in floors.to_pylist()} - self._days[name]
            if missing:
                wanted[name] = missing
        if not wanted:
            return
        connection = self._connection
        with connection.cursor() as cursor:
            # Several workers may want the same new day: one creates it at a time.
            cursor.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            for name, days in wanted.items():
                for day in sorted(days):
                    low, high = _day_bounds(day)
                    cursor.execute(
                        f"CREATE TABLE IF NOT EXISTS {_partition_name(name, day)} PARTITION OF"
                        f" {name} FOR VALUES FROM ('{low}') TO ('{high}')"
                    )
        connection.commit()
        for name, days in wanted.items():
            self._days[name].update(days)
