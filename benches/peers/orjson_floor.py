"""The floor: ``orjson.loads`` parses the frame into dicts and lists and validates nothing."""

from __future__ import annotations

import orjson

from .common import View, view_of_wire

NAME = "orjson"

ACK = orjson.loads
"""Parse only: the least any decoder must do, with no schema check at all."""

READ = None
"""Not measured: plain dicts cannot share the object walk, so the work would not be the same."""


def view(frame: bytes) -> View:
    call = orjson.loads(frame)
    if not (isinstance(call, list) and len(call) == 4 and call[0] == 2):
        raise AssertionError(f"not a CALL: {call!r:.80}")
    if call[2] != "MeterValues":
        raise AssertionError(f"action {call[2]!r}")
    return view_of_wire(call[1], call[3])
