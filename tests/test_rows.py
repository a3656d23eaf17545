"""The row form of CONTRACT.md section 4: one row per sampled value, defaults, normalization."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ocpp_meter import (
    Evse,
    IdToken,
    Location,
    Measurand,
    MeterValue,
    MeterValuesRequest,
    Phase,
    ReadingContext,
    SampledValue,
    SignedMeterValue,
    Transaction,
    TransactionEventRequest,
    UnitOfMeasure,
)
from ocpp_meter.rows import (
    COLUMNS,
    EVENT_COLUMNS,
    KILO_UNITS,
    Event,
    Row,
    meter_values_rows,
    normalize,
    transaction_event_record,
    transaction_event_rows,
)

CONTRACT_COLUMNS = (
    "station_id",
    "message_id",
    "action",
    "evse_id",
    "connector_id",
    "transaction_id",
    "event_type",
    "seq_no",
    "meter_value_index",
    "sampled_value_index",
    "timestamp",
    "value",
    "measurand",
    "phase",
    "location",
    "context",
    "unit",
    "multiplier",
    "normalized_value",
    "normalized_unit",
    "signed_meter_data",
    "signing_method",
    "encoding_method",
    "public_key",
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_columns_are_the_contract_columns_in_order() -> None:
    assert COLUMNS == CONTRACT_COLUMNS


def test_a_bare_sampled_value_gets_every_schema_default() -> None:
    request = MeterValuesRequest(evse_id=0, meter_value=[MeterValue(T0, [SampledValue(42.0)])])
    assert meter_values_rows("CS1", "m1", request) == [
        Row(
            station_id="CS1",
            message_id="m1",
            action="MeterValues",
            evse_id=0,
            connector_id=None,
            transaction_id=None,
            event_type=None,
            seq_no=None,
            meter_value_index=0,
            sampled_value_index=0,
            timestamp=T0,
            value=42.0,
            measurand="Energy.Active.Import.Register",
            phase=None,
            location="Outlet",
            context="Sample.Periodic",
            unit="Wh",
            multiplier=0,
            normalized_value=42.0,
            normalized_unit="Wh",
            signed_meter_data=None,
            signing_method=None,
            encoding_method=None,
            public_key=None,
        )
    ]


def test_every_field_is_carried_and_enums_are_wire_strings() -> None:
    signed = SignedMeterValue("ZGF0YQ==", "ECDSA", "OCMF", "a2V5")
    sampled = SampledValue(
        value=7.5,
        context=ReadingContext.TRANSACTION_END,
        measurand=Measurand.POWER_ACTIVE_IMPORT,
        phase=Phase.L2_N,
        location=Location.EV,
        signed_meter_value=signed,
        unit_of_measure=UnitOfMeasure(unit="kW", multiplier=-1),
    )
    # A unit of measure with only the multiplier keeps the default unit.
    only_multiplier = SampledValue(value=3.0, unit_of_measure=UnitOfMeasure(multiplier=2))
    request = MeterValuesRequest(
        evse_id=3, meter_value=[MeterValue(T0, [sampled, only_multiplier])]
    )
    first, second = meter_values_rows("CS-9", "id-7", request)
    assert first.evse_id == 3 and first.sampled_value_index == 0
    assert first.context == "Transaction.End" and type(first.context) is str
    assert first.measurand == "Power.Active.Import" and type(first.measurand) is str
    assert first.phase == "L2-N" and type(first.phase) is str
    assert first.location == "EV"
    assert (first.unit, first.multiplier) == ("kW", -1)
    assert (first.normalized_value, first.normalized_unit) == (750.0, "W")
    assert (
        first.signed_meter_data,
        first.signing_method,
        first.encoding_method,
        first.public_key,
    ) == ("ZGF0YQ==", "ECDSA", "OCMF", "a2V5")
    assert (second.unit, second.multiplier) == ("Wh", 2)
    assert (second.normalized_value, second.normalized_unit) == (300.0, "Wh")
    assert second.signed_meter_data is None and second.phase is None


def test_rows_come_in_input_order_with_their_indices() -> None:
    later = T0 + timedelta(minutes=1)
    request = MeterValuesRequest(
        evse_id=1,
        meter_value=[
            MeterValue(T0, [SampledValue(float(i)) for i in range(3)]),
            MeterValue(later, [SampledValue(float(10 + i)) for i in range(2)]),
        ],
    )
    rows = meter_values_rows("CS", "m", request)
    assert [(r.meter_value_index, r.sampled_value_index, r.value) for r in rows] == [
        (0, 0, 0.0),
        (0, 1, 1.0),
        (0, 2, 2.0),
        (1, 0, 10.0),
        (1, 1, 11.0),
    ]
    assert [r.timestamp for r in rows] == [T0] * 3 + [later] * 2


def test_timestamps_are_converted_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    request = MeterValuesRequest(
        evse_id=1,
        meter_value=[MeterValue("2024-05-01T14:00:00.123456+02:00", [SampledValue(1.0)])],
    )
    (row,) = meter_values_rows("CS", "m", request)
    assert row.timestamp == datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=plus_two)
    assert row.timestamp.utcoffset() == timedelta(0)
    assert (row.timestamp.hour, row.timestamp.microsecond) == (12, 123456)


@pytest.mark.parametrize(
    ("value", "unit", "multiplier", "expected"),
    [
        (2.5, "kWh", 0, (2500.0, "Wh")),
        (11.0, "kW", 0, (11000.0, "W")),
        (1.5, "kvarh", 0, (1500.0, "varh")),
        (0.25, "kvar", 0, (250.0, "var")),
        (3.0, "kVAh", 0, (3000.0, "VAh")),
        (4.0, "kVA", 0, (4000.0, "VA")),
        (12345.0, "Wh", -3, (12.345, "Wh")),
        (12.0, "kWh", -3, (12.0, "Wh")),
        (7.0, "A", 2, (700.0, "A")),
        (230.1, "V", 0, (230.1, "V")),
        (55.0, "Percent", 0, (55.0, "Percent")),
        (20.5, "Celsius", 1, (205.0, "Celsius")),
        # Case matters: only the six k-prefixed OCPP units are scaled.
        (1.0, "KWH", 0, (1.0, "KWH")),
        (1.0, "kWH", 0, (1.0, "kWH")),
        (1.0, "MWh", 0, (1.0, "MWh")),
        (-2.0, "kW", 0, (-2000.0, "W")),
        (0.0, "kWh", 5, (0.0, "Wh")),
    ],
)
def test_normalize(value: float, unit: str, multiplier: int, expected: tuple[float, str]) -> None:
    assert normalize(value, unit, multiplier) == expected


def test_kilo_units_are_the_six_of_the_contract() -> None:
    assert KILO_UNITS == {
        "kWh": "Wh",
        "kW": "W",
        "kvarh": "varh",
        "kvar": "var",
        "kVAh": "VAh",
        "kVA": "VA",
    }


def test_extreme_multipliers_overflow_to_infinity_and_underflow_to_zero() -> None:
    assert normalize(1.0, "Wh", 400) == (math.inf, "Wh")
    assert normalize(-1.0, "kWh", 10**12) == (-math.inf, "Wh")
    assert normalize(1.5, "Wh", -400) == (0.0, "Wh")
    assert normalize(1.5, "Wh", -(10**12)) == (0.0, "Wh")
    assert normalize(1.5, "kW", -30) == (1.5e-27, "W")
    assert normalize(1e300, "W", 8) == (1e308, "W")


@given(
    value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    multiplier=st.integers(min_value=-40, max_value=40),
    kilo=st.booleans(),
)
def test_normalize_is_the_correctly_rounded_exact_product(
    value: float, multiplier: int, kilo: bool
) -> None:
    exponent = multiplier + (3 if kilo else 0)
    with localcontext() as context:
        context.prec = 1000  # enough for the exact product of any double and 10**exponent
        exact = float(Decimal(value).scaleb(exponent))
    got, unit = normalize(value, "kWh" if kilo else "Wh", multiplier)
    assert unit == "Wh"
    assert got == exact


CONTRACT_EVENT_COLUMNS = (
    "station_id",
    "message_id",
    "transaction_id",
    "event_type",
    "timestamp",
    "trigger_reason",
    "seq_no",
    "offline",
    "number_of_phases_used",
    "cable_max_current",
    "reservation_id",
    "remote_start_id",
    "charging_state",
    "stopped_reason",
    "time_spent_charging",
    "evse_id",
    "connector_id",
    "id_token",
    "id_token_type",
    "meter_value_count",
)


def test_event_columns_are_the_contract_columns_in_order() -> None:
    assert EVENT_COLUMNS == CONTRACT_EVENT_COLUMNS


def test_a_transaction_event_gives_its_rows_and_one_event_record() -> None:
    local = timezone(timedelta(hours=2))
    request = TransactionEventRequest(
        event_type="Ended",
        timestamp=datetime(2024, 5, 1, 14, 0, tzinfo=local),
        trigger_reason="StopAuthorized",
        seq_no=5,
        transaction_info=Transaction(
            "tx-9", charging_state="EVConnected", time_spent_charging=900, stopped_reason="Local"
        ),
        meter_value=[
            MeterValue(T0, [SampledValue(1.5, unit_of_measure=UnitOfMeasure("kWh"))]),
            MeterValue(T0, [SampledValue(2.0), SampledValue(80.0, measurand=Measurand.SOC)]),
        ],
        offline=True,
        number_of_phases_used=3,
        cable_max_current=32,
        reservation_id=4,
        evse=Evse(2, connector_id=1),
        id_token=IdToken("AB12", "ISO14443"),
    )
    rows = transaction_event_rows("CS", "m9", request)
    assert [(r.action, r.evse_id, r.connector_id) for r in rows] == [("TransactionEvent", 2, 1)] * 3
    assert {(r.transaction_id, r.event_type, r.seq_no) for r in rows} == {("tx-9", "Ended", 5)}
    assert [(r.meter_value_index, r.sampled_value_index) for r in rows] == [(0, 0), (1, 0), (1, 1)]
    assert (rows[0].normalized_value, rows[0].normalized_unit) == (1500.0, "Wh")
    assert rows[2].measurand == "SoC"
    assert transaction_event_record("CS", "m9", request) == Event(
        station_id="CS",
        message_id="m9",
        transaction_id="tx-9",
        event_type="Ended",
        timestamp=datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc),
        trigger_reason="StopAuthorized",
        seq_no=5,
        offline=True,
        number_of_phases_used=3,
        cable_max_current=32,
        reservation_id=4,
        remote_start_id=None,
        charging_state="EVConnected",
        stopped_reason="Local",
        time_spent_charging=900,
        evse_id=2,
        connector_id=1,
        id_token="AB12",
        id_token_type="ISO14443",
        meter_value_count=3,
    )
    event = transaction_event_record("CS", "m9", request)
    assert event.timestamp.tzinfo is timezone.utc
    assert all(
        type(v) is str for v in (event.event_type, event.trigger_reason, event.stopped_reason)
    )
    assert type(event.id_token_type) is str


def test_an_event_without_meter_values_has_no_rows_and_a_record_of_nulls() -> None:
    request = TransactionEventRequest(
        event_type="Started",
        timestamp=T0,
        trigger_reason="RemoteStart",
        seq_no=0,
        transaction_info=Transaction("tx-1", remote_start_id=77),
        # OCPP 2.1 takes any idToken type of up to 20 characters: kept as sent.
        id_token=IdToken("0A1B2C3D4E5F", "EVCCID"),
    )
    assert transaction_event_rows("CS", "m0", request) == []
    event = transaction_event_record("CS", "m0", request)
    assert (event.meter_value_count, event.remote_start_id) == (0, 77)
    assert (event.id_token, event.id_token_type) == ("0A1B2C3D4E5F", "EVCCID")
    assert event.evse_id is event.connector_id is event.offline is event.stopped_reason is None
