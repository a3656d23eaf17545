"""A bounded load generator for a local endpoint (``ocpp-meter loadgen``).

It opens ``stations`` WebSocket connections (subprotocol ``ocpp2.0.1``, or ``subprotocol``:
``ocpp2.1`` or ``ocpp1.6``) to
``URL/<prefix><n>``; each station sends CALLs one after the other, as OCPP-J asks (the next
CALL only after the reply to the last), until ``seconds`` have passed or ``max_frames`` frames
were sent in all. It then reports acknowledged frames per second and the p50 / p99 / max time
from sending a CALL to receiving its CALLRESULT. The ``scenario`` says what the stations send:

- ``meter-values``: MeterValues CALLs of ``sampled_values`` readings each (on ``ocpp1.6``,
  1.6 MeterValues of as many readings: decimal text, 1.6's measurands and units);
- ``sessions``: whole charging sessions of TransactionEvents one after the other
  (:func:`ocpp_meter.samples.session_frames`: ``Started``, periodic ``Updated`` with twelve
  readings, ``Ended``), in the dialect of the subprotocol, each station its own sessions
  (2.0.1 and 2.1 only: a 1.6 session's frames depend on the transaction id its answer gives).

Bounded by design: the target must be a loopback address (127.0.0.0/8 or ::1), the run stops
by itself at the deadline (each reply is awaited at most ``reply_timeout`` seconds), and the
number of frames is capped.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import math
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from ._core import (
    CallError,
    CallResult,
    MeterValue,
    MeterValuesRequest,
    SampledValue,
    UnitOfMeasure,
    decode_message,
    encode_call,
)
from .enums import Location, Measurand, Phase, ReadingContext
from .samples import session_frames
from .server import DIALECT_OF_SUBPROTOCOL

if TYPE_CHECKING:
    from ._core import BatchDialect

__all__ = [
    "SCENARIOS",
    "LoadConfig",
    "LoadReport",
    "check_loopback",
    "percentile",
    "run_load",
    "typical_request",
]

SCENARIOS = ("meter-values", "sessions")
"""What the stations of a run send (see the module's docstring)."""
SUBPROTOCOLS = tuple(DIALECT_OF_SUBPROTOCOL)
"""The subprotocols a run may offer: those the endpoint serves."""
SUBPROTOCOL = Subprotocol("ocpp2.0.1")
"""The subprotocol offered by default; the frames sent are valid in OCPP 2.0.1 and 2.1 alike."""


@dataclass
class LoadConfig:
    """What to send, to where, and for how long at most."""

    url: str = "ws://127.0.0.1:9000/ocpp"
    stations: int = 50
    seconds: float = 10.0
    max_frames: int = 1_000_000
    sampled_values: int = 12
    station_prefix: str = "LOAD"
    reply_timeout: float = 10.0
    connect_concurrency: int = 50
    subprotocol: str = SUBPROTOCOL
    """The one WebSocket subprotocol offered (one of :data:`SUBPROTOCOLS`)."""
    scenario: str = "meter-values"
    """One of :data:`SCENARIOS`."""


@dataclass
class LoadReport:
    """The outcome of a run; latencies in milliseconds."""

    stations: int
    connected: int
    seconds: float
    sent: int
    acknowledged: int
    errors: int
    timeouts: int
    acknowledged_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    failures: list[str] = field(default_factory=list)
    scenario: str = "meter-values"

    def to_text(self) -> str:
        """A short human-readable summary."""
        lines = [
            f"scenario {self.scenario}",
            f"stations {self.connected}/{self.stations} connected, {self.seconds:.2f} s",
            (
                f"frames sent {self.sent}, acknowledged {self.acknowledged}, "
                f"CALLERRORs {self.errors}, timeouts {self.timeouts}"
            ),
            f"acknowledged frames per second {self.acknowledged_per_second:.0f}",
            (
                f"ack latency p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms, "
                f"max {self.max_ms:.2f} ms"
            ),
        ]
        lines.extend(f"failure: {failure}" for failure in self.failures[:5])
        return "\n".join(lines)

    def to_json(self) -> str:
        """The report as one JSON object."""
        return json.dumps(asdict(self), sort_keys=True)


def check_loopback(url: str) -> None:
    """Raise ``ValueError`` unless ``url`` is a ws:// URL whose host resolves to loopback only."""
    parts = urlsplit(url)
    if parts.scheme != "ws" or not parts.hostname:
        raise ValueError(f"expected a ws://HOST:PORT/... URL, got {url!r}")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise ValueError(f"cannot resolve {parts.hostname!r}: {error}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_loopback:
            raise ValueError(f"the load generator only targets loopback, not {address}")


def typical_request(sampled_values: int = 12) -> MeterValuesRequest:
    """One meter value of ``sampled_values`` readings with every optional field set."""
    measurands = list(Measurand)
    phases = list(Phase)
    readings = [
        SampledValue(
            value=1000.0 + index * 0.25,
            context=ReadingContext.SAMPLE_PERIODIC,
            measurand=measurands[index % len(measurands)],
            phase=phases[index % len(phases)],
            location=Location.OUTLET,
            unit_of_measure=UnitOfMeasure(unit="kWh" if index % 2 else "W", multiplier=0),
        )
        for index in range(sampled_values)
    ]
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    return MeterValuesRequest(
        evse_id=1, meter_value=[MeterValue(timestamp=stamp, sampled_value=readings)]
    )


_MEASURANDS_16 = (
    ("Energy.Active.Import.Register", "Wh"),
    ("Power.Active.Import", "kW"),
    ("Current.Import", "A"),
    ("Voltage", "V"),
    ("Frequency", None),
    ("Temperature", "Celsius"),
)


def typical_payload16(sampled_values: int = 12) -> str:
    """A 1.6 MeterValues payload of one meter value of ``sampled_values`` readings, as JSON
    text: values as decimal text, a 1.6 measurand, unit, phase, context and location each."""
    phases = ("L1", "L2", "L3", "L1-N", "L2-N", "L3-N")
    readings = []
    for index in range(sampled_values):
        measurand, unit = _MEASURANDS_16[index % len(_MEASURANDS_16)]
        reading = {
            "value": f"{1000 + index * 0.25:.2f}",
            "context": "Sample.Periodic",
            "measurand": measurand,
            "phase": phases[index % len(phases)],
            "location": "Outlet",
        }
        if unit is not None:
            reading["unit"] = unit
        readings.append(reading)
    stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    payload = {"connectorId": 1, "meterValue": [{"timestamp": stamp, "sampledValue": readings}]}
    return json.dumps(payload, separators=(",", ":"))


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class _Tally:
    sent: int = 0
    acknowledged: int = 0
    errors: int = 0
    timeouts: int = 0
    connected: int = 0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


_Frames = Iterator[tuple[str, bytes, str]]
"""A station's CALLs: ``(message id, frame, action)``."""


def _meter_values_frames(number: int, request: MeterValuesRequest) -> _Frames:
    sequence = 0
    while True:
        sequence += 1
        message_id = f"{number}-{sequence}"
        yield message_id, encode_call(message_id, request), "MeterValues"


def _meter_values_frames16(number: int, payload: str) -> _Frames:
    sequence = 0
    while True:
        sequence += 1
        message_id = f"{number}-{sequence}"
        yield message_id, f'[2,"{message_id}","MeterValues",{payload}]'.encode(), "MeterValues"


def _reply16(reply: str | bytes) -> tuple[int, str, str]:
    """A 1.6 reply's message type, message id and (for a CALLERROR) code; the Python entry
    points do not decode 1.6 frames, and a load run needs no more of them."""
    message = json.loads(reply)
    return int(message[0]), str(message[1]), str(message[2]) if message[0] == 4 else ""


def _session_frames(number: int, dialect: str) -> _Frames:
    session = 0
    while True:
        # Seeds apart per station: every station's sessions (and message ids) are its own.
        for frame in session_frames(number * 1_000_003 + session, dialect=dialect):
            yield json.loads(frame)[1], frame, "TransactionEvent"
        session += 1


async def _station(
    config: LoadConfig,
    number: int,
    frames: _Frames,
    deadline: float,
    tally: _Tally,
    gate: asyncio.Semaphore,
) -> None:
    station_id = f"{config.station_prefix}{number:05d}"
    url = config.url.rstrip("/") + "/" + station_id
    dialect = _dialect(config.subprotocol)
    try:
        async with gate:
            connection = await asyncio.wait_for(
                connect(url, subprotocols=[Subprotocol(config.subprotocol)], max_size=1 << 20),
                timeout=max(0.1, deadline - time.monotonic()),
            )
    except (OSError, asyncio.TimeoutError, WebSocketException) as error:
        tally.failures.append(f"{station_id}: connect: {error!r}")
        return
    tally.connected += 1
    try:
        while time.monotonic() < deadline and tally.sent < config.max_frames:
            message_id, frame, action = next(frames)
            tally.sent += 1
            started = time.perf_counter()
            await connection.send(frame, text=True)
            try:
                reply = await asyncio.wait_for(connection.recv(), timeout=config.reply_timeout)
            except asyncio.TimeoutError:
                tally.timeouts += 1
                break
            elapsed = time.perf_counter() - started
            if dialect == "1.6":
                kind, reply_id, code = _reply16(reply)
            else:
                message = decode_message(reply, action=action, dialect=dialect)
                kind = 3 if isinstance(message, CallResult) else 4
                reply_id = message.message_id
                code = message.code.value if isinstance(message, CallError) else ""
            if kind == 3 and reply_id == message_id:
                tally.acknowledged += 1
                tally.latencies.append(elapsed)
            elif kind == 4:
                tally.errors += 1
                if len(tally.failures) < 20:
                    tally.failures.append(f"{station_id}: {code}")
            else:
                tally.failures.append(f"{station_id}: unexpected reply {reply!r}")
                break
    except (OSError, WebSocketException, ValueError) as error:
        tally.failures.append(f"{station_id}: {error!r}")
    finally:
        await connection.close()


async def run_load(config: LoadConfig) -> LoadReport:
    """Run the load described by ``config`` and report on it."""
    check_loopback(config.url)
    if config.stations < 1 or config.seconds <= 0 or config.max_frames < 1:
        raise ValueError("stations, seconds and max_frames must be positive")
    if config.scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, not {config.scenario!r}")
    if config.subprotocol not in SUBPROTOCOLS:
        raise ValueError(f"subprotocol must be one of {', '.join(SUBPROTOCOLS)}")
    dialect = _dialect(config.subprotocol)
    if dialect == "1.6" and config.scenario != "meter-values":
        raise ValueError("on ocpp1.6 the load generator sends meter-values only")
    request = typical_request(config.sampled_values)
    payload16 = typical_payload16(config.sampled_values)
    tally = _Tally()
    gate = asyncio.Semaphore(config.connect_concurrency)
    started = time.monotonic()
    deadline = started + config.seconds
    tasks = [
        asyncio.ensure_future(
            _station(
                config,
                number,
                _session_frames(number, dialect)
                if config.scenario == "sessions"
                else _meter_values_frames16(number, payload16)
                if dialect == "1.6"
                else _meter_values_frames(number, request),
                deadline,
                tally,
                gate,
            )
        )
        for number in range(config.stations)
    ]
    # Hard bound: the deadline, one reply timeout, and a little time to close.
    _, pending = await asyncio.wait(tasks, timeout=config.seconds + config.reply_timeout + 5.0)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=5.0)
    elapsed = time.monotonic() - started
    latencies = sorted(tally.latencies)
    return LoadReport(
        stations=config.stations,
        connected=tally.connected,
        seconds=elapsed,
        sent=tally.sent,
        acknowledged=tally.acknowledged,
        errors=tally.errors,
        timeouts=tally.timeouts,
        acknowledged_per_second=tally.acknowledged / elapsed if elapsed > 0 else 0.0,
        p50_ms=percentile(latencies, 0.50) * 1000.0,
        p99_ms=percentile(latencies, 0.99) * 1000.0,
        max_ms=(latencies[-1] if latencies else 0.0) * 1000.0,
        failures=tally.failures,
        scenario=config.scenario,
    )


def _dialect(subprotocol: str) -> BatchDialect:
    return DIALECT_OF_SUBPROTOCOL.get(subprotocol, "2.0.1")
