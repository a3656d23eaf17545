"""ocpp-meter: a strict, fast codec for the OCPP 2.0.1 MeterValues message.

The parsing, validation and encoding live in the Rust core (``ocpp_meter._core``); this package
re-exports it beside the enums, the error type and the ocpp-go style feature surface.
"""

from __future__ import annotations

from ._core import (
    AdditionalInfo,
    BatchErrors,
    BatchResult,
    Call,
    CallError,
    CallResult,
    Evse,
    IdToken,
    MeterValue,
    MeterValuesRequest,
    MeterValuesResponse,
    SampledValue,
    SignedMeterValue,
    Transaction,
    TransactionEventRequest,
    UnitOfMeasure,
    decode_batch,
    decode_call,
    decode_message,
    encode_call,
    encode_call_error,
    encode_call_result,
)
from .dispatch import CallContext, ChargingStationHandler, CSMSHandler, Dispatcher, current_call
from .enums import (
    ChargingState,
    ErrorCode,
    IdTokenType,
    Location,
    Measurand,
    Phase,
    ReadingContext,
    Reason,
    TransactionEventType,
    TriggerReason,
)
from .errors import OcppError
from .feature import (
    METER_VALUES_FEATURE_NAME,
    PROFILE_NAME,
    MeterValuesFeature,
    new_meter_values_request,
    new_meter_values_response,
)

__all__ = [
    "METER_VALUES_FEATURE_NAME",
    "PROFILE_NAME",
    "AdditionalInfo",
    "BatchErrors",
    "BatchResult",
    "CSMSHandler",
    "Call",
    "CallContext",
    "CallError",
    "CallResult",
    "ChargingState",
    "ChargingStationHandler",
    "Dispatcher",
    "ErrorCode",
    "Evse",
    "IdToken",
    "IdTokenType",
    "Location",
    "Measurand",
    "MeterValue",
    "MeterValuesFeature",
    "MeterValuesRequest",
    "MeterValuesResponse",
    "OcppError",
    "Phase",
    "ReadingContext",
    "Reason",
    "SampledValue",
    "SignedMeterValue",
    "Transaction",
    "TransactionEventRequest",
    "TransactionEventType",
    "TriggerReason",
    "UnitOfMeasure",
    "current_call",
    "decode_batch",
    "decode_call",
    "decode_message",
    "encode_call",
    "encode_call_error",
    "encode_call_result",
    "new_meter_values_request",
    "new_meter_values_response",
]
