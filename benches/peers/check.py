"""The untimed correctness check: a peer's decode must agree with ours, field by field."""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from ocpp_meter import samples

from . import PEERS, REFERENCE
from .common import differences, view_of_wire

KINDS = samples.FRAME_KINDS
"""The three benchmark frames: small, typical, large."""

SEED = 0
"""Seed of the timed frames."""

EXTRA_FRAMES = 4
"""How many more frames of each kind the agreement check also compares."""


def bench_frame(kind: str) -> bytes:
    """The frame of ``kind`` that every peer is timed on."""
    return samples.frames(1, kind, SEED)[0]


def check_frames(kind: str) -> list[bytes]:
    """The frames of ``kind`` the agreement check runs on: the timed one and a few others."""
    return [bench_frame(kind), *samples.frames(EXTRA_FRAMES, kind, seed=SEED + 1)]


def reference_view(frame: bytes) -> Any:
    """The frame as the stdlib ``json`` module reads it, in the comparable form."""
    call = json.loads(frame)
    return view_of_wire(call[1], call[3])


def check_agreement(peer: ModuleType, frames: Sequence[bytes]) -> None:
    """Fail unless ``peer`` decodes every frame exactly as ours does.

    Ours is itself first checked against the stdlib ``json`` reading of each frame, so that a
    fault in ours cannot make a wrong peer look right.

    Raises:
        AssertionError: naming the peer, the frame and the first differences found.
    """
    ours = PEERS[REFERENCE]
    for index, frame in enumerate(frames):
        ours_view = ours.view(frame)
        _fail_on(
            differences(reference_view(frame), ours_view), f"{REFERENCE} vs stdlib json", index
        )
        if peer is not ours:
            _fail_on(differences(ours_view, peer.view(frame)), f"{peer.NAME} vs {REFERENCE}", index)


def _fail_on(diffs: list[str], who: str, index: int) -> None:
    if diffs:
        shown = "\n  ".join(diffs[:10])
        more = f"\n  ... and {len(diffs) - 10} more" if len(diffs) > 10 else ""
        raise AssertionError(f"{who} disagree on frame {index}:\n  {shown}{more}")
