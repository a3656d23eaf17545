"""Memory per frame on the endpoint: many connections sending maximum-size frames of minimal
readings (``{"value":0}``, about 87,000 per MiB, the most rows a frame can give) keep the
server's RSS under the bound SECURITY.md states, and a well-behaved station's acknowledgements
stay within the stated bound: its unloaded p99 plus a few times the longest step of the writer,
the publication of one such frame (measured in the same run), whatever the number of flooding
connections.

Bounded: a subprocess server on loopback, ``CONNECTIONS`` senders running while the
well-behaved station sends ``PROBES`` frames, everything under a time limit.
``OCPP_METER_FLOOD_CONNECTIONS=30 pytest tests/test_ingest_memory.py -s`` prints the figures
for another count.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
from pathlib import Path

from ocpp_meter import encode_call
from ocpp_meter.loadgen import typical_request
from ocpp_meter.storage import (
    CLEAR_STAGING,
    CREATE_STAGING,
    INSERT_STAGED,
    PUBLISH_STAGED,
    decode_frames,
)
from ocpp_meter.storage import connect as connect_db
from serving import SUBPROTOCOLS, ServerProcess, run
from websockets.asyncio.client import connect

MAX_FRAME_BYTES = 1 << 20
CONNECTIONS = int(os.environ.get("OCPP_METER_FLOOD_CONNECTIONS", "10"))
FLOOD_FRAMES = 2
"""Frames each flooding connection sends (each about 13 MB in SQLite: the test stays small)."""
PROBES = 30
BASE_MIB = 128
"""RSS of an idle server (about 30 MiB), the writer's columns of the frame it is staging (about
20 x 1 MiB), its page caches and the core's column pool (64 MiB at most) are under this."""
PER_CONNECTION_MIB = 16
"""A connection's frames held (the one in hand and 4 queued, 1.25 MiB each at most), the
decoded request of the frame in hand (about 7 x its size) and the frame queued for the
writer: about 13 MiB, under this."""
PUBLICATIONS = 3
"""The well-behaved station's p99 over its unloaded one, in publications of a 1 MiB frame of
minimal readings (SQLite copying its 87,000 staged rows into ``sampled_values`` and committing,
about 0.3 s on a loaded 2-core machine, measured by :func:`publication_seconds`). The writer
stores a large frame in steps (its decode, 2,048 rows at a time into the staging table, then the
publication) and commits the small frames between two steps, so a small frame waits behind at
most one step, the longest being a publication, which the flood's own work slows down (measured
on 2 shared cores: 1.1 to 1.8 publications with 10 or 30 connections). Before the steps, a small
frame waited behind the insert of a whole large frame (1.7 s, 9.3 publications, with 10
connections; 4.1 s with 30): the bound fails then."""


def minimal_frame(message_id: str) -> str:
    reading = '{"value":0},'
    head = f'[2,"{message_id}","MeterValues",{{"evseId":1,"meterValue":[{{"timestamp":'
    head += '"2024-05-01T12:00:00Z","sampledValue":['
    count = (MAX_FRAME_BYTES - len(head) - 8) // len(reading)
    frame = head + (reading * count)[:-1] + "]}]}]"
    assert len(frame) <= MAX_FRAME_BYTES
    return frame


def rss_peak(server: ServerProcess, stop: threading.Event, peak: list[int]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], server.rss_kib())
        time.sleep(0.02)


async def probe(url: str, count: int, until: asyncio.Future[object] | None = None) -> list[float]:
    """A well-behaved station: typical frames one after the other, each acknowledgement
    timed, ``count`` of them or until ``until`` is done."""
    latencies: list[float] = []
    async with connect(f"{url}/ocpp/GOOD", subprotocols=SUBPROTOCOLS) as ws:
        for i in range(count):
            if until is not None and until.done():
                break
            frame = encode_call(f"g{i}", typical_request())
            start = time.perf_counter()
            await ws.send(frame.decode())
            reply = await ws.recv()
            latencies.append(time.perf_counter() - start)
            assert str(reply).startswith(f'[3,"g{i}"'), reply
            await asyncio.sleep(0.02)
    return latencies


async def flood(url: str, station: str) -> list[float]:
    sent = 0
    latencies = []
    async with connect(
        f"{url}/ocpp/{station}", subprotocols=SUBPROTOCOLS, max_size=None, ping_timeout=None
    ) as ws:
        while sent < FLOOD_FRAMES:
            start = time.perf_counter()
            await ws.send(minimal_frame(f"{station}-{sent}"))
            reply = await ws.recv()
            latencies.append(time.perf_counter() - start)
            assert str(reply).startswith("[3,"), str(reply)[:200]
            sent += 1
    return latencies


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def publication_seconds(path: Path, repeat: int = 3) -> float:
    """The median time SQLite takes, here and now, to publish the rows of one maximum-size frame
    of minimal readings: copy them from the writer's staging table into ``sampled_values`` and
    commit, with the writer's own statements (the peer of the latency bound)."""
    rows = decode_frames([minimal_frame("peer").encode()], ["PEER"], "strict", "2.0.1")
    db = connect_db(str(path))
    try:
        db.execute(CREATE_STAGING)
        times = []
        for _ in range(repeat):
            db.executemany(INSERT_STAGED, rows.sql_parameters())
            start = time.perf_counter()
            db.execute("BEGIN")
            db.execute(PUBLISH_STAGED)
            db.execute(CLEAR_STAGING)
            db.execute("COMMIT")
            times.append(time.perf_counter() - start)
    finally:
        db.close()
    return statistics.median(times)


def test_max_size_frames_of_minimal_readings_stay_within_the_memory_bound(tmp_path: Path) -> None:
    publication = [publication_seconds(tmp_path / "peer-before.sqlite", repeat=1)]
    with ServerProcess(tmp_path / "m.sqlite", tmp_path / "serve.log") as server:

        async def scenario() -> tuple[list[float], list[float], list[list[float]]]:
            unloaded = await probe(server.url, PROBES)
            floods = asyncio.gather(*(flood(server.url, f"F{i}") for i in range(CONNECTIONS)))
            await asyncio.sleep(1)  # every flooding connection has a frame in flight
            loaded = await probe(server.url, 10 * PROBES, until=floods)
            flooded = await floods
            return unloaded, loaded, list(flooded)

        idle = server.rss_kib()
        done, peak = threading.Event(), [0]
        watcher = threading.Thread(target=rss_peak, args=(server, done, peak))
        watcher.start()
        try:
            unloaded, loaded, flooded = run(scenario(), limit=300)
        finally:
            done.set()
            watcher.join()
    publication.append(publication_seconds(tmp_path / "peer-after.sqlite"))
    publish = statistics.mean(publication)
    bound_kib = (BASE_MIB + PER_CONNECTION_MIB * CONNECTIONS) << 10
    large = statistics.median(t for times in flooded for t in times)
    latency_bound = p99(unloaded) + PUBLICATIONS * publish
    print(
        f"\n{CONNECTIONS} connections, {CONNECTIONS * FLOOD_FRAMES} frames of 1 MiB "
        f"(median acknowledgement {large:.1f} s): RSS idle "
        f"{idle / 1024:.0f} MiB, peak {peak[0] / 1024:.0f} MiB (bound {bound_kib / 1024:.0f} "
        f"MiB); well-behaved p50/p99 unloaded {statistics.median(unloaded) * 1e3:.1f}/"
        f"{p99(unloaded) * 1e3:.1f} ms, loaded {statistics.median(loaded) * 1e3:.1f}/"
        f"{p99(loaded) * 1e3:.1f} ms (bound {latency_bound * 1e3:.0f} ms; a publication "
        f"{publish * 1e3:.0f} ms, so p99 = unloaded + "
        f"{(p99(loaded) - p99(unloaded)) / publish:.2f} publications)"
    )
    assert [len(times) for times in flooded] == [FLOOD_FRAMES] * CONNECTIONS
    assert len(loaded) >= 10  # the well-behaved station was served during the flood
    assert peak[0] < bound_kib
    # A large frame waits behind the others; a small one behind at most one step of the writer,
    # whatever the number of connections.
    assert p99(loaded) < latency_bound
