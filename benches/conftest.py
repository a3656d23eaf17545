"""Shared set-up of the pytest-benchmark suite: peers, frames, the untimed agreement checks.

The peers, the frames, the agreement checks and the goals all come from
:mod:`ocpp_meter.bench`, the same code that ``ocpp-meter bench``, ``benches/report.py`` and the
CI gate (``.ci/bench``) run; this suite only times them with pytest-benchmark instead. Run it
apart from the tests (see ``benches/README.md``)::

    python -m pytest benches --benchmark-only --benchmark-json=out.json && \\
        python benches/ratios.py out.json
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
from ocpp_meter import bench

BENCHES = Path(__file__).resolve().parent
if str(BENCHES) not in sys.path:
    sys.path.insert(0, str(BENCHES))

PEERS, SKIPPED = bench.peers()
"""Every importable peer by name, ours first; and the others, with why they are missing."""
TE_PEERS = bench.te_peers(PEERS)
"""Their TransactionEvent adapters, timed on the ``te-*`` frame kinds."""
V16_PEERS = bench.v16_peers(PEERS)
"""Their OCPP 1.6J adapters, timed on the ``v16-*`` frame kinds."""


def peers_of(kind: str) -> dict[str, bench.Peer]:
    """The peers measured on frames of ``kind``: TransactionEvent (``te-*``), OCPP 1.6J
    (``v16-*``) or MeterValues."""
    if kind in bench.V16_KINDS:
        return V16_PEERS
    return TE_PEERS if kind in bench.TE_KINDS else PEERS


@pytest.fixture(scope="session")
def frames() -> dict[str, bytes]:
    """The timed frame of each kind."""
    return {
        kind: bench.bench_frame(kind) for kind in (*bench.KINDS, *bench.TE_KINDS, *bench.V16_KINDS)
    }


@pytest.fixture(scope="session")
def agreed() -> Iterator[Callable[[str, str, str], None]]:
    """``agreed(op, peer, kind)``: run the peer's agreement check once per session.

    Every benchmark calls it before timing anything, so a peer whose output is wrong fails its
    benchmarks even under ``--benchmark-only`` (which skips the plain tests).
    """
    outcome: dict[tuple[str, str, str], Exception | None] = {}

    def agreed(op: str, peer: str, kind: str) -> None:
        key = (op, peer, kind)
        if key not in outcome:
            try:
                if op == "decode":
                    peers = peers_of(kind)
                    bench.check_decode(peers[peer], bench.check_frames(kind), peers[bench.OURS])
                elif op == "dispatch":
                    bench.check_dispatch(PEERS[peer], bench.check_frames(kind))
                else:
                    bench.check_encode(PEERS[peer], bench.check_frames(kind))
                outcome[key] = None
            except Exception as exc:  # noqa: BLE001 - replayed for every benchmark of the pair
                outcome[key] = exc
        error = outcome[key]
        if error is not None:
            raise AssertionError(f"{peer} is not measured on {kind} ({op}): {error}") from error

    yield agreed


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"ocpp-meter bench peers: {', '.join(PEERS)}"]
    lines += [f"ocpp-meter bench: skipping {name}: {why}" for name, why in SKIPPED.items()]
    return lines


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """After pytest-benchmark's tables, print ours against each peer (see ``ratios.py``)."""
    session = getattr(config, "_benchmarksession", None)
    benchmarks = getattr(session, "benchmarks", None)
    if not benchmarks:
        return
    import ratios

    results = ratios.collect(b.as_dict(include_data=False) for b in benchmarks if not b.has_error)
    if not results:
        return
    terminalreporter.write_sep("-", "ocpp-meter vs each peer (peer median / our median)")
    terminalreporter.write_line(ratios.render(results))
