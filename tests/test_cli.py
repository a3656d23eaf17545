"""The `ocpp-meter decode` command over the shipped sample capture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CAPTURE = Path(__file__).resolve().parents[1] / "examples" / "meter_values.jsonl"


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "ocpp_meter.cli", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )


def test_decode_prints_every_reading_and_every_fault() -> None:
    result = run("decode", str(CAPTURE))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    readings = [line for line in lines if "\tevse=" in line]
    invalid = [line.split("\t") for line in lines if "\tINVALID\t" in line]
    assert len(readings) == 6 * 12 + 3 + 20 * 12
    assert [(row[2], row[3]) for row in invalid] == [
        ("id=b1", "PropertyConstraintViolation"),
        ("id=b2", "PropertyConstraintViolation"),
        ("id=b3", "TypeConstraintViolation"),
        ("id=b4", "OccurrenceConstraintViolation"),
        ("id=b5", "FormatViolation"),
        ("id=b6", "NotImplemented"),
    ]
    assert invalid[0][4] == "path=/meterValue/0/sampledValue/0/measurand"
    assert lines[-1] == "# 18 frames: 315 readings, 6 invalid, 2 replies"


def test_strict_mode_fails_on_invalid_frames_and_reads_stdin() -> None:
    assert run("decode", "--strict", str(CAPTURE)).returncode == 1
    good = CAPTURE.read_bytes().splitlines()[0] + b"\n"
    result = run("decode", "--strict", "-", stdin=good)
    assert result.returncode == 0
    assert result.stdout.decode().count("\tevse=") == 12


def test_bench_passes_its_own_options_through() -> None:
    result = run("bench", "--help")
    assert result.returncode == 0, result.stderr
    assert b"--quick" in result.stdout
    assert run("decode", "--no-such-option", str(CAPTURE)).returncode == 2
