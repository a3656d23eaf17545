"""End to end on loopback: `ocpp-meter serve` as a subprocess, the mobilityhouse `ocpp` v201
ChargePoint and raw WebSocket clients against it, rows checked in the SQLite file.

Every server runs on 127.0.0.1 on a free port, is waited for by polling its port, and is killed
in a `finally`; every client loop is bounded in frames and in time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.v201 import ChargePoint, call, call_result
from ocpp_meter import CallError, CallResult, decode_message, encode_call
from ocpp_meter.loadgen import check_loopback, typical_request
from ocpp_meter.rows import COLUMNS
from ocpp_meter.server import ServeConfig
from serving import SUBPROTOCOLS, ServerProcess, in_process, loadgen, run
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus


def rows(db: Path, station_id: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        found = connection.execute(
            "SELECT * FROM sampled_values WHERE station_id = ? "
            "ORDER BY message_id, meter_value_index, sampled_value_index",
            (station_id,),
        ).fetchall()
    return [dict(row) for row in found]


def row(**fields: Any) -> dict[str, Any]:
    """A full expected row: the MeterValues defaults, then ``fields``."""
    base: dict[str, Any] = {
        "action": "MeterValues",
        "connector_id": None,
        "transaction_id": None,
        "event_type": None,
        "seq_no": None,
        "measurand": "Energy.Active.Import.Register",
        "phase": None,
        "location": "Outlet",
        "context": "Sample.Periodic",
        "unit": "Wh",
        "multiplier": 0,
        "signed_meter_data": None,
        "signing_method": None,
        "encoding_method": None,
        "public_key": None,
    }
    base.update(fields)
    assert set(base) == set(COLUMNS), set(COLUMNS) ^ set(base)
    return base


async def recv_frame(connection: ClientConnection) -> CallResult | CallError:
    reply = await asyncio.wait_for(connection.recv(), 10)
    assert isinstance(reply, str)  # OCPP-J replies are text frames
    message = decode_message(reply)
    assert isinstance(message, (CallResult, CallError)), reply
    return message


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    base = tmp_path_factory.mktemp("serve")
    process = ServerProcess(base / "meter.sqlite", base / "serve.log")
    try:
        yield process.start()
    finally:
        process.kill()


# The mobilityhouse ocpp library as the charging station.


def test_ocpp_charge_point_meter_values_are_acknowledged_and_stored(
    server: ServerProcess,
) -> None:
    async def scenario() -> list[Any]:
        async with connect(f"{server.url}/ocpp/CP-E2E", subprotocols=SUBPROTOCOLS) as ws:
            assert ws.subprotocol == "ocpp2.0.1"
            station = ChargePoint("CP-E2E", ws, response_timeout=10)
            reader = asyncio.ensure_future(station.start())
            try:
                return [
                    await station.call(
                        call.MeterValues(
                            evse_id=1,
                            meter_value=[
                                {
                                    "timestamp": "2024-05-01T12:00:00Z",
                                    "sampled_value": [
                                        {"value": 2.5, "unit_of_measure": {"unit": "kWh"}},
                                        {
                                            "value": 81.5,
                                            "measurand": "SoC",
                                            "unit_of_measure": {"unit": "Percent"},
                                        },
                                    ],
                                }
                            ],
                        ),
                        unique_id="e2e-1",
                    ),
                    await station.call(
                        call.MeterValues(
                            evse_id=0,
                            meter_value=[
                                {
                                    "timestamp": "2024-05-01T14:00:00.5+02:00",
                                    "sampled_value": [
                                        {
                                            "value": 7.25,
                                            "context": "Transaction.Begin",
                                            "measurand": "Power.Active.Import",
                                            "phase": "L1-N",
                                            "location": "Cable",
                                            "signed_meter_value": {
                                                "signed_meter_data": "ZGF0YQ==",
                                                "signing_method": "ECDSA",
                                                "encoding_method": "OCMF",
                                                "public_key": "a2V5",
                                            },
                                            "unit_of_measure": {"unit": "kW", "multiplier": 1},
                                        }
                                    ],
                                },
                                {
                                    "timestamp": "2024-05-01T12:00:01Z",
                                    "sampled_value": [
                                        {"value": 230, "measurand": "Voltage", "phase": "L1"}
                                    ],
                                },
                            ],
                        ),
                        unique_id="e2e-2",
                    ),
                ]
            finally:
                reader.cancel()

    results = run(scenario())
    assert results == [call_result.MeterValues(), call_result.MeterValues()]
    assert rows(server.db, "CP-E2E") == [
        row(
            station_id="CP-E2E",
            message_id="e2e-1",
            evse_id=1,
            meter_value_index=0,
            sampled_value_index=0,
            timestamp="2024-05-01T12:00:00.000000Z",
            value=2.5,
            unit="kWh",
            normalized_value=2500.0,
            normalized_unit="Wh",
        ),
        row(
            station_id="CP-E2E",
            message_id="e2e-1",
            evse_id=1,
            meter_value_index=0,
            sampled_value_index=1,
            timestamp="2024-05-01T12:00:00.000000Z",
            value=81.5,
            measurand="SoC",
            unit="Percent",
            normalized_value=81.5,
            normalized_unit="Percent",
        ),
        row(
            station_id="CP-E2E",
            message_id="e2e-2",
            evse_id=0,
            meter_value_index=0,
            sampled_value_index=0,
            timestamp="2024-05-01T12:00:00.500000Z",
            value=7.25,
            context="Transaction.Begin",
            measurand="Power.Active.Import",
            phase="L1-N",
            location="Cable",
            unit="kW",
            multiplier=1,
            normalized_value=72500.0,
            normalized_unit="W",
            signed_meter_data="ZGF0YQ==",
            signing_method="ECDSA",
            encoding_method="OCMF",
            public_key="a2V5",
        ),
        row(
            station_id="CP-E2E",
            message_id="e2e-2",
            evse_id=0,
            meter_value_index=1,
            sampled_value_index=0,
            timestamp="2024-05-01T12:00:01.000000Z",
            value=230.0,
            measurand="Voltage",
            phase="L1",
            normalized_value=230.0,
            normalized_unit="Wh",
        ),
    ]


def test_other_actions_are_not_implemented_and_the_connection_stays(
    server: ServerProcess,
) -> None:
    async def scenario() -> Any:
        async with connect(f"{server.url}/ocpp/CP-OTHER", subprotocols=SUBPROTOCOLS) as ws:
            station = ChargePoint("CP-OTHER", ws, response_timeout=10)
            reader = asyncio.ensure_future(station.start())
            try:
                with pytest.raises(OcppNotImplemented, match="DataTransfer"):
                    await station.call(call.DataTransfer(vendor_id="v"), suppress=False)
                with pytest.raises(OcppNotImplemented, match="FirmwareStatusNotification"):
                    await station.call(
                        call.FirmwareStatusNotification(status="Idle"), suppress=False
                    )
                return await station.call(
                    call.MeterValues(
                        evse_id=1,
                        meter_value=[
                            {"timestamp": "2024-05-01T12:00:00Z", "sampled_value": [{"value": 1}]}
                        ],
                    ),
                    unique_id="after-errors",
                )
            finally:
                reader.cancel()

    assert run(scenario()) == call_result.MeterValues()
    assert [r["message_id"] for r in rows(server.db, "CP-OTHER")] == ["after-errors"]


# Raw WebSocket: broken frames, one per row of the error table that a frame can cause.

GOOD_PAYLOAD = (
    '{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z",'
    '"sampledValue":[{"value":12.5,"measurand":"SoC","unitOfMeasure":{"unit":"Percent"}}]}]}'
)

BROKEN = [
    # (frame, code, message id, path)
    ("hello", "RpcFrameworkError", "-1", ""),
    ('[2,42,"MeterValues",{}]', "RpcFrameworkError", "-1", ""),
    ('[2,"r-arity","MeterValues"]', "RpcFrameworkError", "r-arity", ""),
    ('[2,"r-syntax","MeterValues",{"evseId":1,]', "FormatViolation", "r-syntax", ""),
    ('[2,"r-notobj","MeterValues",[]]', "FormatViolation", "r-notobj", ""),
    ('[5,"r-type","MeterValues",{}]', "MessageTypeNotSupported", "r-type", ""),
    ('[2,"r-action","DataTransfer",{}]', "NotImplemented", "r-action", ""),
    (
        '[2,"r-authorize","Authorize",{}]',
        "OccurrenceConstraintViolation",
        "r-authorize",
        "/idToken",
    ),
    (
        '[2,"r-boot","BootNotification",{"reason":"Nope"}]',
        "PropertyConstraintViolation",
        "r-boot",
        "/reason",
    ),
    ('[2,"r-hb","Heartbeat",{"x":1}]', "ProtocolError", "r-hb", "/x"),
    ('[2,"r-unknown","MeterValues",{"evse":1}]', "ProtocolError", "r-unknown", "/evse"),
    (
        '[2,"r-missing","MeterValues",{"evseId":1}]',
        "OccurrenceConstraintViolation",
        "r-missing",
        "/meterValue",
    ),
    (
        '[2,"r-wrongtype","MeterValues",{"evseId":null}]',
        "TypeConstraintViolation",
        "r-wrongtype",
        "/evseId",
    ),
    (
        GOOD_PAYLOAD.replace('"SoC"', '"Soc"').join(['[2,"r-enum","MeterValues",', "]"]),
        "PropertyConstraintViolation",
        "r-enum",
        "/meterValue/0/sampledValue/0/measurand",
    ),
]


def test_broken_frames_get_the_callerror_of_the_table_and_the_connection_stays(
    server: ServerProcess,
) -> None:
    async def scenario() -> list[Any]:
        async with connect(f"{server.url}/ocpp/RAW-1", subprotocols=SUBPROTOCOLS) as ws:
            replies = []
            for frame, *_ in BROKEN:
                await ws.send(frame)
                replies.append(await recv_frame(ws))
            # Replies get no reply: the next frame received answers the next CALL.
            await ws.send('[3,"stray-result",{}]')
            await ws.send('[3,"stray-broken",{"x":1}]')
            await ws.send('[4,"stray-error","GenericError","",{}]')
            await ws.send(f'[2,"r-good","MeterValues",{GOOD_PAYLOAD}]')
            replies.append(await recv_frame(ws))
            # A binary message is not handled (OCPP-J frames are text), even a valid CALL.
            await ws.send(f'[2,"r-binary","MeterValues",{GOOD_PAYLOAD}]'.encode())
            replies.append(await recv_frame(ws))
            return replies

    replies = run(scenario())
    for reply, (frame, code, message_id, path) in zip(replies, BROKEN):
        assert isinstance(reply, CallError), frame
        assert (reply.code.value, reply.message_id, reply.details["path"]) == (
            code,
            message_id,
            path,
        ), frame
    assert [(type(r).__name__, r.message_id) for r in replies[len(BROKEN) :]] == [
        ("CallResult", "r-good"),
        ("CallError", "r-binary"),
    ]
    assert replies[-1].code.value == "RpcFrameworkError"
    stored = rows(server.db, "RAW-1")
    assert [(r["message_id"], r["measurand"], r["value"]) for r in stored] == [
        ("r-good", "SoC", 12.5),
    ]
    # Each rejected frame is logged once, with station id, message id, code and pointer.
    log = server.log_text().splitlines()
    enum_lines = [line for line in log if "'r-enum'" in line]
    assert len(enum_lines) == 1
    assert "'RAW-1'" in enum_lines[0] and "PropertyConstraintViolation" in enum_lines[0]
    assert "'/meterValue/0/sampledValue/0/measurand'" in enum_lines[0]
    assert sum("'-1'" in line and "'RAW-1'" in line for line in log) == 2


@pytest.mark.parametrize(
    ("path", "subprotocols", "status"),
    [
        ("/ocpp/CS-1", None, 400),
        ("/ocpp/CS-1", ["ocpp1.5"], 400),
        ("/ocpp/CS-1", ["ocpp2.0"], 400),
        ("/", SUBPROTOCOLS, 404),
        ("/ocpp/", SUBPROTOCOLS, 404),
        ("/ocpp/" + "x" * 49, SUBPROTOCOLS, 404),
    ],
)
def test_handshakes_without_the_subprotocol_or_a_station_id_are_refused(
    server: ServerProcess, path: str, subprotocols: Any, status: int
) -> None:
    async def scenario() -> None:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{server.url}{path}", subprotocols=subprotocols):
                pass
        assert refused.value.response.status_code == status

    run(scenario())


def test_the_station_id_is_the_last_path_segment_percent_decoded(server: ServerProcess) -> None:
    async def scenario() -> None:
        for path in ("/a/b/CS%20SPACE", "/CS-QUERY?token=1", "/ocpp1.6/ocpp2/CS-DEEP"):
            async with connect(f"{server.url}{path}", subprotocols=["ocpp1.5", "ocpp2.0.1"]) as ws:
                assert ws.subprotocol == "ocpp2.0.1"
                await ws.send(f'[2,"sid","MeterValues",{GOOD_PAYLOAD}]')
                assert isinstance(await recv_frame(ws), CallResult)

    run(scenario())
    for station in ("CS SPACE", "CS-QUERY", "CS-DEEP"):
        assert [r["message_id"] for r in rows(server.db, station)] == ["sid"]


def test_loadgen_runs_bounded_against_the_server(server: ServerProcess) -> None:
    (report,) = loadgen(
        f"{server.url}/load", "--stations", "4", "--seconds", "1", "--max-frames", "200"
    )
    assert report["connected"] == 4 and report["errors"] == 0 and report["timeouts"] == 0
    assert 0 < report["acknowledged"] == report["sent"] <= 200
    assert 0 < report["p50_ms"] <= report["p99_ms"] <= report["max_ms"]
    with sqlite3.connect(server.db) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM sampled_values WHERE station_id LIKE 'LOAD%'"
        ).fetchone()
    assert count == 12 * report["acknowledged"]


def test_loadgen_refuses_targets_off_loopback() -> None:
    check_loopback("ws://127.0.0.1:9000/ocpp")
    check_loopback("ws://localhost:9000/ocpp")
    for url in ("ws://192.0.2.1:9000/ocpp", "wss://127.0.0.1/ocpp", "http://127.0.0.1/"):
        with pytest.raises(ValueError):
            check_loopback(url)
    result = subprocess.run(
        [sys.executable, "-m", "ocpp_meter.cli", "loadgen", "--url", "ws://192.0.2.1:9/x"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2 and "loopback" in result.stderr


# Shutdown and crash.


async def send_meter_values(ws: ClientConnection, message_id: str) -> CallResult | CallError:
    await ws.send(encode_call(message_id, typical_request()), text=True)
    return await recv_frame(ws)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_shuts_down_cleanly(tmp_path: Path, signum: int) -> None:
    process = ServerProcess(tmp_path / "m.sqlite", tmp_path / "serve.log")
    try:
        process.start()

        async def scenario() -> int | None:
            async with connect(f"{process.url}/ocpp/SIG", subprotocols=SUBPROTOCOLS) as ws:
                for number in range(5):
                    reply = await send_meter_values(ws, f"s{number}")
                    assert isinstance(reply, CallResult)
                process.signal(signum)
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 20)
                assert closed.value.rcvd is not None
                return closed.value.rcvd.code

        assert run(scenario()) == 1001  # going away
        assert process.wait() == 0
    finally:
        process.kill()
    assert len(rows(process.db, "SIG")) == 5 * 12
    log = process.log_text()
    assert f"received {signal.Signals(signum).name}" in log
    assert "stopped: 5 frames, 60 rows" in log
    assert "Traceback" not in log


def test_every_acknowledged_row_survives_a_kill_mid_load(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    process = ServerProcess(db, tmp_path / "serve.log")
    acknowledged: set[tuple[str, str]] = set()
    stations, frames_per_station, kill_after = 16, 400, 300

    async def station(number: int, killed: asyncio.Event) -> None:
        name = f"KILL{number:02d}"
        try:
            async with connect(f"{process.url}/ocpp/{name}", subprotocols=SUBPROTOCOLS) as ws:
                for sequence in range(frames_per_station):
                    reply = await send_meter_values(ws, f"{name}-{sequence}")
                    assert isinstance(reply, CallResult)
                    acknowledged.add((name, reply.message_id))
                    if len(acknowledged) >= kill_after and not killed.is_set():
                        killed.set()
                        os.kill(process.pid, signal.SIGKILL)
        except (ConnectionClosed, OSError, asyncio.TimeoutError):
            pass  # the server died under us

    async def scenario() -> None:
        killed = asyncio.Event()
        await asyncio.gather(*(station(number, killed) for number in range(stations)))
        assert killed.is_set()

    try:
        process.start()
        run(scenario())
        assert process.wait() == -signal.SIGKILL
        # Restart on the same file: every acknowledged frame has all of its 12 rows.
        process.start()
        with sqlite3.connect(db) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            counts = dict(
                connection.execute(
                    "SELECT station_id || ' ' || message_id, count(*) FROM sampled_values "
                    "GROUP BY station_id, message_id"
                ).fetchall()
            )

        async def after_restart() -> CallResult | CallError:
            async with connect(f"{process.url}/ocpp/KILL-AFTER", subprotocols=SUBPROTOCOLS) as ws:
                return await send_meter_values(ws, "after")

        assert isinstance(run(after_restart()), CallResult)
    finally:
        process.kill()
    assert len(acknowledged) >= kill_after
    missing = [key for key in acknowledged if counts.get(f"{key[0]} {key[1]}") != 12]
    assert missing == []
    # Frames stored but not acknowledged (in flight at the kill) are allowed: at least once.
    assert all(count == 12 for count in counts.values())


def test_serve_embeds_in_a_running_loop_with_a_stop_event(tmp_path: Path) -> None:
    from ocpp_meter.server import ServeConfig, serve

    db = tmp_path / "m.sqlite"

    async def scenario() -> CallResult | CallError:
        stop = asyncio.Event()
        ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        config = ServeConfig(host="127.0.0.1", port=0, db=str(db))
        server = asyncio.ensure_future(serve(config, stop=stop, on_ready=ready.set_result))
        port = await asyncio.wait_for(ready, 10)
        try:
            async with connect(
                f"ws://127.0.0.1:{port}/ocpp/EMBED", subprotocols=SUBPROTOCOLS
            ) as ws:
                return await send_meter_values(ws, "embedded")
        finally:
            stop.set()
            await asyncio.wait_for(server, 20)

    assert isinstance(run(scenario()), CallResult)
    assert len(rows(db, "EMBED")) == 12


def test_stations_are_served_under_their_own_validation_profile(tmp_path: Path) -> None:
    quirky = (
        '[2,"q1","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00",'
        '"sampledValue":[{"value":" 5","measurand":"Temperature","phase":"l1"}]}]}]'
    )
    db = tmp_path / "m.sqlite"
    config = ServeConfig(port=0, db=str(db), station_profiles={"CS-OLD": "lenient"})

    async def scenario() -> list[Any]:
        replies = []
        async with in_process(config) as url:
            for station in ("CS-OLD", "CS-NEW"):
                async with connect(f"{url}/ocpp/{station}", subprotocols=SUBPROTOCOLS) as ws:
                    await ws.send(quirky)
                    replies.append(decode_message(await asyncio.wait_for(ws.recv(), 10)))
        return replies

    old, new = run(scenario())
    assert isinstance(old, CallResult) and isinstance(new, CallError)
    assert new.code.value == "PropertyConstraintViolation"
    stored = rows(db, "CS-OLD")
    assert [(r["measurand"], r["phase"], r["value"]) for r in stored] == [
        ("Temperature", "l1", 5.0)
    ]
    assert rows(db, "CS-NEW") == []
    with pytest.raises(ValueError):
        ServeConfig(profile="loose").check()  # type: ignore[arg-type]


def test_a_failed_handshake_is_logged_in_one_line(caplog: pytest.LogCaptureFixture) -> None:
    """websockets before 17 logs a connection closed before its handshake with a traceback
    (a port probe can make the endpoint write ten lines at will); the endpoint's logger makes it
    one line that names the exception and its cause."""
    from ocpp_meter.server import _websockets_logger

    logger = _websockets_logger()
    try:
        try:
            raise EOFError("connection closed while reading HTTP request line")
        except EOFError as eof:
            raise ValueError("did not receive a valid HTTP request\n" + "x" * 500) from eof
    except ValueError:
        with caplog.at_level("ERROR", logger=logger.name):
            logger.exception("opening handshake failed")
    (record,) = caplog.records
    assert record.exc_info is None and record.exc_text is None
    line = caplog.text.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "ValueError: did not receive a valid HTTP request\\n" in line
    assert "(from EOFError)" in line and len(line) < 300
    assert len(logger.filters) == len({type(f) for f in logger.filters})  # installed once
    _websockets_logger()
    assert len(logger.filters) == len({type(f) for f in logger.filters})
