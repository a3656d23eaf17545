"""The correctness check on its own, untimed: every peer agrees with ours on every frame kind.

Under ``--benchmark-only`` these are skipped, but each benchmark runs the same check before it
times anything (see ``conftest.agreed``). The last tests make sure the check has teeth.
"""

from __future__ import annotations

import copy
import math
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from peers import PEERS, orjson_floor
from peers.check import KINDS, check_agreement, check_frames
from peers.common import View


@pytest.mark.parametrize("peer", list(PEERS))
@pytest.mark.parametrize("kind", KINDS)
def test_peer_agrees_with_ours(kind: str, peer: str) -> None:
    check_agreement(PEERS[peer], check_frames(kind))


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
def test_a_wrong_peer_fails(fault: str) -> None:
    kind = "large" if fault == "signed" else "typical"

    def wrong_view(frame: bytes) -> View:
        view = copy.deepcopy(orjson_floor.view(frame))
        FAULTS[fault](view)
        return view

    wrong = SimpleNamespace(NAME="wrong", view=wrong_view)
    with pytest.raises(AssertionError, match="wrong vs ours disagree"):
        check_agreement(wrong, check_frames(kind))  # type: ignore[arg-type]
