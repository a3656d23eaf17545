"""The scale-out pipeline measured on this machine, beside the SQLite endpoint, in one run.

    python benches/pipeline.py [--stations 200] [--seconds 10] [--backlog 60000] [--backlog-only]

Starts its own PostgreSQL and 3-node NATS JetStream cluster (tests/services.py; stopped by PID
at the end), then measures with ``ocpp_meter.loadgen`` (typical frames: 12 readings each):

1. a bare WebSocket server answering every frame with a fixed CALLRESULT (the stack's own
   ceiling), and ``serve --db FILE`` (SQLite): acknowledged frames/s, p50/p99 latency;
2. ``serve --broker`` -> 3-node JetStream (replicas 3) -> 2 ``worker`` -> PostgreSQL: the same,
   plus the lag from receipt at the gateway to the commit in PostgreSQL
   (``ingested_frames.stored_at - received_at``), the time to drain after the load stops, and
   rows/s per worker (rows over the worker's own decode-and-store time, and over wall time);
3. one worker alone on a backlog of ``--backlog`` frames already in the stream: rows/s stored
   (from its first commit to its last), beside, in the same run on the same PostgreSQL, the
   worker's store path alone on as many typical frames (``benches/store_drain.py``'s ``worker
   store``: decoded on a thread while the last batch is stored, batches of 2,000, no broker)
   and the server's own ``COPY FROM`` file of the same records (no client at all), with the
   load average before each. ``--backlog-only`` measures this part alone.

For the two loads compared with the bare stack it also prints where the 2 cores' time went:
CPU time (user + system, from ``/proc``) per acknowledged frame of each process it started
(server, gateway, NATS nodes, workers, the load generator itself) and of the whole machine,
and splits the gateway's ratio to the bare stack into its own part (the bare server's CPU per
frame over the gateway's) and the rest's (the most a gateway costing nothing could reach beside
the rest of the pipeline on the same cores).

Not a test: figures depend on the machine and on what else runs on it; compare the rows of
one run only. Needs the ``scale`` and ``server`` extras, nats-server and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import services
import store_drain
from ocpp_meter.loadgen import LoadConfig, LoadReport, run_load
from serving import ServerProcess

BARE_SERVER = """
import asyncio, sys
from websockets.asyncio.server import serve

async def answer(connection):
    async for frame in connection:
        # The message id is the second element: [2,"<id>",...]; a fixed CALLRESULT around it.
        await connection.send('[3,"' + frame[4 : frame.index('"', 4)] + '",{}]')

async def main():
    async with serve(answer, "127.0.0.1", int(sys.argv[1]), subprotocols=["ocpp2.0.1"],
                     backlog=1024):
        print("ready", flush=True)
        await asyncio.Future()

asyncio.run(main())
"""


def bare_server(port: int) -> subprocess.Popen[bytes]:
    """The WebSocket stack alone: every frame answered with a fixed CALLRESULT."""
    process = subprocess.Popen(
        [sys.executable, "-c", BARE_SERVER, str(port)], stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    process.stdout.readline()
    return process


def machine_cpu_seconds() -> float:
    """CPU time spent by everything on the machine so far (all cores, idle excluded)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class CpuShares:
    """CPU time per acknowledged frame of named processes over one load (``None``: this one)."""

    def __init__(self, processes: dict[str, list[int | None]]) -> None:
        self.processes = processes
        self.start = self._now()

    def _now(self) -> dict[str, float]:
        seconds = cpu_seconds()
        now = {
            name: sum(
                seconds.get(pid if pid is not None else os.getpid(), (0, 0.0))[1] for pid in pids
            )
            for name, pids in self.processes.items()
        }
        now["whole machine"] = machine_cpu_seconds()
        return now

    def per_frame(self, report: LoadReport) -> dict[str, float]:
        """Microseconds of CPU per acknowledged frame of each name since this was made."""
        end = self._now()
        frames = max(report.acknowledged, 1)
        return {name: (end[name] - self.start[name]) / frames * 1e6 for name in end}


def cpu_line(title: str, micros: dict[str, float]) -> str:
    parts = [f"{name} {value:,.0f}" for name, value in micros.items()]
    return f"{title}, CPU us per acknowledged frame: " + ", ".join(parts)


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    import adbc_driver_postgresql.dbapi as pgdb

    with pgdb.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def worker(broker: str, db: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ocpp_meter.cli", "worker", "--broker", broker, "--db", db],
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    deadline = time.monotonic() + 60
    while "worker consuming" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            end(process)
            raise SystemExit(f"worker did not start:\n{log.read_text()}")
        time.sleep(0.05)
    return process


def end(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM ``process`` if it still runs (SIGKILL if that is not enough in 30 s: a worker
    finishes its batch first)."""
    services.stop_process(process, timeout=30)


def stop_worker(process: subprocess.Popen[bytes], log: Path) -> tuple[int, float]:
    """SIGTERM the worker; its rows stored and seconds spent decoding and storing."""
    process.terminate()
    process.wait(timeout=60)
    found = re.findall(r"(\d+) rows, \d+ events stored in ([\d.]+) s", log.read_text())
    rows, seconds = found[-1]
    return int(rows), float(seconds)


def stored_count(db: str) -> int:
    [(count,)] = query(db, "SELECT count(*) FROM ingested_frames")
    return int(count)  # type: ignore[call-overload]


def wait_stored(db: str, frames: int, limit: float = 300) -> float:
    """Seconds until ``frames`` frames are in the ledger."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        count = stored_count(db)
        if count >= frames:
            return time.monotonic() - started
        time.sleep(0.1)
    raise SystemExit(f"only {count} of {frames} frames stored after {limit} s")


def cpu_seconds() -> dict[int, tuple[int, float]]:
    """Every process's parent and processor time so far (user + system, all its threads)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return found


def spent(
    before: dict[int, tuple[int, float]], after: dict[int, tuple[int, float]], roots: list[int]
) -> float:
    """Processor seconds the processes ``roots`` and their children spent between the two."""
    total = 0.0
    for pid, (parent, seconds) in after.items():
        if pid in roots or parent in roots:
            total += seconds - before.get(pid, (parent, 0.0))[1]
    return total


def drain_seconds(
    db: str, frames: int, limit: float = 300
) -> tuple[float, int, dict[int, tuple[int, float]], dict[int, tuple[int, float]]]:
    """Seconds from the first frame in the ledger to the last of ``frames`` (a worker's start
    is not counted), the frames stored before the clock started, and every process's processor
    time when it started and when it stopped."""
    deadline = time.monotonic() + limit
    while (first := stored_count(db)) == 0:
        if time.monotonic() > deadline:
            raise SystemExit(f"nothing stored after {limit} s")
        time.sleep(0.01)
    started = time.monotonic()
    cpu_before = cpu_seconds()
    while stored_count(db) < frames:
        if time.monotonic() > deadline:
            raise SystemExit(f"not all {frames} frames stored after {limit} s")
        time.sleep(0.02)
    return time.monotonic() - started, first, cpu_before, cpu_seconds()


def store_path_alone(pg: services.Postgres, frames: int) -> tuple[float, float]:
    """Rows/s of the worker's store path alone and of the server's own COPY FROM file, on
    ``frames`` typical frames in batches of 2,000, each into a fresh database."""
    work = store_drain.batches(frames, 2000)
    parts = [store_drain.decode_frames(b) for b in work]
    folder = Path(tempfile.mkdtemp(prefix="ocpp-meter-pipeline-copy-"))
    folder.chmod(0o755)
    try:
        dbs = store_drain.Databases(pg, parts)
        dbs.fresh()  # numbers the kinds of readings
        readings = store_drain.numbered_readings(parts, dbs.kinds)
        files = store_drain.csv_files(parts, readings, folder)
        rates = []
        for measure in (
            partial(store_drain.worker_store, work=work),
            partial(
                store_drain.server_copy,
                files=files,
                tables={"frames": "ingested_frames", "readings": "meter_readings"},
            ),
        ):
            url = dbs.fresh()
            started = time.perf_counter()
            rows = measure(url)
            rates.append(rows / (time.perf_counter() - started))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rates[0], rates[1]


def load_average() -> float:
    return os.getloadavg()[0]


def load(url: str, stations: int, seconds: float, prefix: str, frames: int = 10**9) -> LoadReport:
    config = LoadConfig(
        url=url + "/ocpp",
        stations=stations,
        seconds=seconds,
        station_prefix=prefix,
        max_frames=frames,
    )
    return asyncio.run(run_load(config))


def line(name: str, report: LoadReport) -> str:
    return (
        f"| {name} | {report.acknowledged_per_second:,.0f} | {report.p50_ms:.1f} | "
        f"{report.p99_ms:.1f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--backlog", type=int, default=60_000)
    parser.add_argument("--backlog-only", action="store_true", help="measure part 3 alone")
    args = parser.parse_args()
    out: list[str] = []
    # Each server is stopped, and the folder removed, whatever fails after it started.
    with contextlib.ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="ocpp-meter-pipeline-"))
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        pg = stack.enter_context(contextlib.contextmanager(services.postgres)())
        cluster = stack.enter_context(contextlib.contextmanager(services.nats_cluster)())
        if not args.backlog_only:
            out += endpoints(args, folder, pg, cluster)
        out += backlog(args, folder, pg, cluster)
    print("\n".join(out))
    return 0


def endpoints(
    args: argparse.Namespace, folder: Path, pg: services.Postgres, cluster: services.NatsCluster
) -> list[str]:
    """Parts 1 and 2: the bare stack, SQLite, and the whole pipeline under the same load."""
    out: list[str] = []
    port = services.free_port()
    bare = bare_server(port)
    try:
        shares = CpuShares({"server": [bare.pid], "loadgen": [None]})
        bare_report = load(f"ws://127.0.0.1:{port}", args.stations, args.seconds, "BA")
        bare_cpu = shares.per_frame(bare_report)
    finally:
        end(bare)
    with ServerProcess(folder / "bench.sqlite", folder / "sqlite.log") as sqlite:
        sqlite_report = load(sqlite.url, args.stations, args.seconds, "SQ")
    db = store_drain.create_database(pg, "pipeline")
    logs = [folder / "w0.log", folder / "w1.log"]
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for log in logs:
            workers.append(worker(cluster.url, db, log))
        with ServerProcess(folder / "unused", folder / "gw.log", "--broker", cluster.url) as gw:
            shares = CpuShares(
                {
                    "gateway": [gw.pid],
                    "3 NATS nodes": [node.process.pid for node in cluster.nodes if node.process],
                    "2 workers": [w.pid for w in workers],
                    "loadgen": [None],
                }
            )
            started = time.monotonic()
            pipeline_report = load(gw.url, args.stations, args.seconds, "PL")
            load_seconds = time.monotonic() - started
            pipeline_cpu = shares.per_frame(pipeline_report)
            drain = wait_stored(db, pipeline_report.acknowledged)
        lag = query(
            db,
            "SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch"
            " FROM stored_at - received_at)), max(extract(epoch FROM stored_at - received_at))"
            " FROM ingested_frames",
        )[0]
        per_worker = [stop_worker(w, log) for w, log in zip(workers, logs)]
    finally:
        for process in workers:
            end(process)
    wall = load_seconds + drain

    out.append("| endpoint | acknowledged frames/s | p50 ack ms | p99 ack ms |")
    out.append("| --- | --- | --- | --- |")
    out.append(line("bare WebSocket stack (fixed CALLRESULT)", bare_report))
    out.append(line("serve --db FILE (SQLite)", sqlite_report))
    out.append(line("serve --broker (3-node JetStream, R3) + 2 workers", pipeline_report))
    ratio = pipeline_report.acknowledged_per_second / sqlite_report.acknowledged_per_second
    out.append("")
    out.append(f"gateway / SQLite endpoint: {ratio:.2f}x acknowledged frames/s")
    bare_ratio = pipeline_report.acknowledged_per_second / bare_report.acknowledged_per_second
    out.append(f"gateway / bare WebSocket stack: {bare_ratio:.2f}x acknowledged frames/s")
    out.append(cpu_line("bare WebSocket stack", bare_cpu))
    out.append(cpu_line("gateway pipeline", pipeline_cpu))
    # Both loads keep the 2 cores busy, so frames/s follow the whole machine's CPU per frame:
    # these two lines split the ratio above into the gateway's part and everything else's.
    out.append(
        "gateway alone: bare server / gateway CPU per frame "
        f"{bare_cpu['server'] / pipeline_cpu['gateway']:.2f}x"
    )
    others = pipeline_cpu["whole machine"] - pipeline_cpu["gateway"]
    out.append(
        "a gateway that cost nothing, beside the rest of this pipeline on these cores, would reach "
        f"at most {bare_cpu['whole machine'] / others:.2f}x the bare stack's frames/s"
    )
    p50, p99 = lag[0]  # type: ignore[misc]
    out.append(
        f"end-to-end lag (gateway receipt -> PostgreSQL): p50 {float(p50) * 1000:.0f} ms, "
        f"p99 {float(p99) * 1000:.0f} ms, max {float(lag[1]) * 1000:.0f} ms; "  # type: ignore[arg-type]
        f"drained {drain:.1f} s after the load stopped"
    )
    for number, (rows, seconds) in enumerate(per_worker):
        out.append(
            f"worker {number}: {rows:,} rows, {rows / max(seconds, 1e-9):,.0f} rows/s of its "
            f"decode+store time, {rows / wall:,.0f} rows/s of wall time"
        )
    return out


def backlog(
    args: argparse.Namespace, folder: Path, pg: services.Postgres, cluster: services.NatsCluster
) -> list[str]:
    """Part 3: one worker on a backlog (the stream filled first, then drained), beside the
    store path alone and the server's own COPY in the same run."""
    backlog_db = store_drain.create_database(pg, "backlog")
    with ServerProcess(folder / "unused", folder / "gw2.log", "--broker", cluster.url) as gw:
        filled = load(gw.url, args.stations, 600, "BL", frames=args.backlog)
    log = folder / "solo.log"
    load_drain = load_average()
    solo = worker(cluster.url, backlog_db, log)
    try:
        drained, before, cpu_before, cpu_after = drain_seconds(backlog_db, filled.acknowledged)
        solo_rows, solo_seconds = stop_worker(solo, log)
    finally:
        end(solo)
    solo_pid = solo.pid
    rows_per_frame = solo_rows / filled.acknowledged
    drained_rows = (filled.acknowledged - before) * rows_per_frame
    drain_rate = drained_rows / drained
    assert pg.process is not None
    cpu = {
        name: spent(cpu_before, cpu_after, pids)
        for name, pids in (
            ("worker", [solo_pid]),
            ("PostgreSQL", [pg.process.pid]),
            ("3 NATS nodes", [n.process.pid for n in cluster.nodes if n.process is not None]),
        )
    }
    load_store = load_average()
    store_rate, copy_rate = store_path_alone(pg, filled.acknowledged)
    drain_line = (
        f"one worker on a backlog of {filled.acknowledged:,} frames ({solo_rows:,} rows, load "
        f"average {load_drain:.1f}): {drain_rate:,.0f} rows/s from its first commit to its last "
        f"({solo_rows / max(solo_seconds, 1e-9):,.0f} rows/s of its decode+store time)"
    )
    peers = (
        f"  store path alone, same frame count (load average {load_store:.1f}): "
        f"{store_rate:,.0f} rows/s; server's own COPY FROM file: {copy_rate:,.0f} rows/s"
    )
    ratios = (
        f"  worker / store path alone: {drain_rate / store_rate:.2f}x; worker / server COPY: "
        f"{drain_rate / copy_rate:.2f}x"
    )
    where = (
        "  processor seconds over the drain's "
        f"{drained:.2f} s: "
        + ", ".join(f"{name} {seconds:.2f}" for name, seconds in cpu.items())
        + f"; the worker's own: {drained_rows / max(cpu['worker'], 1e-9):,.0f} rows per "
        "processor second"
    )
    return [drain_line, peers, ratios, where]


if __name__ == "__main__":
    raise SystemExit(main())
