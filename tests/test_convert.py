"""`ocpp-meter validate` and `ocpp-meter convert` over captures: JSON lines and log lines."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv
import pyarrow.ipc
import pyarrow.parquet as pq
import pytest
from ocpp_meter import decode_batch, samples
from ocpp_meter.capture import chunks, frame_of
from ocpp_meter.convert import convert, validate

CAPTURE = Path(__file__).resolve().parents[1] / "examples" / "meter_values.jsonl"


def cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "ocpp_meter.cli", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )


def test_frames_are_found_after_a_log_prefix_and_read_in_chunks(tmp_path: Path) -> None:
    assert frame_of(b'2024-05-01 12:00:00 CS-1 <- [2,"a","MeterValues",{}]\n') == (
        b'[2,"a","MeterValues",{}]'
    )
    assert frame_of(b"2024-05-01 12:00:00 connected\n") is None
    log = tmp_path / "log.txt"
    log.write_bytes(b"".join(b"CS-1 <- " + f + b"\n" for f in samples.frames(5, "small")))
    got = [[(line.number, line.frame) for line in c] for c in chunks([str(log)], size=2)]
    assert [len(c) for c in got] == [2, 2, 1]
    assert got[2][0] == (5, samples.frames(5, "small")[4])


def test_validate_lists_each_invalid_frame_and_fails() -> None:
    out = io.StringIO()
    assert validate([str(CAPTURE)], out) == 1
    lines = out.getvalue().splitlines()
    assert [line.split("\t")[2:4] for line in lines[:-1]] == [
        ["id=b1", "PropertyConstraintViolation"],
        ["id=b2", "PropertyConstraintViolation"],
        ["id=b3", "TypeConstraintViolation"],
        ["id=b4", "OccurrenceConstraintViolation"],
        ["id=b5", "FormatViolation"],
    ]
    assert lines[0].startswith(f"{CAPTURE}:4\t")
    assert lines[-1] == (
        "# 18 frames: 10 valid, 5 invalid, 1 other actions, 2 replies, 0 lines without a frame"
    )
    good = b"\n".join(samples.frames(3, "typical")) + b"\n"
    result = cli("validate", "-", stdin=good)
    assert result.returncode == 0 and b"3 valid, 0 invalid" in result.stdout


@pytest.mark.parametrize("suffix", [".parquet", ".arrow", ".csv"])
def test_convert_writes_the_rows_in_each_format(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"rows{suffix}"
    err = io.StringIO()
    assert convert([str(CAPTURE)], str(target), "CS-7", err, progress=True) == 0
    frames = [f for line in CAPTURE.read_bytes().splitlines() if (f := frame_of(line))]
    expected = pa.table(decode_batch(frames, "CS-7"))
    if suffix == ".parquet":
        got = pq.read_table(target)
    elif suffix == ".arrow":
        got = pa.ipc.open_file(target).read_all()
    else:
        got = pa.csv.read_csv(target)
    assert got.num_rows == expected.num_rows == 315
    assert got.column("message_id").to_pylist() == expected.column("message_id").to_pylist()
    assert (
        got.column("normalized_value").to_pylist()
        == expected.column("normalized_value").to_pylist()
    )
    assert set(got.column("station_id").to_pylist()) == {"CS-7"}
    text = err.getvalue()
    assert "# 18 frames: 10 valid, 5 invalid, 1 other actions, 2 replies" in text
    assert ", 315 rows -> " in text and "\rconvert: 18 frames" in text
    assert text.count("\tid=b") == 5


def test_convert_from_stdin_strict_and_bad_targets(tmp_path: Path) -> None:
    target = tmp_path / "rows.parquet"
    result = cli("convert", "-", "-o", str(target), "--strict", stdin=CAPTURE.read_bytes())
    assert result.returncode == 1 and pq.read_table(target).num_rows == 315
    assert cli("convert", str(CAPTURE), "-o", str(tmp_path / "rows.xlsx")).returncode == 2
    empty = tmp_path / "empty.parquet"
    assert cli("convert", "-", "-o", str(empty)).returncode == 0
    assert pq.read_table(empty).num_rows == 0
    assert json.loads(json.dumps(pq.read_table(empty).schema.names))[0] == "station_id"


def test_the_shipped_log_converts_with_its_stations_and_both_actions(tmp_path: Path) -> None:
    capture = CAPTURE.with_name("capture.log")
    target = tmp_path / "rows.parquet"
    assert convert([str(capture)], str(target), "unknown", io.StringIO()) == 0
    table = pq.read_table(target)
    assert sorted(set(table.column("station_id").to_pylist())) == [
        f"CS-000{i}" for i in range(1, 5)
    ]
    assert set(table.column("action").to_pylist()) == {"MeterValues", "TransactionEvent"}
    te = table.filter(pa.compute.equal(table.column("action"), "TransactionEvent"))
    assert {t for t in te.column("transaction_id").to_pylist()} >= {"tx-1-0", "tx-4-4"}


QUIRKY_LOG = (
    b'CS-OLD <- [2,"q1","MeterValues",{"evseId":1,"meterValue":[{"timestamp":'
    b'"2024-05-01T12:00:00","sampledValue":[{"value":" 5","measurand":"Temperature"}]}]}]\n'
    b'CS-OLD <- [2,"q2","MeterValues",{"evseId":1,"meterValue":[{"timestamp":'
    b'"2024-05-01T12:00:00Z","sampledValue":[{"value":"ERR"}]}]}]\n'
)


def test_validate_and_convert_take_a_profile_and_report_what_it_accepted(
    tmp_path: Path,
) -> None:
    log = tmp_path / "quirks.log"
    log.write_bytes(QUIRKY_LOG)
    strict = io.StringIO()
    assert validate([str(log)], strict) == 1
    assert strict.getvalue().splitlines()[-1] == (
        "# 2 frames: 0 valid, 2 invalid, 0 other actions, 0 replies, 0 lines without a frame"
    )
    out = io.StringIO()
    assert validate([str(log)], out, "lenient") == 1  # "ERR" is no number under any profile
    lines = out.getvalue().splitlines()
    assert [line.split("\t")[1:4] for line in lines[:3]] == [
        ["id=q1", "warning timestamp_without_offset", "path=/meterValue/0/timestamp"],
        ["id=q1", "warning numeric_string", "path=/meterValue/0/sampledValue/0/value"],
        ["id=q1", "warning unknown_enum_value", "path=/meterValue/0/sampledValue/0/measurand"],
    ]
    assert lines[2].endswith("raw='Temperature'")
    assert lines[3].split("\t")[1:4] == ["INVALID", "id=q2", "TypeConstraintViolation"]
    assert lines[-1] == (
        "# 2 frames: 1 valid, 1 invalid, 0 other actions, 0 replies, 0 lines without a frame, "
        "1 valid with warnings (profile lenient)"
    )
    target = tmp_path / "rows.parquet"
    result = cli("convert", str(log), "-o", str(target), "--profile", "lenient")
    assert result.returncode == 0, result.stderr
    assert b"1 invalid, 0 other actions" in result.stderr
    assert b"3 deviations accepted (profile lenient)" in result.stderr
    rows = pq.read_table(target).to_pylist()
    assert [(r["station_id"], r["measurand"], r["value"]) for r in rows] == [
        ("CS-OLD", "Temperature", 5.0)
    ]
    assert cli("validate", str(log), "--profile", "loose").returncode == 2
