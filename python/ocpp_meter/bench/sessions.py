"""Batch decode of whole charging sessions (MeterValues and TransactionEvent frames) to Arrow
rows and event records: ours against the Python baseline of :mod:`.batch` (msgspec decode of
each CALL, rows and events flattened in Python, pyarrow tables at the end), on one thread.

The frames are :func:`ocpp_meter.samples.sessions` of OCPP 2.0.1: about three in four are
TransactionEvents (Started, Updated with readings, Updated without, Ended), the rest the
station's grid-meter MeterValues. Both sides answer with two tables, the rows and the events;
:func:`check` compares them row by row and event by event before anything is timed.
"""

# msgspec reads the model annotations below at run time, and Python 3.9 has no ``X | Y``
# there: keep ``Union``.

from __future__ import annotations

import importlib
from datetime import timezone
from typing import Annotated, Any, Callable, Literal

from .. import samples
from .._core import decode_batch
from ..rows import EVENT_COLUMNS
from .batch import BATCH_FRAMES, STATION, append_rows, row_schema
from .frames import OURS, SEED
from .measure import Case
from .peers import _MSGSPEC_MISSING

PATH = "sessions-1"
"""The path of the case in the ``batch`` operation (see :data:`.measure.OPS`)."""

KIND = "sessions"
"""The frame kind the case is reported under."""

CHECK_FRAMES = 400
"""Frames the agreement check compares, row by row and event by event."""

SessionsFunc = Callable[[list[bytes]], tuple[Any, Any]]
"""Frames to ``(rows table, events table)``."""


def session_frames(n: int = BATCH_FRAMES, seed: int = SEED) -> list[bytes]:
    """``n`` frames of consecutive charging sessions (the last one cut where ``n`` ends)."""
    # A session with its grid frames is 6 to 14 frames: n // 6 + 1 sessions are enough.
    return samples.sessions(n // 6 + 1, seed)[:n]


def ours() -> SessionsFunc:
    """``decode_batch`` on one thread; its rows and its events as pyarrow tables."""
    pa = importlib.import_module("pyarrow")

    def run(frames: list[bytes]) -> tuple[Any, Any]:
        result = decode_batch(frames, STATION, threads=1)
        return pa.table(result), pa.table(result.events)

    return run


def event_schema() -> Any:
    """The event form's pyarrow schema, as a Python baseline declares it."""
    pa = importlib.import_module("pyarrow")
    types = {
        "timestamp": pa.timestamp("us", tz="UTC"),
        "seq_no": pa.int64(),
        "offline": pa.bool_(),
        "time_spent_charging": pa.int64(),
        **dict.fromkeys(
            (
                "number_of_phases_used",
                "cable_max_current",
                "reservation_id",
                "remote_start_id",
                "evse_id",
                "connector_id",
                "meter_value_count",
            ),
            pa.int32(),
        ),
    }
    return pa.schema([(name, types.get(name, pa.string())) for name in EVENT_COLUMNS])


def msgspec_baseline() -> SessionsFunc:
    """msgspec decode of each CALL (the envelope, then the payload of its action), the rows of
    both actions and the event of each TransactionEvent flattened in Python."""
    if _MSGSPEC_MISSING:
        raise ImportError("msgspec is not installed")
    pa = importlib.import_module("pyarrow")
    envelope = msgspec.json.Decoder(
        tuple[Literal[2], Annotated[str, Meta(min_length=1, max_length=36)], str, msgspec.Raw]
    ).decode
    meter_values = msgspec.json.Decoder(_MsMeterValuesRequest).decode
    transaction_event = msgspec.json.Decoder(_MsTransactionEventRequest).decode
    unset = UNSET
    rows_schema, events_schema = row_schema(), event_schema()
    utc = timezone.utc

    def run(frames: list[bytes]) -> tuple[Any, Any]:
        rows: list[list[Any]] = [[] for _ in rows_schema.names]
        events: list[list[Any]] = [[] for _ in events_schema.names]
        (station, mid, tx, kind, stamp, trigger, seq, offline, phases, cable, reservation,
         remote, state, reason, spent, evse_id, connector, token, token_type, count) = events  # fmt: skip
        for frame in frames:
            _, message_id, action, payload = envelope(frame)
            if action == "MeterValues":
                request = meter_values(payload)
                mv_head = (STATION, message_id, action, request.evse_id, None, None, None, None)
                append_rows(rows, mv_head, request.meter_value, unset)
                continue
            if action != "TransactionEvent":
                raise ValueError(f"action {action!r}")
            te = transaction_event(payload)
            info = te.transaction_info
            evse = te.evse
            ev = None if evse is unset else evse.id
            conn = None if evse is unset or evse.connector_id is unset else evse.connector_id
            head = (STATION, message_id, action, ev, conn, info.transaction_id,
                    te.event_type.value, te.seq_no)  # fmt: skip
            readings = () if te.meter_value is unset else te.meter_value
            n = append_rows(rows, head, readings, unset)
            id_token = te.id_token
            station.append(STATION)
            mid.append(message_id)
            tx.append(info.transaction_id)
            kind.append(te.event_type.value)
            stamp.append(te.timestamp.astimezone(utc))
            trigger.append(te.trigger_reason.value)
            seq.append(te.seq_no)
            offline.append(None if te.offline is unset else te.offline)
            phases.append(None if te.number_of_phases_used is unset else te.number_of_phases_used)
            cable.append(None if te.cable_max_current is unset else te.cable_max_current)
            reservation.append(None if te.reservation_id is unset else te.reservation_id)
            remote.append(None if info.remote_start_id is unset else info.remote_start_id)
            state.append(None if info.charging_state is unset else info.charging_state.value)
            reason.append(None if info.stopped_reason is unset else info.stopped_reason.value)
            spent.append(None if info.time_spent_charging is unset else info.time_spent_charging)
            evse_id.append(ev)
            connector.append(conn)
            token.append(None if id_token is unset else id_token.id_token)
            token_type.append(None if id_token is unset else id_token.type.value)
            count.append(n)
        return pa.table(rows, schema=rows_schema), pa.table(events, schema=events_schema)

    return run


def check(peer: str, theirs: SessionsFunc, mine: SessionsFunc, frames: list[bytes]) -> None:
    """Fail unless ``theirs`` gives our rows and events, row by row and event by event.

    Raises:
        AssertionError: naming the peer and the first row or event that differs.
    """
    for what, a, b in zip(("row", "event"), theirs(frames), mine(frames)):
        got, want = a.to_pylist(), b.to_pylist()
        if len(got) != len(want):
            raise AssertionError(f"{peer}: {len(got)} {what}s, ours {len(want)}")
        for index, (x, y) in enumerate(zip(got, want)):
            if x != y:
                raise AssertionError(f"{peer} session batch {what} {index}: {x!r} != {y!r}")


def group(frames: list[bytes], err: Any = None) -> list[Case]:
    """The timed cases on ``frames``, ours first, each peer checked against ours first; empty
    when pyarrow or msgspec is missing, or when the baseline disagrees (said on ``err``)."""
    try:
        mine, baseline = ours(), msgspec_baseline()
    except ImportError as exc:
        if err is not None:
            err.write(f"bench: skipping the session batch: {exc}\n")
        return []
    check("msgspec", baseline, mine, session_frames(CHECK_FRAMES, seed=SEED + 1))
    return [
        Case("batch", PATH, KIND, OURS, mine, frames),
        Case("batch", PATH, KIND, "msgspec", baseline, frames),
    ]


# The msgspec models of the TransactionEvent decode peer serve the baseline too.
if not _MSGSPEC_MISSING:
    import msgspec
    from msgspec import UNSET, Meta

    from .peers import _MsMeterValuesRequest
    from .transaction_event_peers import _MsTransactionEventRequest
