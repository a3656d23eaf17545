"""ocpp-meter itself: ``decode_call`` parses and validates the whole frame in the Rust core."""

from __future__ import annotations

from ocpp_meter import decode_call

from .common import View, view_of_objects, walk

NAME = "ours"

ACK = decode_call
"""Acknowledge path: the caller only needs to know the frame is valid (and its message id)."""


def _read(frame: bytes) -> None:
    walk(decode_call(frame).payload)


READ = _read
"""Read-every-field path: decode, then read every field of the request."""


def view(frame: bytes) -> View:
    call = decode_call(frame)
    if call.action != "MeterValues":
        raise AssertionError(f"action {call.action!r}")
    return view_of_objects(call.message_id, call.payload)
