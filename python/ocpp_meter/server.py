"""The reference CSMS ingest endpoint: OCPP 2.0.1, 2.1 and 1.6J over WebSocket, meter values
into SQLite.

``ocpp-meter serve`` runs :func:`serve` on one asyncio event loop (``websockets`` library):

- A station connects to ``ws://HOST:PORT/<anything>/<station id>``; the id is the URL's last
  path segment, percent-decoded (1 to 48 characters, as OCPP-J allows).
- The handshake must offer a subprotocol the endpoint allows: ``ocpp2.1``, ``ocpp2.0.1`` or
  ``ocpp1.6`` (all three by default; :attr:`ServeConfig.dialects` narrows them). The endpoint takes the first
  subprotocol of the client's ``Sec-WebSocket-Protocol`` list that it allows, since a client
  lists them in its order of preference (RFC 6455, section 4.1); a handshake offering none of
  them is refused with HTTP 400. Every frame of the connection is then decoded in the dialect
  of that subprotocol: a 2.1 measurand is valid on an ``ocpp2.1`` connection and a
  ``PropertyConstraintViolation`` on an ``ocpp2.0.1`` one.
- Each frame goes through a :class:`~ocpp_meter.dispatch.Dispatcher` whose handler,
  :class:`MeterValuesIngest`, hands a MeterValues or TransactionEvent frame to its sink
  (:mod:`ocpp_meter.sinks`: the SQLite :class:`~ocpp_meter.storage.GroupCommitWriter`,
  PostgreSQL for a ``postgresql://`` ``db``, or NATS JetStream with ``broker``; readings in
  ``sampled_values``, a TransactionEvent's event record in ``transaction_events``, in one
  commit) and returns the CALLRESULT only once the frame is durable there; a
  TransactionEvent with an ``idToken`` gets an ``idTokenInfo`` by the Authorize accept
  policy. BootNotification, Heartbeat, StatusNotification and Authorize are answered by
  :class:`~ocpp_meter.station_services.StationServices` (Accepted at boot with
  :attr:`ServeConfig.heartbeat_interval`, the time, an empty reply, the id token by
  :attr:`ServeConfig.accepted_id_tokens`), each request validated against its official schema.
  Other actions are answered ``NotImplemented`` (by the core), broken frames with the CALLERROR
  of the error table (README, *Errors*); the connection stays open either way.
- An ``ocpp1.6`` connection is answered by :class:`~ocpp_meter.central_system16.CentralSystem16`:
  BootNotification, Heartbeat, StatusNotification, Authorize as above (1.6 shapes), MeterValues,
  StartTransaction (with a ``transactionId`` the endpoint assigns, unique across reconnects,
  restarts and gateways: from the SQLite file, the PostgreSQL database or the broker, see
  :mod:`ocpp_meter.transaction_ids`) and StopTransaction stored in the same tables as 2.0.1's,
  each acknowledged once durable; errors carry the OCPP 1.6J codes.
- Sizes: a frame over ``max_frame_bytes`` gets the core's CALLERROR (``FormatViolation`` with its
  message id when its first KiB holds one) up to the WebSocket layer's limit,
  :attr:`ServeConfig.transport_limit` (``max_message_bytes``, by default ``max_frame_bytes`` and a
  quarter more); a message over that is not read: the connection is closed with 1009.
- OCPP-J frames are text: a binary WebSocket message is never handled (nothing of it is
  stored). A binary CALL is answered ``RpcFrameworkError`` with its message id (``"-1"`` when
  the id cannot be read), a binary CALLRESULT or CALLERROR gets no reply, as a broken one would;
  the connection stays open and the refusal is logged as a WARNING.
- One connection per station id (:attr:`ServeConfig.max_connections_per_station`): a station
  that connects while a connection with its id is open replaces it; the old connection finishes
  the frame in hand (its reply is sent), is closed with 1000 ("replaced by a new connection"),
  and the replacement is logged as a WARNING. Only an authenticated connection replaces one.
- Before anyone is authenticated, handshakes in progress (TLS included), password checks and
  connections are limited per source address and in total (:mod:`ocpp_meter.admission`): a
  refusal is HTTP 429 (one address) or 503 (everyone) with ``Retry-After``. Refusals are logged
  with client text cut and escaped, and summed up per address past the first few
  (:mod:`ocpp_meter.logsafe`).
- Who may connect is set by the security profile (:mod:`ocpp_meter.security`): 0 (none, the
  default), 1 (HTTP Basic authentication), 2 (TLS and Basic authentication) or 3 (TLS with a
  client certificate). Refusals happen in the handshake, before any frame is read.
- A connection handles one frame at a time, which is what OCPP-J asks of a station (one CALL
  in flight); frames of different connections are committed together.
- SIGINT or SIGTERM: stop accepting connections, let every connection finish the frame it is
  handling (its CALLRESULT is sent), close the connections (1001), commit whatever is queued,
  close the database. Every acknowledged row was committed before its acknowledgement left.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import ssl
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Callable
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection
from websockets.asyncio.server import serve as websockets_serve
from websockets.exceptions import ConnectionClosed, NegotiationError
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ._core import (
    Call,
    IdTokenInfo,
    MeterValuesRequest,
    MeterValuesResponse,
    TransactionEventRequest,
    TransactionEventResponse,
    decode_message,
    encode_call_error,
    error_code_16,
)
from .admission import Admission, AdmissionLimits, AdmittedConnection, Refusal
from .broker import broker_servers, until_stopped
from .central_system16 import CentralSystem16
from .dispatch import DIALECTS, Dispatcher, current_call
from .enums import ErrorCode
from .errors import OcppError
from .limits import set_limits
from .logsafe import RefusalLog, excerpt
from .security import (
    MAX_STATION_ID_LENGTH,
    SECURITY_PROFILES,
    Authenticator,
    RedactAuthorization,
    check_station_id,
    server_ssl_context,
)
from .sinks import FrameSink, ReceivedFrame, open_sink, received_frame
from .station_services import DEFAULT_HEARTBEAT_INTERVAL, StationServices
from .transaction_ids import TransactionIds, TransactionIdSource

if TYPE_CHECKING:
    from ._core import BatchDialect, Profile

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DIALECT_OF_SUBPROTOCOL",
    "MAX_STATION_ID_LENGTH",
    "SUBPROTOCOL",
    "SUBPROTOCOL_OF_DIALECT",
    "IngestServer",
    "MeterValuesIngest",
    "ServeConfig",
    "serve",
    "station_id_from_path",
    "tls_connection_class",
]

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9000
SUBPROTOCOL = "ocpp2.0.1"
"""The OCPP 2.0.1 subprotocol (the only one before OCPP 2.1 was served)."""
SUBPROTOCOL_OF_DIALECT: dict[BatchDialect, str] = {
    "2.0.1": "ocpp2.0.1",
    "2.1": "ocpp2.1",
    "1.6": "ocpp1.6",
}
"""The WebSocket subprotocol of each OCPP dialect (OCPP-J: ``ocpp`` and the version)."""
DIALECT_OF_SUBPROTOCOL: dict[str, BatchDialect] = {v: k for k, v in SUBPROTOCOL_OF_DIALECT.items()}
SERVED_DIALECTS: tuple[BatchDialect, ...] = (*DIALECTS, "1.6")
"""The dialects ``serve`` can serve, with any store."""
RECEIVE_QUEUE_FRAMES = 4
"""Frames a connection buffers beyond the one being handled before it stops reading."""
LISTEN_BACKLOG = 1024
REPLACED_CLOSE_CODE = 1000
"""Close code of a connection replaced by a newer one of the same station (a normal closure: the
station has its new connection already)."""


def binary_reply(station_id: str, message: bytes, dialect: BatchDialect = "2.0.1") -> bytes | None:
    """The answer to a binary WebSocket message, which OCPP-J does not allow: a CALL gets
    ``RpcFrameworkError`` with its message id (``"-1"`` if unreadable; on 1.6, which has no
    such code, ``FormationViolation``), anything else nothing."""
    try:
        decoded = decode_message(message)
        message_id = decoded.message_id
        message_type = 2 if isinstance(decoded, Call) else 3
    except OcppError as error:
        message_id = error.message_id or "-1"
        message_type = error.details.get("message_type", 2)
    logger.warning(
        "station %r: binary message of %d bytes, message id %s, not handled (OCPP-J frames are "
        "text)",
        station_id,
        len(message),
        excerpt(message_id),
    )
    if message_type != 2:
        return None
    description = "binary WebSocket message: OCPP-J frames are text"
    code = ErrorCode.RPC_FRAMEWORK_ERROR
    if dialect == "1.6":
        return encode_call_error(message_id, error_code_16(code), description, {}, dialect="1.6")
    return encode_call_error(message_id, code, description, {})


def station_id_from_path(path: str, *, basic_auth: bool = False) -> str | None:
    """The station id in a request path: its last segment, percent-decoded; ``None`` if it is
    not one :func:`~ocpp_meter.security.check_station_id` accepts (with ``basic_auth``, as the
    username of Basic authentication)."""
    segment = urlsplit(path).path.rsplit("/", 1)[-1]
    try:
        station_id = unquote(segment, errors="strict") if "%" in segment else segment
        check_station_id(station_id, basic_auth=basic_auth)
    except ValueError:  # UnicodeDecodeError included
        return None
    return station_id


class MeterValuesIngest:
    """The CSMS handler of the endpoint, of MeterValues and TransactionEvent: make the frame
    durable in the sink (SQLite, PostgreSQL or the broker), acknowledge once it is.

    The sink gets the frame as received (:data:`~ocpp_meter.sinks.received_frame`), so its
    readings become rows straight from the core's columns, off the event loop. A
    TransactionEvent that carries an ``idToken`` is answered with an ``idTokenInfo`` whose status
    is the Authorize accept policy of ``services`` (``Accepted`` for every token when
    ``services`` is ``None``).
    """

    def __init__(self, sink: FrameSink, services: StationServices | None = None) -> None:
        self.sink = sink
        self.services = services

    async def _store(
        self,
        charging_station_id: str,
        action: str,
        request: MeterValuesRequest | TransactionEventRequest,
    ) -> None:
        call = current_call()
        message_id = call.message_id if call is not None else ""
        await self.sink.store(charging_station_id, message_id, action, request)

    async def on_meter_values(
        self, charging_station_id: str, request: MeterValuesRequest
    ) -> MeterValuesResponse:
        await self._store(charging_station_id, "MeterValues", request)
        return MeterValuesResponse()

    async def on_transaction_event(
        self, charging_station_id: str, request: TransactionEventRequest
    ) -> TransactionEventResponse:
        await self._store(charging_station_id, "TransactionEvent", request)
        token = request.id_token
        if token is None:
            return TransactionEventResponse()
        status = (
            "Accepted" if self.services is None else self.services.id_token_status(token.id_token)
        )
        return TransactionEventResponse(id_token_info=IdTokenInfo(status=status))


@dataclass
class ServeConfig:
    """Options of :func:`serve`; the defaults are those of ``ocpp-meter serve``."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    db: str = "meter.sqlite"
    """A SQLite file, or a ``postgresql://`` URL (see :mod:`ocpp_meter.postgres_sink`)."""
    broker: str | None = None
    """``nats://host:port[,...]``: publish frames to JetStream instead of writing ``db``."""
    broker_replicas: int = 3
    """Copies of the stream, when the gateway creates it."""
    publish_timeout: float = 5.0
    """Seconds a publish may wait for JetStream's acknowledgement before the CALLERROR."""
    synchronous: str = "full"
    max_batch_frames: int = 1000
    max_frame_bytes: int = 1 << 20
    """Frames longer than this get the core's CALLERROR (``FormatViolation``, type ``too_large``)."""
    max_message_bytes: int | None = None
    """The WebSocket layer's limit: a longer message closes its connection (1009). ``None``:
    ``max_frame_bytes`` and a quarter more."""
    heartbeat_interval: int = DEFAULT_HEARTBEAT_INTERVAL
    """The heartbeat interval a booted station is given, in seconds."""
    accepted_id_tokens: frozenset[str] | None = None
    """Authorize: ``None`` accepts every id token; else only these (others are ``Unknown``)."""
    max_connections: int = 10_000
    """Connections open or in their password check, in total; more get HTTP 503."""
    max_connections_per_station: int = 1
    """Open connections of one station id; an authenticated newcomer replaces the oldest."""
    max_handshakes: int = AdmissionLimits.max_handshakes
    """Handshakes in progress (TCP accepted, TLS included, WebSocket not yet open), in total."""
    max_handshakes_per_address: int = AdmissionLimits.max_handshakes_per_address
    max_password_checks: int = AdmissionLimits.max_checks
    """Password checks waiting or hashing, in total (per source address below)."""
    max_password_checks_per_address: int = AdmissionLimits.max_checks_per_address
    password_checks_per_second: float = AdmissionLimits.checks_per_second
    password_checks_per_second_per_address: float = AdmissionLimits.checks_per_second_per_address
    handshake_timeout: float = 10.0
    """Seconds for the TLS handshake, and again for the WebSocket handshake."""
    retry_after: int = AdmissionLimits.retry_after
    """The ``Retry-After`` of a 429 or 503 refusal by a limit, in seconds."""
    log_interval: float = 60.0
    """Refusals of one source address past the first few are summed up once per interval."""
    shutdown_grace: float = 10.0
    security_profile: int = 0
    password_store: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    client_ca: str | None = None
    profile: Profile = "strict"
    """The validation profile of every station's frames (see :class:`Dispatcher`)."""
    station_profiles: Mapping[str, Profile] = field(default_factory=dict)
    """Validation profiles of single stations, over ``profile``."""
    dialects: Sequence[BatchDialect] | None = None
    """The OCPP dialects served: a handshake must offer the subprotocol of one of them.
    ``None``: 2.0.1, 2.1 and 1.6 (:meth:`served_dialects`)."""

    def served_dialects(self) -> tuple[BatchDialect, ...]:
        """The dialects served: :attr:`dialects`, or by default 2.0.1, 2.1 and 1.6."""
        if self.dialects is not None:
            return tuple(self.dialects)
        return SERVED_DIALECTS

    @property
    def _sqlite(self) -> bool:
        return self.broker is None and not self.db.startswith(("postgresql://", "postgres://"))

    @property
    def transport_limit(self) -> int:
        """The WebSocket message size limit in effect (see :attr:`max_message_bytes`)."""
        if self.max_message_bytes is not None:
            return self.max_message_bytes
        return self.max_frame_bytes + self.max_frame_bytes // 4

    def services(self) -> StationServices:
        """The answers to BootNotification, Heartbeat, StatusNotification and Authorize."""
        return StationServices(self.heartbeat_interval, self.accepted_id_tokens)

    def admission_limits(self) -> AdmissionLimits:
        """The limits before authentication (see :mod:`ocpp_meter.admission`)."""
        return AdmissionLimits(
            max_connections=self.max_connections,
            max_handshakes=self.max_handshakes,
            max_handshakes_per_address=self.max_handshakes_per_address,
            max_checks=self.max_password_checks,
            max_checks_per_address=self.max_password_checks_per_address,
            checks_per_second=self.password_checks_per_second,
            checks_per_second_per_address=self.password_checks_per_second_per_address,
            retry_after=self.retry_after,
        )

    def check(self) -> None:
        """Raise ``ValueError`` if the security options do not fit the security profile, or a
        validation profile or dialect is unknown, or no dialect is served, or the size limits,
        connection limits or heartbeat interval are out of range, or the broker URL is not
        ``nats://host:port[,host:port...]``."""
        Dispatcher(profile=self.profile, station_profiles=self.station_profiles)
        self.services()
        self.admission_limits().check()
        if self.max_connections_per_station < 1:
            raise ValueError("max-connections-per-station must be positive")
        if not self.handshake_timeout > 0 or not self.log_interval > 0:
            raise ValueError("handshake-timeout and log-interval must be positive")
        if self.transport_limit < self.max_frame_bytes:
            raise ValueError("max-message-bytes must be at least max-frame-bytes")
        dialects = self.served_dialects()
        if not dialects:
            raise ValueError("at least one dialect must be served")
        if self.broker is not None:
            broker_servers(self.broker)
        for dialect in dialects:
            if dialect not in SERVED_DIALECTS:
                raise ValueError(f"dialect must be '2.0.1', '2.1' or '1.6', got {dialect!r}")
        profile = self.security_profile
        if profile not in SECURITY_PROFILES:
            raise ValueError(f"security profile must be one of {SECURITY_PROFILES}")
        wants = {
            "password_store": profile in (1, 2),
            "tls_cert": profile in (2, 3),
            "tls_key": profile in (2, 3),
            "client_ca": profile == 3,
        }
        for name, needed in wants.items():
            given = getattr(self, name) is not None
            if needed and not given:
                raise ValueError(f"security profile {profile} needs {name.replace('_', '-')}")
            if given and not needed:
                raise ValueError(
                    f"security profile {profile} does not use {name.replace('_', '-')}"
                )

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context of profiles 2 and 3, ``None`` for plain WebSocket."""
        if self.tls_cert is None or self.tls_key is None:
            return None
        return server_ssl_context(self.tls_cert, self.tls_key, self.client_ca)


class IngestServer:
    """The WebSocket side: handshake checks, one read loop per connection, clean shutdown.

    Handshakes are admitted within the limits of ``admission`` (counted from the TCP accept for
    connections of :class:`~ocpp_meter.admission.AdmittedConnection`); refusals are logged
    through ``refusals``, at most a few lines per source address per interval."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        central_system16: CentralSystem16 | None = None,
        shutdown_grace: float = 10.0,
        authenticator: Authenticator | None = None,
        max_connections: int | None = None,
        dialects: Sequence[BatchDialect] = DIALECTS,
        admission: Admission | None = None,
        refusals: RefusalLog | None = None,
        max_connections_per_station: int = 1,
    ) -> None:
        self.dispatcher = dispatcher
        self.central_system16 = central_system16
        """Answers the frames of ``ocpp1.6`` connections (needed when 1.6 is served)."""
        if "1.6" in dialects and central_system16 is None:
            raise ValueError("serving 1.6 needs a CentralSystem16")
        self.subprotocols: tuple[Subprotocol, ...] = tuple(
            Subprotocol(SUBPROTOCOL_OF_DIALECT[dialect]) for dialect in dict.fromkeys(dialects)
        )
        """The subprotocols accepted, one per dialect served."""
        if admission is None:
            admission = Admission(AdmissionLimits(max_connections=max_connections))
        self.admission = admission
        self.max_connections = admission.limits.max_connections
        self.max_connections_per_station = max_connections_per_station
        self.authenticator = authenticator
        self.refusals = refusals if refusals is not None else RefusalLog(logger)
        self.shutdown_grace = shutdown_grace
        self._basic_auth = authenticator is not None and authenticator.profile in (1, 2)
        self._connections: dict[ServerConnection, asyncio.Lock] = {}
        self._stations: dict[str, list[ServerConnection]] = {}
        """The open connections of each station id, oldest first."""
        self._closers: set[asyncio.Task[None]] = set()
        self._stopping = False

    def _refuse(
        self, connection: ServerConnection, refusal: Refusal, key: str, message: str, *args: object
    ) -> Response:
        self.refusals.refused(connection.remote_address, key, message, *args, via=logger)
        return refusal.response(connection)

    async def process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """Refuse handshakes over a limit of :attr:`admission`, without a station id, or whose
        station is not authenticated (by the security profile), and every handshake once
        stopping."""
        if self._stopping:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "shutting down\n")
        ticket = connection.ticket if isinstance(connection, AdmittedConnection) else None
        if ticket is not None and ticket.over_limit is not None:
            over = ticket.over_limit
            return self._refuse(
                connection,
                over,
                over.reason,
                "refused connection from %s: %s (HTTP %d)",
                connection.remote_address,
                over.reason,
                over.status.value,
            )
        station_id = station_id_from_path(request.path, basic_auth=self._basic_auth)
        if station_id is None:
            return self._refuse(
                connection,
                Refusal(HTTPStatus.NOT_FOUND, "no valid station id"),
                "no valid station id",
                "refused connection from %s: no valid station id in path %s (HTTP 404)",
                connection.remote_address,
                excerpt(request.path),
            )
        if ticket is not None:
            refusal = self.admission.open_connection(ticket)
            if refusal is not None:
                return self._refuse(
                    connection,
                    refusal,
                    refusal.reason,
                    "refused station %s from %s: %s (HTTP %d)",
                    excerpt(station_id),
                    connection.remote_address,
                    refusal.reason,
                    refusal.status.value,
                )
        elif self.max_connections is not None and len(self._connections) >= self.max_connections:
            return self._refuse(
                connection,
                Refusal(HTTPStatus.SERVICE_UNAVAILABLE, "too many connections"),
                "connection limit",
                "refused station %s from %s: %d connections open (the limit)",
                excerpt(station_id),
                connection.remote_address,
                len(self._connections),
            )
        if self.authenticator is not None:
            return await self.authenticator.authorize(connection, request, station_id)
        return None

    def select_subprotocol(
        self, connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        """The first of the client's subprotocols that is served (the client lists them in its
        order of preference); a handshake that offers none is refused (400)."""
        for offered in subprotocols:
            if offered in self.subprotocols:
                return offered
        # Returning None would accept the connection without a subprotocol: refuse instead.
        wanted = " or ".join(self.subprotocols)
        self.refusals.refused(
            connection.remote_address,
            "no served subprotocol",
            "refused connection to %s: subprotocols %s do not include %s",
            excerpt(connection.request.path if connection.request else None),
            excerpt(", ".join(subprotocols)),
            wanted,
            via=logger,
        )
        raise NegotiationError(f"the {wanted} subprotocol is required")

    async def handle(self, connection: ServerConnection) -> None:
        """Read frames and answer each before reading the next, until the peer goes."""
        assert connection.request is not None
        if isinstance(connection, AdmittedConnection):
            self.admission.end_handshake(connection.ticket)
        station_id = station_id_from_path(connection.request.path) or ""
        # select_subprotocol let only a served subprotocol through.
        dialect = DIALECT_OF_SUBPROTOCOL[connection.subprotocol or ""]
        lock = asyncio.Lock()
        self._connections[connection] = lock
        logger.info(
            "station %r connected from %s (%s)",
            station_id,
            connection.remote_address,
            connection.subprotocol,
        )
        self._replace(station_id, connection)
        try:
            async for frame in connection:
                async with lock:
                    if self._stopping:
                        break
                    if isinstance(frame, str):
                        profile = self.dispatcher.profile_for(station_id)
                        received = received_frame.set(
                            ReceivedFrame.now(station_id, frame, dialect, profile)
                        )
                        try:
                            if dialect == "1.6":
                                assert self.central_system16 is not None
                                reply = await self.central_system16.handle(station_id, frame)
                            else:
                                reply = await self.dispatcher.dispatch_async(
                                    station_id, frame, dialect=dialect
                                )
                        finally:
                            received_frame.reset(received)
                    else:
                        reply = binary_reply(station_id, frame, dialect)
                    if reply is not None:
                        await connection.send(reply, text=True)
        except ConnectionClosed:
            pass
        finally:
            del self._connections[connection]
            station = self._stations.get(station_id, [])
            if connection in station:
                station.remove(connection)
                if not station:
                    del self._stations[station_id]
            logger.info("station %r disconnected (code %s)", station_id, connection.close_code)

    def _replace(self, station_id: str, connection: ServerConnection) -> None:
        """Add ``connection`` to the station's connections; past
        :attr:`max_connections_per_station`, close the oldest once the frame it is handling is
        answered. Only a connection that passed authentication gets here, so only the station
        itself can replace its connection (under profile 0, anyone can)."""
        station = self._stations.setdefault(station_id, [])
        station.append(connection)
        while len(station) > self.max_connections_per_station:
            old = station.pop(0)
            logger.warning(
                "station %r connected again from %s: closing its previous connection from %s (%d)",
                station_id,
                connection.remote_address,
                old.remote_address,
                REPLACED_CLOSE_CODE,
            )
            lock = self._connections.get(old)
            if lock is None:
                continue
            closer = asyncio.ensure_future(
                self._close_when_idle(
                    old, lock, REPLACED_CLOSE_CODE, "replaced by a new connection"
                )
            )
            self._closers.add(closer)
            closer.add_done_callback(self._closers.discard)

    async def shutdown(self, server: Server) -> None:
        """Stop listening; close each connection once its current frame is answered."""
        self._stopping = True
        server.close(close_connections=False)
        closers = [
            asyncio.ensure_future(self._close_when_idle(connection, lock))
            for connection, lock in list(self._connections.items())
        ]
        if closers:
            _, pending = await asyncio.wait(closers, timeout=self.shutdown_grace)
            for task in pending:
                task.cancel()
        try:
            await asyncio.wait_for(server.wait_closed(), timeout=self.shutdown_grace)
        except asyncio.TimeoutError:
            logger.error("connections still open after %.1f s; closing anyway", self.shutdown_grace)

    @staticmethod
    async def _close_when_idle(
        connection: ServerConnection,
        lock: asyncio.Lock,
        code: int = 1001,
        reason: str = "CSMS shutting down",
    ) -> None:
        async with lock:  # waits for the frame in progress, if any, to be answered
            await connection.close(code, reason)


async def serve(
    config: ServeConfig,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[int], Awaitable[None] | None] | None = None,
) -> None:
    """Run the endpoint until ``stop`` is set, or until SIGINT or SIGTERM when ``stop`` is
    ``None``; ``on_ready`` gets the bound port once the server listens."""
    config.check()
    ssl_context = config.ssl_context()
    refusals = RefusalLog(logger, interval=config.log_interval)
    admission = Admission(config.admission_limits())
    authenticator = Authenticator(
        config.security_profile, config.password_store, admission=admission, refusals=refusals
    )
    loop = asyncio.get_running_loop()
    own_signals = stop is None
    stop_event = asyncio.Event() if stop is None else stop
    if own_signals:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, _on_signal, signum, stop_event)
    # The core refuses a frame over max_frame_bytes with the CALLERROR of the error table (and
    # its message id); the limit is process-wide, so it is put back when the endpoint stops.
    previous_limits = set_limits(max_frame_bytes=config.max_frame_bytes)
    services = config.services()
    dialects = config.served_dialects()
    try:
        # A broker down at start is waited for (the NATS client retries for ever): a signal
        # meanwhile stops the process.
        opened = await until_stopped(open_sink(config), stop_event)
    except BaseException:
        set_limits(max_frame_bytes=previous_limits.max_frame_bytes)
        _remove_signal_handlers(loop, own_signals)
        raise
    if opened is None:
        set_limits(max_frame_bytes=previous_limits.max_frame_bytes)
        _remove_signal_handlers(loop, own_signals)
        logger.info("stopped before the broker was reachable: nothing was received")
        return
    sink: FrameSink = opened
    transaction_ids: TransactionIdSource | None = None
    try:
        central_system16 = None
        if "1.6" in dialects:
            # The broker's bucket is waited for while the cluster cannot create it (as its
            # streams were): a signal meanwhile stops the process.
            transaction_ids = await until_stopped(_transaction_ids(config, sink), stop_event)
            if transaction_ids is None:
                logger.info("stopped before the 1.6 transaction ids were ready: nothing received")
                return
            central_system16 = CentralSystem16(sink, services, transaction_ids)
        ingest = IngestServer(
            Dispatcher(
                MeterValuesIngest(sink, services),
                profile=config.profile,
                station_profiles=config.station_profiles,
                services=services,
            ),
            central_system16=central_system16,
            shutdown_grace=config.shutdown_grace,
            authenticator=authenticator,
            dialects=dialects,
            admission=admission,
            refusals=refusals,
            max_connections_per_station=config.max_connections_per_station,
        )
        async with websockets_serve(
            ingest.handle,
            config.host,
            config.port,
            subprotocols=list(ingest.subprotocols),
            select_subprotocol=ingest.select_subprotocol,
            process_request=ingest.process_request,
            # Above max_frame_bytes a frame still gets its CALLERROR (with its id) from the core;
            # above this the message is not read at all (1009).
            max_size=config.transport_limit,
            # Frames are handled one at a time: a few queued ones bound a connection's memory
            # (about RECEIVE_QUEUE_FRAMES x the transport limit) and push back on a fast sender.
            max_queue=RECEIVE_QUEUE_FRAMES,
            # A reconnect storm after a restart: let the kernel queue that many handshakes.
            backlog=LISTEN_BACKLOG,
            server_header=None,
            # Each connection counts against the admission limits from its TCP accept on; TLS
            # is set up by the connection itself, so that a refused handshake is logged.
            create_connection=(
                AdmittedConnection.bound(admission)
                if ssl_context is None
                else tls_connection_class(
                    ssl_context, config.handshake_timeout, admission=admission, refusals=refusals
                )
            ),
            open_timeout=config.handshake_timeout,
            logger=_websockets_logger(),
        ) as server:
            port = _bound_port(server, config.port)
            logger.info(
                "listening on %s://%s:%d (security profile %d, subprotocols %s, database %s, "
                "synchronous=%s)",
                "ws" if ssl_context is None else "wss",
                config.host,
                port,
                config.security_profile,
                " ".join(ingest.subprotocols),
                config.broker or config.db,
                config.synchronous,
            )
            if config.security_profile == 0 and config.host not in ("127.0.0.1", "::1"):
                logger.warning(
                    "security profile 0: any client that reaches %s can store readings",
                    config.host,
                )
            summaries = asyncio.ensure_future(_summarize(refusals, config.log_interval))
            try:
                if on_ready is not None:
                    ready = on_ready(port)
                    if ready is not None:
                        await ready
                await stop_event.wait()
                logger.info("shutting down")
                await ingest.shutdown(server)
            finally:
                summaries.cancel()
                refusals.flush()
    finally:
        set_limits(max_frame_bytes=previous_limits.max_frame_bytes)
        if transaction_ids is not None:
            await transaction_ids.aclose()
        await sink.aclose()
        _remove_signal_handlers(loop, own_signals)
        logger.info("stopped: %s", sink.summary())


async def _transaction_ids(config: ServeConfig, sink: FrameSink) -> TransactionIdSource:
    """Where 1.6 transaction ids come from: the store every gateway shares (the broker, the
    PostgreSQL database), or the SQLite file."""
    if config.broker is not None:
        from .broker_publisher import BrokerPublisher

        assert isinstance(sink, BrokerPublisher)
        return await sink.transaction_ids(config.broker_replicas)
    if not config._sqlite:
        from .postgres_transaction_ids import PostgresTransactionIds

        return PostgresTransactionIds(config.db)
    return TransactionIds(config.db, config.synchronous)


def _remove_signal_handlers(loop: asyncio.AbstractEventLoop, own: bool) -> None:
    if own:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


async def _summarize(refusals: RefusalLog, interval: float) -> None:
    """Log the counts of unlogged refusals once per interval, even when no refusal follows."""
    while True:
        await asyncio.sleep(interval)
        if refusals.suppressed:
            refusals.flush()


def _on_signal(signum: int, stop: asyncio.Event) -> None:
    logger.info("received %s", signal.Signals(signum).name)
    stop.set()


def tls_connection_class(
    context: ssl.SSLContext,
    handshake_timeout: float = 10.0,
    *,
    admission: Admission | None = None,
    refusals: RefusalLog | None = None,
) -> type[ServerConnection]:
    """A :class:`ServerConnection` that runs the TLS handshake itself on the accepted TCP
    connection, and logs a failed one (no certificate, an untrusted one, not TLS at all) as a
    refusal with the peer address and the reason; asyncio's own TLS server says nothing. A TLS
    handshake counts against the handshake limits of ``admission`` (unlimited but for the
    defaults if ``None``); one over them is closed before TLS starts."""
    base = AdmittedConnection.bound(admission if admission is not None else Admission())
    refusal_log = refusals if refusals is not None else RefusalLog(logger)

    class TlsServerConnection(base):  # type: ignore[valid-type,misc]
        _tls_ready = False
        _early_data: list[bytes]

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self._early_data = []
            if not self.admit(transport) or self.ticket.over_limit is not None:
                refusal_log.refused(
                    transport.get_extra_info("peername"),
                    "TLS handshake limit",
                    "refused TLS connection from %s: %s (closed before TLS)",
                    transport.get_extra_info("peername"),
                    (
                        self.ticket.over_limit.reason
                        if self.ticket.over_limit is not None
                        else "too many handshakes over the limit already"
                    ),
                    via=logger,
                )
                transport.abort()
                return
            transport.pause_reading()  # start_tls resumes it under the TLS layer
            task = self.loop.create_task(self._start_tls(transport))
            _tls_tasks.add(task)
            task.add_done_callback(_tls_tasks.discard)

        async def _start_tls(self, transport: asyncio.Transport) -> None:
            peer = transport.get_extra_info("peername")
            # start_tls pauses the transport itself before its first await, so no byte slips
            # through between this and that; on Python 3.9 and 3.10 a transport already paused
            # when start_tls is called is never read again and the handshake stalls.
            transport.resume_reading()
            try:
                tls = await self.loop.start_tls(
                    transport,
                    self,
                    context,
                    server_side=True,
                    ssl_handshake_timeout=handshake_timeout,
                )
            except (OSError, asyncio.TimeoutError, ConnectionError) as error:
                reason = getattr(error, "reason", None) or type(error).__name__
                refusal_log.refused(
                    peer,
                    "TLS handshake failed",
                    "refused TLS connection from %s: %s",
                    peer,
                    excerpt(reason),
                    via=logger,
                )
                self.admission.release(self.ticket)  # whether or not connection_lost follows
                transport.abort()
                return
            if tls is None:  # the peer went away meanwhile
                self.admission.release(self.ticket)
                transport.abort()
                return
            self._tls_ready = True
            ServerConnection.connection_made(self, tls)
            early, self._early_data = self._early_data, []
            for data in early:
                super().data_received(data)

        def data_received(self, data: bytes) -> None:
            # The TLS layer may hand over the first bytes before _start_tls resumes.
            if self._tls_ready:
                super().data_received(data)
            else:
                self._early_data.append(data)

        def eof_received(self) -> None:
            self.ticket.gone = True
            if self._tls_ready:
                super().eof_received()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._tls_ready:
                super().connection_lost(exc)
            else:
                self.admission.release(self.ticket)

    return TlsServerConnection


_tls_tasks: set[asyncio.Task[None]] = set()


class OneLineHandshakeFailures(logging.Filter):
    """Log a failed opening handshake as one line, without its traceback.

    websockets before 17 logs every connection that closes before its handshake (a port probe,
    a load balancer's health check, a scanner) as an ERROR with a traceback: ten lines an
    anonymous client can make the endpoint write at will. The exception's type and its first
    characters, escaped, say enough.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.msg == "opening handshake failed":
            error = record.exc_info[1]
            cause = error.__cause__ if error is not None else None
            reason = excerpt(f"{type(error).__name__}: {error}", 120)
            if cause is not None:
                reason += f" (from {type(cause).__name__})"
            record.msg = "opening handshake failed: %s"
            record.args = (reason,)
            record.exc_info = None
            record.exc_text = None
        return True


def _websockets_logger() -> logging.Logger:
    """The websockets library's server logger, which never logs an Authorization header and
    logs a failed handshake in one line."""
    websockets_logger = logging.getLogger("websockets.server")
    for kind in (RedactAuthorization, OneLineHandshakeFailures):
        if not any(isinstance(f, kind) for f in websockets_logger.filters):
            websockets_logger.addFilter(kind())
    return websockets_logger


def _bound_port(server: Server, default: int) -> int:
    for sock in server.sockets:
        return int(sock.getsockname()[1])
    return default


def run(config: ServeConfig) -> int:
    """Run :func:`serve` in a fresh event loop; the exit status of ``ocpp-meter serve``."""
    asyncio.run(serve(config))
    return 0
