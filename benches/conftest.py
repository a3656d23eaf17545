"""Shared set-up of the decode benchmarks: the frames, the untimed agreement check, the summary.

Run them apart from the tests, for instance::

    python -m pytest benches --benchmark-only --benchmark-json=out.json && \
        python benches/ratios.py out.json

(see ``benches/README.md`` for the full command and what the gates are).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

BENCHES = Path(__file__).resolve().parent
if str(BENCHES) not in sys.path:
    sys.path.insert(0, str(BENCHES))

from peers import PEERS
from peers.check import KINDS, bench_frame, check_agreement, check_frames


@pytest.fixture(scope="session")
def frames() -> dict[str, bytes]:
    """The timed frame of each kind."""
    return {kind: bench_frame(kind) for kind in KINDS}


@pytest.fixture(scope="session")
def agreed() -> Iterator[Callable[[str, str], None]]:
    """``agreed(peer, kind)``: run the peer's agreement check on ``kind`` once per session.

    Every benchmark calls it before timing anything, so a peer that decodes wrongly fails its
    benchmarks even under ``--benchmark-only`` (which skips the plain tests).
    """
    outcome: dict[tuple[str, str], Exception | None] = {}

    def agreed(peer: str, kind: str) -> None:
        key = (peer, kind)
        if key not in outcome:
            try:
                check_agreement(PEERS[peer], check_frames(kind))
                outcome[key] = None
            except Exception as exc:  # noqa: BLE001 - replayed for every benchmark of the pair
                outcome[key] = exc
        error = outcome[key]
        if error is not None:
            raise AssertionError(f"{peer} is not measured on {kind}: {error}") from error

    yield agreed


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """After pytest-benchmark's tables, print our speed-up over each peer (see ``ratios.py``)."""
    session = getattr(config, "_benchmarksession", None)
    benchmarks = getattr(session, "benchmarks", None)
    if not benchmarks:
        return
    import ratios

    results = [b.as_dict(include_data=False) for b in benchmarks if not b.has_error]
    medians = ratios.collect(results)
    if not medians:
        return
    terminalreporter.write_sep("-", "ocpp-meter speed-up (peer median / our median)")
    terminalreporter.write_line(ratios.table(medians))
    for line in ratios.verdicts(medians):
        terminalreporter.write_line(line)
