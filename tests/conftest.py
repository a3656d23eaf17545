"""Shared pytest set-up for the ocpp-meter test suite."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

_TESTS = Path(__file__).resolve().parent
if str(_TESTS) not in sys.path:  # `import strategies` from any rootdir / import mode
    sys.path.insert(0, str(_TESTS))

import hypothesis_run

_LONG_PROFILE = "ocpp-meter-long"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Seeds every hypothesis test of the run with one seed (before hypothesis's own plugin
    reads its ``--hypothesis-seed`` option): the option if given, else ``hypothesis_run.SEED``."""
    given = config.getoption("hypothesis_seed", None)
    if given is None:
        config.option.hypothesis_seed = str(hypothesis_run.SEED)
    else:
        hypothesis_run.SEED = int(given)
    if hypothesis_run.SCALE > 1:
        from hypothesis import settings

        settings.register_profile(
            _LONG_PROFILE,
            parent=settings.get_profile("default"),
            max_examples=hypothesis_run.examples(settings.default.max_examples),
        )
        settings.load_profile(_LONG_PROFILE)


def _seed_line() -> str:
    return (
        f"hypothesis: seed {hypothesis_run.SEED} (fresh each run; replay with "
        f"{hypothesis_run.SEED_ENV}={hypothesis_run.SEED}), examples x{hypothesis_run.SCALE}"
    )


def pytest_report_header(config: pytest.Config) -> str:
    return _seed_line()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(_seed_line())
