"""The ``dialect=`` keyword on the MeterValues entry points: OCPP 2.1 payloads are accepted as the
2.1 schema says, refused under 2.0.1 as the 2.0.1 schema says, and both give the same objects,
rows and bytes. (The differential test against both schema sets is in ``test_conformance.py``;
TransactionEvent 2.1 in ``test_transaction_event_21.py``.)"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow as pa
import pytest
import strategies as S
from ocpp_meter import (
    Location,
    Measurand,
    MeterValuesRequest,
    OcppError,
    SampledValue,
    decode_batch,
    decode_call,
    decode_message,
    rows,
)

DATA = Path(__file__).parent / "data"
SV = "/meterValue/0/sampledValue"

SIGNED_21 = {"signedMeterData": "T0NNRnx7fQ==" * 2500, "encodingMethod": "OCMF"}
PAYLOAD_21: dict[str, Any] = {
    "evseId": 0,
    "meterValue": [
        {
            "timestamp": "2025-06-01T08:00:00+02:00",
            "sampledValue": [
                {
                    "value": 81,
                    "measurand": "Display.PresentSOC",
                    "unitOfMeasure": {"unit": "Percent"},
                },
                {
                    "value": 230.4,
                    "measurand": "Voltage.Minimum",
                    "phase": "L1-N",
                    "location": "Upstream",
                },
                {
                    "value": 12.5,
                    "measurand": "Energy.Active.Import.Register",
                    "signedMeterValue": SIGNED_21,
                },
                {"value": 1, "measurand": "Energy.Active.Import.LocalGeneration.Register"},
            ],
        }
    ],
}
# What 2.0.1 says of each 2.1-only part, in document order: the first is the fault reported.
FAULTS_201 = [
    ("PropertyConstraintViolation", f"{SV}/0/measurand"),
    ("PropertyConstraintViolation", f"{SV}/1/measurand"),
    ("PropertyConstraintViolation", f"{SV}/1/location"),
    ("PropertyConstraintViolation", f"{SV}/2/signedMeterValue/signedMeterData"),
    ("OccurrenceConstraintViolation", f"{SV}/2/signedMeterValue/signingMethod"),
    ("PropertyConstraintViolation", f"{SV}/3/measurand"),
]


def oracle(version: str) -> jsonschema.Draft6Validator:
    schema = json.loads((DATA / version / "MeterValuesRequest.json").read_bytes())
    return jsonschema.Draft6Validator(schema)


def oracle_faults(payload: Any) -> set[tuple[str, str]]:
    """The 2.0.1 oracle's errors as (code, JSON Pointer); ``required`` points at the property."""
    faults = set()
    for error in oracle("ocpp201").iter_errors(payload):
        pointer = "".join(f"/{p}" for p in error.absolute_path)
        if error.validator == "required":
            pointer += "/" + error.message.split("'")[1]
        faults.add((S.KEYWORD_CODE[str(error.validator)], pointer))
    return faults


def frame(payload: Any, message_id: str = "m-21") -> bytes:
    return json.dumps([2, message_id, "MeterValues", payload]).encode()


def test_the_oracles_agree_with_the_premise() -> None:
    assert oracle("ocpp21").is_valid(PAYLOAD_21)
    assert not oracle("ocpp201").is_valid(PAYLOAD_21)


def test_a_2_1_payload_decodes_under_2_1_with_every_2_1_value_typed() -> None:
    r = MeterValuesRequest.from_json(json.dumps(PAYLOAD_21), dialect="2.1")
    sv = r.meter_value[0].sampled_value
    assert [s.measurand for s in sv] == [
        Measurand.DISPLAY_PRESENT_SOC,
        Measurand.VOLTAGE_MINIMUM,
        Measurand.ENERGY_ACTIVE_IMPORT_REGISTER,
        Measurand.ENERGY_ACTIVE_IMPORT_LOCAL_GENERATION_REGISTER,
    ]
    assert sv[1].location is Location.UPSTREAM
    signed = sv[2].signed_meter_value
    assert signed is not None
    assert (signed.signing_method, signed.public_key) == (None, None)
    assert len(signed.signed_meter_data) == 30000
    # Absent stays absent: the bytes re-encode to what a 2.1 decoder reads back alike.
    assert MeterValuesRequest.from_json(r.to_json(), dialect="2.1") == r
    assert b"signingMethod" not in r.to_json() and b"publicKey" not in r.to_json()
    assert pickle.loads(pickle.dumps(r)) == r
    assert r.warnings == ()


def test_under_2_0_1_every_entry_point_reports_the_first_2_0_1_fault() -> None:
    code, path = FAULTS_201[0]
    text = json.dumps(PAYLOAD_21)
    for attempt in (
        lambda: MeterValuesRequest.from_json(text),
        lambda: MeterValuesRequest.from_json(text, dialect="2.0.1"),
        lambda: decode_call(frame(PAYLOAD_21)),
        lambda: decode_message(frame(PAYLOAD_21), dialect="2.0.1"),
    ):
        with pytest.raises(OcppError) as e:
            attempt()
        assert (e.value.code, e.value.path) == (code, path)


@pytest.mark.parametrize("code,path", FAULTS_201, ids=[p for _, p in FAULTS_201])
def test_each_2_1_part_alone_is_refused_by_2_0_1_with_the_oracles_keyword(
    code: str, path: str
) -> None:
    # Keep only the sampled value at fault (and, for the signed value, only that property).
    index = int(path.split("/")[4])
    payload = json.loads(json.dumps(PAYLOAD_21))
    payload["meterValue"][0]["sampledValue"] = [payload["meterValue"][0]["sampledValue"][index]]
    if "signedMeterData" in path:
        payload["meterValue"][0]["sampledValue"][0]["signedMeterValue"].update(
            signingMethod="ECDSA-secp256r1-SHA256", publicKey="a2V5"
        )
    if path.endswith("/location"):
        payload["meterValue"][0]["sampledValue"][0]["measurand"] = "Voltage"
    if "signingMethod" in path:
        payload["meterValue"][0]["sampledValue"][0]["signedMeterValue"]["signedMeterData"] = "eA=="
    assert oracle("ocpp21").is_valid(payload)
    with pytest.raises(OcppError) as e:
        decode_call(frame(payload))
    assert (e.value.code, e.value.path) == (code, path.replace(f"{SV}/{index}", f"{SV}/0"))
    assert (e.value.code, e.value.path) in oracle_faults(payload)
    assert decode_call(frame(payload), dialect="2.1").payload.to_json() == (
        MeterValuesRequest.from_json(json.dumps(payload), dialect="2.1").to_json()
    )


def test_2_1_limits_hold_under_2_1() -> None:
    too_long = json.loads(json.dumps(PAYLOAD_21))
    too_long["meterValue"][0]["sampledValue"][2]["signedMeterValue"]["signedMeterData"] = (
        "d" * 32769
    )
    assert not oracle("ocpp21").is_valid(too_long)
    with pytest.raises(OcppError) as e:
        decode_call(frame(too_long), dialect="2.1")
    assert (e.value.code, e.value.path) == (
        "PropertyConstraintViolation",
        f"{SV}/2/signedMeterValue/signedMeterData",
    )
    vendor = json.loads(json.dumps(PAYLOAD_21))
    vendor["meterValue"][0]["sampledValue"][0]["measurand"] = "Temperature"
    with pytest.raises(OcppError) as e:
        MeterValuesRequest.from_json(json.dumps(vendor), dialect="2.1")
    assert (e.value.code, e.value.path) == ("PropertyConstraintViolation", f"{SV}/0/measurand")
    negative = {**PAYLOAD_21, "evseId": -1}
    with pytest.raises(OcppError) as e:
        MeterValuesRequest.from_json(json.dumps(negative), dialect="2.1")
    assert (e.value.code, e.value.path) == ("PropertyConstraintViolation", "/evseId")


def test_lenient_2_0_1_flags_2_1_values_and_holds_them_typed() -> None:
    payload = json.loads(json.dumps(PAYLOAD_21))
    del payload["meterValue"][0]["sampledValue"][2]  # a missing signingMethod stays an error
    call = decode_call(frame(payload), profile="lenient")
    assert [(w.code, w.path) for w in call.payload.warnings] == [
        ("unknown_enum_value", f"{SV}/0/measurand"),
        ("unknown_enum_value", f"{SV}/1/measurand"),
        ("unknown_enum_value", f"{SV}/1/location"),
        ("unknown_enum_value", f"{SV}/2/measurand"),
    ]
    as_21 = decode_call(frame(payload), dialect="2.1")
    assert call.payload == as_21.payload and as_21.payload.warnings == ()
    assert call.payload.meter_value[0].sampled_value[1].location is Location.UPSTREAM


def test_batches_follow_the_dialect_and_rows_match_the_python_row_form() -> None:
    frames = [frame(PAYLOAD_21, "a"), frame({"evseId": 1, "meterValue": []}, "b")]
    old = decode_batch(frames, "CS-21")
    assert old.frame_rows == [0, 0]
    errors = pa.table(old.errors).to_pylist()
    assert [(e["message_id"], e["code"], e["path"]) for e in errors] == [
        ("a", *FAULTS_201[0]),
        ("b", "OccurrenceConstraintViolation", "/meterValue"),
    ]
    new = decode_batch(frames, "CS-21", dialect="2.1")
    assert new.frame_rows == [4, 0]
    got = pa.table(new).to_pylist()
    call = decode_call(frames[0], dialect="2.1")
    expected = rows.meter_values_rows("CS-21", call.message_id, call.payload)
    assert [(g["measurand"], g["location"], g["signing_method"]) for g in got] == [
        (e.measurand, e.location, e.signing_method) for e in expected
    ]
    assert [g["measurand"] for g in got][:2] == ["Display.PresentSOC", "Voltage.Minimum"]
    assert got[1]["location"] == "Upstream"
    assert got[2]["encoding_method"] == "OCMF" and got[2]["public_key"] is None


def test_an_unknown_dialect_is_refused() -> None:
    bad: list[Any] = ["2.0", "1.6", "ocpp2.1", "2.1.0"]
    for attempt in (
        lambda: decode_call(frame(PAYLOAD_21), dialect=bad[0]),
        lambda: MeterValuesRequest.from_json(b"{}", dialect=bad[1]),
        lambda: SampledValue.from_json(b'{"value":1}', dialect=bad[2]),
        lambda: decode_batch([], "CS", dialect=bad[3]),
    ):
        with pytest.raises(ValueError, match="dialect must be"):
            attempt()
