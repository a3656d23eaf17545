"""SQLite storage: the sampled_values table, durability settings, the group-commit writer."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from ocpp_meter import (
    Evse,
    IdToken,
    MeterValue,
    MeterValuesRequest,
    SampledValue,
    SignedMeterValue,
    Transaction,
    TransactionEventRequest,
    UnitOfMeasure,
    decode_message,
    encode_call,
    storage,
)
from ocpp_meter.errors import OcppError
from ocpp_meter.rows import COLUMNS, EVENT_COLUMNS, meter_values_rows
from ocpp_meter.storage import GroupCommitWriter, connect, row_to_sql

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def request(values: int = 2, evse_id: int = 1) -> MeterValuesRequest:
    return MeterValuesRequest(
        evse_id=evse_id,
        meter_value=[MeterValue(T0, [SampledValue(float(i)) for i in range(values)])],
    )


def stored(path: Path, order: str = "rowid") -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT * FROM sampled_values ORDER BY {order}").fetchall()


def test_table_has_the_contract_columns(tmp_path: Path) -> None:
    db = connect(str(tmp_path / "m.sqlite"))
    try:
        info = db.execute("PRAGMA table_info(sampled_values)").fetchall()
    finally:
        db.close()
    assert tuple(column[1] for column in info) == COLUMNS
    types = {column[1]: column[2] for column in info}
    assert types["timestamp"] == "TEXT" and types["value"] == "REAL"
    assert types["evse_id"] == "INTEGER" and types["normalized_value"] == "REAL"


@pytest.mark.parametrize(("level", "pragma"), [("full", 2), ("normal", 1)])
def test_connect_sets_wal_and_the_synchronous_level(
    tmp_path: Path, level: str, pragma: int
) -> None:
    db = connect(str(tmp_path / "m.sqlite"), level)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == pragma
    finally:
        db.close()


def test_connect_rejects_an_unknown_synchronous_level(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        connect(str(tmp_path / "m.sqlite"), "off")


def test_timestamps_are_fixed_width_utc_text() -> None:
    early = datetime(1, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    (row,) = meter_values_rows(
        "CS", "m", MeterValuesRequest(evse_id=1, meter_value=[MeterValue(early, [SampledValue(1)])])
    )
    assert row_to_sql(row)[COLUMNS.index("timestamp")] == "0001-01-02T03:04:05.000000Z"
    later = row._replace(timestamp=datetime(2024, 5, 1, 12, 0, 0, 7, tzinfo=timezone.utc))
    assert row_to_sql(later)[COLUMNS.index("timestamp")] == "2024-05-01T12:00:00.000007Z"


def test_writer_timestamps_are_row_to_sql_of_each_row(tmp_path: Path) -> None:
    later = datetime(2024, 5, 1, 12, 0, 1, 250000, tzinfo=timezone.utc)
    req = MeterValuesRequest(
        evse_id=2,
        meter_value=[
            MeterValue(T0, [SampledValue(1.0), SampledValue(2.0)]),
            MeterValue(later, [SampledValue(3.0)]),
        ],
    )
    path = tmp_path / "m.sqlite"
    with GroupCommitWriter(str(path)) as writer:
        assert writer.submit("CS", "m", req).result(timeout=10) == 3
    expected = [row_to_sql(row) for row in meter_values_rows("CS", "m", req)]
    assert stored(path) == expected
    assert [row[COLUMNS.index("timestamp")] for row in expected] == [
        "2024-05-01T12:00:00.000000Z",
        "2024-05-01T12:00:00.000000Z",
        "2024-05-01T12:00:01.250000Z",
    ]


def test_writer_stores_every_field_of_every_row(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    full = MeterValuesRequest(
        evse_id=4,
        meter_value=[
            MeterValue(
                T0,
                [
                    SampledValue(
                        value=2.5,
                        measurand="Energy.Active.Export.Register",
                        phase="L1",
                        location="Inlet",
                        context="Sample.Clock",
                        signed_meter_value=SignedMeterValue("ZA==", "ECDSA", "OCMF", "a2V5"),
                        unit_of_measure=UnitOfMeasure(unit="kWh", multiplier=1),
                    ),
                    SampledValue(value=80.0, measurand="SoC"),
                ],
            )
        ],
    )
    with GroupCommitWriter(str(path)) as writer:
        assert writer.submit("CS-7", "msg-1", full).result(timeout=10) == 2
    assert stored(path) == [
        (
            "CS-7",
            "msg-1",
            "MeterValues",
            4,
            None,
            None,
            None,
            None,
            0,
            0,
            "2024-05-01T12:00:00.000000Z",
            2.5,
            "Energy.Active.Export.Register",
            "L1",
            "Inlet",
            "Sample.Clock",
            "kWh",
            1,
            25000.0,
            "Wh",
            "ZA==",
            "ECDSA",
            "OCMF",
            "a2V5",
        ),
        (
            "CS-7",
            "msg-1",
            "MeterValues",
            4,
            None,
            None,
            None,
            None,
            0,
            1,
            "2024-05-01T12:00:00.000000Z",
            80.0,
            "SoC",
            None,
            "Outlet",
            "Sample.Periodic",
            "Wh",
            0,
            80.0,
            "Wh",
            None,
            None,
            None,
            None,
        ),
    ]
    assert writer.stats.frames == 1 and writer.stats.rows == 2


def hold_first_frame(
    monkeypatch: pytest.MonkeyPatch, fail: str | None = None
) -> tuple[threading.Event, threading.Event]:
    """Makes the writer stop inside the batch of the frame with message id ``first`` until
    ``release`` is set (``entered`` says it got there), so that the frames submitted meanwhile
    queue up; a slice holding the frame of message id ``fail`` cannot be decoded."""
    entered, release = threading.Event(), threading.Event()
    real = storage.decode_frames

    def held(frames: Any, station_ids: Any, profile: Any, dialect: Any) -> Any:
        if any(b'"first"' in bytes(frame) for frame in frames):
            entered.set()
            assert release.wait(timeout=10)
        if fail is not None and any(f'"{fail}"'.encode() in bytes(frame) for frame in frames):
            raise RuntimeError("cannot flatten")
        return real(frames, station_ids, profile, dialect)

    monkeypatch.setattr(storage, "decode_frames", held)
    return entered, release


def test_frames_waiting_during_a_commit_share_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hold the writer inside its first batch until 50 more frames are queued: they must then
    # all go into one transaction (group commit), and each future resolves after it.
    entered, release = hold_first_frame(monkeypatch)
    path = tmp_path / "m.sqlite"
    with GroupCommitWriter(str(path)) as writer:
        first = writer.submit("CS", "first", request())
        assert entered.wait(timeout=10)
        rest = [writer.submit("CS", f"m{i}", request()) for i in range(50)]
        assert not any(future.done() for future in rest)
        release.set()
        assert first.result(timeout=10) == 2
        assert [future.result(timeout=10) for future in rest] == [2] * 50
        assert writer.stats.commits == 2
        assert writer.stats.frames == 51 and writer.stats.rows == 102
    assert len(stored(path)) == 102


def test_max_batch_frames_bounds_a_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = hold_first_frame(monkeypatch)
    with GroupCommitWriter(str(tmp_path / "m.sqlite"), max_batch_frames=10) as writer:
        writer.submit("CS", "first", request())
        assert entered.wait(timeout=10)
        rest = [writer.submit("CS", f"m{i}", request()) for i in range(25)]
        release.set()
        for future in rest:
            future.result(timeout=10)
        assert writer.stats.commits == 1 + 3  # 25 waiting frames in batches of 10, 10, 5


def test_a_frame_that_cannot_be_flattened_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = hold_first_frame(monkeypatch, fail="bad")
    path = tmp_path / "m.sqlite"
    with GroupCommitWriter(str(path)) as writer:
        writer.submit("CS", "first", request())
        assert entered.wait(timeout=10)
        good1 = writer.submit("CS", "good1", request())
        bad = writer.submit("CS", "bad", request())
        good2 = writer.submit("CS", "good2", request())
        release.set()
        assert good1.result(timeout=10) == 2 and good2.result(timeout=10) == 2
        with pytest.raises(RuntimeError, match="cannot flatten"):
            bad.result(timeout=10)
        assert writer.stats.failed_frames == 1
    assert {row[1] for row in stored(path)} == {"first", "good1", "good2"}


def test_a_failed_commit_fails_its_frames_and_the_writer_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.sqlite"
    with GroupCommitWriter(str(path)) as writer:
        monkeypatch.setattr(storage, "INSERT_ROW", "INSERT INTO no_such_table VALUES (?)")
        with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
            writer.submit("CS", "lost", request()).result(timeout=10)
        monkeypatch.undo()
        assert writer.submit("CS", "kept", request()).result(timeout=10) == 2
        assert writer.stats.failed_frames == 1 and writer.stats.frames == 1
    assert [row[1] for row in stored(path)] == ["kept", "kept"]


POISON_TRIGGER = """
CREATE TRIGGER poison BEFORE INSERT ON sampled_values WHEN NEW.message_id LIKE 'poison%'
BEGIN SELECT RAISE(ABORT, 'injected write failure'); END"""


def test_a_frame_the_database_refuses_fails_alone_in_its_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A trigger makes the database refuse the rows of one frame; it is held in one batch with
    # good frames: the batch's transaction fails, the good frames are committed one by one.
    path = tmp_path / "m.sqlite"
    connect(str(path)).execute(POISON_TRIGGER)
    entered, release = hold_first_frame(monkeypatch)
    with GroupCommitWriter(str(path)) as writer:
        writer.submit("CS", "first", request())
        assert entered.wait(timeout=10)
        good1 = writer.submit("CS", "good1", request(3))
        bad = writer.submit("CS", "poison-1", request(4))
        good2 = writer.submit("CS", "good2", request(5))
        release.set()
        assert good1.result(timeout=10) == 3 and good2.result(timeout=10) == 5
        with pytest.raises(sqlite3.IntegrityError, match="injected write failure"):
            bad.result(timeout=10)
        assert writer.stats.failed_frames == 1 and writer.stats.frames == 3
        assert writer.stats.rows == 2 + 3 + 5
        # The writer goes on: a later poisoned frame alone fails, a later good one is stored.
        with pytest.raises(sqlite3.IntegrityError):
            writer.submit("CS", "poison-2", request()).result(timeout=10)
        assert writer.submit("CS", "good3", request()).result(timeout=10) == 2
    ids = [row[1] for row in stored(path)]
    assert sorted(set(ids)) == ["first", "good1", "good2", "good3"]
    assert len(ids) == 2 + 3 + 5 + 2


def test_close_commits_everything_queued_and_then_refuses(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    writer = GroupCommitWriter(str(path)).start()
    futures = [writer.submit("CS", f"m{i}", request(3)) for i in range(200)]
    writer.close()
    assert all(future.done() for future in futures)
    assert sum(future.result() for future in futures) == 600
    assert len(stored(path)) == 600
    with pytest.raises(RuntimeError, match="not running"):
        writer.submit("CS", "late", request())
    writer.close()  # closing twice is harmless


def test_start_raises_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    writer = GroupCommitWriter(str(tmp_path / "missing-dir" / "m.sqlite"))
    with pytest.raises(sqlite3.OperationalError):
        writer.start()


def test_async_writes_resolve_after_commit(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"

    async def main() -> list[int]:
        writer = GroupCommitWriter(str(path)).start()
        try:
            return list(
                await asyncio.gather(
                    *(writer.write(f"CS{i % 4}", f"m{i}", request(i % 3 + 1)) for i in range(40))
                )
            )
        finally:
            await writer.aclose()

    counts = asyncio.run(main())
    assert counts == [i % 3 + 1 for i in range(40)]
    rows = stored(path, order="station_id, message_id, sampled_value_index")
    assert len(rows) == sum(counts)
    by_message: dict[str, int] = {}
    for row in rows:
        message_id = row[1]
        assert isinstance(message_id, str)
        by_message[message_id] = by_message.get(message_id, 0) + 1
    assert by_message == {f"m{i}": i % 3 + 1 for i in range(40)}


def test_rows_survive_reopening_and_append(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    for run in range(2):
        with GroupCommitWriter(str(path)) as writer:
            writer.submit("CS", f"run{run}", request()).result(timeout=10)
    assert [row[1] for row in stored(path)] == ["run0", "run0", "run1", "run1"]


def test_a_request_type_the_writer_cannot_store_is_refused_when_queued(tmp_path: Path) -> None:
    with GroupCommitWriter(str(tmp_path / "m.sqlite")) as writer:
        with pytest.raises(TypeError, match="does not store dict"):
            writer.submit("CS", "m", {"evseId": 1})  # type: ignore[arg-type]
        assert writer.submit("CS", "ok", request()).result(10) == 2
    assert len(stored(tmp_path / "m.sqlite")) == 2


EVENT_POISON_TRIGGER = """
CREATE TRIGGER poison_event BEFORE INSERT ON transaction_events
WHEN NEW.message_id LIKE 'poison%'
BEGIN SELECT RAISE(ABORT, 'injected write failure'); END"""


def transaction_event(readings: int, id_token: str | None = "TOKEN-1") -> TransactionEventRequest:
    return TransactionEventRequest(
        event_type="Ended",
        timestamp=T0,
        trigger_reason="StopAuthorized",
        seq_no=7,
        transaction_info=Transaction("tx-1", stopped_reason="Local", time_spent_charging=3600),
        evse=Evse(2, connector_id=1),
        id_token=None if id_token is None else IdToken(id_token, "ISO14443"),
        meter_value=(
            [MeterValue(T0, [SampledValue(float(i)) for i in range(readings)])]
            if readings
            else None
        ),
    )


def test_a_transaction_event_stores_its_readings_and_its_event_record(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    with GroupCommitWriter(str(path)) as writer:
        assert writer.submit("CS", "te-1", transaction_event(3)).result(timeout=10) == 3
        # Without meter values: no row, but its event record is stored.
        assert writer.submit("CS", "te-2", transaction_event(0, None)).result(timeout=10) == 0
        assert (writer.stats.rows, writer.stats.events) == (3, 2)
    rows = stored(path)
    assert [(r[1], r[2], r[4], r[5], r[6], r[7]) for r in rows] == [
        ("te-1", "TransactionEvent", 1, "tx-1", "Ended", 7)
    ] * 3
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        events = [dict(r) for r in db.execute("SELECT * FROM transaction_events ORDER BY rowid")]
        index = db.execute("PRAGMA index_info(transaction_events_station_transaction)").fetchall()
    assert tuple(events[0]) == EVENT_COLUMNS
    assert [column[2] for column in index] == ["station_id", "transaction_id"]
    assert events[0] == {
        "station_id": "CS",
        "message_id": "te-1",
        "transaction_id": "tx-1",
        "event_type": "Ended",
        "timestamp": "2024-05-01T12:00:00.000000Z",
        "trigger_reason": "StopAuthorized",
        "seq_no": 7,
        "offline": None,
        "number_of_phases_used": None,
        "cable_max_current": None,
        "reservation_id": None,
        "remote_start_id": None,
        "charging_state": None,
        "stopped_reason": "Local",
        "time_spent_charging": 3600,
        "evse_id": 2,
        "connector_id": 1,
        "id_token": "TOKEN-1",
        "id_token_type": "ISO14443",
        "meter_value_count": 3,
    }
    assert events[1]["message_id"] == "te-2" and events[1]["meter_value_count"] == 0
    assert events[1]["id_token"] is None


def test_a_transaction_event_is_stored_all_or_nothing_and_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database refuses the event record of one frame held in a batch with good frames:
    # its readings are not stored either, and the good frames are.
    path = tmp_path / "m.sqlite"
    connect(str(path)).execute(EVENT_POISON_TRIGGER)
    entered, release = hold_first_frame(monkeypatch)
    with GroupCommitWriter(str(path)) as writer:
        writer.submit("CS", "first", request())
        assert entered.wait(timeout=10)
        good = writer.submit("CS", "good", transaction_event(2))
        bad = writer.submit("CS", "poison", transaction_event(4))
        release.set()
        assert good.result(timeout=10) == 2
        with pytest.raises(sqlite3.IntegrityError, match="injected write failure"):
            bad.result(timeout=10)
        assert (writer.stats.frames, writer.stats.failed_frames) == (2, 1)
        assert (writer.stats.rows, writer.stats.events) == (2 + 2, 1)
    assert sorted({row[1] for row in stored(path)}) == ["first", "good"]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT message_id FROM transaction_events").fetchall() == [("good",)]


def test_a_frame_the_core_rejects_fails_with_its_error(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"

    async def main() -> None:
        with GroupCommitWriter(str(path)) as writer:
            bad = '[2,"b","MeterValues",{"evseId":1,"meterValue":[]}]'
            with pytest.raises(OcppError) as caught:
                await writer.write_frame("CS", bad)
            assert caught.value.message_id == "b" and caught.value.path == "/meterValue"
            good = (
                '[2,"g","MeterValues",{"evseId":1,"meterValue":[{"timestamp":'
                '"2024-05-01T12:00:00Z","sampledValue":[{"value":1}]}]}]'
            )
            assert await writer.write_frame("CS", good) == 1

    asyncio.run(main())
    assert [row[1] for row in stored(path)] == ["g"]


def test_max_batch_bytes_bounds_what_is_decoded_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    real = storage.decode_frames

    def counted(frames: Any, station_ids: Any, profile: Any, dialect: Any) -> Any:
        sizes.append(sum(len(frame) for frame in frames))
        return real(frames, station_ids, profile, dialect)

    entered, release = hold_first_frame(monkeypatch)
    path = tmp_path / "m.sqlite"
    with GroupCommitWriter(str(path), max_batch_bytes=1000) as writer:
        writer.submit("CS", "first", request())
        assert entered.wait(timeout=10)
        monkeypatch.setattr(storage, "decode_frames", counted)
        rest = [writer.submit("CS", f"m{i}", request(10)) for i in range(20)]
        release.set()
        assert [future.result(timeout=10) for future in rest] == [10] * 20
        assert writer.stats.commits == 1 + len(sizes)  # one decode per transaction
    assert len(sizes) > 1 and all(size <= 1000 for size in sizes)
    assert len(stored(path)) == 2 + 200


def commits_by_message_id(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The message ids of the frames of each commit of small frames, in commit order."""
    commits: list[list[str]] = []
    real = GroupCommitWriter._count_commit

    def recorded(self: GroupCommitWriter, stored: Any) -> None:
        commits.append([decode_message(pending.frame).message_id for pending in stored])
        real(self, stored)

    monkeypatch.setattr(GroupCommitWriter, "_count_commit", recorded)
    return commits


def test_small_frames_pass_larger_ones_within_the_rows_of_a_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = commits_by_message_id(monkeypatch)
    entered, release = hold_first_frame(monkeypatch)
    path = tmp_path / "m.sqlite"
    # Under 150 rows a transaction; frames of up to 900 bytes (at most about 75 rows) are not
    # staged, and frames are decoded in slices of up to 1,800 bytes.
    with GroupCommitWriter(str(path), max_batch_rows=150) as writer:
        assert writer.large_frame_bytes == 900
        writer.submit("CS", "first", request())
        assert entered.wait(timeout=10)
        futures = [writer.submit("CS", f"big{i}", request(50)) for i in range(3)]
        futures.append(writer.submit("CS", "small", request(1)))
        assert len(encode_call("big0", request(50))) <= writer.large_frame_bytes
        release.set()
        assert [future.result(timeout=10) for future in futures] == [50, 50, 50, 1]
    # "first" went as the oldest; then the smallest (the small one, although it arrived last,
    # and big0: the slice of big1 and big2 would take the transaction past 150 rows), then the
    # oldest and the smallest again.
    assert commits == [["first"], ["small", "big0"], ["big1", "big2"]]
    assert len(stored(path)) == 2 + 3 * 50 + 1


def staging_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[threading.Semaphore, threading.Semaphore]:
    """Makes the writer wait at the start of each step that stages rows of a large frame:
    ``entered`` is released when it gets there, and it goes on once ``go`` is released."""
    entered, go = threading.Semaphore(0), threading.Semaphore(0)

    def gated(rows: Any, count: int) -> Any:
        entered.release()
        assert go.acquire(timeout=10)
        return islice(rows, count)

    monkeypatch.setattr(storage, "islice", gated)
    return entered, go


def rows_of(path: Path, message_id: str) -> int:
    with sqlite3.connect(path) as db:
        query = "SELECT count(*) FROM sampled_values WHERE message_id = ?"
        return int(db.execute(query, (message_id,)).fetchone()[0])


def test_a_large_frame_is_stored_in_steps_with_small_frames_committed_between(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, go = staging_steps(monkeypatch)
    path = tmp_path / "m.sqlite"
    with GroupCommitWriter(str(path), max_batch_rows=100) as writer:
        assert len(encode_call("big", request(450))) > writer.large_frame_bytes
        big = writer.submit("CS", "big", request(450))  # 5 steps of 100 rows, then published
        seen = []
        for step in range(4):
            assert entered.acquire(timeout=10)
            small = writer.submit("CS", f"small{step}", request(1))
            go.release()
            # Committed while the large frame is still being staged, none of whose rows a
            # reader sees yet.
            assert small.result(timeout=10) == 1
            seen.append((big.done(), rows_of(path, "big"), rows_of(path, f"small{step}")))
        assert entered.acquire(timeout=10)
        go.release()
        assert big.result(timeout=10) == 450
        assert writer.stats.commits == 5 and writer.stats.rows == 454
    assert seen == [(False, 0, 1)] * 4
    rows = stored(path)
    assert [row[1] for row in rows] == [f"small{i}" for i in range(4)] + ["big"] * 450
    index = COLUMNS.index("sampled_value_index")
    assert [row[index] for row in rows[4:]] == list(range(450))


def test_large_frames_are_staged_the_oldest_and_the_smallest_by_turns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, go = staging_steps(monkeypatch)
    path = tmp_path / "m.sqlite"
    with GroupCommitWriter(str(path), max_batch_rows=100) as writer:
        first = writer.submit("CS", "first", request(450))
        assert entered.acquire(timeout=10)  # staging "first"; the others queue meanwhile
        sizes = {"L1": 300, "L2": 200, "L3": 100}
        futures = {name: writer.submit("CS", name, request(n)) for name, n in sizes.items()}
        for _ in range(5 + 3 + 2 + 1):  # every staging step from here on
            go.release()
        assert first.result(timeout=10) == 450
        assert {name: future.result(timeout=10) for name, future in futures.items()} == sizes
    # "first" went as the oldest, then the smallest (L3), the oldest (L1), the smallest (L2).
    ids = [row[1] for row in stored(path)]
    assert ids == ["first"] * 450 + ["L3"] * 100 + ["L1"] * 300 + ["L2"] * 200


def test_a_large_frame_that_fails_leaves_nothing_staged(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    connect(str(path)).execute(POISON_TRIGGER)
    broken = encode_call("broken", request(450)).replace(b'"value":1.0', b'"value":"1"', 1)
    assert broken != encode_call("broken", request(450))

    async def main(writer: GroupCommitWriter) -> None:
        with pytest.raises(OcppError) as caught:
            await writer.write_frame("CS", broken)
        assert caught.value.code == "TypeConstraintViolation"

    with GroupCommitWriter(str(path), max_batch_rows=100) as writer:
        # Refused by the database at its publication, after its rows were staged.
        with pytest.raises(sqlite3.IntegrityError, match="injected write failure"):
            writer.submit("CS", "poison-big", request(450)).result(timeout=10)
        asyncio.run(main(writer))  # refused by the core, before any step
        # The next large frame publishes its own rows only.
        assert writer.submit("CS", "big", request(250)).result(timeout=10) == 250
        assert writer.stats.failed_frames == 2 and writer.stats.frames == 1
    assert [row[1] for row in stored(path)] == ["big"] * 250


def test_the_endpoint_database_has_the_session_energy_view(tmp_path: Path) -> None:
    """A database the endpoint opens answers per-session energy with no set-up of its own."""
    from ocpp_meter import decode_batch, decode_call
    from ocpp_meter.samples import session_frames
    from ocpp_meter.sessions import session_energy

    path = str(tmp_path / "meter.sqlite")
    frames = [f for f in session_frames(3) if b'"TransactionEvent"' in f]
    assert len(frames) >= 3  # Started, Updated..., Ended
    with GroupCommitWriter(path) as writer:
        for frame in frames:
            call = decode_call(frame)
            writer.submit("CS-9", call.message_id, call.payload).result(timeout=30)
    connection = connect(path)
    try:
        (count,) = connection.execute("SELECT count(*) FROM session_energy").fetchone()
        energy = connection.execute(
            "SELECT transaction_id, energy_wh FROM session_energy"
        ).fetchall()
    finally:
        connection.close()
    expected = session_energy(decode_batch(frames, "CS-9"))
    assert count == len(expected) == 1
    assert energy[0][0] == expected[0].transaction_id
    assert energy[0][1] == pytest.approx(expected[0].energy_wh)


STOP16 = (
    b'[2,"%s","StopTransaction",{"meterStop":%d,"timestamp":"2024-05-01T12:05:00Z",'
    b'"transactionId":7}]'
)


def test_a_store_with_an_earlier_session_view_gets_this_versions_on_open(tmp_path: Path) -> None:
    """The view an earlier version created (1.6 readings in message id order) is replaced."""
    from ocpp_meter.sessions import SESSION_ENERGY_VIEW

    earlier = SESSION_ENERGY_VIEW.replace(
        "CASE WHEN seq_no IS NULL THEN julianday(timestamp) END,", ""
    )
    assert earlier.count("julianday(timestamp) END") == 0 != SESSION_ENERGY_VIEW.count("END,")
    path = str(tmp_path / "meter.sqlite")
    frames = [  # message ids that sort against the readings' time, as 1.6's random ones may
        ((START16 % ("z", 1000)).encode(), "7"),
        (METER16.replace('"mv"', '"b"').replace('"10.5"},{"value":"11"', '"1500"').encode(), None),
        (STOP16 % (b"a", 2000), None),
    ]

    async def store(writer: GroupCommitWriter) -> None:
        for frame, assigned in frames:
            await writer.write_frame("CS16", frame, dialect="1.6", transaction_id=assigned)

    with GroupCommitWriter(path) as writer:
        asyncio.run(store(writer))
    with sqlite3.connect(path) as old:  # as a store an earlier version made holds it
        old.execute("DROP VIEW session_energy")
        old.execute(earlier)

    def energy(connection: sqlite3.Connection) -> tuple[Any, ...]:
        return tuple(
            connection.execute(
                "SELECT start_register_wh, end_register_wh, energy_wh FROM session_energy"
            ).fetchone()
        )

    with sqlite3.connect(path) as old:
        assert energy(old) == (2000, 1000, 0)  # a, b, z: the earlier order
    connection = connect(path)
    try:
        assert energy(connection) == (1000, 2000, 1000)
    finally:
        connection.close()
    with sqlite3.connect(path) as reopened:  # the replacement is kept, and opening again
        assert energy(reopened) == (1000, 2000, 1000)  # leaves it as it is
        (sql,) = reopened.execute("SELECT sql FROM sqlite_master WHERE name = 'session_energy'")
    connection = connect(path)
    connection.close()
    with sqlite3.connect(path) as again:
        assert (
            again.execute("SELECT sql FROM sqlite_master WHERE name = 'session_energy'").fetchone()
            == sql
        )


START16 = (
    '[2,"%s","StartTransaction",{"connectorId":1,"idTag":"T","meterStart":%d,'
    '"timestamp":"2024-05-01T12:00:00Z"}]'
)
METER16 = (
    '[2,"mv","MeterValues",{"connectorId":1,"transactionId":7,"meterValue":'
    '[{"timestamp":"2024-05-01T12:01:00Z","sampledValue":[{"value":"10.5"},{"value":"11"}]}]}]'
)


def test_each_16_start_transaction_gets_its_assigned_id_within_one_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Frames with an assigned transaction id share a commit with the others, each decoded in
    # a slice of its own so that only its rows and event record get the id.
    entered, release = hold_first_frame(monkeypatch)
    path = tmp_path / "m.sqlite"

    async def scenario(writer: GroupCommitWriter) -> list[int]:
        first = asyncio.ensure_future(writer.write_frame("CS", encode_call("first", request())))
        while not entered.is_set():
            await asyncio.sleep(0.005)
        frames = [
            ((START16 % ("s7", 100)).encode(), "7"),
            (METER16.encode(), None),
            ((START16 % ("s8", 200)).encode(), "8"),
            ((START16 % ("s0", 300)).encode(), None),  # no id given: the batch form, ""
        ]
        rest = [
            asyncio.ensure_future(
                writer.write_frame("CS16", frame, dialect="1.6", transaction_id=assigned)
            )
            for frame, assigned in frames
        ]
        await asyncio.sleep(0.05)
        release.set()
        await first
        return list(await asyncio.gather(*rest))

    with GroupCommitWriter(str(path)) as writer:
        assert asyncio.run(scenario(writer)) == [1, 2, 1, 1]
        assert writer.stats.commits == 2
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT message_id, transaction_id, value FROM sampled_values "
            "WHERE station_id = 'CS16' ORDER BY rowid"
        ).fetchall()
        events = connection.execute(
            "SELECT message_id, transaction_id FROM transaction_events ORDER BY rowid"
        ).fetchall()
    # A commit's frames go in by priority (the smallest first), not by arrival: compare sets.
    assert sorted(rows, key=repr) == sorted(
        [
            ("s7", "7", 100.0),
            ("mv", "7", 10.5),
            ("mv", "7", 11.0),
            ("s8", "8", 200.0),
            ("s0", None, 300.0),
        ],
        key=repr,
    )
    assert sorted(events) == sorted([("s7", "7"), ("s8", "8"), ("s0", "")])
