"""Decode benchmarks: every peer on the same three frames, on two paths.

* acknowledge (``ack``): decode (and validate, if the peer does) the CALL and nothing else, as
  a CSMS that stores the raw frame and answers at once; ``json.loads`` and ``orjson.loads``
  without validation are the floors;
* read every field (``read``): decode, then :func:`ocpp_meter.bench.walk` every field of the
  request; only the peers that decode into typed objects (ours, msgspec, pydantic).

Each benchmark first runs, untimed, the peer's agreement check with ours on that frame kind, so a
peer that decodes wrongly fails the run. Groups are ``decode <path> <kind>``, so
pytest-benchmark's table shows the peers of one frame and path side by side.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from conftest import PEERS
from ocpp_meter.bench import KINDS

ACK_PEERS = [name for name, peer in PEERS.items() if peer.ack is not None]
READ_PEERS = [name for name, peer in PEERS.items() if peer.read is not None]


def _run(
    benchmark: Any,
    agreed: Callable[[str, str, str], None],
    frame: bytes,
    peer: str,
    kind: str,
    path: str,
) -> Any:
    agreed("decode", peer, kind)
    target = PEERS[peer].ack if path == "ack" else PEERS[peer].read
    assert target is not None
    benchmark.group = f"decode {path} {kind}"
    benchmark.extra_info.update(op="decode", peer=peer, kind=kind, path=path)
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
