"""CI fails when any step fails: ``.ci/run`` and ``.ci/test`` (the README's test command) run
with stub tools on ``PATH`` that log their arguments, one of them made to fail.

The scripts run from a copy of ``.ci/`` (and ``fuzz/run.sh``) in a temporary directory, with
every tool CI calls replaced by a stub, so that nothing real is installed, built, tested or
fuzzed: each case takes milliseconds, and the suite cannot recurse into itself.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Every program the CI scripts run that is not part of a base system.
TOOLS = ("python", "python3", "cargo", "ruff", "mypy", "valgrind", "apt-get", "pip")
# The scripts .ci/wheels runs (`bash scripts/...`).
WHEEL_SCRIPTS = ("build_wheels.sh", "test_wheels.sh")

STUB = """#!/bin/sh
# Logs its command line; fails (exit 101) when that line starts with $STUB_FAIL.
line="$(basename "$0") $*"
printf '%s\\n' "$line" >> "$STUB_LOG"
case "$line" in
    "$STUB_FAIL"*) [ -n "$STUB_FAIL" ] && exit 101 ;;
esac
# What .ci/valgrind reads from `cargo test --no-run | python3 -c ...`: a test binary's path.
[ "$(basename "$0")" = python3 ] && [ "$1" = -c ] && echo "$0"
exit 0
"""


def readme_test_command() -> str:
    """The README's second command, as users type it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()[1]


def commands(script: str) -> list[str]:
    """The command lines of a CI script (comments, blank lines and set-up left out)."""
    out = []
    for line in (ROOT / ".ci" / script).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "set ", "cd ", "export ")):
            out.append(line)
    return out


def test_ci_test_runs_the_readme_command_part_by_part() -> None:
    parts = readme_test_command().split(" && ")
    assert len(parts) == 3, parts
    # `pip` in the README is `python -m pip` in CI, so that the venv's pip is the one used.
    expected = ["python -m " + parts[0], *parts[1:]]
    assert commands("test") == expected
    assert "&&" not in "\n".join(commands("run")), "an && list escapes set -e"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the CI scripts, with the few files they read, and a directory of stubs."""
    work = tmp_path / "repo"
    shutil.copytree(ROOT / ".ci", work / ".ci")
    (work / "fuzz").mkdir()
    shutil.copy2(ROOT / "fuzz" / "run.sh", work / "fuzz" / "run.sh")
    shutil.copy2(ROOT / "README.md", work / "README.md")
    # The wheel scripts build and test for minutes: stubs stand in for them, so that what is
    # tested is how .ci/run and .ci/wheels react to their failure.
    (work / "scripts").mkdir()
    for script in WHEEL_SCRIPTS:
        path = work / "scripts" / script
        path.write_text(STUB, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for tool in TOOLS:
        path = stubs / tool
        path.write_text(STUB, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return tmp_path


def run_ci(tree: Path, script: str, fail: str) -> tuple[int, list[str]]:
    log = tree / "log"
    log.write_text("", encoding="utf-8")
    env = {
        "PATH": f"{tree / 'stubs'}:/usr/bin:/bin",
        "HOME": str(tree),
        "STUB_LOG": str(log),
        "STUB_FAIL": fail,
        # The fuzz step's time per target, so that its log line is predictable.
        "OCPP_METER_FUZZ_SECONDS": "1",
    }
    env.update({k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TMPDIR")})
    proc = subprocess.run(
        ["bash", str(tree / "repo" / ".ci" / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode, log.read_text(encoding="utf-8").splitlines()


def test_stubbed_ci_passes_and_runs_every_step(tree: Path) -> None:
    status, log = run_ci(tree, "run", fail="")
    assert status == 0, log
    firsts = [line.split(" ", 1)[0] for line in log]
    # The README's three parts first, in order, then lint, bench, valgrind, wheels and fuzz.
    assert log[:3] == ["python -m pip install -e .[test]", "cargo test", "python -m pytest"]
    assert "cargo fmt --check" in log and "mypy" in firsts and firsts.count("valgrind") == 2
    assert any(line.startswith("python -m ocpp_meter.bench") for line in log)
    assert [line.strip() for line in log if line.startswith(WHEEL_SCRIPTS)] == list(WHEEL_SCRIPTS)
    assert log[-1].startswith("cargo fuzz run"), log[-1]


# One failing step each: the README's three parts, then a command of each later script.
STEPS = (
    "python -m pip install -e .[test]",
    "cargo test",
    "python -m pytest",
    "cargo fmt",
    "ruff check",
    "mypy",
    "python -m ocpp_meter.bench",
    "python -m pytest benches/test_agreement.py",
    "valgrind",
    "valgrind --error-exitcode=1 --suppressions",  # the Python half of .ci/valgrind
    "build_wheels.sh",
    "test_wheels.sh",
    "cargo fuzz run",
)


@pytest.mark.parametrize("step", STEPS)
def test_a_failing_step_fails_ci_and_stops_it(tree: Path, step: str) -> None:
    status, log = run_ci(tree, "run", fail=step)
    assert status != 0, f"{step!r} failed and .ci/run exited 0:\n" + "\n".join(log)
    failed = [i for i, line in enumerate(log) if line.startswith(step)]
    assert failed, f"{step!r} never ran:\n" + "\n".join(log)
    if step != "cargo fuzz run":  # fuzz/run.sh tries every target, then fails
        assert failed[0] == len(log) - 1, "CI went on after a failure:\n" + "\n".join(log)


@pytest.mark.parametrize("step", ["python -m pip", "cargo test", "python -m pytest"])
def test_each_part_of_the_readme_command_fails_ci_test(tree: Path, step: str) -> None:
    status, log = run_ci(tree, "test", fail=step)
    assert status != 0 and log[-1].startswith(step), log
    status, log = run_ci(tree, "test", fail="")
    assert status == 0 and len(log) == 3, log
