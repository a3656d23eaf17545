"""The typed objects: names from the contract, immutability, equality, repr, pickling, enums."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from typing import Any

import ocpp_meter
import pytest
from ocpp_meter import (
    METER_VALUES_FEATURE_NAME,
    PROFILE_NAME,
    ErrorCode,
    Location,
    Measurand,
    MeterValue,
    MeterValuesFeature,
    MeterValuesRequest,
    MeterValuesResponse,
    OcppError,
    Phase,
    ReadingContext,
    SampledValue,
    SignedMeterValue,
    UnitOfMeasure,
    new_meter_values_request,
    new_meter_values_response,
    samples,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def full_request() -> MeterValuesRequest:
    signed = SignedMeterValue("ZGF0YQ==", "ECDSA", "OCMF", "a2V5", custom_data={"vendorId": "s"})
    sampled = [
        SampledValue(
            value=12.5,
            context=ReadingContext.TRIGGER,
            measurand="SoC",
            phase=Phase.L1_N,
            location=Location.EV,
            signed_meter_value=signed,
            unit_of_measure=UnitOfMeasure(unit="Percent", multiplier=0),
            custom_data={"vendorId": "v", "raw": [1, 2.5, None, True, {"k": "é"}]},
        ),
        SampledValue(value=3),
    ]
    return MeterValuesRequest(
        evse_id=2,
        meter_value=[MeterValue(timestamp=T0, sampled_value=sampled)],
        custom_data={"vendorId": "acme"},
    )


def test_contract_names_and_ocpp_go_surface() -> None:
    assert METER_VALUES_FEATURE_NAME == "MeterValues" and PROFILE_NAME == "meter"
    assert MeterValuesFeature.feature_name == "MeterValues"
    assert MeterValuesFeature.request_type is MeterValuesRequest
    assert MeterValuesFeature.response_type is MeterValuesResponse
    req = new_meter_values_request(1, [MeterValue(T0, [SampledValue(1.0)])])
    assert req.evse_id == 1 and len(req.meter_value) == 1
    assert new_meter_values_response() == MeterValuesResponse()
    for name in ocpp_meter.__all__:
        assert getattr(ocpp_meter, name) is not None


def test_enums_are_str_enums_of_wire_values() -> None:
    assert Measurand("SoC") is Measurand.SOC
    assert Phase("L1-N") is Phase.L1_N
    assert Location.EV == "EV" and str(ReadingContext.TRIGGER) == "Trigger"
    assert len(Measurand) == 56 and len(Phase) == 10 and len(Location) == 6  # OCPP 2.1
    assert len(ReadingContext) == 8 and len(ErrorCode) == 12


def test_fields_read_back_with_absent_ones_as_none() -> None:
    req = full_request()
    sv0, sv1 = req.meter_value[0].sampled_value
    assert sv0.measurand is Measurand.SOC and sv0.context is ReadingContext.TRIGGER
    assert sv0.unit_of_measure is not None and sv0.unit_of_measure.unit == "Percent"
    assert sv0.signed_meter_value is not None and sv0.signed_meter_value.public_key == "a2V5"
    assert sv0.custom_data == {"vendorId": "v", "raw": [1, 2.5, None, True, {"k": "é"}]}
    assert sv1.value == 3.0 and isinstance(sv1.value, float)
    assert (sv1.context, sv1.measurand, sv1.phase, sv1.location) == (None, None, None, None)
    assert (sv1.unit_of_measure, sv1.signed_meter_value, sv1.custom_data) == (None, None, None)
    assert req.meter_value[0].timestamp == T0


def test_objects_are_immutable_and_custom_data_is_a_fresh_copy() -> None:
    req = full_request()
    with pytest.raises(AttributeError):
        req.evse_id = 3  # type: ignore[misc]
    sv = req.meter_value[0].sampled_value[0]
    with pytest.raises(AttributeError):
        sv.value = 1.0  # type: ignore[misc]
    data = sv.custom_data
    assert data is not None
    data["raw"].append("changed")
    assert sv.custom_data == {"vendorId": "v", "raw": [1, 2.5, None, True, {"k": "é"}]}
    assert isinstance(req.meter_value, tuple)


def test_equality_repr_and_pickle() -> None:
    a, b = full_request(), full_request()
    assert a == b and a != MeterValuesRequest(3, a.meter_value)
    assert MeterValuesRequest.from_json(a.to_json()) == a
    assert pickle.loads(pickle.dumps(a)) == a
    text = repr(a.meter_value[0].sampled_value[0])
    assert text.startswith("SampledValue(value=12.5, context=ReadingContext.TRIGGER")
    assert "measurand=Measurand.SOC" in text and "phase=Phase.L1_N" in text
    assert repr(SampledValue(1.0)) == "SampledValue(value=1.0)"


def test_custom_data_equality_ignores_key_order() -> None:
    one = MeterValuesResponse.from_json(b'{"customData":{"vendorId":"v","a":1,"b":[2]}}')
    two = MeterValuesResponse.from_json(b'{"customData":{"b":[2],"a":1,"vendorId":"v"}}')
    assert one == two


def test_timestamps_keep_their_offset_and_encode_in_utc() -> None:
    mv = MeterValue.from_json(
        b'{"timestamp":"2024-03-01T00:30:00.250+01:00","sampledValue":[{"value":1}]}'
    )
    assert mv.timestamp.utcoffset() == timedelta(hours=1)
    assert mv.timestamp == datetime(2024, 2, 29, 23, 30, 0, 250000, tzinfo=timezone.utc)
    assert b'"timestamp":"2024-02-29T23:30:00.250Z"' in mv.to_json()
    # Nanoseconds survive a round trip through JSON (the datetime holds microseconds).
    ns = MeterValue.from_json(
        b'{"timestamp":"2024-01-01T00:00:00.123456789Z","sampledValue":[{"value":1}]}'
    )
    assert b"00.123456789Z" in ns.to_json()
    assert ns.timestamp.microsecond == 123456


def test_to_json_is_compact_in_schema_order_and_omits_absent_fields() -> None:
    assert SampledValue(1.0).to_json() == b'{"value":1.0}'
    assert UnitOfMeasure().to_json() == b"{}"
    assert MeterValuesResponse().to_json() == b"{}"
    assert (
        SampledValue(2.5, measurand=Measurand.VOLTAGE, phase="L1").to_json()
        == b'{"value":2.5,"measurand":"Voltage","phase":"L1"}'
    )


# Keyword construction validates like decoding: (class, keywords, JSON of the same object, code,
# path). Both routes must fail with the same code at the same place.
KEYWORD_CASES: list[tuple[type[Any], dict[str, Any], bytes, str, str]] = [
    (SampledValue, {"value": "1"}, b'{"value":"1"}', "TypeConstraintViolation", "/value"),
    (SampledValue, {"value": True}, b'{"value":true}', "TypeConstraintViolation", "/value"),
    (
        SampledValue,
        {"value": 1.0, "measurand": "Nope"},
        b'{"value":1,"measurand":"Nope"}',
        "PropertyConstraintViolation",
        "/measurand",
    ),
    (
        SampledValue,
        {"value": 1.0, "phase": "l1"},
        b'{"value":1,"phase":"l1"}',
        "PropertyConstraintViolation",
        "/phase",
    ),
    (
        SampledValue,
        {"value": float("inf")},
        b'{"value":1e999}',
        "PropertyConstraintViolation",
        "/value",
    ),
    (
        UnitOfMeasure,
        {"unit": "x" * 21},
        b'{"unit":"' + b"x" * 21 + b'"}',
        "PropertyConstraintViolation",
        "/unit",
    ),
    (
        UnitOfMeasure,
        {"multiplier": 1.5},
        b'{"multiplier":1.5}',
        "TypeConstraintViolation",
        "/multiplier",
    ),
    (
        UnitOfMeasure,
        {"multiplier": 2**63},
        b'{"multiplier":9223372036854775808}',
        "PropertyConstraintViolation",
        "/multiplier",
    ),
    (
        UnitOfMeasure,
        {"custom_data": {}},
        b'{"customData":{}}',
        "OccurrenceConstraintViolation",
        "/customData/vendorId",
    ),
    (
        UnitOfMeasure,
        {"custom_data": {"vendorId": "v" * 256}},
        b'{"customData":{"vendorId":"' + b"v" * 256 + b'"}}',
        "PropertyConstraintViolation",
        "/customData/vendorId",
    ),
    (
        SignedMeterValue,
        {
            # Over OCPP 2.1's limit: constructors take what either dialect allows.
            "signed_meter_data": "d" * 32769,
            "signing_method": "m",
            "encoding_method": "e",
            "public_key": "k",
        },
        b'{"signedMeterData":"'
        + b"d" * 32769
        + b'","signingMethod":"m","encodingMethod":"e","publicKey":"k"}',
        "PropertyConstraintViolation",
        "/signedMeterData",
    ),
    (
        MeterValue,
        {"timestamp": T0, "sampled_value": []},
        b'{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[]}',
        "OccurrenceConstraintViolation",
        "/sampledValue",
    ),
    (
        MeterValue,
        {"timestamp": "2024-05-01T12:00:00", "sampled_value": [SampledValue(1.0)]},
        b'{"timestamp":"2024-05-01T12:00:00","sampledValue":[{"value":1}]}',
        "PropertyConstraintViolation",
        "/timestamp",
    ),
]


@pytest.mark.parametrize(("cls", "keywords", "json", "code", "path"), KEYWORD_CASES)
def test_keyword_construction_fails_like_decoding(
    cls: type[Any], keywords: dict[str, Any], json: bytes, code: str, path: str
) -> None:
    with pytest.raises(OcppError) as built:
        cls(**keywords)
    with pytest.raises(OcppError) as decoded:
        cls.from_json(json)
    assert (built.value.code.value, built.value.path) == (code, path)
    assert (decoded.value.code.value, decoded.value.path) == (code, path)


def test_keyword_construction_rejects_naive_datetimes_and_negative_evse_ids() -> None:
    with pytest.raises(OcppError) as caught:
        MeterValue(datetime(2024, 1, 1), [SampledValue(1.0)])
    assert (caught.value.code, caught.value.path) == (
        ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
        "/timestamp",
    )
    with pytest.raises(OcppError) as caught:
        MeterValuesRequest(-1, [MeterValue(T0, [SampledValue(1.0)])])
    assert caught.value.path == "/evseId"
    with pytest.raises(OcppError) as caught:
        MeterValuesRequest(1, [SampledValue(1.0)])  # type: ignore[list-item]
    assert (caught.value.code, caught.value.path) == (
        ErrorCode.TYPE_CONSTRAINT_VIOLATION,
        "/meterValue/0",
    )


def test_shared_units_are_equal_values() -> None:
    call = ocpp_meter.decode_call(samples.large_frame(seed=5))
    units = [sv.unit_of_measure for mv in call.payload.meter_value for sv in mv.sampled_value]
    assert all(u is not None for u in units)
    assert {u.to_json() for u in units if u is not None} == {
        UnitOfMeasure.from_json(u.to_json()).to_json() for u in units if u is not None
    }


def test_ocpp_error_is_a_value_error_with_data() -> None:
    e = OcppError(ErrorCode.GENERIC_ERROR, "boom", path="/x")
    assert isinstance(e, ValueError)
    assert (e.code, e.description, e.details, e.message_id) == (
        ErrorCode.GENERIC_ERROR,
        "boom",
        {"path": "/x"},
        None,
    )
    again = pickle.loads(pickle.dumps(e))
    assert (again.code, again.path) == (e.code, e.path)


def test_units_are_shared_across_messages_but_never_mixed_up() -> None:
    first = ocpp_meter.decode_call(samples.typical_frame(seed=1)).payload.meter_value[0]
    second = ocpp_meter.decode_call(samples.typical_frame(seed=2)).payload.meter_value[0]
    one, two = first.sampled_value[0].unit_of_measure, second.sampled_value[0].unit_of_measure
    assert one is two and one == UnitOfMeasure(unit="Wh", multiplier=3)
    # Past the process-wide bound, and with custom data, units are still right (not shared).
    for n in range(300):
        payload = (
            '{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":1,'
            f'"unitOfMeasure":{{"unit":"u{n}","multiplier":{n}}}}}]}}'
        )
        unit = MeterValue.from_json(payload).sampled_value[0].unit_of_measure
        assert unit is not None and (unit.unit, unit.multiplier) == (f"u{n}", n)
    custom = '{"unit":"Wh","customData":{"vendorId":"v"}}'
    frame = (
        '[2,"c","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z",'
        f'"sampledValue":[{{"value":1,"unitOfMeasure":{custom}}},{{"value":2,"unitOfMeasure":{custom}}}]}}]}}]'
    )
    a, b = ocpp_meter.decode_call(frame).payload.meter_value[0].sampled_value
    assert a.unit_of_measure is not b.unit_of_measure
    assert a.unit_of_measure == b.unit_of_measure
