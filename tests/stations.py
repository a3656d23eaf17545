"""Charging stations for the scale-out tests: each sends CALLs one after the other (MeterValues
made up as it goes, or a given list of frames, such as whole charging sessions) and, like a real
station, sends the same frame again (same bytes) until it gets a CALLRESULT, reconnecting when
the connection goes. What each station got acknowledged is recorded, so a test can compare it
with the database."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ocpp_meter import MeterValue, MeterValuesRequest, SampledValue, encode_call
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

SAMPLED_VALUES = 4
_EPOCH = datetime(2026, 1, 5, tzinfo=timezone.utc)


def frame(station: str, number: int) -> bytes:
    """The ``number``-th frame of ``station`` (always the same bytes)."""
    stamp = _EPOCH + timedelta(seconds=number)
    request = MeterValuesRequest(
        evse_id=1,
        meter_value=[
            MeterValue(
                timestamp=stamp,
                sampled_value=[SampledValue(value=number + k / 4) for k in range(SAMPLED_VALUES)],
            )
        ],
    )
    return encode_call(f"{station}-{number}", request)


@dataclass
class Tally:
    """What the stations saw."""

    acknowledged: set[tuple[str, str]] = field(default_factory=set)
    call_errors: dict[str, int] = field(default_factory=dict)
    reconnects: int = 0
    unfinished: int = 0

    def __str__(self) -> str:
        return (
            f"CALLERRORs {self.call_errors or 'none'}, {self.reconnects} reconnects, "
            f"{self.unfinished} unfinished"
        )


async def station(
    url: str,
    name: str,
    tally: Tally,
    stop: asyncio.Event,
    give_up: float,
    frames: Sequence[bytes] | None = None,
) -> None:
    """Send ``frames`` in order (by default :func:`frame`'s, until ``stop``); the frame in hand
    is sent until acknowledged or until the ``give_up`` monotonic deadline (then it counts as
    unfinished)."""
    number = 0
    socket = None
    try:
        while not stop.is_set() if frames is None else number < len(frames):
            data = frame(name, number) if frames is None else frames[number]
            while True:
                if time.monotonic() > give_up:
                    tally.unfinished += 1
                    return
                try:
                    if socket is None:
                        socket = await connect(
                            f"{url}/ocpp/{name}",
                            subprotocols=["ocpp2.0.1"],
                            open_timeout=3,  # type: ignore[list-item]
                        )
                    await socket.send(data.decode())
                    reply = json.loads(await asyncio.wait_for(socket.recv(), 15))
                except (OSError, WebSocketException, asyncio.TimeoutError):
                    if socket is not None:
                        socket.transport.abort()
                    socket = None
                    tally.reconnects += 1
                    await asyncio.sleep(0.2)
                    continue
                if reply[0] == 3:
                    tally.acknowledged.add((name, json.loads(data)[1]))
                    break
                tally.call_errors[reply[2]] = tally.call_errors.get(reply[2], 0) + 1
                await asyncio.sleep(0.1)
            number += 1
    finally:
        if socket is not None:
            await socket.close()


async def drive(
    url: str,
    stations: int,
    seconds: float,
    fault: object = None,
    at: float = 1.5,
    prefix: str = "CS",
) -> Tally:
    """``stations`` stations send for ``seconds``; ``fault`` (a callable, run in a thread) is
    run ``at`` seconds in. Every station then finishes its frame in hand (within 60 s)."""
    tally = Tally()
    stop = asyncio.Event()
    give_up = time.monotonic() + seconds + 60
    tasks = [
        asyncio.ensure_future(station(url, f"{prefix}{i}", tally, stop, give_up))
        for i in range(stations)
    ]
    if fault is not None:
        await asyncio.sleep(at)
        await asyncio.get_running_loop().run_in_executor(None, fault)  # type: ignore[arg-type]
        await asyncio.sleep(max(0.0, seconds - at))
    else:
        await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    return tally


async def send(url: str, frames: dict[str, Sequence[bytes]]) -> Tally:
    """Each station of ``frames`` sends its frames, in order, each until acknowledged."""
    tally = Tally()
    give_up = time.monotonic() + 120
    await asyncio.gather(
        *(station(url, name, tally, asyncio.Event(), give_up, own) for name, own in frames.items())
    )
    return tally
