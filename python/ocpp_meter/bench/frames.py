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

SEED = 0
"""Seed of the timed frames."""

EXTRA_FRAMES = 4
"""How many more frames of each kind (seed 1) the agreement checks also compare."""

OURS = "ours"


def te_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    """The TransactionEvent kinds that go with the MeterValues ``kinds`` selected."""
    return tuple(TE_PREFIX + kind for kind in kinds if kind in KINDS)


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
    """The frame of ``kind`` (MeterValues or, ``te-*``, TransactionEvent) every peer is timed on."""
    if kind.startswith(TE_PREFIX):
        return te_frames(1, kind, SEED)[0]
    return samples.frames(1, kind, SEED)[0]


def check_frames(kind: str) -> list[bytes]:
    """The frames of ``kind`` the agreement checks run on: the timed one and a few others."""
    if kind.startswith(TE_PREFIX):
        return [bench_frame(kind), *te_frames(EXTRA_FRAMES, kind, seed=SEED + 1)]
    return [bench_frame(kind), *samples.frames(EXTRA_FRAMES, kind, seed=SEED + 1)]
