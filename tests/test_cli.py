"""The `ocpp-meter` commands over the shipped sample capture, and what `worker` and `serve`
refuse before doing anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ocpp_meter.broker import broker_servers

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
    ]
    assert invalid[0][4] == 'path="/meterValue/0/sampledValue/0/measurand"'
    assert invalid[4][4] == 'path=""'  # a syntax error: the payload itself
    assert lines[-1] == (
        "# 18 frames: 10 valid, 5 invalid, 1 other actions, 2 replies, "
        "0 lines without a frame, 315 readings"
    )


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


ONLY_21 = (
    b'[2,"v-21","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z",'
    b'"sampledValue":[{"value":80,"measurand":"Display.PresentSOC","location":"Upstream"}]}]}]'
)


def test_validate_decode_and_convert_read_the_dialect_they_are_told(tmp_path: Path) -> None:
    capture = tmp_path / "capture.log"
    good = CAPTURE.read_bytes().splitlines()[0]
    capture.write_bytes(b"CS-9 <- " + ONLY_21 + b"\nCS-9 <- " + good + b"\n")

    default = run("validate", str(capture))
    assert default.returncode == 1
    lines = default.stdout.decode().splitlines()
    assert lines[0].split("\t") == [
        f"{capture}:1",
        "INVALID",
        "id=v-21",
        "PropertyConstraintViolation",
        'path="/meterValue/0/sampledValue/0/measurand"',
        lines[0].split("\t")[-1],
    ]
    assert run("validate", "--dialect", "2.0.1", str(capture)).stdout == default.stdout
    newer = run("validate", "--dialect", "2.1", str(capture))
    assert newer.returncode == 0, newer.stdout
    assert newer.stdout.decode().splitlines() == [
        (
            "# 2 frames: 2 valid, 0 invalid, 0 other actions, 0 replies, 0 lines without a frame, "
            "OCPP 2.1"
        )
    ]
    assert run("validate", "--dialect", "2.2", str(capture)).returncode == 2

    decoded = run("decode", "--strict", "--dialect", "2.1", "-", stdin=ONLY_21 + b"\n")
    assert decoded.returncode == 0, decoded.stdout
    assert "\tDisplay.PresentSOC\t-\tUpstream\tSample.Periodic\t80.0 Wh" in decoded.stdout.decode()
    assert run("decode", "--strict", "-", stdin=ONLY_21 + b"\n").returncode == 1

    out = tmp_path / "rows.csv"
    converted = run("convert", "--strict", "--dialect", "2.1", str(capture), "-o", str(out))
    assert converted.returncode == 0, converted.stderr
    import pyarrow.csv

    table = pyarrow.csv.read_csv(out)
    assert table.num_rows == 1 + 12
    assert table.column("measurand")[0].as_py() == "Display.PresentSOC"
    assert table.column("location")[0].as_py() == "Upstream"
    assert set(table.column("station_id").to_pylist()) == {"CS-9"}
    refused = run("convert", "--strict", str(capture), "-o", str(tmp_path / "old.csv"))
    assert refused.returncode == 1 and b'path="/meterValue/0/sampledValue/0/measurand"' in (
        refused.stderr
    )


def test_worker_describes_itself_and_refuses_a_store_it_cannot_write() -> None:
    """``worker`` (broker to PostgreSQL) says what it does, and refuses a SQLite path at once
    rather than failing later; its servers are exercised in test_scale.py."""
    described = run("worker", "--help")
    assert described.returncode == 0, described.stderr
    text = described.stdout.decode()
    assert "--broker" in text and "--db" in text and "JetStream" in text
    refused = run("worker", "--broker", "nats://127.0.0.1:1", "--db", "meter.sqlite")
    assert refused.returncode == 2
    assert b"--db must be a postgresql:// URL" in refused.stderr


BAD_BROKER_URLS = [
    "http://127.0.0.1:4222",  # another scheme
    "127.0.0.1:4222",  # no scheme
    "nats://127.0.0.1",  # no port
    "nats://127.0.0.1:4222,",  # an empty server
    "nats://user:secret@127.0.0.1:4222",  # credentials
    "nats://127.0.0.1:4222/stream",  # a path
    "nats://127.0.0.1:70000",  # not a port
    "nats://127.0.0.1:4222, 127.0.0.1:4223",  # a space
]


@pytest.mark.parametrize("url", BAD_BROKER_URLS)
@pytest.mark.parametrize("command", ["worker", "serve"])
def test_a_broker_url_not_of_the_one_form_is_refused_in_one_line(command: str, url: str) -> None:
    """Refused before any connection is tried: nothing listens on these ports, and a worker
    would otherwise wait for its database for ever."""
    args = (
        ["--db", "postgresql://nobody@127.0.0.1:1/none"] if command == "worker" else ["--port", "0"]
    )
    refused = run(command, "--broker", url, *args)
    assert refused.returncode == 2
    lines = refused.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"ocpp-meter {command}: ")
    assert "nats://host:port[,host:port...]" in lines[0] and repr(url) in lines[0]


def test_broker_urls_of_the_form_name_every_server() -> None:
    assert broker_servers("nats://n1:4222,10.0.0.2:4222,[::1]:4222,nats://n4:1") == [
        "nats://n1:4222",
        "nats://10.0.0.2:4222",
        "nats://[::1]:4222",
        "nats://n4:1",
    ]
