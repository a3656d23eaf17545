"""Writes the sample captures: examples/meter_values.jsonl (JSON lines of MeterValues) and
examples/capture.log (a CSMS log of several stations, MeterValues and TransactionEvent mixed).

Valid frames come from ``ocpp_meter.samples`` (seeded, so the file is reproducible); a few
frames are broken by hand the way misbehaving stations break them, and two are replies.
Run: ``python examples/make_capture.py``.
"""

from __future__ import annotations

from pathlib import Path

from ocpp_meter import samples

BROKEN = [
    # Unknown measurand (a vendor name).
    (
        b'[2,"b1","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z",'
        b'"sampledValue":[{"value":230.1,"measurand":"Voltage.L1"}]}]}]'
    ),
    # Naive timestamp: no offset.
    (
        b'[2,"b2","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00",'
        b'"sampledValue":[{"value":1}]}]}]'
    ),
    # Value sent as a string.
    (
        b'[2,"b3","MeterValues",{"evseId":2,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z",'
        b'"sampledValue":[{"value":"12.5"}]}]}]'
    ),
    # Missing sampledValue.
    b'[2,"b4","MeterValues",{"evseId":2,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z"}]}]',
    # Truncated frame.
    b'[2,"b5","MeterValues",{"evseId":2,"meterValue":[{"timestamp":"2024-05-01T1',
    # An action this codec does not implement.
    b'[2,"b6","Heartbeat",{}]',
]

REPLIES = [
    b'[3,"r1",{}]',
    b'[4,"r2","NotSupported","no handler registered",{}]',
]


def main() -> None:
    lines = samples.frames(6, "typical", seed=7) + samples.frames(3, "small", seed=7)
    lines += samples.frames(1, "large", seed=7)
    lines[3:3] = BROKEN[:3]
    lines[9:9] = BROKEN[3:]
    lines += REPLIES
    out = Path(__file__).with_name("meter_values.jsonl")
    out.write_bytes(b"\n".join(lines) + b"\n")
    print(f"wrote {len(lines)} frames to {out}")


def transaction_events(station: int, seed: int) -> list[bytes]:
    """A short charging session as TransactionEvent frames: Started, Updated (with the meter
    readings of a sample frame), Ended."""
    import json

    readings = json.loads(samples.typical_frame(seed))[3]["meterValue"]
    base = {
        "timestamp": readings[0]["timestamp"],
        "transactionInfo": {"transactionId": f"tx-{station}-{seed}"},
        "evse": {"id": 1, "connectorId": 1},
    }
    events = [
        {**base, "eventType": "Started", "triggerReason": "CablePluggedIn", "seqNo": 0},
        {**base, "eventType": "Updated", "triggerReason": "MeterValuePeriodic", "seqNo": 1,
         "meterValue": readings},
        {**base, "eventType": "Ended", "triggerReason": "EVDeparted", "seqNo": 2,
         "meterValue": readings[:1],
         "transactionInfo": {"transactionId": f"tx-{station}-{seed}", "stoppedReason": "EVDisconnected"}},
    ]  # fmt: skip
    return [
        json.dumps(
            [2, f"te-{station}-{seed}-{i}", "TransactionEvent", e], separators=(",", ":")
        ).encode()
        for i, e in enumerate(events)
    ]


def write_log() -> None:
    """examples/capture.log: what four stations sent, as a CSMS logs it (``<time> <station> <-
    <frame>``): MeterValues and TransactionEvent mixed, a few other actions, two broken frames."""
    lines: list[bytes] = []
    clock = 0
    for round_ in range(6):
        for station in range(1, 5):
            name = f"CS-{station:04d}".encode()
            received = samples.frames(1, "typical", seed=100 * station + round_)
            if round_ % 2 == 0:
                received += transaction_events(station, round_)
            if round_ == 3:
                received.append(b'[2,"hb-%d","Heartbeat",{}]' % station)
            if station == 4 and round_ in (1, 4):
                received.append(BROKEN[round_ % len(BROKEN)])
            for frame in received:
                stamp = f"2024-05-01T12:{clock // 60:02d}:{clock % 60:02d}Z".encode()
                clock += 7
                lines.append(stamp + b" " + name + b" <- " + frame)
    out = Path(__file__).with_name("capture.log")
    out.write_bytes(b"\n".join(lines) + b"\n")
    print(f"wrote {len(lines)} lines to {out}")


if __name__ == "__main__":
    main()
    write_log()
