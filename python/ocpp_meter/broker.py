"""The durable log between gateways and workers: NATS JetStream names, subjects and headers.

A gateway (``ocpp-meter serve --broker``) publishes each validated frame, as received, to the
stream :data:`STREAM` on the subject ``ocpp.meter.<station>`` (:func:`station_subject`: one
subject per station, so a station's frames stay in order), with the headers:

- ``Nats-Msg-Id``: the frame's identity (:func:`~ocpp_meter.postgres_store.frame_identity`),
  so JetStream drops a publish it already holds (a retry after a lost ack) within its
  deduplication window, and the store drops it after that;
- ``Ocpp-Station`` (percent-encoded UTF-8), ``Ocpp-Message-Id``, ``Ocpp-Action``,
  ``Ocpp-Dialect``, ``Ocpp-Profile``, and ``Ocpp-Received`` (microseconds since the Unix epoch,
  UTC);
- on an OCPP 1.6 StartTransaction, ``Ocpp-Transaction-Id``: the id the gateway answered with
  (:mod:`ocpp_meter.broker_transaction_ids`), which the worker gives the frame's rows and event
  record (the request has none); on a StopTransaction, ``Ocpp-Connector-Id`` when the gateway
  knows the transaction's connector (the request names none).

Workers (``ocpp-meter worker``) share the durable pull consumer :data:`DURABLE`. A frame that
cannot be stored is published to ``ocpp.dead.<station>`` on the stream :data:`DEAD_STREAM`
with its headers and ``Ocpp-Dead-Reason``, then acknowledged.

Needs the ``scale`` extra (``nats-py``).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote, unquote

__all__ = [
    "BROKER_URL_FORM",
    "DEAD_STREAM",
    "DEAD_SUBJECT_PREFIX",
    "DURABLE",
    "HEADER_ACTION",
    "HEADER_CONNECTOR_ID",
    "HEADER_DEAD_REASON",
    "HEADER_DIALECT",
    "HEADER_MESSAGE_ID",
    "HEADER_PROFILE",
    "HEADER_RECEIVED",
    "HEADER_STATION",
    "HEADER_TRANSACTION_ID",
    "STREAM",
    "SUBJECT_PREFIX",
    "PlacementPending",
    "broker_servers",
    "connect",
    "create_unless_present",
    "ensure_streams",
    "station_from_header",
    "station_header",
    "station_subject",
    "until_stopped",
    "when_jetstream_answers",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

STREAM = "OCPP_METER"
SUBJECT_PREFIX = "ocpp.meter."
DEAD_STREAM = "OCPP_METER_DEAD"
DEAD_SUBJECT_PREFIX = "ocpp.dead."
DURABLE = "ocpp-meter-workers"
HEADER_STATION = "Ocpp-Station"
HEADER_MESSAGE_ID = "Ocpp-Message-Id"
HEADER_ACTION = "Ocpp-Action"
HEADER_DIALECT = "Ocpp-Dialect"
HEADER_PROFILE = "Ocpp-Profile"
HEADER_RECEIVED = "Ocpp-Received"
HEADER_DEAD_REASON = "Ocpp-Dead-Reason"
HEADER_TRANSACTION_ID = "Ocpp-Transaction-Id"
HEADER_CONNECTOR_ID = "Ocpp-Connector-Id"
DUPLICATE_WINDOW = 120.0
"""Seconds JetStream remembers a ``Nats-Msg-Id`` (its default)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def station_subject(station_id: str, prefix: str = SUBJECT_PREFIX) -> str:
    """The subject of a station: its id with every character other than ``A-Z a-z 0-9 _ -``
    percent-encoded (UTF-8), so ``.``, ``*``, ``>`` and spaces never reach the subject."""
    return prefix + _UNSAFE.sub(lambda m: quote(m.group(), safe="").replace(".", "%2E"), station_id)


def station_header(station_id: str) -> str:
    """The station id as a header value (ASCII: percent-encoded UTF-8)."""
    return quote(station_id, safe="")


def station_from_header(value: str) -> str:
    """The station id from :func:`station_header`'s value."""
    return unquote(value, errors="strict")


BROKER_URL_FORM = "nats://host:port[,host:port...]"
"""The one broker URL form ``serve --broker`` and ``worker --broker`` take."""

_SERVER = re.compile(
    r"(?:nats://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
    r":(?P<port>[0-9]{1,5})"
)


def broker_servers(url: str) -> list[str]:
    """``nats://h1:p1,h2:p2`` -> ``["nats://h1:p1", "nats://h2:p2"]``.

    Each server is a host name, an IPv4 address or a bracketed IPv6 address, and a port
    (1-65535); a server after the first may repeat ``nats://`` (the form NATS's own tools take).
    Anything else (another scheme, credentials, a path, a missing port, spaces, an empty item)
    raises ``ValueError`` with one line saying what is wrong, before any connection is tried.
    """
    if not isinstance(url, str) or not url.startswith("nats://"):
        raise ValueError(f"the broker URL must be {BROKER_URL_FORM}, not {url!r}")
    servers = []
    for item in url[len("nats://") :].split(","):
        found = _SERVER.fullmatch(item)
        if found is None or not 1 <= int(found["port"]) <= 65535:
            raise ValueError(
                f"the broker URL must be {BROKER_URL_FORM}: {item!r} is not host:port (in {url!r})"
            )
        servers.append(f"nats://{found['host']}:{int(found['port'])}")
    return servers


def _error_logger(name: str) -> Any:
    """The NATS client's error callback (a coroutine function, as the client insists): one log
    line per distinct error per :data:`ERROR_LOG_INTERVAL` seconds (the client's own logs a
    traceback on every attempt, four a second while a node or the whole broker is down)."""
    last: dict[str, float] = {}

    async def log_error(error: Exception) -> None:
        text = " ".join(f"{type(error).__name__}: {error}".split())
        now = time.monotonic()
        if now - last.get(text, -ERROR_LOG_INTERVAL) >= ERROR_LOG_INTERVAL:
            last[text] = now
            logger.warning("%s: broker connection: %s (retrying)", name, text)

    return log_error


ERROR_LOG_INTERVAL = 10.0


PING_INTERVAL = 5.0
"""Seconds between the client's PINGs. A node that hangs without closing the connection (a
frozen host, a lost network) is left after :data:`MAX_OUTSTANDING_PINGS` unanswered ones, in
10 to 15 s; the client's default (2 minutes, twice) would keep a gateway refusing every frame,
or a worker idle, for about 4 minutes."""
MAX_OUTSTANDING_PINGS = 2


async def connect(url: str, name: str) -> Any:
    """A NATS connection that reconnects for ever (a node being down is normal), also while
    first connecting, and leaves a node that stops answering (:data:`PING_INTERVAL`); its
    errors are logged one line each, repeats every 10 s at most."""
    nats = importlib.import_module("nats")
    return await nats.connect(
        servers=broker_servers(url),
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.25,
        connect_timeout=2,
        ping_interval=PING_INTERVAL,
        max_outstanding_pings=MAX_OUTSTANDING_PINGS,
        allow_reconnect=True,
        error_cb=_error_logger(name),
    )


_NO_PEERS_FOR_PLACEMENT = 10005
"""JetStream's error code when a stream's replicas cannot be placed on the nodes it knows."""


class PlacementPending(Exception):
    """JetStream has a quorum but not yet ``replicas`` nodes to place a new stream or bucket on
    (nodes still joining): waited for as for a quorum."""


async def ensure_streams(js: Any, replicas: int) -> None:
    """Create the stream and the dead-letter stream if missing (file storage, ``replicas``
    copies by Raft); an existing stream is left as the operator configured it. Raises
    :class:`PlacementPending` while the cluster cannot place a missing one's replicas."""
    api = importlib.import_module("nats.js.api")
    not_found = importlib.import_module("nats.js.errors").NotFoundError

    for name, subjects in ((STREAM, SUBJECT_PREFIX), (DEAD_STREAM, DEAD_SUBJECT_PREFIX)):
        try:
            await js.stream_info(name)
            continue
        except not_found:
            pass
        config = api.StreamConfig(
            name=name,
            subjects=[subjects + ">"],
            storage=api.StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=DUPLICATE_WINDOW,
        )
        await create_unless_present(
            partial(js.add_stream, config), partial(js.stream_info, name), not_found
        )


async def create_unless_present(
    create: Callable[[], Awaitable[T]],
    find: Callable[[], Awaitable[T]],
    missing: type[Exception],
) -> T:
    """``await create()`` of a JetStream stream or bucket; if that fails, what ``find()`` gives
    (another gateway or worker created it meanwhile). If ``find()`` raises ``missing`` too, the
    creation's own error is raised: as :class:`PlacementPending` when the cluster cannot place
    its replicas yet ("no suitable peers"), so :func:`when_jetstream_answers` waits for it."""
    try:
        return await create()
    except Exception as error:  # noqa: BLE001 - re-raised below unless it now exists
        try:
            return await find()
        except missing:
            if getattr(error, "err_code", None) == _NO_PEERS_FOR_PLACEMENT:
                raise PlacementPending(str(error)) from error
            raise error from None


async def when_jetstream_answers(operation: Callable[[], Awaitable[T]], name: str) -> T:
    """``await operation()`` (JetStream API calls), again every half second while JetStream
    cannot answer them: no quorum (a majority of the cluster's nodes down, as when only some
    have started yet) or a leader being elected. Each attempt is bounded by the client's
    request timeout (5 s); the wait is logged in one line, repeated every
    :data:`ERROR_LOG_INTERVAL` seconds at most. Run it under :func:`until_stopped` to let a
    signal end the wait."""
    errors = importlib.import_module("nats.errors")
    js_errors = importlib.import_module("nats.js.errors")
    not_answering = (
        errors.TimeoutError,
        errors.NoRespondersError,
        js_errors.ServiceUnavailableError,
        PlacementPending,
    )
    logged = -ERROR_LOG_INTERVAL
    while True:
        try:
            return await operation()
        except not_answering as error:
            now = time.monotonic()
            if now - logged >= ERROR_LOG_INTERVAL:
                logged = now
                logger.warning(
                    "%s: JetStream is not answering (%s): waiting for a majority of the "
                    "broker's nodes to be up",
                    name, type(error).__name__,
                )  # fmt: skip
        await asyncio.sleep(0.5)


async def until_stopped(connecting: Any, stop: asyncio.Event) -> Any:
    """What the coroutine ``connecting`` gives, or ``None`` (and it cancelled) if ``stop`` is
    set first: the NATS client tries an unreachable broker for ever, and a process told to
    stop meanwhile should stop."""
    task = asyncio.ensure_future(connecting)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception as error:  # noqa: BLE001 - a connection being abandoned may fail
        logger.debug("abandoned broker connection: %s", error)
    return None
