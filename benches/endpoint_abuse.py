"""The figures of SECURITY.md's "limits before authentication": ``ocpp-meter serve`` (a
subprocess, loopback only) probed as issue 19 did, each probe bounded in count and time.

    python benches/endpoint_abuse.py [--connections 500] [--seconds 5]

Prints, as JSON: server memory (RSS) per idle WebSocket connection and per TLS handshake in
progress (a ClientHello sent, never continued), with and without the handshake limit; the
password checks per second a flood from one address forces and the server CPU it costs; and a
legitimate station's handshake latency (from 127.0.0.2) unloaded and under each attack. The
machine may be shared: the figures are of one run, to compare with each other.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ocpp_meter.security import PasswordStore
from websockets.asyncio.client import connect

PASSWORD = "legitimate-password-01"
OTHER = "127.0.0.2"
TICKS = os.sysconf("SC_CLK_TCK")


def certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.pem", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Server:
    def __init__(self, directory: Path, *args: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        command = [sys.executable, "-m", "ocpp_meter.cli", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--db", str(directory / "m.sqlite"), "--log-level", "ERROR", *args],
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.3)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def client_hello() -> bytes:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_side=False)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def authorization(station: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{station}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def legit_latency(scheme: str, port: int, tries: int = 5) -> float:
    """Median seconds from connect to an open WebSocket, for CS-1 from 127.0.0.2."""
    context = None
    if scheme == "wss":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    times = []
    for _ in range(tries):
        started = time.monotonic()
        async with connect(
            f"{scheme}://127.0.0.1:{port}/ocpp/CS-1",
            subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
            additional_headers=authorization("CS-1", PASSWORD),
            ssl=context,
            local_addr=(OTHER, 0),
            open_timeout=30,
        ):
            times.append(time.monotonic() - started)
    return round(statistics.median(times), 3)


def request(station: str, password: str) -> bytes:
    header = authorization(station, password)["Authorization"]
    return (
        f"GET /ocpp/{station} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Protocol: ocpp2.0.1\r\nAuthorization: {header}\r\n\r\n"
    ).encode()


async def flood(port: int, seconds: float, workers: int, statuses: Counter[int]) -> None:
    """Wrong passwords from 127.0.0.1, each connection waiting for its answer."""
    stop = time.monotonic() + seconds
    bad = request("CS-1", "wrong-password-0123")

    async def worker() -> None:
        while time.monotonic() < stop:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(bad)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                statuses[int(head.split()[1])] += 1
                writer.close()
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                statuses[0] += 1

    await asyncio.gather(*(worker() for _ in range(workers)))


async def probes(directory: Path, connections: int, seconds: float) -> dict[str, Any]:
    cert, key = certificate(directory)
    store = PasswordStore()
    store.set_password("CS-1", PASSWORD)
    store.save(directory / "p.jsonl")
    results: dict[str, Any] = {"cpus": os.cpu_count(), "load_average": os.getloadavg()}

    # Idle WebSocket connections (profile 0).
    server = Server(directory, "--max-connections-per-station", str(connections))
    try:
        before = server.rss_kib()
        held = [
            await connect(f"ws://127.0.0.1:{server.port}/ocpp/I{n}", subprotocols=["ocpp2.0.1"])  # type: ignore[list-item]
            for n in range(connections)
        ]
        await asyncio.sleep(1)
        results["idle_connection_kib"] = round((server.rss_kib() - before) / connections, 1)
        for ws in held:
            await ws.close()
    finally:
        server.stop()

    # TLS handshakes in progress (profile 2): under the limit, then four times over it.
    tls_args = ("--security-profile", "2", "--password-store", str(directory / "p.jsonl"))
    tls_args += ("--tls-cert", str(cert), "--tls-key", str(key), "--handshake-timeout", "60")
    hello = client_hello()
    # Over the limit: one address may hold a quarter of them; another address still gets in.
    for label, limit in (("tls_handshake", connections * 2), ("tls_over_limit", connections // 4)):
        server = Server(
            directory,
            *tls_args,
            "--max-handshakes",
            str(connections * 2),
            "--max-handshakes-per-address",
            str(limit),
        )
        try:
            before = server.rss_kib()
            cpu = server.cpu_seconds()
            opened = []
            for _ in range(connections):
                _, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(hello)
                opened.append(writer)
            await asyncio.sleep(2)
            grown = server.rss_kib() - before
            results[f"{label}_kib_each"] = round(grown / connections, 1)
            results[f"{label}_total_mib"] = round(grown / 1024, 1)
            results[f"{label}_cpu_s"] = round(server.cpu_seconds() - cpu, 2)
            results[f"{label}_legit_s"] = await legit_latency("wss", server.port)
            for writer in opened:
                writer.close()
        finally:
            server.stop()

    # Password floods (profile 1): the defaults, then the per-address limits raised so that
    # only the workers and the total rate hold the flood back.
    plain = ("--security-profile", "1", "--password-store", str(directory / "p.jsonl"))
    loose = (
        "--max-password-checks-per-address",
        "1000",
        "--password-checks-per-second-per-address",
        "1000",
        "--password-checks-per-second",
        "1000",
    )
    for label, extra in (("flood_defaults", ()), ("flood_no_limits", loose)):
        server = Server(directory, *plain, *extra)
        try:
            if label == "flood_defaults":
                results["unloaded_legit_s"] = await legit_latency("ws", server.port)
            statuses: Counter[int] = Counter()
            cpu = server.cpu_seconds()
            started = time.monotonic()
            flooding = asyncio.ensure_future(flood(server.port, seconds, 64, statuses))
            await asyncio.sleep(1)
            latency = await legit_latency("ws", server.port, tries=3)
            await flooding
            elapsed = time.monotonic() - started
            results[label] = {
                "requests_per_s": round(sum(statuses.values()) / elapsed),
                "hashed_per_s": round(statuses[401] / elapsed, 1),
                "statuses": dict(statuses),
                "server_cpu_per_s": round((server.cpu_seconds() - cpu) / elapsed, 2),
                "legit_s": latency,
            }
        finally:
            server.stop()

    # 2,000 wrong-password requests sent and dropped at once (issue 19's burst).
    server = Server(directory, *plain, *loose)
    try:
        cpu = server.cpu_seconds()
        bad = request("CS-1", "wrong-password-0123")
        for _ in range(2000):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(bad)
                writer.close()
            except OSError:
                pass
        latency = await legit_latency("ws", server.port, tries=3)
        await asyncio.sleep(2)
        results["dropped_burst"] = {
            "legit_s": latency,
            "server_cpu_s": round(server.cpu_seconds() - cpu, 2),
        }
    finally:
        server.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        results = asyncio.run(probes(Path(directory), args.connections, args.seconds))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
