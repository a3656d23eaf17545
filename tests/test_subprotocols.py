"""The endpoint's subprotocol negotiation: ``ocpp2.1`` and ``ocpp2.0.1`` accepted (the first the
client offers that is served; ``ocpp1.6`` too, see tests/test_central_system16.py), each
connection's frames decoded in the dialect of its subprotocol, ``serve --dialect`` narrowing
what is served; and ``loadgen --subprotocol``."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from ocpp_meter import CallError, CallResult, decode_message
from ocpp_meter.loadgen import LoadConfig, run_load
from ocpp_meter.server import ServeConfig
from serving import ServerProcess, in_process, run
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

# Valid in OCPP 2.1 only: a 2.1 measurand and location, no signingMethod, long signed data.
ONLY_21 = (
    '[2,"{id}","MeterValues",{{"evseId":2,"meterValue":[{{"timestamp":"2024-05-01T12:00:00Z",'
    '"sampledValue":[{{"value":80,"measurand":"Display.PresentSOC","location":"Upstream",'
    '"unitOfMeasure":{{"unit":"Percent"}},"signedMeterValue":{{"signedMeterData":"'
    + "A" * 30000
    + '","encodingMethod":"OCMF"}}}}]}}]}}]'
)
SV0 = "/meterValue/0/sampledValue/0"


def stored(db: Path, station_id: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT message_id, evse_id, measurand, location, unit, length(signed_meter_data), "
            "signing_method, encoding_method, public_key FROM sampled_values "
            "WHERE station_id = ? ORDER BY message_id",
            (station_id,),
        ).fetchall()


async def exchange(url: str, offered: list[str], message_id: str) -> tuple[str | None, Any]:
    """Connect offering ``offered``, send the 2.1-only frame; the subprotocol and the reply."""
    async with connect(url, subprotocols=offered, max_size=None) as ws:  # type: ignore[arg-type]
        await ws.send(ONLY_21.format(id=message_id))
        reply = await asyncio.wait_for(ws.recv(), 10)
        assert isinstance(reply, str)
        return ws.subprotocol, decode_message(reply)


def assert_refused_as_201(reply: Any, message_id: str) -> None:
    """The CALLERROR the 2.0.1 schema owes the frame: its first fault, the measurand."""
    assert isinstance(reply, CallError), reply
    assert (reply.message_id, reply.code.value, reply.details["path"]) == (
        message_id,
        "PropertyConstraintViolation",
        SV0 + "/measurand",
    )


def test_each_connection_is_decoded_in_the_dialect_it_negotiated(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"

    async def scenario() -> list[tuple[str | None, Any]]:
        async with in_process(ServeConfig(port=0, db=str(db))) as url:
            return [
                await exchange(f"{url}/ocpp/CS-21", ["ocpp2.1"], "a-21"),
                await exchange(f"{url}/ocpp/CS-201", ["ocpp2.0.1"], "a-201"),
            ]

    (protocol_21, reply_21), (protocol_201, reply_201) = run(scenario())
    assert protocol_21 == "ocpp2.1"
    assert isinstance(reply_21, CallResult) and reply_21.message_id == "a-21"
    assert stored(db, "CS-21") == [
        ("a-21", 2, "Display.PresentSOC", "Upstream", "Percent", 30000, None, "OCMF", None)
    ]
    assert protocol_201 == "ocpp2.0.1"
    assert_refused_as_201(reply_201, "a-201")
    assert stored(db, "CS-201") == []


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (["ocpp2.1", "ocpp2.0.1"], "ocpp2.1"),
        (["ocpp2.0.1", "ocpp2.1"], "ocpp2.0.1"),
        (["ocpp1.5", "ocpp2.1", "ocpp2.0.1"], "ocpp2.1"),
        (["ocpp2.0", "ocpp2.0.1"], "ocpp2.0.1"),
    ],
)
def test_a_client_offering_several_gets_the_first_it_offered(
    tmp_path: Path, offered: list[str], chosen: str
) -> None:
    async def scenario() -> tuple[str | None, Any]:
        async with in_process(ServeConfig(port=0, db=str(tmp_path / "m.sqlite"))) as url:
            return await exchange(f"{url}/ocpp/CS-BOTH", offered, "b-1")

    protocol, reply = run(scenario())
    assert protocol == chosen
    if chosen == "ocpp2.1":
        assert isinstance(reply, CallResult)
    else:
        assert_refused_as_201(reply, "b-1")


def test_a_served_subset_refuses_the_other_subprotocol(tmp_path: Path) -> None:
    config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"), dialects=("2.1",))

    async def scenario() -> tuple[int, tuple[str | None, Any]]:
        async with in_process(config) as url:
            with pytest.raises(InvalidStatus) as refused:
                await exchange(f"{url}/ocpp/CS-OLD", ["ocpp2.0.1"], "c-1")
            return refused.value.response.status_code, await exchange(
                f"{url}/ocpp/CS-NEW", ["ocpp2.0.1", "ocpp2.1"], "c-2"
            )

    status, (protocol, reply) = run(scenario())
    assert status == 400
    assert protocol == "ocpp2.1" and isinstance(reply, CallResult)


@pytest.mark.parametrize("dialects", [(), ("2.2",), ("ocpp2.1",)])
def test_serve_config_refuses_unknown_or_no_dialects(dialects: Any) -> None:
    with pytest.raises(ValueError, match="dialect"):
        ServeConfig(dialects=dialects).check()


def test_serve_dialect_flag_restricts_the_subprotocols(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with ServerProcess(tmp_path / "m.sqlite", log, "--dialect", "2.0.1") as server:

        async def scenario() -> tuple[int, tuple[str | None, Any]]:
            with pytest.raises(InvalidStatus) as refused:
                await exchange(f"{server.url}/ocpp/CS-21", ["ocpp2.1"], "d-1")
            return refused.value.response.status_code, await exchange(
                f"{server.url}/ocpp/CS-201", ["ocpp2.1", "ocpp2.0.1"], "d-2"
            )

        status, (protocol, reply) = run(scenario())
    assert status == 400
    assert protocol == "ocpp2.0.1"
    assert_refused_as_201(reply, "d-2")
    text = log.read_text()
    assert "subprotocols ocpp2.0.1, database" in text  # the listening line names what is served
    assert "do not include ocpp2.0.1" in text  # the refusal is logged
    assert "'CS-201' connected" in text and "(ocpp2.0.1)" in text


def test_serve_dialect_flag_takes_repeats_and_comma_lists(tmp_path: Path) -> None:
    from ocpp_meter.cli import _dialects

    assert _dialects([]) is None  # every dialect the store takes (ServeConfig.served_dialects)
    assert _dialects(["2.1"]) == ("2.1",)
    assert _dialects(["2.1", "2.0.1"]) == ("2.1", "2.0.1")
    assert _dialects(["2.0.1, 2.1", "2.1"]) == ("2.0.1", "2.1")
    assert _dialects(["2.1,1.6"]) == ("2.1", "1.6")
    with pytest.raises(SystemExit, match="--dialect wants 2.0.1, 2.1 or 1.6"):
        _dialects(["2.1,1.5"])


def test_loadgen_offers_the_subprotocol_it_is_told(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    config = ServeConfig(port=0, db=str(db), dialects=("2.1",), synchronous="normal")

    async def scenario() -> Any:
        async with in_process(config) as url:
            load = LoadConfig(
                url=f"{url}/ocpp", stations=2, seconds=5, max_frames=6, subprotocol="ocpp2.1"
            )
            return await run_load(load)

    report = run(scenario())
    assert (report.connected, report.sent, report.acknowledged, report.errors) == (2, 6, 6, 0)
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM sampled_values").fetchone() == (6 * 12,)
