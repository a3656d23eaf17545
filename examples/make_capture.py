"""Writes examples/meter_values.jsonl: the sample capture the README's first command decodes.

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


if __name__ == "__main__":
    main()
