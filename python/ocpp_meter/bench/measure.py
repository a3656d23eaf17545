"""Timing: the cases, calibrated rounds, medians and best rounds."""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Callable

from .frames import OURS
from .peers import Peer

OPS: tuple[tuple[str, str, str], ...] = (
    ("decode", "ack", "decode, acknowledge path"),
    ("decode", "read", "decode, read every field"),
    ("encode", "frame", "encode the CALL frame"),
    ("encode", "payload", "encode the request payload"),
    ("dispatch", "reply", "dispatch: frame to reply bytes, a handler that acknowledges"),
    ("batch", "arrow-1", "batch: 10,000 typical frames to an Arrow table of rows, one thread"),
    ("batch", "arrow-all", "batch: the same, ours on every core (the peers on one)"),
    ("batch", "sessions-1", "batch: 10,000 frames of charging sessions to rows and events"),
    (
        "adapter",
        "unchanged",
        (
            "mobilityhouse ChargePoint.route_message, frame to reply sent, the same `@on` "
            "handler: with `OcppMeterMixin` (ours) and without (ocpp)"
        ),
    ),
    (
        "adapter",
        "typed",
        (
            "mobilityhouse ChargePoint.route_message, frame to reply sent: `OcppMeterMixin` "
            "with a `@typed` handler (ours), the library with the `@on` handler (ocpp)"
        ),
    ),
)
"""Every (operation, path) measured, with its title, in table order."""


@dataclass(frozen=True)
class Case:
    """One timed thing: ``func(arg)`` for one peer, operation, path and frame kind."""

    op: str
    path: str
    kind: str
    peer: str
    func: Callable[[Any], object]
    arg: Any


@dataclass
class Result:
    """The timings of one case: ``samples`` are seconds per call, one per round."""

    op: str
    path: str
    kind: str
    peer: str
    number: int
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        ordered = sorted(self.samples)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    def as_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "path": self.path,
            "kind": self.kind,
            "peer": self.peer,
            "median_s": self.median,
            "min_s": min(self.samples),
            "max_s": max(self.samples),
            "number": self.number,
            "samples_s": self.samples,
        }


def cases(
    found: dict[str, Peer],
    kinds: Sequence[str],
    frames: dict[str, bytes],
    batch_frames: list[bytes] | None = None,
) -> list[list[Case]]:
    """The cases, grouped by (operation, path, kind); within a group, ours first. The batch
    operations run on ``batch_frames`` (typical frames) when given."""
    groups: list[list[Case]] = []
    for op, path, _ in OPS:
        if op == "batch":
            # The session batch has frames and peers of its own (see .sessions).
            if batch_frames is not None and "typical" in kinds and path.startswith("arrow"):
                group = []
                for peer in found.values():
                    # Every core for ours in either profile; the peers run on one.
                    all_cores = path == "arrow-all" and peer.batch_all is not None
                    run = peer.batch_all if all_cores else peer.batch
                    if run is not None:
                        group.append(Case(op, path, "typical", peer.name, run, batch_frames))
                if any(case.peer != OURS for case in group):
                    groups.append(group)
            continue
        for kind in kinds:
            frame = frames[kind]
            group = []
            for peer in found.values():
                if op == "decode":
                    func = peer.ack if path == "ack" else peer.read
                    if func is not None:
                        group.append(Case(op, path, kind, peer.name, func, frame))
                elif op == "dispatch":
                    if peer.dispatch is not None:
                        group.append(Case(op, path, kind, peer.name, peer.dispatch, frame))
                elif op == "encode" and peer.prepare is not None:
                    enc = peer.encode_frame if path == "frame" else peer.encode_payload
                    if enc is not None:
                        group.append(Case(op, path, kind, peer.name, enc, peer.prepare(frame)))
            if any(case.peer != OURS for case in group):
                groups.append(group)
    return groups


def _time(func: Callable[[Any], object], arg: Any, number: int) -> float:
    """Seconds per call of ``func(arg)`` over ``number`` calls (the garbage collector on)."""
    start = time.perf_counter()
    for _ in repeat(None, number):
        func(arg)
    return (time.perf_counter() - start) / number


def _calibrate(case: Case, target: float) -> int:
    """How many calls make one round last at least ``target`` seconds (and a warm-up)."""
    number = 1
    while True:
        if _time(case.func, case.arg, number) * number >= target or number >= 1 << 24:
            return number
        number *= 2


def equal_numbers(group: Sequence[Case], target: float) -> list[int]:
    """Calls per round that give every case of ``group`` rounds of the same length: at least
    ``target``, and at least the slowest case's single call.

    A busy machine takes the processor away in slices of a few milliseconds, so a longer round
    is more often slowed than a shorter one; rounds of equal length give both sides of a pair
    the same odds. Each case's time per call is its best of a few timings (a warm-up as well).
    """
    per_call = []
    for case in group:
        number = _calibrate(case, target / 4)
        per_call.append(min(_time(case.func, case.arg, number) for _ in range(3)))
    length = max(target, *per_call)
    return [max(1, round(length / t)) if t > 0 else 1 for t in per_call]


@dataclass(frozen=True)
class Settings:
    """How long to measure: ``rounds`` timings of at least ``target`` seconds per case;
    ``equal``: rounds of one length for every case of a group (:func:`equal_numbers`)."""

    rounds: int
    target: float
    equal: bool = False


FULL = Settings(rounds=21, target=0.02)
QUICK = Settings(rounds=31, target=0.004)


def measure(
    groups: Sequence[Sequence[Case]],
    settings: Settings,
    progress: Callable[[int, int, Sequence[Case]], None] | None = None,
) -> list[Result]:
    """Time every case; within a group the peers take turns, round after round, in forward
    order on even rounds and backward on odd ones (ours, peer, peer, ours, ... for a pair).

    Taking turns spreads any slow spell of the machine over every peer of the group, so the
    ratios, which compare peers within a group, suffer less from it than the times do; and
    the alternating order keeps either side of a pair from always running first (just after
    the other's caches and allocations), so that round ``i`` of ours and of a peer form a pair
    (:func:`.goals.paired_ratios`).
    """
    results: list[Result] = []
    for position, group in enumerate(groups):
        if progress is not None:
            progress(position, len(groups), group)
        if settings.equal:
            numbers = equal_numbers(group, settings.target)
        else:
            numbers = [_calibrate(case, settings.target) for case in group]
        timed = [Result(c.op, c.path, c.kind, c.peer, n) for c, n in zip(group, numbers)]
        gc.collect()
        take_turns(group, timed, settings.rounds)
        results += timed
    return results


def take_turns(group: Sequence[Case], timed: Sequence[Result], rounds: int) -> None:
    """``rounds`` more rounds of every case, appended to its result: forward order on the
    even rounds (counting each result's rounds so far), backward on the odd ones."""
    turns = list(zip(group, timed))
    done = len(timed[0].samples) if timed else 0
    for index in range(done, done + rounds):
        for case, result in turns if index % 2 == 0 else reversed(turns):
            result.samples.append(_time(case.func, case.arg, result.number))
