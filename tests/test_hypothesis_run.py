"""The run's hypothesis seed: fresh each run, printed, and replaying the same examples."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import hypothesis_run
from hypothesis import core

TESTS = Path(__file__).resolve().parent

PROPERTY = """
import json, os
from hypothesis import given, settings, strategies as st

@settings(max_examples=20, database=None)
@given(st.integers())
def test_draws(n):
    with open(os.environ["DRAWS"], "a") as f:
        f.write(json.dumps(n) + "\\n")
"""


def test_this_run_is_seeded_with_the_printed_seed() -> None:
    assert core.global_force_seed is not None
    assert int(core.global_force_seed) == hypothesis_run.SEED


def _run(tmp_path: Path, name: str, seed: str | None) -> tuple[list[int], str]:
    work = tmp_path / name
    work.mkdir()
    for helper in ("conftest.py", "hypothesis_run.py"):
        shutil.copy2(TESTS / helper, work / helper)
    (work / "test_property.py").write_text(PROPERTY, encoding="utf-8")
    draws = work / "draws"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCPP_METER_HYPOTHESIS")}
    env["DRAWS"] = str(draws)
    if seed is not None:
        env[hypothesis_run.SEED_ENV] = seed
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(work)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = draws.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines], proc.stdout


def test_a_seed_is_printed_fresh_and_replays(tmp_path: Path) -> None:
    first, out1 = _run(tmp_path, "a", None)
    second, out2 = _run(tmp_path, "b", None)
    seeds = []
    for out in (out1, out2):
        lines = [line for line in out.splitlines() if line.startswith("hypothesis: seed ")]
        assert len(lines) == 2, out  # in the header and at the end
        seeds.append(lines[-1].split()[2])
    assert seeds[0] != seeds[1] and first != second  # a fresh seed, fresh examples
    again, out3 = _run(tmp_path, "c", seeds[0])
    assert again == first and f"hypothesis: seed {seeds[0]} " in out3
