"""A lean JetStream pull consumer: the worker's fetch and acknowledgement path.

nats-py's ``fetch`` builds a ``Msg`` per message, parses every header block with the e-mail
parser and waits on a queue per message, and each ``ack`` is a publish of its own: 50-65 us a
message on the event loop, more than decoding and storing it. This connection does only what a
worker needs, in bulk: one pull request per batch
(``$JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>``), every frame of a socket read split at once
(:func:`~ocpp_meter.nats_frames.split_frames`), header blocks kept as bytes (the decoding thread
reads them), and the acknowledgements of a batch written in one write followed by a ``PING``
whose ``PONG`` says the server has them.

Same guarantees as the client it stands beside: a message is acknowledged only when the worker
says so (after its commit); a message delivered on a connection that breaks, or whose
acknowledgement is lost, comes back after ``ack_wait``. The connection tries the cluster's
servers in turn, again every :data:`RECONNECT_WAIT` seconds while none answers; an
acknowledgement can be sent on any connection (its subject names the message), so a batch
fetched before a node died is acknowledged through another node. A node that hangs without
closing the connection is noticed too: a pull request it leaves unanswered, or a ``PING`` it
does not answer within :data:`FLUSH_TIMEOUT` seconds, drops the connection.

The worker keeps its nats-py connection for the rest (streams, the durable's creation,
dead-letter publishes).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import time
from collections.abc import Sequence

from .nats_frames import Frame, Message, ProtocolError, split_frames, status_of

__all__ = ["LINGER", "RECONNECT_WAIT", "PullConsumer", "nak_body"]

logger = logging.getLogger(__name__)

RECONNECT_WAIT = 0.25
LINGER = 0.05
"""Seconds a pull request waits for messages when none are waiting."""
CONNECT_TIMEOUT = 2.0
FLUSH_TIMEOUT = 5.0
READ_SIZE = 1 << 20
_LOG_INTERVAL = 10.0


class PullConsumer:
    """Fetch batches from a durable pull consumer and acknowledge them in bulk."""

    def __init__(self, servers: Sequence[str], stream: str, durable: str, name: str) -> None:
        self._servers = [s.removeprefix("nats://") for s in servers]
        self._next_server = itertools.cycle(range(len(self._servers)))
        self._name = name
        self._next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}".encode()
        self._inbox = b"_INBOX." + os.urandom(11).hex().encode()
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._pongs: list[asyncio.Future[None]] = []
        self._ready: list[Message] = []
        self._want = 0
        self._ended: asyncio.Future[None] | None = None
        self._logged = -_LOG_INTERVAL
        self._connecting: asyncio.Lock | None = None

    # Connection.

    async def _ensure_connected(self) -> None:
        """Connect unless connected; the fetching and the acknowledging tasks share one
        attempt."""
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._writer is None:
                await self._connect()

    async def _connect(self) -> None:
        """Connect to the next server of the list; raises ``OSError`` (or a protocol error) if
        it does not answer, after :data:`RECONNECT_WAIT`."""
        host, _, port = self._servers[next(self._next_server)].rpartition(":")
        opened: asyncio.StreamWriter | None = None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host.strip("[]"), int(port), limit=READ_SIZE),
                CONNECT_TIMEOUT,
            )
            opened = writer
            info = await asyncio.wait_for(reader.readline(), CONNECT_TIMEOUT)
            if not info.startswith(b"INFO "):
                raise ProtocolError(f"no INFO from the server: {info[:200]!r}")
        except (OSError, asyncio.TimeoutError, ProtocolError):
            if opened is not None:
                opened.close()
            await asyncio.sleep(RECONNECT_WAIT)
            raise
        options = {
            "verbose": False,
            "pedantic": False,
            "headers": True,
            "no_responders": True,
            "protocol": 1,
            "echo": False,
            "lang": "python",
            "version": "ocpp-meter",
            "name": self._name,
        }
        writer.write(
            b"CONNECT " + json.dumps(options).encode() + b"\r\nSUB " + self._inbox + b" 1\r\n"
        )
        self._writer = writer
        self._reader_task = asyncio.ensure_future(self._read(reader, writer))
        try:
            await self._flush()
        except Exception:
            self._drop(writer)
            await asyncio.sleep(RECONNECT_WAIT)
            raise

    def _drop(self, writer: asyncio.StreamWriter) -> None:
        """Forget a broken connection: whoever waits on it is released."""
        if self._writer is writer:
            self._writer = None
        writer.close()
        for pong in self._pongs:
            if not pong.done():
                pong.set_exception(ConnectionError("connection to the broker lost"))
        self._pongs = []
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(None)

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pending = b""
        try:
            while True:
                chunk = await reader.read(READ_SIZE)
                if not chunk:
                    raise ConnectionError("the broker closed the connection")
                pending = pending + chunk if pending else chunk
                frames, used = split_frames(pending)
                pending = pending[used:]
                self._take(frames, writer)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - any fault ends this connection only
            self._log(f"broker connection lost: {type(error).__name__}: {error}")
        finally:
            self._drop(writer)

    def _take(self, frames: list[Frame], writer: asyncio.StreamWriter) -> None:
        ready = self._ready
        for frame in frames:
            if isinstance(frame, Message):
                if frame.headers and frame.payload == b"":
                    status = status_of(frame.headers)
                    if status is not None:
                        # 404/408: the request is over (no more messages, or it expired);
                        # 409: ended by the server (leader change, limits); 503: no
                        # consumer leader to answer yet. 100 (heartbeat) is not asked for.
                        if status >= 400 and self._ended is not None and not self._ended.done():
                            self._ended.set_result(None)
                        continue
                ready.append(frame)
                if self._ended is not None and len(ready) >= self._want and not self._ended.done():
                    self._ended.set_result(None)
                continue
            op, argument = frame
            if op == b"PING":
                writer.write(b"PONG\r\n")
            elif op == b"PONG":
                if self._pongs:
                    pong = self._pongs.pop(0)
                    if not pong.done():
                        pong.set_result(None)
            elif op == b"-ERR":
                self._log(f"broker error: {argument.decode(errors='replace')}")

    def _log(self, text: str) -> None:
        now = time.monotonic()
        if now - self._logged >= _LOG_INTERVAL:
            self._logged = now
            logger.warning("%s: %s (reconnecting)", self._name, text)

    async def _flush(self) -> None:
        """Wait until the server has read everything written so far (``PING`` -> ``PONG``)."""
        writer = self._writer
        if writer is None:
            raise ConnectionError("not connected to the broker")
        pong = asyncio.get_running_loop().create_future()
        self._pongs.append(pong)
        writer.write(b"PING\r\n")
        try:
            await asyncio.wait_for(pong, FLUSH_TIMEOUT)
        except asyncio.TimeoutError:
            # A host that died, or froze, without resetting the connection leaves the socket
            # open for many minutes: a server that does not answer a PING is taken as gone.
            self._drop(writer)
            raise

    # Fetching and acknowledging.

    async def fetch(self, batch: int, timeout: float) -> list[Message]:
        """Up to ``batch`` messages: those waiting now, or else the first ones within
        ``timeout`` seconds (an empty list if none came, or no server answers: then after
        trying the next one)."""
        if self._writer is None:
            try:
                await self._ensure_connected()
            except (OSError, asyncio.TimeoutError, ProtocolError) as error:
                self._log(f"broker unreachable: {type(error).__name__}: {error}")
                return []
        if not self._ready:
            await self._pull({"batch": batch, "no_wait": True}, batch, timeout)
        # Nothing waiting: requests that last :data:`LINGER` each, until messages come or
        # ``timeout`` is spent. One request lasting ``timeout`` would hold what arrives until a
        # whole batch has come (the lag to the database), and one answered at its first message
        # would outlive the fetch: what it delivered after a worker stopped would be lost until
        # ``ack_wait``.
        deadline = time.monotonic() + timeout
        while not self._ready and self._writer is not None:
            wait = min(LINGER, deadline - time.monotonic())
            if wait <= 0.001:
                break
            await self._pull(
                {"batch": batch, "expires": int(wait * 1e9) - 100_000}, batch, wait + 1.0
            )
        got, self._ready = self._ready[:batch], self._ready[batch:]
        return got

    async def _pull(self, request: dict[str, object], want: int, limit: float) -> None:
        """Send a pull request; wait until ``want`` messages are in hand, the request is over
        (a status), the connection is lost, or ``limit`` seconds."""
        writer = self._writer
        if writer is None:
            return
        body = json.dumps(request).encode()
        self._want = want
        self._ended = asyncio.get_running_loop().create_future()
        writer.write(b"PUB %s %s %d\r\n%s\r\n" % (self._next_subject, self._inbox, len(body), body))
        try:
            await asyncio.wait_for(self._ended, limit)
        except asyncio.TimeoutError:
            silent = not self._ready
        else:
            silent = False
        finally:
            self._ended = None
        if silent:
            # The server ends every request with a status (404, 408): silence from it, with
            # nothing delivered, means it may be gone. The PING drops the connection if so,
            # and the next fetch tries the next server.
            try:
                await self._flush()
            except (ConnectionError, asyncio.TimeoutError) as error:
                self._log(f"broker not answering: {type(error).__name__}: {error}")

    async def acknowledge(self, replies: Sequence[bytes], body: bytes = b"+ACK") -> None:
        """Send ``body`` (``+ACK``, or a ``-NAK``) to each message's reply subject in one write,
        and wait until the server has read them; raises ``ConnectionError`` or
        ``asyncio.TimeoutError`` if that is not known (the messages then come back after
        ``ack_wait``)."""
        if not replies:
            return
        if self._writer is None:
            await self._ensure_connected()
        writer = self._writer
        if writer is None:
            raise ConnectionError("not connected to the broker")
        tail = b" %d\r\n%s\r\n" % (len(body), body)
        writer.write(b"".join([b"PUB " + reply + tail for reply in replies]))
        await self._flush()

    async def close(self) -> None:
        """Return the messages delivered and not yet fetched (``-NAK``: JetStream gives them
        to another worker at once, not after ``ack_wait``), then close the connection (a pull
        request still open on the server ends with it)."""
        held, self._ready = self._ready, []
        if held and self._writer is not None:
            try:
                await self.acknowledge([m.reply for m in held], nak_body(None))
            except Exception as error:  # noqa: BLE001 - unacknowledged, they come back later
                logger.debug("returning %d held messages failed: %s", len(held), error)
        writer = self._writer
        task = self._reader_task
        if writer is not None:
            self._drop(writer)
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass


def nak_body(delay: float | None) -> bytes:
    """The body of a negative acknowledgement, redelivered after ``delay`` seconds."""
    if not delay:
        return b"-NAK"
    return b'-NAK {"delay": %d}' % int(delay * 1e9)
