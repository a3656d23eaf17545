"""Who may connect to the reference endpoint: the OCPP 2.0.1 security profiles.

OCPP 2.0.1 (part 2, section A00) defines three security profiles a CSMS offers:

======== ================================== =========================================
profile  transport                          the station proves who it is by
======== ================================== =========================================
1        plain WebSocket (``ws://``)        HTTP Basic authentication
2        TLS, server certificate (``wss``)  HTTP Basic authentication
3        TLS, server and client certificate its certificate (mutual TLS)
======== ================================== =========================================

``ocpp-meter serve`` adds profile 0: no authentication and no TLS, for loopback tests only.

With Basic authentication the username is the charging station id and must equal the id in the
URL; the password is checked against a :class:`PasswordStore`, which keeps only a salted scrypt
hash per station. With a client certificate the station id is the certificate subject's common
name (CN), which must equal the id in the URL. Every check runs during the WebSocket handshake
(:meth:`Authenticator.authorize`, called from the server's ``process_request``), so a refused
client never gets a frame read; a missing or untrusted client certificate is refused earlier
still, by the TLS handshake. Refusals are logged with the station id, the peer address and the
reason, never with the password or the ``Authorization`` header.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
import ssl
import string
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Union

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import MultipleValuesError
from websockets.http11 import Request, Response

from .admission import Admission, AdmittedConnection, Refusal, Ticket
from .logsafe import RefusalLog, excerpt, peer_host

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MAX_STATION_ID_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "SECURITY_PROFILES",
    "Authenticator",
    "PasswordRecord",
    "PasswordStore",
    "RedactAuthorization",
    "certificate_common_name",
    "check_password",
    "check_station_id",
    "generate_password",
    "parse_basic_authorization",
    "server_ssl_context",
]

logger = logging.getLogger(__name__)

SECURITY_PROFILES = (0, 1, 2, 3)
MIN_PASSWORD_LENGTH = 16
"""OCPP 2.0.1: the Basic authentication password has 16 to 40 characters."""
MAX_PASSWORD_LENGTH = 40

SCRYPT_PARAMS: Mapping[str, int] = {"n": 1 << 14, "r": 8, "p": 1, "dklen": 32}
"""scrypt cost of new hashes: 16 MiB of memory and some tens of milliseconds per check."""
SALT_BYTES = 16
MAX_STATION_ID_LENGTH = 48
"""OCPP-J: the charging station id in the URL has at most 48 characters."""

_PathLike = Union[str, "os.PathLike[str]"]


def check_password(password: str) -> None:
    """Raise ``ValueError`` unless ``password`` is an OCPP 2.0.1 Basic authentication password:
    16 to 40 characters, none of them a control character."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValueError(
            f"the password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters "
            f"(it has {len(password)})"
        )
    if not password.isprintable():
        raise ValueError("the password must not contain control characters")


def check_station_id(station_id: str, *, basic_auth: bool = False) -> None:
    """Raise ``ValueError`` unless the endpoint accepts ``station_id``: 1 to 48 printable
    characters (no control character, no tab) and, for Basic authentication (``basic_auth``),
    no colon, which RFC 7617 reserves to end the username. The endpoint's URL check and
    ``ocpp-meter passwd`` both use this."""
    if not 1 <= len(station_id) <= MAX_STATION_ID_LENGTH:
        raise ValueError(
            f"the station id must have 1 to {MAX_STATION_ID_LENGTH} characters "
            f"(it has {len(station_id)})"
        )
    if not station_id.isprintable():
        raise ValueError("the station id must not contain control characters or tabs")
    if basic_auth and ":" in station_id:
        raise ValueError("the station id of Basic authentication must not contain ':'")


def generate_password(length: int = 32) -> str:
    """A random password of letters and digits (``length`` between 16 and 40)."""
    alphabet = string.ascii_letters + string.digits
    password = "".join(secrets.choice(alphabet) for _ in range(length))
    check_password(password)
    return password


@dataclass(frozen=True)
class PasswordRecord:
    """One station's entry: its id, the salt and the scrypt hash of its password."""

    station: str
    salt: bytes
    hash: bytes
    params: Mapping[str, int]

    @classmethod
    def create(cls, station: str, password: str) -> PasswordRecord:
        """A record for ``password`` (checked with :func:`check_password`), fresh random salt."""
        check_password(password)
        salt = secrets.token_bytes(SALT_BYTES)
        params = dict(SCRYPT_PARAMS)
        return cls(station, salt, _scrypt(password, salt, params), params)

    def matches(self, password: str) -> bool:
        """Whether ``password`` is this station's password (constant-time comparison)."""
        candidate = _scrypt(password, self.salt, self.params)
        return hmac.compare_digest(candidate, self.hash)

    def to_json(self) -> str:
        """The record as one JSON line (no newline): station, hex salt, hex hash, params."""
        return json.dumps(
            {
                "station": self.station,
                "salt": self.salt.hex(),
                "hash": self.hash.hex(),
                "params": {"alg": "scrypt", **self.params},
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, line: str) -> PasswordRecord:
        """Read a line written by :meth:`to_json`; ``ValueError`` if it is not one."""
        try:
            data = json.loads(line)
            params = dict(data["params"])
            if params.pop("alg") != "scrypt":
                raise ValueError("unknown hash algorithm")
            record = cls(
                str(data["station"]),
                bytes.fromhex(data["salt"]),
                bytes.fromhex(data["hash"]),
                {key: int(params[key]) for key in ("n", "r", "p", "dklen")},
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
            raise ValueError(f"not a password record: {error}") from None
        if len(record.hash) != record.params["dklen"] or not record.salt:
            raise ValueError("not a password record: bad salt or hash length")
        return record


def _scrypt(password: str, salt: bytes, params: Mapping[str, int]) -> bytes:
    n, r, p = params["n"], params["r"], params["p"]
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=params["dklen"],
        maxmem=256 * r * n + (1 << 20),
    )


# Checked against when the station is unknown, so that an unknown id costs as much as a known one.
_DUMMY = PasswordRecord("", b"\0" * SALT_BYTES, b"\0" * 32, SCRYPT_PARAMS)


class PasswordStore:
    """The per-station passwords, as salted scrypt hashes, kept in a JSON-lines file.

    Each line is ``{"station": ..., "salt": hex, "hash": hex, "params": {"alg": "scrypt",
    "n": ..., "r": ..., "p": ..., "dklen": ...}}``. The file is rewritten whole (to a temporary
    file, then renamed) with mode 0600. No password is ever stored or logged.
    """

    def __init__(self, records: Mapping[str, PasswordRecord] | None = None) -> None:
        self._records: dict[str, PasswordRecord] = dict(records or {})

    @classmethod
    def load(cls, path: _PathLike, *, missing_ok: bool = False) -> PasswordStore:
        """Read a store file (``missing_ok``: a missing file is an empty store)."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            if missing_ok:
                return cls()
            raise
        records: dict[str, PasswordRecord] = {}
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = PasswordRecord.from_json(line)
            except ValueError as error:
                raise ValueError(f"{path}:{number}: {error}") from None
            records[record.station] = record
        return cls(records)

    def save(self, path: _PathLike) -> None:
        """Write the store to ``path`` atomically, readable by its owner only."""
        target = Path(path)
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                for station in sorted(self._records):
                    handle.write(self._records[station].to_json() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise

    def set_password(self, station: str, password: str) -> None:
        """Set (or replace) ``station``'s password; ``ValueError`` if the password is unfit."""
        check_station_id(station, basic_auth=True)
        self._records[station] = PasswordRecord.create(station, password)

    def remove(self, station: str) -> bool:
        """Forget ``station``; whether it was there."""
        return self._records.pop(station, None) is not None

    def verify(self, station: str, password: str) -> bool:
        """Whether ``password`` is ``station``'s; an unknown station costs one hash too."""
        record = self._records.get(station)
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            return False  # no stored password can match; do not hash arbitrary input
        if record is None:
            _DUMMY.matches(password)
            return False
        return record.matches(password)

    def __contains__(self, station: object) -> bool:
        return station in self._records

    def __len__(self) -> int:
        return len(self._records)

    def stations(self) -> list[str]:
        """The station ids that have a password, sorted."""
        return sorted(self._records)


def parse_basic_authorization(header: str | None) -> tuple[str, str] | None:
    """``(username, password)`` from an ``Authorization: Basic ...`` value, ``None`` if absent
    or malformed (RFC 7617: base64 of ``username:password``, UTF-8)."""
    if header is None:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "basic" or not credentials:
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    if not colon:
        return None
    return username, password


def certificate_common_name(peercert: Mapping[str, Any] | None) -> str | None:
    """The subject common name of a certificate as :meth:`ssl.SSLSocket.getpeercert` gives it;
    ``None`` if there is none, or more than one."""
    if not peercert:
        return None
    names = [
        value for rdn in peercert.get("subject", ()) for key, value in rdn if key == "commonName"
    ]
    return names[0] if len(names) == 1 else None


def server_ssl_context(
    certfile: _PathLike, keyfile: _PathLike, client_ca: _PathLike | None = None
) -> ssl.SSLContext:
    """The server's TLS context: TLS 1.2 or later, the given certificate chain and key, and with
    ``client_ca`` a required client certificate issued by one of those CAs (profile 3)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=os.fspath(client_ca))
    return context


class RedactAuthorization(logging.Filter):
    """Blanks the ``Authorization`` header in the websockets library's debug log of requests."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite a header line whose name is ``Authorization``; keep every record."""
        args = record.args
        if (
            isinstance(args, tuple)
            and len(args) == 2
            and isinstance(args[0], str)
            and args[0].lower() in ("authorization", "proxy-authorization")
        ):
            record.args = (args[0], "[redacted]")
        return True


class Authenticator:
    """The handshake check of one security profile (see the module documentation).

    ``password_store`` is the path of a :class:`PasswordStore` file (profiles 1 and 2); it is
    read again whenever it changes on disk, so ``ocpp-meter passwd`` takes effect on the next
    connection without a restart. Password checks run within the limits of ``admission`` (a
    default :class:`~ocpp_meter.admission.Admission` if ``None``) and refusals are logged
    through ``refusals``.
    """

    def __init__(
        self,
        profile: int,
        password_store: _PathLike | None = None,
        *,
        admission: Admission | None = None,
        refusals: RefusalLog | None = None,
    ) -> None:
        if profile not in SECURITY_PROFILES:
            raise ValueError(f"security profile must be one of {SECURITY_PROFILES}")
        if profile in (1, 2) and password_store is None:
            raise ValueError(f"security profile {profile} needs a password store")
        self.profile = profile
        self.password_store = Path(password_store) if password_store is not None else None
        self._store = PasswordStore()
        self._stamp: tuple[int, int, int] | None = None
        self.admission = admission if admission is not None else Admission()
        self.refusals = refusals if refusals is not None else RefusalLog(logger)
        if self.password_store is not None:
            self._reload()

    def _reload(self) -> PasswordStore:
        assert self.password_store is not None
        stat = self.password_store.stat()  # a store that vanished refuses every station
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp != self._stamp:
            self._store = PasswordStore.load(self.password_store)
            self._stamp = stamp
            logger.info("password store %s: %d stations", self.password_store, len(self._store))
        return self._store

    async def authorize(
        self, connection: ServerConnection, request: Request, station_id: str
    ) -> Response | None:
        """``None`` to let the handshake go on, or the refusal to send (400, 401, 403, or 429
        or 503 from a limit of :attr:`admission`)."""
        if self.profile == 0:
            return None
        peer = connection.remote_address
        if self.profile == 3:
            transport = connection.transport
            name = certificate_common_name(transport.get_extra_info("peercert"))
            if name is None:
                return self._refuse(
                    connection,
                    Refusal(
                        HTTPStatus.FORBIDDEN, "no single common name in the client certificate"
                    ),
                    station_id,
                    peer,
                )
            if name != station_id:
                return self._refuse(
                    connection,
                    Refusal(HTTPStatus.FORBIDDEN, f"client certificate is for {excerpt(name)}"),
                    station_id,
                    peer,
                )
            return None
        try:
            header = request.headers.get("Authorization")
        except MultipleValuesError:
            return self._refuse(
                connection,
                Refusal(HTTPStatus.BAD_REQUEST, "more than one Authorization header"),
                station_id,
                peer,
            )
        credentials = parse_basic_authorization(header)
        if credentials is None:
            return self._refuse(
                connection,
                Refusal(HTTPStatus.UNAUTHORIZED, "no Basic authorization"),
                station_id,
                peer,
            )
        username, password = credentials
        if username != station_id:
            return self._refuse(
                connection,
                Refusal(
                    HTTPStatus.FORBIDDEN,
                    f"username {excerpt(username)} is not the station id of the URL",
                ),
                station_id,
                peer,
            )
        try:
            store = self._reload()
        except (OSError, ValueError) as error:
            logger.error("cannot read the password store: %s", error)
            return self._refuse(
                connection,
                Refusal(HTTPStatus.UNAUTHORIZED, "password store unreadable"),
                station_id,
                peer,
            )
        ticket = (
            connection.ticket
            if isinstance(connection, AdmittedConnection)
            else Ticket(peer_host(peer))
        )
        good = await self.admission.password_check(
            ticket, functools.partial(store.verify, station_id, password)
        )
        if isinstance(good, Refusal):
            return self._refuse(connection, good, station_id, peer)
        if not good:
            if ticket.gone:
                reason = "the client left before its password was checked"
            else:
                reason = "wrong password" if station_id in store else "unknown station"
            return self._refuse(
                connection, Refusal(HTTPStatus.UNAUTHORIZED, reason), station_id, peer
            )
        return None

    def _refuse(
        self, connection: ServerConnection, refusal: Refusal, station_id: str, peer: object
    ) -> Response:
        status = refusal.status
        self.refusals.refused(
            peer,
            refusal.reason if status != HTTPStatus.FORBIDDEN else "forbidden",
            "refused station %s from %s: %s (HTTP %d)",
            excerpt(station_id),
            peer,
            refusal.reason,
            status.value,
        )
        response = refusal.response(connection)
        if status == HTTPStatus.UNAUTHORIZED:
            response.headers["WWW-Authenticate"] = 'Basic realm="ocpp-meter", charset="UTF-8"'
        return response
