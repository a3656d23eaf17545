"""The reference CSMS ingest endpoint: OCPP 2.0.1 over WebSocket, meter values into SQLite.

``ocpp-meter serve`` runs :func:`serve` on one asyncio event loop (``websockets`` library):

- A station connects to ``ws://HOST:PORT/<anything>/<station id>``; the id is the URL's last
  path segment, percent-decoded (1 to 48 characters, as OCPP-J allows). The handshake must
  offer the ``ocpp2.0.1`` subprotocol, otherwise it is refused with HTTP 400.
- Each frame goes through a :class:`~ocpp_meter.dispatch.Dispatcher` whose handler,
  :class:`MeterValuesIngest`, queues the frame's rows on the
  :class:`~ocpp_meter.storage.GroupCommitWriter` and returns the CALLRESULT only once they are
  committed. Other actions are answered ``NotImplemented`` (by the core), broken frames with
  the CALLERROR of the contract's error table; the connection stays open either way.
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
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Callable
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection
from websockets.asyncio.server import serve as websockets_serve
from websockets.exceptions import ConnectionClosed, NegotiationError
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ._core import MeterValuesRequest, MeterValuesResponse
from .dispatch import Dispatcher, current_call
from .storage import GroupCommitWriter

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SUBPROTOCOL",
    "IngestServer",
    "MeterValuesIngest",
    "ServeConfig",
    "serve",
    "station_id_from_path",
]

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9000
SUBPROTOCOL = "ocpp2.0.1"
MAX_STATION_ID_LENGTH = 48


def station_id_from_path(path: str) -> str | None:
    """The station id in a request path: its last segment, percent-decoded; ``None`` if bad."""
    segment = urlsplit(path).path.rsplit("/", 1)[-1]
    station_id = unquote(segment, errors="strict") if "%" in segment else segment
    if not 1 <= len(station_id) <= MAX_STATION_ID_LENGTH or not station_id.isprintable():
        return None
    return station_id


class MeterValuesIngest:
    """The CSMS handler of the endpoint: store the rows, acknowledge once they are committed."""

    def __init__(self, writer: GroupCommitWriter) -> None:
        self.writer = writer

    async def on_meter_values(
        self, charging_station_id: str, request: MeterValuesRequest
    ) -> MeterValuesResponse:
        call = current_call()
        message_id = call.message_id if call is not None else ""
        # The rows are built on the writer thread: the event loop never reads the readings.
        await self.writer.write(charging_station_id, message_id, request)
        return MeterValuesResponse()


@dataclass
class ServeConfig:
    """Options of :func:`serve`; the defaults are those of ``ocpp-meter serve``."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    db: str = "meter.sqlite"
    synchronous: str = "full"
    max_batch_frames: int = 1000
    max_frame_bytes: int = 1 << 20
    shutdown_grace: float = 10.0


class IngestServer:
    """The WebSocket side: handshake checks, one read loop per connection, clean shutdown."""

    def __init__(self, dispatcher: Dispatcher, *, shutdown_grace: float = 10.0) -> None:
        self.dispatcher = dispatcher
        self.shutdown_grace = shutdown_grace
        self._connections: dict[ServerConnection, asyncio.Lock] = {}
        self._stopping = False

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse handshakes without a station id, and every handshake once stopping."""
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
        return None

    def select_subprotocol(
        self, connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        """Accept ``ocpp2.0.1`` only; a handshake that does not offer it is refused (400)."""
        if SUBPROTOCOL in subprotocols:
            return Subprotocol(SUBPROTOCOL)
        # Returning None would accept the connection without a subprotocol: refuse instead.
        logger.warning(
            "refused connection to %r: subprotocols %r do not include %s",
            connection.request.path if connection.request else None,
            subprotocols,
            SUBPROTOCOL,
        )
        raise NegotiationError(f"the {SUBPROTOCOL} subprotocol is required")

    async def handle(self, connection: ServerConnection) -> None:
        """Read frames and answer each before reading the next, until the peer goes."""
        assert connection.request is not None
        station_id = station_id_from_path(connection.request.path) or ""
        lock = asyncio.Lock()
        self._connections[connection] = lock
        logger.info("station %r connected from %s", station_id, connection.remote_address)
        try:
            async for frame in connection:
                async with lock:
                    if self._stopping:
                        break
                    reply = await self.dispatcher.dispatch_async(station_id, frame)
                    if reply is not None:
                        await connection.send(reply, text=True)
        except ConnectionClosed:
            pass
        finally:
            del self._connections[connection]
            logger.info("station %r disconnected (code %s)", station_id, connection.close_code)

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
    async def _close_when_idle(connection: ServerConnection, lock: asyncio.Lock) -> None:
        async with lock:  # waits for the frame in progress, if any, to be answered
            await connection.close(1001, "CSMS shutting down")


async def serve(
    config: ServeConfig,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[int], Awaitable[None] | None] | None = None,
) -> None:
    """Run the endpoint until ``stop`` is set, or until SIGINT or SIGTERM when ``stop`` is
    ``None``; ``on_ready`` gets the bound port once the server listens."""
    loop = asyncio.get_running_loop()
    own_signals = stop is None
    stop_event = asyncio.Event() if stop is None else stop
    if own_signals:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, _on_signal, signum, stop_event)
    writer = GroupCommitWriter(
        config.db, synchronous=config.synchronous, max_batch_frames=config.max_batch_frames
    ).start()
    try:
        ingest = IngestServer(
            Dispatcher(MeterValuesIngest(writer)), shutdown_grace=config.shutdown_grace
        )
        async with websockets_serve(
            ingest.handle,
            config.host,
            config.port,
            subprotocols=[Subprotocol(SUBPROTOCOL)],
            select_subprotocol=ingest.select_subprotocol,
            process_request=ingest.process_request,
            max_size=config.max_frame_bytes,
            server_header=None,
        ) as server:
            port = _bound_port(server, config.port)
            logger.info(
                "listening on %s:%d (database %s, synchronous=%s)",
                config.host,
                port,
                config.db,
                config.synchronous,
            )
            if on_ready is not None:
                ready = on_ready(port)
                if ready is not None:
                    await ready
            await stop_event.wait()
            logger.info("shutting down")
            await ingest.shutdown(server)
    finally:
        await writer.aclose()
        if own_signals:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
        stats = writer.stats
        logger.info(
            "stopped: %d frames, %d rows in %d commits (%d frames failed)",
            stats.frames,
            stats.rows,
            stats.commits,
            stats.failed_frames,
        )


def _on_signal(signum: int, stop: asyncio.Event) -> None:
    logger.info("received %s", signal.Signals(signum).name)
    stop.set()


def _bound_port(server: Server, default: int) -> int:
    for sock in server.sockets:
        return int(sock.getsockname()[1])
    return default


def run(config: ServeConfig) -> int:
    """Run :func:`serve` in a fresh event loop; the exit status of ``ocpp-meter serve``."""
    asyncio.run(serve(config))
    return 0
