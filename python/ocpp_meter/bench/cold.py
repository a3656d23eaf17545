"""Cold figures, beside the warm medians: the first calls in a fresh process, and the set-up a
fresh process pays before them.

The warm figures of the tables profit from state a steady workload keeps: the unit-of-measure
cache of the core, the batch buffer pool (column memory of dropped results), the interpreter's
freelists and the CPU caches. A short-lived process (a command-line run, a serverless worker)
gets none of it, so each case here runs in its own fresh interpreter: ``set-up`` is the
import of the implementation and the building of its decoders (``import ocpp_meter`` for ours;
the peer's import and its types for a peer; pyarrow, which every batch path needs, is imported
beforehand and left out), ``first`` and ``second`` are its first two calls on the frame.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .frames import OURS

COLD_CASES: tuple[tuple[str, str], ...] = (
    ("decode", "ack"),
    ("decode", "read"),
    ("batch", "arrow-1"),
)
"""The (operation, path) pairs measured cold, on the typical frame (batch: 10,000 of them)."""

COLD_PEERS = ("ours", "msgspec", "orjson")
"""Ours and the peers of the gated goals."""


@dataclass
class ColdResult:
    """Seconds, one entry per fresh process."""

    op: str
    path: str
    kind: str
    peer: str
    setup_s: list[float] = field(default_factory=list)
    first_s: list[float] = field(default_factory=list)
    second_s: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "path": self.path,
            "kind": self.kind,
            "peer": self.peer,
            "setup_s": self.setup_s,
            "first_s": self.first_s,
            "second_s": self.second_s,
        }


def _func(peer: Any, op: str, path: str) -> Any:
    if op == "batch":
        return peer.batch
    return peer.ack if path == "ack" else peer.read


_CHILD = (
    "import time; t0 = time.perf_counter(); import ocpp_meter; t1 = time.perf_counter(); "
    "from ocpp_meter.bench.cold import child; child(t1 - t0, {args!r})"
)


def child(import_s: float, args: Sequence[str]) -> None:
    """The fresh process's side: prints one JSON line of timings for ``(peer, op, path)``."""
    import importlib
    import importlib.util

    from .batch import batch_frames
    from .frames import bench_frame
    from .peers import _FACTORIES

    name, op, path = args
    arg: Any = batch_frames() if op == "batch" else bench_frame("typical")
    if importlib.util.find_spec("pyarrow") is not None:
        importlib.import_module("pyarrow")
    start = time.perf_counter()
    peer = _FACTORIES[name]()
    setup = time.perf_counter() - start + (import_s if name == OURS else 0.0)
    func = _func(peer, op, path)
    if func is None:
        print(json.dumps(None))
        return
    times = []
    for _ in range(2):
        start = time.perf_counter()
        func(arg)
        times.append(time.perf_counter() - start)
    print(json.dumps({"setup": setup, "first": times[0], "second": times[1]}))


def measure_cold(peer_names: Sequence[str], processes: int) -> list[ColdResult]:
    """Every cold case of the peers present, ``processes`` fresh interpreters each; the peers
    take turns, process after process, as the warm rounds do."""
    wanted = [(op, path, n) for op, path in COLD_CASES for n in COLD_PEERS if n in peer_names]
    results = {key: ColdResult(key[0], key[1], "typical", key[2]) for key in wanted}
    for _ in range(processes):
        for op, path, name in wanted:
            code = _CHILD.format(args=[name, op, path])
            proc = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"cold run of {name} {op} {path} failed: {proc.stderr[-2000:]}")
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            if got is None:
                results.pop((op, path, name), None)
                continue
            result = results.get((op, path, name))
            if result is not None:
                result.setup_s.append(got["setup"])
                result.first_s.append(got["first"])
                result.second_s.append(got["second"])
    return list(results.values())


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _text(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds * 1e6:,.2f} us"


def cold_markdown(cold: Sequence[ColdResult], warm: dict[tuple[str, str, str, str], float]) -> str:
    """The cold table: medians over the fresh processes, the warm median beside them, and for
    each peer its first call / our first call (above 1: ours is faster)."""
    if not cold:
        return ""
    ours_first = {(c.op, c.path): _median(c.first_s) for c in cold if c.peer == OURS}
    title = (
        "**cold and warm, typical frame** (medians over fresh processes: set-up is the import "
        "and building of the decoders, first and second are the first two calls; warm is the "
        "table's median; in brackets, peer first call / our first call)"
    )
    out = [
        title,
        "",
        "| path | peer | set-up | first call | second call | warm |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for c in cold:
        first = _median(c.first_s)
        mine = ours_first.get((c.op, c.path))
        versus = "" if c.peer == OURS or not mine else f" ({first / mine:.2f}x)"
        w = warm.get((c.op, c.path, c.kind, c.peer))
        out.append(
            f"| {c.op} {c.path} | {c.peer} | {_text(_median(c.setup_s))} | "
            f"{_text(first)}{versus} | {_text(_median(c.second_s))} | "
            f"{'' if w is None else _text(w)} |"
        )
    return "\n".join(out) + "\n"
