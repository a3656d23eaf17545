"""The one exception type of ocpp-meter."""

from __future__ import annotations

from typing import Any

from .enums import ErrorCode, ErrorCode16

__all__ = ["OcppError"]


class OcppError(ValueError):
    """A fault that maps to an OCPP-J CALLERROR.

    Raised by every decoder and constructor on invalid input, and raised by CSMS handlers to
    answer a CALL with a chosen error code. It subclasses :class:`ValueError` so that code that
    already guards parsing with ``except ValueError`` keeps working.

    Attributes:
        code: the OCPP RPC error code: an :class:`ErrorCode`, or on OCPP 1.6J an
            :class:`ErrorCode16` (1.6's codes as that specification spells them).
        description: what is wrong and where, at most 255 characters.
        details: a small JSON-ready dict; it always holds ``"path"``.
        path: RFC 6901 JSON Pointer into the payload (``""`` is the payload itself).
        message_id: the frame's message id, ``"-1"`` when it could not be read, ``None`` for a
            bare payload.
    """

    code: ErrorCode | ErrorCode16
    description: str
    details: dict[str, Any]
    path: str
    message_id: str | None

    def __init__(
        self,
        code: ErrorCode | ErrorCode16 | str,
        description: str = "",
        details: dict[str, Any] | None = None,
        *,
        path: str = "",
        message_id: str | None = None,
    ) -> None:
        self.code = code if isinstance(code, ErrorCode16) else _code(code)
        self.description = description
        self.details = {"path": path} if details is None else details
        self.details.setdefault("path", path)
        self.path = path
        self.message_id = message_id
        super().__init__(f"{self.code.value}: {description}")

    def __reduce__(self) -> Any:
        return (
            _rebuild,
            (self.code, self.description, self.details, self.path, self.message_id),
        )

    def __repr__(self) -> str:
        return (
            f"OcppError(code={self.code.value!r}, description={self.description!r}, "
            f"path={self.path!r}, message_id={self.message_id!r})"
        )


def _code(code: ErrorCode | str) -> ErrorCode | ErrorCode16:
    # A 1.6 spelling no 2.x code has (FormationViolation, OccurenceConstraintViolation) is
    # 1.6's; any other string is read as the 2.x code, as before 1.6 existed.
    if code in ErrorCode16._value2member_map_ and code not in ErrorCode._value2member_map_:
        return ErrorCode16(code)
    return ErrorCode(code)


def _rebuild(
    code: ErrorCode | ErrorCode16 | str,
    description: str,
    details: dict[str, Any],
    path: str,
    message_id: str | None,
) -> OcppError:
    return OcppError(code, description, details, path=path, message_id=message_id)
