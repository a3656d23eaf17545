"""Encode benchmarks: every peer with an encoder, on what it decoded from the same frames.

* ``frame``: the whole CALL (ours: ``encode_call(id, request)``; msgspec: ``json.encode`` of the
  decoded CALL tuple; pydantic: ``TypeAdapter.dump_json``; orjson: ``dumps`` of the list; the
  ``ocpp`` library: ``Call(...).to_json()``);
* ``payload``: the request alone (ours: ``request.to_json()``; msgspec, pydantic, orjson alike).

What is encoded is each peer's own decode of the frame, made before timing. Each benchmark first
checks, untimed, that the peer's output reads back (stdlib ``json``) as the frame it came from.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from conftest import PEERS
from ocpp_meter.bench import KINDS

FRAME_PEERS = [name for name, peer in PEERS.items() if peer.encode_frame is not None]
PAYLOAD_PEERS = [name for name, peer in PEERS.items() if peer.encode_payload is not None]


def _run(
    benchmark: Any,
    agreed: Callable[[str, str, str], None],
    frame: bytes,
    peer: str,
    kind: str,
    path: str,
) -> Any:
    agreed("encode", peer, kind)
    adapter = PEERS[peer]
    target = adapter.encode_frame if path == "frame" else adapter.encode_payload
    assert target is not None and adapter.prepare is not None
    benchmark.group = f"encode {path} {kind}"
    benchmark.extra_info.update(op="encode", peer=peer, kind=kind, path=path)
    return benchmark(target, adapter.prepare(frame))


@pytest.mark.parametrize("peer", FRAME_PEERS)
@pytest.mark.parametrize("kind", KINDS)
def test_frame(benchmark: Any, agreed: Any, frames: dict[str, bytes], kind: str, peer: str) -> None:
    assert _run(benchmark, agreed, frames[kind], peer, kind, "frame")


@pytest.mark.parametrize("peer", PAYLOAD_PEERS)
@pytest.mark.parametrize("kind", KINDS)
def test_payload(
    benchmark: Any, agreed: Any, frames: dict[str, bytes], kind: str, peer: str
) -> None:
    assert _run(benchmark, agreed, frames[kind], peer, kind, "payload")
