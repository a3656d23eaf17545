"""The OCPP 1.6J spelling of an error the core raised with its OCPP 2.0.1 code.

The core answers 1.6 MeterValues, StartTransaction and StopTransaction frames with 1.6 codes
itself (``decode_batch(dialect="1.6")``); the actions answered by their schema alone
(BootNotification, Heartbeat, StatusNotification, Authorize) and the endpoint's own refusals
raise :class:`~ocpp_meter.OcppError`, whose code is a 2.0.1 one. On a 1.6 connection that code
goes out as OCPP-J 1.6 (section 4.2.3) spells it, by the rule of the core's 1.6 errors: a frame
with too few or too many elements is a ``ProtocolError`` (1.6: "payload incomplete"); an unknown
property, a malformed frame, envelope or JSON text is a ``FormationViolation``; a missing
property or a wrong item count is an ``OccurenceConstraintViolation`` (the specification's own
spelling); the other codes are the same in both versions.
"""

from __future__ import annotations

import json
from typing import Any

from .enums import ErrorCode
from .errors import OcppError

__all__ = ["ERROR_CODES_16", "code_16", "encode_call_error_16", "error_code_16"]

ERROR_CODES_16 = (
    "NotImplemented",
    "NotSupported",
    "InternalError",
    "ProtocolError",
    "SecurityError",
    "FormationViolation",
    "PropertyConstraintViolation",
    "OccurenceConstraintViolation",
    "TypeConstraintViolation",
    "GenericError",
)
"""The ten OCPP 1.6J RPC error codes, in the order of the OCPP-J 1.6 table."""

_BY_FAULT_TYPE = {"wrong_arity": "ProtocolError", "unknown_property": "FormationViolation"}
_BY_CODE = {
    ErrorCode.FORMAT_VIOLATION: "FormationViolation",
    ErrorCode.RPC_FRAMEWORK_ERROR: "FormationViolation",
    ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED: "FormationViolation",
    ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION: "OccurenceConstraintViolation",
}


def error_code_16(error: OcppError) -> str:
    """The 1.6J code of ``error`` (one of :data:`ERROR_CODES_16`)."""
    by_type = _BY_FAULT_TYPE.get(str(error.details.get("type", "")))
    if by_type is not None:
        return by_type
    return code_16(error.code)


def code_16(code: ErrorCode) -> str:
    """The 1.6J code closest to a 2.0.1 ``code`` (for an error that has no fault type)."""
    return _BY_CODE.get(code, code.value)


def encode_call_error_16(
    message_id: str, code: str, description: str, details: dict[str, Any]
) -> bytes:
    """``[4, messageId, code, description, details]`` with a 1.6J ``code`` (the core's
    :func:`~ocpp_meter.encode_call_error` takes the 2.0.1 codes only); the description is cut
    to the 255 characters OCPP-J allows."""
    if code not in ERROR_CODES_16:
        raise ValueError(f"not an OCPP 1.6J error code: {code!r}")
    try:
        frame = [4, message_id, code, description[:255], details]
        text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # details that are not JSON: the pointer alone
        path = details.get("path", "") if isinstance(details, dict) else ""
        text = json.dumps([4, message_id, code, description[:255], {"path": str(path)}])
    return text.encode()
