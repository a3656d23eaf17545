"""Dispatch benchmarks: a frame to the reply bytes a CSMS sends, through a handler that
acknowledges without reading the readings.

* ours: ``Dispatcher.dispatch(station, frame)`` (decode, validate, handler, CALLRESULT);
* msgspec, pydantic: decode the CALL into their models, call the handler, encode ``[3, id, {}]``;
* the ``ocpp`` library: what ``ChargePoint._handle_call`` does around a handler (the CALL
  validated, the handler's dataclass turned into the CALLRESULT, that validated and written).

Each benchmark first checks, untimed, that the peer's reply is the one ours sends.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PEERS
from ocpp_meter.bench import KINDS

DISPATCH_PEERS = [name for name, peer in PEERS.items() if peer.dispatch is not None]


@pytest.mark.parametrize("peer", DISPATCH_PEERS)
@pytest.mark.parametrize("kind", KINDS)
def test_reply(benchmark: Any, agreed: Any, frames: dict[str, bytes], kind: str, peer: str) -> None:
    agreed("dispatch", peer, kind)
    dispatch = PEERS[peer].dispatch
    assert dispatch is not None
    benchmark.group = f"dispatch {kind}"
    benchmark.extra_info.update(op="dispatch", peer=peer, kind=kind, path="reply")
    assert benchmark(dispatch, frames[kind])
