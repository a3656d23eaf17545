"""Typed use of the public API; `mypy --strict` must accept it (see tests/test_typing.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import ocpp_meter
from ocpp_meter import (
    Call,
    CallError,
    CallResult,
    ErrorCode,
    ErrorCode16,
    Measurand,
    MeterValue,
    MeterValuesRequest,
    MeterValuesResponse,
    OcppError,
    SampledValue,
    StartTransactionResponse,
    StopTransactionResponse,
    TransactionEventResponse,
    UnitOfMeasure,
)
from ocpp_meter.rows import Event, transaction_event_record


def energy_wh(request: MeterValuesRequest) -> float | None:
    for meter_value in request.meter_value:
        stamp: datetime = meter_value.timestamp
        assert stamp.tzinfo is not None
        for sampled in meter_value.sampled_value:
            if sampled.measurand in (None, Measurand.ENERGY_ACTIVE_IMPORT_REGISTER):
                unit: UnitOfMeasure | None = sampled.unit_of_measure
                multiplier = unit.multiplier if unit and unit.multiplier is not None else 0
                return sampled.value * 10.0**multiplier
    return None


def acknowledge(frame: bytes | bytearray | memoryview | str) -> bytes:
    try:
        call: Call = ocpp_meter.decode_call(frame)
    except OcppError as error:
        # OCPP 1.6J errors carry 1.6's table.
        code: ErrorCode | ErrorCode16 = error.code
        return ocpp_meter.encode_call_error(error.message_id or "-1", code, error.description)
    if isinstance(call.payload, MeterValuesRequest):
        energy_wh(call.payload)
    return ocpp_meter.encode_call_result(call.message_id, ocpp_meter.new_meter_values_response())


def refuse_on_16(error: OcppError) -> bytes:
    """An error raised with a 2.0.1 code, answered on an OCPP 1.6J connection."""
    code: ErrorCode16 = ocpp_meter.error_code_16(error.code, error.details.get("type"))
    return ocpp_meter.encode_call_error(
        error.message_id or "-1", code, error.description, dialect="1.6"
    )


def build() -> bytes:
    request = MeterValuesRequest(
        evse_id=1,
        meter_value=[
            MeterValue(
                timestamp=datetime.now(timezone.utc),
                sampled_value=[SampledValue(value=1.5, measurand=Measurand.SOC)],
            )
        ],
        custom_data={"vendorId": "acme"},
    )
    return ocpp_meter.encode_call("id-1", request)


def replies(frame: bytes) -> str:
    message = ocpp_meter.decode_message(frame)
    if isinstance(message, CallResult):
        response: (
            MeterValuesResponse
            | TransactionEventResponse
            | StartTransactionResponse
            | StopTransactionResponse
        ) = message.payload
        return response.to_json().decode()
    if isinstance(message, CallError):
        # Either table's member is a str of its wire spelling.
        return str(message.code)
    return message.action


def lenient_measurands(frame: bytes) -> list[str]:
    """The wire strings of every measurand, including raw ones a lenient decoding kept."""
    call = ocpp_meter.decode_call(frame, profile="lenient")
    payload = call.payload
    warnings: tuple[ocpp_meter.DecodeWarning, ...] = payload.warnings
    codes = [w.code + w.path + w.raw for w in warnings]
    assert isinstance(payload.unknown_properties, dict) and isinstance(codes, list)
    out: list[str] = []
    if isinstance(payload, MeterValuesRequest):
        for meter_value in payload.meter_value:
            for sampled in meter_value.sampled_value:
                m = sampled.measurand
                out.append(m.value if isinstance(m, Measurand) else (m or "default"))
    return out


def total_incl_tax(request: ocpp_meter.TransactionEventRequest) -> float | None:
    cost: ocpp_meter.CostDetails | None = request.cost_details
    kind: ocpp_meter.TariffCost | None = cost.total_cost.type_of_cost if cost else None
    return cost.total_cost.total.incl_tax if cost and kind else None


def answer_heartbeat(frame: bytes) -> bytes:
    message_id, action, payload = ocpp_meter.decode_schema_call(frame, dialect="2.1")
    assert isinstance(payload, dict) and action in ("Heartbeat", "Authorize")
    checked: dict[str, object] = ocpp_meter.validate_payload(action, b"{}", response=False)
    reply = {"currentTime": "2024-01-01T00:00:00Z", **checked}
    return ocpp_meter.encode_schema_call_result(message_id, "Heartbeat", reply)


def session_events(frames: list[bytes]) -> tuple[int, object, list[Event]]:
    """A batch's event records as an Arrow source, and the same records one frame at a time."""
    result: ocpp_meter.BatchResult = ocpp_meter.decode_batch(frames, "CS-1", dialect="2.1")
    events: ocpp_meter.BatchRecords = result.events
    records: list[Event] = []
    for frame in frames:
        call = ocpp_meter.decode_call(frame, dialect="2.1")
        if isinstance(call.payload, ocpp_meter.TransactionEventRequest):
            record = transaction_event_record("CS-1", call.message_id, call.payload)
            records.append(record)
    return result.event_count + len(events), events.__arrow_c_stream__(), records


def answer_transaction_event(request: ocpp_meter.TransactionEventRequest) -> bytes:
    """A TransactionEvent answered with what its id token needs, then read back."""
    if request.id_token is None:
        response = ocpp_meter.new_transaction_event_response()
    else:
        message = ocpp_meter.MessageContent(
            format=ocpp_meter.MessageFormat.UTF8, content="Welcome", language="en"
        )
        info = ocpp_meter.IdTokenInfo(
            status=ocpp_meter.AuthorizationStatus.ACCEPTED,
            cache_expiry_date_time=datetime.now(timezone.utc),
            evse_id=[1],
            group_id_token=request.id_token,
            personal_message=message,
        )
        response = TransactionEventResponse(
            total_cost=0.0,
            id_token_info=info,
            transaction_limit=ocpp_meter.TransactionLimit(max_soc=80),
            updated_personal_message_extra=[message],
        )
    frame = ocpp_meter.encode_call_result("id-2", response)
    decoded = ocpp_meter.decode_message(frame, "TransactionEvent", dialect="2.1")
    assert isinstance(decoded, CallResult)
    payload = decoded.payload
    if isinstance(payload, TransactionEventResponse) and payload.id_token_info is not None:
        status: ocpp_meter.AuthorizationStatus = payload.id_token_info.status
        evses: tuple[int, ...] | None = payload.id_token_info.evse_id
        personal = payload.id_token_info.personal_message
        shown: ocpp_meter.MessageFormat | None = personal.format if personal else None
        assert status and (evses is None or evses) and (shown is None or shown.value)
    again: TransactionEventResponse = TransactionEventResponse.from_json(
        response.to_json(), dialect="2.1"
    )
    return again.to_json()


def session_energy_of_a_batch(frames: list[bytes]) -> float:
    """The submodules reached from the package, and the session energy records, type-check."""
    result = ocpp_meter.decode_batch(frames, "CS-1")
    total = 0.0
    for session in ocpp_meter.sessions.session_energy(result):
        ended: bool = not session.not_ended
        if ended and session.energy_wh is not None:
            total += session.energy_wh
    columns: tuple[str, ...] = ocpp_meter.rows.COLUMNS
    version: str = ocpp_meter.__version__
    assert columns and version
    return total
