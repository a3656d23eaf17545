"""OCPP 2.1's TransactionEventRequest: every property and value 2.1 adds is read, typed, written
back and pickled under ``dialect="2.1"`` and refused under ``"2.0.1"`` as the 2.0.1 schema
refuses it; 2.1's own limits give the code of the keyword and the pointer of the fault. The
official schemas (``tests/data/ocpp201``, ``tests/data/ocpp21``) under jsonschema's draft-06
validator are the oracle of every hand-written payload here.
"""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import jsonschema
import pyarrow as pa
import pytest
import strategies as S
from ocpp_meter import (
    AdditionalInfo,
    ChargingPeriod,
    CostDetails,
    CostDimension,
    CostDimensionVolume,
    Evse,
    IdToken,
    IdTokenType,
    OcppError,
    OperationMode,
    PreconditioningStatus,
    Price,
    Reason,
    TariffCost,
    TaxRate,
    TotalCost,
    TotalPrice,
    TotalUsage,
    Transaction,
    TransactionEventRequest,
    TransactionLimit,
    TriggerReason,
    decode_batch,
    decode_call,
)
from rfc3339_validator import validate_rfc3339

DATA = Path(__file__).parent / "data"
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time")
def _date_time(instance: object) -> bool:
    return not isinstance(instance, str) or ("\n" not in instance and validate_rfc3339(instance))


ORACLES = {
    dialect: jsonschema.Draft6Validator(
        json.loads((DATA / folder / "TransactionEventRequest.json").read_text("utf-8")),
        format_checker=FORMATS,
    )
    for dialect, folder in (("2.0.1", "ocpp201"), ("2.1", "ocpp21"))
}

CUSTOM = {"vendorId": "v", "n": [1, {"a": None}]}
PRICE: dict[str, Any] = {
    "exclTax": 1.0,
    "inclTax": 1.19,
    "taxRates": [{"type": "VAT", "tax": 19.0, "stack": 0, "customData": CUSTOM}],
    "customData": CUSTOM,
}
COST_DETAILS: dict[str, Any] = {
    "chargingPeriods": [
        {
            "dimensions": [
                {"type": "Energy", "volume": 12.5},
                {"type": "IdleTIme", "volume": 60.0, "customData": CUSTOM},
            ],
            "tariffId": "T" * 60,
            "startPeriod": "2025-03-01T09:00:00Z",
            "customData": CUSTOM,
        }
    ],
    "totalCost": {
        "currency": "EUR",
        "typeOfCost": "NormalCost",
        "fixed": PRICE,
        "energy": PRICE,
        "chargingTime": {"exclTax": 0.5},
        "idleTime": {},
        "reservationTime": {"inclTax": 0.0},
        "reservationFixed": PRICE,
        "total": {"exclTax": 10.0, "inclTax": 11.9, "customData": CUSTOM},
        "customData": CUSTOM,
    },
    "totalUsage": {
        "energy": 12500.0,
        "chargingTime": 3600,
        "idleTime": 60,
        "reservationTime": 0,
        "customData": CUSTOM,
    },
    "failureToCalculate": False,
    "failureReason": "r" * 500,
    "customData": CUSTOM,
}
LIMIT = {
    "maxCost": 50.0,
    "maxEnergy": 40000.0,
    "maxTime": 7200,
    "maxSoC": 100,
    "customData": CUSTOM,
}
MINIMAL: dict[str, Any] = {
    "eventType": "Started",
    "timestamp": "2025-03-01T10:00:00Z",
    "triggerReason": "Authorized",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "tx-1"},
}
FULL: dict[str, Any] = {
    "costDetails": COST_DETAILS,
    "eventType": "Updated",
    "meterValue": [
        {
            "timestamp": "2025-03-01T10:59:00Z",
            "sampledValue": [
                {"value": 12.5, "measurand": "Energy.Active.Import.Register"},
                {"value": 80, "measurand": "Display.PresentSOC", "location": "Upstream"},
            ],
        }
    ],
    "timestamp": "2025-03-01T11:00:00Z",
    "triggerReason": "RunningCost",
    "seqNo": 7,
    "offline": False,
    "numberOfPhasesUsed": 3,
    "cableMaxCurrent": 32,
    "reservationId": 0,
    "preconditioningStatus": "Preconditioning",
    "evseSleep": False,
    "transactionInfo": {
        "transactionId": "tx-1",
        "chargingState": "Charging",
        "timeSpentCharging": 3600,
        "stoppedReason": "ReqEnergyTransferRejected",
        "remoteStartId": 4,
        "operationMode": "CentralSetpoint",
        "tariffId": "tariff-1",
        "transactionLimit": LIMIT,
        "customData": CUSTOM,
    },
    "evse": {"id": 0, "connectorId": 0},
    "idToken": {
        "idToken": "t" * 255,
        "type": "EVCCID",
        "additionalInfo": [{"additionalIdToken": "a" * 255, "type": "x"}],
    },
    "customData": CUSTOM,
}


def fresh(base: dict[str, Any]) -> Any:
    """A deep copy with no shared parts (``copy.deepcopy`` keeps ``PRICE`` shared)."""
    return json.loads(json.dumps(base))


def with_(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``base`` with the value at JSON Pointer ``path`` set (or added)."""
    out: dict[str, Any] = fresh(base)
    *parents, last = path.strip("/").split("/")
    node: Any = out
    for step in parents:
        node = node[int(step)] if isinstance(node, list) else node[step]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


VALID = {
    "every 2.1 property": FULL,
    "a 2.0.1 token type": with_(FULL, "/idToken/type", "eMAID"),
    "cost calculation failed": with_(
        MINIMAL,
        "/costDetails",
        {
            "totalCost": {"currency": "EUR", "typeOfCost": "MinCost", "total": {}},
            "totalUsage": {"energy": 0, "chargingTime": 0, "idleTime": 0},
            "failureToCalculate": True,
        },
    ),
    "an empty limit": with_(MINIMAL, "/transactionInfo/transactionLimit", {}),
    "every new trigger reason": with_(MINIMAL, "/triggerReason", "TxResumed"),
}


def oracle_faults(payload: Any, dialect: str) -> set[tuple[str, str]]:
    """The (code, pointer) pairs the schema of ``dialect`` reports for ``payload``."""
    out = set()
    for e in ORACLES[dialect].iter_errors(payload):
        base = "".join(f"/{p}" for p in e.absolute_path)
        code = S.KEYWORD_CODE[str(e.validator)]
        if e.validator == "required":
            out |= {(code, f"{base}/{p}") for p in e.validator_value if p not in e.instance}
        elif e.validator == "additionalProperties":
            known = e.schema.get("properties", {})
            out |= {(code, f"{base}/{k}") for k in e.instance if k not in known}
        else:
            out.add((code, base))
    return out


@pytest.mark.parametrize("name", VALID)
def test_valid_2_1_payloads_decode_round_trip_and_pickle(name: str) -> None:
    payload = VALID[name]
    assert oracle_faults(payload, "2.1") == set()
    for data in S.input_forms(payload):
        te = TransactionEventRequest.from_json(data, dialect="2.1")
        assert TransactionEventRequest.from_json(te.to_json(), dialect="2.1") == te
        assert json.loads(te.to_json()) == payload
        assert pickle.loads(pickle.dumps(te)) == te


@pytest.mark.parametrize("name", VALID)
def test_2_0_1_refuses_them_as_its_schema_does(name: str) -> None:
    payload = VALID[name]
    expected = oracle_faults(payload, "2.0.1")
    assert expected, "2.0.1's schema refuses every one of them"
    for data in S.input_forms(payload):
        got = S.fault(lambda: TransactionEventRequest.from_json(data))  # noqa: B023
        assert got in expected


def test_every_new_field_is_typed() -> None:
    te = TransactionEventRequest.from_json(json.dumps(FULL), dialect="2.1")
    assert te.trigger_reason is TriggerReason.RUNNING_COST
    assert te.preconditioning_status is PreconditioningStatus.PRECONDITIONING
    assert te.evse_sleep is False
    assert te.cost_details == CostDetails.from_json(json.dumps(COST_DETAILS))
    info = te.transaction_info
    assert info.stopped_reason is Reason.REQ_ENERGY_TRANSFER_REJECTED
    assert info.operation_mode is OperationMode.CENTRAL_SETPOINT
    assert info.tariff_id == "tariff-1"
    assert info.transaction_limit == TransactionLimit(
        max_cost=50.0, max_energy=40000.0, max_time=7200, max_soc=100, custom_data=CUSTOM
    )
    assert te.id_token is not None
    assert te.id_token.type == "EVCCID" and type(te.id_token.type) is str
    assert IdToken.from_json(b'{"idToken":"x","type":"eMAID"}').type is IdTokenType.EMAID
    assert te.evse == Evse(0, connector_id=0)


def test_a_2_0_1_frame_is_the_same_value_in_both_dialects() -> None:
    frame = {**MINIMAL, "idToken": {"idToken": "x", "type": "Local"}}
    a = TransactionEventRequest.from_json(json.dumps(frame))
    b = TransactionEventRequest.from_json(json.dumps(frame), dialect="2.1")
    assert a == b and a.to_json() == b.to_json()
    assert (b.cost_details, b.preconditioning_status, b.evse_sleep) == (None, None, None)
    assert b.transaction_info.operation_mode is None
    assert b.id_token is not None and b.id_token.type is IdTokenType.LOCAL


INVALID_21 = [
    ("/seqNo", -1, "PropertyConstraintViolation"),
    ("/numberOfPhasesUsed", 4, "PropertyConstraintViolation"),
    ("/numberOfPhasesUsed", -1, "PropertyConstraintViolation"),
    ("/reservationId", -1, "PropertyConstraintViolation"),
    ("/evse/id", -1, "PropertyConstraintViolation"),
    ("/evse/connectorId", -1, "PropertyConstraintViolation"),
    ("/evseSleep", 0, "TypeConstraintViolation"),
    ("/preconditioningStatus", "Warm", "PropertyConstraintViolation"),
    ("/idToken/type", "t" * 21, "PropertyConstraintViolation"),
    ("/idToken/idToken", "t" * 256, "PropertyConstraintViolation"),
    ("/idToken/additionalInfo/0/additionalIdToken", "a" * 256, "PropertyConstraintViolation"),
    ("/transactionInfo/operationMode", "Fast", "PropertyConstraintViolation"),
    ("/transactionInfo/tariffId", "t" * 61, "PropertyConstraintViolation"),
    ("/transactionInfo/transactionLimit/maxSoC", 101, "PropertyConstraintViolation"),
    ("/transactionInfo/transactionLimit/maxTime", 1.5, "TypeConstraintViolation"),
    ("/costDetails/failureReason", "r" * 501, "PropertyConstraintViolation"),
    ("/costDetails/chargingPeriods", [], "OccurrenceConstraintViolation"),
    (
        "/costDetails/chargingPeriods/0/startPeriod",
        "2025-02-30T00:00:00Z",
        "PropertyConstraintViolation",
    ),
    ("/costDetails/chargingPeriods/0/dimensions/0/type", "IdleTime", "PropertyConstraintViolation"),
    ("/costDetails/totalCost/currency", "EURO", "PropertyConstraintViolation"),
    ("/costDetails/totalCost/typeOfCost", "Cheap", "PropertyConstraintViolation"),
    (
        "/costDetails/totalCost/energy/taxRates",
        [PRICE["taxRates"][0]] * 6,
        "OccurrenceConstraintViolation",
    ),
    ("/costDetails/totalCost/fixed/taxRates/0/stack", -1, "PropertyConstraintViolation"),
    ("/costDetails/totalCost/fixed/taxRates/0/type", "t" * 21, "PropertyConstraintViolation"),
    ("/costDetails/totalCost/total/surprise", 1, "ProtocolError"),
    ("/costDetails/totalUsage/idleTime", 0.5, "TypeConstraintViolation"),
]


@pytest.mark.parametrize(("path", "value", "code"), INVALID_21, ids=[c[0] for c in INVALID_21])
def test_2_1_limits_give_the_keyword_code_and_pointer(path: str, value: Any, code: str) -> None:
    payload = with_(FULL, path, value)
    assert oracle_faults(payload, "2.1") == {(code, path)}
    for data in S.input_forms(payload):
        assert S.fault(lambda: TransactionEventRequest.from_json(data, dialect="2.1")) == (  # noqa: B023
            code,
            path,
        )


def test_required_properties_of_the_cost_types() -> None:
    for path in (
        "/costDetails/totalCost",
        "/costDetails/totalUsage/chargingTime",
        "/costDetails/totalCost/total",
        "/costDetails/chargingPeriods/0/startPeriod",
        "/costDetails/chargingPeriods/0/dimensions/1/volume",
        "/costDetails/totalCost/fixed/taxRates/0/tax",
    ):
        payload = fresh(FULL)
        *parents, last = path.strip("/").split("/")
        node: Any = payload
        for step in parents:
            node = node[int(step)] if isinstance(node, list) else node[step]
        del node[last]
        assert oracle_faults(payload, "2.1") == {("OccurrenceConstraintViolation", path)}
        got = S.fault(lambda: TransactionEventRequest.from_json(json.dumps(payload), dialect="2.1"))  # noqa: B023
        assert got == ("OccurrenceConstraintViolation", path)


def test_the_off_profile_skips_2_1_bounds() -> None:
    payload = with_(with_(FULL, "/seqNo", -1), "/transactionInfo/transactionLimit/maxSoC", 150)
    te = TransactionEventRequest.from_json(json.dumps(payload), dialect="2.1", profile="off")
    assert te.seq_no == -1 and te.warnings == ()
    limit = te.transaction_info.transaction_limit
    assert limit is not None and limit.max_soc == 150
    assert pickle.loads(pickle.dumps(te)) == te
    with pytest.raises(OcppError):
        TransactionEventRequest.from_json(json.dumps(payload), dialect="2.1", profile="lenient")


def test_constructors_take_the_new_fields_and_validate_like_decoding() -> None:
    decoded = TransactionEventRequest.from_json(json.dumps(FULL), dialect="2.1")
    built = TransactionEventRequest(
        event_type="Updated",
        timestamp=decoded.timestamp,
        trigger_reason=TriggerReason.RUNNING_COST,
        seq_no=7,
        transaction_info=Transaction(
            "tx-1",
            charging_state="Charging",
            time_spent_charging=3600,
            stopped_reason=Reason.REQ_ENERGY_TRANSFER_REJECTED,
            remote_start_id=4,
            custom_data=CUSTOM,
            operation_mode=OperationMode.CENTRAL_SETPOINT,
            tariff_id="tariff-1",
            transaction_limit=TransactionLimit(50.0, 40000.0, 7200, 100, CUSTOM),
        ),
        meter_value=decoded.meter_value,
        offline=False,
        number_of_phases_used=3,
        cable_max_current=32,
        reservation_id=0,
        evse=Evse(0, 0),
        id_token=IdToken.from_json(json.dumps(FULL["idToken"]), dialect="2.1"),
        custom_data=CUSTOM,
        cost_details=CostDetails.from_json(json.dumps(COST_DETAILS)),
        preconditioning_status="Preconditioning",
        evse_sleep=False,
    )
    assert built == decoded
    assert built.to_json() == decoded.to_json()
    for make, expected in [
        (lambda: TransactionLimit(max_soc=101), ("PropertyConstraintViolation", "/maxSoC")),
        (lambda: TransactionLimit(max_soc=-1), ("PropertyConstraintViolation", "/maxSoC")),
        (
            lambda: TransactionLimit(max_time=1.5),  # type: ignore[arg-type]
            ("TypeConstraintViolation", "/maxTime"),
        ),
        (
            lambda: Transaction("t", tariff_id="t" * 61),
            ("PropertyConstraintViolation", "/tariffId"),
        ),
        (
            lambda: Transaction("t", operation_mode="Fast"),
            ("PropertyConstraintViolation", "/operationMode"),
        ),
        (
            lambda: Transaction("t", transaction_limit={}),  # type: ignore[arg-type]
            ("TypeConstraintViolation", "/transactionLimit"),
        ),
        (
            lambda: TransactionEventRequest(
                "Started",
                "2025-03-01T10:00:00Z",
                "Authorized",
                0,
                Transaction("t"),
                cost_details={**COST_DETAILS, "totalCost": {"currency": "EURO"}},
            ),
            ("PropertyConstraintViolation", "/costDetails/totalCost/currency"),
        ),
        (
            lambda: TransactionEventRequest(
                "Started",
                "2025-03-01T10:00:00Z",
                "Authorized",
                0,
                Transaction("t"),
                preconditioning_status="Warm",
            ),
            ("PropertyConstraintViolation", "/preconditioningStatus"),
        ),
        (lambda: IdToken("t" * 256, "Local"), ("PropertyConstraintViolation", "/idToken")),
    ]:
        assert S.fault(make) == expected
    # What either dialect allows: 2.1's longer tokens.
    assert IdToken("t" * 255, IdTokenType.LOCAL).id_token == "t" * 255
    # and 2.1's free token types: a 2.0.1 value reads back as its member, any other as str.
    local, evccid = IdToken("t", "Local"), IdToken("t", "EVCCID")
    assert local.type is IdTokenType.LOCAL
    assert evccid.type == "EVCCID" and type(evccid.type) is str
    assert IdToken.from_json(evccid.to_json(), dialect="2.1") == evccid
    assert S.fault(lambda: IdToken.from_json(evccid.to_json()))[1] == "/type"
    assert pickle.loads(pickle.dumps(evccid)) == evccid
    assert AdditionalInfo("a" * 255, "x").additional_id_token == "a" * 255


def test_pieces_decode_in_either_dialect_and_pickle() -> None:
    token = json.dumps(FULL["idToken"])
    assert S.fault(lambda: IdToken.from_json(token))[1] == "/idToken"
    info = json.dumps(FULL["transactionInfo"])
    assert S.fault(lambda: Transaction.from_json(info))[1] == "/stoppedReason"
    assert S.fault(lambda: Evse.from_json('{"id":-1}', dialect="2.1"))[1] == "/id"
    assert Evse.from_json('{"id":-1}').id == -1
    long_info = json.dumps(FULL["idToken"]["additionalInfo"][0])
    assert S.fault(lambda: AdditionalInfo.from_json(long_info))[1] == "/additionalIdToken"
    for piece in (
        IdToken.from_json(token, dialect="2.1"),
        Transaction.from_json(info, dialect="2.1"),
        AdditionalInfo.from_json(long_info, dialect="2.1"),
        TransactionLimit.from_json(json.dumps(LIMIT)),
    ):
        assert pickle.loads(pickle.dumps(piece)) == piece
        assert type(piece).from_json(piece.to_json(), dialect="2.1") == piece
    evse = Evse.from_json('{"id":-1}')
    assert pickle.loads(pickle.dumps(evse)) == evse
    with pytest.raises(
        ValueError, match=r'TransactionLimit exists only in OCPP 2\.1 \(dialect="2\.1"\)'
    ):
        TransactionLimit.from_json(json.dumps(LIMIT), dialect="2.0.1")  # type: ignore[arg-type]
    # 1.6 is refused as every 2.x class's dialect= refuses it, not as another 2.x version.
    with pytest.raises(ValueError, match="dialect must be '2.0.1' or '2.1'"):
        TransactionLimit.from_json(json.dumps(LIMIT), dialect="1.6")  # type: ignore[arg-type]


def test_frames_and_batches_in_2_1() -> None:
    frame = json.dumps([2, "m-21", "TransactionEvent", FULL])
    call = decode_call(frame, dialect="2.1")
    assert isinstance(call.payload, TransactionEventRequest)
    cost = call.payload.cost_details
    assert cost is not None and json.loads(cost.to_json()) == COST_DETAILS
    with pytest.raises(OcppError) as info:
        decode_call(frame)
    assert (info.value.code.value, info.value.path) == ("ProtocolError", "/costDetails")

    result = decode_batch([frame, frame.encode()], "CS-21", dialect="2.1")
    rows = pa.table(result).to_pylist()
    assert result.error_count == 0 and len(rows) == 4
    assert [(r["measurand"], r["location"]) for r in rows[:2]] == [
        ("Energy.Active.Import.Register", "Outlet"),
        ("Display.PresentSOC", "Upstream"),
    ]
    first = rows[0]
    assert (first["action"], first["evse_id"], first["connector_id"]) == ("TransactionEvent", 0, 0)
    assert (first["transaction_id"], first["event_type"], first["seq_no"]) == ("tx-1", "Updated", 7)

    refused = decode_batch([frame], "CS-201")
    errors = pa.table(refused.errors).to_pylist()
    assert refused.row_count == 0
    assert [(e["code"], e["path"]) for e in errors] == [("ProtocolError", "/costDetails")]


def built_cost_details() -> CostDetails:
    """``COST_DETAILS`` built with keywords, part by part."""
    custom = CUSTOM
    price = Price(
        excl_tax=1.0,
        incl_tax=1.19,
        tax_rates=[TaxRate("VAT", 19.0, stack=0, custom_data=custom)],
        custom_data=custom,
    )
    return CostDetails(
        charging_periods=[
            ChargingPeriod(
                dimensions=[
                    CostDimensionVolume(CostDimension.ENERGY, 12.5),
                    CostDimensionVolume("IdleTIme", 60.0, custom_data=custom),
                ],
                tariff_id="T" * 60,
                start_period="2025-03-01T09:00:00Z",
                custom_data=custom,
            )
        ],
        total_cost=TotalCost(
            currency="EUR",
            type_of_cost=TariffCost.NORMAL_COST,
            fixed=price,
            energy=price,
            charging_time=Price(excl_tax=0.5),
            idle_time=Price(),
            reservation_time=Price(incl_tax=0.0),
            reservation_fixed=price,
            total=TotalPrice(10.0, 11.9, custom),
            custom_data=custom,
        ),
        total_usage=TotalUsage(12500.0, 3600, 60, reservation_time=0, custom_data=custom),
        failure_to_calculate=False,
        failure_reason="r" * 500,
        custom_data=custom,
    )


def test_cost_details_is_typed_to_every_field() -> None:
    te = TransactionEventRequest.from_json(json.dumps(FULL), dialect="2.1")
    cost = te.cost_details
    assert isinstance(cost, CostDetails)
    assert (cost.failure_to_calculate, cost.failure_reason) == (False, "r" * 500)
    assert cost.custom_data == CUSTOM
    assert cost.charging_periods is not None
    (period,) = cost.charging_periods
    assert period.start_period == datetime(2025, 3, 1, 9, tzinfo=timezone.utc)
    assert period.start_period.tzinfo is not None
    assert (period.tariff_id, period.custom_data) == ("T" * 60, CUSTOM)
    assert period.dimensions is not None
    energy, idle = period.dimensions
    assert energy.type is CostDimension.ENERGY and energy.volume == 12.5
    assert energy.custom_data is None
    assert idle.type is CostDimension.IDLE_TIME and idle.volume == 60.0
    assert idle.custom_data == CUSTOM

    total = cost.total_cost
    assert (total.currency, total.type_of_cost) == ("EUR", TariffCost.NORMAL_COST)
    assert total.type_of_cost is TariffCost.NORMAL_COST
    assert (total.total.excl_tax, total.total.incl_tax) == (10.0, 11.9)
    assert total.total.custom_data == CUSTOM and total.custom_data == CUSTOM
    for price in (total.fixed, total.energy, total.reservation_fixed):
        assert price is not None
        assert (price.excl_tax, price.incl_tax, price.custom_data) == (1.0, 1.19, CUSTOM)
        assert price.tax_rates is not None
        (rate,) = price.tax_rates
        assert (rate.type, rate.tax, rate.stack, rate.custom_data) == ("VAT", 19.0, 0, CUSTOM)
    assert total.charging_time == Price(excl_tax=0.5)
    assert total.idle_time == Price() and total.idle_time.tax_rates is None
    assert total.reservation_time is not None
    assert (total.reservation_time.excl_tax, total.reservation_time.incl_tax) == (None, 0.0)

    usage = cost.total_usage
    assert (usage.energy, usage.charging_time, usage.idle_time) == (12500.0, 3600, 60)
    assert (usage.reservation_time, usage.custom_data) == (0, CUSTOM)
    # A fresh dict on every read: changing it does not change the value.
    read = usage.custom_data
    assert read is not None
    read["vendorId"] = "other"
    assert usage.custom_data == CUSTOM

    failed = json.dumps(VALID["cost calculation failed"])
    minimal = TransactionEventRequest.from_json(failed, dialect="2.1")
    assert minimal.cost_details is not None
    bare = minimal.cost_details
    assert (bare.charging_periods, bare.failure_reason, bare.custom_data) == (None, None, None)
    assert bare.failure_to_calculate is True
    assert bare.total_cost.fixed is None and bare.total_cost.total == TotalPrice()
    assert bare.total_usage.reservation_time is None


def test_cost_details_built_equals_decoded_and_round_trips() -> None:
    built = built_cost_details()
    decoded = CostDetails.from_json(json.dumps(COST_DETAILS))
    assert built == decoded
    assert json.loads(built.to_json()) == COST_DETAILS
    assert built.to_json() == decoded.to_json()
    assert CostDetails.from_json(built.to_json()) == built
    assert built != CostDetails.from_json(json.dumps(with_(COST_DETAILS, "/failureReason", "x")))
    assert repr(built).startswith("CostDetails(total_cost=TotalCost(currency='EUR', ")
    assert "type_of_cost=TariffCost.NORMAL_COST" in repr(built)
    assert "CostDimensionVolume(type=CostDimension.ENERGY, volume=12.5)" in repr(built)
    # The request takes the class (and still the dict form) and gives the class back.
    request = TransactionEventRequest.from_json(json.dumps(FULL), dialect="2.1")
    args = ("Updated", "2025-03-01T11:00:00Z", "RunningCost", 7, Transaction("tx-1"))
    assert TransactionEventRequest(*args, cost_details=built).cost_details == request.cost_details
    from_dict = TransactionEventRequest(*args, cost_details=COST_DETAILS)
    assert from_dict.cost_details == built
    assert "cost_details=CostDetails(" in repr(from_dict)


def test_cost_classes_pickle_and_decode_only_in_2_1() -> None:
    cost = built_cost_details()
    assert cost.charging_periods is not None and cost.total_cost.fixed is not None
    period = cost.charging_periods[0]
    assert period.dimensions is not None and cost.total_cost.fixed.tax_rates is not None
    pieces: list[Any] = [
        cost,
        period,
        period.dimensions[1],
        cost.total_cost,
        cost.total_cost.fixed,
        cost.total_cost.fixed.tax_rates[0],
        cost.total_cost.total,
        cost.total_usage,
    ]
    for piece in pieces:
        assert pickle.loads(pickle.dumps(piece)) == piece
        assert type(piece).from_json(piece.to_json()) == piece
        assert type(piece).from_json(piece.to_json().decode(), dialect="2.1") == piece
        with pytest.raises(ValueError):
            type(piece).from_json(piece.to_json(), dialect="2.0.1")
        with pytest.raises(AttributeError):
            piece.custom_data = None
    # What only the off profile accepts pickles too.
    payload = with_(FULL, "/costDetails/totalCost/currency", "EURO")
    te = TransactionEventRequest.from_json(json.dumps(payload), dialect="2.1", profile="off")
    assert te.cost_details is not None and te.cost_details.total_cost.currency == "EURO"
    assert pickle.loads(pickle.dumps(te.cost_details)) == te.cost_details


def test_cost_construction_faults_are_decoding_faults() -> None:
    usage = TotalUsage(0, 0, 0)
    total = TotalCost("EUR", "MinCost", TotalPrice())
    rate = TaxRate("VAT", 19.0)
    # (construction, its pointer, the same fault's pointer in costDetails, the value there)
    cases: list[tuple[Callable[[], Any], str, str, Any]] = [
        (
            lambda: TotalCost("EURO", "NormalCost", TotalPrice()),
            "/currency",
            "/totalCost/currency",
            "EURO",
        ),
        (
            lambda: TotalCost("EUR", "Cheap", TotalPrice()),
            "/typeOfCost",
            "/totalCost/typeOfCost",
            "Cheap",
        ),
        (
            lambda: Price(tax_rates=[rate] * 6),
            "/taxRates",
            "/totalCost/energy/taxRates",
            [PRICE["taxRates"][0]] * 6,
        ),
        (lambda: Price(tax_rates=[]), "/taxRates", "/totalCost/energy/taxRates", []),
        (
            lambda: TaxRate("VAT", 19.0, stack=-1),
            "/stack",
            "/totalCost/fixed/taxRates/0/stack",
            -1,
        ),
        (
            lambda: TaxRate("t" * 21, 19.0),
            "/type",
            "/totalCost/fixed/taxRates/0/type",
            "t" * 21,
        ),
        (
            lambda: CostDimensionVolume("IdleTime", 1.0),
            "/type",
            "/chargingPeriods/0/dimensions/0/type",
            "IdleTime",
        ),
        (
            lambda: ChargingPeriod("2025-02-30T00:00:00Z"),
            "/startPeriod",
            "/chargingPeriods/0/startPeriod",
            "2025-02-30T00:00:00Z",
        ),
        (lambda: TotalUsage(0, 0, 0.5), "/idleTime", "/totalUsage/idleTime", 0.5),
        (
            lambda: CostDetails(total, usage, failure_reason="r" * 501),
            "/failureReason",
            "/failureReason",
            "r" * 501,
        ),
        (
            lambda: CostDetails(total, usage, charging_periods=[]),
            "/chargingPeriods",
            "/chargingPeriods",
            [],
        ),
    ]
    for make, at, in_cost, value in cases:
        code, path = S.fault(make)
        assert path == at and in_cost.endswith(at)
        invalid = with_(COST_DETAILS, in_cost, value)
        assert S.fault(lambda: CostDetails.from_json(json.dumps(invalid))) == (code, in_cost)  # noqa: B023
        assert oracle_faults({**MINIMAL, "costDetails": invalid}, "2.1") == {
            (code, "/costDetails" + in_cost)
        }
    assert S.fault(lambda: TotalCost("EURO", "NormalCost", TotalPrice())) == (
        "PropertyConstraintViolation",
        "/currency",
    )
    assert S.fault(lambda: Price(tax_rates=[rate] * 6)) == (
        "OccurrenceConstraintViolation",
        "/taxRates",
    )
    assert S.fault(lambda: Price(tax_rates=[rate, {"type": "VAT"}])) == (  # type: ignore[list-item]
        "TypeConstraintViolation",
        "/taxRates/1",
    )
    assert S.fault(lambda: CostDetails(total, {})) == (  # type: ignore[arg-type]
        "TypeConstraintViolation",
        "/totalUsage",
    )
    assert S.fault(lambda: ChargingPeriod(datetime(2025, 3, 1))) == (
        "PropertyConstraintViolation",
        "/startPeriod",
    )
    # A missing required property: a TypeError when built, as for every class; decoding
    # names it.
    with pytest.raises(TypeError):
        ChargingPeriod()  # type: ignore[call-arg]
    no_start = json.dumps({"tariffId": "t"})
    assert S.fault(lambda: ChargingPeriod.from_json(no_start)) == (
        "OccurrenceConstraintViolation",
        "/startPeriod",
    )
    assert S.fault(
        lambda: TransactionEventRequest(
            "Started", "2025-03-01T10:00:00Z", "Authorized", 0, Transaction("t"), cost_details=[]
        )
    ) == ("TypeConstraintViolation", "/costDetails")
