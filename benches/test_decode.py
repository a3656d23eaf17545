"""Decode benchmarks: every peer on the same three frames, on two paths.

* acknowledge (``ack``): decode (and validate, if the peer does) the CALL and nothing else, as
  a CSMS that stores the raw frame and answers at once; ``json.loads`` and ``orjson.loads``
  without validation are the floors;
* read every field (``read``): decode, then :func:`ocpp_meter.bench.walk` every field of the
  request; only the peers that decode into typed objects (ours, msgspec, pydantic).

Both on the MeterValues frames (small, typical, large), on the TransactionEvent frames
(``te-small``, ``te-typical``, ``te-large``), where each peer decodes with its TransactionEvent
models and :func:`ocpp_meter.bench.walk_transaction_event` reads every field, and on the OCPP
1.6J frames (``v16-*``), each peer with its 1.6 models, :func:`ocpp_meter.bench.walk16`.

Each benchmark first runs, untimed, the peer's agreement check with ours on that frame kind, so a
peer that decodes wrongly fails the run. Groups are ``decode <path> <kind>``, so
pytest-benchmark's table shows the peers of one frame and path side by side.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from conftest import PEERS, TE_PEERS, V16_PEERS, peers_of
from ocpp_meter.bench import KINDS, TE_KINDS, V16_KINDS

SUITES = ((KINDS, PEERS), (TE_KINDS, TE_PEERS), (V16_KINDS, V16_PEERS))
ACK_CASES = [(k, n) for ks, ps in SUITES for k in ks for n, p in ps.items() if p.ack is not None]
READ_CASES = [(k, n) for ks, ps in SUITES for k in ks for n, p in ps.items() if p.read is not None]


def _run(
    benchmark: Any,
    agreed: Callable[[str, str, str], None],
    frame: bytes,
    peer: str,
    kind: str,
    path: str,
) -> Any:
    agreed("decode", peer, kind)
    adapter = peers_of(kind)[peer]
    target = adapter.ack if path == "ack" else adapter.read
    assert target is not None
    benchmark.group = f"decode {path} {kind}"
    benchmark.extra_info.update(op="decode", peer=peer, kind=kind, path=path)
    return benchmark(target, frame)


@pytest.mark.parametrize(("kind", "peer"), ACK_CASES)
def test_ack(benchmark: Any, agreed: Any, frames: dict[str, bytes], kind: str, peer: str) -> None:
    result = _run(benchmark, agreed, frames[kind], peer, kind, "ack")
    assert result is not None


@pytest.mark.parametrize(("kind", "peer"), READ_CASES)
def test_read(benchmark: Any, agreed: Any, frames: dict[str, bytes], kind: str, peer: str) -> None:
    _run(benchmark, agreed, frames[kind], peer, kind, "read")
