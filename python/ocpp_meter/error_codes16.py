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

from typing import Any

from ._core import encode_call_error
from .enums import ErrorCode, ErrorCode16
from .errors import OcppError

__all__ = ["ERROR_CODES_16", "code_16", "encode_call_error_16", "error_code_16"]

ERROR_CODES_16 = tuple(code.value for code in ErrorCode16)
"""The ten OCPP 1.6J RPC error codes, as :class:`~ocpp_meter.ErrorCode16` spells them."""

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


def code_16(code: ErrorCode | ErrorCode16) -> str:
    """The 1.6J code closest to a 2.0.1 ``code`` (for an error that has no fault type); a 1.6
    code (the core's 1.6 decoders raise those) is itself."""
    if isinstance(code, ErrorCode16):
        return code.value
    return _BY_CODE.get(code, code.value)


def encode_call_error_16(
    message_id: str, code: str, description: str, details: dict[str, Any]
) -> bytes:
    """``[4, messageId, code, description, details]`` with a 1.6J ``code``, the description cut
    to the 255 characters OCPP-J 2.0.1 allows (1.6 sets no limit; a station's log may)."""
    if code not in ERROR_CODES_16:
        raise ValueError(f"not an OCPP 1.6J error code: {code!r}")
    try:
        return encode_call_error(message_id, code, description[:255], details, dialect="1.6")
    except (TypeError, ValueError):  # details that are not JSON: the pointer alone
        path = details.get("path", "") if isinstance(details, dict) else ""
        return encode_call_error(
            message_id, code, description[:255], {"path": str(path)}, dialect="1.6"
        )
