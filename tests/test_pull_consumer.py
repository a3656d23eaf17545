"""The worker's fetch and acknowledgement path (``ocpp_meter.pull_consumer``) on a real 3-node
JetStream cluster: what it fetches, that only what it acknowledges is gone, that what it does
not acknowledge (or returns) comes back, and that it goes on through another node when the one
it uses is killed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
import services
from serving import run

try:
    import nats
except ImportError as missing:  # the scale extra is not installed
    services.require(f"Python module {missing.name}", False, "pip install -e '.[test]'")

from ocpp_meter.broker import broker_servers, when_jetstream_answers
from ocpp_meter.nats_frames import Message, parse_headers
from ocpp_meter.pull_consumer import PullConsumer, nak_body

STREAM = "PULL_TEST"


@pytest.fixture(scope="module")
def cluster() -> Iterator[services.NatsCluster]:
    yield from services.nats_cluster()


async def fresh_stream(url: str, durable: str, ack_wait: float) -> None:
    """The stream emptied, with a new durable of ``ack_wait`` seconds."""
    nc = await nats.connect(servers=broker_servers(url), connect_timeout=5)
    js = nc.jetstream()

    async def create() -> None:
        try:
            await js.delete_stream(STREAM)
        except nats.js.errors.NotFoundError:
            pass
        await js.add_stream(name=STREAM, subjects=["pull.>"], num_replicas=3)
        await js.add_consumer(
            STREAM,
            durable_name=durable,
            ack_policy="explicit",
            ack_wait=ack_wait,
            max_deliver=-1,
        )

    await when_jetstream_answers(create, "test")
    await nc.close()


async def publish(url: str, count: int, one_by_one: bool = False) -> None:
    nc = await nats.connect(servers=broker_servers(url), connect_timeout=5)
    js = nc.jetstream()
    sends = [
        js.publish(f"pull.s{n % 3}", b"frame %d" % n, headers={"Ocpp-Station": f"s{n % 3}"})
        for n in range(count)
    ]
    if one_by_one:
        for send in sends:
            await send
    else:
        await asyncio.gather(*sends)
    await nc.close()


async def fetch_all(
    pull: PullConsumer,
    count: int,
    limit: float = 30,
    ack: bool = False,
    known: frozenset[bytes] = frozenset(),
) -> list[Message]:
    """Messages of at least ``count`` distinct payloads not in ``known``, fetched within ``limit`` seconds; each
    batch acknowledged as it comes if ``ack`` (else a long wait would see them delivered
    again)."""
    got: list[Message] = []
    deadline = time.monotonic() + limit
    while len({m.payload for m in got} - known) < count and time.monotonic() < deadline:
        batch = await pull.fetch(100, 0.5)
        if ack:
            await pull.acknowledge([m.reply for m in batch])
        got += batch
    return got


def test_fetches_in_batches_and_only_acknowledged_messages_are_gone(
    cluster: services.NatsCluster,
) -> None:
    async def scenario() -> tuple[list[Message], list[Message], list[Message]]:
        await fresh_stream(cluster.url, "d1", ack_wait=2)
        await publish(cluster.url, 250)
        pull = PullConsumer(broker_servers(cluster.url), STREAM, "d1", "test")
        try:
            got = await fetch_all(pull, 250)
            # Acknowledged: the first 200; the next 40 returned at once; the last 10 neither.
            await pull.acknowledge([m.reply for m in got[:200]])
            await pull.acknowledge([m.reply for m in got[200:240]], nak_body(None))
            again = await fetch_all(pull, 50, limit=15, ack=True)
            after = await pull.fetch(100, 2.5)
        finally:
            await pull.close()
        return got, again, after

    got, again, after = run(scenario(), 90)
    assert sorted(m.payload for m in got) == sorted(b"frame %d" % n for n in range(250))
    assert all(m.subject.startswith(b"pull.s") and m.reply for m in got)
    assert [parse_headers(m.headers)["Ocpp-Station"] for m in got[:3]] == [
        m.subject.decode()[5:] for m in got[:3]
    ]
    # The returned and the unacknowledged (after ack_wait) came back, nothing acknowledged did.
    assert sorted(m.payload for m in again) == sorted(m.payload for m in got[200:])
    assert after == []


def test_goes_on_through_another_node_when_its_node_is_killed(
    cluster: services.NatsCluster,
) -> None:
    async def scenario() -> tuple[list[Message], list[Message]]:
        await fresh_stream(cluster.url, "d2", ack_wait=3)
        await publish(cluster.url, 200)
        pull = PullConsumer(broker_servers(cluster.url), STREAM, "d2", "test")
        try:
            first = await pull.fetch(100, 5)
            # The connection's first server is the first node: kill it.
            cluster.kill(0)
            # Acknowledged through another node once the connection notices.
            deadline = time.monotonic() + 30
            while True:
                try:
                    await pull.acknowledge([m.reply for m in first])
                    break
                except (ConnectionError, asyncio.TimeoutError):
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.2)
            known = frozenset(m.payload for m in first)
            second = await fetch_all(pull, 100, limit=45, ack=True, known=known)
            # An acknowledgement sent while the consumer's leader was being elected is lost, so
            # those messages come again after ack_wait: acknowledged now, on a settled cluster,
            # they must stay gone (a fetch longer than ack_wait finds nothing).
            again: list[Message] = []
            deadline = time.monotonic() + 40
            while batch := await pull.fetch(100, 4):
                assert time.monotonic() < deadline, "acknowledged messages keep coming back"
                await pull.acknowledge([m.reply for m in batch])
                again += batch
        finally:
            await pull.close()
            cluster.start(0)
        return first + second, again

    got, again = run(scenario(), 150)
    # Every message came, some maybe twice (JetStream delivers at least once; the worker's
    # ledger stores a frame once), and nothing that did not come before.
    assert {m.payload for m in got} == {b"frame %d" % n for n in range(200)}
    assert {m.payload for m in again} <= {m.payload for m in got}


def test_goes_on_through_another_node_when_its_node_hangs(
    cluster: services.NatsCluster,
) -> None:
    """A node that stops answering without closing its connections (a hung host, a lost
    network): the consumer notices by the missing status and PING replies, not after the
    kernel's many minutes, and fetches the rest through another node."""

    async def scenario() -> tuple[list[Message], float]:
        await fresh_stream(cluster.url, "d4", ack_wait=3)
        await publish(cluster.url, 100)
        pull = PullConsumer(broker_servers(cluster.url), STREAM, "d4", "test")
        try:
            first = await pull.fetch(50, 5)
            await pull.acknowledge([m.reply for m in first])
            # The connection's first server is the first node: freeze it.
            cluster.pause(0)
            started = time.monotonic()
            known = frozenset(m.payload for m in first)
            rest = await fetch_all(pull, 50, limit=60, ack=True, known=known)
            took = time.monotonic() - started
        finally:
            cluster.resume(0)
            await pull.close()
        return first + rest, took

    got, took = run(scenario(), 120)
    assert {m.payload for m in got} == {b"frame %d" % n for n in range(100)}
    # Within a few of its PING waits (5 s each) and the cluster's own failover, far below the
    # kernel's retransmission timeout (about 15 minutes).
    assert took < 60


def test_messages_published_after_a_fetch_returned_are_not_held_by_it(
    cluster: services.NatsCluster,
) -> None:
    async def scenario() -> tuple[list[Message], list[Message], float]:
        await fresh_stream(cluster.url, "d3", ack_wait=60)
        pull = PullConsumer(broker_servers(cluster.url), STREAM, "d3", "test")
        # Nothing waiting: the fetch answers with the first messages that come while the rest
        # are still being published; no request of it may outlive it.
        fetching = asyncio.ensure_future(pull.fetch(100, 3))
        await asyncio.sleep(0.3)
        publishing = asyncio.ensure_future(publish(cluster.url, 40, one_by_one=True))
        first = await fetching
        await publishing
        await asyncio.sleep(0.5)
        await pull.acknowledge([m.reply for m in first])
        await pull.close()
        # Returned, not left to the 60 s ack_wait: another consumer gets them at once.
        other = PullConsumer(broker_servers(cluster.url), STREAM, "d3", "test")
        started = time.monotonic()
        try:
            rest = await fetch_all(other, 40 - len(first), limit=20, ack=True)
        finally:
            await other.close()
        return first, rest, time.monotonic() - started

    first, rest, seconds = run(scenario(), 90)
    assert 1 <= len(first) < 40
    assert sorted(m.payload for m in first + rest) == sorted(b"frame %d" % n for n in range(40))
    assert seconds < 15
