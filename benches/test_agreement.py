"""The correctness checks on their own, untimed: every peer agrees with ours on every frame.

Under ``--benchmark-only`` these are skipped, but each benchmark runs the same check before it
times anything (see ``conftest.agreed``). The last tests make sure the checks have teeth.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from datetime import timedelta
from typing import Any, Callable

import pytest
from conftest import PEERS
from ocpp_meter.bench import (
    KINDS,
    OURS,
    View,
    check_decode,
    check_dispatch,
    check_encode,
    check_frames,
)

OURS_PEER = PEERS[OURS]


@pytest.mark.parametrize("peer", list(PEERS))
@pytest.mark.parametrize("kind", KINDS)
def test_peer_decodes_as_ours(kind: str, peer: str) -> None:
    check_decode(PEERS[peer], check_frames(kind), OURS_PEER)


@pytest.mark.parametrize("peer", [n for n, p in PEERS.items() if p.prepare is not None])
@pytest.mark.parametrize("kind", KINDS)
def test_peer_encodes_what_it_decoded(kind: str, peer: str) -> None:
    check_encode(PEERS[peer], check_frames(kind))


@pytest.mark.parametrize("peer", [n for n, p in PEERS.items() if p.dispatch is not None])
@pytest.mark.parametrize("kind", KINDS)
def test_peer_dispatches_to_the_same_reply(kind: str, peer: str) -> None:
    check_dispatch(PEERS[peer], check_frames(kind))


def test_a_wrong_reply_is_caught() -> None:
    wrong = dataclasses.replace(OURS_PEER, dispatch=lambda frame: b'[3,"other-id",{}]')
    with pytest.raises(AssertionError):
        check_dispatch(wrong, check_frames("small"))


def _first_sampled(view: View) -> dict[str, Any]:
    sampled: dict[str, Any] = view["meter_value"][0]["sampled_value"][0]
    return sampled


def _shift_time(view: View) -> None:
    view["meter_value"][0]["timestamp"] += timedelta(hours=1)


def _next_float(view: View) -> None:
    sv = _first_sampled(view)
    sv["value"] = math.nextafter(sv["value"], math.inf)


def _int_value(view: View) -> None:
    sv = _first_sampled(view)
    sv["value"] = int(sv["value"])


def _other_phase(view: View) -> None:
    _first_sampled(view)["phase"] = "L2"


def _drop_multiplier(view: View) -> None:
    _first_sampled(view)["unit_of_measure"]["multiplier"] = None


def _other_evse(view: View) -> None:
    view["evse_id"] += 1


def _lose_signature(view: View) -> None:
    for mv in view["meter_value"]:
        for sv in mv["sampled_value"]:
            sv["signed_meter_value"] = None


def _drop_sampled_value(view: View) -> None:
    view["meter_value"][0]["sampled_value"].pop()


FAULTS: dict[str, Callable[[View], None]] = {
    "timestamp": _shift_time,
    "value-ulp": _next_float,
    "value-type": _int_value,
    "enum": _other_phase,
    "multiplier": _drop_multiplier,
    "evse": _other_evse,
    "signed": _lose_signature,
    "count": _drop_sampled_value,
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_wrong_decoder_fails(fault: str) -> None:
    kind = "large" if fault == "signed" else "typical"
    assert OURS_PEER.view is not None
    right = OURS_PEER.view

    def wrong_view(frame: bytes) -> View:
        view = copy.deepcopy(right(frame))
        FAULTS[fault](view)
        return view

    wrong = dataclasses.replace(OURS_PEER, name="wrong", view=wrong_view)
    with pytest.raises(AssertionError, match="wrong vs ours disagree"):
        check_decode(wrong, check_frames(kind), OURS_PEER)


@pytest.mark.parametrize("what", ["frame", "payload"])
def test_a_wrong_encoder_fails(what: str) -> None:
    def tamper(encoded: Any) -> bytes:
        data = json.loads(encoded)
        payload = data[3] if what == "frame" else data
        payload["evseId"] += 1
        return json.dumps(data).encode()

    assert OURS_PEER.encode_frame is not None and OURS_PEER.encode_payload is not None
    frame_enc, payload_enc = OURS_PEER.encode_frame, OURS_PEER.encode_payload
    if what == "frame":
        wrong = dataclasses.replace(
            OURS_PEER, name="wrong", encode_frame=lambda p: tamper(frame_enc(p))
        )
    else:
        wrong = dataclasses.replace(
            OURS_PEER, name="wrong", encode_payload=lambda p: tamper(payload_enc(p))
        )
    with pytest.raises(AssertionError, match=f"wrong {what} disagree"):
        check_encode(wrong, check_frames("typical"))
