"""The frames every peer is measured and checked on."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Sequence
from typing import Any

from .. import samples

View = dict[str, Any]
"""A plain, comparable form of a decoded CALL (see :func:`view_of_wire`)."""

KINDS: tuple[str, ...] = samples.FRAME_KINDS
"""The frame kinds measured: small, typical, large."""

TE_PREFIX = "te-"
TE_KINDS: tuple[str, ...] = tuple(TE_PREFIX + kind for kind in KINDS)
"""The TransactionEvent frame kinds: te-small, te-typical, te-large (see :func:`te_frames`)."""

V16_PREFIX = "v16-"
V16_KINDS: tuple[str, ...] = tuple(V16_PREFIX + kind for kind in KINDS)
"""The OCPP 1.6J MeterValues frame kinds: v16-small, v16-typical, v16-large (see
:func:`v16_frames`)."""

SEED = 0
"""Seed of the timed frames."""

EXTRA_FRAMES = 4
"""How many more frames of each kind (seed 1) the agreement checks also compare."""

OURS = "ours"


def te_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    """The TransactionEvent kinds that go with the MeterValues ``kinds`` selected."""
    return tuple(TE_PREFIX + kind for kind in kinds if kind in KINDS)


def v16_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    """The OCPP 1.6J kinds that go with the MeterValues ``kinds`` selected."""
    return tuple(V16_PREFIX + kind for kind in kinds if kind in KINDS)


_UNITS_16 = {"Hz": "Hertz"}
"""2.0.1 units of the sample readings that 1.6 spells otherwise (``Wh`` with multiplier 3 is
``kWh``, see :func:`v16_frames`)."""


def _decimal_text(value: float) -> str:
    text = repr(float(value))
    if "e" in text or "n" in text:
        raise ValueError(f"{value!r} has no plain decimal text")
    return text


def v16_frames(n: int, kind: str, seed: int) -> list[bytes]:
    """``n`` OCPP 1.6J MeterValues CALL frames of ``kind`` (``v16-small``, ``v16-typical``,
    ``v16-large``): the 2.0.1 MeterValues frames of the same size from
    :mod:`ocpp_meter.samples` (same seed) as a 1.6 charger sends the same readings.

    ``evseId`` becomes ``connectorId``; each ``value`` its decimal text (``repr`` of the
    double: the shortest text that reads back as it); ``unitOfMeasure`` the 1.6 ``unit``
    (``Wh`` with multiplier 3 is ``kWh``, ``Hz`` is ``Hertz``; 1.6 has no multiplier); context,
    measurand, phase and location stay (1.6 has each value used). The typical and large frames
    carry a ``transactionId``. A 2.0.1 ``signedMeterValue`` (every other meter value of the
    large frame) becomes what 1.6 chargers send for it: one more sampled value after the
    reading, of the same measurand, context, location and unit, ``format`` ``SignedData`` and
    the signed data as its ``value``. Deterministic in ``seed``.
    """
    if not kind.startswith(V16_PREFIX) or kind[len(V16_PREFIX) :] not in KINDS:
        raise ValueError(f"unknown frame kind {kind!r}; expected one of {V16_KINDS}")
    size = kind[len(V16_PREFIX) :]
    rng = random.Random(f"ocpp16-{seed}")
    transaction_id = rng.randrange(1, 1 << 31)
    out = []
    for frame in samples.frames(n, size, seed):
        _, message_id, _, meter = json.loads(frame)
        meter_values = []
        for mv in meter["meterValue"]:
            sampled: list[dict[str, Any]] = []
            for sv in mv["sampledValue"]:
                item = {"value": _decimal_text(sv["value"])}
                item.update(
                    {k: sv[k] for k in ("context", "measurand", "phase", "location") if k in sv}
                )
                uom = sv.get("unitOfMeasure")
                if uom is not None:
                    unit = uom.get("unit", "Wh")
                    if uom.get("multiplier", 0) == 3 and unit == "Wh":
                        unit = "kWh"
                    elif uom.get("multiplier", 0) != 0:
                        raise ValueError(f"no 1.6 unit for {uom!r}")
                    item["unit"] = _UNITS_16.get(unit, unit)
                sampled.append(item)
                signed = sv.get("signedMeterValue")
                if signed is not None:
                    sampled.append(
                        {**item, "value": signed["signedMeterData"], "format": "SignedData"}
                    )
            meter_values.append({"timestamp": mv["timestamp"], "sampledValue": sampled})
        payload: dict[str, Any] = {"connectorId": meter["evseId"]}
        if size != "small":
            payload["transactionId"] = transaction_id
        payload["meterValue"] = meter_values
        call = [2, message_id, "MeterValues", payload]
        out.append(json.dumps(call, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return out


def te_frames(n: int, kind: str, seed: int) -> list[bytes]:
    """``n`` TransactionEvent CALL frames of ``kind`` (``te-small``, ``te-typical``, ``te-large``).

    The meter values are those of the MeterValues frames of the same size from
    :mod:`ocpp_meter.samples` (same seed), wrapped in a TransactionEvent of one transaction:

    * ``te-small``: a minimal Updated (the required fields, ``transactionInfo`` with its id only);
    * ``te-typical``: an Updated, ``MeterValuePeriodic``, with ``transactionInfo`` (charging
      state, time spent charging), ``evse`` (id, connector), ``idToken`` and the typical frame's
      meter value of twelve readings in ``Sample.Periodic`` context;
    * ``te-large``: the Ended of an ``EVDisconnected`` session with the large frame's twenty
      meter values (every other energy reading signed), the last in ``Transaction.End``
      context, and ``idToken`` with an ``additionalInfo``.

    Deterministic in ``seed``. When ``ocpp_meter.samples`` offers whole TransactionEvent
    sessions these can be taken from there instead.
    """
    if not kind.startswith(TE_PREFIX) or kind[len(TE_PREFIX) :] not in KINDS:
        raise ValueError(f"unknown frame kind {kind!r}; expected one of {TE_KINDS}")
    size = kind[len(TE_PREFIX) :]
    rng = random.Random(f"transaction-event-{seed}")
    transaction_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    token = f"{rng.getrandbits(56):014X}"
    seq_no = rng.randrange(1, 50)
    spent = rng.randrange(60, 3600)
    out = []
    for frame in samples.frames(n, size, seed):
        _, message_id, _, meter = json.loads(frame)
        meter_values: list[dict[str, Any]] = meter["meterValue"]
        payload: dict[str, Any] = {
            "eventType": "Ended" if size == "large" else "Updated",
            "timestamp": meter_values[-1]["timestamp"],
            "triggerReason": {"small": "ChargingStateChanged", "typical": "MeterValuePeriodic"}.get(
                size, "EVDeparted"
            ),
            "seqNo": seq_no,
            "transactionInfo": {"transactionId": transaction_id},
        }
        if size != "small":
            for mv in meter_values:
                for sv in mv["sampledValue"]:
                    sv["context"] = "Sample.Periodic"
            payload["meterValue"] = meter_values
            payload["evse"] = {"id": meter["evseId"], "connectorId": 1}
            payload["idToken"] = {"idToken": token, "type": "ISO14443"}
            info = payload["transactionInfo"]
            info["chargingState"] = "Charging" if size == "typical" else "Idle"
            info["timeSpentCharging"] = spent
        if size == "large":
            for sv in meter_values[-1]["sampledValue"]:
                sv["context"] = "Transaction.End"
            payload["transactionInfo"]["stoppedReason"] = "EVDisconnected"
            payload["idToken"]["additionalInfo"] = [
                {"additionalIdToken": f"DE*OCM*E{token}*1", "type": "eMAID"}
            ]
            payload["numberOfPhasesUsed"] = 3
        call = [2, message_id, "TransactionEvent", payload]
        out.append(json.dumps(call, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        seq_no += 1
        spent += 60
    return out


def bench_frame(kind: str) -> bytes:
    """The frame of ``kind`` (MeterValues; ``te-*``, TransactionEvent; ``v16-*``, OCPP 1.6J
    MeterValues) every peer is timed on."""
    if kind.startswith(TE_PREFIX):
        return te_frames(1, kind, SEED)[0]
    if kind.startswith(V16_PREFIX):
        return v16_frames(1, kind, SEED)[0]
    return samples.frames(1, kind, SEED)[0]


def check_frames(kind: str) -> list[bytes]:
    """The frames of ``kind`` the agreement checks run on: the timed one and a few others."""
    if kind.startswith(TE_PREFIX):
        return [bench_frame(kind), *te_frames(EXTRA_FRAMES, kind, seed=SEED + 1)]
    if kind.startswith(V16_PREFIX):
        return [bench_frame(kind), *v16_frames(EXTRA_FRAMES, kind, seed=SEED + 1)]
    return [bench_frame(kind), *samples.frames(EXTRA_FRAMES, kind, seed=SEED + 1)]
