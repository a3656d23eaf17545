"""TransactionEventRequest: typed objects, and a differential test against the official 2.0.1
schema: every single-fault mutation of a payload that uses every property, judged by jsonschema
(draft-06, strict RFC 3339) and by us, must be rejected by both, with our code and path among
the oracle's."""

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


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    resolved: dict[str, Any] = SCHEMA["definitions"][ref.rsplit("/", 1)[1]]
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


def mutations(node: dict[str, Any], value: Any, path: list[Any]) -> Iterator[tuple[str, Any]]:
    """(description, replacement) for every single fault the schema can see at ``path``."""
    node = resolve(node)
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
    if kind == "array" and node.get("minItems"):
        yield "empty array", []
    if kind == "object":
        for name in node.get("required", []):
            yield f"missing {name}", {k: v for k, v in value.items() if k != name}
        if node.get("additionalProperties") is False:
            yield "unknown property", {**value, "surprise": 1}


def cases(
    node: dict[str, Any], value: Any, path: list[Any]
) -> Iterator[tuple[str, list[Any], Any]]:
    for what, replacement in mutations(node, value, path):
        yield what, path, replacement
    node = resolve(node)
    if node.get("type") == "object":
        for name, child in value.items():
            if name in node.get("properties", {}):
                yield from cases(node["properties"][name], child, [*path, name])
    elif node.get("type") == "array":
        yield from cases(node["items"], value[0], [*path, 0])


def replaced(path: list[Any], replacement: Any) -> Any:
    if not path:
        return replacement
    out = copy.deepcopy(FULL)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = replacement
    return out


CASES = list(cases(SCHEMA, FULL, []))


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


def test_the_generator_covers_every_keyword() -> None:
    kinds = {what.split(" ")[0] if what.startswith("missing") else what for what, _, _ in CASES}
    assert kinds >= {
        "wrong type",
        "unknown enum value",
        "one character too long",
        "bad date-time",
        "empty array",
        "missing",
        "unknown property",
    }
    assert len(CASES) > 100


@pytest.mark.parametrize(
    ("what", "path", "replacement"), CASES, ids=[f"{S.pointer(p) or '/'} {w}" for w, p, _ in CASES]
)
def test_single_faults_agree_with_the_oracle(what: str, path: list[Any], replacement: Any) -> None:
    payload = replaced(path, replacement)
    errors = list(ORACLE.iter_errors(payload))
    assert errors, f"the oracle accepts {what} at {S.pointer(path)}"
    expected = S.oracle_expectations(errors)
    text = json.dumps(payload, ensure_ascii=False)
    for data in (text, text.encode(), bytearray(text.encode()), memoryview(text.encode())):
        with pytest.raises(OcppError) as caught:
            TransactionEventRequest.from_json(data)
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
        (lambda: IdToken("a", "Magic"), "/type", "PropertyConstraintViolation"),
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
    assert lines[-1] == "# 1 frames: 1 readings, 0 invalid, 0 replies"
