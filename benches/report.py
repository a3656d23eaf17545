"""Run the benchmark and publish it: ``benches/results/latest.md`` and ``latest.json``.

Usage (from the repository root, with the core built in release mode and the ``bench`` extra
installed)::

    python benches/report.py [--quick] [--readme]

It runs the same measurement as ``ocpp-meter bench`` (:mod:`ocpp_meter.bench`: every installed
peer, agreement checks first, medians and ratios from one run), writes the Markdown tables with
the run's environment to ``latest.md`` and the raw timings to ``latest.json``, and with
``--readme`` puts the tables in ``README.md`` between the ``bench:begin`` and ``bench:end``
markers. Exit status as ``ocpp-meter bench --gate``: 1 when a goal is missed, 3 when a peer's
output disagrees with ours.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ocpp_meter import bench
from ocpp_meter.bench.cold import cold_markdown

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benches" / "results"
README = ROOT / "README.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def _environment_line(env: dict[str, object]) -> str:
    mode = "quick" if env["quick"] else "full"
    return (
        f"{env['implementation']} {env['python']} on {env['system']} {env['machine']}, "
        f"{env['cpus']} CPUs; {mode} mode: {env['rounds']} rounds of at least "
        f"{float(str(env['round_target_s'])) * 1e3:g} ms per case, garbage collector on; "
        f"{env['when']}."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the CI quick mode's settings")
    parser.add_argument("--readme", action="store_true", help="also update README.md's table")
    args = parser.parse_args(argv)

    results, found, skipped, disagreed, env, gated, cold = bench.run(
        quick=args.quick, goals=bench.GOALS, cold_processes=3 if args.quick else 7
    )
    frames = {
        kind: bench.bench_frame(kind) for kind in (*bench.KINDS, *bench.TE_KINDS, *bench.V16_KINDS)
    }
    gates = bench.judge(gated)
    warm = {(r.op, r.path, r.kind, r.peer): r.median for r in results}
    tables = bench.markdown(results, found, skipped, frames, disagreed)
    tables += "\n" + cold_markdown(cold, warm)
    goals = "\n".join(f"- {line}" for _, line in gates)
    environment = _environment_line(env)

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(
        f"# ocpp-meter benchmark\n\n{environment}\n\n{tables}\nGoals:\n\n{goals}\n",
        encoding="utf-8",
    )
    data = bench.report_json(results, found, skipped, disagreed, env, gates, gated, cold)
    (RESULTS / "latest.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(tables + "\n" + goals)
    print(f"report: wrote {RESULTS / 'latest.md'} and latest.json", file=sys.stderr)

    if args.readme:
        text = README.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
        if not pattern.search(text):
            print(f"report: no {BEGIN} ... {END} block in README.md", file=sys.stderr)
            return 2
        block = f"{BEGIN}\n{environment}\n\n{tables}{END}"
        README.write_text(pattern.sub(lambda _: block, text, count=1), encoding="utf-8")
        print("report: updated README.md", file=sys.stderr)

    if disagreed:
        return 3
    return 0 if all(ok for ok, _ in gates) else 1


if __name__ == "__main__":
    sys.exit(main())
