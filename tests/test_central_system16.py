"""OCPP 1.6J stations against ``ocpp-meter serve``: whole sessions from the mobilityhouse
``ocpp`` v16 ``ChargePoint`` (a real station implementation, which also checks every reply
against its 1.6 response schema) answered as OCPP 1.6 says and stored in the tables of 2.0.1
(compared with what the station sent, decoded by the core), transaction ids unique across
reconnects, resends and restarts, nothing acknowledged lost to a kill -9, and the 1.6J error
codes on the wire."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import ocpp.v16
import pytest
from ocpp_meter import ErrorCode16, OcppError, decode_batch, decode_call, error_code_16
from ocpp_meter.loadgen import LoadConfig, run_load
from ocpp_meter.rows import COLUMNS, EVENT_COLUMNS
from ocpp_meter.server import ServeConfig
from ocpp_meter.sessions import session_energy
from serving import Recorded, ServerProcess, as_stored, in_process, kill_mid_sessions, run
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

SUBPROTOCOL: Any = ["ocpp1.6"]
START = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
TX_ROW = COLUMNS.index("transaction_id")
TX_EVENT = EVENT_COLUMNS.index("transaction_id")
CONNECTOR_ROW = COLUMNS.index("connector_id")
CONNECTOR_EVENT = EVENT_COLUMNS.index("connector_id")


def stamp(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def sampled(seed: int, minute: int, context: str = "Sample.Periodic") -> list[dict[str, Any]]:
    """A 1.6 meterValue: the register, power in kW, a phase voltage (1.6 values are text)."""
    energy = 1000 * seed + 250 * minute
    return [
        {
            "timestamp": stamp(seed * 3600 + minute * 60),
            "sampled_value": [
                {"value": f"{energy}", "context": context, "unit": "Wh"},
                {
                    "value": f"{7 + minute / 10:.1f}",
                    "context": context,
                    "measurand": "Power.Active.Import",
                    "unit": "kW",
                },
                {
                    "value": "230.4",
                    "context": context,
                    "measurand": "Voltage",
                    "phase": "L1-N",
                    "unit": "V",
                    "location": "Outlet",
                },
            ],
        }
    ]


async def station_session(
    url: str,
    station_id: str,
    seeds: range,
    acknowledged: list[tuple[str, Any]] | None = None,
    response_timeout: float = 15,
) -> tuple[Recorded, list[tuple[str, Any, Any]]]:
    """Boot, status, then per seed: Authorize, StartTransaction, three MeterValues,
    StopTransaction with transactionData, a heartbeat; the requests and their replies."""
    call = ocpp.v16.call
    answers: list[tuple[str, Any, Any]] = []
    async with connect(f"{url}/ocpp/{station_id}", subprotocols=SUBPROTOCOL) as ws:
        assert ws.subprotocol == "ocpp1.6"
        recorded = Recorded(ws)
        station = ocpp.v16.ChargePoint(station_id, recorded, response_timeout=response_timeout)
        reader = asyncio.ensure_future(station.start())

        async def send(name: str, request: Any) -> Any:
            reply = await station.call(request, suppress=False)
            answers.append((name, request, reply))
            if acknowledged is not None:
                acknowledged.append((recorded.sent[-1], reply))  # one CALL in flight
            return reply

        try:
            await send(
                "BootNotification",
                call.BootNotification(charge_point_model="M16", charge_point_vendor="V"),
            )
            await send(
                "StatusNotification",
                call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
            )
            for seed in seeds:
                tag = f"TAG{seed % 7}"
                await send("Authorize", call.Authorize(id_tag=tag))
                started = await send(
                    "StartTransaction",
                    call.StartTransaction(
                        connector_id=1,
                        id_tag=tag,
                        meter_start=1000 * seed,
                        timestamp=stamp(seed * 3600),
                    ),
                )
                for minute in range(1, 4):
                    await send(
                        "MeterValues",
                        call.MeterValues(
                            connector_id=1,
                            transaction_id=started.transaction_id,
                            meter_value=sampled(seed, minute),
                        ),
                    )
                await send(
                    "StopTransaction",
                    call.StopTransaction(
                        meter_stop=1000 * seed + 1000,
                        timestamp=stamp(seed * 3600 + 300),
                        transaction_id=started.transaction_id,
                        reason="EVDisconnected",
                        id_tag=tag,
                        transaction_data=sampled(seed, 4, "Transaction.End"),
                    ),
                )
                await send("Heartbeat", call.Heartbeat())
        finally:
            reader.cancel()
    return recorded, answers


def stored(db: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()


def expected(
    recorded: Recorded, answers: list[tuple[str, Any, Any]], station_id: str
) -> tuple[list[Any], list[Any]]:
    """The rows and events of the meter frames sent, as the core decodes them, with each
    StartTransaction's rows and event given the id its answer carried, and each
    StopTransaction's the connector of the StartTransaction it names."""
    meter = [f for f in recorded.sent if json.loads(f)[2] in METER_ACTIONS]
    rows, events = as_stored(meter, station_id, "1.6")
    return assigned(recorded.sent, answers, rows, events)


def assignments(
    sent: list[str], answers: list[tuple[str, Any, Any]]
) -> tuple[dict[str, str], dict[str, int | None]]:
    """What the endpoint assigns to the frames ``sent`` (with their ``answers``), by message
    id: to each StartTransaction the id its answer carried, to each StopTransaction the
    connector of the StartTransaction it names."""
    calls = [json.loads(f) for f in sent]
    starts = [c for c in calls if c[2] == "StartTransaction"]
    ids = [str(reply.transaction_id) for name, _, reply in answers if name == "StartTransaction"]
    given = {c[1]: i for c, i in zip(starts, ids)}
    connector_of = {i: c[3]["connectorId"] for c, i in zip(starts, ids)}
    stops = {
        c[1]: connector_of.get(str(c[3]["transactionId"]))
        for c in calls
        if c[2] == "StopTransaction"
    }
    return given, stops


def assigned(
    sent: list[str], answers: list[tuple[str, Any, Any]], rows: list[Any], events: list[Any]
) -> tuple[list[Any], list[Any]]:
    """``rows`` and ``events`` (of the frames ``sent``) with what the endpoint assigns (see
    :func:`assignments`)."""
    given, stops = assignments(sent, answers)
    rows = [
        _with_id(_with_id(r, TX_ROW, given.get(r[1])), CONNECTOR_ROW, stops.get(r[1])) for r in rows
    ]
    events = [
        _with_id(_with_id(e, TX_EVENT, given.get(e[1])), CONNECTOR_EVENT, stops.get(e[1]))
        for e in events
    ]
    return rows, events


METER_ACTIONS = ("MeterValues", "StartTransaction", "StopTransaction")


def _with_id(record: tuple[Any, ...], column: int, given: Any) -> tuple[Any, ...]:
    if given is None:
        return record
    return (*record[:column], given, *record[column + 1 :])


def test_whole_sessions_are_answered_and_stored_in_the_2x_tables(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    with ServerProcess(db, tmp_path / "serve.log") as server:
        recorded, answers = run(station_session(server.url, "MH16", range(3)), limit=120)
    replies: dict[str, list[Any]] = {}
    for name, _, reply in answers:
        replies.setdefault(name, []).append(reply)
    boot = replies["BootNotification"][0]
    assert (boot.status, boot.interval) == ("Accepted", 300)
    for beat in replies["Heartbeat"]:
        datetime.fromisoformat(beat.current_time.replace("Z", "+00:00"))
    assert [r.id_tag_info for r in replies["Authorize"]] == [{"status": "Accepted"}] * 3
    ids = [r.transaction_id for r in replies["StartTransaction"]]
    assert len(set(ids)) == 3 and all(isinstance(i, int) and i > 0 for i in ids)
    assert all(r.id_tag_info == {"status": "Accepted"} for r in replies["StartTransaction"])
    assert all(r.id_tag_info == {"status": "Accepted"} for r in replies["StopTransaction"])
    assert len(replies["MeterValues"]) == 9

    rows, events = expected(recorded, answers, "MH16")
    assert stored(db, "sampled_values") == rows
    assert stored(db, "transaction_events") == events
    # A session reads as a CSMS bills it: meterStart, the readings, meterStop, one id.
    first = [r for r in rows if r[TX_ROW] == str(ids[0])]
    assert [r[COLUMNS.index("context")] for r in (first[0], first[-1])] == [
        "Transaction.Begin",
        "Transaction.End",
    ]
    assert [r[COLUMNS.index("value")] for r in (first[0], first[-1])] == [0.0, 1000.0]
    assert len(first) == 1 + 9 + 3 + 1
    # A StopTransaction names no connector: its rows get the one of the transaction's start.
    connectors = {(r[2], r[CONNECTOR_ROW]) for r in rows}
    assert connectors == {("MeterValues", 1), ("StartTransaction", 1), ("StopTransaction", 1)}
    assert {r[COLUMNS.index("evse_id")] for r in rows} == {None}
    kw = next(r for r in first if r[COLUMNS.index("unit")] == "kW")
    assert kw[COLUMNS.index("normalized_unit")] == "W" and kw[COLUMNS.index("value")] == 7.1
    assert [(e[TX_EVENT], e[EVENT_COLUMNS.index("event_type")]) for e in events] == [
        (str(i), kind) for i in ids for kind in ("Started", "Ended")
    ]
    ended = events[1]
    assert ended[EVENT_COLUMNS.index("stopped_reason")] == "EVDisconnected"
    assert ended[EVENT_COLUMNS.index("id_token")] == "TAG0"
    assert ended[EVENT_COLUMNS.index("meter_value_count")] == 4
    assert [e[CONNECTOR_EVENT] for e in events] == [1] * 6
    sessions_of_the_store_are_billed_meter_stop_minus_meter_start(db, "MH16", ids)


def sessions_of_the_store_are_billed_meter_stop_minus_meter_start(
    db: Path, station_id: str, ids: list[int]
) -> None:
    """Each session of ``station_session`` (seed ``s``: meterStart ``1000 s`` Wh, three
    readings, transactionData, meterStop ``1000 s + 1000``), from the stored rows through
    :func:`session_energy` and from the store's ``session_energy`` view alike: 1.6 has no
    seqNo and the station's message ids are random, so only time order gets this right."""
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        rows = [dict(r) for r in connection.execute("SELECT * FROM sampled_values")]
        events = [dict(r) for r in connection.execute("SELECT * FROM transaction_events")]
        viewed = connection.execute(
            "SELECT transaction_id, start_register_wh, end_register_wh, energy_wh, readings, "
            "not_ended, register_decreased, out_of_order, start_time, end_time "
            "FROM session_energy WHERE station_id = ? ORDER BY start_time",
            (station_id,),
        ).fetchall()
    assert {r["seq_no"] for r in rows} == {None}
    computed = [s for s in session_energy(rows, events) if s.station_id == station_id]
    computed.sort(key=lambda s: s.start_time or START)
    want = [
        (str(i), 1000.0 * seed, 1000.0 * seed + 1000, 1000.0, 6, False, False, False)
        for seed, i in enumerate(ids)
    ]
    summaries = [
        (s.transaction_id, s.start_register_wh, s.end_register_wh, s.energy_wh, s.readings)
        + (s.not_ended, s.register_decreased, s.out_of_order)
        for s in computed
    ]
    assert summaries == want
    assert [s.start_time for s in computed] == [START + timedelta(hours=n) for n in range(3)]
    assert [(*tuple(v)[:5], *(bool(f) for f in tuple(v)[5:8])) for v in viewed] == want
    assert [(v["start_time"], v["end_time"]) for v in viewed] == [
        (
            (START + timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            (START + timedelta(hours=n, minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
        for n in range(3)
    ]


async def raw(ws: ClientConnection, frame: str) -> Any:
    await ws.send(frame)
    reply = await asyncio.wait_for(ws.recv(), 10)
    assert isinstance(reply, str)
    return json.loads(reply)


def start_frame(message_id: str, seconds: int = 0, tag: str = "T", connector: int = 2) -> str:
    payload = {"connectorId": connector, "idTag": tag, "meterStart": 5, "timestamp": stamp(seconds)}
    return json.dumps([2, message_id, "StartTransaction", payload])


def stop_frame(message_id: str, transaction_id: int) -> str:
    payload = {"meterStop": 9, "timestamp": stamp(60), "transactionId": transaction_id}
    return json.dumps([2, message_id, "StopTransaction", payload])


async def stops_and_their_connectors(url: str) -> int:
    """CS-A starts a transaction on connector 3 and stops it; CS-B sends a StopTransaction
    naming CS-A's transaction, CS-A one naming an id never given. Every frame is acknowledged;
    the id of CS-A's transaction."""
    async with (
        connect(f"{url}/ocpp/CS-A", subprotocols=SUBPROTOCOL) as a,
        connect(f"{url}/ocpp/CS-B", subprotocols=SUBPROTOCOL) as b,
    ):
        started = await raw(a, start_frame("st", connector=3))
        transaction_id = int(started[2]["transactionId"])
        replies = [
            await raw(a, stop_frame("sa", transaction_id)),
            await raw(b, stop_frame("sb", transaction_id)),
            await raw(a, stop_frame("sx", 2**31 - 1)),
        ]
    assert [r[0] for r in [started, *replies]] == [3] * 4
    return transaction_id


STOP_CONNECTORS = {
    ("CS-A", "st", "Started", 3),
    ("CS-A", "sa", "Ended", 3),  # its own transaction: the connector it started on
    ("CS-B", "sb", "Ended", None),  # another station's id: not its connector to claim
    ("CS-A", "sx", "Ended", None),  # an id never given
}
"""(station, message id, event type, connector) of :func:`stops_and_their_connectors`' events."""


def test_transaction_ids_are_unique_across_reconnects_resends_and_restarts(
    tmp_path: Path,
) -> None:
    db = tmp_path / "m.sqlite"

    async def session(frames: list[str]) -> list[Any]:
        async with in_process(ServeConfig(port=0, db=str(db))) as url:
            async with connect(f"{url}/ocpp/CS16", subprotocols=SUBPROTOCOL) as ws:
                first = [await raw(ws, f) for f in frames[:2]]
            async with connect(f"{url}/ocpp/CS16", subprotocols=SUBPROTOCOL) as ws:
                return first + [await raw(ws, f) for f in frames[2:]]

    before = run(session([start_frame("a"), start_frame("b", 60), start_frame("a")]))
    after = run(session([start_frame("c", 120), start_frame("a"), start_frame("a", 180)]))
    ids = [reply[2]["transactionId"] for reply in before + after]
    # A resend (same station, message id and timestamp) gets its id again, after a reconnect
    # and after a restart alike; any other StartTransaction a new one, never one given before.
    assert ids[2] == ids[0] and ids[4] == ids[0]
    assert len({ids[0], ids[1], ids[3], ids[5]}) == 4
    assert ids[3] > ids[1] and ids[5] > ids[3]
    with sqlite3.connect(db) as connection:
        events = connection.execute(
            "SELECT message_id, transaction_id FROM transaction_events ORDER BY rowid"
        ).fetchall()
        assigned = connection.execute(
            "SELECT transaction_id, station_id, message_id, connector_id, id_tag "
            "FROM ocpp16_transactions ORDER BY transaction_id"
        ).fetchall()
    assert [tx for _, tx in events] == [str(i) for i in ids]
    assert assigned == [
        (ids[0], "CS16", "a", 2, "T"),
        (ids[1], "CS16", "b", 2, "T"),
        (ids[3], "CS16", "c", 2, "T"),
        (ids[5], "CS16", "a", 2, "T"),
    ]


def test_the_accept_list_answers_invalid_and_still_assigns_the_id(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    config = ServeConfig(port=0, db=str(db), accepted_id_tokens=frozenset({"GOOD"}))
    stop = json.dumps(
        [2, "s", "StopTransaction", {"meterStop": 9, "timestamp": stamp(60), "transactionId": 1}]
    )

    async def scenario() -> list[Any]:
        async with (
            in_process(config) as url,
            connect(f"{url}/ocpp/CS16", subprotocols=SUBPROTOCOL) as ws,
        ):
            return [
                await raw(ws, json.dumps([2, "a1", "Authorize", {"idTag": "GOOD"}])),
                await raw(ws, json.dumps([2, "a2", "Authorize", {"idTag": "BAD"}])),
                await raw(ws, start_frame("s1", tag="BAD")),
                await raw(ws, stop),
            ]

    good, bad, start, stopped = run(scenario())
    assert good == [3, "a1", {"idTagInfo": {"status": "Accepted"}}]
    assert bad == [3, "a2", {"idTagInfo": {"status": "Invalid"}}]
    assert start[2]["idTagInfo"] == {"status": "Invalid"}
    assert isinstance(start[2]["transactionId"], int)
    assert stopped == [3, "s", {}]  # no idTag: no idTagInfo
    assert len(stored(db, "transaction_events")) == 2


def test_stop_transactions_get_the_connector_of_their_start(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"

    async def scenario() -> int:
        async with in_process(ServeConfig(port=0, db=str(db))) as url:
            return await stops_and_their_connectors(url)

    transaction_id = run(scenario())
    with sqlite3.connect(db) as connection:
        events = connection.execute(
            "SELECT station_id, message_id, event_type, connector_id, transaction_id"
            " FROM transaction_events"
        ).fetchall()
        rows = connection.execute(
            "SELECT message_id, connector_id, context FROM sampled_values ORDER BY rowid"
        ).fetchall()
    assert {e[:4] for e in events} == STOP_CONNECTORS
    assert {e[4] for e in events if e[1] in ("st", "sa", "sb")} == {str(transaction_id)}
    # The rows (meterStart, meterStop) carry the same connector as their event.
    assert rows == [
        ("st", 3, "Transaction.Begin"),
        ("sa", 3, "Transaction.End"),
        ("sb", None, "Transaction.End"),
        ("sx", None, "Transaction.End"),
    ]


# Each fault twice: in a schema action (answered by the station services) and in MeterValues
# (answered by the core's 1.6 decoder); both must carry the same 1.6J code.
MV = '{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[%s]}]}'
FAULTS = [
    (
        "FormationViolation",
        '[2,"f","Authorize",{"idTag":"A","x":1}]',
        '[2,"f","MeterValues",%s]' % (MV % '{"value":"1","x":1}'),
    ),
    (
        "OccurenceConstraintViolation",
        '[2,"f","Authorize",{}]',
        '[2,"f","MeterValues",{"connectorId":1}]',
    ),
    (
        "TypeConstraintViolation",
        '[2,"f","Authorize",{"idTag":5}]',
        '[2,"f","MeterValues",{"connectorId":"1","meterValue":[]}]',
    ),
    (
        "PropertyConstraintViolation",
        '[2,"f","StatusNotification",{"connectorId":1,"errorCode":"Nope","status":"Available"}]',
        '[2,"f","MeterValues",%s]' % (MV % '{"value":"1","unit":"Parsec"}'),
    ),
    ("ProtocolError", '[2,"f","Heartbeat",{},1]', '[2,"f","MeterValues",{},1]'),
    ("FormationViolation", '[2,"f","Heartbeat",[]]', '[2,"f","MeterValues",[]]'),
]


@pytest.mark.parametrize(("code", "service", "meter"), FAULTS)
def test_errors_carry_the_16_codes_of_the_core(
    tmp_path: Path, code: str, service: str, meter: str
) -> None:
    core = decode_batch([meter.encode()], "CS", dialect="1.6").replies[0]
    assert core is not None and json.loads(core)[2] == code
    db = tmp_path / "m.sqlite"

    async def scenario() -> list[Any]:
        async with (
            in_process(ServeConfig(port=0, db=str(db))) as url,
            connect(f"{url}/ocpp/CS16", subprotocols=SUBPROTOCOL) as ws,
        ):
            return [await raw(ws, service), await raw(ws, meter)]

    replies = run(scenario())
    assert [reply[:3] for reply in replies] == [[4, "f", code]] * 2
    assert stored(db, "sampled_values") == []


# The same fault in a 2.0.1 frame and in a 1.6 one: error_code_16 of the 2.0.1 error (its code
# and fault type) is the code the core's 1.6 decoder gives, so an error the endpoint raises with
# a 2.0.1 code goes out on a 1.6 connection as 1.6 would have it.
MV20 = '{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[%s]}]}'
SAME_FAULTS = [
    ("FormationViolation", '[2,"f","MeterValues",{"x":1}]', '[2,"f","MeterValues",{"x":1}]'),
    (
        "OccurenceConstraintViolation",
        '[2,"f","MeterValues",{"meterValue":[]}]',
        '[2,"f","MeterValues",{"meterValue":[]}]',
    ),
    (
        "TypeConstraintViolation",
        '[2,"f","MeterValues",{"evseId":"1"}]',
        '[2,"f","MeterValues",{"connectorId":"1"}]',
    ),
    (
        "PropertyConstraintViolation",
        '[2,"f","MeterValues",%s]' % (MV20 % '{"value":1,"measurand":"Parsec"}'),
        '[2,"f","MeterValues",%s]' % (MV % '{"value":"1","measurand":"Parsec"}'),
    ),
    ("ProtocolError", '[2,"f","MeterValues",{},1]', '[2,"f","MeterValues",{},1]'),
    ("FormationViolation", '[2,"f","MeterValues",[]]', '[2,"f","MeterValues",[]]'),
    ("FormationViolation", '[2,"f",', '[2,"f",'),
    ("FormationViolation", '[7,"f","MeterValues",{}]', '[7,"f","MeterValues",{}]'),
    ("NotImplemented", '[2,"f","DataTransfer",{}]', '[2,"f","DataTransfer",{}]'),
]


@pytest.mark.parametrize(("code", "frame20", "frame16"), SAME_FAULTS)
def test_error_code_16_maps_a_201_error_as_the_core_decodes_16(
    code: str, frame20: str, frame16: str
) -> None:
    with pytest.raises(OcppError) as v201:
        decode_call(frame20)
    with pytest.raises(OcppError) as v16:
        decode_call(frame16, dialect="1.6")
    fault_type = v201.value.details.get("type")
    assert fault_type == v16.value.details.get("type")
    assert v16.value.code is ErrorCode16(code)
    assert error_code_16(v201.value.code, fault_type) is ErrorCode16(code)
    # By its code alone, and read as its wire string, the same when the fault type changes
    # nothing (an unknown property is ProtocolError in 2.0.1 and FormationViolation in 1.6).
    if fault_type not in ("unknown_property", "wrong_arity"):
        assert error_code_16(v201.value.code.value) is ErrorCode16(code)


class RefusingSink:
    """A sink whose store refuses every frame with a description longer than a CALLERROR's."""

    def __init__(self, description: str) -> None:
        self.description = description

    async def store(self, station_id: str, message_id: str, action: str, request: Any) -> None:
        raise OcppError(ErrorCode16.INTERNAL_ERROR, self.description)


def test_long_descriptions_give_16_callerrors_cut_to_255_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sink's refusal and a service frame's fault with descriptions over the 255 characters
    of a CALLERROR's ``errorDescription``: each answered with its 1.6 CALLERROR, cut."""
    import ocpp_meter.station_services
    from ocpp_meter.central_system16 import CentralSystem16
    from ocpp_meter.station_services import StationServices
    from ocpp_meter.transaction_ids import TransactionIds

    long = "refused: " + "x" * 400
    services = StationServices()
    central = CentralSystem16(
        RefusingSink(long),  # type: ignore[arg-type]
        services,
        TransactionIds(str(tmp_path / "ids.sqlite")),
    )
    meter = '[2,"m","MeterValues",%s]' % (MV % '{"value":"1"}')
    try:
        stored_reply = json.loads(run(central.handle("CS", meter)) or b"")
    finally:
        run(central.transaction_ids.aclose())
    assert stored_reply == [4, "m", "InternalError", long[:255], {}]

    def refuse(frame: Any, dialect: str) -> Any:
        raise OcppError(ErrorCode16.GENERIC_ERROR, long, message_id="b")

    monkeypatch.setattr(ocpp_meter.station_services, "decode_schema_call", refuse)
    boot = '[2,"b","BootNotification",{"chargePointVendor":"v","chargePointModel":"m"}]'
    service_reply = json.loads(services.answer("CS", boot.encode(), "1.6") or b"")
    assert service_reply[:4] == [4, "b", "GenericError", long[:255]]


def test_error_code_16_keeps_16_codes_and_refuses_others() -> None:
    for member in ErrorCode16:
        assert error_code_16(member) is member
        assert error_code_16(member.value) is member
    with pytest.raises(OcppError) as unknown:
        error_code_16("NoSuchCode")
    assert (unknown.value.code.value, unknown.value.path) == (
        "PropertyConstraintViolation",
        "/code",
    )
    with pytest.raises(OcppError) as wrong:
        error_code_16("GenericError", 5)  # type: ignore[arg-type]
    assert wrong.value.path == "/fault_type"


def test_other_actions_and_broken_frames_keep_the_connection(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"

    async def scenario() -> list[Any]:
        async with (
            in_process(ServeConfig(port=0, db=str(db))) as url,
            connect(f"{url}/ocpp/CS16", subprotocols=SUBPROTOCOL) as ws,
        ):
            replies = [
                await raw(ws, '[2,"d","DataTransfer",{"vendorId":"V"}]'),
                await raw(ws, "not json"),
            ]
            await ws.send('[3,"x",{}]')  # a CALLRESULT: no reply
            await ws.send(b'[2,"bin","Heartbeat",{}]')  # binary: OCPP-J frames are text
            replies.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            replies.append(await raw(ws, '[2,"h","Heartbeat",{}]'))
            return replies

    transfer, broken, binary, beat = run(scenario())
    assert transfer[:3] == [4, "d", "NotImplemented"]
    assert binary[:3] == [4, "bin", "FormationViolation"]
    assert broken[:3] == [4, "-1", "FormationViolation"]
    assert beat[:2] == [3, "h"] and set(beat[2]) == {"currentTime"}


def test_the_16_subprotocol_is_negotiated_and_narrowed(tmp_path: Path) -> None:
    async def scenario() -> tuple[Any, Any]:
        first = ServeConfig(port=0, db=str(tmp_path / "a.sqlite"))
        async with (
            in_process(first) as url,
            connect(f"{url}/ocpp/A", subprotocols=[*SUBPROTOCOL, "ocpp2.0.1"]) as ws,
        ):
            chosen = ws.subprotocol
        narrowed = ServeConfig(port=0, db=str(tmp_path / "b.sqlite"), dialects=("2.0.1",))
        async with in_process(narrowed) as url:
            with pytest.raises(InvalidStatus) as refused:
                async with connect(f"{url}/ocpp/B", subprotocols=SUBPROTOCOL):
                    pass
        return chosen, refused.value.response.status_code

    assert run(scenario()) == ("ocpp1.6", 400)
    # Every store assigns 1.6 transaction ids: SQLite, PostgreSQL and the broker.
    for config in (
        ServeConfig(),
        ServeConfig(db="postgresql://x/y"),
        ServeConfig(broker="nats://127.0.0.1:4222"),
    ):
        assert config.served_dialects() == ("2.0.1", "2.1", "1.6")
        config.check()


def test_a_kill_mid_session_loses_nothing_acknowledged(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    process = ServerProcess(db, tmp_path / "serve.log")
    acknowledged: list[tuple[str, Any]] = []

    async def one(number: int) -> None:
        seeds = range(number * 100, number * 100 + 50)
        await station_session(process.url, f"K{number}", seeds, acknowledged)

    try:
        kill_mid_sessions(process, one, acknowledged)
        _, after = run(station_session(process.url, "K9", range(900, 901)), limit=60)
    finally:
        process.kill()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = dict(
            connection.execute(
                "SELECT message_id, count(*) FROM sampled_values GROUP BY message_id"
            ).fetchall()
        )
        events = dict(
            connection.execute(
                "SELECT message_id, transaction_id FROM transaction_events"
            ).fetchall()
        )
    meter = [(f, r) for f, r in acknowledged if json.loads(f)[2] in METER_ACTIONS]
    starts = [(f, r) for f, r in meter if json.loads(f)[2] == "StartTransaction"]
    assert len(acknowledged) >= 80 and len(meter) >= 40 and starts
    for frame, reply in meter:
        message_id = json.loads(frame)[1]
        result = decode_batch([frame], "K", dialect="1.6")
        # Every acknowledged frame has all its rows and its event, exactly once (the station
        # never resent a frame), a StartTransaction's with the id its answer gave.
        assert rows.get(message_id, 0) == result.row_count, frame
        if result.event_count:
            assert message_id in events, frame
    for frame, reply in starts:
        assert events[json.loads(frame)[1]] == str(reply.transaction_id)
    given = {reply.transaction_id for _, reply in starts}
    (restarted,) = [r.transaction_id for n, _, r in after if n == "StartTransaction"]
    assert restarted not in given and restarted > max(given)


def test_loadgen_sends_16_meter_values_on_ocpp16(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    config = ServeConfig(port=0, db=str(db), synchronous="normal")

    async def scenario() -> Any:
        async with in_process(config) as url:
            load = LoadConfig(
                url=f"{url}/ocpp", stations=2, seconds=5, max_frames=6, subprotocol="ocpp1.6"
            )
            return await run_load(load)

    report = run(scenario())
    assert (report.connected, report.sent, report.acknowledged, report.errors) == (2, 6, 6, 0)
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT connector_id, evse_id, value, measurand, unit, normalized_unit "
            "FROM sampled_values ORDER BY rowid"
        ).fetchall()
    assert len(rows) == 6 * 12
    assert rows[:2] == [
        (1, None, 1000.0, "Energy.Active.Import.Register", "Wh", "Wh"),
        (1, None, 1000.25, "Power.Active.Import", "kW", "W"),
    ]
    with pytest.raises(ValueError, match="meter-values only"):
        run(run_load(LoadConfig(subprotocol="ocpp1.6", scenario="sessions")))
