"""The frames every peer is measured and checked on."""

from __future__ import annotations

from typing import Any

from .. import samples

View = dict[str, Any]
"""A plain, comparable form of a decoded CALL (see :func:`view_of_wire`)."""

KINDS: tuple[str, ...] = samples.FRAME_KINDS
"""The frame kinds measured: small, typical, large."""

SEED = 0
"""Seed of the timed frames."""

EXTRA_FRAMES = 4
"""How many more frames of each kind (seed 1) the agreement checks also compare."""

OURS = "ours"


def bench_frame(kind: str) -> bytes:
    """The frame of ``kind`` that every peer is timed on."""
    return samples.frames(1, kind, SEED)[0]


def check_frames(kind: str) -> list[bytes]:
    """The frames of ``kind`` the agreement checks run on: the timed one and a few others."""
    return [bench_frame(kind), *samples.frames(EXTRA_FRAMES, kind, seed=SEED + 1)]
