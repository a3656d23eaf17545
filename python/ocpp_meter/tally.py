"""How ``ocpp-meter decode``, ``validate`` and ``convert`` report a capture, one way for all three.

A broken frame is one line::

    capture.log:21<TAB>INVALID<TAB>id=b2<TAB>PropertyConstraintViolation<TAB>path="/meterValue/0/timestamp"<TAB>not an RFC 3339 ...

with the core's code and description, the JSON Pointer as a JSON string (``path=""`` is the
payload itself, and every fault found before the payload), and ``id=-1`` when the message id
could not be read. The summary counts every line of the capture: frames (valid, invalid, of other
actions, replies) and the lines that hold no frame (blank lines, log lines of something else).
A frame of another action (Heartbeat, BootNotification...) is counted, never reported as
invalid, and gives no rows; a CALLRESULT or CALLERROR is a reply, counted apart whatever its
payload (the CALL it answers is not in the capture).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from .enums import ErrorCode

if TYPE_CHECKING:
    from .errors import OcppError

__all__ = ["Tally", "invalid_line"]


def invalid_line(where: str, message_id: str | None, code: Any, path: str, description: str) -> str:
    """The report of one broken frame (see the module), newline included."""
    code_text = getattr(code, "value", code)
    return (
        f"{where}\tINVALID\tid={message_id or '-1'}\t{code_text}\t"
        f"path={json.dumps(path, ensure_ascii=False)}\t{description}\n"
    )


def is_other_action(code: Any) -> bool:
    """Whether a fault means the frame is of an action the commands do not read."""
    return str(getattr(code, "value", code)) == ErrorCode.NOT_IMPLEMENTED.value


def is_reply(details: dict[str, Any]) -> bool:
    """Whether a fault is in a CALLRESULT or CALLERROR (the core read its message type)."""
    return details.get("message_type") in (3, 4)


@dataclass
class Tally:
    """The counts of one capture."""

    frames: int = 0
    valid: int = 0
    invalid: int = 0
    other_actions: int = 0
    replies: int = 0
    no_frame: int = 0
    """Lines without a frame: blank, or a log line of something else."""

    def no_frame_line(self, path: str, number: int, raw: bytes) -> None:
        """Count a line that holds no frame (the hook :func:`~ocpp_meter.capture.chunks`
        calls)."""
        self.no_frame += 1

    def rejected(self, out: TextIO, where: str, error: OcppError) -> None:
        """Count a frame the core rejected: one of another action, a reply, or an invalid
        frame, which is also reported on ``out``."""
        if is_other_action(error.code):
            self.other_actions += 1
        elif is_reply(error.details):
            self.replies += 1
        else:
            self.invalid += 1
            out.write(
                invalid_line(where, error.message_id, error.code, error.path, error.description)
            )

    def summary(self, *extra: str) -> str:
        """``# N frames: ...`` with ``extra`` items appended, newline included."""
        items = [
            f"{self.valid} valid",
            f"{self.invalid} invalid",
            f"{self.other_actions} other actions",
            f"{self.replies} replies",
            f"{self.no_frame} lines without a frame",
            *extra,
        ]
        return f"# {self.frames} frames: {', '.join(items)}\n"
