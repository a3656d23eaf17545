"""`decode`, `validate` and `convert` read a capture alike: the same report of each broken line,
every line counted (frames of other actions and lines without a frame too), the same
`--profile` and `--dialect`; and the command's `--version`, `--help` and exit statuses."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pyarrow.csv

GOOD = (
    b'[2,"g1","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00.5+02:00",'
    b'"sampledValue":[{"value":12.5}]}]}]'
)
LENIENT_ONLY = (
    b'[2,"l1","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00",'
    b'"sampledValue":[{"value":1}]}]}]'
)
CAPTURE = (
    b"\n".join(
        [
            b"2024-05-01 12:00:00 CS-1 <- " + GOOD,
            b"",  # blank: no frame
            b"2024-05-01 12:00:01 INFO station CS-1 connected",  # a log line without a frame
            b'CS-1 <- [2,"h1","Heartbeat",{}]',  # another action
            b"CS-1 <- [not json",  # unreadable: id -1
            b'CS-1 <- [2,"e1","MeterValues",{"evseId":-1,"meterValue":[]}]',
            b'CS-1 <- [2,"e2","MeterValues",[]]',  # payload not an object: path ""
            b'CS-1 -> [3,"x1",{}]',  # a reply
            b"CS-1 <- " + LENIENT_ONLY,
        ]
    )
    + b"\n"
)

EXPECTED_INVALID = [
    ["5", "INVALID", "id=-1", "RpcFrameworkError", 'path=""'],
    ["6", "INVALID", "id=e1", "PropertyConstraintViolation", 'path="/evseId"'],
    ["7", "INVALID", "id=e2", "FormatViolation", 'path=""'],
    ["9", "INVALID", "id=l1", "PropertyConstraintViolation", 'path="/meterValue/0/timestamp"'],
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ocpp_meter.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def reports(text: str) -> list[list[str]]:
    """The INVALID lines, line number and fields up to the pointer."""
    out = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) > 1 and fields[1] == "INVALID":
            out.append([fields[0].rsplit(":", 1)[1], *fields[1:5]])
    return out


def summary(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("# "))


def test_the_three_commands_report_a_capture_alike(tmp_path: Path) -> None:
    capture = tmp_path / "capture.log"
    capture.write_bytes(CAPTURE)
    decoded = run("decode", str(capture))
    validated = run("validate", str(capture))
    converted = run("convert", str(capture), "-o", str(tmp_path / "rows.parquet"))
    assert (decoded.returncode, validated.returncode, converted.returncode) == (0, 1, 0)
    for text in (decoded.stdout, validated.stdout, converted.stderr):
        assert reports(text) == EXPECTED_INVALID
        assert summary(text).startswith(
            "# 7 frames: 1 valid, 4 invalid, 1 other actions, 1 replies, 2 lines without a frame"
        )
    assert summary(decoded.stdout).endswith(", 1 readings")
    assert ", 1 rows -> " in summary(converted.stderr)
    # --strict makes decode and convert fail on the invalid frames, as validate does.
    assert run("decode", "--strict", str(capture)).returncode == 1
    assert run("convert", "--strict", str(capture), "-o", str(tmp_path / "r.arrow")).returncode == 1


def test_the_three_commands_take_the_same_profile(tmp_path: Path) -> None:
    capture = tmp_path / "capture.log"
    capture.write_bytes(CAPTURE)
    lenient = EXPECTED_INVALID[:3]
    decoded = run("decode", "--profile", "lenient", str(capture))
    validated = run("validate", "--profile", "lenient", str(capture))
    converted = run(
        "convert", "--profile", "lenient", str(capture), "-o", str(tmp_path / "rows.parquet")
    )
    for text in (decoded.stdout, validated.stdout, converted.stderr):
        assert reports(text) == lenient
        assert summary(text).startswith("# 7 frames: 2 valid, 3 invalid,")
    for command in ("decode", "validate"):
        assert run(command, "--profile", "loose", str(capture)).returncode == 2
        assert run(command, "--dialect", "1.5", str(capture)).returncode == 2


def test_csv_timestamps_are_rfc_3339(tmp_path: Path) -> None:
    capture = tmp_path / "capture.log"
    capture.write_bytes(GOOD + b"\n")
    target = tmp_path / "rows.csv"
    assert run("convert", str(capture), "-o", str(target)).returncode == 0
    text = target.read_text()
    assert ',"2024-05-01T10:00:00.500000Z",' in text
    table = pyarrow.csv.read_csv(target)
    assert str(table.column("timestamp")[0].as_py()) == "2024-05-01 10:00:00.500000+00:00"


def test_version_help_and_unreadable_files(tmp_path: Path) -> None:
    shown = run("--version")
    assert shown.returncode == 0 and shown.stdout.strip() == f"ocpp-meter {version('ocpp-meter')}"
    helped = run("--help").stdout
    assert "TransactionEvent" in helped and "exit status:" in helped
    assert re.search(r"^  2  usage error", helped, re.MULTILINE)
    missing = str(tmp_path / "missing.log")
    for command in (["decode"], ["validate"], ["convert", "-o", str(tmp_path / "x.csv")]):
        result = run(*command, missing)
        assert result.returncode == 2 and "missing.log" in result.stderr
        assert "Traceback" not in result.stderr
