"""The process-wide size limits on untrusted input.

Every decoding entry point (``from_json``, :func:`~ocpp_meter.decode_call`,
:func:`~ocpp_meter.decode_message`, :func:`~ocpp_meter.decode_batch` and the dispatcher)
refuses, before parsing:

- an input longer than ``max_frame_bytes`` (default 1 MiB): ``FormatViolation``, type
  ``too_large``, with the frame's message id when its first bytes hold one
  (``RpcFrameworkError`` and id ``"-1"`` otherwise);
- open JSON (``customData`` vendor properties, CALLERROR details) nested deeper than
  ``max_depth`` levels (default 64, at most 1024): ``FormatViolation``, type ``too_deep``.

A change applies to the decodes that start after it, in every thread.
"""

from __future__ import annotations

from typing import NamedTuple

from . import _core

__all__ = ["DEFAULT_LIMITS", "MAX_DEPTH_LIMIT", "Limits", "get_limits", "set_limits"]


class Limits(NamedTuple):
    """Size limits: bytes of one frame or payload, nesting levels of open JSON."""

    max_frame_bytes: int
    max_depth: int


DEFAULT_LIMITS = Limits(*_core.DEFAULT_LIMITS)
"""1 MiB frames, 64 levels."""

MAX_DEPTH_LIMIT: int = _core.MAX_DEPTH_LIMIT
"""The largest ``max_depth`` that may be set (the recursion must fit a worker thread's stack)."""


def get_limits() -> Limits:
    """The limits in force."""
    return Limits(*_core.get_limits())


def set_limits(*, max_frame_bytes: int | None = None, max_depth: int | None = None) -> Limits:
    """Set the limits given (the others stay) and return the previous ones.

    Raises ``ValueError`` for a limit below 1 or a depth over :data:`MAX_DEPTH_LIMIT`, and
    then changes nothing.
    """
    current = get_limits()
    return Limits(
        *_core.set_limits(
            current.max_frame_bytes if max_frame_bytes is None else max_frame_bytes,
            current.max_depth if max_depth is None else max_depth,
        )
    )
