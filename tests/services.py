"""Real servers for the scale-out tests: a 3-node NATS JetStream cluster and a PostgreSQL
server, each started in a temporary folder on free loopback ports and stopped by PID.

Without ``nats-server`` or the PostgreSQL binaries the tests that need them skip with one line
saying what is missing; when the environment variable ``CI`` is set (CI sets ``CI=true``) they
fail instead, so that CI never passes by skipping them (``.ci/services`` installs the servers).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import free_port

PG_BIN_DIRS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14, 13)]
START_TIMEOUT = 30.0


def require(what: str, found: bool, hint: str) -> None:
    """Skip (or fail under CI) when a server binary is missing."""
    if found:
        return
    message = f"{what} not found ({hint}); scale-out tests need it"
    if os.environ.get("CI"):
        pytest.fail(message + " and CI makes them mandatory", pytrace=False)
    pytest.skip(message, allow_module_level=True)


NATS_HINT = "apt-get install nats-server, or run .ci/services"


def nats_binary() -> str | None:
    """``nats-server`` on PATH, or where the Debian package puts it."""
    found = shutil.which("nats-server")
    if found is None and Path("/usr/sbin/nats-server").exists():
        found = "/usr/sbin/nats-server"
    return found


def pg_bin() -> Path | None:
    """The folder of ``initdb`` and ``postgres``, from ``PG_BIN`` or the Debian layout."""
    given = os.environ.get("PG_BIN")
    candidates = [Path(given)] if given else []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    candidates += PG_BIN_DIRS
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return (folder / "postgres").resolve().parent
    return None


def _wait_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    import socket

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log.read_text(errors='replace')}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"server did not listen on {port}:\n{log.read_text(errors='replace')}")


def stop_process(
    process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 15
) -> None:
    """Send ``sig`` to ``process`` if it still runs; SIGKILL it if it has not ended in
    ``timeout`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


class NatsNode:
    """One ``nats-server`` of the cluster: its client port, cluster port and process."""

    def __init__(self, name: str, folder: Path, port: int, cluster_port: int) -> None:
        self.name = name
        self.folder = folder
        self.port = port
        self.cluster_port = cluster_port
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / f"{name}.log"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"


class NatsCluster:
    """Three JetStream nodes clustered on loopback; ``kill(i)`` is ``kill -9``, ``start(i)``
    brings a node back on its ports with its store."""

    def __init__(self, folder: Path, size: int = 3) -> None:
        self.binary = nats_binary() or "nats-server"
        self.folder = folder
        self.nodes = [NatsNode(f"n{i}", folder, free_port(), free_port()) for i in range(size)]

    @property
    def url(self) -> str:
        """The broker URL the gateway and workers take: every node, comma separated."""
        return "nats://" + ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)

    def start(self, index: int | None = None) -> None:
        for node in self.nodes if index is None else [self.nodes[index]]:
            routes = ",".join(
                f"nats://127.0.0.1:{other.cluster_port}"
                for other in self.nodes
                if other is not node
            )
            store = self.folder / f"{node.name}-js"
            command = [
                self.binary,
                "-a", "127.0.0.1",
                "-p", str(node.port),
                "-n", node.name,
                "-js",
                "-sd", str(store),
            ]  # fmt: skip
            if len(self.nodes) > 1:
                command += [
                    "--cluster_name", "ocpp-meter-test",
                    "--cluster", f"nats://127.0.0.1:{node.cluster_port}",
                    "--routes", routes,
                ]  # fmt: skip
            with open(node.log, "ab") as log:
                node.process = subprocess.Popen(command, stdout=log, stderr=log)
        for node in self.nodes if index is None else [self.nodes[index]]:
            assert node.process is not None
            _wait_port(node.port, node.process, node.log)

    def kill(self, index: int) -> None:
        """``kill -9`` one node."""
        process = self.nodes[index].process
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=15)

    def pause(self, index: int) -> None:
        """Freeze one node (``SIGSTOP``): its connections stay open and nothing answers, as
        when a host hangs or its network goes, unlike a kill, which resets them."""
        process = self.nodes[index].process
        assert process is not None
        process.send_signal(signal.SIGSTOP)

    def resume(self, index: int) -> None:
        process = self.nodes[index].process
        assert process is not None
        process.send_signal(signal.SIGCONT)

    def index_of(self, name: str) -> int:
        return next(i for i, node in enumerate(self.nodes) if node.name == name)

    def stop(self) -> None:
        for node in self.nodes:
            stop_process(node.process)


class Postgres:
    """A PostgreSQL server of its own: ``initdb`` as the ``postgres`` user (the server refuses
    root) in a temporary folder, listening on a loopback port only, trust authentication."""

    def __init__(self, bin_dir: Path, folder: Path) -> None:
        self.bin = bin_dir
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.log = folder / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_user(self) -> dict[str, object]:
        # Popen's own user switch keeps the server's PID ours (runuser would stand between).
        if self._as_postgres:
            return {"user": "postgres", "group": "postgres", "extra_groups": []}
        return {}

    def init(self) -> None:
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            [
                str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            ],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
            cwd=self.folder, **self._as_user(),  # type: ignore[call-overload]
        )  # fmt: skip

    def start(self) -> None:
        command = [
            str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.folder}",
            "-c", "max_connections=50", "-c", "shared_buffers=64MB",
        ]  # fmt: skip
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=log, cwd=self.folder,
                **self._as_user(),  # type: ignore[call-overload]
            )  # fmt: skip
        _wait_port(self.port, self.process, self.log)
        # The port opens before recovery ends: wait until a query is answered.
        ready = str(self.bin / "pg_isready")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            probe = subprocess.run(
                [ready, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q"],
                timeout=10,
                check=False,
            )
            if probe.returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError(f"postgres not ready:\n{self.log.read_text(errors='replace')}")

    def kill(self) -> None:
        """``kill -9`` the postmaster (its backends exit when they see it gone)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)
        # Backends of a killed postmaster linger a moment and hold the shared memory.
        deadline = time.monotonic() + 15
        pid_file = self.data / "postmaster.pid"
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
            if _backends_gone(self.data):
                break

    def stop(self) -> None:
        stop_process(self.process, signal.SIGINT)  # fast shutdown


def _backends_gone(data: Path) -> bool:
    out = subprocess.run(["pgrep", "-f", f"postgres.*{data}"], capture_output=True, check=False)
    return out.returncode != 0 or not out.stdout.strip()


def _temp_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ocpp-meter-services-"))
    folder.chmod(0o755)
    return folder


def nats_cluster() -> Iterator[NatsCluster]:
    """A started 3-node cluster, stopped (and its folder removed) afterwards."""
    require("nats-server", nats_binary() is not None, NATS_HINT)
    folder = _temp_folder()
    try:
        cluster = _started_cluster(folder)
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _started_cluster(folder: Path, attempts: int = 3) -> NatsCluster:
    """A started cluster on free ports. A port is free when picked, but another process (a
    test run beside this one) may bind it before the node does: the cluster then starts again
    on new ports, ``attempts`` times at most."""
    for attempt in range(attempts):
        own = folder / f"attempt{attempt}"
        own.mkdir()
        cluster = NatsCluster(own)
        try:
            cluster.start()
            return cluster
        except AssertionError as error:
            cluster.stop()
            if "address already in use" not in str(error) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def postgres() -> Iterator[Postgres]:
    """A started PostgreSQL server, stopped (and its folder removed) afterwards."""
    bin_dir = pg_bin()
    require("PostgreSQL (initdb, postgres)", bin_dir is not None, "set PG_BIN or install it")
    assert bin_dir is not None
    folder = _temp_folder()
    server = Postgres(bin_dir, folder)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
