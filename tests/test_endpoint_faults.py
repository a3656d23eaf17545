"""Faults at the reference endpoint: clients that disconnect mid-frame, send garbage below or
above the WebSocket layer, open a thousand connections or never read their replies, and a
database that refuses a write.

(Text garbage and broken OCPP-J frames, and kill -9 under load with a restart, are in
``test_server.py``.) Servers run on 127.0.0.1 on ephemeral ports, as a subprocess where the
server's own memory or file limits matter, in process otherwise; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import base64
import os
import resource
import socket
import sqlite3
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ocpp_meter import CallError, CallResult, decode_message, encode_call
from ocpp_meter.loadgen import typical_request
from ocpp_meter.server import ServeConfig
from ocpp_meter.storage import connect as connect_db
from serving import SUBPROTOCOLS, ServerProcess, in_process, run
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus


def count_rows(db: Path, where: str = "1", *args: Any) -> int:
    with sqlite3.connect(db) as connection:
        (count,) = connection.execute(
            f"SELECT count(*) FROM sampled_values WHERE {where}", args
        ).fetchone()
    return int(count)


async def round_trip(ws: ClientConnection, message_id: str) -> CallResult | CallError:
    await ws.send(encode_call(message_id, typical_request()), text=True)
    reply = decode_message(await asyncio.wait_for(ws.recv(), 10))
    assert isinstance(reply, (CallResult, CallError)) and reply.message_id == message_id
    return reply


# Raw WebSocket, below the client library: a handshake and hand-made frames.

HANDSHAKE_KEY = base64.b64encode(b"0123456789abcdef").decode()


def upgrade_request(path: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {HANDSHAKE_KEY}\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n"
    ).encode()


def ws_frame(payload: bytes, opcode: int = 1, *, masked: bool = True, rsv: int = 0) -> bytes:
    """One final frame; masked with a zero key (valid, and the payload stays readable)."""
    first = 0x80 | rsv << 4 | opcode
    mask_bit = 0x80 if masked else 0
    length = len(payload)
    if length < 126:
        header = bytes([first, mask_bit | length])
    elif length < 1 << 16:
        header = bytes([first, mask_bit | 126]) + struct.pack("!H", length)
    else:
        header = bytes([first, mask_bit | 127]) + struct.pack("!Q", length)
    return header + (b"\0\0\0\0" if masked else b"") + payload


async def raw_open(url: str, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = url.removeprefix("ws://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(upgrade_request(path))
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.startswith(b"HTTP/1.1 101 "), head
    return reader, writer


async def read_close_code(reader: asyncio.StreamReader) -> int:
    """Read server frames until its close frame; its status code."""
    while True:
        first, second = await asyncio.wait_for(reader.readexactly(2), 10)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await reader.readexactly(8))
        payload = await asyncio.wait_for(reader.readexactly(length), 10)
        if first & 0x0F == 8:
            return int(struct.unpack("!H", payload[:2])[0])


# Disconnects mid-frame, mid-handshake, and before the reply.


def test_clients_that_vanish_mid_frame_or_mid_handshake_leave_the_server_serving(
    tmp_path: Path,
) -> None:
    config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"))
    frame = encode_call("cut", typical_request())

    async def scenario() -> CallResult | CallError:
        async with in_process(config) as url:
            host, port = url.removeprefix("ws://").split(":")
            # Half a handshake, then gone.
            _, writer = await asyncio.open_connection(host, int(port))
            writer.write(upgrade_request("/ocpp/HALF")[:40])
            await writer.drain()
            writer.close()
            # A frame cut in its header, in its payload, and a cut with a TCP reset.
            for cut, reset in ((1, False), (len(frame) // 2, False), (len(frame) // 2, True)):
                _, writer = await raw_open(url, "/ocpp/CUT")
                writer.write(ws_frame(frame)[: cut + 8])
                await writer.drain()
                if reset:
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.close()
            # A whole frame, then gone before the reply: its rows are still committed.
            _, writer = await raw_open(url, "/ocpp/GONE")
            writer.write(ws_frame(encode_call("gone", typical_request())))
            await writer.drain()
            writer.close()
            async with connect(f"{url}/ocpp/AFTER", subprotocols=SUBPROTOCOLS) as ws:
                reply = await round_trip(ws, "after")
            deadline = time.monotonic() + 10
            while count_rows(tmp_path / "m.sqlite", "station_id = 'GONE'") < 12:
                assert time.monotonic() < deadline, "the frame sent before leaving was lost"
                await asyncio.sleep(0.02)
            return reply

    assert isinstance(run(scenario()), CallResult)
    assert count_rows(tmp_path / "m.sqlite", "station_id = 'CUT'") == 0
    assert count_rows(tmp_path / "m.sqlite", "station_id = 'GONE'") == 12
    assert count_rows(tmp_path / "m.sqlite", "station_id = 'AFTER'") == 12


# Garbage: binary and empty frames, broken WebSocket framing, not HTTP at all, too large.


def test_binary_and_empty_garbage_frames_get_a_callerror_and_the_connection_stays(
    tmp_path: Path,
) -> None:
    garbage = [
        os.urandom(64),  # almost surely not UTF-8
        b"\xff\xfe\xfd",
        b"\x00" * 10,
        b'[2,"bin-utf","MeterValues",{"evseId":\xff}]',  # bad UTF-8 after the id
        b"",
    ]

    async def scenario() -> list[Any]:
        config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"))
        async with (
            in_process(config) as url,
            connect(f"{url}/ocpp/GARBAGE", subprotocols=SUBPROTOCOLS) as ws,
        ):
            replies = []
            for payload in garbage:
                await ws.send(payload)  # binary frames
                replies.append(decode_message(await asyncio.wait_for(ws.recv(), 10)))
            await ws.send("")  # an empty text frame
            replies.append(decode_message(await asyncio.wait_for(ws.recv(), 10)))
            replies.append(await round_trip(ws, "still-here"))
            return replies

    replies = run(scenario())
    codes = [(r.code.value, r.message_id) for r in replies[:-1]]
    assert codes[:3] == [("RpcFrameworkError", "-1")] * 3
    # Binary messages are never handled (OCPP-J frames are text): a CALL whose id can be read
    # is refused with that id.
    assert codes[3] == ("RpcFrameworkError", "bin-utf")
    assert codes[4:] == [("RpcFrameworkError", "-1")] * 2
    assert isinstance(replies[-1], CallResult)
    assert count_rows(tmp_path / "m.sqlite") == 12


@pytest.mark.parametrize(
    ("name", "frame", "code"),
    [
        ("unmasked", ws_frame(b"[]", masked=False), 1002),
        ("reserved bits", ws_frame(b"[]", rsv=0b100), 1002),
        ("reserved opcode", ws_frame(b"[]", opcode=3), 1002),
        ("bad UTF-8 text frame", ws_frame(b"\xff\xfe"), 1007),
        ("over --max-message-bytes", ws_frame(b"x" * 6000), 1009),
    ],
)
def test_broken_websocket_framing_closes_that_connection_only(
    tmp_path: Path, name: str, frame: bytes, code: int
) -> None:
    config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"), max_frame_bytes=4096)

    async def scenario() -> tuple[int, CallResult | CallError]:
        async with (
            in_process(config) as url,
            connect(f"{url}/ocpp/BYSTANDER", subprotocols=SUBPROTOCOLS) as bystander,
        ):
            reader, writer = await raw_open(url, "/ocpp/BROKEN")
            writer.write(frame)
            closed_with = await read_close_code(reader)
            writer.close()
            return closed_with, await round_trip(bystander, "bystander")

    closed_with, reply = run(scenario())
    assert closed_with == code, name
    assert isinstance(reply, CallResult)
    assert count_rows(tmp_path / "m.sqlite", "station_id = 'BROKEN'") == 0


def test_bytes_that_are_not_http_are_refused_and_the_server_goes_on(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[bytes], CallResult | CallError]:
        async with in_process(ServeConfig(port=0, db=str(tmp_path / "m.sqlite"))) as url:
            host, port = url.removeprefix("ws://").split(":")
            answers = []
            for junk in (
                os.urandom(512) + b"\r\n",
                b"\r\n\r\n",
                b"GET / HTTP/1.1\r\n\r\n",
                b"\x16\x03\x01",
            ):
                reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(junk)
                writer.write_eof()  # (without it, a request cut short waits for open_timeout)
                answers.append(await asyncio.wait_for(reader.read(), 10))
                writer.close()
            async with connect(f"{url}/ocpp/AFTER", subprotocols=SUBPROTOCOLS) as ws:
                return answers, await round_trip(ws, "after")

    answers, reply = run(scenario())
    # Every one is answered with an HTTP error (or nothing) and closed; none reaches a handler.
    refusals = (b"HTTP/1.1 400 ", b"HTTP/1.1 404 ", b"HTTP/1.1 426 ")
    assert all(a == b"" or a.startswith(refusals) for a in answers), answers
    assert isinstance(reply, CallResult)
    assert count_rows(tmp_path / "m.sqlite") == 12


# A thousand connections; a connection limit.


@pytest.fixture
def open_files() -> Iterator[int]:
    """The soft limit on open files, raised (up to the hard limit) for a thousand sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
    yield resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_thousand_connections_at_once_are_each_served(tmp_path: Path, open_files: int) -> None:
    stations = 1000
    if open_files != resource.RLIM_INFINITY and open_files < stations + 200:
        pytest.skip(f"the hard limit on open files ({open_files}) is below {stations + 200}")

    async def scenario(server: ServerProcess) -> tuple[list[Any], float]:
        gate = asyncio.Semaphore(100)  # handshakes in flight from this one client process

        async def open_one(number: int) -> ClientConnection:
            async with gate:
                return await connect(
                    f"{server.url}/ocpp/K{number:04d}",
                    subprotocols=SUBPROTOCOLS,
                    open_timeout=20,
                    ping_interval=None,
                )

        connections = await asyncio.gather(*(open_one(n) for n in range(stations)))
        try:
            # All open at once; each sends a frame and gets its own reply.
            replies = await asyncio.gather(
                *(round_trip(ws, f"k{n}") for n, ws in enumerate(connections))
            )
            # Still responsive to a newcomer with the thousand open.
            started = time.monotonic()
            async with connect(f"{server.url}/ocpp/NEWCOMER", subprotocols=SUBPROTOCOLS) as ws:
                assert isinstance(await round_trip(ws, "newcomer"), CallResult)
            newcomer = time.monotonic() - started
        finally:
            await asyncio.gather(*(ws.close() for ws in connections))
        return list(replies), newcomer

    with ServerProcess(
        tmp_path / "m.sqlite", tmp_path / "serve.log", "--synchronous", "normal"
    ) as server:
        replies, newcomer = run(scenario(server))
        assert server.alive()
    assert len(replies) == stations and all(isinstance(r, CallResult) for r in replies)
    assert newcomer < 5.0
    assert count_rows(server.db) == 12 * (stations + 1)
    assert count_rows(server.db, "station_id LIKE 'K%'") == 12 * stations
    with sqlite3.connect(server.db) as connection:
        assert connection.execute(
            "SELECT count(DISTINCT station_id) FROM sampled_values"
        ).fetchone() == (stations + 1,)
    assert "Traceback" not in server.log.read_text()


def test_connections_over_the_limit_are_refused_with_503(tmp_path: Path) -> None:
    config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"), max_connections=3)

    async def scenario() -> tuple[int, CallResult | CallError]:
        async with in_process(config) as url:
            held = [await connect(f"{url}/ocpp/L{n}", subprotocols=SUBPROTOCOLS) for n in range(3)]
            with pytest.raises(InvalidStatus) as refused:
                async with connect(f"{url}/ocpp/L3", subprotocols=SUBPROTOCOLS):
                    pass
            await held.pop().close()
            deadline = time.monotonic() + 10
            while True:  # the slot frees once the server has seen the close
                try:
                    async with connect(f"{url}/ocpp/L4", subprotocols=SUBPROTOCOLS) as ws:
                        reply = await round_trip(ws, "l4")
                    break
                except InvalidStatus:
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.02)
            for ws in held:
                await ws.close()
            return refused.value.response.status_code, reply

    status, reply = run(scenario())
    assert status == 503 and isinstance(reply, CallResult)


# A client that never reads its replies.


def tcp_buffer_max() -> int:
    """The largest TCP receive buffer the kernel grows a socket to (32 MiB if unknown)."""
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_rmem").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        return 32 * 2**20


def test_a_client_that_never_reads_is_held_back_and_others_are_served(tmp_path: Path) -> None:
    """Frames answered with a CALLERROR (an unknown property: no database work), sent without
    ever reading: the server stops reading that connection once its replies back up, so the
    sender stalls, the server's memory stays flat, and other stations are served meanwhile.

    What the sender can push is bounded by the kernel's socket buffers (the server's receive
    buffer grows up to ``tcp_rmem``'s maximum) plus what the server has handled and buffered;
    it tries to push four times that."""
    frame = ws_frame(f'[2,"nr","MeterValues",{{"{"x" * 2000}":1}}]'.encode())
    bound = 2 * tcp_buffer_max() + 32 * 2**20
    attempts = 4 * bound // len(frame)
    sent = 0
    writers: list[asyncio.StreamWriter] = []

    async def never_reader(url: str) -> None:
        nonlocal sent
        _, writer = await raw_open(url, "/ocpp/NEVER-READS")
        writers.append(writer)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
        for _ in range(attempts):
            writer.write(frame)
            await writer.drain()
            sent += len(frame)

    async def scenario(server: ServerProcess) -> tuple[bool, int, int, int]:
        rss_before = server.rss_kib()
        sender = asyncio.ensure_future(never_reader(server.url))
        try:
            async with connect(f"{server.url}/ocpp/READER", subprotocols=SUBPROTOCOLS) as ws:
                for number in range(30):
                    assert isinstance(await round_trip(ws, f"r{number}"), CallResult)
            # Wait until the sender makes no more progress (or has sent everything).
            deadline = time.monotonic() + 30
            last = -1
            while not sender.done() and sent != last and time.monotonic() < deadline:
                last = sent
                await asyncio.sleep(0.5)
            finished = sender.done()
            stalled_at = sent
            rss_during = server.rss_kib()
            # With the sender still stuck, the server still serves newcomers.
            async with connect(f"{server.url}/ocpp/READER2", subprotocols=SUBPROTOCOLS) as ws:
                assert isinstance(await round_trip(ws, "r2"), CallResult)
        finally:
            sender.cancel()
            try:
                await sender
            except (asyncio.CancelledError, ConnectionError, OSError):
                pass
            for writer in writers:
                writer.transport.abort()
        return finished, stalled_at, rss_before, rss_during

    with ServerProcess(
        tmp_path / "m.sqlite", tmp_path / "serve.log", "--synchronous", "normal"
    ) as server:
        finished, stalled_at, rss_before, rss_during = run(scenario(server))
        assert server.alive()
    assert not finished
    assert 0 < stalled_at < bound, (stalled_at, bound)  # held back: it tried 4 x bound
    assert rss_during - rss_before < 64 * 1024, (rss_before, rss_during)  # KiB: under 64 MiB
    assert count_rows(server.db, "station_id LIKE 'READER%'") == 31 * 12
    assert "Traceback" not in server.log.read_text()


# A database that refuses a write.


def test_a_failed_write_is_an_internal_error_and_nothing_of_it_is_stored(
    tmp_path: Path,
) -> None:
    db = tmp_path / "m.sqlite"
    with connect_db(str(db)) as connection:  # the table, plus a trigger that refuses some rows
        connection.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON sampled_values "
            "WHEN NEW.message_id LIKE 'refused%' BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
    connection.close()

    async def station(url: str, name: str, ids: list[str]) -> list[CallResult | CallError]:
        async with connect(f"{url}/ocpp/{name}", subprotocols=SUBPROTOCOLS) as ws:
            return [await round_trip(ws, message_id) for message_id in ids]

    async def scenario() -> list[list[CallResult | CallError]]:
        async with in_process(ServeConfig(port=0, db=str(db))) as url:
            # One station's frames are refused now and then; others write at the same time
            # (often in the same group commit).
            mixed = [f"refused-{n}" if n % 3 == 0 else f"ok-{n}" for n in range(30)]
            return list(
                await asyncio.gather(
                    station(url, "FAILS", mixed),
                    *(
                        station(url, f"OTHER{k}", [f"o{k}-{n}" for n in range(30)])
                        for k in range(4)
                    ),
                )
            )

    results = run(scenario())
    for reply in results[0]:
        if reply.message_id.startswith("refused"):
            assert isinstance(reply, CallError), reply
            assert reply.code.value == "InternalError"
            assert "disk says no" not in reply.description  # no internals on the wire
        else:
            assert isinstance(reply, CallResult), reply
    assert all(isinstance(r, CallResult) for replies in results[1:] for r in replies)
    assert count_rows(db, "message_id LIKE 'refused%'") == 0
    assert count_rows(db, "station_id = 'FAILS'") == 20 * 12
    assert count_rows(db, "station_id LIKE 'OTHER%'") == 4 * 30 * 12


def test_a_frame_the_socket_accepts_is_not_refused_by_a_lower_decoder_limit(
    tmp_path: Path,
) -> None:
    from ocpp_meter import DEFAULT_LIMITS, get_limits

    big = 2 << 20
    padding = {"vendorId": "v", "pad": "x" * (big - 4096)}
    request = typical_request()
    frame = encode_call("big-1", type(request)(request.evse_id, request.meter_value, padding))
    assert DEFAULT_LIMITS.max_frame_bytes < len(frame) < big
    config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"), max_frame_bytes=big)

    async def scenario() -> tuple[CallResult | CallError, int]:
        async with (
            in_process(config) as url,
            connect(f"{url}/ocpp/CS-BIG", subprotocols=SUBPROTOCOLS, max_size=None) as ws,
        ):
            await ws.send(frame, text=True)
            reply = decode_message(await asyncio.wait_for(ws.recv(), 10))
            return reply, get_limits().max_frame_bytes

    reply, limit_while_serving = run(scenario())
    assert limit_while_serving == big
    # The process-wide limit is put back when the endpoint stops.
    assert get_limits() == DEFAULT_LIMITS
    assert isinstance(reply, CallResult) and reply.message_id == "big-1"
    assert count_rows(tmp_path / "m.sqlite", "station_id = 'CS-BIG'") == len(
        [sv for mv in request.meter_value for sv in mv.sampled_value]
    )
