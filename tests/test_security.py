"""Who may connect to `ocpp-meter serve`: the OCPP 2.0.1 security profiles, on loopback.

Profile 1 (Basic authentication over ws://), profile 2 (TLS and Basic authentication) and
profile 3 (mutual TLS, the station id from the client certificate's CN), with certificates
generated here; the password store and `ocpp-meter passwd`. Every server runs in process on an
ephemeral loopback port and every scenario is bounded in time.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import json
import logging
import os
import re
import socket
import sqlite3
import ssl
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ocpp_meter import CallResult, decode_message, encode_call
from ocpp_meter.loadgen import typical_request
from ocpp_meter.security import (
    PasswordRecord,
    PasswordStore,
    RedactAuthorization,
    certificate_common_name,
    check_password,
    check_station_id,
    generate_password,
    parse_basic_authorization,
)
from ocpp_meter.server import ServeConfig, serve, station_id_from_path
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus

T = TypeVar("T")
SUBPROTOCOLS: Any = ["ocpp2.0.1"]
LIMIT = 30.0
PASSWORD = "correct-horse-battery-9"  # 23 characters
OTHER_PASSWORD = "another-password-of-cs2"


def run(scenario: Coroutine[Any, Any, T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(scenario, LIMIT)

    return asyncio.run(bounded())


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def count_rows(db: Path, station: str) -> int:
    with sqlite3.connect(db) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM sampled_values WHERE station_id = ?", (station,)
        ).fetchone()
    return int(count)


async def meter_values(ws: ClientConnection, message_id: str) -> Any:
    await ws.send(encode_call(message_id, typical_request()), text=True)
    return decode_message(await asyncio.wait_for(ws.recv(), 10))


# Certificates, generated once per module.


@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path  # CN=CS-TLS, issued by the CA
    client_key: Path
    rogue_cert: Path  # CN=CS-TLS, issued by another CA
    rogue_key: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    ip: str | None = None,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    else:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    if ip is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Path:
    path.with_suffix(".key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    base = tmp_path_factory.mktemp("pki")
    ca_key, rogue_ca_key = _key(), _key()
    ca = _cert("ocpp-meter test CA", ca_key, None, ca_key, ca=True)
    rogue_ca = _cert("ocpp-meter test CA", rogue_ca_key, None, rogue_ca_key, ca=True)
    server_key, client_key, rogue_key = _key(), _key(), _key()
    _write(base / "ca.pem", ca, ca_key)
    _write(
        base / "server.pem",
        _cert("127.0.0.1", server_key, ca.subject, ca_key, ip="127.0.0.1"),
        server_key,
    )
    _write(base / "client.pem", _cert("CS-TLS", client_key, ca.subject, ca_key), client_key)
    _write(
        base / "rogue.pem",
        _cert("CS-TLS", rogue_key, rogue_ca.subject, rogue_ca_key),
        rogue_key,
    )
    return Pki(
        ca=base / "ca.pem",
        server_cert=base / "server.pem",
        server_key=base / "server.key",
        client_cert=base / "client.pem",
        client_key=base / "client.key",
        rogue_cert=base / "rogue.pem",
        rogue_key=base / "rogue.key",
    )


def client_context(pki: Pki, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca))
    if cert is not None:
        context.load_cert_chain(cert, key)
    return context


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "passwords.jsonl"
    store = PasswordStore()
    store.set_password("CS-1", PASSWORD)
    store.set_password("CS-2", OTHER_PASSWORD)
    store.save(path)
    return path


@asynccontextmanager
async def running(config: ServeConfig) -> AsyncIterator[int]:
    """The endpoint in this event loop on an ephemeral port; yields the port."""
    stop = asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(serve(config, stop=stop, on_ready=ready.set_result))
    done, _ = await asyncio.wait([task, ready], timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises the failure to start
    port = await asyncio.wait_for(ready, 10)
    try:
        yield port
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


async def refused_status(url: str, **kwargs: Any) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, subprotocols=SUBPROTOCOLS, open_timeout=10, **kwargs):
            pass
    return refused.value.response.status_code


# The password store.


def test_password_store_keeps_only_salted_hashes(tmp_path: Path) -> None:
    path = tmp_path / "store.jsonl"
    store = PasswordStore()
    store.set_password("CS-A", PASSWORD)
    store.set_password("CS-B", PASSWORD)  # same password, other salt, other hash
    store.save(path)
    text = path.read_text()
    assert PASSWORD not in text and PASSWORD.encode().hex() not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["station"] for r in records] == ["CS-A", "CS-B"]
    assert records[0]["salt"] != records[1]["salt"]
    assert records[0]["hash"] != records[1]["hash"]
    assert records[0]["params"]["alg"] == "scrypt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = PasswordStore.load(path)
    assert loaded.stations() == ["CS-A", "CS-B"]
    assert loaded.verify("CS-A", PASSWORD) and loaded.verify("CS-B", PASSWORD)
    assert not loaded.verify("CS-A", PASSWORD + "x")
    assert not loaded.verify("CS-A", PASSWORD[:-1] + "X")
    assert not loaded.verify("CS-C", PASSWORD)  # unknown station
    assert not loaded.verify("CS-A", "")
    assert loaded.remove("CS-A") and not loaded.remove("CS-A") and "CS-A" not in loaded


def test_password_records_reject_bad_lines_and_passwords(tmp_path: Path) -> None:
    for line in ("{}", "[]", "not json", '{"station":"x","salt":"zz","hash":"","params":{}}'):
        with pytest.raises(ValueError):
            PasswordRecord.from_json(line)
    path = tmp_path / "bad.jsonl"
    path.write_text("garbage\n")
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        PasswordStore.load(path)
    with pytest.raises(FileNotFoundError):
        PasswordStore.load(tmp_path / "missing")
    assert len(PasswordStore.load(tmp_path / "missing", missing_ok=True)) == 0
    for password in ("x" * 15, "x" * 41, "sixteen-chars\nok"):
        with pytest.raises(ValueError):
            check_password(password)
    check_password("x" * 16)
    check_password("x" * 40)
    generated = generate_password()
    assert len(generated) == 32 and generated.isalnum() and generated != generate_password()


def test_basic_authorization_parsing() -> None:
    assert parse_basic_authorization(basic("CS-1", "a:b")["Authorization"]) == ("CS-1", "a:b")
    assert parse_basic_authorization("basic " + base64.b64encode(b"u:").decode()) == ("u", "")
    for header in (None, "", "Basic", "Bearer abc", "Basic !!!", "Basic " + "dXNlcg=="):
        assert parse_basic_authorization(header) is None  # the last one has no colon
    assert parse_basic_authorization("Basic " + base64.b64encode(b"\xff:x").decode()) is None


def test_certificate_common_name() -> None:
    subject = ((("countryName", "DE"),), (("commonName", "CS-9"),))
    assert certificate_common_name({"subject": subject}) == "CS-9"
    assert certificate_common_name({"subject": ((("organizationName", "x"),),)}) is None
    two = ((("commonName", "a"),), (("commonName", "b"),))
    assert certificate_common_name({"subject": two}) is None
    assert certificate_common_name(None) is None and certificate_common_name({}) is None


def test_passwd_command_reads_stdin_generates_and_deletes(tmp_path: Path) -> None:
    store = tmp_path / "p.jsonl"
    cli = [sys.executable, "-m", "ocpp_meter.cli", "passwd", "--store", str(store)]

    def passwd(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, *args], input=stdin, capture_output=True, text=True, timeout=30, check=False
        )

    set_one = passwd("CS-1", stdin=PASSWORD + "\n")
    assert set_one.returncode == 0, set_one.stderr
    assert PASSWORD not in set_one.stdout + set_one.stderr
    generated = passwd("CS-2", "--generate")
    assert generated.returncode == 0, generated.stderr
    new_password = generated.stdout.strip()
    loaded = PasswordStore.load(store)
    assert loaded.verify("CS-1", PASSWORD) and loaded.verify("CS-2", new_password)
    assert PASSWORD not in store.read_text() and new_password not in store.read_text()
    short = passwd("CS-3", stdin="short\n")
    assert short.returncode == 2 and "16 to 40" in short.stderr
    assert passwd("CS-1", "--delete").returncode == 0
    assert PasswordStore.load(store).stations() == ["CS-2"]
    assert passwd("CS-1", "--delete").returncode == 1


def test_passwd_refuses_station_ids_the_endpoint_never_accepts(tmp_path: Path) -> None:
    """``a:b`` (a colon ends a Basic username), 49 or 60 characters, a tab, a newline: refused
    by ``passwd`` with the rule the endpoint's URL check applies, the store left untouched."""
    store = tmp_path / "p.jsonl"
    cli = [sys.executable, "-m", "ocpp_meter.cli", "passwd", "--store", str(store)]
    bad = {
        "a:b": "':'",
        "x" * 49: "1 to 48",
        "y" * 60: "1 to 48",
        "a\tb": "control",
        "a\nb": "control",
    }
    for station, message in bad.items():
        result = passwd(cli, station)
        assert result.returncode == 2 and message in result.stderr, (station, result.stderr)
        assert station_id_from_path("/ocpp/" + quote(station), basic_auth=True) is None
        with pytest.raises(ValueError, match=re.escape(message)):
            check_station_id(station, basic_auth=True)
    assert not store.exists()
    # The longest id the endpoint takes, and a colon where Basic authentication is not used.
    assert passwd(cli, "z" * 48).returncode == 0
    assert station_id_from_path("/ocpp/a%3Ab") == "a:b"
    assert station_id_from_path("/ocpp/" + "z" * 48, basic_auth=True) == "z" * 48


def passwd(cli: list[str], station: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cli, station],
        check=False,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_serve_refuses_options_that_do_not_fit_the_profile(tmp_path: Path) -> None:
    bad = [
        ServeConfig(security_profile=1),
        ServeConfig(security_profile=2, password_store="p"),
        ServeConfig(security_profile=3, tls_cert="c", tls_key="k"),
        ServeConfig(security_profile=1, password_store="p", tls_cert="c", tls_key="k"),
        ServeConfig(security_profile=0, password_store="p"),
        ServeConfig(security_profile=4),
    ]
    for config in bad:
        with pytest.raises(ValueError):
            config.check()
    ServeConfig(security_profile=3, tls_cert="c", tls_key="k", client_ca="a").check()
    result = subprocess.run(
        [sys.executable, "-m", "ocpp_meter.cli", "serve", "--security-profile", "1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "password-store" in result.stderr
    assert not (tmp_path / "meter.sqlite").exists()


# Profile 1: HTTP Basic authentication over ws://.


def test_profile_1_accepts_the_right_password_and_refuses_the_rest(
    tmp_path: Path, store_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "m.sqlite"
    config = ServeConfig(port=0, db=str(db), security_profile=1, password_store=str(store_path))

    async def scenario() -> dict[str, int]:
        async with running(config) as port:
            url = f"ws://127.0.0.1:{port}/ocpp"
            async with connect(
                f"{url}/CS-1", subprotocols=SUBPROTOCOLS, additional_headers=basic("CS-1", PASSWORD)
            ) as ws:
                assert isinstance(await meter_values(ws, "ok-1"), CallResult)
            return {
                "missing": await refused_status(f"{url}/CS-1"),
                "wrong": await refused_status(
                    f"{url}/CS-1", additional_headers=basic("CS-1", OTHER_PASSWORD)
                ),
                "mismatch": await refused_status(
                    f"{url}/CS-1", additional_headers=basic("CS-2", OTHER_PASSWORD)
                ),
                "unknown": await refused_status(
                    f"{url}/CS-9", additional_headers=basic("CS-9", PASSWORD)
                ),
                "not-basic": await refused_status(
                    f"{url}/CS-1", additional_headers={"Authorization": "Bearer " + PASSWORD}
                ),
                "too-long": await refused_status(
                    f"{url}/CS-1", additional_headers=basic("CS-1", PASSWORD * 100)
                ),
            }

    # DEBUG everywhere, the websockets library's request logging included.
    with caplog.at_level(logging.DEBUG):
        statuses = run(scenario())
    assert statuses == {
        "missing": 401,
        "wrong": 401,
        "mismatch": 403,
        "unknown": 401,
        "not-basic": 401,
        "too-long": 401,
    }
    assert count_rows(db, "CS-1") == 12
    assert count_rows(db, "CS-9") == 0
    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]
    assert len(refusals) == 6, refusals
    assert all("from ('127.0.0.1'," in line for line in refusals)
    assert sum("'CS-1'" in line and "wrong password" in line for line in refusals) == 2
    assert sum("'CS-9'" in line and "unknown station" in line for line in refusals) == 1
    assert sum("username 'CS-2'" in line and "HTTP 403" in line for line in refusals) == 1
    # Everything the server side logged (the test's own client logs its headers, of course).
    everything = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith("websockets.client")
    )
    assert "< GET /ocpp/CS-1" in everything  # the websockets debug log was on
    for secret in (PASSWORD, OTHER_PASSWORD, basic("CS-1", PASSWORD)["Authorization"]):
        assert secret not in everything
    assert "[redacted]" in everything


def test_profile_1_refuses_before_reading_a_frame_sent_with_the_handshake(
    tmp_path: Path, store_path: Path
) -> None:
    """A client that pipelines a MeterValues frame behind a bad handshake gets 401 and the
    connection closed; the frame is never handled."""
    db = tmp_path / "m.sqlite"
    config = ServeConfig(port=0, db=str(db), security_profile=1, password_store=str(store_path))
    frame = encode_call("pipelined", typical_request())
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(frame))
    assert len(frame) >= 126 and len(frame) < 1 << 16
    ws_frame = bytes([0x81, 0x80 | 126]) + len(frame).to_bytes(2, "big") + mask + masked

    def request(authorization: str) -> bytes:
        return (
            "GET /ocpp/CS-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n"
            f"Authorization: {authorization}\r\n\r\n"
        ).encode()

    async def exchange(port: int, authorization: str) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request(authorization) + ws_frame)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)  # until the server closes
        writer.close()
        return data

    async def scenario() -> tuple[bytes, bytes]:
        async with running(config) as port:
            refused = await exchange(port, basic("CS-1", OTHER_PASSWORD)["Authorization"])
            accepted_reader, accepted_writer = await asyncio.open_connection("127.0.0.1", port)
            accepted_writer.write(request(basic("CS-1", PASSWORD)["Authorization"]) + ws_frame)
            accepted = b""
            while b"pipelined" not in accepted:
                chunk = await asyncio.wait_for(accepted_reader.read(4096), 10)
                assert chunk
                accepted += chunk
            accepted_writer.close()
            return refused, accepted

    refused, accepted = run(scenario())
    assert refused.startswith(b"HTTP/1.1 401 ")
    assert b'WWW-Authenticate: Basic realm="ocpp-meter"' in refused
    assert accepted.startswith(b"HTTP/1.1 101 ")  # the same bytes with the right password
    with sqlite3.connect(db) as connection:
        found = connection.execute("SELECT DISTINCT message_id FROM sampled_values").fetchall()
    assert found == [("pipelined",)]
    assert count_rows(db, "CS-1") == 12  # stored once: from the accepted connection only


def test_a_changed_password_takes_effect_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    store = PasswordStore()
    store.set_password("CS-1", PASSWORD)
    store.save(path)
    config = ServeConfig(
        port=0, db=str(tmp_path / "m.sqlite"), security_profile=1, password_store=str(path)
    )

    async def scenario() -> tuple[int, int]:
        async with running(config) as port:
            url = f"ws://127.0.0.1:{port}/ocpp/CS-1"
            async with connect(
                url, subprotocols=SUBPROTOCOLS, additional_headers=basic("CS-1", PASSWORD)
            ):
                pass
            store.set_password("CS-1", OTHER_PASSWORD)
            store.save(path)
            old = await refused_status(url, additional_headers=basic("CS-1", PASSWORD))
            async with connect(
                url, subprotocols=SUBPROTOCOLS, additional_headers=basic("CS-1", OTHER_PASSWORD)
            ):
                pass
            store.remove("CS-1")
            store.save(path)
            removed = await refused_status(url, additional_headers=basic("CS-1", OTHER_PASSWORD))
            return old, removed

    assert run(scenario()) == (401, 401)


# Profile 2: TLS and Basic authentication.


def test_profile_2_is_tls_with_basic_authentication(
    tmp_path: Path, store_path: Path, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "m.sqlite"
    config = ServeConfig(
        port=0,
        db=str(db),
        security_profile=2,
        password_store=str(store_path),
        tls_cert=str(pki.server_cert),
        tls_key=str(pki.server_key),
    )
    tls = client_context(pki)

    async def scenario() -> tuple[str, int, int]:
        async with running(config) as port:
            url = f"wss://127.0.0.1:{port}/ocpp"
            async with connect(
                f"{url}/CS-2",
                ssl=tls,
                subprotocols=SUBPROTOCOLS,
                additional_headers=basic("CS-2", OTHER_PASSWORD),
            ) as ws:
                assert isinstance(await meter_values(ws, "tls-1"), CallResult)
                tls_object = ws.transport.get_extra_info("ssl_object")
                version = tls_object.version()
            wrong = await refused_status(
                f"{url}/CS-2", ssl=tls, additional_headers=basic("CS-2", PASSWORD)
            )
            missing = await refused_status(f"{url}/CS-2", ssl=tls)
            # Plain WebSocket to the TLS port gets no WebSocket handshake at all.
            with pytest.raises((InvalidHandshake, OSError, EOFError)):
                async with connect(
                    f"ws://127.0.0.1:{port}/ocpp/CS-2",
                    subprotocols=SUBPROTOCOLS,
                    additional_headers=basic("CS-2", OTHER_PASSWORD),
                    open_timeout=10,
                ):
                    pass
            return version, wrong, missing

    with caplog.at_level(logging.INFO):
        version, wrong, missing = run(scenario())
    assert version in ("TLSv1.2", "TLSv1.3")
    assert (wrong, missing) == (401, 401)
    assert count_rows(db, "CS-2") == 12
    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]
    assert any("wrong password" in line for line in refusals)
    # The plain WebSocket attempt is refused by TLS, and logged as such.
    assert sum(line.startswith("refused TLS connection from") for line in refusals) == 1
    assert all(PASSWORD not in line and OTHER_PASSWORD not in line for line in refusals)


# Profile 3: TLS with client certificates.


def test_profile_3_takes_the_station_id_from_the_client_certificate(
    tmp_path: Path, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "m.sqlite"
    config = ServeConfig(
        port=0,
        db=str(db),
        security_profile=3,
        tls_cert=str(pki.server_cert),
        tls_key=str(pki.server_key),
        client_ca=str(pki.ca),
    )
    good = client_context(pki, pki.client_cert, pki.client_key)
    rogue = client_context(pki, pki.rogue_cert, pki.rogue_key)
    anonymous = client_context(pki)

    async def refused_by_tls(url: str, context: ssl.SSLContext) -> BaseException:
        with pytest.raises((InvalidHandshake, OSError, EOFError)) as refused:
            async with connect(url, ssl=context, subprotocols=SUBPROTOCOLS, open_timeout=10) as ws:
                await meter_values(ws, "never")  # TLS 1.3 may fail only at the first read
        return refused.value

    async def scenario() -> tuple[int, BaseException, BaseException]:
        async with running(config) as port:
            url = f"wss://127.0.0.1:{port}/ocpp"
            async with connect(f"{url}/CS-TLS", ssl=good, subprotocols=SUBPROTOCOLS) as ws:
                assert isinstance(await meter_values(ws, "mtls-1"), CallResult)
            mismatch = await refused_status(f"{url}/CS-OTHER", ssl=good)
            missing = await refused_by_tls(f"{url}/CS-TLS", anonymous)
            untrusted = await refused_by_tls(f"{url}/CS-TLS", rogue)
            return mismatch, missing, untrusted

    with caplog.at_level(logging.INFO):
        mismatch, missing, untrusted = run(scenario())
    assert mismatch == 403
    assert count_rows(db, "CS-TLS") == 12
    assert count_rows(db, "CS-OTHER") == 0
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM sampled_values").fetchone() == (12,)
    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]
    assert any(
        "'CS-OTHER'" in line and "certificate is for 'CS-TLS'" in line for line in refusals
    ), refusals
    # Both refused at the TLS layer, before any HTTP: no handshake was ever handled for them.
    assert not isinstance(missing, InvalidStatus) and not isinstance(untrusted, InvalidStatus)
    tls_refusals = [line for line in refusals if line.startswith("refused TLS connection")]
    assert len(tls_refusals) == 2, refusals
    assert all("from ('127.0.0.1'," in line for line in tls_refusals)
    assert all("CERTIFICATE" in line.upper() for line in tls_refusals), tls_refusals
    connected = [r.getMessage() for r in caplog.records if "connected from" in r.getMessage()]
    assert len(connected) == 1 and "'CS-TLS'" in connected[0]


def test_redaction_filter_blanks_only_authorization_headers() -> None:
    redact = RedactAuthorization()
    record = logging.LogRecord(
        "websockets.server", 10, "", 0, "< %s: %s", ("Authorization", "Basic x"), None
    )
    assert redact.filter(record) and record.getMessage() == "< Authorization: [redacted]"
    other = logging.LogRecord("websockets.server", 10, "", 0, "< %s: %s", ("Host", "h"), None)
    assert redact.filter(other) and other.getMessage() == "< Host: h"


def test_the_serve_command_wires_the_security_options(
    tmp_path: Path, store_path: Path, pki: Pki
) -> None:
    """`ocpp-meter serve --security-profile 2 ...` end to end, as an operator runs it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db, log = tmp_path / "m.sqlite", tmp_path / "serve.log"
    command = [sys.executable, "-m", "ocpp_meter.cli", "serve", "--port", str(port)]
    options = ["--security-profile", "2", "--password-store", str(store_path)]
    options += ["--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)]
    with open(log, "wb") as err:
        process = subprocess.Popen(
            [*command, "--db", str(db), *options], stdout=subprocess.DEVNULL, stderr=err
        )

    async def scenario() -> tuple[Any, int]:
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            assert process.poll() is None, log.read_text()
            try:
                async with connect(
                    f"wss://127.0.0.1:{port}/ocpp/CS-1",
                    ssl=client_context(pki),
                    subprotocols=SUBPROTOCOLS,
                    additional_headers=basic("CS-1", PASSWORD),
                ) as ws:
                    reply = await meter_values(ws, "cli-1")
                break
            except OSError:  # not listening yet
                assert asyncio.get_running_loop().time() < deadline, log.read_text()
                await asyncio.sleep(0.05)
        wrong = await refused_status(
            f"wss://127.0.0.1:{port}/ocpp/CS-1",
            ssl=client_context(pki),
            additional_headers=basic("CS-1", OTHER_PASSWORD),
        )
        return reply, wrong

    try:
        reply, wrong = run(scenario())
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert isinstance(reply, CallResult) and wrong == 401
    assert count_rows(db, "CS-1") == 12
    text = log.read_text()
    assert f"listening on wss://127.0.0.1:{port} (security profile 2" in text
    assert "refused station 'CS-1'" in text and "wrong password" in text
    assert PASSWORD not in text and OTHER_PASSWORD not in text
