"""The endpoint under attack, before anyone has authenticated (issue 19): handshakes in progress,
password floods, clients that leave before their check, the connection limit under a race, one
station's connections, malformed headers, and what the log says about all of it.

Every probe runs on loopback against an in-process endpoint, bounded in count and in time. The
second source address (127.0.0.2) is Linux loopback's: any 127/8 address reaches 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from ocpp_meter import CallResult
from ocpp_meter.admission import Admission, AdmissionLimits, Ticket
from ocpp_meter.dispatch import Dispatcher
from ocpp_meter.logsafe import RefusalLog, excerpt
from ocpp_meter.server import ServeConfig
from serving import SUBPROTOCOLS, in_process, run
from test_security import (  # noqa: F401 - pki and store_path are fixtures
    PASSWORD,
    Pki,
    basic,
    client_context,
    meter_values,
    pki,
    store_path,
)
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

OTHER_HOST = "127.0.0.2"


def upgrade(path: str, *headers: tuple[str, str]) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: ocpp2.0.1",
        *(f"{name}: {value}" for name, value in headers),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


async def status_of(port: int, request: bytes, source: str = "127.0.0.1") -> tuple[int, bytes]:
    """The HTTP status and head the endpoint answers ``request`` with."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    try:
        writer.write(request)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 15)
    finally:
        writer.close()
    return int(head.split(b" ", 2)[1]), head


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def profile_1(tmp_path: Path, store: Path, **limits: Any) -> ServeConfig:
    """Profile 1 on an ephemeral port, with ``limits`` over the defaults."""
    return ServeConfig(
        port=0,
        db=str(tmp_path / "m.sqlite"),
        security_profile=1,
        password_store=str(store),
        **limits,
    )


async def legitimate_station(url: str) -> tuple[float, Any]:
    """CS-1 with its password from the other loopback address: the seconds its handshake took,
    and the reply to a MeterValues frame."""
    started = time.monotonic()
    async with connect(
        f"{url}/ocpp/CS-1",
        subprotocols=SUBPROTOCOLS,
        additional_headers=basic("CS-1", PASSWORD),
        local_addr=(OTHER_HOST, 0),
    ) as ws:
        latency = time.monotonic() - started
        return latency, await meter_values(ws, "legit-1")


def bad_password(station: str = "CS-1") -> tuple[str, str]:
    return ("Authorization", basic(station, "wrong-password-0123")["Authorization"])


def refusals_by_reason(records: list[logging.LogRecord]) -> Counter[str]:
    """Refusals in the log, by reason: full lines and the per-address summaries together."""
    counts: Counter[str] = Counter()
    for record in records:
        message = record.getMessage()
        summary = re.match(
            r"refused (\d+) more handshakes from \S+ in the last \d+ s \((.*)\)$", message
        )
        if summary:
            for part in summary.group(2).split(", "):
                reason, _, count = part.rpartition(" ")
                counts[reason] += int(count)
        elif message.startswith("refused station"):
            counts[message.split(": ", 1)[1].rsplit(" (HTTP", 1)[0]] += 1
    return counts


# The counters themselves.


def test_admission_counts_and_gives_back_exactly() -> None:
    clock = [0.0]
    admission = Admission(
        AdmissionLimits(
            max_connections=3,
            max_handshakes=4,
            max_handshakes_per_address=2,
            checks_per_second_per_address=2,
        ),
        clock=lambda: clock[0],
    )
    tickets = [Ticket("a"), Ticket("a"), Ticket("a"), Ticket("b"), Ticket("c"), Ticket("d")]
    refusals = [admission.open_handshake(t) for t in tickets]
    assert [r.status if r else None for r in refusals] == [None, None, 429, None, None, 503]
    assert admission.handshakes == 4
    for ticket in tickets[:5]:
        admission.release(ticket)
    assert admission.handshakes == 0
    fresh = [Ticket(f"x{n}") for n in range(5)]
    opened = [admission.open_connection(t) is None for t in fresh]
    assert opened == [True, True, True, False, False] and admission.connections == 3
    admission.release(fresh[0])
    admission.release(fresh[0])  # twice: given back once
    assert admission.connections == 2

    async def checks() -> list[Any]:
        ticket = Ticket("a")
        results = [await admission.password_check(ticket, lambda: True) for _ in range(3)]
        clock[0] += 0.5  # one more token per half second at 2 per second
        results.append(await admission.password_check(ticket, lambda: True))
        ticket.gone = True
        clock[0] += 10
        results.append(await admission.password_check(ticket, lambda: True))
        return results

    results = asyncio.run(checks())
    assert results[:2] == [True, True] and results[2].status == 429 and results[3] is True
    assert results[4] is False and admission.checks_skipped == 1 and admission.checks == 0


def test_refusal_log_summarizes_an_address_past_its_share() -> None:
    clock = [0.0]
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    log = logging.getLogger("test_admission.refusals")
    log.addHandler(Collect())
    refusals = RefusalLog(log, interval=60, per_address=3, total=5, clock=lambda: clock[0])
    for n in range(50):
        refusals.refused(("10.0.0.1", n), "wrong password", "refused %d", n)
    for n in range(4):
        refusals.refused(("10.0.0.2", n), "no station", "refused b%d", n)
    assert lines == ["refused 0", "refused 1", "refused 2", "refused b0", "refused b1"]
    clock[0] = 61.0
    refusals.refused(("10.0.0.3", 0), "x", "refused c")  # a new interval: the summary first
    assert lines[5:] == [
        "refused 47 more handshakes from 10.0.0.1 in the last 61 s (wrong password 47)",
        "refused 2 more handshakes from 10.0.0.2 in the last 61 s (no station 2)",
        "refused c",
    ]


def test_excerpt_cuts_and_escapes_client_text() -> None:
    assert excerpt("CS-1") == "'CS-1'"
    assert excerpt("a\nb\tc\x1b[31m\u202e") == r"'a\nb\tc\x1b[31m\u202e'"
    long = excerpt("/" + "x" * 8191)
    assert long.startswith("'/xxx") and long.endswith("…(+8128 chars)") and len(long) < 100


# Limits, against a running endpoint.


def test_max_connections_holds_exactly_when_many_clients_race(
    tmp_path: Path,
    store_path: Path,  # noqa: F811
) -> None:
    """40 clients with the right password at once under a limit of 5: the password checks
    overlap, and still exactly 5 get in (counted at the check, before the password wait)."""
    config = profile_1(
        tmp_path,
        store_path,
        max_connections=5,
        max_password_checks_per_address=100,
        password_checks_per_second_per_address=1000,
        password_checks_per_second=1000,
        max_connections_per_station=100,
    )

    async def scenario() -> tuple[int, Counter[int], set[str]]:
        async with in_process(config) as url:
            attempts = [
                connect(
                    f"{url}/ocpp/CS-1",
                    subprotocols=SUBPROTOCOLS,
                    additional_headers=basic("CS-1", PASSWORD),
                )
                for _ in range(40)
            ]
            results = await asyncio.gather(*attempts, return_exceptions=True)
            opened = [r for r in results if not isinstance(r, BaseException)]
            refused = [r for r in results if isinstance(r, InvalidStatus)]
            statuses = Counter(r.response.status_code for r in refused)
            retry = {r.response.headers.get("Retry-After", "") for r in refused}
            for ws in opened:
                await ws.close()
            return len(opened), statuses, retry

    opened, statuses, retry = run(scenario())
    assert opened == 5
    assert statuses == {503: 35}
    assert retry == {"10"}


@pytest.mark.parametrize(
    ("limits", "status"),
    [({"max_handshakes_per_address": 5}, 429), ({"max_handshakes": 5}, 503)],
)
def test_handshakes_in_progress_are_limited(
    tmp_path: Path, limits: dict[str, int], status: int
) -> None:
    """Idle TCP connections hold handshake slots; past the limit a request gets 429 (per
    address) or 503 (in total) with Retry-After, and once they go the slots are free again."""
    config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"), retry_after=7, **limits)  # type: ignore[arg-type]

    async def scenario() -> tuple[int, bytes, int, int]:
        async with in_process(config) as url:
            port = port_of(url)
            idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(5)]
            await asyncio.sleep(0.2)
            code, head = await status_of(port, upgrade("/ocpp/CS-1"))
            elsewhere, _ = await status_of(port, upgrade("/ocpp/CS-2"), OTHER_HOST)
            for _, writer in idle:
                writer.close()
            deadline = time.monotonic() + 10
            while True:  # the slots free once the server has seen the closes
                again, _ = await status_of(port, upgrade("/ocpp/CS-3"))
                if again == 101 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
            return code, head, elsewhere, again

    code, head, elsewhere, again = run(scenario())
    assert code == status and b"Retry-After: 7\r\n" in head
    assert elsewhere == (101 if status == 429 else 503)
    assert again == 101


def test_tls_handshakes_in_progress_count_against_the_limit(
    tmp_path: Path,
    pki: Pki,  # noqa: F811
    store_path: Path,  # noqa: F811
) -> None:
    """15 failed TLS handshakes, then 40 TCP connections that never start TLS from one address:
    10 (the per-address limit)
    are kept waiting, the others closed at once, before any TLS work; a station from another
    address still connects."""
    config = ServeConfig(
        port=0,
        db=str(tmp_path / "m.sqlite"),
        security_profile=2,
        password_store=str(store_path),
        tls_cert=str(pki.server_cert),
        tls_key=str(pki.server_key),
        max_handshakes=50,
        max_handshakes_per_address=10,
    )

    async def scenario() -> tuple[int, Any]:
        async with in_process(config) as url:
            port = port_of(url)
            for _ in range(15):  # failed TLS handshakes give their slots back
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"GET /ocpp/CS-1 HTTP/1.1\r\n\r\n")
                with contextlib.suppress(ConnectionError):
                    await asyncio.wait_for(reader.read(), 10)
                writer.close()
            idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(40)]

            async def closed(reader: asyncio.StreamReader) -> bool:
                try:
                    return await asyncio.wait_for(reader.read(), 1.5) == b""
                except asyncio.TimeoutError:
                    return False
                except ConnectionError:
                    return True

            dropped = await asyncio.gather(*(closed(reader) for reader, _ in idle))
            async with connect(
                f"wss://127.0.0.1:{port}/ocpp/CS-1",
                subprotocols=SUBPROTOCOLS,
                additional_headers=basic("CS-1", PASSWORD),
                ssl=client_context(pki),
                local_addr=(OTHER_HOST, 0),
            ) as ws:
                reply = await meter_values(ws, "tls-1")
            for _, writer in idle:
                writer.close()
            return 40 - sum(dropped), reply

    kept, reply = run(scenario())
    assert kept == 10
    assert isinstance(reply, CallResult)


def test_a_password_flood_leaves_room_for_a_legitimate_station(
    tmp_path: Path,
    store_path: Path,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One address sends wrong passwords as fast as 32 connections allow for 3 s (at most 3000
    requests); with the default limits at most 25 checks a second of it are hashed, the rest
    get 429 unhashed, and a station from another address gets in within 2 s."""
    config = profile_1(tmp_path, store_path)

    async def scenario() -> tuple[Counter[int], float, Any, float]:
        async with in_process(config) as url:
            port = port_of(url)
            statuses: Counter[int] = Counter()
            stop = time.monotonic() + 3.0

            async def flood() -> None:
                while time.monotonic() < stop and sum(statuses.values()) < 3000:
                    code, _ = await status_of(port, upgrade("/ocpp/CS-1", bad_password()))
                    statuses[code] += 1

            flooding = asyncio.gather(*(flood() for _ in range(32)))
            await asyncio.sleep(1.0)
            latency, reply = await legitimate_station(url)
            await flooding
            return statuses, latency, reply, time.monotonic() - stop + 3.0

    with caplog.at_level(logging.WARNING):
        statuses, latency, reply, elapsed = run(scenario())
    assert isinstance(reply, CallResult)
    assert latency < 2.0, latency
    assert set(statuses) <= {401, 429} and statuses[429] > statuses[401]
    # At most a second's burst and 25 a second after it were hashed.
    assert statuses[401] <= 25 + 25 * elapsed + 5, (statuses, elapsed)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("ocpp_meter")]
    assert len([line for line in lines if "from ('127.0.0.1'" in line]) <= 10
    assert refusals_by_reason(caplog.records)["wrong password"] == statuses[401]


def test_a_check_is_skipped_when_its_client_has_gone(
    tmp_path: Path,
    store_path: Path,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """200 wrong-password requests sent and dropped after 0.1 s (the limits set high, so only
    the four workers hold them back): most are never hashed, and a station from another address
    gets in within 2 s."""
    config = profile_1(
        tmp_path,
        store_path,
        max_handshakes_per_address=1000,
        max_password_checks_per_address=1000,
        password_checks_per_second_per_address=10_000,
        password_checks_per_second=10_000,
    )
    request = upgrade("/ocpp/CS-1", bad_password())

    async def scenario() -> float:
        async with in_process(config) as url:
            port = port_of(url)
            writers = []
            for _ in range(200):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(request)
                writers.append(writer)
            await asyncio.sleep(0.1)  # the checks are queued: now the clients go
            for writer in writers:
                writer.close()
            latency, reply = await legitimate_station(url)
            assert isinstance(reply, CallResult)
            await asyncio.sleep(0.5)
            return latency

    with caplog.at_level(logging.WARNING):
        latency = run(scenario())
    reasons = refusals_by_reason(caplog.records)
    skipped = reasons["the client left before its password was checked"]
    assert skipped + reasons["wrong password"] + reasons["the client has gone"] == 200, reasons
    assert skipped >= 100 and reasons["wrong password"] <= 50, reasons
    assert latency < 2.0, latency


def test_only_an_authenticated_connection_replaces_a_stations_connection(
    tmp_path: Path,
    store_path: Path,  # noqa: F811
) -> None:
    config = profile_1(tmp_path, store_path)

    async def scenario() -> tuple[int, Any, int | None]:
        async with in_process(config) as url:
            auth = basic("CS-1", PASSWORD)
            async with connect(
                f"{url}/ocpp/CS-1", subprotocols=SUBPROTOCOLS, additional_headers=auth
            ) as first:
                code, _ = await status_of(port_of(url), upgrade("/ocpp/CS-1", bad_password()))
                still = await meter_values(first, "still-1")
                async with connect(
                    f"{url}/ocpp/CS-1", subprotocols=SUBPROTOCOLS, additional_headers=auth
                ):
                    await asyncio.wait_for(first.wait_closed(), 10)
                    return code, still, first.close_code

    code, still, close_code = run(scenario())
    assert code == 401 and isinstance(still, CallResult) and close_code == 1000


def test_a_station_may_hold_as_many_connections_as_its_limit(tmp_path: Path) -> None:
    config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"), max_connections_per_station=2)

    async def scenario() -> tuple[Any, Any, int | None]:
        async with in_process(config) as url:
            a = await connect(f"{url}/ocpp/CS-1", subprotocols=SUBPROTOCOLS)
            b = await connect(f"{url}/ocpp/CS-1", subprotocols=SUBPROTOCOLS)
            both = (await meter_values(a, "a-1"), await meter_values(b, "b-1"))
            c = await connect(f"{url}/ocpp/CS-1", subprotocols=SUBPROTOCOLS)
            await asyncio.wait_for(a.wait_closed(), 10)
            reply = await meter_values(b, "b-2")
            for ws in (b, c):
                await ws.close()
            return both, reply, a.close_code

    both, reply, closed = run(scenario())
    assert all(isinstance(r, CallResult) for r in both)
    assert isinstance(reply, CallResult) and closed == 1000


# Malformed requests and the log.


def test_malformed_headers_never_get_500(
    tmp_path: Path,
    store_path: Path,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = profile_1(tmp_path, store_path)
    good = basic("CS-1", PASSWORD)["Authorization"]
    requests = {
        "two Authorization": upgrade("/ocpp/CS-1", ("Authorization", good), bad_password()),
        "two identical Authorization": upgrade(
            "/ocpp/CS-1", ("Authorization", good), ("Authorization", good)
        ),
        "two keys": upgrade("/ocpp/CS-1", ("Authorization", good), ("Sec-WebSocket-Key", "eA==")),
        "two versions": upgrade(
            "/ocpp/CS-1", ("Authorization", good), ("Sec-WebSocket-Version", "8")
        ),
        "Basic without credentials": upgrade("/ocpp/CS-1", ("Authorization", "Basic")),
        "not base64": upgrade("/ocpp/CS-1", ("Authorization", "Basic %%%")),
        "not UTF-8": upgrade(
            "/ocpp/CS-1", ("Authorization", "Basic " + base64.b64encode(b"CS-1:\xff" * 8).decode())
        ),
        "latin-1 value": upgrade("/ocpp/CS-1", ("X-Note", "caf\udce9")),
        "colon in the station id": upgrade("/ocpp/a%3Ab", ("Authorization", good)),
        "no colon in a header": upgrade("/ocpp/CS-1")[:-2] + b"NoColonHere\r\n\r\n",
    }

    async def scenario() -> dict[str, int]:
        async with in_process(config) as url:
            port = port_of(url)
            codes = {}
            for name, request in requests.items():
                try:
                    codes[name], _ = await status_of(port, request)
                except asyncio.IncompleteReadError:
                    codes[name] = 0  # closed without a response
            return codes

    with caplog.at_level(logging.DEBUG):
        codes = run(scenario())
    assert codes["two Authorization"] == 400 and codes["two identical Authorization"] == 400
    assert codes["Basic without credentials"] == 401 and codes["not UTF-8"] == 401
    assert codes["colon in the station id"] == 404
    assert 500 not in codes.values(), codes
    assert all(code in (0, 400, 401, 404) for code in codes.values()), codes
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in caplog.records if r.name.startswith("ocpp_meter") and r.exc_info]


def test_client_text_in_the_log_is_short_and_escaped(
    tmp_path: Path,
    store_path: Path,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An 8 KB path, a username with a newline and terminal escapes, odd subprotocols: every
    line the endpoint logs stays short and on one line."""
    config = profile_1(tmp_path, store_path)
    forged = "CS-1\n2026-01-01 WARNING forged line \x1b[2J" + "u" * 4000
    username = ("Authorization", basic(forged, "x" * 20)["Authorization"])

    async def scenario() -> list[int]:
        async with in_process(config) as url:
            port = port_of(url)
            return [
                (await status_of(port, upgrade("/" + "p" * 8000 + "/")))[0],
                (await status_of(port, upgrade("/ocpp/CS-1", username)))[0],
                (
                    await status_of(
                        port,
                        upgrade(
                            "/ocpp/CS-1",
                            ("Authorization", basic("CS-1", PASSWORD)["Authorization"]),
                        ).replace(b"ocpp2.0.1", b"ocpp1.5, " + b"y" * 3000),
                    )
                )[0],
            ]

    with caplog.at_level(logging.INFO):
        codes = run(scenario())
    assert codes == [404, 403, 400]
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("ocpp_meter")]
    refusals = [line for line in ours if line.startswith("refused")]
    assert len(refusals) == 3, ours
    for line in ours:
        assert len(line) < 400 and "\n" not in line and "\x1b" not in line, line
    assert any("\\n2026-01-01 WARNING forged" in line and "\\x1b" in line for line in refusals)


def test_repeated_refusals_from_one_address_are_summed_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = ServeConfig(port=0, db=str(tmp_path / "m.sqlite"))

    async def scenario() -> None:
        async with in_process(config) as url:
            port = port_of(url)
            for _ in range(60):
                assert (await status_of(port, upgrade("/")))[0] == 404
            assert (await status_of(port, upgrade("/"), OTHER_HOST))[0] == 404

    with caplog.at_level(logging.WARNING):
        run(scenario())
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("ocpp_meter")]
    assert (
        len([line for line in lines if line.startswith("refused connection from ('127.0.0.1'")])
        == 10
    )
    assert (
        len([line for line in lines if line.startswith(f"refused connection from ('{OTHER_HOST}'")])
        == 1
    )
    summaries = [
        line for line in lines if line.startswith("refused 50 more handshakes from 127.0.0.1")
    ]
    assert len(summaries) == 1 and summaries[0].endswith("(no valid station id 50)"), lines


def test_frame_text_in_the_log_is_short_and_escaped(caplog: pytest.LogCaptureFixture) -> None:
    """A rejected frame's message id, pointer and description come from the station: logged
    cut and escaped like the handshake's text."""
    dispatcher = Dispatcher()
    name = "\u001b[2J" + "k" * 8000
    frame = json.dumps(["2", "a\nb", "MeterValues", {"evseId": 1, name: 1, "meterValue": []}])
    frame = frame.replace('"2"', "2", 1)
    with caplog.at_level(logging.WARNING):
        reply = dispatcher.dispatch("CS-1", frame)
    assert reply is not None
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("ocpp_meter")]
    assert len(lines) == 1 and "rejected frame, message id 'a\\nb'" in lines[0], lines
    assert "\n" not in lines[0] and "\x1b" not in lines[0], lines
    # The pointer shows 64 characters, the description 160 (the core gives 128 of the name in
    # each, so neither shows it whole).
    assert max(len(run) for run in re.findall("k+", lines[0])) < 100 and len(lines[0]) < 350
