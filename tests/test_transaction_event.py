"""TransactionEventRequest: typed objects, and a differential test against the official schemas
of both dialects: every single-fault mutation of a payload that uses every property of the
dialect's schema (``FULL`` for OCPP 2.0.1, ``FULL_21`` for 2.1), judged by jsonschema (draft-06,
strict RFC 3339) on that schema and by us in that dialect, must be rejected by both, with our
code and path among the oracle's."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import jsonschema
import pytest
import strategies as S
from ocpp_meter import (
    AdditionalInfo,
    ChargingState,
    Evse,
    IdToken,
    IdTokenType,
    Measurand,
    MeterValue,
    OcppError,
    Reason,
    SampledValue,
    Transaction,
    TransactionEventRequest,
    TransactionEventType,
    TriggerReason,
)

SCHEMA = S.load_schema("TransactionEventRequest")
ORACLE = jsonschema.Draft6Validator(SCHEMA, format_checker=S.FORMAT_CHECKER)
SCHEMAS = {"2.0.1": SCHEMA, "2.1": S.load_schema("TransactionEventRequest", "2.1")}
ORACLES = {
    dialect: jsonschema.Draft6Validator(schema, format_checker=S.FORMAT_CHECKER)
    for dialect, schema in SCHEMAS.items()
}
CUSTOM = {"vendorId": "acme", "extra": [1, {"x": None}]}

FULL: dict[str, Any] = {
    "customData": CUSTOM,
    "eventType": "Updated",
    "meterValue": [
        {
            "customData": CUSTOM,
            "sampledValue": [
                {
                    "customData": CUSTOM,
                    "value": 7.25,
                    "context": "Sample.Periodic",
                    "measurand": "Energy.Active.Import.Register",
                    "phase": "L1",
                    "location": "Outlet",
                    "signedMeterValue": {
                        "customData": CUSTOM,
                        "signedMeterData": "ZGF0YQ==",
                        "signingMethod": "ECDSA",
                        "encodingMethod": "OCMF",
                        "publicKey": "a2V5",
                    },
                    "unitOfMeasure": {"customData": CUSTOM, "unit": "kWh", "multiplier": 3},
                }
            ],
            "timestamp": "2024-05-01T12:00:00Z",
        }
    ],
    "timestamp": "2024-05-01T12:00:01+02:00",
    "triggerReason": "MeterValuePeriodic",
    "seqNo": 3,
    "offline": False,
    "numberOfPhasesUsed": 3,
    "cableMaxCurrent": 32,
    "reservationId": 9,
    "transactionInfo": {
        "customData": CUSTOM,
        "transactionId": "tx-1",
        "chargingState": "Charging",
        "timeSpentCharging": 60,
        "stoppedReason": "Local",
        "remoteStartId": 4,
    },
    "evse": {"customData": CUSTOM, "id": 1, "connectorId": 2},
    "idToken": {
        "customData": CUSTOM,
        "additionalInfo": [{"customData": CUSTOM, "additionalIdToken": "x", "type": "y"}],
        "idToken": "04A2B3",
        "type": "ISO14443",
    },
}


PRICE = {
    "customData": CUSTOM,
    "exclTax": 1.0,
    "inclTax": 1.19,
    "taxRates": [{"customData": CUSTOM, "type": "VAT", "tax": 19.0, "stack": 0}],
}
FULL_21: dict[str, Any] = {
    **copy.deepcopy(FULL),
    # Every property the 2.1 schema adds, and values only 2.1 allows.
    "costDetails": {
        "customData": CUSTOM,
        "chargingPeriods": [
            {
                "customData": CUSTOM,
                "dimensions": [{"customData": CUSTOM, "type": "Energy", "volume": 12.5}],
                "tariffId": "tariff-1",
                "startPeriod": "2024-05-01T11:00:00Z",
            }
        ],
        "totalCost": {
            "customData": CUSTOM,
            "currency": "EUR",
            "typeOfCost": "NormalCost",
            "fixed": PRICE,
            "energy": PRICE,
            "chargingTime": PRICE,
            "idleTime": PRICE,
            "reservationTime": PRICE,
            "reservationFixed": PRICE,
            "total": {"customData": CUSTOM, "exclTax": 10.0, "inclTax": 11.9},
        },
        "totalUsage": {
            "customData": CUSTOM,
            "energy": 12500.0,
            "chargingTime": 3600,
            "idleTime": 60,
            "reservationTime": 0,
        },
        "failureToCalculate": False,
        "failureReason": "none",
    },
    "triggerReason": "RunningCost",
    "preconditioningStatus": "Ready",
    "evseSleep": False,
}
FULL_21["meterValue"][0]["sampledValue"][0].update(
    measurand="Display.PresentSOC", location="Upstream"
)
FULL_21["meterValue"][0]["sampledValue"][0]["signedMeterValue"]["signedMeterData"] = "A" * 30000
FULL_21["transactionInfo"].update(
    operationMode="ChargingOnly",
    tariffId="tariff-1",
    transactionLimit={
        "customData": CUSTOM,
        "maxCost": 50.0,
        "maxEnergy": 40000.0,
        "maxTime": 7200,
        "maxSoC": 80,
    },
)
FULLS = {"2.0.1": FULL, "2.1": FULL_21}


def resolve(node: dict[str, Any], dialect: str = "2.0.1") -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    resolved: dict[str, Any] = SCHEMAS[dialect]["definitions"][ref.rsplit("/", 1)[1]]
    return resolved


def wrong_value(node: dict[str, Any]) -> Any:
    return {
        "string": 12345,
        "integer": 1.5,
        "number": "1",
        "boolean": "true",
        "object": [],
        "array": {},
    }[node["type"]]


def mutations(
    node: dict[str, Any], value: Any, path: list[Any], dialect: str
) -> Iterator[tuple[str, Any]]:
    """(description, replacement) for every single fault the schema can see at ``path``."""
    node = resolve(node, dialect)
    kind = node.get("type")
    # A payload that is not an object is a FormatViolation by the contract's error table (a
    # documented difference from the oracle, see test_conformance), so the root keeps its type.
    if kind is not None and path:
        yield "wrong type", wrong_value(node)
    if "enum" in node:
        yield "unknown enum value", "Nope"
    if "maxLength" in node:
        yield "one character too long", "é" * (node["maxLength"] + 1)
    if node.get("format") == "date-time":
        yield "bad date-time", "2024-02-30T00:00:00Z"
    if "minimum" in node:
        yield "below the minimum", int(node["minimum"]) - 1
    if "maximum" in node:
        yield "above the maximum", int(node["maximum"]) + 1
    if kind == "array" and node.get("minItems"):
        yield "empty array", []
    if kind == "array" and "maxItems" in node:
        yield "too many items", [value[0]] * (node["maxItems"] + 1)
    if kind == "object":
        for name in node.get("required", []):
            yield f"missing {name}", {k: v for k, v in value.items() if k != name}
        if node.get("additionalProperties") is False:
            yield "unknown property", {**value, "surprise": 1}


def cases(
    node: dict[str, Any], value: Any, path: list[Any], dialect: str
) -> Iterator[tuple[str, list[Any], Any]]:
    for what, replacement in mutations(node, value, path, dialect):
        yield what, path, replacement
    node = resolve(node, dialect)
    if node.get("type") == "object":
        for name, child in value.items():
            if name in node.get("properties", {}):
                yield from cases(node["properties"][name], child, [*path, name], dialect)
    elif node.get("type") == "array":
        yield from cases(node["items"], value[0], [*path, 0], dialect)


def replaced(path: list[Any], replacement: Any, dialect: str = "2.0.1") -> Any:
    if not path:
        return replacement
    out = copy.deepcopy(FULLS[dialect])
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = replacement
    return out


CASES = [
    (dialect, *case)
    for dialect in ("2.0.1", "2.1")
    for case in cases(SCHEMAS[dialect], FULLS[dialect], [], dialect)
]


def uses_every_property(node: dict[str, Any], value: Any, dialect: str) -> bool:
    """Whether ``value`` holds every property of ``node`` at every level (first array items)."""
    node = resolve(node, dialect)
    if node.get("type") == "object" and "properties" in node:
        return all(
            name in value
            and (name == "customData" or uses_every_property(sub, value[name], dialect))
            for name, sub in node["properties"].items()
        )
    if node.get("type") == "array":
        return uses_every_property(node["items"], value[0], dialect)
    return True


def test_the_full_payload_is_valid_for_both_and_round_trips() -> None:
    assert not list(ORACLE.iter_errors(FULL))
    te = TransactionEventRequest.from_json(json.dumps(FULL))
    assert TransactionEventRequest.from_json(te.to_json()) == te
    assert te.event_type is TransactionEventType.UPDATED
    assert te.trigger_reason is TriggerReason.METER_VALUE_PERIODIC
    assert te.timestamp == datetime(2024, 5, 1, 10, 0, 1, tzinfo=timezone.utc)
    assert te.timestamp.utcoffset() == timedelta(hours=2)
    assert (te.seq_no, te.offline, te.number_of_phases_used) == (3, False, 3)
    assert (te.cable_max_current, te.reservation_id) == (32, 9)
    info = te.transaction_info
    assert (info.transaction_id, info.charging_state, info.stopped_reason) == (
        "tx-1",
        ChargingState.CHARGING,
        Reason.LOCAL,
    )
    assert (info.time_spent_charging, info.remote_start_id) == (60, 4)
    assert te.evse == Evse(1, connector_id=2, custom_data=CUSTOM)
    token = te.id_token
    assert token is not None and token.type is IdTokenType.ISO14443
    assert token.additional_info == (AdditionalInfo("x", "y", custom_data=CUSTOM),)
    values = te.meter_value
    assert values is not None and values[0].sampled_value[0].value == 7.25
    assert te.custom_data == CUSTOM
    assert json.loads(te.to_json())["transactionInfo"]["transactionId"] == "tx-1"


def test_the_full_21_payload_is_valid_only_in_21_and_round_trips() -> None:
    assert not list(ORACLES["2.1"].iter_errors(FULL_21))
    assert uses_every_property(SCHEMAS["2.1"], FULL_21, "2.1")
    te = TransactionEventRequest.from_json(json.dumps(FULL_21), dialect="2.1")
    assert TransactionEventRequest.from_json(te.to_json(), dialect="2.1") == te
    assert te.trigger_reason is TriggerReason("RunningCost")
    sampled = te.meter_value[0].sampled_value[0] if te.meter_value else None
    assert sampled is not None and sampled.measurand is Measurand.DISPLAY_PRESENT_SOC
    assert sampled.signed_meter_value is not None
    assert len(sampled.signed_meter_value.signed_meter_data) == 30000
    unsigned = copy.deepcopy(FULL_21)
    del unsigned["meterValue"][0]["sampledValue"][0]["signedMeterValue"]["signingMethod"]
    del unsigned["meterValue"][0]["sampledValue"][0]["signedMeterValue"]["publicKey"]
    assert not list(ORACLES["2.1"].iter_errors(unsigned))
    smv = TransactionEventRequest.from_json(json.dumps(unsigned), dialect="2.1").meter_value
    assert smv is not None and smv[0].sampled_value[0].signed_meter_value is not None
    assert smv[0].sampled_value[0].signed_meter_value.signing_method is None
    out = json.loads(te.to_json())
    assert out["costDetails"]["totalCost"]["fixed"]["taxRates"][0]["tax"] == 19.0
    assert out["transactionInfo"]["transactionLimit"]["maxSoC"] == 80
    assert (out["preconditioningStatus"], out["evseSleep"]) == ("Ready", False)
    # Under 2.0.1 it is refused as the 2.0.1 schema refuses it: a property 2.0.1 does not know.
    errors = S.oracle_expectations(list(ORACLES["2.0.1"].iter_errors(FULL_21)))
    with pytest.raises(OcppError) as caught:
        TransactionEventRequest.from_json(json.dumps(FULL_21))
    assert (caught.value.path, caught.value.code.value) in errors
    # What 2.0.1 accepts, 2.1 accepts alike.
    assert not list(ORACLES["2.1"].iter_errors(FULL))
    both = TransactionEventRequest.from_json(json.dumps(FULL), dialect="2.1")
    assert json.loads(both.to_json()) == json.loads(
        TransactionEventRequest.from_json(json.dumps(FULL)).to_json()
    )


@pytest.mark.parametrize("dialect", ["2.0.1", "2.1"])
def test_the_generator_covers_every_keyword(dialect: str) -> None:
    assert uses_every_property(SCHEMAS["2.0.1"], FULL, "2.0.1")
    kinds = {
        what.split(" ")[0] if what.startswith("missing") else what
        for d, what, _, _ in CASES
        if d == dialect
    }
    expected = {
        "wrong type",
        "unknown enum value",
        "one character too long",
        "bad date-time",
        "empty array",
        "missing",
        "unknown property",
    }
    if dialect == "2.1":
        expected |= {"below the minimum", "above the maximum", "too many items"}
    assert kinds == expected
    assert sum(d == dialect for d, *_ in CASES) > 100


@pytest.mark.parametrize(
    ("dialect", "what", "path", "replacement"),
    CASES,
    ids=[f"{d}-{S.pointer(p) or '/'} {w}" for d, w, p, _ in CASES],
)
def test_single_faults_agree_with_the_oracle(
    dialect: str, what: str, path: list[Any], replacement: Any
) -> None:
    payload = replaced(path, replacement, dialect)
    errors = list(ORACLES[dialect].iter_errors(payload))
    assert errors, f"the oracle accepts {what} at {S.pointer(path)}"
    expected = S.oracle_expectations(errors)
    kw: dict[str, Any] = {} if dialect == "2.0.1" else {"dialect": dialect}
    text = json.dumps(payload, ensure_ascii=False)
    for data in (text, text.encode(), bytearray(text.encode()), memoryview(text.encode())):
        with pytest.raises(OcppError) as caught:
            TransactionEventRequest.from_json(data, **kw)
        got = (caught.value.path, caught.value.code.value)
        assert got in expected, (what, got, expected)


def test_keyword_construction_validates_like_decoding() -> None:
    info = Transaction("tx-9", charging_state="EVConnected")
    te = TransactionEventRequest(
        event_type="Started",
        timestamp=datetime(2024, 1, 1, tzinfo=timezone.utc),
        trigger_reason=TriggerReason.CABLE_PLUGGED_IN,
        seq_no=0,
        transaction_info=info,
        meter_value=[MeterValue("2024-01-01T00:00:00Z", [SampledValue(1.0)])],
        evse=Evse(1),
        id_token=IdToken("abc", IdTokenType.LOCAL),
        offline=True,
    )
    assert TransactionEventRequest.from_json(te.to_json()) == te
    for call, path, code in [
        (lambda: Transaction("x" * 37), "/transactionId", "PropertyConstraintViolation"),
        (
            lambda: Transaction("t", charging_state="Dancing"),
            "/chargingState",
            "PropertyConstraintViolation",
        ),
        (lambda: Evse("1"), "/id", "TypeConstraintViolation"),
        # Constructors take what either dialect allows: 2.1's free string of up to 20.
        (lambda: IdToken("a", "M" * 21), "/type", "PropertyConstraintViolation"),
        (lambda: IdToken("a", 5), "/type", "TypeConstraintViolation"),
        (
            lambda: IdToken("a", "Local", additional_info=[]),
            "/additionalInfo",
            "OccurrenceConstraintViolation",
        ),
        (
            lambda: TransactionEventRequest(
                "Started", "2024-01-01T00:00:00Z", "Trigger", 0, info, offline="yes"
            ),
            "/offline",
            "TypeConstraintViolation",
        ),
        (
            lambda: TransactionEventRequest(
                "Started", "2024-01-01T00:00:00Z", "Trigger", 0, info, meter_value=[]
            ),
            "/meterValue",
            "OccurrenceConstraintViolation",
        ),
    ]:
        with pytest.raises(OcppError) as caught:
            call()
        assert (caught.value.path, caught.value.code.value) == (path, code)


def te_frame(message_id: str = "te-1") -> bytes:
    return json.dumps([2, message_id, "TransactionEvent", FULL]).encode()


def test_transaction_event_frames_decode_encode_and_are_not_supported_by_the_meter_handler() -> (
    None
):
    from ocpp_meter import (
        Call,
        Dispatcher,
        ErrorCode,
        MeterValuesResponse,
        decode_call,
        decode_message,
        encode_call,
    )

    call = decode_call(te_frame())
    assert isinstance(call, Call) and call.action == "TransactionEvent"
    assert call.payload == TransactionEventRequest.from_json(json.dumps(FULL))
    assert decode_message(encode_call("te-1", call.payload)) == call

    class Meter:
        def on_meter_values(self, station: str, request: object) -> MeterValuesResponse:
            raise AssertionError("a TransactionEvent must not reach the MeterValues handler")

    reply = Dispatcher(Meter()).dispatch("CS-1", te_frame("te-2"))
    assert reply is not None
    assert json.loads(reply)[:3] == [4, "te-2", ErrorCode.NOT_SUPPORTED.value]
    with pytest.raises(OcppError) as caught:
        decode_call(json.dumps([2, "te-3", "TransactionEvent", {"eventType": "Nope"}]))
    assert (caught.value.code.value, caught.value.message_id, caught.value.path) == (
        "PropertyConstraintViolation",
        "te-3",
        "/eventType",
    )


def test_the_decode_command_prints_transaction_event_readings(tmp_path: Any) -> None:
    import subprocess
    import sys

    capture = tmp_path / "te.jsonl"
    capture.write_bytes(te_frame() + b"\n")
    result = subprocess.run(
        [sys.executable, "-m", "ocpp_meter.cli", "decode", str(capture)],
        capture_output=True,
        check=True,
    )
    lines = result.stdout.decode().splitlines()
    assert lines[0].split("\t")[1:3] == ["te-1", "evse=1"]
    assert lines[0].endswith("7.25e3 kWh")
    assert lines[-1] == (
        "# 1 frames: 1 valid, 0 invalid, 0 other actions, 0 replies, 0 lines without a frame, "
        "1 readings"
    )
