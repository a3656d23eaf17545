"""Deterministic sample OCPP-J CALL frames, shared by the tests and the benchmarks.

Every function returns CALL frames ``[2,"<messageId>","<action>",{...}]`` as compact UTF-8 JSON
``bytes`` whose payload is valid against the official schema of its action: MeterValues frames
of one kind (:func:`frames`), or whole charging sessions of TransactionEvent frames
(:func:`session_frames`, :func:`sessions`, in OCPP 2.0.1 or 2.1). The frames are made from a
:class:`random.Random` seeded with ``seed`` and nothing else (no clock, no global state), so the
same seed always gives the same bytes, on every platform and Python version.

Three kinds of MeterValues frame are offered:

``small``
    One meter value with one sampled value that carries only ``value`` (about 150 bytes).
``typical``
    One meter value with the twelve readings of a three-phase AC charging session (energy
    register, power, current and voltage per phase, frequency, state of charge), each with
    ``context``, ``measurand``, ``phase``, ``location`` and ``unitOfMeasure`` set (about 1.9 KB).
``large``
    Twenty meter values of those twelve readings, 15 s apart, as a station sends after buffering
    them; the energy register reading of every other one (the billing-relevant, 30 s readings)
    carries a ``signedMeterValue``: an OCMF record in base64 signed with ECDSA-secp256r1-SHA256,
    and the meter's base64 public key. About 44 KB.

The readings follow a simulated charging session: the energy register only grows, the state of
charge rises, and successive frames of :func:`frames` have later timestamps and fresh message
ids. The charging sessions are described at :func:`session_frames`.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "FRAME_KINDS",
    "SESSION_DIALECTS",
    "frames",
    "large_frame",
    "session_frames",
    "sessions",
    "small_frame",
    "typical_frame",
]

FRAME_KINDS = ("small", "typical", "large")
"""The ``kind`` names accepted by :func:`frames`."""

_ACTION = "MeterValues"
_SIGNING_METHOD = "ECDSA-secp256r1-SHA256"
_ENCODING_METHOD = "OCMF"
# DER header of a SubjectPublicKeyInfo for an uncompressed P-256 point (id-ecPublicKey, prime256v1).
_P256_SPKI_HEADER = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")
_LARGE_METER_VALUES = 20
_LARGE_STEP = timedelta(seconds=15)
_PERIOD = timedelta(seconds=60)
_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)

# The twelve readings of the typical meter value:
# (measurand, phase, location, unit, multiplier, decimals).
_READINGS: tuple[tuple[str, str, str, str, int, int], ...] = (
    ("Energy.Active.Import.Register", "L1", "Outlet", "Wh", 3, 3),
    ("Power.Active.Import", "L1", "Outlet", "W", 0, 1),
    ("Power.Active.Import", "L2", "Outlet", "W", 0, 1),
    ("Power.Active.Import", "L3", "Outlet", "W", 0, 1),
    ("Current.Import", "L1", "Outlet", "A", 0, 2),
    ("Current.Import", "L2", "Outlet", "A", 0, 2),
    ("Current.Import", "L3", "Outlet", "A", 0, 2),
    ("Voltage", "L1-N", "Outlet", "V", 0, 1),
    ("Voltage", "L2-N", "Outlet", "V", 0, 1),
    ("Voltage", "L3-N", "Outlet", "V", 0, 1),
    ("Frequency", "L1", "Inlet", "Hz", 0, 3),
    ("SoC", "L1", "EV", "Percent", 0, 1),
)


def _rfc3339(instant: datetime) -> str:
    """``2024-05-14T10:15:30.123Z``: UTC, millisecond precision."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def _ocmf_time(instant: datetime) -> str:
    """OCMF's own time format: ``2024-05-14T10:15:30,123+0000 S``."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S,") + f"{instant.microsecond // 1000:03d}+0000 S"


class _Session:
    """A simulated three-phase AC charging session on one EVSE, driven by one seeded RNG."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self._rng = rng
        self.evse_id = rng.randint(1, 4)
        self._clock = _EPOCH + timedelta(
            seconds=rng.randrange(0, 365 * 86400), milliseconds=rng.randrange(0, 1000)
        )
        self._energy_kwh = rng.uniform(1_000.0, 90_000.0)
        self._soc = rng.uniform(10.0, 40.0)
        self._amps = rng.uniform(10.0, 32.0)
        self._serial = f"{rng.getrandbits(40):012X}"
        self._transaction = 0
        point = b"\x04" + rng.getrandbits(512).to_bytes(64, "big")
        self._public_key = base64.b64encode(_P256_SPKI_HEADER + point).decode("ascii")

    def message_id(self) -> str:
        """A UUID4 string, as most stations use for message ids."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def context(self) -> str:
        """Mostly clock-aligned samples (what MeterValuesRequest carries), now and then triggered."""
        return "Trigger" if self._rng.random() < 0.1 else "Sample.Clock"

    def _readings(self, elapsed: timedelta) -> list[float]:
        """The twelve values of :data:`_READINGS` after ``elapsed`` more time of charging."""
        rng = self._rng
        self._amps = min(32.0, max(6.0, self._amps + rng.gauss(0.0, 0.4)))
        volts = [rng.gauss(230.0, 1.8) for _ in range(3)]
        amps = [self._amps + rng.gauss(0.0, 0.15) for _ in range(3)]
        power_factor = rng.uniform(0.97, 0.995)
        watts = [v * a * power_factor for v, a in zip(volts, amps)]
        hours = elapsed.total_seconds() / 3600.0
        self._energy_kwh += sum(watts) * hours / 1000.0
        self._soc = min(100.0, self._soc + sum(watts) * hours / 1000.0 / 0.6)
        frequency = rng.gauss(50.0, 0.015)
        raw = [self._energy_kwh, *watts, *amps, *volts, frequency, self._soc]
        return [round(x, spec[5]) for x, spec in zip(raw, _READINGS)]

    def _signed(self, instant: datetime, energy_kwh: float) -> dict[str, str]:
        """A ``signedMeterValue``: an OCMF record of the register reading, base64."""
        rng = self._rng
        self._transaction += 1
        signature = rng.getrandbits(512).to_bytes(64, "big").hex().upper()
        record = {
            "FV": "1.0",
            "GI": "OCPP-METER-SIM",
            "GS": self._serial,
            "PG": f"T{self._transaction}",
            "MS": self._serial,
            "RD": [
                {
                    "TM": _ocmf_time(instant),
                    "TX": "T",
                    "RV": energy_kwh,
                    "RI": "01-00:98.08.00.FF",
                    "RU": "kWh",
                    "ST": "G",
                }
            ],
        }
        text = (
            "OCMF|"
            + json.dumps(record, separators=(",", ":"))
            + '|{"SA":"'
            + _SIGNING_METHOD
            + '","SD":"'
            + signature
            + '"}'
        )
        return {
            "signedMeterData": base64.b64encode(text.encode("utf-8")).decode("ascii"),
            "signingMethod": _SIGNING_METHOD,
            "encodingMethod": _ENCODING_METHOD,
            "publicKey": self._public_key,
        }

    def meter_value(
        self, instant: datetime, elapsed: timedelta, signed: bool, context: str | None = None
    ) -> dict[str, Any]:
        """One ``MeterValueType`` with the twelve readings at ``instant``, all of ``context``
        (by default mostly ``Sample.Clock``, see :meth:`context`)."""
        if context is None:
            context = self.context()
        values = self._readings(elapsed)
        sampled: list[dict[str, Any]] = []
        for index, (value, spec) in enumerate(zip(values, _READINGS)):
            measurand, phase, location, unit, multiplier, _ = spec
            item: dict[str, Any] = {
                "value": value,
                "context": context,
                "measurand": measurand,
                "phase": phase,
                "location": location,
            }
            if signed and index == 0:
                item["signedMeterValue"] = self._signed(instant, value)
            item["unitOfMeasure"] = {"unit": unit, "multiplier": multiplier}
            sampled.append(item)
        return {"timestamp": _rfc3339(instant), "sampledValue": sampled}

    def payload(self, kind: str) -> dict[str, Any]:
        """The next ``MeterValuesRequest`` payload of the given kind; time moves on."""
        meter_values: list[dict[str, Any]]
        if kind == "small":
            start = self._clock
            self._energy_kwh += self._rng.uniform(0.05, 0.4)
            value = round(self._energy_kwh * 1000.0, 1)
            meter_values = [{"timestamp": _rfc3339(start), "sampledValue": [{"value": value}]}]
            self._clock = start + _PERIOD
        elif kind == "typical":
            start = self._clock
            meter_values = [self.meter_value(start, _PERIOD, signed=False)]
            self._clock = start + _PERIOD
        elif kind == "large":
            start = self._clock
            meter_values = [
                self.meter_value(start + i * _LARGE_STEP, _LARGE_STEP, signed=i % 2 == 0)
                for i in range(_LARGE_METER_VALUES)
            ]
            self._clock = start + _LARGE_METER_VALUES * _LARGE_STEP
        else:
            raise ValueError(f"unknown frame kind {kind!r}; expected one of {FRAME_KINDS}")
        return {"evseId": self.evse_id, "meterValue": meter_values}

    def frame(self, kind: str) -> bytes:
        """The next CALL frame of the given kind."""
        message_id = self.message_id()
        call: list[Any] = [2, message_id, _ACTION, self.payload(kind)]
        return json.dumps(call, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- charging sessions: TransactionEvent frames ---------------------------------------------

SESSION_DIALECTS = ("2.0.1", "2.1")
"""The ``dialect`` names accepted by :func:`session_frames` and :func:`sessions`."""

_TX_PERIOD = timedelta(seconds=60)
# How a session ends in either dialect: (Ended triggerReason, stoppedReason, chargingState).
_ENDINGS: tuple[tuple[str, str, str], ...] = (
    ("EVDeparted", "EVDisconnected", "Idle"),
    ("StopAuthorized", "Local", "EVConnected"),
    ("RemoteStop", "Remote", "EVConnected"),
    ("EnergyLimitReached", "EnergyLimitReached", "EVConnected"),
    ("TimeLimitReached", "TimeLimitReached", "EVConnected"),
)
# What only OCPP 2.1 has: the trigger reason SoCLimitReached.
_ENDINGS_V21 = (*_ENDINGS, ("SoCLimitReached", "SOCLimitReached", "EVConnected"))


class _Station:
    """A charging station running charging sessions one after the other on its EVSEs, and
    reporting its grid meter (EVSE 0) in MeterValues frames, driven by one seeded RNG."""

    def __init__(self, seed: int, dialect: str) -> None:
        rng = random.Random(seed)
        self._rng = rng
        self._v21 = dialect == "2.1"
        # The meter of the EVSE in use and the grid meter each have their own simulation.
        self._meter = _Session(rng.getrandbits(64))
        self._grid = _Session(rng.getrandbits(64))
        self._clock = self._meter._clock

    def _frame(self, action: str, payload: dict[str, Any]) -> bytes:
        call: list[Any] = [2, self._meter.message_id(), action, payload]
        return json.dumps(call, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def _token(self, trigger: str) -> dict[str, str]:
        """The ``idToken`` that authorizes a session started by ``trigger``."""
        rng = self._rng
        if trigger == "RemoteStart":
            return {"idToken": f"{rng.getrandbits(80):020X}", "type": "Central"}
        if self._v21 and rng.random() < 0.2:
            # Plug and Charge by the vehicle's communication controller: a 2.1 type.
            return {"idToken": f"{rng.getrandbits(48):012X}", "type": "EVCCID"}
        if rng.random() < 0.3:
            body = f"{rng.getrandbits(36):09X}"
            return {"idToken": f"DE8AAC{body}{rng.randrange(10)}", "type": "eMAID"}
        return {"idToken": f"{rng.getrandbits(56):014X}", "type": "ISO14443"}

    def _readings(self, instant: datetime, context: str) -> dict[str, Any]:
        """The register and state of charge that open or close a transaction."""
        meter = self._meter
        return {
            "timestamp": _rfc3339(instant),
            "sampledValue": [
                {
                    "value": round(meter._energy_kwh, 3),
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "location": "Outlet",
                    "unitOfMeasure": {"unit": "Wh", "multiplier": 3},
                },
                {
                    "value": round(meter._soc, 1),
                    "context": context,
                    "measurand": "SoC",
                    "location": "EV",
                    "unitOfMeasure": {"unit": "Percent"},
                },
            ],
        }

    def _grid_frame(self, instant: datetime) -> bytes:
        grid = self._grid
        meter_value = grid.meter_value(instant, _TX_PERIOD, signed=False, context="Sample.Clock")
        return self._frame("MeterValues", {"evseId": 0, "meterValue": [meter_value]})

    def session(self, updates: int, grid: bool) -> list[bytes]:
        """The frames of the next charging session: Started, ``updates`` periodic Updated
        events with readings (and, when ``grid``, a grid meter MeterValues frame after every
        other one), a few Updated events without readings, and Ended."""
        rng = self._rng
        meter = self._meter
        meter._soc = rng.uniform(10.0, 40.0)
        meter._amps = rng.uniform(10.0, 32.0)
        trigger = rng.choices(("Authorized", "CablePluggedIn", "RemoteStart"), (5, 3, 2))[0]
        transaction_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        evse = {"id": rng.randint(1, 2), "connectorId": 1}
        repeat_evse = rng.random() < 0.5
        offline = rng.random() < 0.1
        token = self._token(trigger)
        phases = 3 if rng.random() < 0.8 else 1
        clock = self._clock + timedelta(seconds=rng.randrange(30, 900))
        seq_no = 0
        frames: list[bytes] = []

        def event(
            event_type: str,
            trigger_reason: str,
            info: dict[str, Any],
            head: dict[str, Any] | None = None,
            **more: Any,
        ) -> None:
            """Appends a TransactionEvent: ``head`` goes before ``transactionInfo``, ``more``
            after ``evse``, as the schema orders them."""
            nonlocal seq_no
            payload: dict[str, Any] = {
                "eventType": event_type,
                "timestamp": _rfc3339(clock),
                "triggerReason": trigger_reason,
                "seqNo": seq_no,
            }
            if offline and event_type == "Updated":
                payload["offline"] = True
            payload.update(head or {})
            payload["transactionInfo"] = {"transactionId": transaction_id, **info}
            if event_type != "Updated" or repeat_evse:
                payload["evse"] = evse
            payload.update(more)
            frames.append(self._frame("TransactionEvent", payload))
            seq_no += 1

        started_info: dict[str, Any] = {
            "chargingState": "EVConnected" if trigger == "CablePluggedIn" else "Charging"
        }
        head: dict[str, Any] = {"numberOfPhasesUsed": phases, "cableMaxCurrent": 32}
        if rng.random() < 0.15:
            head["reservationId"] = rng.randrange(1, 100_000)
        if trigger == "RemoteStart":
            started_info["remoteStartId"] = rng.randrange(1, 1_000_000)
        if self._v21:
            started_info["operationMode"] = "ChargingOnly"
            started_info["tariffId"] = f"TARIFF-{rng.randrange(1, 10)}"
        started: dict[str, Any] = {}
        if trigger != "CablePluggedIn":
            started["idToken"] = token
        started["meterValue"] = [self._readings(clock, "Transaction.Begin")]
        if self._v21:
            started["preconditioningStatus"] = rng.choice(("Unknown", "Ready", "NotReady"))
        event("Started", trigger, started_info, head, **started)
        charging_since = clock
        if trigger == "CablePluggedIn":
            clock += timedelta(seconds=rng.randrange(5, 60))
            charging_since = clock
            event("Updated", "Authorized", {"chargingState": "Charging"}, idToken=token)
        for i in range(updates):
            clock += _TX_PERIOD
            charged = int((clock - charging_since).total_seconds())
            reading = meter.meter_value(clock, _TX_PERIOD, signed=False, context="Sample.Periodic")
            info = {"chargingState": "Charging", "timeSpentCharging": charged}
            event("Updated", "MeterValuePeriodic", info, meterValue=[reading])
            if grid and i % 2 == 1:
                frames.append(self._grid_frame(clock))
        charged = int((clock - charging_since).total_seconds())
        if rng.random() < 0.3:
            clock += timedelta(seconds=rng.randrange(10, 120))
            info = {"chargingState": "SuspendedEV", "timeSpentCharging": charged}
            event("Updated", "ChargingStateChanged", info)
        clock += timedelta(seconds=rng.randrange(5, 90))
        trigger_reason, reason, state = rng.choice(_ENDINGS_V21 if self._v21 else _ENDINGS)
        ended_info = {"chargingState": state, "timeSpentCharging": charged, "stoppedReason": reason}
        ended: dict[str, Any] = {}
        if trigger_reason == "StopAuthorized":
            ended["idToken"] = token
        # Some stations send the closing register in a separate MeterValues: an Ended event
        # without readings.
        if rng.random() < 0.75:
            ended["meterValue"] = [self._readings(clock, "Transaction.End")]
        event("Ended", trigger_reason, ended_info, **ended)
        self._clock = clock
        return frames


def _check_dialect(dialect: object) -> str:
    if dialect not in SESSION_DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {SESSION_DIALECTS}")
    return str(dialect)


def session_frames(seed: int = 0, *, updates: int = 4, dialect: str = "2.0.1") -> list[bytes]:
    """The TransactionEvent CALL frames of one whole charging session.

    ``Started`` (``triggerReason`` ``Authorized`` with the ``idToken``, ``RemoteStart`` with a
    ``remoteStartId``, or ``CablePluggedIn`` followed by an ``Updated`` ``Authorized`` event
    that carries the token), with the ``Transaction.Begin`` energy register and state of
    charge; ``updates`` ``Updated`` events (``MeterValuePeriodic``, 60 s apart) with the
    twelve readings of :func:`typical_frame` as ``Sample.Periodic``: the energy register
    rising, power, current and voltage per phase, frequency, the state of charge; sometimes an
    ``Updated`` ``ChargingStateChanged`` to ``SuspendedEV`` without readings; ``Ended`` with a
    ``triggerReason``, its ``stoppedReason`` and ``timeSpentCharging``, and (three sessions in
    four) the ``Transaction.End`` readings. ``seqNo`` counts from 0; ``evse`` is in
    ``Started`` and ``Ended``, and in every event of some sessions; id tokens are ISO14443
    UIDs, eMAIDs or, for a remote start, ``Central``.

    Under ``dialect="2.1"`` the frames also carry what only OCPP 2.1 has (an ``operationMode``
    and ``tariffId``, a ``preconditioningStatus``, ``EVCCID`` tokens, the trigger reason
    ``SoCLimitReached``): valid against the 2.1 schema, refused by a 2.0.1 decoder.

    Args:
        seed: seeds the generator; the same seed gives the same bytes.
        updates: periodic ``Updated`` events with readings, ``>= 0``.
        dialect: ``"2.0.1"`` or ``"2.1"`` (see :data:`SESSION_DIALECTS`).

    Returns:
        The frames, in the order the station sends them, as compact UTF-8 JSON ``bytes``.
    """
    station = _Station(_check_seed(seed), _check_dialect(dialect))
    return station.session(_check_count("updates", updates), grid=False)


def sessions(n: int, seed: int = 0, *, dialect: str = "2.0.1") -> list[bytes]:
    """The frames a station sends over ``n`` whole charging sessions, one after the other:
    each session as :func:`session_frames` describes (with 3 to 6 periodic updates), and
    after every other periodic update a MeterValues frame of its grid meter (``evseId`` 0,
    twelve ``Sample.Clock`` readings). About three frames in four are TransactionEvents.

    Args:
        n: how many sessions, ``>= 0``.
        seed: seeds the generator; the same seed gives the same list.
        dialect: ``"2.0.1"`` or ``"2.1"`` (see :data:`SESSION_DIALECTS`).

    Returns:
        The frames, in the order the station sends them, as compact UTF-8 JSON ``bytes``.
    """
    station = _Station(_check_seed(seed), _check_dialect(dialect))
    out: list[bytes] = []
    for _ in range(_check_count("n", n)):
        out += station.session(station._rng.randint(3, 6), grid=True)
    return out


def _check_count(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name} must be an int, not {type(n).__name__}")
    if n < 0:
        raise ValueError(f"{name} must be >= 0, not {n}")
    return n


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, not {type(seed).__name__}")
    return seed


def small_frame(seed: int = 0) -> bytes:
    """A minimal MeterValues CALL: one meter value with one bare ``value`` (an energy register).

    Args:
        seed: seeds the generator; the same seed gives the same bytes.

    Returns:
        The compact UTF-8 JSON frame, about 150 bytes.
    """
    return _Session(_check_seed(seed)).frame("small")


def typical_frame(seed: int = 0) -> bytes:
    """A typical MeterValues CALL of a three-phase AC charger: one meter value, twelve readings.

    The readings are the energy register, active power, current and voltage of each phase,
    the grid frequency and the EV's state of charge, each with ``context``, ``measurand``,
    ``phase``, ``location`` and ``unitOfMeasure`` (unit and multiplier) set.

    Args:
        seed: seeds the generator; the same seed gives the same bytes.

    Returns:
        The compact UTF-8 JSON frame, about 1.9 KB.
    """
    return _Session(_check_seed(seed)).frame("typical")


def large_frame(seed: int = 0) -> bytes:
    """A large MeterValues CALL: twenty buffered meter values of twelve readings each.

    Each meter value is laid out as in :func:`typical_frame`; in every other one (the first,
    third, ...) the energy register reading also carries a ``signedMeterValue`` (a base64 OCMF
    record of about 370 bytes, ``ECDSA-secp256r1-SHA256``, ``OCMF``, a base64 P-256 public key).

    Args:
        seed: seeds the generator; the same seed gives the same bytes.

    Returns:
        The compact UTF-8 JSON frame, about 44 KB.
    """
    return _Session(_check_seed(seed)).frame("large")


def frames(n: int, kind: str = "typical", seed: int = 0) -> list[bytes]:
    """``n`` distinct MeterValues CALL frames of one kind, from one simulated session.

    Successive frames have fresh message ids, later timestamps and new readings, so no two are
    equal. ``frames(1, kind, seed)[0]`` is the frame that ``<kind>_frame(seed)`` returns.

    Args:
        n: how many frames, ``>= 0``.
        kind: ``"small"``, ``"typical"`` or ``"large"`` (see :data:`FRAME_KINDS`).
        seed: seeds the generator; the same seed gives the same list.

    Returns:
        The frames, as compact UTF-8 JSON ``bytes``.

    Raises:
        ValueError: ``n`` is negative or ``kind`` is unknown.
    """
    _check_count("n", n)
    if kind not in FRAME_KINDS:
        raise ValueError(f"unknown frame kind {kind!r}; expected one of {FRAME_KINDS}")
    session = _Session(_check_seed(seed))
    return [session.frame(kind) for _ in range(n)]
