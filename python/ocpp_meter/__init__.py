"""ocpp-meter: a strict, fast codec for the OCPP 2.0.1 (and 2.1) MeterValues and
TransactionEvent messages.

The parsing, validation and encoding live in the Rust core (``ocpp_meter._core``); this package
re-exports it beside the enums, the error type, the ocpp-go style feature surface and the
dispatcher. The submodules a user reaches for are attributes of the package, imported on first
use (``ocpp_meter.rows``, ``ocpp_meter.sessions``, ``ocpp_meter.samples``, ...; see
:data:`SUBMODULES`): ``import ocpp_meter`` alone stays cheap and needs none of the extras.
"""

import typing as _typing

from ._core import (
    BATCH_BUFFER_POOL_DEFAULT_LIMIT,
    AdditionalInfo,
    BatchRecords,
    BatchResult,
    Call,
    CallError,
    CallResult,
    ChargingPeriod,
    CostDetails,
    CostDimensionVolume,
    DecodeWarning,
    Evse,
    IdTagInfo,
    IdToken,
    IdTokenInfo,
    MessageContent,
    MeterValue,
    MeterValue16,
    MeterValuesRequest,
    MeterValuesRequest16,
    MeterValuesResponse,
    Price,
    SampledValue,
    SampledValue16,
    SignedMeterValue,
    SqlParameters,
    StartTransactionRequest,
    StartTransactionResponse,
    StopTransactionRequest,
    StopTransactionResponse,
    TaxRate,
    TotalCost,
    TotalPrice,
    TotalUsage,
    Transaction,
    TransactionEventRequest,
    TransactionEventResponse,
    TransactionLimit,
    UnitOfMeasure,
    decode_batch,
    decode_call,
    decode_message,
    decode_schema_call,
    encode_call,
    encode_call_error,
    encode_call_result,
    encode_schema_call_result,
    error_code_16,
    set_batch_buffer_pool_limit,
    validate_payload,
)
from .dispatch import (
    CallContext,
    ChargingStationHandler,
    CSMSHandler,
    Dispatcher,
    MeterValuesHandler,
    TransactionEventHandler,
    current_call,
)
from .enums import (
    AuthorizationStatus,
    ChargingState,
    CostDimension,
    ErrorCode,
    ErrorCode16,
    IdTokenType,
    Location,
    Measurand,
    Measurand16,
    MessageFormat,
    OperationMode,
    Phase,
    PreconditioningStatus,
    ReadingContext,
    Reason,
    Reason16,
    TariffCost,
    TransactionEventType,
    TriggerReason,
    UnitOfMeasure16,
    ValueFormat,
)
from .errors import OcppError
from .feature import (
    METER_VALUES_FEATURE_NAME,
    PROFILE_NAME,
    MeterValuesFeature,
    new_meter_values_request,
    new_meter_values_response,
    new_transaction_event_response,
)
from .limits import DEFAULT_LIMITS, Limits, get_limits, set_limits

if _typing.TYPE_CHECKING:  # what __getattr__ imports on first use, for type checkers
    from . import admission as admission
    from . import bench as bench
    from . import broker as broker
    from . import broker_publisher as broker_publisher
    from . import broker_transaction_ids as broker_transaction_ids
    from . import capture as capture
    from . import central_system16 as central_system16
    from . import cli as cli
    from . import convert as convert
    from . import loadgen as loadgen
    from . import logsafe as logsafe
    from . import mobilityhouse as mobilityhouse
    from . import nats_frames as nats_frames
    from . import postgres_sessions as postgres_sessions
    from . import postgres_sink as postgres_sink
    from . import postgres_store as postgres_store
    from . import postgres_transaction_ids as postgres_transaction_ids
    from . import pull_consumer as pull_consumer
    from . import rows as rows
    from . import samples as samples
    from . import security as security
    from . import server as server
    from . import sessions as sessions
    from . import sinks as sinks
    from . import station_services as station_services
    from . import storage as storage
    from . import tally as tally
    from . import transaction_ids as transaction_ids
    from . import worker as worker

SUBMODULES: tuple[str, ...] = (
    "admission",
    "bench",
    "broker",
    "broker_publisher",
    "broker_transaction_ids",
    "capture",
    "central_system16",
    "cli",
    "convert",
    "dispatch",
    "enums",
    "errors",
    "feature",
    "limits",
    "loadgen",
    "logsafe",
    "mobilityhouse",
    "nats_frames",
    "postgres_sessions",
    "postgres_sink",
    "postgres_store",
    "postgres_transaction_ids",
    "pull_consumer",
    "response_rules",
    "rows",
    "samples",
    "security",
    "server",
    "sessions",
    "sinks",
    "station_services",
    "storage",
    "tally",
    "transaction_ids",
    "worker",
)
"""The public submodules, reachable as ``ocpp_meter.<name>`` after ``import ocpp_meter``
(``mobilityhouse`` needs the ``ocpp`` library, ``server`` the ``websockets`` one, ``convert``
pyarrow, the broker and PostgreSQL modules their own client libraries)."""


def __getattr__(name: str) -> _typing.Any:
    # PEP 562: a submodule is imported when first reached as an attribute, and the version
    # read from the installed distribution's metadata when first asked for.
    if name in SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name == "__version__":
        from importlib.metadata import version

        return version("ocpp-meter")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *SUBMODULES, "SUBMODULES", "__version__"})


__all__ = [
    "BATCH_BUFFER_POOL_DEFAULT_LIMIT",
    "DEFAULT_LIMITS",
    "METER_VALUES_FEATURE_NAME",
    "PROFILE_NAME",
    "AdditionalInfo",
    "AuthorizationStatus",
    "BatchRecords",
    "BatchResult",
    "CSMSHandler",
    "Call",
    "CallContext",
    "CallError",
    "CallResult",
    "ChargingPeriod",
    "ChargingState",
    "ChargingStationHandler",
    "CostDetails",
    "CostDimension",
    "CostDimensionVolume",
    "DecodeWarning",
    "Dispatcher",
    "ErrorCode",
    "ErrorCode16",
    "Evse",
    "IdTagInfo",
    "IdToken",
    "IdTokenInfo",
    "IdTokenType",
    "Limits",
    "Location",
    "Measurand",
    "Measurand16",
    "MessageContent",
    "MessageFormat",
    "MeterValue",
    "MeterValue16",
    "MeterValuesFeature",
    "MeterValuesHandler",
    "MeterValuesRequest",
    "MeterValuesRequest16",
    "MeterValuesResponse",
    "OcppError",
    "OperationMode",
    "Phase",
    "PreconditioningStatus",
    "Price",
    "ReadingContext",
    "Reason",
    "Reason16",
    "SampledValue",
    "SampledValue16",
    "SignedMeterValue",
    "SqlParameters",
    "StartTransactionRequest",
    "StartTransactionResponse",
    "StopTransactionRequest",
    "StopTransactionResponse",
    "TariffCost",
    "TaxRate",
    "TotalCost",
    "TotalPrice",
    "TotalUsage",
    "Transaction",
    "TransactionEventHandler",
    "TransactionEventRequest",
    "TransactionEventResponse",
    "TransactionEventType",
    "TransactionLimit",
    "TriggerReason",
    "UnitOfMeasure",
    "UnitOfMeasure16",
    "ValueFormat",
    "current_call",
    "decode_batch",
    "decode_call",
    "decode_message",
    "decode_schema_call",
    "encode_call",
    "encode_call_error",
    "encode_call_result",
    "encode_schema_call_result",
    "error_code_16",
    "get_limits",
    "new_meter_values_request",
    "new_meter_values_response",
    "new_transaction_event_response",
    "set_batch_buffer_pool_limit",
    "set_limits",
    "validate_payload",
]
