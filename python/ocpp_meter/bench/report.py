"""Ratios, goals, the Markdown table, the JSON results and the command line."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TextIO

from . import adapter, peers16, sessions
from .agreement import check_batch, check_decode, check_dispatch, check_encode
from .batch import CHECK_FRAMES, batch_frames, batch_frames16
from .cold import ColdResult, cold_markdown, measure_cold
from .frames import (
    KINDS,
    OURS,
    TE_KINDS,
    V16_KINDS,
    bench_frame,
    check_frames,
    te_kinds,
    v16_kinds,
)
from .goals import SUITES, Goal, goals_of, judge, measure_goals
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


def _best_ratio(
    results: Sequence[Result], op: str, path: str, kind: str, peer: str
) -> float | None:
    best = {r.peer: min(r.samples) for r in results if (r.op, r.path, r.kind) == (op, path, kind)}
    if OURS not in best or peer not in best or best[OURS] <= 0:
        return None
    return best[peer] / best[OURS]


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
        for kind in (*KINDS, *TE_KINDS, *V16_KINDS, sessions.KIND):
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
    if any(k[2] in V16_KINDS for k in medians):
        out.append(
            "`v16-*`: OCPP 1.6J MeterValues frames (`ocpp_meter.bench.frames.v16_frames`: the"
        )
        out.append(
            "same readings as a 1.6 charger sends them), each peer with its models of the 1.6"
        )
        out.append('schema (`ocpp_meter.bench.peers16`), ours with `dialect="1.6"`.')
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


COLD_QUICK = 3
COLD_FULL = 7
"""Fresh processes per cold case."""


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
    goals: Sequence[Goal] = (),
    cold_processes: int = 0,
    suites: Sequence[str] = SUITES,
) -> tuple[
    list[Result],
    dict[str, Peer],
    dict[str, str],
    dict[str, str],
    dict[str, Any],
    list[tuple[Goal, list[Result]]],
    list[ColdResult],
]:
    """Check and measure: results, peers measured, skipped, disagreeing, environment, the
    paired rounds of ``goals`` (:func:`.goals.measure_goals`) and the cold figures of
    ``cold_processes`` fresh processes per case (:func:`.cold.measure_cold`). ``suites``:
    ``"2.x"`` (the 2.0.1 frames, MeterValues and TransactionEvent) and ``"1.6"`` (the OCPP
    1.6J frames), or one of them."""
    err = sys.stderr if err is None else err
    settings = QUICK if quick else FULL
    found, skipped = peers()
    if only:
        skipped.update({n: "not selected" for n in found if n not in only and n != OURS})
        found = {n: p for n, p in found.items() if n in only or n == OURS}
    for name, why in skipped.items():
        err.write(f"bench: skipping {name}: {why}\n")
    ours = found[OURS]
    frames = {kind: bench_frame(kind) for kind in (*KINDS, *TE_KINDS, *V16_KINDS)}
    v16_selected = v16_kinds(kinds) if "1.6" in suites else ()
    # A suite's adapters (schemas compiled, libraries imported) are built only if it runs.
    te_found = te_peers(found) if "2.x" in suites else {}
    v16_found = peers16.v16_peers(found) if v16_selected else {}
    if "2.x" not in suites:
        kinds = ()
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
    for name, peer in v16_found.items():
        try:
            for kind in v16_selected:
                check_decode(peer, check_frames(kind), v16_found[OURS])
        except Exception as exc:  # noqa: BLE001 - any failure leaves the peer out
            disagreed[f"{name} (1.6)"] = f"{type(exc).__name__}: {exc}"
            err.write(f"bench: {name} DISAGREES with ours on OCPP 1.6J, left out: {exc}\n")
    for who in (OURS, f"{OURS} (TransactionEvent)", f"{OURS} (1.6)"):
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
    v16_measured = {n: p for n, p in v16_found.items() if f"{n} (1.6)" not in disagreed}
    groups += cases(v16_measured, v16_selected, frames)
    if peers16.BATCH_KIND in v16_selected:
        try:
            groups += [g for g in [peers16.batch_group(batch_frames16(), err)] if g]
        except AssertionError as exc:
            disagreed["msgspec (1.6 batch)"] = f"AssertionError: {exc}"
            err.write(f"bench: the msgspec 1.6 batch DISAGREES with ours, left out: {exc}\n")
    results = measure(groups, settings, _progress_printer(err))
    if err.isatty():
        err.write("\n")
    gated: list[tuple[Goal, list[Result]]] = []
    if goals:
        err.write("bench: the gates' paired rounds ...\n")
        gated = measure_goals(groups, goals, lambda line: err.write(f"bench: {line}\n"))
    cold: list[ColdResult] = []
    if cold_processes:
        err.write(f"bench: cold figures, {cold_processes} fresh processes per case ...\n")
        cold = measure_cold(list(measured), cold_processes)
    err.write("bench: done\n")
    env = _environment(settings, quick)
    return results, found, skipped, disagreed, env, gated, cold


def report_json(
    results: Sequence[Result],
    found: dict[str, Peer],
    skipped: dict[str, str],
    disagreed: dict[str, str],
    env: dict[str, Any],
    gates: Sequence[tuple[bool, str]] = (),
    gated: Sequence[tuple[Goal, Sequence[Result]]] = (),
    cold: Sequence[ColdResult] = (),
) -> dict[str, Any]:
    """The raw results as one JSON-ready dict."""
    ratios = [
        {
            "op": r.op,
            "path": r.path,
            "kind": r.kind,
            "peer": r.peer,
            "ratio": ratio(results, r.op, r.path, r.kind, r.peer),
            "best_ratio": _best_ratio(results, r.op, r.path, r.kind, r.peer),
        }
        for r in results
        if r.peer != OURS
    ]
    return {
        "environment": env,
        "peers": {n: {"version": p.version, "what": p.what} for n, p in found.items()},
        "skipped": skipped,
        "disagreed": disagreed,
        "frames": {kind: len(bench_frame(kind)) for kind in (*KINDS, *TE_KINDS, *V16_KINDS)},
        "results": [r.as_dict() for r in results],
        "ratios": ratios,
        "gates": [{"passed": ok, "line": line} for ok, line in gates],
        "gate_rounds": [r.as_dict() for _, pair in gated for r in pair],
        "cold": [c.as_dict() for c in cold],
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
        "--suite",
        action="append",
        choices=SUITES,
        help="the 2.x frames (MeterValues and TransactionEvent of 2.0.1) or the OCPP 1.6J ones "
        "(repeatable; default: both); the gate judges the goals of the suites measured",
    )
    parser.add_argument(
        "--gate",
        action="store_true",
        help="measure ours and each goal's peer in paired, alternating rounds and exit 1 unless "
        "the median ratio reaches every goal",
    )
    parser.add_argument(
        "--cold",
        type=int,
        metavar="N",
        help=f"fresh processes per cold case (default {COLD_QUICK} with --quick, "
        f"{COLD_FULL} otherwise; 0: no cold figures)",
    )
    args = parser.parse_args(argv)
    kinds = tuple(k for k in KINDS if args.kind is None or k in args.kind)
    suites = tuple(args.suite or SUITES)
    processes = args.cold if args.cold is not None else COLD_QUICK if args.quick else COLD_FULL
    results, found, skipped, disagreed, env, gated, cold = run(
        quick=args.quick,
        kinds=kinds,
        only=args.peer,
        goals=goals_of(suites) if args.gate else (),
        cold_processes=processes if "typical" in kinds and "2.x" in suites else 0,
        suites=suites,
    )
    frames = {kind: bench_frame(kind) for kind in (*KINDS, *TE_KINDS, *V16_KINDS)}
    gates = judge(gated, goals_of(suites)) if args.gate else []
    text = markdown(results, found, skipped, frames, disagreed)
    sys.stdout.write(text)
    warm = {(r.op, r.path, r.kind, r.peer): r.median for r in results}
    if cold:
        sys.stdout.write("\n" + cold_markdown(cold, warm))
    if gates:
        sys.stdout.write(
            "\nGates (median of paired, alternating rounds of ours and the peer, against the "
            "goal itself):\n\n" + "\n".join(f"- {line}" for _, line in gates) + "\n"
        )
    sys.stdout.flush()
    if args.json:
        data = report_json(results, found, skipped, disagreed, env, gates, gated, cold)
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.write("\n")
    if disagreed:
        return 3
    return 0 if all(ok for ok, _ in gates) else 1
