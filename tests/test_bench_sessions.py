"""The session batch case of the benchmark: the Python baseline it is timed against gives our
rows and events (so the ratio compares equal work), and a baseline that does not is caught."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from ocpp_meter import samples
from ocpp_meter.bench import markdown, peers, sessions
from ocpp_meter.bench.measure import OPS, Result, cases

pytest.importorskip("msgspec")


def test_the_baseline_gives_our_rows_and_events() -> None:
    frames = sessions.session_frames(300, seed=5)
    mine, theirs = sessions.ours(), sessions.msgspec_baseline()
    sessions.check("msgspec", theirs, mine, frames)
    rows, events = mine(frames)
    assert events.num_rows > 150 and rows.num_rows > 5 * events.num_rows
    assert set(events.column("event_type").to_pylist()) == {"Started", "Updated", "Ended"}
    assert events.column("stopped_reason").null_count < events.num_rows


def test_a_baseline_that_loses_what_an_event_says_is_caught() -> None:
    frames = sessions.session_frames(200, seed=6)
    mine, theirs = sessions.ours(), sessions.msgspec_baseline()

    def forgets_reasons(frames: list[bytes]) -> tuple[Any, Any]:
        rows, events = theirs(frames)
        nulls = pa.nulls(events.num_rows, pa.string())
        index = events.schema.get_field_index("stopped_reason")
        return rows, events.set_column(index, "stopped_reason", nulls)

    def drops_a_row(frames: list[bytes]) -> tuple[Any, Any]:
        rows, events = theirs(frames)
        return rows.slice(1), events

    with pytest.raises(AssertionError, match="event"):
        sessions.check("wrong", forgets_reasons, mine, frames)
    with pytest.raises(AssertionError, match="rows"):
        sessions.check("wrong", drops_a_row, mine, frames)


def test_the_case_is_grouped_and_reported() -> None:
    frames = sessions.session_frames(50)
    group = sessions.group(frames)
    assert [(c.op, c.path, c.kind, c.peer) for c in group] == [
        ("batch", sessions.PATH, sessions.KIND, "ours"),
        ("batch", sessions.PATH, sessions.KIND, "msgspec"),
    ]
    assert all(c.arg is frames for c in group)
    assert ("batch", sessions.PATH) in {(op, path) for op, path, _ in OPS}
    # The typical-frame batch groups do not time their frames under the session path.
    found, _ = peers()
    one = samples.typical_frame()
    typical = cases(found, ["typical"], {"typical": one}, [one])
    assert {(c[0].path, c[0].kind) for c in typical if c[0].op == "batch"} == {
        ("arrow-1", "typical"),
        ("arrow-all", "typical"),
    }
    results = [
        Result("batch", sessions.PATH, sessions.KIND, "ours", 1, [0.002]),
        Result("batch", sessions.PATH, sessions.KIND, "msgspec", 1, [0.030]),
    ]
    text = markdown(results, {}, {}, {})
    assert "charging sessions" in text and "sessions (mixed frames)" in text
    assert "(15.00x)" in text
