"""Ratios, goals, the Markdown table, the JSON results and the command line."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TextIO

from . import adapter, sessions
from .agreement import check_batch, check_decode, check_dispatch, check_encode
from .batch import CHECK_FRAMES, batch_frames
from .frames import KINDS, OURS, TE_KINDS, bench_frame, check_frames, te_kinds
from .measure import FULL, OPS, QUICK, Case, Result, Settings, cases, measure
from .peers import PEER_ORDER, Peer, peers
from .transaction_event_peers import te_peers


def _medians(results: Sequence[Result]) -> dict[tuple[str, str, str], dict[str, float]]:
    out: dict[tuple[str, str, str], dict[str, float]] = {}
    for r in results:
        out.setdefault((r.op, r.path, r.kind), {})[r.peer] = r.median
    return out


def ratio(results: Sequence[Result], op: str, path: str, kind: str, peer: str) -> float | None:
    """``peer median / our median`` (above 1: ours is faster), ``None`` if either is missing."""
    row = _medians(results).get((op, path, kind), {})
    if OURS not in row or peer not in row or row[OURS] <= 0:
        return None
    return row[peer] / row[OURS]


def best_ratio(results: Sequence[Result], op: str, path: str, kind: str, peer: str) -> float | None:
    """``peer's best round / our best round``, ``None`` if either is missing.

    What the CI gate compares. A busy machine only ever slows a round down, and on a shared
    2-core runner it slows down many of them, in spells of several milliseconds that hit one
    peer of a pair and not the other: the medians' ratio then swings far more than the best
    rounds' (see ``benches/README.md`` for the figures).
    """
    best = {r.peer: min(r.samples) for r in results if (r.op, r.path, r.kind) == (op, path, kind)}
    if OURS not in best or peer not in best or best[OURS] <= 0:
        return None
    return best[peer] / best[OURS]


@dataclass(frozen=True)
class Goal:
    """A release goal: on ``kind``, ours at least ``minimum`` times as fast as ``peer``.

    ``margin`` is the noise allowance of the CI gate: a run fails when its best-round ratio
    (:func:`best_ratio`) is below ``minimum * (1 - margin)``. See ``benches/README.md`` for how
    it was chosen.
    """

    op: str
    path: str
    kind: str
    peer: str
    minimum: float
    margin: float
    gated: bool = True
    """False for a goal not met yet: reported on every run, but it does not fail the gate."""

    @property
    def threshold(self) -> float:
        return self.minimum * (1.0 - self.margin)

    def describe(self) -> str:
        title = next(t for o, p, t in OPS if (o, p) == (self.op, self.path))
        return f"{self.kind} frame, {title}, ours vs {self.peer}"


GOALS: tuple[Goal, ...] = (
    Goal("decode", "ack", "typical", "msgspec", minimum=2.0, margin=0.05),
    Goal("decode", "read", "typical", "msgspec", minimum=1.0, margin=0.05),
    # Issue 12: TransactionEvent at least as far ahead as MeterValues.
    Goal("decode", "ack", "te-typical", "msgspec", minimum=2.0, margin=0.05),
    Goal("decode", "read", "te-typical", "msgspec", minimum=1.0, margin=0.05),
    # The batch issue's goals: 10x the Python baseline (msgspec decode, rows flattened in
    # Python, a pyarrow table) and 3x orjson.loads alone, on one thread. The margin is wider
    # than the decode goals': each round is one 25 ms call, so fewer rounds fit the time.
    Goal("batch", "arrow-1", "typical", "msgspec", minimum=10.0, margin=0.10),
    Goal("batch", "arrow-1", "typical", "orjson", minimum=3.0, margin=0.10),
    # Issue 12: whole charging sessions (MeterValues and TransactionEvent) to rows and events,
    # 10x the same kind of Python baseline.
    Goal("batch", sessions.PATH, sessions.KIND, "msgspec", minimum=10.0, margin=0.10),
    # Issue 14: a mobilityhouse CSMS with the mixin, against the library alone, same handler:
    # 20x with the handler unchanged, 200x with a typed one.
    *(
        Goal(adapter.OP, "unchanged", kind, adapter.PEER, minimum=20.0, margin=0.10)
        for kind in adapter.KINDS
    ),
    *(
        Goal(adapter.OP, "typed", kind, adapter.PEER, minimum=200.0, margin=0.10)
        for kind in adapter.KINDS
    ),
)
"""The ratio goals of the codec issue, gated in CI (``.ci/bench``)."""


def gate(results: Sequence[Result], goals: Sequence[Goal] = GOALS) -> list[tuple[bool, str]]:
    """One ``(passed, line)`` per goal, from ratios measured in the same run."""
    lines = []
    for goal in goals:
        best = best_ratio(results, goal.op, goal.path, goal.kind, goal.peer)
        median = ratio(results, goal.op, goal.path, goal.kind, goal.peer)
        met = best is not None and best >= goal.threshold
        ok = met or not goal.gated
        shown = "missing" if best is None or median is None else f"{best:.3f}x"
        also = "" if median is None else f", medians {median:.3f}x"
        line = (
            f"{'PASS' if met else 'FAIL' if goal.gated else 'UNMET (not gated)'}: "
            f"{goal.describe()}: best rounds {shown}{also} "
            f"(goal >= {goal.minimum:.2f}x; gate >= {goal.threshold:.2f}x on the best rounds, "
            f"a {goal.margin:.0%} noise margin)"
        )
        lines.append((ok, line))
    return lines


def _time_text(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds * 1e6:,.2f} us"


def markdown(
    results: Sequence[Result],
    found: dict[str, Peer],
    skipped: dict[str, str],
    frames: dict[str, bytes],
    disagreed: dict[str, str] | None = None,
) -> str:
    """The Markdown report: one table per operation, the peers, what was skipped and why."""
    medians = _medians(results)
    out: list[str] = []
    for op, path, title in OPS:
        keys = [k for k in medians if k[0] == op and k[1] == path]
        if not keys:
            continue
        present = {p for k in keys for p in medians[k]}
        names = [n for n in PEER_ORDER if n in present]
        others = [n for n in names if n != OURS]
        out.append(f"**{title}** (median per call; in brackets, peer median / our median)")
        out.append("")
        out.append("| frame | " + " | ".join(names) + " |")
        out.append("| --- |" + " ---: |" * len(names))
        for kind in (*KINDS, *TE_KINDS, sessions.KIND):
            row = medians.get((op, path, kind))
            if row is None:
                continue
            size = f"{len(frames[kind]):,} B" if kind in frames else "mixed frames"
            cells = [f"{kind} ({size})"]
            cells.append(_time_text(row[OURS]) if OURS in row else "")
            for name in others:
                if name not in row:
                    cells.append("")
                    continue
                r = ratio(results, op, path, kind, name)
                shown = "" if r is None else f" ({r:.2f}x)"
                cells.append(_time_text(row[name]) + shown)
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    if any(k[2] in TE_KINDS for k in medians):
        out.append("`te-*`: TransactionEvent frames (`ocpp_meter.bench.frames.te_frames`), each")
        out.append("peer with its TransactionEvent models; the other rows: MeterValues.")
        out.append("")
    out.append("Peers:")
    out.append("")
    for name, peer in found.items():
        if disagreed and name in disagreed:
            continue
        out.append(f"- `{name}` {peer.version}: {peer.what}")
    for name, why in (disagreed or {}).items():
        out.append(f"- `{name}`: LEFT OUT, its output disagrees with ours: {why.splitlines()[0]}")
    for name, why in skipped.items():
        out.append(f"- `{name}`: skipped ({why})")
    return "\n".join(out) + "\n"


def _environment(settings: Settings, quick: bool) -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpus": os.cpu_count(),
        "quick": quick,
        "rounds": settings.rounds,
        "round_target_s": settings.target,
        "gc": "enabled",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _progress_printer(stream: TextIO) -> Callable[[int, int, Sequence[Case]], None]:
    start = time.perf_counter()
    tty = stream.isatty()

    def show(index: int, total: int, group: Sequence[Case]) -> None:
        first = group[0]
        line = (
            f"[{index + 1:>2}/{total}] {time.perf_counter() - start:5.1f}s "
            f"{first.op} {first.path} {first.kind}: {', '.join(c.peer for c in group)}"
        )
        if tty:
            stream.write("\r\x1b[K" + line)
        else:
            stream.write(line + "\n")
        stream.flush()

    return show


def run(
    *,
    quick: bool,
    kinds: Sequence[str] = KINDS,
    only: Sequence[str] | None = None,
    err: TextIO | None = None,
) -> tuple[list[Result], dict[str, Peer], dict[str, str], dict[str, str], dict[str, Any]]:
    """Check and measure: results, peers measured, skipped, disagreeing, environment."""
    err = sys.stderr if err is None else err
    settings = QUICK if quick else FULL
    found, skipped = peers()
    if only:
        skipped.update({n: "not selected" for n in found if n not in only and n != OURS})
        found = {n: p for n, p in found.items() if n in only or n == OURS}
    for name, why in skipped.items():
        err.write(f"bench: skipping {name}: {why}\n")
    ours = found[OURS]
    frames = {kind: bench_frame(kind) for kind in (*KINDS, *TE_KINDS)}
    te_found = te_peers(found)
    disagreed: dict[str, str] = {}
    err.write("bench: checking every peer's output against ours ...\n")
    for name, peer in found.items():
        try:
            for kind in kinds:
                check_decode(peer, check_frames(kind), ours)
                if peer.prepare is not None:
                    check_encode(peer, check_frames(kind))
                if peer.dispatch is not None:
                    check_dispatch(peer, check_frames(kind))
            if peer.batch_rows is not None and "typical" in kinds:
                check_batch(peer, ours, batch_frames(CHECK_FRAMES, seed=1))
        except Exception as exc:  # noqa: BLE001 - any failure leaves the peer out
            disagreed[name] = f"{type(exc).__name__}: {exc}"
            err.write(f"bench: {name} DISAGREES with ours, left out: {exc}\n")
    for name, peer in te_found.items():
        try:
            for kind in te_kinds(kinds):
                check_decode(peer, check_frames(kind), te_found[OURS])
        except Exception as exc:  # noqa: BLE001 - any failure leaves the peer out
            disagreed[f"{name} (TransactionEvent)"] = f"{type(exc).__name__}: {exc}"
            err.write(f"bench: {name} DISAGREES with ours on TransactionEvent, left out: {exc}\n")
    for who in (OURS, f"{OURS} (TransactionEvent)"):
        if who in disagreed:
            raise AssertionError(f"{who} disagrees with stdlib json: {disagreed[who]}")
    measured = {n: p for n, p in found.items() if n not in disagreed}
    many = batch_frames() if "typical" in kinds else None
    groups = cases(measured, kinds, frames, many)
    if "typical" in kinds and "msgspec" in measured:
        try:
            groups += [g for g in [sessions.group(sessions.session_frames(), err)] if g]
        except AssertionError as exc:
            disagreed[f"msgspec ({sessions.KIND} batch)"] = f"AssertionError: {exc}"
            err.write(f"bench: the msgspec session batch DISAGREES with ours, left out: {exc}\n")
    if "typical" in kinds and adapter.PEER in found:
        try:
            groups += adapter.groups(err=err)
        except AssertionError as exc:
            disagreed[f"{adapter.PEER} (mobilityhouse adapter)"] = f"AssertionError: {exc}"
            err.write(f"bench: the mobilityhouse adapter DISAGREES with the library: {exc}\n")
    te_measured = {n: p for n, p in te_found.items() if f"{n} (TransactionEvent)" not in disagreed}
    groups += cases(te_measured, te_kinds(kinds), frames)
    results = measure(groups, settings, _progress_printer(err))
    if err.isatty():
        err.write("\n")
    err.write("bench: done\n")
    env = _environment(settings, quick)
    return results, found, skipped, disagreed, env


def report_json(
    results: Sequence[Result],
    found: dict[str, Peer],
    skipped: dict[str, str],
    disagreed: dict[str, str],
    env: dict[str, Any],
    gates: Sequence[tuple[bool, str]] = (),
) -> dict[str, Any]:
    """The raw results as one JSON-ready dict."""
    ratios = [
        {
            "op": r.op,
            "path": r.path,
            "kind": r.kind,
            "peer": r.peer,
            "ratio": ratio(results, r.op, r.path, r.kind, r.peer),
            "best_ratio": best_ratio(results, r.op, r.path, r.kind, r.peer),
        }
        for r in results
        if r.peer != OURS
    ]
    return {
        "environment": env,
        "peers": {n: {"version": p.version, "what": p.what} for n, p in found.items()},
        "skipped": skipped,
        "disagreed": disagreed,
        "frames": {kind: len(bench_frame(kind)) for kind in (*KINDS, *TE_KINDS)},
        "results": [r.as_dict() for r in results],
        "ratios": ratios,
        "gates": [{"passed": ok, "line": line} for ok, line in gates],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status.

    0: done (and every goal met, with ``--gate``); 1: a goal missed (``--gate``); 2: usage;
    3: a peer's output disagrees with ours (it is left out of the table).
    """
    parser = argparse.ArgumentParser(
        prog="ocpp-meter bench",
        description="Measure ocpp-meter against the peers installed here, on the same frames, "
        "in one run; print a Markdown table of medians and of ours vs each peer.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"fewer, shorter rounds ({QUICK.rounds} x >= {QUICK.target * 1e3:g} ms per case, "
        f"instead of {FULL.rounds} x >= {FULL.target * 1e3:g} ms)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the raw results as JSON")
    parser.add_argument(
        "--kind",
        action="append",
        choices=KINDS,
        help="frame kind to measure (repeatable; default: all)",
    )
    parser.add_argument(
        "--peer",
        action="append",
        choices=[n for n in PEER_ORDER if n != OURS],
        help="peer to measure (repeatable; default: every one installed)",
    )
    parser.add_argument(
        "--gate",
        action="store_true",
        help="exit 1 unless every ratio goal is met (within its noise margin)",
    )
    args = parser.parse_args(argv)
    kinds = tuple(k for k in KINDS if args.kind is None or k in args.kind)
    results, found, skipped, disagreed, env = run(quick=args.quick, kinds=kinds, only=args.peer)
    frames = {kind: bench_frame(kind) for kind in (*KINDS, *TE_KINDS)}
    gates = gate(results) if args.gate else []
    text = markdown(results, found, skipped, frames, disagreed)
    sys.stdout.write(text)
    if gates:
        sys.stdout.write("\n" + "\n".join(f"- {line}" for _, line in gates) + "\n")
    sys.stdout.flush()
    if args.json:
        data = report_json(results, found, skipped, disagreed, env, gates)
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.write("\n")
    if disagreed:
        return 3
    return 0 if all(ok for ok, _ in gates) else 1
