"""Our speed-up over each peer, from a pytest-benchmark JSON file, with the release gates.

Usage::

    python benches/ratios.py out.json [--frame typical] [--min-ack 2.0] [--min-read 1.0]

The JSON comes from ``python -m pytest benches --benchmark-only --benchmark-json=out.json``.
For every frame and path the table gives our median and, per peer, its median and the ratio
``peer median / our median`` (above 1: ours is faster). The run fails (exit status 1) unless, on
the gate frame, ours is at least ``--min-ack`` times as fast as msgspec on the acknowledge path
and at least ``--min-read`` times as fast on the read-every-field path, or if a benchmark the
gates need is missing. Exit status 2 is a usage or input error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any

OURS = "ours"
GATED_PEER = "msgspec"
KIND_ORDER = ("small", "typical", "large")
PATH_ORDER = ("ack", "read")
PATH_NAMES = {"ack": "acknowledge", "read": "read every field"}

Medians = dict[tuple[str, str], dict[str, float]]
"""``{(frame kind, path): {peer: median seconds}}``."""


def collect(benchmarks: Iterable[Mapping[str, Any]]) -> Medians:
    """Medians by (kind, path) and peer, from pytest-benchmark results with our ``extra_info``."""
    out: Medians = {}
    for bench in benchmarks:
        info = bench.get("extra_info") or {}
        peer, kind, path = info.get("peer"), info.get("kind"), info.get("path")
        stats = bench.get("stats") or {}
        if not (peer and kind and path) or "median" not in stats:
            continue
        out.setdefault((kind, path), {})[peer] = float(stats["median"])
    return out


def _order(key: tuple[str, str]) -> tuple[int, int, str, str]:
    kind, path = key
    k = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    p = PATH_ORDER.index(path) if path in PATH_ORDER else len(PATH_ORDER)
    return (k, p, kind, path)


def _us(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e6:,.2f} us"


def ratio(medians: Medians, kind: str, path: str, peer: str) -> float | None:
    """``peer median / our median`` for one frame and path, ``None`` if either is missing."""
    row = medians.get((kind, path), {})
    if OURS not in row or peer not in row or row[OURS] <= 0:
        return None
    return row[peer] / row[OURS]


def table(medians: Medians) -> str:
    """A plain-text table: our median, then each peer's median and our speed-up over it."""
    peers = sorted({p for row in medians.values() for p in row if p != OURS})
    header = ["frame", "path", "ours"]
    for peer in peers:
        header += [peer, f"vs {peer}"]
    rows = [header]
    for kind, path in sorted(medians, key=_order):
        row = medians[(kind, path)]
        line = [kind, PATH_NAMES.get(path, path), _us(row.get(OURS))]
        for peer in peers:
            r = ratio(medians, kind, path, peer)
            line += [_us(row.get(peer)), "-" if r is None else f"{r:.2f}x"]
        rows.append(line)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths))
        )
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def failures(
    medians: Medians, frame: str = "typical", min_ack: float = 2.0, min_read: float = 1.0
) -> list[str]:
    """What the gates refuse; empty when the run passes."""
    out = []
    for path, minimum in (("ack", min_ack), ("read", min_read)):
        r = ratio(medians, frame, path, GATED_PEER)
        what = f"{frame} frame, {PATH_NAMES[path]} path"
        if r is None:
            out.append(f"{what}: no {OURS} or {GATED_PEER} result to compare")
        elif r < minimum:
            out.append(f"{what}: ours is {r:.2f}x {GATED_PEER}, needs >= {minimum:.2f}x")
    return out


def verdicts(
    medians: Medians, frame: str = "typical", min_ack: float = 2.0, min_read: float = 1.0
) -> list[str]:
    """One line per gate: PASS or FAIL and why."""
    lines = []
    for path, minimum in (("ack", min_ack), ("read", min_read)):
        r = ratio(medians, frame, path, GATED_PEER)
        ok = r is not None and r >= minimum
        shown = "missing" if r is None else f"{r:.2f}x"
        lines.append(
            f"{'PASS' if ok else 'FAIL'}: {frame} frame, {PATH_NAMES[path]} path, "
            f"ours vs {GATED_PEER} {shown} (needs >= {minimum:.2f}x)"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json_file", help="output of pytest --benchmark-json")
    parser.add_argument("--frame", default="typical", help="frame kind the gates apply to")
    parser.add_argument("--min-ack", type=float, default=2.0, help="acknowledge-path minimum")
    parser.add_argument("--min-read", type=float, default=1.0, help="read-every-field minimum")
    args = parser.parse_args(argv)
    try:
        with open(args.json_file, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        print(f"ratios: cannot read {args.json_file}: {exc}", file=sys.stderr)
        return 2
    medians = collect(data.get("benchmarks", []))
    if not medians:
        print(f"ratios: no ocpp-meter benchmarks in {args.json_file}", file=sys.stderr)
        return 2
    print(table(medians))
    print()
    for line in verdicts(medians, args.frame, args.min_ack, args.min_read):
        print(line)
    return 1 if failures(medians, args.frame, args.min_ack, args.min_read) else 0


if __name__ == "__main__":
    sys.exit(main())
