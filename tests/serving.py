"""Test helpers for the reference endpoint: ``ocpp-meter serve`` as a subprocess on a free
loopback port, and a bounded way to run an asyncio scenario (a hang fails instead of blocking)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from ocpp_meter import decode_batch
from ocpp_meter.server import ServeConfig, serve

T = TypeVar("T")
SUBPROTOCOLS: Any = ["ocpp2.0.1"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port that refuses every connection while the ``with`` lasts: bound, never
    listening. A port :func:`free_port` gave back may be taken meanwhile by a server of another
    test (then a client "waiting for an unreachable server" reaches it) or picked as a
    connection's own ephemeral port (then a client connecting to it may connect to itself);
    a port held bound can be neither."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def run(scenario: Coroutine[Any, Any, T], limit: float = 60.0) -> T:
    """Runs ``scenario`` on a new event loop, failing it after ``limit`` seconds."""

    async def bounded() -> T:
        return await asyncio.wait_for(scenario, limit)

    return asyncio.run(bounded())


class ServerProcess:
    """``python -m ocpp_meter.cli serve`` on a free loopback port with database ``db``, logging
    to ``log``; ``args`` are further command-line options. Also a context manager (started on
    entry, terminated on exit)."""

    def __init__(self, db: Path, log: Path, *args: str) -> None:
        self.db = db
        self.log = log
        self.args = args
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        """Starts the server and returns once it listens."""
        command = [sys.executable, "-m", "ocpp_meter.cli", "serve", "--port", str(self.port)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*command, "--db", str(self.db), *self.args], stdout=subprocess.DEVNULL, stderr=log
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"server did not listen in time:\n{self.log_text()}")

    def __enter__(self) -> ServerProcess:  # noqa: PYI034 - a test helper, never subclassed
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float = 20) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def log_text(self) -> str:
        return self.log.read_text()


@asynccontextmanager
async def in_process(config: ServeConfig) -> AsyncIterator[str]:
    """The endpoint in this event loop on an ephemeral port; yields its ws:// base URL."""
    stop = asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(serve(config, stop=stop, on_ready=ready.set_result))
    port = await asyncio.wait_for(ready, 10)
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


class Recorded:
    """A station's WebSocket connection (for a mobilityhouse ``ChargePoint``), keeping every
    frame it sends."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.sent: list[str] = []

    async def send(self, message: str) -> None:
        self.sent.append(message)
        await self.ws.send(message)

    async def recv(self) -> Any:
        return await self.ws.recv()


def kill_mid_sessions(
    process: ServerProcess,
    session: Callable[[int], Coroutine[Any, Any, Any]],
    acknowledged: list[Any],
    *,
    after: int = 80,
    stations: int = 4,
) -> None:
    """Start ``process``, run ``session(n)`` for ``stations`` stations at once, kill -9 the
    server once ``after`` frames are acknowledged, and start it again on the same file."""
    import os
    import signal

    from websockets.exceptions import ConnectionClosed

    async def one(number: int) -> None:
        try:
            await session(number)
        except (ConnectionClosed, OSError, asyncio.TimeoutError):
            pass  # the server died under us

    async def killer() -> None:
        while len(acknowledged) < after:
            await asyncio.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)

    async def scenario() -> None:
        await asyncio.gather(killer(), *(one(n) for n in range(stations)))

    process.start()
    run(scenario(), limit=120)
    assert process.wait() == -signal.SIGKILL
    process.start()  # recovery on the same file


def as_stored(frames: list[Any], station_id: str, dialect: Any) -> tuple[list[Any], list[Any]]:
    """The rows and event records of ``frames`` as the batch decoder gives them, in the form
    the endpoint's tables hold (``timestamp`` as fixed-width RFC 3339 text, ``offline`` 0/1)."""
    import pyarrow as pa

    result = decode_batch(frames, station_id, dialect=dialect)
    assert result.error_count == 0

    def sql(record: dict[str, Any]) -> tuple[Any, ...]:
        stamp = record["timestamp"].replace(tzinfo=None).isoformat(timespec="microseconds")
        record = dict(record, timestamp=stamp + "Z")
        if record.get("offline") is not None:
            record["offline"] = int(record["offline"])
        return tuple(record.values())

    rows = [sql(r) for r in pa.table(result).to_pylist()]
    return rows, [sql(e) for e in pa.table(result.events).to_pylist()]


def loadgen(url: str, *args: str) -> Any:
    """``ocpp-meter loadgen --json`` against ``url`` with ``args``: its JSON reports."""
    import json

    result = subprocess.run(
        [sys.executable, "-m", "ocpp_meter.cli", "loadgen", "--url", url, *args, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]
