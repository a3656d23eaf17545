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
from conftest import PEERS, TE_PEERS
from ocpp_meter.bench import (
    KINDS,
    OURS,
    TE_KINDS,
    View,
    check_decode,
    check_dispatch,
    check_encode,
    check_frames,
)

OURS_PEER = PEERS[OURS]
TE_OURS = TE_PEERS[OURS]


@pytest.mark.parametrize("peer", list(PEERS))
@pytest.mark.parametrize("kind", KINDS)
def test_peer_decodes_as_ours(kind: str, peer: str) -> None:
    check_decode(PEERS[peer], check_frames(kind), OURS_PEER)


@pytest.mark.parametrize("peer", list(TE_PEERS))
@pytest.mark.parametrize("kind", TE_KINDS)
def test_peer_decodes_transaction_events_as_ours(kind: str, peer: str) -> None:
    check_decode(TE_PEERS[peer], check_frames(kind), TE_OURS)


def test_every_peer_has_a_transaction_event_adapter() -> None:
    assert list(TE_PEERS) == list(PEERS)


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


def _te_seq_no(view: View) -> None:
    view["seq_no"] += 1


def _te_seq_no_type(view: View) -> None:
    view["seq_no"] = float(view["seq_no"])


def _te_event_type(view: View) -> None:
    view["event_type"] = "Started"


def _te_trigger(view: View) -> None:
    view["trigger_reason"] = "Trigger"


def _te_time(view: View) -> None:
    view["timestamp"] += timedelta(milliseconds=1)


def _te_transaction_id(view: View) -> None:
    view["transaction_info"]["transaction_id"] += "x"


def _te_charging_state(view: View) -> None:
    view["transaction_info"]["charging_state"] = None


def _te_stopped_reason(view: View) -> None:
    view["transaction_info"]["stopped_reason"] = "Local"


def _te_time_spent(view: View) -> None:
    view["transaction_info"]["time_spent_charging"] -= 1


def _te_connector(view: View) -> None:
    view["evse"]["connector_id"] = None


def _te_token_type(view: View) -> None:
    view["id_token"]["type"] = "Central"


def _te_additional_info(view: View) -> None:
    view["id_token"]["additional_info"] = None


def _te_phases(view: View) -> None:
    view["number_of_phases_used"] = None


def _te_meter_values(view: View) -> None:
    view["meter_value"] = None


def _te_value(view: View) -> None:
    sv = view["meter_value"][-1]["sampled_value"][0]
    sv["value"] = math.nextafter(sv["value"], -math.inf)


def _te_context(view: View) -> None:
    view["meter_value"][-1]["sampled_value"][0]["context"] = "Sample.Periodic"


TE_FAULTS: dict[str, tuple[str, Callable[[View], None]]] = {
    "seq-no": ("te-small", _te_seq_no),
    "seq-no-type": ("te-small", _te_seq_no_type),
    "event-type": ("te-small", _te_event_type),
    "trigger-reason": ("te-typical", _te_trigger),
    "timestamp": ("te-small", _te_time),
    "transaction-id": ("te-small", _te_transaction_id),
    "charging-state": ("te-typical", _te_charging_state),
    "stopped-reason": ("te-large", _te_stopped_reason),
    "time-spent": ("te-typical", _te_time_spent),
    "connector": ("te-typical", _te_connector),
    "id-token-type": ("te-typical", _te_token_type),
    "additional-info": ("te-large", _te_additional_info),
    "phases": ("te-large", _te_phases),
    "meter-values": ("te-typical", _te_meter_values),
    "value-ulp": ("te-large", _te_value),
    "transaction-end-context": ("te-large", _te_context),
}


@pytest.mark.parametrize("fault", list(TE_FAULTS))
def test_a_wrong_transaction_event_decoder_fails(fault: str) -> None:
    kind, tamper = TE_FAULTS[fault]
    assert TE_OURS.view is not None
    right = TE_OURS.view

    def wrong_view(frame: bytes) -> View:
        view = copy.deepcopy(right(frame))
        tamper(view)
        return view

    wrong = dataclasses.replace(TE_OURS, name="wrong", view=wrong_view)
    with pytest.raises(AssertionError, match="wrong vs ours disagree"):
        check_decode(wrong, check_frames(kind), TE_OURS)


def test_a_meter_values_decoder_is_refused_on_transaction_events() -> None:
    with pytest.raises(AssertionError):
        check_decode(OURS_PEER, check_frames("te-typical"), TE_OURS)
