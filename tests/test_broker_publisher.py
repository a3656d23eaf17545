"""The gateway's JetStream publish (``serve --broker``), against a real ``nats-server``.

The stream is played by a subscriber of the station's subject that answers (or not) as a test
needs: no JetStream stream captures these subjects, so every answer the gateway sees is the
test's. What is checked: the CALLRESULT only after an acknowledgement, a CALLERROR (and nothing
counted as published) on a timeout, an error, no responder or no connection; the headers; many
publishes in flight matched to their own acknowledgements.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import services
from serving import run
from stations import frame

try:
    import nats
except ImportError as missing:  # the scale extra is not installed
    services.require(f"Python module {missing.name}", False, "pip install -e '.[test]'")

from ocpp_meter import OcppError
from ocpp_meter.broker import station_subject
from ocpp_meter.broker_publisher import UNAVAILABLE, BrokerPublisher
from ocpp_meter.dispatch import Dispatcher
from ocpp_meter.postgres_store import frame_identity
from ocpp_meter.server import MeterValuesIngest
from ocpp_meter.sinks import ReceivedFrame, received_frame

ACK = b'{"stream":"OCPP_FRAMES","seq":1}'


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Any:
    services.require("nats-server", services.nats_binary() is not None, services.NATS_HINT)
    node = services.NatsCluster(tmp_path_factory.mktemp("nats"), size=1)
    node.start()
    yield node
    node.stop()


Responder = Callable[[Any], Awaitable[None]]


@asynccontextmanager
async def publisher_with(
    url: str, station: str, respond: Responder | None, timeout: float = 5.0
) -> AsyncIterator[BrokerPublisher]:
    """A publisher whose frames of ``station`` are answered by ``respond`` (none: no one)."""
    stream = await nats.connect(url)
    gateway = await nats.connect(url)
    try:
        if respond is not None:
            await stream.subscribe(station_subject(station), cb=respond)
            await stream.flush()
        publisher = BrokerPublisher(gateway, timeout)
        await publisher._listen()
        yield publisher
    finally:
        await gateway.close()
        await stream.close()


async def store(publisher: BrokerPublisher, station: str, data: bytes, **extra: Any) -> None:
    token = received_frame.set(
        ReceivedFrame(station, data, "2.0.1", "strict", 1_700_000_000_000_000, **extra)
    )
    try:
        await publisher.store(station, "id-1", "MeterValues", None)
    finally:
        received_frame.reset(token)


def assert_not_stored(publisher: BrokerPublisher, error: pytest.ExceptionInfo[OcppError]) -> None:
    assert error.value.code == "InternalError"
    assert UNAVAILABLE in str(error.value)
    assert (publisher.published, publisher.failed) == (0, 1)
    assert publisher._waiting == {}  # nothing left waiting for an acknowledgement


def test_headers_payload_and_duplicate_acknowledgement(single: Any) -> None:
    seen: list[Any] = []

    async def ack_duplicate(msg: Any) -> None:
        seen.append(msg)
        await msg.respond(b'{"stream":"OCPP_FRAMES","seq":7,"duplicate":true}')

    async def scenario() -> BrokerPublisher:
        async with publisher_with(single.url, "CP 1.x", ack_duplicate) as publisher:
            await store(publisher, "CP 1.x", frame("CP", 3), transaction_id="T\r\n9")
            return publisher

    publisher = run(scenario())
    assert (publisher.published, publisher.duplicates, publisher.failed) == (1, 1, 0)
    [msg] = seen
    assert msg.subject == station_subject("CP 1.x")
    assert msg.data == frame("CP", 3)
    assert msg.headers == {
        "Nats-Msg-Id": frame_identity("CP 1.x", frame("CP", 3)),
        "Ocpp-Station": "CP%201.x",
        "Ocpp-Message-Id": "id-1",
        "Ocpp-Action": "MeterValues",
        "Ocpp-Dialect": "2.0.1",
        "Ocpp-Profile": "strict",
        "Ocpp-Received": "1700000000000000",
        "Ocpp-Transaction-Id": "T  9",  # a line break never ends a header early
    }


def test_a_frame_whose_ack_times_out_gets_a_callerror_and_no_callresult(single: Any) -> None:
    async def never_answer(msg: Any) -> None:
        return None

    async def scenario() -> tuple[BrokerPublisher, bytes | None]:
        async with publisher_with(single.url, "CP2", never_answer, timeout=0.3) as publisher:
            dispatcher = Dispatcher(MeterValuesIngest(publisher))
            data = frame("CP2", 0)
            token = received_frame.set(ReceivedFrame.now("CP2", data, "2.0.1", "strict"))
            try:
                reply = await dispatcher.dispatch_async("CP2", data)
            finally:
                received_frame.reset(token)
            return publisher, reply

    publisher, reply = run(scenario())
    assert reply is not None
    assert json.loads(reply) == [4, "CP2-0", "InternalError", UNAVAILABLE, {"path": ""}]
    assert (publisher.published, publisher.failed) == (0, 1)
    assert publisher._waiting == {}


@pytest.mark.parametrize(
    "answer",
    [b'{"error":{"code":503,"err_code":10077,"description":"insufficient resources"}}', None],
    ids=["jetstream-error", "no-responders"],
)
def test_an_error_or_no_stream_gets_a_callerror(single: Any, answer: bytes | None) -> None:
    async def answer_error(msg: Any) -> None:
        await msg.respond(answer)

    async def scenario() -> tuple[BrokerPublisher, pytest.ExceptionInfo[OcppError]]:
        respond = answer_error if answer is not None else None
        async with publisher_with(single.url, "CP3", respond) as publisher:
            with pytest.raises(OcppError) as error:
                await store(publisher, "CP3", frame("CP3", 0))
            return publisher, error

    publisher, error = run(scenario())
    assert_not_stored(publisher, error)


def test_not_connected_gets_a_callerror_at_once(single: Any) -> None:
    async def scenario() -> tuple[BrokerPublisher, pytest.ExceptionInfo[OcppError]]:
        async with publisher_with(single.url, "CP4", None, timeout=30) as publisher:
            await publisher._nc.close()
            with pytest.raises(OcppError) as error:
                await asyncio.wait_for(store(publisher, "CP4", frame("CP4", 0)), 5)
            return publisher, error

    publisher, error = run(scenario())
    assert_not_stored(publisher, error)


def test_many_publishes_in_flight_each_get_their_own_acknowledgement(single: Any) -> None:
    """Acknowledgements answered in reverse order, one late after its publish timed out: each
    publish is matched to its own, and the late one changes nothing."""
    held: list[Any] = []
    count = 50

    async def answer_all_at_once_reversed(msg: Any) -> None:
        held.append(msg)
        if len(held) == count:
            for waiting in reversed(held):
                number = int(waiting.headers["Ocpp-Received"])
                if number != 0:  # frame 0 is answered after its timeout
                    await waiting.respond(b'{"stream":"OCPP_FRAMES","seq":%d}' % number)

    async def one(publisher: BrokerPublisher, number: int) -> bool:
        token = received_frame.set(
            ReceivedFrame("CP5", frame("CP5", number), "2.0.1", "strict", number)
        )
        try:
            await publisher.store("CP5", f"CP5-{number}", "MeterValues", None)
            return True
        except OcppError:
            return False
        finally:
            received_frame.reset(token)

    async def scenario() -> tuple[BrokerPublisher, list[bool]]:
        async with publisher_with(
            single.url, "CP5", answer_all_at_once_reversed, timeout=3
        ) as publisher:
            stored = await asyncio.gather(*(one(publisher, n) for n in range(count)))
            await held[0].respond(ACK)  # too late: its station got a CALLERROR already
            await asyncio.sleep(0.2)
            return publisher, stored

    publisher, stored = run(scenario())
    assert stored == [False] + [True] * (count - 1)
    assert (publisher.published, publisher.failed) == (count - 1, 1)
    assert publisher._waiting == {}
