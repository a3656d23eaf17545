"""Limits that hold before a client has proved who it is: handshakes in progress (TLS included),
password checks in flight and per second, open connections, per source address and in total.

Every accepted TCP connection gets a :class:`Ticket` (see :class:`AdmittedConnection`) that holds
what it costs: a handshake slot from the moment it is accepted until its WebSocket is open, a
connection slot from the handshake check until it closes, a password check while it is hashed.
Each is taken and checked in one step on the event loop, with no ``await`` in between, so a limit
holds exactly however many clients race for it; each is given back when the connection goes.

A refusal is a :class:`Refusal`: HTTP 503 with ``Retry-After`` when the endpoint as a whole is
at a limit, HTTP 429 with ``Retry-After`` when one source address is. A TLS handshake over the
limit is closed before TLS starts (no HTTP can be sent). Per-address limits are about concurrency
and rate, never about how many stations share an address: a fleet behind one NAT address gets
the same service as one station per address, at most the per-address rate at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from dataclasses import dataclass
from http import HTTPStatus
from typing import Callable, ClassVar

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Response

from .logsafe import peer_host

__all__ = [
    "CHECK_WORKERS",
    "Admission",
    "AdmissionLimits",
    "AdmittedConnection",
    "Refusal",
    "Ticket",
]


CHECK_WORKERS = 4
"""Password checks run on worker threads, at most this many at once."""


@dataclass(frozen=True)
class AdmissionLimits:
    """The limits of :class:`Admission`; the defaults are those of ``ocpp-meter serve``.
    ``None`` means no limit."""

    max_connections: int | None = 10_000
    """Connections past the handshake check (open, or in their password check), in total."""
    max_handshakes: int = 500
    """TCP connections accepted whose WebSocket is not open yet (TLS handshakes included)."""
    max_handshakes_per_address: int = 100
    max_checks: int = 256
    """Password checks in flight (waiting for a worker or hashing), in total."""
    max_checks_per_address: int = 16
    checks_per_second: float = 100.0
    """Password checks started per second, in total (a burst of one second's worth)."""
    checks_per_second_per_address: float = 25.0
    retry_after: int = 10
    """The ``Retry-After`` of a refusal by a limit, in seconds."""

    def check(self) -> None:
        """``ValueError`` if a limit is not positive."""
        for name in (
            "max_handshakes",
            "max_handshakes_per_address",
            "max_checks",
            "max_checks_per_address",
            "checks_per_second",
            "checks_per_second_per_address",
            "retry_after",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name.replace('_', '-')} must be positive")
        if self.max_connections is not None and self.max_connections < 1:
            raise ValueError("max-connections must be positive")


@dataclass(frozen=True)
class Refusal:
    """Why a handshake is refused: the HTTP status, a short reason for the log, and whether the
    client should come back later (``Retry-After``)."""

    status: HTTPStatus
    reason: str
    retry_after: int | None = None

    def response(self, connection: ServerConnection) -> Response:
        """The HTTP response of the refusal (the status phrase as its body)."""
        response = connection.respond(self.status, f"{self.status.phrase}\n")
        if self.retry_after is not None:
            response.headers["Retry-After"] = str(self.retry_after)
        return response


class Ticket:
    """What one TCP connection holds of the limits."""

    __slots__ = ("address", "checking", "connection", "gone", "handshake", "over_limit")

    def __init__(self, address: str) -> None:
        self.address = address
        self.handshake = False
        self.connection = False
        self.checking = False
        self.gone = False
        """The client closed or reset its side: work for it is skipped."""
        self.over_limit: Refusal | None = None
        """Accepted past the handshake limit: refused as soon as its request is read."""


class _Rate:
    """A token bucket: ``rate`` per second, at most one second's worth saved up."""

    __slots__ = ("last", "tokens")

    def __init__(self, rate: float, now: float) -> None:
        self.tokens = max(rate, 1.0)
        self.last = now

    def take(self, rate: float, now: float) -> bool:
        self.tokens = min(max(rate, 1.0), self.tokens + (now - self.last) * rate)
        self.last = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class Admission:
    """The counters of :class:`AdmissionLimits` for one endpoint (one event loop)."""

    def __init__(
        self,
        limits: AdmissionLimits | None = None,
        *,
        workers: int = CHECK_WORKERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or AdmissionLimits()
        self.clock = clock
        self.handshakes = 0
        self.over_limit = 0
        """Accepted past a handshake limit, to be refused when their request is read."""
        self.connections = 0
        self.checks = 0
        self.checks_started = 0
        self.checks_skipped = 0
        """Checks dropped unhashed because their client had gone."""
        self._handshakes: Counter[str] = Counter()
        self._checks: Counter[str] = Counter()
        self._rate = _Rate(self.limits.checks_per_second, clock())
        self._rates: dict[str, _Rate] = {}
        self._free_workers = workers
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}
        """Checks waiting for a worker, per address; served one address after the other."""

    def _busy(self, reason: str) -> Refusal:
        return Refusal(HTTPStatus.SERVICE_UNAVAILABLE, reason, self.limits.retry_after)

    def _slow_down(self, reason: str) -> Refusal:
        return Refusal(HTTPStatus.TOO_MANY_REQUESTS, reason, self.limits.retry_after)

    def open_handshake(self, ticket: Ticket) -> Refusal | None:
        """Count a newly accepted connection's handshake, or say which limit it is over."""
        limits = self.limits
        if self.handshakes >= limits.max_handshakes:
            return self._busy("too many handshakes in progress")
        if self._handshakes[ticket.address] >= limits.max_handshakes_per_address:
            return self._slow_down("too many handshakes in progress from this address")
        self.handshakes += 1
        self._handshakes[ticket.address] += 1
        ticket.handshake = True
        return None

    def end_handshake(self, ticket: Ticket) -> None:
        """The handshake is over (the WebSocket is open, or the connection gone)."""
        if ticket.handshake:
            ticket.handshake = False
            self.handshakes -= 1
            _decrement(self._handshakes, ticket.address)

    def open_connection(self, ticket: Ticket) -> Refusal | None:
        """Count the connection against ``max_connections`` (at the handshake check, before
        any password is checked), or refuse it."""
        if ticket.gone:  # nothing to count: the client closed its side already
            return Refusal(HTTPStatus.BAD_REQUEST, "the client has gone")
        limit = self.limits.max_connections
        if limit is not None and self.connections >= limit:
            return self._busy("as many connections open as the limit")
        self.connections += 1
        ticket.connection = True
        return None

    async def password_check(self, ticket: Ticket, check: Callable[[], bool]) -> bool | Refusal:
        """Run ``check`` on a worker thread within the limits: its result, or the refusal.
        ``False`` without running it if the client has gone before a worker was free."""
        limits = self.limits
        now = self.clock()
        address = ticket.address
        if ticket.gone:
            self.checks_skipped += 1
            return False
        if self.checks >= limits.max_checks:
            return self._busy("too many password checks in flight")
        if self._checks[address] >= limits.max_checks_per_address:
            return self._slow_down("too many password checks in flight from this address")
        rate = self._rates.get(address)
        if rate is None:
            if len(self._rates) > 4 * limits.max_handshakes:
                self._forget_rates(now)
            rate = self._rates[address] = _Rate(limits.checks_per_second_per_address, now)
        if not rate.take(limits.checks_per_second_per_address, now):
            return self._slow_down("too many password checks per second from this address")
        if not self._rate.take(limits.checks_per_second, now):
            return self._busy("too many password checks per second")
        self.checks += 1
        self._checks[address] += 1
        ticket.checking = True
        try:
            await self._worker(address)
            try:
                if ticket.gone:
                    self.checks_skipped += 1
                    return False
                self.checks_started += 1
                return await asyncio.to_thread(check)
            finally:
                self._next_worker()
        finally:
            ticket.checking = False
            self.checks -= 1
            _decrement(self._checks, address)

    async def _worker(self, address: str) -> None:
        """Wait for a free worker. Waiting checks are served round robin by address, so a
        flood from one address delays another address's check by one check at most."""
        if self._free_workers > 0 and not self._waiting:
            self._free_workers -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(address, deque()).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._next_worker()  # the worker was handed over: pass it on
            else:
                queue = self._waiting.get(address)
                if queue is not None and turn in queue:
                    queue.remove(turn)
                    if not queue:
                        del self._waiting[address]
            raise

    def _next_worker(self) -> None:
        """Hand a freed worker to the next address's oldest waiting check."""
        while self._waiting:
            address = next(iter(self._waiting))
            queue = self._waiting.pop(address)
            turn = queue.popleft()
            if queue:
                self._waiting[address] = queue  # to the back of the round
            if not turn.done():
                turn.set_result(None)
                return
        self._free_workers += 1

    def _forget_rates(self, now: float) -> None:
        # A bucket that has refilled says nothing more than a new one would.
        full = [
            address
            for address, rate in self._rates.items()
            if rate.tokens + (now - rate.last) * self.limits.checks_per_second_per_address
            >= max(self.limits.checks_per_second_per_address, 1.0)
        ]
        for address in full:
            del self._rates[address]

    def release(self, ticket: Ticket) -> None:
        """The connection is gone: give back whatever it held."""
        ticket.gone = True
        self.end_handshake(ticket)
        if ticket.over_limit is not None:
            ticket.over_limit = None
            self.over_limit -= 1
        if ticket.connection:
            ticket.connection = False
            self.connections -= 1


def _decrement(counter: Counter[str], key: str) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]


class AdmittedConnection(ServerConnection):
    """A :class:`ServerConnection` that holds a :class:`Ticket` of :attr:`admission` from the
    moment its TCP connection is accepted until it is lost. Subclasses made by
    :meth:`bound` set :attr:`admission`."""

    admission: ClassVar[Admission]
    ticket: Ticket

    @classmethod
    def bound(cls, admission: Admission) -> type[AdmittedConnection]:
        """This class with its :attr:`admission` set."""
        return type(cls.__name__, (cls,), {"admission": admission})

    def admit(self, transport: asyncio.BaseTransport) -> bool:
        """Count the new connection's handshake; ``False`` if it must be dropped unanswered:
        past a handshake limit it is refused when its request is read, unless as many are
        waiting for that already (``max_handshakes``), then it is dropped at once."""
        self.ticket = Ticket(peer_host(transport.get_extra_info("peername")))
        refusal = self.admission.open_handshake(self.ticket)
        if refusal is None:
            return True
        if self.admission.over_limit >= self.admission.limits.max_handshakes:
            return False
        self.admission.over_limit += 1
        self.ticket.over_limit = refusal
        return True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self.admit(transport):
            self.ticket.gone = True
            assert isinstance(transport, asyncio.Transport)
            transport.abort()
        super().connection_made(transport)

    def eof_received(self) -> None:
        # A WebSocket client never half-closes during its handshake: it has gone.
        self.ticket.gone = True
        super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.admission.release(self.ticket)
        super().connection_lost(exc)
