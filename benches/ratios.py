"""Ours against each peer, from a pytest-benchmark JSON file, with the release gates.

Usage::

    python benches/ratios.py out.json

The JSON comes from ``python -m pytest benches --benchmark-only --benchmark-json=out.json``.
Prints the same Markdown tables as ``ocpp-meter bench`` (our median and, per peer, its median
and ``peer median / our median``, above 1 meaning ours is faster), then one line per goal of
:data:`ocpp_meter.bench.GOALS`. Exit status 1 when a goal is missed (below its noise margin) or
a benchmark it needs is missing, 2 on a usage or input error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from ocpp_meter import bench


def collect(benchmarks: Iterable[Mapping[str, Any]]) -> list[bench.Result]:
    """Our results from pytest-benchmark's (found by ``extra_info``): min, median and max."""
    out = []
    for item in benchmarks:
        info = item.get("extra_info") or {}
        op, peer, kind, path = (info.get(k) for k in ("op", "peer", "kind", "path"))
        stats = item.get("stats") or {}
        if not (op and peer and kind and path) or "median" not in stats:
            continue
        number = int(stats.get("iterations", 1))
        # Three samples whose median is the median and whose minimum is the best round.
        spread = [float(stats.get("min", stats["median"])), float(stats["median"])]
        spread.append(float(stats.get("max", stats["median"])))
        out.append(bench.Result(op, path, kind, peer, number, spread))
    return out


def goals_measured(results: list[bench.Result]) -> list[bench.Goal]:
    """The goals whose operation this run measured (the pytest-benchmark suite has no batch)."""
    ops = {(r.op, r.path) for r in results}
    return [g for g in bench.GOALS if (g.op, g.path) in ops]


def render(results: list[bench.Result]) -> str:
    """The Markdown tables and the goal lines."""
    found, skipped = bench.peers()
    frames = {kind: bench.bench_frame(kind) for kind in (*bench.KINDS, *bench.TE_KINDS)}
    measured = {r.peer for r in results}
    found = {name: peer for name, peer in found.items() if name in measured}
    text = bench.markdown(results, found, skipped, frames)
    lines = [line for _, line in bench.gate(results, goals_measured(results))]
    return text + "\n" + "\n".join(f"- {line}" for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json_file", help="output of pytest --benchmark-json")
    args = parser.parse_args(argv)
    try:
        with open(args.json_file, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        print(f"ratios: cannot read {args.json_file}: {exc}", file=sys.stderr)
        return 2
    results = collect(data.get("benchmarks", []))
    if not results:
        print(f"ratios: no ocpp-meter benchmarks in {args.json_file}", file=sys.stderr)
        return 2
    print(render(results))
    return 0 if all(ok for ok, _ in bench.gate(results, goals_measured(results))) else 1


if __name__ == "__main__":
    sys.exit(main())
