"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/ and the dictionary
fuzz/ocpp.dict. Run from the repository root with the package installed:

    python fuzz/make_seeds.py

Seeds: every frame of examples/meter_values.jsonl, frames of ocpp_meter.samples (each kind), every
payload of the rule table in tests/test_rules.py (bare for `payload`, wrapped in a CALL for
`frame`), CALLRESULT and CALLERROR frames, TransactionEvent responses (bare and in a
CALLRESULT), TransactionEvent payloads built from the meter
values above, OCPP 2.1 MeterValues and TransactionEvent payloads (tests/test_dialect.py,
tests/test_transaction_event_21.py), and for `batch` newline-separated groups of all of these (TransactionEvent
payloads wrapped in a CALL). File names are content hashes, so rerunning is idempotent.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import test_dialect
import test_rules
import test_transaction_event_21
from ocpp_meter import samples


def write(target: str, data: bytes) -> None:
    d = ROOT / "fuzz" / "seeds" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def dict_entry(token: str) -> str:
    """One libFuzzer dictionary line: the token in double quotes, with \\ and \" escaped."""
    return '"' + token.replace("\\", "\\\\").replace('"', '\\"') + '"'


def as_bytes(p: str | bytes) -> bytes:
    return p if isinstance(p, bytes) else p.encode("utf-8", "surrogatepass")


frames = [
    line.encode()
    for line in (ROOT / "examples" / "meter_values.jsonl").read_text().splitlines()
    if line
]
for kind in samples.FRAME_KINDS:
    frames += samples.frames(1 if kind == "large" else 3, kind=kind, seed=7)
payloads = [as_bytes(row[1]) for row in test_rules.ROWS]

for f in frames:
    write("frame", f)
    try:
        payload = json.loads(f)[3]
    except (ValueError, IndexError, TypeError):
        continue
    write("payload", json.dumps(payload, separators=(",", ":")).encode())
for p in payloads:
    write("payload", p)
    write("frame", b'[2,"id-1","MeterValues",' + p + b"]")
extras = (
    b'[3,"id-1",{}]',
    b'[3,"id-1",{"customData":{"vendorId":"v","x":[1,2.5,null,true,{"a":"b"}]}}]',
    b'[4,"id-1","FormatViolation","bad",{"path":"/evseId"}]',
    b'[4,"id-1","GenericError","",{}]',
    b'[2,"id-1","Heartbeat",{}]',
    b'[5,"id-1","MeterValues",{}]',
    b'[2,"' + b"x" * 37 + b'","MeterValues",{}]',
)
for extra in extras:
    write("frame", extra)

# TransactionEvent responses (the CALLRESULT decoder of that action): every field of 2.0.1, the
# 2.1 additions, and the smallest one; bare for `transaction_event`, in a CALLRESULT for `frame`.
te_responses = (
    {},
    {
        "totalCost": 12.5,
        "chargingPriority": -1,
        "idTokenInfo": {
            "status": "Accepted",
            "cacheExpiryDateTime": "2024-06-01T00:00:00Z",
            "chargingPriority": 2,
            "language1": "en",
            "evseId": [1, 2],
            "groupIdToken": {"idToken": "g", "type": "Central"},
            "language2": "nl",
            "personalMessage": {"format": "UTF8", "language": "en", "content": "Hi"},
        },
        "updatedPersonalMessage": {"format": "ASCII", "content": "Bye"},
        "customData": {"vendorId": "v"},
    },
    {
        "idTokenInfo": {
            "status": "Accepted",
            "evseId": [0],
            "groupIdToken": {"idToken": "g", "type": "NEVI"},
        },
        "transactionLimit": {"maxSoC": 0, "maxTime": 60},
        "updatedPersonalMessage": {"format": "QRCODE", "content": "c"},
        "updatedPersonalMessageExtra": [{"format": "UTF8", "language": "de", "content": "Tschüss"}],
    },
)
for response in te_responses:
    payload = json.dumps(response, separators=(",", ":"), ensure_ascii=False).encode()
    write("transaction_event", payload)
    write("frame", b'[3,"id-1",' + payload + b"]")

te_base = {
    "eventType": "Updated",
    "timestamp": "2024-05-01T12:00:01+02:00",
    "triggerReason": "MeterValuePeriodic",
    "seqNo": 3,
    "offline": False,
    "numberOfPhasesUsed": 3,
    "cableMaxCurrent": 32,
    "reservationId": 9,
    "transactionInfo": {
        "transactionId": "tx-1",
        "chargingState": "Charging",
        "timeSpentCharging": 60,
        "stoppedReason": "Local",
        "remoteStartId": 4,
    },
    "evse": {"id": 1, "connectorId": 2},
    "idToken": {
        "idToken": "04A2",
        "type": "ISO14443",
        "additionalInfo": [{"additionalIdToken": "x", "type": "y"}],
    },
    "customData": {"vendorId": "v"},
}
write("transaction_event", json.dumps(te_base, separators=(",", ":")).encode())
minimal = {
    "eventType": "Started",
    "timestamp": "2024-05-01T12:00:00Z",
    "triggerReason": "Authorized",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "t"},
}
write("transaction_event", json.dumps(minimal).encode())
for f in frames[:6]:
    mv = json.loads(f)[3]["meterValue"]
    write(
        "transaction_event",
        json.dumps({**te_base, "meterValue": mv}, separators=(",", ":")).encode(),
    )

# OCPP 2.1 payloads (the targets decode in both dialects): what only 2.1 allows.
write("payload", json.dumps(test_dialect.PAYLOAD_21, separators=(",", ":")).encode())
write("frame", test_dialect.frame(test_dialect.PAYLOAD_21))
write("transaction_event", json.dumps(test_transaction_event_21.FULL).encode())
write(
    "frame",
    json.dumps([2, "te-21", "TransactionEvent", test_transaction_event_21.FULL]).encode(),
)

# Batches: JSON Lines of mixed frames (accepted MeterValues and TransactionEvent, faulty
# frames, replies), in groups of 1 to 8, so each seed covers several outcomes and thread cuts.
te_frames = [
    b'[2,"te-%d","TransactionEvent",' % i + f.read_bytes() + b"]"
    for i, f in enumerate(sorted((ROOT / "fuzz" / "seeds" / "transaction_event").iterdir()))
]
faulty = [b'[2,"id-%d","MeterValues",' % i + p + b"]" for i, p in enumerate(payloads)]
pool = [f for f in frames if b"\n" not in f]
mixed = [*pool[:40], *te_frames, *faulty[::3], *extras, b"", b"not json"]
for step, start in enumerate(range(0, len(mixed), 5)):
    size = 1 + step % 8
    # Interleave from both ends so accepted and rejected frames meet in one batch.
    group = mixed[start : start + size] + mixed[::-1][start : start + size // 2]
    write("batch", b"\n".join(group))

# Dictionary: JSON punctuation, every property name and enumeration value the core knows.
core = "".join(p.read_text() for p in (ROOT / "rust").glob("*.rs"))
words = set(re.findall(r'"([A-Za-z][A-Za-z0-9.\-]{1,40})"', core))
tokens = [
    '"',
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "true",
    "false",
    "null",
    "-0",
    "1e999",
    "\\u",
    "\\ud800",
    "Z",
    "T",
    "+00:00",
]
lines = [dict_entry(t) for t in tokens] + [dict_entry(f'"{w}"') for w in sorted(words)]
(ROOT / "fuzz" / "ocpp.dict").write_text("\n".join(lines) + "\n")
for t in ("payload", "frame", "transaction_event", "batch"):
    print(t, len(list((ROOT / "fuzz" / "seeds" / t).iterdir())))
