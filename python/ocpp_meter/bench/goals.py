"""The speed goals and their CI gate: the median of paired, interleaved rounds against the goal.

A gate measures ours and one peer alternately (ours, peer, peer, ours, ...; see
:func:`.measure.measure`), so that a slow spell of the shared machine falls on both sides of a
pair, and takes ``peer round / our round`` for each pair. The gate passes when the median of
those ratios reaches the goal itself: no noise margin below it. Rounds are added, a block at a
time, until the median's confidence interval lies wholly on one side of the goal or the round
budget is spent (see :func:`measure_goals` and ``benches/README.md``).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

from . import adapter, sessions
from .frames import KINDS, OURS, V16_KINDS, V16_PREFIX
from .measure import OPS, Case, Result, equal_numbers, take_turns


@dataclass(frozen=True)
class Goal:
    """A release goal: on ``kind``, ours at least ``minimum`` times as fast as ``peer``, on the
    median of paired rounds (:func:`paired_ratios`)."""

    op: str
    path: str
    kind: str
    peer: str
    minimum: float
    gated: bool = True
    """False for a goal not met yet: reported on every run, but it does not fail the gate."""

    def describe(self) -> str:
        title = next(t for o, p, t in OPS if (o, p) == (self.op, self.path))
        return f"{self.kind} frame, {title}, ours vs {self.peer}"


ISSUE_17_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("decode", "ack", ("msgspec", "pydantic", "fastjsonschema", "ocpp")),
    ("decode", "read", ("msgspec", "pydantic")),
    ("dispatch", "reply", ("msgspec", "pydantic", "ocpp")),
    ("encode", "frame", ("orjson",)),
    ("encode", "payload", ("orjson",)),
)
"""Issue 17's rows (operation, path, peers), each at least 1.0x on every frame size (encoding
on typical and large only)."""

ISSUE_17_UNMET: frozenset[tuple[str, str, str]] = frozenset(
    {("read", "small", "msgspec"), ("reply", "small", "msgspec")}
)
"""(path, kind, peer) of issue 17's rows not reached: measured on every run, not gated."""

GOALS: tuple[Goal, ...] = (
    Goal("decode", "ack", "typical", "msgspec", minimum=2.0),
    Goal("decode", "read", "typical", "msgspec", minimum=1.0),
    # Issue 12: TransactionEvent at least as far ahead as MeterValues.
    Goal("decode", "ack", "te-typical", "msgspec", minimum=2.0),
    Goal("decode", "read", "te-typical", "msgspec", minimum=1.0),
    # The batch issue's goals: 10x the Python baseline (msgspec decode, rows flattened in
    # Python, a pyarrow table) and 3x orjson.loads alone, on one thread.
    Goal("batch", "arrow-1", "typical", "msgspec", minimum=10.0),
    Goal("batch", "arrow-1", "typical", "orjson", minimum=3.0),
    # Issue 12: whole charging sessions (MeterValues and TransactionEvent) to rows and events,
    # 10x the same kind of Python baseline.
    Goal("batch", sessions.PATH, sessions.KIND, "msgspec", minimum=10.0),
    # Issue 14: a mobilityhouse CSMS with the mixin, against the library alone, same handler:
    # 20x with the handler unchanged, 200x with a typed one.
    *(Goal(adapter.OP, "unchanged", kind, adapter.PEER, minimum=20.0) for kind in adapter.KINDS),
    *(Goal(adapter.OP, "typed", kind, adapter.PEER, minimum=200.0) for kind in adapter.KINDS),
)


def _issue_17_goals(
    earlier: Sequence[Goal],
    kinds: Sequence[str] = KINDS,
    rows: Sequence[tuple[str, str, tuple[str, ...]]] = ISSUE_17_ROWS,
    unmet: frozenset[tuple[str, str, str]] = ISSUE_17_UNMET,
) -> tuple[Goal, ...]:
    """Issue 17: at least level with every peer that validates, on every frame size, decoding
    (acknowledge; reading every field, for the peers that decode into objects) and dispatching;
    and encoding at least as fast as orjson.dumps of the equivalent dicts on typical and large
    frames. A row an earlier goal already holds higher (the typical frame against msgspec) is
    left to it."""
    held = {(g.op, g.path, g.kind, g.peer) for g in earlier}
    return tuple(
        Goal(op, path, kind, peer, minimum=1.0, gated=(path, kind, peer) not in unmet)
        for op, path, peers in rows
        for kind in kinds
        for peer in peers
        if (op != "encode" or not kind.endswith("small")) and (op, path, kind, peer) not in held
    )


GOALS += _issue_17_goals(GOALS)

V16_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = ISSUE_17_ROWS[:2]
"""The rows measured on OCPP 1.6J frames (decoding: acknowledge, read every field), each
against the same peers as on 2.0.1."""

V16_UNMET: frozenset[tuple[str, str, str]] = frozenset({("read", "v16-small", "msgspec")})
"""(path, kind, peer) of the 1.6 rows not reached: measured on every run, not gated. Reading
every field of the small frame, as on 2.0.1 (``benches/README.md``, *Issue 17* and *Issue 16*):
the fixed costs of a call decide there, and a 1.6 request's reading is decimal text, a string
msgspec hands over as it is."""

V16_GOALS: tuple[Goal, ...] = (
    # Issue 16: 1.6 frames at least as far ahead as 2.0.1's, the same goals on the same peers.
    Goal("decode", "ack", "v16-typical", "msgspec", minimum=2.0),
    Goal("decode", "read", "v16-typical", "msgspec", minimum=1.0),
    # 10.9x to 11.2x on the median of paired rounds at a load of 4 to 10, since 1.6's sampled
    # values no longer stall on their way into the vector (benches/README.md, *Issue 16*).
    Goal("batch", "arrow-1", "v16-typical", "msgspec", minimum=10.0),
    Goal("batch", "arrow-1", "v16-typical", "orjson", minimum=3.0),
)
V16_GOALS += _issue_17_goals(V16_GOALS, V16_KINDS, V16_ROWS, V16_UNMET)

GOALS += V16_GOALS
"""The ratio goals, gated in CI (``.ci/bench``)."""

SUITES: tuple[str, ...] = ("2.x", "1.6")
"""The suites of frames a run measures: OCPP 2.0.1 (MeterValues and TransactionEvent, with the
batches and the adapter) and OCPP 1.6J."""


def goals_of(suites: Sequence[str], goals: Sequence[Goal] = GOALS) -> tuple[Goal, ...]:
    """The goals of the suites measured (``"1.6"``: those on ``v16-*`` frames)."""
    return tuple(g for g in goals if ("1.6" if g.kind.startswith(V16_PREFIX) else "2.x") in suites)


@dataclass(frozen=True)
class GateSettings:
    """Rounds of a gate: a first block of ``first``, then blocks of ``step`` up to ``most``
    (all even: the order of the sides alternates round by round), each round at least
    ``target`` seconds and of equal length on both sides (:func:`.measure.equal_numbers`)."""

    first: int
    step: int
    most: int
    target: float


# Short rounds (1 ms a side): most fall between the slices other processes take, and the
# rest are outliers the median ignores.
DECODE_GATE = GateSettings(first=100, step=100, most=1000, target=0.001)
# A peer's batch is one call of 0.3 to 0.5 s, so a round lasts that long on both sides (ours
# repeats its 25 ms call as often): fewer rounds fit the time.
BATCH_GATE = GateSettings(first=16, step=16, most=64, target=0.0)

CONFIDENCE_Z = 2.576
"""The median's interval is the two-sided 99% one (normal approximation of the binomial)."""


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _pair(results: Sequence[Result], goal: Goal) -> tuple[Result, Result] | None:
    found = {
        r.peer: r for r in results if (r.op, r.path, r.kind) == (goal.op, goal.path, goal.kind)
    }
    if OURS not in found or goal.peer not in found:
        return None
    return found[OURS], found[goal.peer]


def paired_ratios(results: Sequence[Result], goal: Goal) -> list[float]:
    """``peer round / our round`` for every round both measured (above 1: ours is faster)."""
    pair = _pair(results, goal)
    if pair is None:
        return []
    ours, peer = pair
    return [p / o for o, p in zip(ours.samples, peer.samples) if o > 0]


def median_interval(ratios: Sequence[float], z: float = CONFIDENCE_Z) -> tuple[float, float]:
    """A distribution-free confidence interval of the median of ``ratios`` (order statistics:
    the median lies between the ``n/2 -+ z*sqrt(n)/2``-th values with the chosen confidence)."""
    ordered = sorted(ratios)
    n = len(ordered)
    half = z * math.sqrt(n) / 2
    low = max(0, math.floor(n / 2 - half))
    high = min(n - 1, math.ceil(n / 2 + half) - 1)
    return ordered[low], ordered[high]


def decided(ratios: Sequence[float], minimum: float) -> bool:
    """Whether more rounds could not change the verdict: the median's interval lies wholly on
    one side of the goal."""
    if not ratios:
        return False
    low, high = median_interval(ratios)
    return low >= minimum or high < minimum


@dataclass(frozen=True)
class Verdict:
    """One goal's outcome."""

    goal: Goal
    passed: bool
    median: float | None
    interval: tuple[float, float] | None
    best: float | None
    rounds: int

    @property
    def ok(self) -> bool:
        """Passed, or not gated."""
        return self.passed or not self.goal.gated

    def line(self) -> str:
        goal = self.goal
        status = "PASS" if self.passed else "FAIL" if goal.gated else "UNMET (not gated)"
        if self.median is None or self.interval is None:
            return f"{status}: {goal.describe()}: missing (goal >= {goal.minimum:.2f}x)"
        low, high = self.interval
        shown = (
            f"median of {self.rounds} paired rounds {self.median:.3f}x (99% {low:.3f}-{high:.3f}x)"
        )
        if self.passed:
            by = ""
        else:
            by = f", {1 - self.median / goal.minimum:.1%} short"
        best = "" if self.best is None else f"; best rounds {self.best:.3f}x"
        return f"{status}: {goal.describe()}: {shown}{best} (goal >= {goal.minimum:.2f}x{by})"


def best_ratio(results: Sequence[Result], goal: Goal) -> float | None:
    """``peer's best round / our best round``: printed beside the median, never gated."""
    pair = _pair(results, goal)
    if pair is None or not pair[0].samples or not pair[1].samples or min(pair[0].samples) <= 0:
        return None
    return min(pair[1].samples) / min(pair[0].samples)


def verdict(results: Sequence[Result], goal: Goal) -> Verdict:
    """The goal judged on ``results``: the median of the paired rounds against the goal."""
    ratios = paired_ratios(results, goal)
    if not ratios:
        return Verdict(goal, False, None, None, None, 0)
    median = _median(ratios)
    return Verdict(
        goal,
        median >= goal.minimum,
        median,
        median_interval(ratios),
        best_ratio(results, goal),
        len(ratios),
    )


def gate(results: Sequence[Result], goals: Sequence[Goal] = GOALS) -> list[tuple[bool, str]]:
    """One ``(ok, line)`` per goal, from rounds measured in the same run (one result of ours
    per operation, path and kind, as in the tables)."""
    return [(v.ok, v.line()) for v in (verdict(results, g) for g in goals)]


def judge(
    measured: Sequence[tuple[Goal, Sequence[Result]]], goals: Sequence[Goal] = GOALS
) -> list[tuple[bool, str]]:
    """One ``(ok, line)`` per goal, each on its own paired rounds (:func:`measure_goals`); a
    goal without rounds is missing (a failure when gated)."""
    rounds = dict(measured)
    out = []
    for goal in goals:
        v = verdict(rounds.get(goal, ()), goal)
        out.append((v.ok, v.line()))
    return out


def _gate_case(group: Sequence[Case], goal: Goal) -> list[Case] | None:
    """Ours and the goal's peer out of a measured group of cases."""
    by_peer = {
        c.peer: c for c in group if (c.op, c.path, c.kind) == (goal.op, goal.path, goal.kind)
    }
    if OURS not in by_peer or goal.peer not in by_peer:
        return None
    return [by_peer[OURS], by_peer[goal.peer]]


def measure_goals(
    groups: Sequence[Sequence[Case]],
    goals: Sequence[Goal] = GOALS,
    progress: Callable[[str], object] | None = None,
) -> list[tuple[Goal, list[Result]]]:
    """Paired rounds of ours and each goal's peer, as many as the verdict needs (up to the
    budget of :data:`DECODE_GATE` or :data:`BATCH_GATE`): each goal with its two results."""
    out: list[tuple[Goal, list[Result]]] = []
    for goal in goals:
        pair = next((p for g in groups if (p := _gate_case(g, goal)) is not None), None)
        if pair is None:
            continue
        plan = BATCH_GATE if goal.op == "batch" else DECODE_GATE
        numbers = equal_numbers(pair, plan.target)
        ours, peer = (Result(c.op, c.path, c.kind, c.peer, n) for c, n in zip(pair, numbers))
        gc.collect()
        rounds = plan.first
        while True:
            take_turns(pair, [ours, peer], rounds)
            ratios = paired_ratios([ours, peer], goal)
            if decided(ratios, goal.minimum) or len(ratios) >= plan.most:
                break
            rounds = min(plan.step, plan.most - len(ratios))
        if progress is not None:
            progress(f"{goal.describe()}: {len(ours.samples)} paired rounds")
        out.append((goal, [ours, peer]))
    return out
