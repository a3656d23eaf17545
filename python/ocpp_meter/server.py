"""The reference CSMS ingest endpoint: OCPP 2.0.1 and 2.1 over WebSocket, meter values into
SQLite.

``ocpp-meter serve`` runs :func:`serve` on one asyncio event loop (``websockets`` library):

- A station connects to ``ws://HOST:PORT/<anything>/<station id>``; the id is the URL's last
  path segment, percent-decoded (1 to 48 characters, as OCPP-J allows).
- The handshake must offer a subprotocol the endpoint allows: ``ocpp2.1`` or ``ocpp2.0.1``
  (both by default; :attr:`ServeConfig.dialects` narrows them). The endpoint takes the first
  subprotocol of the client's ``Sec-WebSocket-Protocol`` list that it allows, since a client
  lists them in its order of preference (RFC 6455, section 4.1); a handshake offering none of
  them is refused with HTTP 400. Every frame of the connection is then decoded in the dialect
  of that subprotocol: a 2.1 measurand is valid on an ``ocpp2.1`` connection and a
  ``PropertyConstraintViolation`` on an ``ocpp2.0.1`` one.
- Each frame goes through a :class:`~ocpp_meter.dispatch.Dispatcher` whose handler,
  :class:`MeterValuesIngest`, hands the frame to its sink (:mod:`ocpp_meter.sinks`: the
  SQLite :class:`~ocpp_meter.storage.GroupCommitWriter`, PostgreSQL for a ``postgresql://``
  ``db``, or NATS JetStream with ``broker``) and returns the CALLRESULT only once the frame is
  durable there. BootNotification, Heartbeat, StatusNotification and Authorize are answered by
  :class:`~ocpp_meter.station_services.StationServices` (Accepted at boot with
  :attr:`ServeConfig.heartbeat_interval`, the time, an empty reply, the id token by
  :attr:`ServeConfig.accepted_id_tokens`), each request validated against its official schema.
  Other actions are answered ``NotImplemented`` (by the core), broken frames with the CALLERROR
  of the contract's error table; the connection stays open either way.
- Sizes: a frame over ``max_frame_bytes`` gets the core's CALLERROR (``FormatViolation`` with its
  message id when its first KiB holds one) up to the WebSocket layer's limit,
  :attr:`ServeConfig.transport_limit` (``max_message_bytes``, by default ``max_frame_bytes`` and a
  quarter more); a message over that is not read: the connection is closed with 1009.
- OCPP-J frames are text: a binary WebSocket message is never handled (nothing of it is
  stored). A binary CALL is answered ``RpcFrameworkError`` with its message id (``"-1"`` when
  the id cannot be read), a binary CALLRESULT or CALLERROR gets no reply, as a broken one would;
  the connection stays open and the refusal is logged as a WARNING.
- One connection per station id: a station that connects while a connection with its id is
  open replaces it; the old connection finishes the frame in hand (its reply is sent), is closed
  with 1000 ("replaced by a new connection"), and the replacement is logged as a WARNING.
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
    MeterValuesRequest,
    MeterValuesResponse,
    decode_message,
    encode_call_error,
)
from .dispatch import DIALECTS, Dispatcher, current_call
from .enums import ErrorCode
from .errors import OcppError
from .limits import set_limits
from .security import SECURITY_PROFILES, Authenticator, RedactAuthorization, server_ssl_context
from .sinks import FrameSink, ReceivedFrame, open_sink, received_frame
from .station_services import DEFAULT_HEARTBEAT_INTERVAL, StationServices

if TYPE_CHECKING:
    from ._core import Dialect, Profile

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DIALECT_OF_SUBPROTOCOL",
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
SUBPROTOCOL_OF_DIALECT: dict[Dialect, str] = {"2.0.1": "ocpp2.0.1", "2.1": "ocpp2.1"}
"""The WebSocket subprotocol of each OCPP dialect (OCPP-J: ``ocpp`` and the version)."""
DIALECT_OF_SUBPROTOCOL: dict[str, Dialect] = {v: k for k, v in SUBPROTOCOL_OF_DIALECT.items()}
MAX_STATION_ID_LENGTH = 48
RECEIVE_QUEUE_FRAMES = 4
"""Frames a connection buffers beyond the one being handled before it stops reading."""
LISTEN_BACKLOG = 1024
REPLACED_CLOSE_CODE = 1000
"""Close code of a connection replaced by a newer one of the same station (a normal closure: the
station has its new connection already)."""


def binary_reply(station_id: str, message: bytes) -> bytes | None:
    """The answer to a binary WebSocket message, which OCPP-J does not allow: a CALL gets
    ``RpcFrameworkError`` with its message id (``"-1"`` if unreadable), anything else nothing."""
    try:
        decoded = decode_message(message)
        message_id = decoded.message_id
        message_type = 2 if isinstance(decoded, Call) else 3
    except OcppError as error:
        message_id = error.message_id or "-1"
        message_type = error.details.get("message_type", 2)
    logger.warning(
        "station %r: binary message of %d bytes, message id %r, not handled (OCPP-J frames are "
        "text)",
        station_id,
        len(message),
        message_id,
    )
    if message_type != 2:
        return None
    return encode_call_error(
        message_id,
        ErrorCode.RPC_FRAMEWORK_ERROR,
        "binary WebSocket message: OCPP-J frames are text",
        {},
    )


def station_id_from_path(path: str) -> str | None:
    """The station id in a request path: its last segment, percent-decoded; ``None`` if bad."""
    segment = urlsplit(path).path.rsplit("/", 1)[-1]
    station_id = unquote(segment, errors="strict") if "%" in segment else segment
    if not 1 <= len(station_id) <= MAX_STATION_ID_LENGTH or not station_id.isprintable():
        return None
    return station_id


class MeterValuesIngest:
    """The CSMS handler of the endpoint: make the frame durable in the sink (SQLite,
    PostgreSQL or the broker), acknowledge once it is."""

    def __init__(self, sink: FrameSink) -> None:
        self.sink = sink

    async def on_meter_values(
        self, charging_station_id: str, request: MeterValuesRequest
    ) -> MeterValuesResponse:
        call = current_call()
        message_id = call.message_id if call is not None else ""
        await self.sink.store(charging_station_id, message_id, "MeterValues", request)
        return MeterValuesResponse()


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
    dialects: Sequence[Dialect] = DIALECTS
    """The OCPP dialects served: a handshake must offer the subprotocol of one of them."""

    @property
    def transport_limit(self) -> int:
        """The WebSocket message size limit in effect (see :attr:`max_message_bytes`)."""
        if self.max_message_bytes is not None:
            return self.max_message_bytes
        return self.max_frame_bytes + self.max_frame_bytes // 4

    def services(self) -> StationServices:
        """The answers to BootNotification, Heartbeat, StatusNotification and Authorize."""
        return StationServices(self.heartbeat_interval, self.accepted_id_tokens)

    def check(self) -> None:
        """Raise ``ValueError`` if the security options do not fit the security profile, or a
        validation profile or dialect is unknown, or no dialect is served, or the size limits or
        heartbeat interval are out of range."""
        Dispatcher(profile=self.profile, station_profiles=self.station_profiles)
        self.services()
        if self.transport_limit < self.max_frame_bytes:
            raise ValueError("max-message-bytes must be at least max-frame-bytes")
        if not self.dialects:
            raise ValueError("at least one dialect must be served")
        for dialect in self.dialects:
            if dialect not in DIALECTS:
                raise ValueError(f"dialect must be '2.0.1' or '2.1', got {dialect!r}")
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
    """The WebSocket side: handshake checks, one read loop per connection, clean shutdown."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        shutdown_grace: float = 10.0,
        authenticator: Authenticator | None = None,
        max_connections: int | None = None,
        dialects: Sequence[Dialect] = DIALECTS,
    ) -> None:
        self.dispatcher = dispatcher
        self.subprotocols: tuple[Subprotocol, ...] = tuple(
            Subprotocol(SUBPROTOCOL_OF_DIALECT[dialect]) for dialect in dict.fromkeys(dialects)
        )
        """The subprotocols accepted, one per dialect served."""
        self.max_connections = max_connections
        self.authenticator = authenticator
        self.shutdown_grace = shutdown_grace
        self._connections: dict[ServerConnection, asyncio.Lock] = {}
        self._stations: dict[str, ServerConnection] = {}
        """The open connection of each station id (the newest, when one replaced another)."""
        self._closers: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """Refuse handshakes without a station id or whose station is not authenticated (by
        the security profile), and every handshake once stopping."""
        if self._stopping:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "shutting down\n")
        try:
            station_id = station_id_from_path(request.path)
        except UnicodeDecodeError:
            station_id = None
        if station_id is None:
            logger.warning("refused connection: no valid station id in path %r", request.path)
            return connection.respond(
                HTTPStatus.NOT_FOUND, "the URL must end with the charging station id\n"
            )
        if self.max_connections is not None and len(self._connections) >= self.max_connections:
            logger.warning(
                "refused station %r from %s: %d connections open (the limit)",
                station_id,
                connection.remote_address,
                len(self._connections),
            )
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "too many connections\n")
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
        logger.warning(
            "refused connection to %r: subprotocols %r do not include %s",
            connection.request.path if connection.request else None,
            subprotocols,
            wanted,
        )
        raise NegotiationError(f"the {wanted} subprotocol is required")

    async def handle(self, connection: ServerConnection) -> None:
        """Read frames and answer each before reading the next, until the peer goes."""
        assert connection.request is not None
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
                        received_frame.set(
                            ReceivedFrame.now(
                                station_id, frame, dialect, self.dispatcher.profile_for(station_id)
                            )
                        )
                        reply = await self.dispatcher.dispatch_async(
                            station_id, frame, dialect=dialect
                        )
                    else:
                        reply = binary_reply(station_id, frame)
                    if reply is not None:
                        await connection.send(reply, text=True)
        except ConnectionClosed:
            pass
        finally:
            del self._connections[connection]
            if self._stations.get(station_id) is connection:
                del self._stations[station_id]
            logger.info("station %r disconnected (code %s)", station_id, connection.close_code)

    def _replace(self, station_id: str, connection: ServerConnection) -> None:
        """Make ``connection`` the station's one connection, closing an older one once the frame
        it is handling is answered."""
        old = self._stations.get(station_id)
        self._stations[station_id] = connection
        if old is None:
            return
        logger.warning(
            "station %r connected again from %s: closing its previous connection from %s (%d)",
            station_id,
            connection.remote_address,
            old.remote_address,
            REPLACED_CLOSE_CODE,
        )
        lock = self._connections.get(old)
        if lock is None:
            return
        closer = asyncio.ensure_future(
            self._close_when_idle(old, lock, REPLACED_CLOSE_CODE, "replaced by a new connection")
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
    authenticator = Authenticator(config.security_profile, config.password_store)
    loop = asyncio.get_running_loop()
    own_signals = stop is None
    stop_event = asyncio.Event() if stop is None else stop
    if own_signals:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, _on_signal, signum, stop_event)
    # The core refuses a frame over max_frame_bytes with the CALLERROR of the error table (and
    # its message id); the limit is process-wide, so it is put back when the endpoint stops.
    previous_limits = set_limits(max_frame_bytes=config.max_frame_bytes)
    try:
        sink = await open_sink(config)
    except BaseException:
        set_limits(max_frame_bytes=previous_limits.max_frame_bytes)
        raise
    try:
        ingest = IngestServer(
            Dispatcher(
                MeterValuesIngest(sink),
                profile=config.profile,
                station_profiles=config.station_profiles,
                services=config.services(),
            ),
            shutdown_grace=config.shutdown_grace,
            authenticator=authenticator,
            max_connections=config.max_connections,
            dialects=config.dialects,
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
            # TLS is set up by the connection itself, so that a refused handshake is logged.
            create_connection=(None if ssl_context is None else tls_connection_class(ssl_context)),
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
            if on_ready is not None:
                ready = on_ready(port)
                if ready is not None:
                    await ready
            await stop_event.wait()
            logger.info("shutting down")
            await ingest.shutdown(server)
    finally:
        set_limits(max_frame_bytes=previous_limits.max_frame_bytes)
        await sink.aclose()
        if own_signals:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
        logger.info("stopped: %s", sink.summary())


def _on_signal(signum: int, stop: asyncio.Event) -> None:
    logger.info("received %s", signal.Signals(signum).name)
    stop.set()


def tls_connection_class(
    context: ssl.SSLContext, handshake_timeout: float = 10.0
) -> type[ServerConnection]:
    """A :class:`ServerConnection` that runs the TLS handshake itself on the accepted TCP
    connection, and logs a failed one (no certificate, an untrusted one, not TLS at all) as a
    refusal with the peer address and the reason; asyncio's own TLS server says nothing."""

    class TlsServerConnection(ServerConnection):
        _tls_ready = False
        _early_data: list[bytes]

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            transport.pause_reading()  # start_tls resumes it under the TLS layer
            self._early_data = []
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
                logger.warning("refused TLS connection from %s: %s", peer, reason)
                transport.abort()
                return
            if tls is None:  # the peer went away meanwhile
                transport.abort()
                return
            self._tls_ready = True
            super().connection_made(tls)
            early, self._early_data = self._early_data, []
            for data in early:
                super().data_received(data)

        def data_received(self, data: bytes) -> None:
            # The TLS layer may hand over the first bytes before _start_tls resumes.
            if self._tls_ready:
                super().data_received(data)
            else:
                self._early_data.append(data)

        def connection_lost(self, exc: Exception | None) -> None:
            if self._tls_ready:
                super().connection_lost(exc)

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
            reason = f"{type(error).__name__}: {error}"[:120]
            if cause is not None:
                reason += f" (from {type(cause).__name__})"
            record.msg = "opening handshake failed: %r"
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
