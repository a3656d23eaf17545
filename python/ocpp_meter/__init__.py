"""ocpp-meter: a strict, fast codec for the OCPP 2.0.1 MeterValues message.

The parsing, validation and encoding live in the Rust core (``ocpp_meter._core``); this package
re-exports it beside the enums, the error type and the ocpp-go style feature surface.
"""

from __future__ import annotations

from ._core import (
    Call,
    CallError,
    CallResult,
    MeterValue,
    MeterValuesRequest,
    MeterValuesResponse,
    SampledValue,
    SignedMeterValue,
    UnitOfMeasure,
    decode_call,
    decode_message,
    encode_call,
    encode_call_error,
    encode_call_result,
)
from .dispatch import CallContext, ChargingStationHandler, CSMSHandler, Dispatcher, current_call
from .enums import ErrorCode, Location, Measurand, Phase, ReadingContext
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
    "CSMSHandler",
    "Call",
    "CallContext",
    "CallError",
    "CallResult",
    "ChargingStationHandler",
    "Dispatcher",
    "ErrorCode",
    "Location",
    "Measurand",
    "MeterValue",
    "MeterValuesFeature",
    "MeterValuesRequest",
    "MeterValuesResponse",
    "OcppError",
    "Phase",
    "ReadingContext",
    "SampledValue",
    "SignedMeterValue",
    "UnitOfMeasure",
    "current_call",
    "decode_call",
    "decode_message",
    "encode_call",
    "encode_call_error",
    "encode_call_result",
    "new_meter_values_request",
    "new_meter_values_response",
]
