"""BootNotification, Heartbeat, StatusNotification and Authorize: the core's schema-driven
validation against the ``jsonschema`` oracle on the same official files (valid payloads
generated from the schema, broken ones by one mutation each), and the endpoint's replies, each
validated against its response schema, to raw frames and to the mobilityhouse ``ocpp``
ChargePoint of both dialects.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import jsonschema
import ocpp.v21
import ocpp.v201
import pytest
import strategies as S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ocpp_meter import (
    CallError,
    OcppError,
    decode_message,
    decode_schema_call,
    encode_schema_call_result,
    validate_payload,
)
from ocpp_meter.dispatch import Dispatcher
from ocpp_meter.server import ServeConfig
from ocpp_meter.station_services import SERVICE_ACTIONS, StationServices
from serving import ServerProcess, in_process, run
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "rust" / "schemas"
DIALECT_DIRS = {"2.0.1": "ocpp201", "2.1": "ocpp21"}
SCHEMA_DIRS = {**DIALECT_DIRS, "1.6": "ocpp16"}
CASES = [(action, dialect) for action in SERVICE_ACTIONS for dialect in SCHEMA_DIRS]


def load(action: str, dialect: str, kind: str = "Request") -> dict[str, Any]:
    # The 1.6 files name a request by its action alone (Authorize.json, AuthorizeResponse.json).
    name = f"{action}.json" if dialect == "1.6" and kind == "Request" else f"{action}{kind}.json"
    path = SCHEMA_DIR / SCHEMA_DIRS[dialect] / name
    return json.loads(path.read_text(encoding="utf-8-sig"))


def oracle(action: str, dialect: str, kind: str = "Request") -> jsonschema.Validator:
    # 1.6's schemas are draft-04 (where 1.0 is no integer), 2.x's draft-06.
    validator = jsonschema.Draft4Validator if dialect == "1.6" else jsonschema.Draft6Validator
    return validator(load(action, dialect, kind), format_checker=S.FORMAT_CHECKER)


# Instances from the schema.


def values(node: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Valid values of a schema node (every keyword the core compiles is honoured)."""
    node = S.resolve(node, defs)
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        required = set(node.get("required", []))
        fixed = st.fixed_dictionaries(
            {k: values(v, defs) for k, v in props.items() if k in required},
            optional={k: values(v, defs) for k, v in props.items() if k not in required},
        )
        if node.get("additionalProperties", True) is False:
            return fixed
        # An open object (customData): vendor properties beside the schema's.
        extra = st.dictionaries(st.sampled_from(["a", "vendorX", "n"]), S.json_values, max_size=2)
        return st.tuples(fixed, extra).map(lambda t: {**t[1], **t[0]})
    if kind == "array":
        low = node.get("minItems", 0)
        return st.lists(values(node["items"], defs), min_size=low, max_size=node.get("maxItems", 3))
    if kind == "string":
        if "enum" in node:
            return st.sampled_from(node["enum"])
        if node.get("format") == "date-time":
            return S.timestamps()
        top = node.get("maxLength", 30)
        return st.one_of(S.texts(max_size=min(top, 12)), S.text_of_length(top))
    if kind == "integer":
        return st.integers(int(node.get("minimum", -(2**31))), 2**31)
    if kind == "number":
        return st.floats(node.get("minimum", -1e9), 1e9, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    raise AssertionError(f"no generator for {node}")


def payloads(action: str, dialect: str) -> st.SearchStrategy[dict[str, Any]]:
    schema = load(action, dialect)
    return values(schema, schema.get("definitions", {}))


def sites(
    value: Any, node: dict[str, Any], defs: dict[str, Any], at: tuple[Any, ...] = ()
) -> list[Any]:
    """Every (path, schema node) of a valid instance."""
    node = S.resolve(node, defs)
    out = [(at, node)]
    if isinstance(value, dict):
        for k, v in value.items():
            if k in node.get("properties", {}):
                out += sites(v, node["properties"][k], defs, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += sites(v, node["items"], defs, (*at, i))
    return out


def mutations(node: dict[str, Any], value: Any) -> list[tuple[str, Any]]:
    """(kind, broken value or marker) that break one schema keyword at a site."""
    kind = node.get("type")
    wrong = {
        "object": [1, []],
        "array": [{}, "x"],
        "string": [1, None],
        "integer": ["1", 1.5],
        "number": ["1", True],
        "boolean": [0, "true"],
    }[kind]
    out: list[tuple[str, Any]] = [("type", w) for w in wrong]
    if kind == "object":
        if node.get("additionalProperties", True) is False:
            out.append(("additionalProperties", {**value, "zzUnknown": 1}))
        for name in node.get("required", []):
            out.append(("required", {k: v for k, v in value.items() if k != name}))
    if kind == "string":
        if "enum" in node:
            out.append(("enum", "NotAValue"))
        if "maxLength" in node and "enum" not in node:
            out.append(("maxLength", "é" * (node["maxLength"] + 1)))
        if node.get("format") == "date-time":
            out.append(("format", "2024-13-01T00:00:00Z"))
    if kind in ("integer", "number") and "minimum" in node:
        out.append(("minimum", int(node["minimum"]) - 1))
    if kind == "array":
        if node.get("minItems", 0) >= 1:
            out.append(("minItems", []))
        if "maxItems" in node and value:
            out.append(("maxItems", [value[0]] * (node["maxItems"] + 1)))
    return out


def put(doc: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[path[0]] = put(doc[path[0]], path[1:], new)
    return copy


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("action", "dialect"), CASES)
@SETTINGS
@given(data=st.data())
def test_valid_payloads_agree_with_the_oracle(action: str, dialect: str, data: Any) -> None:
    payload = data.draw(payloads(action, dialect))
    assert not list(oracle(action, dialect).iter_errors(payload))  # the generator is right
    text = json.dumps(payload, ensure_ascii=data.draw(st.booleans()))
    assert validate_payload(action, text, dialect=dialect) == payload
    frame = json.dumps([2, "v-1", action, payload])
    assert decode_schema_call(frame.encode(), dialect=dialect) == ("v-1", action, payload)


@pytest.mark.parametrize(("action", "dialect"), CASES)
@SETTINGS
@given(data=st.data())
def test_broken_payloads_agree_with_the_oracle(action: str, dialect: str, data: Any) -> None:
    schema = load(action, dialect)
    payload = data.draw(payloads(action, dialect))
    candidates = [
        (path, keyword, broken)
        for path, node in sites(payload, schema, schema.get("definitions", {}))
        for keyword, broken in mutations(node, _get(payload, path))
        # A payload that is not an object is a FormatViolation by the contract, not a type fault.
        if path or keyword != "type"
    ]
    path, keyword, broken = data.draw(st.sampled_from(candidates))
    instance = put(payload, path, broken)
    errors = list(oracle(action, dialect).iter_errors(instance))
    assert errors, (keyword, path)
    expected = S.oracle_expectations(
        errors, S.KEYWORD_CODE_16 if dialect == "1.6" else S.KEYWORD_CODE
    )
    with pytest.raises(OcppError) as caught:
        validate_payload(action, json.dumps(instance), dialect=dialect)
    got = (caught.value.path, caught.value.code.value)
    assert got in expected, (keyword, path, instance)
    # The same fault through the frame, with the frame's message id.
    with pytest.raises(OcppError) as in_frame:
        decode_schema_call(json.dumps([2, "b-1", action, instance]), dialect=dialect)
    assert (in_frame.value.path, in_frame.value.code.value, in_frame.value.message_id) == (
        *got,
        "b-1",
    )


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for token in path:
        doc = doc[token]
    return doc


def test_the_first_fault_in_document_order_and_json_faults_first() -> None:
    boot = '{"chargingStation":{"model":"M","vendorName":"V"},"reason":"PowerUp"}'
    faults = [
        # An unknown property read before a missing one is found (at the object's end).
        ('{"extra":1,"reason":"PowerUp"}', "ProtocolError", "/extra"),
        ('{"reason":"PowerUp","extra":1}', "ProtocolError", "/extra"),
        ('{"reason":"Boom","chargingStation":{}}', "PropertyConstraintViolation", "/reason"),
        ('{"reason":"PowerUp","reason":"PowerUp"}', "PropertyConstraintViolation", "/reason"),
        # A syntax fault wins over an earlier validation fault.
        ('{"reason":"Boom","chargingStation":{}', "FormatViolation", ""),
        ("[]", "FormatViolation", ""),
        (boot.replace('"M"', "1e400"), "TypeConstraintViolation", "/chargingStation/model"),
    ]
    for text, code, path in faults:
        with pytest.raises(OcppError) as caught:
            validate_payload("BootNotification", text)
        assert (caught.value.code.value, caught.value.path) == (code, path), text
    assert validate_payload("BootNotification", boot.encode())["reason"] == "PowerUp"
    with pytest.raises(ValueError, match="action must be one of"):
        validate_payload("MeterValues", "{}")  # type: ignore[arg-type]


def test_frame_envelopes_follow_the_table() -> None:
    table = [
        ("nope", "RpcFrameworkError", "-1"),
        ('[2,"e1","DataTransfer",{}]', "NotImplemented", "e1"),
        ('[2,"e2","Heartbeat",{},1]', "RpcFrameworkError", "e2"),
        ('[2,"e3","Heartbeat",[]]', "FormatViolation", "e3"),
        ('[9,"e4","Heartbeat",{}]', "MessageTypeNotSupported", "e4"),
        ('[2,"e5","Heartbeat",{}', "FormatViolation", "e5"),
        ('[3,"e6",{}]', "RpcFrameworkError", "e6"),
    ]
    for frame, code, message_id in table:
        with pytest.raises(OcppError) as caught:
            decode_schema_call(frame)
        assert (caught.value.code.value, caught.value.message_id) == (code, message_id), frame


# Replies.


def reply_of(frame: bytes | None) -> dict[str, Any]:
    assert frame is not None
    message = json.loads(frame)
    assert message[0] == 3, message
    return message[2]


REQUESTS = {
    "BootNotification": {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"},
    "Heartbeat": {},
    "StatusNotification": {
        "timestamp": "2024-05-01T12:00:00Z",
        "connectorStatus": "Occupied",
        "evseId": 1,
        "connectorId": 1,
    },
    "Authorize": {"idToken": {"idToken": "TOKEN-1", "type": "ISO14443"}},
}


@pytest.mark.parametrize("dialect", list(DIALECT_DIRS))
def test_every_reply_is_valid_against_its_response_schema(dialect: str) -> None:
    services = StationServices(heartbeat_interval=42)
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    for action, request in REQUESTS.items():
        frame = json.dumps([2, f"id-{action}", action, request])
        raw = services.answer("CS", frame, dialect)  # type: ignore[arg-type]
        reply = reply_of(raw)
        assert json.loads(raw or b"")[1] == f"id-{action}"
        assert not list(oracle(action, dialect, "Response").iter_errors(reply)), reply
        assert raw is not None
        payload_text = raw[raw.index(b"{") : -1]
        assert validate_payload(action, payload_text, dialect=dialect, response=True) == reply  # type: ignore[arg-type]
        if "currentTime" in reply:
            sent = dt.datetime.fromisoformat(reply["currentTime"].replace("Z", "+00:00"))
            assert before <= sent <= dt.datetime.now(dt.timezone.utc)
    boot = reply_of(
        services.answer(
            "CS", json.dumps([2, "b", "BootNotification", REQUESTS["BootNotification"]]), dialect
        )
    )  # type: ignore[arg-type]
    assert (boot["status"], boot["interval"]) == ("Accepted", 42)
    assert (
        reply_of(
            services.answer(
                "CS",
                '[2,"s","StatusNotification",' + json.dumps(REQUESTS["StatusNotification"]) + "]",
                dialect,
            )
        )
        == {}
    )  # type: ignore[arg-type]


def test_the_authorize_policy_accepts_all_or_the_list() -> None:
    def status(services: StationServices, token: str) -> str:
        frame = json.dumps(
            [2, "a", "Authorize", {"idToken": {"idToken": token, "type": "Central"}}]
        )
        return str(reply_of(services.answer("CS", frame, "2.0.1"))["idTokenInfo"]["status"])

    assert status(StationServices(), "anyone") == "Accepted"
    listed = StationServices.with_tokens(["TOKEN-1", "TOKEN-2"])
    assert [status(listed, t) for t in ("TOKEN-1", "TOKEN-2", "TOKEN-3")] == [
        "Accepted",
        "Accepted",
        "Unknown",
    ]
    with pytest.raises(ValueError, match="heartbeat interval"):
        StationServices(heartbeat_interval=0)


def test_a_reply_the_response_schema_forbids_is_never_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(OcppError) as caught:
        encode_schema_call_result("m", "Heartbeat", {"currentTime": "yesterday"})
    assert (caught.value.code.value, caught.value.path) == (
        "PropertyConstraintViolation",
        "/currentTime",
    )
    with pytest.raises(OcppError) as caught:
        encode_schema_call_result("m", "BootNotification", {"status": "Accepted"})
    assert caught.value.code.value == "OccurrenceConstraintViolation"

    class Broken(StationServices):
        def heartbeat(self, charging_station_id: str, request: dict[str, Any]) -> dict[str, Any]:
            return {"currentTime": "not a time"}

    with caplog.at_level(logging.ERROR, "ocpp_meter.station_services"):
        raw = Broken().answer("CS", '[2,"hb","Heartbeat",{}]', "2.0.1")
    error = decode_message(raw or b"")
    assert isinstance(error, CallError) and error.code.value == "InternalError"
    assert error.message_id == "hb" and "not a time" not in (raw or b"").decode()
    assert any("invalid" in r.getMessage() for r in caplog.records)


REQUESTS_16 = {
    "BootNotification": {"chargePointVendor": "V", "chargePointModel": "M"},
    "Heartbeat": {},
    "StatusNotification": {"connectorId": 1, "errorCode": "NoError", "status": "Charging"},
    "Authorize": {"idTag": "TAG-1"},
}


def test_every_16_reply_is_valid_against_its_16_response_schema() -> None:
    services = StationServices(heartbeat_interval=42, accepted_id_tokens=frozenset({"TAG-1"}))
    for action, request in REQUESTS_16.items():
        raw = services.answer("CS", json.dumps([2, f"id-{action}", action, request]), "1.6")
        reply = reply_of(raw)
        assert not list(oracle(action, "1.6", "Response").iter_errors(reply)), reply
        assert raw is not None
        payload = raw[raw.index(b"{") : -1]
        assert validate_payload(action, payload, dialect="1.6", response=True) == reply
    boot = reply_of(services.answer("CS", json.dumps([2, "b", "BootNotification", {
        "chargePointVendor": "V", "chargePointModel": "M"}]), "1.6"))  # fmt: skip
    assert (boot["status"], boot["interval"]) == ("Accepted", 42)
    # 1.6 has no Unknown: a tag off the accept list is Invalid.
    other = reply_of(services.answer("CS", '[2,"a","Authorize",{"idTag":"X"}]', "1.6"))
    assert other == {"idTagInfo": {"status": "Invalid"}}
    assert not list(oracle("Authorize", "1.6", "Response").iter_errors(other))
    # A 2.0.1 request on a 1.6 connection: the 1.6 schema's fault, in 1.6J spelling.
    wrong = services.answer("CS", json.dumps([2, "w", "Authorize", REQUESTS["Authorize"]]), "1.6")
    assert json.loads(wrong or b"")[:3] == [4, "w", "FormationViolation"]


def test_the_dispatcher_answers_them_only_with_services() -> None:
    frame = b'[2,"hb","Heartbeat",{}]'
    plain = decode_message(Dispatcher().dispatch("CS", frame) or b"")
    assert isinstance(plain, CallError) and plain.code.value == "NotImplemented"
    served = json.loads(Dispatcher(services=StationServices()).dispatch("CS", frame) or b"")
    assert served[:2] == [3, "hb"] and set(served[2]) == {"currentTime"}
    # A dialect without these schemas is left to the table.
    assert StationServices().answer("CS", frame, "1.5") is None  # type: ignore[arg-type]
    other = Dispatcher(services=StationServices()).dispatch("CS", b'[2,"d","DataTransfer",{}]')
    other_error = decode_message(other or b"")
    assert isinstance(other_error, CallError) and other_error.code.value == "NotImplemented"


# The endpoint with the mobilityhouse ChargePoint as the station.


@pytest.mark.parametrize(
    ("module", "subprotocol"), [(ocpp.v201, "ocpp2.0.1"), (ocpp.v21, "ocpp2.1")]
)
def test_an_ocpp_charge_point_boots_beats_reports_and_authorizes(
    tmp_path: Path, module: Any, subprotocol: str
) -> None:
    config = ServeConfig(
        port=0,
        db=str(tmp_path / "m.sqlite"),
        heartbeat_interval=77,
        accepted_id_tokens=frozenset({"GOOD"}),
    )

    async def scenario() -> list[Any]:
        async with (
            in_process(config) as url,
            connect(f"{url}/ocpp/CP-BOOT", subprotocols=[subprotocol]) as ws,  # type: ignore[list-item]
        ):
            station = module.ChargePoint("CP-BOOT", ws, response_timeout=10)
            reader = asyncio.ensure_future(station.start())
            call = module.call
            try:
                return [
                    await station.call(
                        call.BootNotification(
                            charging_station={"model": "Wallbox", "vendor_name": "ACME"},
                            reason="PowerUp",
                        ),
                        suppress=False,
                    ),
                    await station.call(call.Heartbeat(), suppress=False),
                    await station.call(
                        call.StatusNotification(
                            timestamp="2024-05-01T12:00:00Z",
                            connector_status="Available",
                            evse_id=1,
                            connector_id=1,
                        ),
                        suppress=False,
                    ),
                    await station.call(
                        call.Authorize(id_token={"id_token": "GOOD", "type": "ISO14443"}),
                        suppress=False,
                    ),
                    await station.call(
                        call.Authorize(id_token={"id_token": "BAD", "type": "ISO14443"}),
                        suppress=False,
                    ),
                ]
            finally:
                reader.cancel()

    boot, beat, status, good, bad = run(scenario())
    assert (boot.status, boot.interval) == ("Accepted", 77)
    for stamp in (boot.current_time, beat.current_time):
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        assert abs((dt.datetime.now(dt.timezone.utc) - when).total_seconds()) < 30
    assert status == module.call_result.StatusNotification()
    assert good.id_token_info["status"] == "Accepted"
    assert bad.id_token_info["status"] == "Unknown"


def test_serve_options_set_the_interval_and_the_accept_list(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("# accepted cards\nCARD-1\n\n  CARD-2  \n")
    frames = [
        '[2,"b","BootNotification",{"chargingStation":{"model":"M","vendorName":"V"},"reason":"PowerUp"}]',
        '[2,"a1","Authorize",{"idToken":{"idToken":"CARD-2","type":"ISO14443"}}]',
        '[2,"a2","Authorize",{"idToken":{"idToken":"CARD-3","type":"ISO14443"}}]',
        '[2,"a3","Authorize",{"idToken":{"idToken":"EXTRA","type":"ISO14443"}}]',
    ]
    args = ("--heartbeat-interval", "15", "--id-tokens", str(tokens), "--accept-id-token", "EXTRA")
    with ServerProcess(tmp_path / "m.sqlite", tmp_path / "serve.log", *args) as server:

        async def scenario() -> list[dict[str, Any]]:
            async with connect(f"{server.url}/ocpp/CS-CLI", subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
                out = []
                for frame in frames:
                    await ws.send(frame)
                    out.append(json.loads(await asyncio.wait_for(ws.recv(), 10))[2])
                return out

        boot, *auth = run(scenario())
    assert (boot["status"], boot["interval"]) == ("Accepted", 15)
    assert [a["idTokenInfo"]["status"] for a in auth] == ["Accepted", "Unknown", "Accepted"]


# Connections of one station, sizes.


def test_a_station_that_connects_again_replaces_its_open_connection(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"))
    heartbeat = '[2,"hb-{}","Heartbeat",{{}}]'

    async def scenario() -> tuple[int | None, str | None, Any, Any, Any]:
        async with in_process(config) as url:
            async with connect(f"{url}/ocpp/CS-TWICE", subprotocols=["ocpp2.0.1"]) as old:  # type: ignore[list-item]
                await old.send(heartbeat.format("old"))
                before = json.loads(await asyncio.wait_for(old.recv(), 10))
                async with connect(f"{url}/ocpp/CS-TWICE", subprotocols=["ocpp2.0.1"]) as new:  # type: ignore[list-item]
                    with pytest.raises(ConnectionClosed):
                        await asyncio.wait_for(old.recv(), 10)
                    await new.send(heartbeat.format("new"))
                    after = json.loads(await asyncio.wait_for(new.recv(), 10))
                    # Another station's connection is left alone.
                    async with connect(f"{url}/ocpp/CS-OTHER", subprotocols=["ocpp2.0.1"]) as other:  # type: ignore[list-item]
                        await other.send(heartbeat.format("other"))
                        third = json.loads(await asyncio.wait_for(other.recv(), 10))
                        await new.send(heartbeat.format("new-2"))
                        await asyncio.wait_for(new.recv(), 10)
                    code = old.close_code
                    reason = old.close_reason
            return code, reason, before, after, third

    with caplog.at_level(logging.INFO, "ocpp_meter.server"):
        code, reason, before, after, third = run(scenario())
    assert (code, reason) == (1000, "replaced by a new connection")
    assert [m[:2] for m in (before, after, third)] == [
        [3, "hb-old"],
        [3, "hb-new"],
        [3, "hb-other"],
    ]
    replaced = [r for r in caplog.records if "connected again" in r.getMessage()]
    assert len(replaced) == 1 and replaced[0].levelno == logging.WARNING
    assert "'CS-TWICE'" in replaced[0].getMessage()


def test_frames_over_the_limit_get_their_callerror_up_to_the_transport_limit(
    tmp_path: Path,
) -> None:
    config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"), max_frame_bytes=4096)
    assert config.transport_limit == 5120
    over = '[2,"too-big","Heartbeat",{"pad":"' + "x" * 4400 + '"}]'
    beyond = '[2,"way-too-big","Heartbeat",{"pad":"' + "x" * 5200 + '"}]'
    assert 4096 < len(over) <= 5120 < len(beyond)

    async def scenario() -> tuple[Any, Any, int | None]:
        async with (
            in_process(config) as url,
            connect(f"{url}/ocpp/CS-BIG", subprotocols=["ocpp2.0.1"], max_size=None) as ws,
        ):  # type: ignore[list-item]
            await ws.send(over)
            refused = decode_message(await asyncio.wait_for(ws.recv(), 10))
            await ws.send('[2,"after","Heartbeat",{}]')
            after = json.loads(await asyncio.wait_for(ws.recv(), 10))
            await ws.send(beyond)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            return refused, after, ws.close_code

    refused, after, code = run(scenario())
    assert isinstance(refused, CallError)
    assert (refused.code.value, refused.message_id, refused.details["type"]) == (
        "FormatViolation",
        "too-big",
        "too_large",
    )
    assert after[:2] == [3, "after"]
    assert code == 1009
    with pytest.raises(ValueError, match="max-message-bytes"):
        ServeConfig(max_frame_bytes=4096, max_message_bytes=1000).check()
