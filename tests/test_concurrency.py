"""Concurrency: many Python threads decoding at once (bytes and str, small and large frames, valid
and invalid) get exactly the single-threaded results, and ``Dispatcher.dispatch`` called from
several threads answers every frame as it would alone.

Large immutable inputs (``bytes``, ``str`` of 16 KiB or more) are parsed with the interpreter
released, so with the GIL these tests do run Rust decoders in parallel with each other and with
Python code building objects; on a free-threaded build everything runs in parallel. Mutable
inputs (``bytearray``, ``memoryview``) are read with the interpreter held; they are decoded here
too, but never mutated while being decoded (see SECURITY.md for why that matters on a
free-threaded build).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import ocpp_meter
from ocpp_meter import Dispatcher, MeterValuesResponse, OcppError, samples

THREADS = 8
REPEAT = 30
TIMEOUT = 120  # seconds for a whole pool to finish: a deadlock fails instead of hanging


def _inputs() -> list[Any]:
    valid: list[bytes] = []
    for kind in samples.FRAME_KINDS:
        valid += samples.frames(3, kind=kind, seed=11)
    large = valid[-1]
    invalid = [
        valid[0].replace(b'"evseId":', b'"evseId":-', 1),
        valid[3].replace(b'"Voltage"', b'"Voltagex"', 1),
        large.replace(b'"OCMF"', b'"' + b"O" * 60 + b'"', 1),  # large, fault near the middle
        large[:-2],  # large, syntax fault at the end
        large + b"x",
        b'[2,"' + b"x" * 40 + b'","MeterValues",{}]',
        b'[3,"m",{"customData":{"vendorId":"v"}}]',
        b'[4,"m","GenericError","boom",{"a":[1,2]}]',
    ]
    out: list[Any] = []
    for f in valid + invalid:
        out += [f, f.decode("utf-8"), bytearray(f), memoryview(f)]
    return out


def _outcome(frame: Any) -> Any:
    """Everything observable about decoding ``frame``, as plain comparable data."""
    try:
        m = ocpp_meter.decode_message(frame)
    except OcppError as e:
        return ("error", e.code, e.message_id, e.path, e.description, e.details)
    if isinstance(m, ocpp_meter.Call):
        p = m.payload
        values = [
            (
                mv.timestamp,
                [
                    (
                        sv.value,
                        sv.measurand,
                        sv.phase,
                        sv.unit_of_measure,
                        sv.signed_meter_value,
                        sv.custom_data,
                    )
                    for sv in mv.sampled_value
                ],
            )
            for mv in p.meter_value
        ]
        return ("call", m.message_id, p.evse_id, values, p.to_json(), p)
    if isinstance(m, ocpp_meter.CallResult):
        return ("result", m.message_id, m.payload.to_json())
    return ("callerror", m.message_id, m.code, m.description, m.details)


def _run_threads(work: Callable[[int], Any], n: int) -> list[Any]:
    """Runs ``work(i)`` for i in range(n) on THREADS threads that start together."""
    barrier = threading.Barrier(THREADS)
    local = threading.local()

    def task(i: int) -> Any:
        if not getattr(local, "started", False):
            local.started = True
            barrier.wait(timeout=TIMEOUT)
        return work(i)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(task, i) for i in range(max(n, THREADS))]
        return [f.result(timeout=TIMEOUT) for f in futures][:n]


def test_threads_decoding_at_once_agree_with_one_thread() -> None:
    inputs = _inputs()
    expected = [_outcome(f) for f in inputs]
    assert any(e[0] == "error" for e in expected) and any(e[0] == "call" for e in expected)
    n = len(inputs) * REPEAT

    def work(i: int) -> tuple[int, Any]:
        # Each thread walks the inputs from a different starting point, so that at any moment
        # different frames (and the same frame as different types) are being decoded.
        k = (i * 7919) % len(inputs)
        return k, _outcome(inputs[k])

    for k, got in _run_threads(work, n):
        assert got == expected[k], f"input {k} differs under concurrency"


def test_threads_share_one_buffer() -> None:
    """Many threads decoding the very same large bytes and str objects at once."""
    large = samples.frames(1, kind="large", seed=5)[0]
    shared = [large, large.decode("utf-8")]
    expected = _outcome(large)
    assert _outcome(shared[1]) == expected

    results = _run_threads(lambda i: _outcome(shared[i % 2]), THREADS * 20)
    assert all(r == expected for r in results)


def test_decoded_objects_read_from_many_threads() -> None:
    """Lazily built attributes (the meter value tuple, custom data dicts) read by many threads
    at once from the same objects give equal values."""
    frames = samples.frames(4, kind="large", seed=9)
    calls = [ocpp_meter.decode_call(f) for f in frames]
    expected = [_outcome(f) for f in frames]

    def work(i: int) -> tuple[int, Any]:
        k = i % len(calls)
        c = calls[k]
        return k, [
            (mv.timestamp, [(sv.value, sv.unit_of_measure) for sv in mv.sampled_value])
            for mv in c.payload.meter_value
        ]

    for k, got in _run_threads(work, THREADS * 10):
        assert got == [(v[0], [(s[0], s[3]) for s in v[1]]) for v in expected[k][3]]


class _Handler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str, int]] = []

    def on_meter_values(self, charging_station_id: str, request: Any) -> MeterValuesResponse:
        call = ocpp_meter.current_call()
        assert call is not None
        with self.lock:
            self.seen.append((charging_station_id, call.message_id, request.evse_id))
        if request.evse_id == 7:
            raise OcppError("GenericError", "seven is not accepted")
        return MeterValuesResponse()


def test_dispatch_from_many_threads() -> None:
    valid = samples.frames(20, kind="typical", seed=13) + samples.frames(4, kind="large", seed=13)
    frames: list[Any] = []
    for f in valid:
        frames.append(f)
        frames.append(f.replace(b'"evseId":', b'"evseId":-', 1))  # rejected by the core
        frames.append(f.decode("utf-8"))
    frames.append(b'[3,"m",{}]')  # answered with None
    frames.append(valid[0].replace(b'"evseId":', b'"evseId":7', 1))  # handler raises
    frames.append(b"not json")

    reference = Dispatcher(_Handler())
    expected = [reference.dispatch(f"cs-{i % 5}", f) for i, f in enumerate(frames)]
    assert None in expected and any(e and e.startswith(b"[3,") for e in expected)

    handler = _Handler()
    dispatcher = Dispatcher(handler)

    def work(i: int) -> tuple[int, Any]:
        k = i % len(frames)
        return k, dispatcher.dispatch(f"cs-{k % 5}", frames[k])

    rounds = 10
    for k, got in _run_threads(work, len(frames) * rounds):
        assert got == expected[k], f"frame {k}"
    # The handler saw each accepted CALL once per round, with its own station and message id.
    assert sorted(handler.seen) == sorted(reference_seen(frames) * rounds)


def reference_seen(frames: list[Any]) -> list[tuple[str, str, int]]:
    handler = _Handler()
    dispatcher = Dispatcher(handler)
    for k, f in enumerate(frames):
        dispatcher.dispatch(f"cs-{k % 5}", f)
    return handler.seen


def test_batches_alongside_single_frame_decoding() -> None:
    """``decode_batch`` (itself on two worker threads, the interpreter released) run by several
    Python threads while others decode single frames: every batch equals the one made alone, and
    every single decode its single-threaded outcome. The batches are large enough for their
    column buffers to pass through the buffer pool between threads."""
    import pyarrow as pa

    inputs = _inputs()
    expected = [_outcome(f) for f in inputs]
    batch_frames = samples.frames(3000, kind="typical", seed=17) + [
        f for f in inputs if isinstance(f, bytes)
    ]
    reference = pa.table(ocpp_meter.decode_batch(batch_frames, "CS-1", threads=1))
    reference_errors = pa.table(ocpp_meter.decode_batch(batch_frames, "CS-1").errors)

    def work(i: int) -> tuple[int, Any]:
        if i % 4 == 0:
            result = ocpp_meter.decode_batch(batch_frames, "CS-1", threads=2)
            same = pa.table(result).equals(reference)
            return -1, (same, pa.table(result.errors).equals(reference_errors))
        k = (i * 7919) % len(inputs)
        return k, _outcome(inputs[k])

    batches = 0
    for k, got in _run_threads(work, THREADS * 12):
        if k == -1:
            batches += 1
            assert got == (True, True), "a batch differs under concurrency"
        else:
            assert got == expected[k], f"input {k} differs under concurrency"
    assert batches == THREADS * 3
