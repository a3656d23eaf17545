"""The typed OCPP 1.6J classes (``MeterValuesRequest16``, ``MeterValue16``, ``SampledValue16``,
``StartTransactionRequest``/``Response``, ``StopTransactionRequest``/``Response``,
``IdTagInfo``): keyword construction, ``from_json``/``to_json`` round trips over every input
form, ``==``, ``repr``, pickling, and faults with the OCPP 1.6J codes (``ErrorCode16``) and
the JSON Pointer of the fault, whether decoding or building.
"""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timezone
from typing import Any

import ocpp_meter as m
import pytest
import strategies as S
from ocpp_meter import ErrorCode16

T = "2024-03-01T10:00:00Z"
T_DT = datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc)

METER_VALUES: dict[str, Any] = {
    "connectorId": 1,
    "transactionId": 17,
    "meterValue": [
        {
            "timestamp": T,
            "sampledValue": [
                {
                    "value": "1234.50",
                    "context": "Sample.Periodic",
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "kWh",
                },
                {
                    "value": "230.1",
                    "measurand": "Voltage",
                    "phase": "L1-N",
                    "location": "Outlet",
                    "unit": "V",
                },
                {"value": "49.98", "measurand": "Frequency", "unit": "Hertz"},
                {"value": "AbC=", "format": "SignedData"},
            ],
        }
    ],
}
START: dict[str, Any] = {
    "connectorId": 2,
    "idTag": "TAG-1",
    "meterStart": 1000,
    "reservationId": 5,
    "timestamp": T,
}
START_RESPONSE: dict[str, Any] = {
    "idTagInfo": {"expiryDate": T, "parentIdTag": "PARENT", "status": "Accepted"},
    "transactionId": 42,
}
STOP: dict[str, Any] = {
    "idTag": "TAG-1",
    "meterStop": 5000,
    "timestamp": T,
    "transactionId": 42,
    "reason": "HardReset",
    "transactionData": [{"timestamp": T, "sampledValue": [{"value": "5.0", "unit": "kWh"}]}],
}
STOP_RESPONSE: dict[str, Any] = {"idTagInfo": {"status": "ConcurrentTx"}}

PAYLOADS: list[tuple[Any, dict[str, Any]]] = [
    (m.MeterValuesRequest16, METER_VALUES),
    (m.MeterValue16, METER_VALUES["meterValue"][0]),
    (m.SampledValue16, METER_VALUES["meterValue"][0]["sampledValue"][0]),
    (m.StartTransactionRequest, START),
    (m.StartTransactionResponse, START_RESPONSE),
    (m.IdTagInfo, START_RESPONSE["idTagInfo"]),
    (m.StopTransactionRequest, STOP),
    (m.StopTransactionResponse, STOP_RESPONSE),
    (m.StopTransactionResponse, {}),
]


@pytest.mark.parametrize(("cls", "payload"), PAYLOADS)
def test_round_trip_eq_and_pickle(cls: Any, payload: dict[str, Any]) -> None:
    values = [cls.from_json(form) for form in S.input_forms(payload)]
    assert all(v == values[0] for v in values)
    value = values[0]
    # Schema order and the exact text of every value: the payloads above are in schema order.
    assert value.to_json() == json.dumps(payload, separators=(",", ":")).encode()
    assert cls.from_json(value.to_json(), dialect="1.6") == value
    assert pickle.loads(pickle.dumps(value)) == value
    assert repr(value).startswith(cls.__name__ + "(")


def test_keyword_construction_equals_decoding() -> None:
    samples = [
        m.SampledValue16(
            "1234.50",
            context=m.ReadingContext.SAMPLE_PERIODIC,
            measurand="Energy.Active.Import.Register",
            unit=m.UnitOfMeasure16.KWH,
        ),
        m.SampledValue16(
            "230.1",
            measurand=m.Measurand16.VOLTAGE,
            phase="L1-N",
            location=m.Location.OUTLET,
            unit="V",
        ),
        m.SampledValue16("49.98", measurand="Frequency", unit=m.UnitOfMeasure16.HERTZ),
        m.SampledValue16("AbC=", format=m.ValueFormat.SIGNED_DATA),
    ]
    built = m.MeterValuesRequest16(
        connector_id=1, meter_value=[m.MeterValue16(T_DT, samples)], transaction_id=17
    )
    assert built == m.MeterValuesRequest16.from_json(json.dumps(METER_VALUES))
    info = m.IdTagInfo(m.AuthorizationStatus.ACCEPTED, expiry_date=T, parent_id_tag="PARENT")
    assert m.StartTransactionResponse(info, 42) == m.StartTransactionResponse.from_json(
        json.dumps(START_RESPONSE)
    )
    start = m.StartTransactionRequest(
        connector_id=2, id_tag="TAG-1", meter_start=1000, timestamp=T, reservation_id=5
    )
    assert start == m.StartTransactionRequest.from_json(json.dumps(START))
    stop = m.StopTransactionRequest(
        meter_stop=5000,
        timestamp=T_DT,
        transaction_id=42,
        id_tag="TAG-1",
        reason=m.Reason16.HARD_RESET,
        transaction_data=[m.MeterValue16(T, [m.SampledValue16("5.0", unit="kWh")])],
    )
    assert stop == m.StopTransactionRequest.from_json(json.dumps(STOP))
    assert m.StopTransactionResponse() == m.StopTransactionResponse.from_json(b"{}")
    assert m.StopTransactionResponse() != m.StopTransactionResponse(m.IdTagInfo("Blocked"))


def test_getters_value_text_and_number() -> None:
    req = m.MeterValuesRequest16.from_json(json.dumps(METER_VALUES))
    assert (req.connector_id, req.transaction_id) == (1, 17)
    energy, voltage, freq, signed = req.meter_value[0].sampled_value
    assert req.meter_value[0].timestamp == T_DT
    # The decimal text is kept exactly; the number is read from it.
    assert (energy.value, energy.number) == ("1234.50", 1234.5)
    assert energy.measurand is m.Measurand16.ENERGY_ACTIVE_IMPORT_REGISTER
    assert (
        energy.unit is m.UnitOfMeasure16.KWH and energy.context is m.ReadingContext.SAMPLE_PERIODIC
    )
    assert voltage.phase is m.Phase.L1_N and voltage.location is m.Location.OUTLET
    assert freq.unit is m.UnitOfMeasure16.HERTZ and freq.number == 49.98
    assert (signed.value, signed.number, signed.format) == ("AbC=", None, m.ValueFormat.SIGNED_DATA)
    assert energy.phase is None and energy.format is None
    stop = m.StopTransactionRequest.from_json(json.dumps(STOP))
    assert stop.reason is m.Reason16.HARD_RESET and stop.meter_stop == 5000
    assert (
        stop.transaction_data is not None
        and stop.transaction_data[0].sampled_value[0].number == 5.0
    )
    resp = m.StartTransactionResponse.from_json(json.dumps(START_RESPONSE))
    assert resp.id_tag_info.status is m.AuthorizationStatus.ACCEPTED and resp.transaction_id == 42
    assert resp.id_tag_info.expiry_date == T_DT and resp.id_tag_info.parent_id_tag == "PARENT"


def test_repr_names_the_fields_sent() -> None:
    sv = m.SampledValue16("7", unit="Wh")
    assert repr(sv) == "SampledValue16(value='7', unit=UnitOfMeasure16.WH)"
    assert repr(m.StopTransactionResponse()) == "StopTransactionResponse()"
    assert repr(m.IdTagInfo("Invalid")) == "IdTagInfo(status=AuthorizationStatus.INVALID)"


def fault16(fn: Any) -> tuple[ErrorCode16, str]:
    with pytest.raises(m.OcppError) as info:
        fn()
    assert isinstance(info.value.code, ErrorCode16), info.value.code
    return info.value.code, info.value.path


def with_value(value: Any) -> str:
    payload = json.loads(json.dumps(METER_VALUES))
    payload["meterValue"][0]["sampledValue"][1]["value"] = value
    return json.dumps(payload)


@pytest.mark.parametrize(
    ("cls", "text", "code", "path"),
    [
        (
            m.MeterValuesRequest16,
            with_value(230.1),
            ErrorCode16.TYPE_CONSTRAINT_VIOLATION,
            "/meterValue/0/sampledValue/1/value",
        ),
        (
            m.MeterValuesRequest16,
            with_value("230,1"),
            ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
            "/meterValue/0/sampledValue/1/value",
        ),
        (
            m.MeterValuesRequest16,
            json.dumps({"meterValue": METER_VALUES["meterValue"]}),
            ErrorCode16.OCCURENCE_CONSTRAINT_VIOLATION,
            "/connectorId",
        ),
        (
            m.MeterValuesRequest16,
            '{"evseId":1,"connectorId":1}',
            ErrorCode16.FORMATION_VIOLATION,
            "/evseId",
        ),
        (
            m.MeterValuesRequest16,
            '{"connectorId":-1}',
            ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
            "/connectorId",
        ),
        (
            m.StartTransactionRequest,
            json.dumps({**START, "meterStart": 1.0}),
            ErrorCode16.TYPE_CONSTRAINT_VIOLATION,
            "/meterStart",
        ),
        (
            m.StartTransactionRequest,
            json.dumps({**START, "idTag": "x" * 21}),
            ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
            "/idTag",
        ),
        (
            m.StopTransactionRequest,
            json.dumps({**STOP, "reason": "StoppedByEV"}),
            ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
            "/reason",
        ),
        (
            m.StartTransactionResponse,
            '{"idTagInfo":{"status":"NoCredit"},"transactionId":1}',
            ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
            "/idTagInfo/status",
        ),
        (m.SampledValue16, "{", ErrorCode16.FORMATION_VIOLATION, ""),
    ],
)
def test_decoding_faults_carry_16_codes(cls: Any, text: str, code: ErrorCode16, path: str) -> None:
    got_code, got_path = fault16(lambda: cls.from_json(text))
    assert (got_code, got_path) == (code, path)


def test_hertz_is_refused_in_transaction_data_only() -> None:
    hz = json.loads(json.dumps(STOP))
    hz["transactionData"][0]["sampledValue"][0]["unit"] = "Hertz"
    assert fault16(lambda: m.StopTransactionRequest.from_json(json.dumps(hz))) == (
        ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
        "/transactionData/0/sampledValue/0/unit",
    )
    sample = m.SampledValue16("50", unit="Hertz")
    assert fault16(
        lambda: m.StopTransactionRequest(5, T, 1, transaction_data=[m.MeterValue16(T, [sample])])
    ) == (ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION, "/transactionData/0/sampledValue/0/unit")


@pytest.mark.parametrize(
    ("build", "code", "path"),
    [
        (lambda: m.SampledValue16("12,5"), ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION, "/value"),
        (lambda: m.SampledValue16(12.5), ErrorCode16.TYPE_CONSTRAINT_VIOLATION, "/value"),
        (
            lambda: m.SampledValue16("1", unit="kW/h"),
            ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
            "/unit",
        ),
        (
            lambda: m.SampledValue16("1", measurand="Energy.Active.Net"),
            ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
            "/measurand",
        ),
        (
            lambda: m.MeterValuesRequest16(-1, []),
            ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
            "/connectorId",
        ),
        (
            lambda: m.MeterValuesRequest16(0, []),
            ErrorCode16.OCCURENCE_CONSTRAINT_VIOLATION,
            "/meterValue",
        ),
        (
            lambda: m.StartTransactionRequest(0, "T", 0, T),
            ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
            "/connectorId",
        ),
        (
            lambda: m.StartTransactionRequest(1, "T", 0, "2024-03-01T10:00:00"),
            ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
            "/timestamp",
        ),
        (
            lambda: m.StartTransactionResponse(m.SampledValue16("1"), 1),
            ErrorCode16.TYPE_CONSTRAINT_VIOLATION,
            "/idTagInfo",
        ),
        (lambda: m.IdTagInfo("NoCredit"), ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION, "/status"),
    ],
)
def test_construction_faults_carry_16_codes(build: Any, code: ErrorCode16, path: str) -> None:
    assert fault16(build) == (code, path)


def test_from_json_is_16_only() -> None:
    with pytest.raises(ValueError, match="only in OCPP 1.6"):
        m.MeterValuesRequest16.from_json(json.dumps(METER_VALUES), dialect="2.0.1")
    with pytest.raises(ValueError, match="dialect must be"):
        m.IdTagInfo.from_json(b'{"status":"Accepted"}', dialect="1.5")


def test_ocpp_error_with_a_16_code_pickles_and_keeps_its_table() -> None:
    code, _ = fault16(lambda: m.IdTagInfo("NoCredit"))
    with pytest.raises(m.OcppError) as info:
        m.IdTagInfo("NoCredit")
    again = pickle.loads(pickle.dumps(info.value))
    assert again.code is code is ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION
    # A string 2.x never spells is read as 1.6's; one both spell stays 2.x's.
    assert m.OcppError("FormationViolation").code is ErrorCode16.FORMATION_VIOLATION
    assert m.OcppError("ProtocolError").code is m.ErrorCode.PROTOCOL_ERROR


def test_encode_call_error_under_16() -> None:
    assert m.encode_call_error(
        "7", ErrorCode16.OCCURENCE_CONSTRAINT_VIOLATION, "x", dialect="1.6"
    ) == (b'[4,"7","OccurenceConstraintViolation","x",{}]')
    # 2.0.1's spelling is not a 1.6 code, nor 1.6's a 2.0.1 one.
    assert fault16(lambda: m.encode_call_error("7", "FormatViolation", dialect="1.6")) == (
        ErrorCode16.PROPERTY_CONSTRAINT_VIOLATION,
        "/errorCode",
    )
    assert S.fault(lambda: m.encode_call_error("7", "FormationViolation")) == (
        "PropertyConstraintViolation",
        "/errorCode",
    )


FRAMES: list[tuple[str, dict[str, Any], Any]] = [
    ("MeterValues", METER_VALUES, m.MeterValuesRequest16),
    ("StartTransaction", START, m.StartTransactionRequest),
    ("StopTransaction", STOP, m.StopTransactionRequest),
]


@pytest.mark.parametrize(("action", "payload", "cls"), FRAMES)
def test_decode_call_and_encode_call_under_16(
    action: str, payload: dict[str, Any], cls: Any
) -> None:
    frame = [2, "m-1", action, payload]
    for form in S.input_forms(frame):
        call = m.decode_call(form, dialect="1.6")
        assert (call.message_id, call.action) == ("m-1", action)
        assert type(call.payload) is cls and call.payload == cls.from_json(json.dumps(payload))
        # A valid frame: nothing accepted past the schema, under any profile.
        assert call.payload.warnings == () and call.payload.unknown_properties == {}
        assert m.decode_call(form, profile="lenient", dialect="1.6") == call
    assert m.encode_call("m-1", call.payload) == json.dumps(frame, separators=(",", ":")).encode()
    assert m.Call("m-1", action, call.payload) == call
    assert m.decode_message(json.dumps(frame), action, dialect="1.6") == call


def test_decode_message_results_and_errors_under_16() -> None:
    result = m.decode_message(
        json.dumps([3, "s", START_RESPONSE]), "StartTransaction", dialect="1.6"
    )
    assert isinstance(result, m.CallResult)
    assert result.payload == m.StartTransactionResponse.from_json(json.dumps(START_RESPONSE))
    assert (
        m.encode_call_result("s", result.payload)
        == json.dumps([3, "s", START_RESPONSE], separators=(",", ":")).encode()
    )
    stop = m.decode_message('[3,"t",{}]', "StopTransaction", dialect="1.6")
    assert isinstance(stop, m.CallResult) and stop.payload == m.StopTransactionResponse()
    assert m.encode_call_result("t", m.StopTransactionResponse()) == b'[3,"t",{}]'
    error = m.decode_message(
        '[4,"u","OccurenceConstraintViolation","gone",{}]', "MeterValues", dialect="1.6"
    )
    assert isinstance(error, m.CallError)
    assert error.code is ErrorCode16.OCCURENCE_CONSTRAINT_VIOLATION and error.description == "gone"
    # 2.0.1's spelling is no 1.6 code.
    assert fault16(lambda: m.decode_message('[4,"u","FormatViolation","",{}]', dialect="1.6"))[
        0
    ] in set(ErrorCode16)


@pytest.mark.parametrize(
    ("frame", "code", "path"),
    [
        ("not json", ErrorCode16.FORMATION_VIOLATION, ""),
        ('[2,"m"]', ErrorCode16.PROTOCOL_ERROR, ""),
        ('[2,"m","BootNotification",{}]', ErrorCode16.NOT_IMPLEMENTED, ""),
        ('[2,"m","TransactionEvent",{}]', ErrorCode16.NOT_IMPLEMENTED, ""),
        (
            json.dumps([2, "m", "StartTransaction", {**START, "idTag": None}]),
            ErrorCode16.TYPE_CONSTRAINT_VIOLATION,
            "/idTag",
        ),
        (
            json.dumps([2, "m", "StopTransaction", {"meterStop": 1, "timestamp": T}]),
            ErrorCode16.OCCURENCE_CONSTRAINT_VIOLATION,
            "/transactionId",
        ),
    ],
)
def test_decode_call_faults_under_16(frame: str, code: ErrorCode16, path: str) -> None:
    assert fault16(lambda: m.decode_call(frame, dialect="1.6")) == (code, path)


def test_schema_validation_under_16() -> None:
    boot = b'{"chargePointVendor":"V","chargePointModel":"M"}'
    assert m.validate_payload("BootNotification", boot, dialect="1.6") == {
        "chargePointVendor": "V",
        "chargePointModel": "M",
    }
    assert fault16(
        lambda: m.validate_payload("BootNotification", b'{"chargePointVendor":"V"}', dialect="1.6")
    ) == (
        ErrorCode16.OCCURENCE_CONSTRAINT_VIOLATION,
        "/chargePointModel",
    )
    # The 2.0.1 shape is not 1.6's.
    assert fault16(
        lambda: m.validate_payload(
            "BootNotification",
            b'{"chargingStation":{"model":"M","vendorName":"V"},"reason":"PowerUp"}',
            dialect="1.6",
        )
    )[0] in (ErrorCode16.FORMATION_VIOLATION, ErrorCode16.OCCURENCE_CONSTRAINT_VIOLATION)
    hb = m.encode_schema_call_result("h", "Heartbeat", {"currentTime": T}, dialect="1.6")
    assert json.loads(hb) == [3, "h", {"currentTime": T}]
