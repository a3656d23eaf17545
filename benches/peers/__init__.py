"""The decoders measured against each other, one adapter module per peer.

Each adapter module offers:

``NAME``
    the peer's short name in the benchmark tables;
``ACK``
    the acknowledge path, ``ACK(frame)``: decode (and validate, if the peer does) and nothing else;
``READ``
    the read-every-field path, ``READ(frame)``: decode, then :func:`peers.common.walk` the request,
    or ``None`` when the peer has no objects to walk;
``view(frame)``
    the peer's decode of a frame in the comparable form :data:`peers.common.View`, used by the
    correctness check that runs, untimed, before the peer is measured.
"""

from __future__ import annotations

from types import ModuleType

from . import msgspec_structs, orjson_floor, ours

PEERS: dict[str, ModuleType] = {m.NAME: m for m in (ours, msgspec_structs, orjson_floor)}
"""Every peer by name, ours first."""

REFERENCE = ours.NAME
"""The peer the others are compared with, for agreement and for speed."""
