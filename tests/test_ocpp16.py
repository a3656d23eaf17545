"""OCPP 1.6J through ``decode_batch(..., dialect="1.6")``: the rows and event records of a 1.6
session, a batch mixing 1.6 and 2.0.1 stations, and a differential conformance test against the
1.6 schemas (``tests/data/ocpp16``, draft-04) with ``jsonschema.Draft4Validator`` as the oracle.

The conformance test generates valid MeterValues, StartTransaction and StopTransaction payloads
from the schema files themselves, then breaks each in exactly one place (a required property
dropped, an unknown one added, a value of the wrong JSON type, ``1.0`` for an integer, an unknown
enum value, an ``idTag`` over its ``maxLength``, an invalid date-time). For every payload, the
core and the oracle must agree on accept / reject; on reject, the error record's path must be the
broken place and its code the OCPP 1.6J code of the oracle's keyword, as 1.6 spells it.

The core departs from the schema files in two documented ways, which the generator stays clear
of and :func:`test_documented_departures` tests: a sampled value's ``value`` must be decimal text
(unless its ``format`` is ``SignedData``), and ``connectorId`` is ``>= 0`` in MeterValues and
``> 0`` in StartTransaction (the 1.6 specification's field descriptions).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import hypothesis_run
import jsonschema
import ocpp_meter
import pyarrow as pa
import pytest
import strategies as S
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

DATA = Path(__file__).resolve().parent / "data" / "ocpp16"
ACTIONS = ("MeterValues", "StartTransaction", "StopTransaction")
SCHEMAS = {a: json.loads((DATA / f"{a}.json").read_text()) for a in ACTIONS}
ORACLES = {
    a: jsonschema.Draft4Validator(s, format_checker=S.FORMAT_CHECKER) for a, s in SCHEMAS.items()
}


def decode16(action: str, payload: Any, message_id: str = "m") -> ocpp_meter.BatchResult:
    frame = json.dumps([2, message_id, action, payload])
    return ocpp_meter.decode_batch([frame], "CS", dialect="1.6")


def error_of(result: ocpp_meter.BatchResult) -> tuple[str, str] | None:
    errors = pa.table(result.errors).to_pylist()
    return (errors[0]["code"], errors[0]["path"]) if errors else None


# --------------------------------------------------------------------------------------------------
# Rows and events


SESSION = [
    (
        "StartTransaction",
        {
            "connectorId": 1,
            "idTag": "TAG1",
            "meterStart": 1000,
            "timestamp": "2024-05-01T10:00:00Z",
        },
    ),
    (
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": 42,
            "meterValue": [
                {
                    "timestamp": "2024-05-01T10:15:00+02:00",
                    "sampledValue": [
                        {"value": "1.5", "unit": "kWh", "context": "Sample.Periodic"},
                        {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
                        {"value": "230.1", "measurand": "Voltage", "phase": "L1-N", "unit": "V"},
                        {"value": "<signed>", "format": "SignedData"},
                    ],
                }
            ],
        },
    ),
    (
        "StopTransaction",
        {
            "idTag": "TAG1",
            "meterStop": 3500,
            "timestamp": "2024-05-01T11:00:00Z",
            "transactionId": 42,
            "reason": "EVDisconnected",
        },
    ),
]


def test_a_1_6_session_gives_rows_and_started_and_ended_events() -> None:
    frames = [json.dumps([2, f"m{i}", a, p]) for i, (a, p) in enumerate(SESSION)]
    result = ocpp_meter.decode_batch(frames, "CP-16", dialect="1.6")
    rows = pa.table(result).to_pylist()
    assert result.frame_rows == [1, 4, 1]
    assert [r["action"] for r in rows] == ["StartTransaction"] + ["MeterValues"] * 4 + [
        "StopTransaction"
    ]
    start, energy, power, voltage, signed, stop = rows
    assert (start["value"], start["context"], start["measurand"], start["unit"]) == (
        1000.0,
        "Transaction.Begin",
        "Energy.Active.Import.Register",
        "Wh",
    )
    assert start["connector_id"] == 1 and start["evse_id"] is None
    assert start["transaction_id"] is None  # assigned by the Central System's answer
    assert (energy["transaction_id"], energy["normalized_value"], energy["normalized_unit"]) == (
        "42",
        1500.0,
        "Wh",
    )
    assert energy["timestamp"].isoformat() == "2024-05-01T08:15:00+00:00"
    assert (power["normalized_value"], power["normalized_unit"]) == (7200.0, "W")
    assert (voltage["phase"], voltage["value"]) == ("L1-N", 230.1)
    assert math.isnan(signed["value"]) and signed["signed_meter_data"] == "<signed>"
    assert (stop["value"], stop["context"], stop["transaction_id"]) == (
        3500.0,
        "Transaction.End",
        "42",
    )
    events = pa.table(result.events).to_pylist()
    assert [(e["event_type"], e["transaction_id"], e["id_token"]) for e in events] == [
        ("Started", "", "TAG1"),
        ("Ended", "42", "TAG1"),
    ]
    assert events[1]["stopped_reason"] == "EVDisconnected"
    assert [e["meter_value_count"] for e in events] == [1, 1]
    assert result.replies[0] is None  # StartTransaction.conf needs an id the batch cannot assign
    assert result.replies[1] == b'[3,"m1",{}]'


def test_a_capture_of_a_mixed_fleet_decodes_in_one_call() -> None:
    v201 = json.dumps(
        [
            2,
            "x",
            "MeterValues",
            {
                "evseId": 1,
                "meterValue": [
                    {"timestamp": "2024-05-01T10:00:00Z", "sampledValue": [{"value": 2.5}]}
                ],
            },
        ]
    )
    v16 = json.dumps([2, "y", *SESSION[1]])
    result = ocpp_meter.decode_batch(
        [v201, v16, v16.replace('"connectorId": 1', '"evseId": 1')],
        ["CS-201", "CS-16", "CS-16"],
        dialects=["2.0.1", "1.6", "1.6"],
    )
    rows = pa.table(result).to_pylist()
    assert [(r["station_id"], r["evse_id"], r["connector_id"]) for r in rows[:2]] == [
        ("CS-201", 1, None),
        ("CS-16", None, 1),
    ]
    # The same 1.6 frame read as 2.0.1 is refused, as it should be.
    assert error_of(ocpp_meter.decode_batch([v16], "CS")) == ("ProtocolError", "/connectorId")
    # A 1.6 fault is reported with the 1.6 spelling, in the record and in the CALLERROR.
    errors = pa.table(result.errors).to_pylist()
    assert [(e["index"], e["code"], e["path"]) for e in errors] == [
        (2, "FormationViolation", "/evseId")
    ]
    reply = result.replies[2]
    assert reply is not None and json.loads(reply)[:3] == [4, "y", "FormationViolation"]


def test_dialect_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="2 dialects for 1 frames"):
        ocpp_meter.decode_batch(["[]"], "CS", dialects=["1.6", "1.6"])
    with pytest.raises(ValueError, match="'1.6'"):
        ocpp_meter.decode_batch(["[]"], "CS", dialect="1.5")
    # The 2.x classes have no 1.6 shape, so they refuse 1.6 rather than misread it (the 1.6
    # classes are in test_ocpp16_types.py).
    with pytest.raises(ValueError, match="dialect must be"):
        ocpp_meter.MeterValuesRequest.from_json(json.dumps(SESSION[1][1]), dialect="1.6")  # type: ignore[arg-type]


def test_documented_departures() -> None:
    sampled = SESSION[1][1]
    for value in ["", " 1", "1e3", "12,5", "abc", "+1", ".5"]:
        payload = json.loads(json.dumps(sampled))
        payload["meterValue"][0]["sampledValue"][0]["value"] = value
        assert ORACLES["MeterValues"].is_valid(payload)
        assert error_of(decode16("MeterValues", payload)) == (
            "PropertyConstraintViolation",
            "/meterValue/0/sampledValue/0/value",
        ), value
    bad_connector = dict(SESSION[0][1], connectorId=0)
    assert ORACLES["StartTransaction"].is_valid(bad_connector)
    assert error_of(decode16("StartTransaction", bad_connector)) == (
        "PropertyConstraintViolation",
        "/connectorId",
    )


# --------------------------------------------------------------------------------------------------
# Differential conformance


def _decimal_text() -> st.SearchStrategy[str]:
    return st.from_regex(r"-?[0-9]{1,12}(\.[0-9]{1,6})?", fullmatch=True)


def _valid(node: dict[str, Any], name: str) -> st.SearchStrategy[Any]:
    """Valid instances of a 1.6 schema node (the subset of draft-04 these files use)."""
    kind = node["type"]
    if kind == "object":
        props = node.get("properties", {})
        required = set(node.get("required", []))

        @st.composite
        def build(draw: Any) -> dict[str, Any]:
            out = {}
            for key, sub in props.items():
                if key in required or draw(st.booleans()):
                    out[key] = draw(_valid(sub, key))
            return out

        return build()
    if kind == "array":
        return st.lists(_valid(node["items"], name), min_size=node.get("minItems", 0), max_size=3)
    if kind == "integer":
        low = 1 if name == "connectorId" else -(2**31)
        return st.integers(min_value=low, max_value=2**31 - 1)
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if node.get("format") == "date-time":
        return S.timestamps()
    if name == "value":
        return _decimal_text()
    return st.text(max_size=node.get("maxLength", 30))


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path in ``value`` (the root included)."""
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _places(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _places(v, (*path, i))
    return out


def _node_at(schema: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    node = schema
    for step in path:
        node = node["items"] if isinstance(step, int) else node["properties"][step]
    return node


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def broken(draw: Any, action: str) -> tuple[dict[str, Any], str | None]:
    """A valid payload of ``action``, or one broken in exactly one place (with its pointer)."""
    schema = SCHEMAS[action]
    payload = draw(_valid(schema, ""))
    if draw(st.booleans()):
        return payload, None
    path = draw(st.sampled_from(_places(payload)))
    node = _node_at(schema, path)
    target = _get(payload, path)
    kinds = ["wrong_type"] if path else []
    if isinstance(target, dict):
        kinds.append("unknown")
        if [k for k in node.get("required", []) if k in target]:
            kinds.append("missing")
    if node.get("type") == "integer":
        kinds.append("integer_as_float")
    if "enum" in node:
        kinds.append("enum")
    if "maxLength" in node:
        kinds.append("too_long")
    if node.get("format") == "date-time":
        kinds.append("bad_date_time")
    kind = draw(st.sampled_from(kinds))
    parent = _get(payload, path[:-1]) if path else None
    where = S.pointer(path)
    if kind == "unknown":
        target["zz"] = 1
        where = S.pointer((*path, "zz"))
    elif kind == "missing":
        key = draw(st.sampled_from([k for k in node["required"] if k in target]))
        del target[key]
        where = S.pointer((*path, key))
    elif kind == "wrong_type":
        wrong = {"object": [1, "x"], "array": [{}, 1], "integer": ["1", None, True, 1.5]}
        parent[path[-1]] = draw(st.sampled_from(wrong.get(node["type"], [1, None, [], {}])))
    elif kind == "integer_as_float":
        parent[path[-1]] = float(target)
    elif kind == "enum":
        parent[path[-1]] = "Bogus"
    elif kind == "too_long":
        parent[path[-1]] = "x" * (node["maxLength"] + 1)
    else:
        parent[path[-1]] = draw(S.bad_timestamps())
    return payload, where


PROPERTY_SETTINGS: dict[str, Any] = {
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@pytest.mark.parametrize("action", ACTIONS)
def test_agrees_with_the_draft_04_oracle(action: str) -> None:
    @seed(hypothesis_run.seed_for(f"ocpp16-{action}"))
    @settings(max_examples=hypothesis_run.examples(150), **PROPERTY_SETTINGS)
    @given(broken(action))
    def check(case: tuple[dict[str, Any], str | None]) -> None:
        payload, where = case
        oracle = list(ORACLES[action].iter_errors(payload))
        ours = error_of(decode16(action, payload))
        if where is None:
            assert oracle == [] and ours is None, (payload, oracle, ours)
            return
        # One broken place: a wrong type in an enum field also fails its enum, and the type
        # is what the core (like the error table) reports first.
        assert len({tuple(e.absolute_path) for e in oracle}) == 1, (payload, oracle)
        keywords = {e.validator for e in oracle}
        keyword = "type" if "type" in keywords else keywords.pop()
        assert ours == (S.KEYWORD_CODE_16[str(keyword)], where), (payload, oracle)

    check()
