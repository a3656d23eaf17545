"""decode_batch: rows in the contract's form through the Arrow PyCapsule interface, error
records and replies that account for every frame, the same whatever the thread count."""

from __future__ import annotations

import json
import random
from datetime import timezone
from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from ocpp_meter import (
    BATCH_BUFFER_POOL_DEFAULT_LIMIT,
    Dispatcher,
    MeterValuesRequest,
    MeterValuesResponse,
    OcppError,
    decode_batch,
    decode_call,
    rows,
    samples,
    set_batch_buffer_pool_limit,
)

TE = {
    "eventType": "Updated",
    "meterValue": [
        {
            "timestamp": "2024-05-01T12:00:00+02:00",
            "sampledValue": [
                {"value": 7.25, "unitOfMeasure": {"unit": "kWh"}},
                {"value": 11.5, "measurand": "Power.Active.Import", "phase": "L1"},
            ],
        }
    ],
    "timestamp": "2024-05-01T12:00:01Z",
    "triggerReason": "MeterValuePeriodic",
    "seqNo": 7,
    "transactionInfo": {"transactionId": "tx-42"},
    "evse": {"id": 2, "connectorId": 1},
}
TE_FRAME = json.dumps([2, "te-1", "TransactionEvent", TE]).encode()
BROKEN = [
    b'[2,"b1","MeterValues",{"evseId":-1}]',
    b"garbage",
    b'[2,"b3","Heartbeat",{}]',
    b'[3,"r1",{}]',
]


def mixed() -> list[bytes]:
    frames = samples.frames(4, "typical", seed=3) + samples.frames(2, "small", seed=3)
    frames += samples.frames(1, "large", seed=3) + [TE_FRAME] + BROKEN
    return frames


def test_meter_values_rows_equal_the_python_row_form() -> None:
    frames = samples.frames(5, "typical", seed=8) + samples.frames(1, "large", seed=8)
    table = pa.table(decode_batch(frames, "CS-9"))
    expected = [
        r._asdict()
        for f in frames
        for r in rows.meter_values_rows("CS-9", decode_call(f).message_id, decode_call(f).payload)
    ]
    got = table.to_pylist()
    assert len(got) == len(expected) == 5 * 12 + 20 * 12
    for g, e in zip(got, expected):
        assert g == {**e, "timestamp": e["timestamp"].astimezone(timezone.utc)}, (g, e)
    assert table.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    assert pa.types.is_dictionary(table.schema.field("measurand").type)


def test_transaction_event_rows_carry_the_transaction() -> None:
    got = pa.table(decode_batch([TE_FRAME], "CS-1")).to_pylist()
    assert [(r["action"], r["evse_id"], r["connector_id"]) for r in got] == [
        ("TransactionEvent", 2, 1)
    ] * 2
    assert [(r["transaction_id"], r["event_type"], r["seq_no"]) for r in got] == [
        ("tx-42", "Updated", 7)
    ] * 2
    first, second = got
    assert (first["value"], first["unit"], first["normalized_value"]) == (7.25, "kWh", 7250.0)
    assert (first["normalized_unit"], first["measurand"]) == ("Wh", "Energy.Active.Import.Register")
    assert (second["measurand"], second["phase"], second["location"]) == (
        "Power.Active.Import",
        "L1",
        "Outlet",
    )


def test_rows_and_error_records_account_for_every_frame_and_replies_match_dispatch() -> None:
    frames = mixed()
    result = decode_batch(frames, [f"CS-{i}" for i in range(len(frames))])
    errors = pa.table(result.errors).to_pylist()
    table = pa.table(result)
    accounted = {i for i, n in enumerate(result.frame_rows) if n} | {e["index"] for e in errors}
    assert accounted == set(range(len(frames)))
    assert sum(result.frame_rows) == table.num_rows == result.row_count
    assert len(errors) == result.error_count == len(BROKEN)
    assert [(e["message_id"], e["code"]) for e in errors] == [
        ("b1", "PropertyConstraintViolation"),
        (None, "RpcFrameworkError"),
        ("b3", "NotImplemented"),
        ("r1", "RpcFrameworkError"),
    ]
    assert errors[0]["path"] == "/evseId"
    # Each station's rows carry its id; replies are what the dispatcher sends, frame by frame.
    assert set(table.column("station_id").to_pylist()) == {f"CS-{i}" for i in range(8)}

    class Ack:
        def on_meter_values(self, station: str, request: MeterValuesRequest) -> MeterValuesResponse:
            return MeterValuesResponse()

    dispatcher = Dispatcher(Ack())
    for frame, reply in zip(frames, result.replies):
        if frame is TE_FRAME:
            assert reply == b'[3,"te-1",{}]'  # the batch acknowledges what it stored
            continue
        expected = dispatcher.dispatch("CS", frame)
        if expected is None or reply is None:
            assert expected is reply is None
        else:
            assert json.loads(reply)[:3] == json.loads(expected)[:3]


@pytest.mark.parametrize("threads", [1, 2, 3, 16])
def test_the_thread_count_never_changes_the_result(threads: int) -> None:
    frames = mixed() * 40  # over 256 KiB, so threads are really used
    one = decode_batch(frames, "CS", threads=1)
    many = decode_batch(frames, "CS", threads=threads)
    assert pa.table(many).equals(pa.table(one))
    assert pa.table(many.errors).equals(pa.table(one.errors))
    assert pa.table(many.events).equals(pa.table(one.events))
    assert many.replies == one.replies
    assert decode_batch(frames, "CS").replies == one.replies  # automatic thread count


def test_inputs_read_alike_from_every_kind_of_buffer_and_arrow_arrays() -> None:
    frames = mixed()
    reference = pa.table(decode_batch(frames, "CS"))
    for converted in (
        [bytearray(f) for f in frames],
        [memoryview(f) for f in frames],
        [f.decode("utf-8", "replace") for f in frames],
        pa.array(frames, type=pa.binary()),
        pa.array(frames, type=pa.large_binary()),
        pa.array([f.decode() for f in frames], type=pa.string()),
    ):
        assert pa.table(decode_batch(converted, "CS")).equals(reference)
    sliced = pa.array(frames, type=pa.binary()).slice(2, 3)
    assert pa.table(decode_batch(sliced, "CS")).equals(pa.table(decode_batch(frames[2:5], "CS")))
    nulls = decode_batch(pa.array([frames[0], None], type=pa.binary()), "CS")
    assert nulls.frame_rows[1] == 0 and pa.table(nulls.errors).column("index").to_pylist() == [1]


def test_polars_reads_the_rows_and_bad_arguments_are_refused() -> None:
    frames = samples.frames(3, "typical", seed=1)
    frame = pl.from_arrow(pa.table(decode_batch(frames, "CS")))
    assert isinstance(frame, pl.DataFrame) and frame.shape == (36, 24)
    with pytest.raises(ValueError):
        decode_batch(frames, ["only", "two"])
    with pytest.raises(TypeError):
        decode_batch([1, 2], "CS")  # type: ignore[list-item]
    with pytest.raises(TypeError):
        decode_batch(pa.array([1, 2]), "CS")


def test_pooled_column_memory_never_changes_a_live_result() -> None:
    # 3,000 frames give columns of several hundred KiB, so their buffers are pooled when the
    # result is dropped and taken over by the next batch.
    first_frames = samples.frames(3000, "typical", seed=21)
    second_frames = samples.frames(3000, "typical", seed=22)
    live = pa.table(decode_batch(first_frames, "CS-A", threads=1))
    live_rows = live.to_pylist()
    for seed in (23, 24):
        dropped = pa.table(decode_batch(samples.frames(3000, "typical", seed=seed), "CS-B"))
        del dropped
    second = pa.table(decode_batch(second_frames, "CS-C", threads=1))
    assert live.to_pylist() == live_rows
    fresh_previous = set_batch_buffer_pool_limit(0)
    try:
        unpooled = pa.table(decode_batch(second_frames, "CS-C", threads=1))
    finally:
        assert set_batch_buffer_pool_limit(fresh_previous) == 0
    assert fresh_previous == BATCH_BUFFER_POOL_DEFAULT_LIMIT == 64 << 20
    assert second.equals(unpooled)
    assert second.num_rows == 3000 * 12


def test_profiles_apply_to_batches_with_warning_records_and_raw_enums_in_rows() -> None:
    quirky = (
        b'[2,"q-1","MeterValues",{"evseId":1,"meterValue":{"timestamp":"2024-05-01T12:00:00",'
        b'"sampledValue":[{"value":"7","measurand":"Temperature"},{"value":1,"phase":"l1"}]}}]'
    )
    frames = samples.frames(300, "typical", seed=4) + [quirky] + samples.frames(300, "typical")
    strict = decode_batch(frames, "CS-1", threads=2)
    assert (strict.error_count, len(strict.warnings)) == (1, 0)
    lenient = decode_batch(frames, "CS-1", threads=2, profile="lenient")
    assert lenient.error_count == 0 and lenient.frame_rows[300] == 2
    table = pa.table(lenient)
    assert table.num_rows == 600 * 12 + 2
    quirk_rows = [r for r in table.to_pylist() if r["message_id"] == "q-1"]
    assert [(r["measurand"], r["phase"], r["value"]) for r in quirk_rows] == [
        ("Temperature", None, 7.0),
        ("Energy.Active.Import.Register", "l1", 1.0),
    ]
    # The same rows a lenient decode_call gives, through the Python row form.
    call = decode_call(quirky, profile="lenient")
    expected = rows.meter_values_rows("CS-1", call.message_id, call.payload)
    assert [r["measurand"] for r in quirk_rows] == [r.measurand for r in expected]
    warnings = pa.table(lenient.warnings).to_pylist()
    assert [(w["index"], w["message_id"], w["code"], w["path"]) for w in warnings] == [
        (300, "q-1", "object_for_array", "/meterValue"),
        (300, "q-1", "timestamp_without_offset", "/meterValue/timestamp"),
        (300, "q-1", "numeric_string", "/meterValue/sampledValue/0/value"),
        (300, "q-1", "unknown_enum_value", "/meterValue/sampledValue/0/measurand"),
        (300, "q-1", "unknown_enum_value", "/meterValue/sampledValue/1/phase"),
    ]
    assert [w.raw for w in call.payload.warnings][1:] == [w["raw"] for w in warnings][1:]
    assert pl.from_arrow(table).height == table.num_rows
    with pytest.raises(ValueError):
        decode_batch(frames, "CS-1", profile="lax")  # type: ignore[arg-type]


# --- event records ------------------------------------------------------------------------

PROFILES = ("strict", "lenient", "off")
DIALECTS = ("2.0.1", "2.1")

OUT_OF_INT32 = json.dumps(
    [2, "te-big", "TransactionEvent", {**TE, "reservationId": 2**31}]
).encode()
"""Valid by the schema, but its reservationId does not fit the event form's int32 column."""

QUIRKY_TE = json.dumps(
    [
        2,
        "te-quirk",
        "TransactionEvent",
        {
            **TE,
            "meterValue": [
                {"timestamp": "2024-05-01T12:00:00Z", "sampledValue": [{"value": "7.5"}]}
            ],
        },
    ]
).encode()
"""A numeric string: refused as strict, a warning as lenient."""

ENDED_BARE = json.dumps(
    [
        2,
        "te-end",
        "TransactionEvent",
        {
            "eventType": "Ended",
            "timestamp": "2024-05-01T13:00:00-05:00",
            "triggerReason": "EVDeparted",
            "seqNo": 12,
            "offline": False,
            "transactionInfo": {
                "transactionId": "tx-42",
                "stoppedReason": "EVDisconnected",
                "timeSpentCharging": 5400,
            },
            "idToken": {"idToken": "04A1B2C3D4E5F6", "type": "ISO14443"},
        },
    ]
).encode()
"""An Ended event without meter values: no rows, no error record; only its event keeps it."""


def session_batch(dialect: str, seed: int) -> list[bytes]:
    """Whole sessions of ``dialect``, a 2.1 session, broken and edge frames, shuffled."""
    frames = samples.sessions(30, seed=seed, dialect=dialect)
    frames += samples.session_frames(seed, updates=2, dialect="2.1")
    frames += [OUT_OF_INT32, QUIRKY_TE, ENDED_BARE, TE_FRAME, *BROKEN]
    random.Random(seed).shuffle(frames)
    return frames


def oracle(
    frames: list[bytes], station: str, profile: Any, dialect: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int], list[int]]:
    """Rows, events, rows per frame and the rejected frames' indices, computed in Python from
    the objects ``decode_call`` gives, one frame at a time."""
    all_rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    frame_rows: list[int] = []
    rejected: list[int] = []
    for i, frame in enumerate(frames):
        try:
            call = decode_call(frame, profile=profile, dialect=dialect)
        except OcppError:
            call = None
        if call is None or frame is OUT_OF_INT32:
            rejected.append(i)
            frame_rows.append(0)
            continue
        if call.action == "MeterValues":
            got = rows.meter_values_rows(station, call.message_id, call.payload)
        else:
            got = rows.transaction_event_rows(station, call.message_id, call.payload)
            event = rows.transaction_event_record(station, call.message_id, call.payload)
            events.append(event._asdict())
        all_rows += [r._asdict() for r in got]
        frame_rows.append(len(got))
    return all_rows, events, frame_rows, rejected


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("profile", PROFILES)
def test_events_of_many_sessions_agree_field_by_field_with_the_decoded_objects(
    profile: Any, dialect: Any
) -> None:
    frames = session_batch(dialect, seed=PROFILES.index(profile) + 10 * DIALECTS.index(dialect))
    result = decode_batch(frames, "CS-7", profile=profile, dialect=dialect, threads=2)
    want_rows, want_events, want_frame_rows, rejected = oracle(frames, "CS-7", profile, dialect)
    got_events = pa.table(result.events).to_pylist()
    assert len(got_events) == result.event_count == len(result.events) == len(want_events)
    assert len(want_events) > 150
    for got, want in zip(got_events, want_events):
        assert got == want, (got, want)
    assert pa.table(result).to_pylist() == want_rows
    assert result.frame_rows == want_frame_rows
    errors = pa.table(result.errors).to_pylist()
    assert [e["index"] for e in errors] == rejected
    big = next(e for e in errors if e["message_id"] == "te-big")
    assert (big["code"], big["path"]) == ("PropertyConstraintViolation", "/reservationId")
    # Events appear only for accepted TransactionEvents: the rejected ones have none.
    accepted = [
        json.loads(f)[1]
        for i, f in enumerate(frames)
        if i not in rejected and b'"TransactionEvent"' in f
    ]
    assert [e["message_id"] for e in got_events] == accepted
    assert "te-big" not in accepted and ("te-quirk" in accepted) == (profile != "strict")
    # Rows, error records and events account for every frame: the frames without rows or
    # error record are exactly the TransactionEvents whose event says it had no readings.
    silent = {
        json.loads(frames[i])[1]
        for i, n in enumerate(result.frame_rows)
        if n == 0 and i not in rejected
    }
    no_readings = {e["message_id"] for e in got_events if e["meter_value_count"] == 0}
    assert silent == no_readings and "te-end" in no_readings
    counts = {e["message_id"]: e["meter_value_count"] for e in got_events}
    assert all(
        counts[json.loads(frames[i])[1]] == n
        for i, n in enumerate(result.frame_rows)
        if n and b'"TransactionEvent"' in frames[i]
    )


def test_an_ended_event_without_readings_keeps_its_stopped_reason_and_token() -> None:
    result = decode_batch([ENDED_BARE], "CS-1")
    assert (result.row_count, result.error_count, result.event_count) == (0, 0, 1)
    assert result.replies == [b'[3,"te-end",{}]']
    (event,) = pa.table(result.events).to_pylist()
    assert event == {
        "station_id": "CS-1",
        "message_id": "te-end",
        "transaction_id": "tx-42",
        "event_type": "Ended",
        "timestamp": event["timestamp"],
        "trigger_reason": "EVDeparted",
        "seq_no": 12,
        "offline": False,
        "number_of_phases_used": None,
        "cable_max_current": None,
        "reservation_id": None,
        "remote_start_id": None,
        "charging_state": None,
        "stopped_reason": "EVDisconnected",
        "time_spent_charging": 5400,
        "evse_id": None,
        "connector_id": None,
        "id_token": "04A1B2C3D4E5F6",
        "id_token_type": "ISO14443",
        "meter_value_count": 0,
    }
    assert event["timestamp"].isoformat() == "2024-05-01T18:00:00+00:00"


def test_pyarrow_and_polars_read_the_events_with_the_contract_types() -> None:
    frames = samples.sessions(5, seed=3, dialect="2.1")
    result = decode_batch(frames, "CS", dialect="2.1")
    table = pa.table(result.events)
    assert tuple(table.schema.names) == rows.EVENT_COLUMNS
    types = {f.name: f.type for f in table.schema}
    assert types["timestamp"] == pa.timestamp("us", tz="UTC")
    assert types["offline"] == pa.bool_()
    assert types["seq_no"] == types["time_spent_charging"] == pa.int64()
    int32 = ("number_of_phases_used", "cable_max_current", "reservation_id", "remote_start_id")
    assert all(types[c] == pa.int32() for c in (*int32, "evse_id", "meter_value_count"))
    assert {table.schema.field(c).nullable for c in ("station_id", "event_type")} == {False}
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame) and frame.shape == (result.event_count, 20)
    # One session per transaction id, each from Started to Ended in sequence.
    per_tx = frame.group_by("transaction_id", maintain_order=True).agg(
        pl.col("event_type").first().alias("first"),
        pl.col("event_type").last().alias("last"),
        pl.col("seq_no"),
    )
    assert per_tx.height == 5
    assert set(per_tx["first"]) == {"Started"} and set(per_tx["last"]) == {"Ended"}
    assert all(list(s) == list(range(len(s))) for s in per_tx["seq_no"])
    assert frame["meter_value_count"].sum() == sum(
        n for f, n in zip(frames, result.frame_rows) if b'"TransactionEvent"' in f
    )
    # A batch without TransactionEvents still has the event schema.
    empty = pa.table(decode_batch(samples.frames(2), "CS").events)
    assert empty.num_rows == 0 and empty.schema == table.schema


def test_pooled_column_memory_never_changes_live_events() -> None:
    # Enough sessions for event columns of more than 64 KiB, so their buffers are pooled when
    # a result is dropped and taken over by the next batch.
    first = samples.sessions(400, seed=31)
    live = decode_batch(first, "CS-A", threads=1)
    live_events = pa.table(live.events)
    snapshot = live_events.to_pylist()
    assert live.event_count > 2000
    for seed in (32, 33):
        dropped = pa.table(decode_batch(samples.sessions(400, seed=seed), "CS-B").events)
        del dropped
    second_frames = samples.sessions(400, seed=34)
    second = pa.table(decode_batch(second_frames, "CS-C", threads=1).events)
    assert live_events.to_pylist() == snapshot
    previous = set_batch_buffer_pool_limit(0)
    try:
        unpooled = pa.table(decode_batch(second_frames, "CS-C", threads=1).events)
    finally:
        set_batch_buffer_pool_limit(previous)
    assert second.equals(unpooled)
