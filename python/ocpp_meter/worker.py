"""``ocpp-meter worker``: frames from the broker into PostgreSQL, exactly once.

Each worker is a pull consumer on the shared durable (:data:`~ocpp_meter.broker.DURABLE`): run
as many as the database takes, on any machines; JetStream hands each message to one of them. A
worker repeats:

1. fetch up to ``batch`` messages;
2. ``decode_batch`` them (frames grouped by dialect and profile, from the headers; on a
   decoding thread, while the last batch is stored) and store the rows and event records in
   one transaction
   (:meth:`~ocpp_meter.postgres_store.PostgresStore.write`: the frame ledger makes a
   redelivered frame store nothing);
3. after the commit, acknowledge every message of the batch (in one write).

Fetching and acknowledging go through :class:`~ocpp_meter.pull_consumer.PullConsumer`, a
connection of its own that splits what the server sends in bulk and leaves the header blocks
as bytes until the decoding thread reads them; the nats-py connection beside it creates the
streams and the durable and publishes dead letters. The durable acknowledges explicitly,
message by message: JetStream's "ack all" would also acknowledge what other workers hold and
have not stored.

A frame that cannot be stored (the decoder refuses it, a header is missing, or the database
refuses its rows while it takes the rest of the batch: then each frame of the batch is tried
alone) is published to ``ocpp.dead.<station>`` with ``Ocpp-Dead-Reason``, and acknowledged once
JetStream holds that copy. When the database cannot be reached, the batch is returned (``nak``
with a delay) and the worker reconnects. A crash before the acknowledgements means JetStream
delivers the batch again after ``ack_wait``, to this worker or another; nothing is stored twice.

SIGTERM or SIGINT: a batch being stored is finished (committed, acknowledged), a batch fetched
and not yet stored is returned (``nak``), then the worker exits. While one batch is stored the
next is fetched, so at most two batches are in hand. A worker still waiting for the database
(retried every ``retry_delay`` seconds, each attempt bounded by
:data:`~ocpp_meter.postgres_store.CONNECT_TIMEOUT`) or for the broker holds nothing: it stops
at once. Either way ``ocpp-meter worker`` exits 0 after a signal.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import logging
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .broker import (
    DEAD_SUBJECT_PREFIX,
    DURABLE,
    HEADER_ACTION,
    HEADER_CONNECTOR_ID,
    HEADER_DEAD_REASON,
    HEADER_DIALECT,
    HEADER_MESSAGE_ID,
    HEADER_PROFILE,
    HEADER_RECEIVED,
    HEADER_STATION,
    HEADER_TRANSACTION_ID,
    STREAM,
    SUBJECT_PREFIX,
    broker_servers,
    connect,
    ensure_streams,
    station_from_header,
    station_subject,
    until_stopped,
    when_jetstream_answers,
)
from .nats_frames import Message, parse_headers
from .postgres_store import (
    DecodedBatches,
    FrameBatch,
    PostgresStore,
    StoreRefused,
    StoreResult,
    StoreUnavailable,
    decode_batches,
    frame_identity,
)
from .pull_consumer import PullConsumer, nak_body

__all__ = ["WorkerConfig", "WorkerStats", "run", "run_worker"]

logger = logging.getLogger(__name__)


@dataclass
class WorkerConfig:
    """Options of ``ocpp-meter worker``."""

    broker: str
    db: str
    batch: int = 2000
    """Messages fetched (and stored in one transaction) at most."""
    fetch_timeout: float = 1.0
    ack_wait: float = 30.0
    """Seconds JetStream waits for an acknowledgement before delivering again."""
    retry_delay: float = 1.0
    """Seconds before a batch returned for an unreachable database is delivered again."""
    replicas: int = 3
    """Copies of the streams, when this worker creates them."""


@dataclass
class WorkerStats:
    """What a worker has done so far."""

    batches: int = 0
    frames: int = 0
    rows: int = 0
    events: int = 0
    duplicates: int = 0
    dead: int = 0
    returned: int = 0
    store_seconds: float = 0.0


def _batches(
    messages: Sequence[Message],
) -> tuple[list[FrameBatch], list[list[int]], dict[int, str]]:
    """Group the messages by (dialect, profile); the index of each frame; header faults."""
    groups: dict[tuple[str, str], tuple[FrameBatch, list[int]]] = {}
    faults: dict[int, str] = {}
    for index, message in enumerate(messages):
        headers = parse_headers(message.headers)
        try:
            station = station_from_header(headers[HEADER_STATION])
            received = int(headers[HEADER_RECEIVED])
            dialect = headers.get(HEADER_DIALECT, "2.0.1")
            profile = headers.get(HEADER_PROFILE, "strict")
            connector = headers.get(HEADER_CONNECTOR_ID)
            connector_id = None if connector is None else int(connector)
        except (KeyError, ValueError, UnicodeDecodeError) as error:
            faults[index] = f"header missing or unreadable: {error}"
            continue
        frame = message.payload
        group = groups.get((dialect, profile))
        if group is None:
            group = groups[(dialect, profile)] = (
                FrameBatch([], [], [], [], [], dialect, profile, [], [], []),
                [],
            )
        batch, indexes = group
        batch.frames.append(frame)
        batch.station_ids.append(station)
        batch.message_ids.append(headers.get(HEADER_MESSAGE_ID, ""))
        batch.frame_ids.append(headers.get("Nats-Msg-Id") or frame_identity(station, frame))
        batch.received_at.append(received)
        assert batch.actions is not None
        batch.actions.append(headers.get(HEADER_ACTION, ""))
        # A 1.6 StartTransaction's id and a StopTransaction's connector, as the gateway gave
        # them (their requests have none).
        assert batch.transaction_ids is not None and batch.connector_ids is not None
        batch.transaction_ids.append(headers.get(HEADER_TRANSACTION_ID))
        batch.connector_ids.append(connector_id)
        indexes.append(index)
    return [b for b, _ in groups.values()], [i for _, i in groups.values()], faults


_Decoded = tuple[DecodedBatches, list[list[int]], dict[int, str]]


def _decode(messages: Sequence[Message]) -> _Decoded:
    """Decode one fetched batch (on the decoding thread, while the last one is stored): the
    decoded frames, the index of each frame by group, and header faults."""
    batches, indexes, faults = _batches(messages)
    return decode_batches(batches), indexes, faults


def _store(store: PostgresStore, decoded: _Decoded) -> tuple[StoreResult, dict[int, str]]:
    """Store one decoded batch (on the store's thread); what was stored, and the messages (by
    index) not stored with why."""
    frames, indexes, faults = decoded
    result = store.store_decoded(frames)
    dead = dict(faults)
    for refused, where in zip(result.refused, indexes):
        for local, reason in refused.items():
            dead[where[local]] = reason
    return result, dead


class Worker:
    """One worker: a NATS connection (streams, durable, dead letters), a
    :class:`~ocpp_meter.pull_consumer.PullConsumer` (fetching, acknowledging), a decoding
    thread and a store on a thread of its own."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self.stats = WorkerStats()
        self.store = PostgresStore(config.db)
        # ADBC connections belong to one thread: every database call runs on this one.
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ocpp-pg")
        # decode_batch and ADBC's COPY both release the GIL: the next batch is decoded on this
        # thread while the last one is stored.
        self._decoder = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ocpp-decode")
        self._nc: Any = None
        self._js: Any = None
        self._pull: PullConsumer | None = None
        self._stop: asyncio.Event | None = None
        self._refused: StoreRefused | None = None

    async def _in_thread(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    async def run(self, stop: asyncio.Event) -> bool:
        """Consume until ``stop`` is set; ``False`` if it was set before the database and the
        broker were both reachable (nothing was consumed). Raises
        :class:`~ocpp_meter.postgres_store.StoreRefused` if the database refuses the worker, at
        start or later (then after returning the batch in hand)."""
        self._stop = stop
        try:
            if not await self._connect_store(stop):
                return False
            logger.info("database ready; connecting to the broker %s", self.config.broker)
            self._nc = await until_stopped(connect(self.config.broker, "ocpp-meter-worker"), stop)
        finally:
            if self._nc is None:
                await self._in_thread(self.store.close)
                self._thread.shutdown(wait=True)
                self._decoder.shutdown(wait=True)
        if self._nc is None:
            return False
        try:
            self._js = self._nc.jetstream()
            # A cluster without a quorum yet is waited for, as an unreachable broker is.
            pull = await until_stopped(
                when_jetstream_answers(self._consumer, "ocpp-meter-worker"), stop
            )
            if pull is None:
                return False
            self._pull = pull
            logger.info("worker consuming %s (durable %s)", STREAM, DURABLE)
            # The next batch is fetched and decoded while the last one is stored: the event
            # loop's part (receiving, acknowledging) and the decoding thread's overlap the
            # database thread's.
            storing: asyncio.Future[None] | None = None
            try:
                while not stop.is_set():
                    messages = await self._fetch(pull)
                    if not messages:
                        continue
                    if stop.is_set():
                        await self._return(messages, 0)
                        break
                    decoding = asyncio.get_running_loop().run_in_executor(
                        self._decoder, _decode, messages
                    )
                    if storing is not None:
                        await storing
                        if stop.is_set():
                            # Stopped while the last batch was stored: this one, fetched and
                            # not stored, goes back (its decoding, if running, is dropped).
                            decoding.cancel()
                            await self._return(messages, 0)
                            break
                    storing = asyncio.ensure_future(self._handle(messages, decoding))
            finally:
                # A stop lets the batch being stored finish and be acknowledged.
                if storing is not None:
                    await storing
        finally:
            # Every batch was acknowledged or returned, each acknowledgement written and
            # flushed by the PullConsumer; every dead letter was awaited until JetStream held
            # it: nothing is pending on either connection.
            await self._nc.close()
            if self._pull is not None:
                await self._pull.close()
            await self._in_thread(self.store.close)
            self._thread.shutdown(wait=True)
            self._decoder.shutdown(wait=True)
            s = self.stats
            logger.info(
                "worker stopped: %d batches, %d frames, %d rows, %d events stored in %.2f s of "
                "decoding and storing; %d duplicates, %d dead-lettered, %d returned",
                s.batches, s.frames, s.rows, s.events, s.store_seconds, s.duplicates, s.dead,
                s.returned,
            )  # fmt: skip
        if self._refused is not None:
            raise self._refused
        return True

    async def _consumer(self) -> PullConsumer:
        """The streams and the durable (each created if missing), and the connection that
        fetches from the durable."""
        api = importlib.import_module("nats.js.api")
        not_found = importlib.import_module("nats.js.errors").NotFoundError

        await ensure_streams(self._js, self.config.replicas)
        try:
            await self._js.consumer_info(STREAM, DURABLE)
        except not_found:
            # Explicit acknowledgements: "ack all" would also acknowledge the messages other
            # workers hold, stored or not.
            config = api.ConsumerConfig(
                name=DURABLE,
                durable_name=DURABLE,
                filter_subject=SUBJECT_PREFIX + ">",
                ack_policy=api.AckPolicy.EXPLICIT,
                ack_wait=self.config.ack_wait,
                max_deliver=-1,
                max_ack_pending=max(20_000, 4 * self.config.batch),
            )
            try:
                await self._js.add_consumer(STREAM, config=config)
            except Exception:  # noqa: BLE001 - re-raised below unless it now exists
                # Another worker may have created it meanwhile: fine if it exists.
                await self._js.consumer_info(STREAM, DURABLE)
        return PullConsumer(
            broker_servers(self.config.broker), STREAM, DURABLE, "ocpp-meter-worker-fetch"
        )

    async def _connect_store(self, stop: asyncio.Event) -> bool:
        """Connect to the database, retrying while it is unreachable (not when it refuses the
        worker: :class:`~ocpp_meter.postgres_store.StoreRefused` is raised); ``False`` once
        ``stop`` is set (an attempt in progress ends within the store's connect timeout)."""
        while not stop.is_set():
            try:
                await self._in_thread(self.store.connect)
                return True
            except StoreUnavailable as error:
                logger.warning("database unreachable (%s); retrying", error)
            try:
                await asyncio.wait_for(stop.wait(), self.config.retry_delay)
            except asyncio.TimeoutError:
                pass
        return False

    async def _fetch(self, pull: PullConsumer) -> list[Message]:
        # A node down or a leader election gives an empty batch; the connection tries the
        # next node on the next fetch.
        return await pull.fetch(self.config.batch, self.config.fetch_timeout)

    async def _handle(self, messages: list[Message], decoding: asyncio.Future[_Decoded]) -> None:
        started = time.perf_counter()
        try:
            outcome, dead = await self._in_thread(_store, self.store, await decoding)
        except StoreUnavailable as error:
            logger.warning("database unreachable (%s): returning %d messages", error, len(messages))
            await self._return(messages, self.config.retry_delay)
            await asyncio.sleep(self.config.retry_delay)
            return
        except StoreRefused as error:
            # Another worker (or this one, reconfigured) will store them: stop, exit status 1.
            await self._return(messages, 0)
            self._refused = error
            assert self._stop is not None
            self._stop.set()
            return
        self.stats.store_seconds += time.perf_counter() - started
        returned = set()
        for index, reason in dead.items():
            if not await self._dead_letter(messages[index], reason):
                returned.add(index)
        assert self._pull is not None
        try:
            # After the commit, in one write (and one for those returned).
            await self._pull.acknowledge(
                [m.reply for i, m in enumerate(messages) if i not in returned]
            )
            await self._pull.acknowledge(
                [messages[i].reply for i in sorted(returned)], nak_body(self.config.retry_delay)
            )
        except Exception as error:  # noqa: BLE001 - a node down, a leader election: go on
            # The batch is committed; an acknowledgement that did not reach JetStream brings its
            # messages back after ack_wait, and the ledger stores them no second time.
            logger.warning(
                "acknowledging %d stored messages failed (%s: %s); they will be redelivered "
                "and found already stored",
                len(messages), type(error).__name__, error,
            )  # fmt: skip
        stats = self.stats
        stats.batches += 1
        stats.frames += outcome.frames
        stats.rows += outcome.rows
        stats.events += outcome.events
        stats.duplicates += outcome.accepted - outcome.frames
        stats.dead += len(dead) - len(returned)
        stats.returned += len(returned)

    async def _dead_letter(self, message: Message, reason: str) -> bool:
        """Publish the frame with its reason to the dead-letter subject; whether JetStream
        holds it (if not, the message is returned and tried again later)."""
        headers = parse_headers(message.headers)
        headers.pop("Nats-Msg-Id", None)
        headers[HEADER_DEAD_REASON] = reason.replace("\r", " ").replace("\n", " ")[:1000]
        try:
            station = station_from_header(headers.get(HEADER_STATION, "unknown"))
        except UnicodeDecodeError:
            station = "unknown"
        logger.warning("dead-lettering a frame of station %r: %s", station, reason)
        try:
            await self._js.publish(
                station_subject(station, DEAD_SUBJECT_PREFIX),
                message.payload,
                headers=headers,
                timeout=5,
            )
        except Exception as error:  # noqa: BLE001 - try again on redelivery
            logger.error("dead-letter publish failed: %s", error)
            return False
        return True

    async def _return(self, messages: Sequence[Message], delay: float) -> None:
        assert self._pull is not None
        try:
            await self._pull.acknowledge([m.reply for m in messages], nak_body(delay))
        except Exception as error:  # noqa: BLE001 - unacknowledged, it comes back later
            logger.debug("nak failed (redelivered after ack_wait): %s", error)
        self.stats.returned += len(messages)


async def run_worker(config: WorkerConfig, stop: asyncio.Event | None = None) -> WorkerStats:
    """Run a worker until ``stop`` is set (or SIGTERM / SIGINT when ``stop`` is ``None``)."""
    loop = asyncio.get_running_loop()
    own = stop is None
    stop_event = asyncio.Event() if stop is None else stop
    if own:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop_event.set)
    worker = Worker(config)
    try:
        if not await worker.run(stop_event):
            logger.info(
                "worker stopped before the database and the broker were reachable: nothing "
                "was consumed"
            )
    finally:
        if own:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
    return worker.stats


def run(config: WorkerConfig) -> int:
    """``ocpp-meter worker``'s exit status."""
    asyncio.run(run_worker(config))
    return 0
