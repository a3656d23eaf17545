"""Deterministic sample MeterValues CALL frames, shared by the tests and the benchmarks.

Every function returns OCPP-J CALL frames ``[2,"<messageId>","MeterValues",{...}]`` as compact
UTF-8 JSON ``bytes`` whose payload is valid against the official OCPP 2.0.1
``MeterValuesRequest`` schema. The frames are made from a :class:`random.Random` seeded with
``seed`` and nothing else (no clock, no global state), so the same seed always gives the same
bytes, on every platform and Python version.

Three kinds of frame are offered:

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
ids.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["FRAME_KINDS", "frames", "large_frame", "small_frame", "typical_frame"]

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

    def meter_value(self, instant: datetime, elapsed: timedelta, signed: bool) -> dict[str, Any]:
        """One ``MeterValueType`` with the twelve readings at ``instant``."""
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
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, not {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    if kind not in FRAME_KINDS:
        raise ValueError(f"unknown frame kind {kind!r}; expected one of {FRAME_KINDS}")
    session = _Session(_check_seed(seed))
    return [session.frame(kind) for _ in range(n)]
