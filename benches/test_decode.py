"""Decode benchmarks: every peer on the same three frames, on two paths.

* acknowledge (``ack``): decode the CALL and nothing else, as a CSMS that stores the raw frame
  and answers at once; orjson's parse without validation is the floor;
* read every field (``read``): decode, then :func:`peers.common.walk` every field of the request.

Each benchmark first runs, untimed, the peer's agreement check with ours on that frame kind, so a
peer that decodes wrongly fails the run. Groups are ``<kind> <path>``, so pytest-benchmark's
table shows the peers of one frame and path side by side.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from peers import PEERS
from peers.check import KINDS

ACK_PEERS = list(PEERS)
READ_PEERS = [name for name, peer in PEERS.items() if peer.READ is not None]


def _run(
    benchmark: Any,
    agreed: Callable[[str, str], None],
    frame: bytes,
    peer: str,
    kind: str,
    path: str,
) -> Any:
    agreed(peer, kind)
    target = PEERS[peer].ACK if path == "ack" else PEERS[peer].READ
    benchmark.group = f"{kind} {path}"
    benchmark.extra_info.update(peer=peer, kind=kind, path=path, frame_bytes=len(frame))
    return benchmark(target, frame)


@pytest.mark.parametrize("peer", ACK_PEERS)
@pytest.mark.parametrize("kind", KINDS)
def test_ack(benchmark: Any, agreed: Any, frames: dict[str, bytes], kind: str, peer: str) -> None:
    result = _run(benchmark, agreed, frames[kind], peer, kind, "ack")
    assert result is not None


@pytest.mark.parametrize("peer", READ_PEERS)
@pytest.mark.parametrize("kind", KINDS)
def test_read(benchmark: Any, agreed: Any, frames: dict[str, bytes], kind: str, peer: str) -> None:
    _run(benchmark, agreed, frames[kind], peer, kind, "read")
