"""Shared pytest set-up for the ocpp-meter test suite."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent
if str(_TESTS) not in sys.path:  # `import strategies` from any rootdir / import mode
    sys.path.insert(0, str(_TESTS))


def pytest_report_header(config: object) -> str:
    return (
        "hypothesis: property tests run derandomized (fixed seed per test), so failures reproduce"
    )
