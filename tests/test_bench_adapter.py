"""The mobilityhouse adapter case of the benchmark: every side answers the frames alike (so the
ratio compares equal work), a side that answers differently is caught, and the groups and goals
are reported."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ocpp_meter.bench import adapter, markdown
from ocpp_meter.bench.frames import check_frames
from ocpp_meter.bench.goals import GOALS, gate
from ocpp_meter.bench.measure import OPS, Result

pytest.importorskip("ocpp")


def test_every_side_sends_the_same_reply() -> None:
    routers = {name: adapter.router(cp) for name, cp in adapter.charge_points().items()}
    assert set(routers) == {"ocpp", "unchanged", "typed"}
    for kind in adapter.KINDS:
        adapter.check(routers, check_frames(kind))
    te = check_frames("te-typical")[0]
    reply = json.loads(routers["typed"](te))
    assert reply[0] == 3 and reply[2] == {"idTokenInfo": {"status": "Accepted"}}


def test_a_side_that_answers_differently_is_caught() -> None:
    routers: dict[str, Any] = {
        name: adapter.router(cp) for name, cp in adapter.charge_points().items()
    }
    routers["typed"] = lambda frame: '[3,"other",{}]'
    with pytest.raises(AssertionError, match="typed"):
        adapter.check(routers, check_frames("typical"))


def test_the_groups_and_goals_are_reported() -> None:
    groups = adapter.groups()
    keys = [(g[0].path, g[0].kind, [c.peer for c in g]) for g in groups]
    assert keys == [
        (path, kind, ["ours", "ocpp"]) for kind in adapter.KINDS for path in adapter.PATHS
    ]
    assert {("adapter", p) for p in adapter.PATHS} <= {(op, path) for op, path, _ in OPS}
    goals = [g for g in GOALS if g.op == "adapter"]
    assert {(g.path, g.minimum) for g in goals} == {("unchanged", 20.0), ("typed", 200.0)}
    results = [
        Result("adapter", "typed", "typical", "ours", 1, [0.00001]),
        Result("adapter", "typed", "typical", "ocpp", 1, [0.003]),
    ]
    text = markdown(results, {}, {}, {})
    assert "OcppMeterMixin" in text and "(300.00x)" in text
    # Only the typed typical goal has figures here, and it is met; the others are missing.
    passed = [(ok, goal.path, goal.kind) for (ok, _), goal in zip(gate(results, goals), goals)]
    assert [(p, k) for ok, p, k in passed if ok] == [("typed", "typical")]
