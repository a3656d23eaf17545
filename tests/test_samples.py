"""The sample frame generator ``ocpp_meter.samples``: deterministic, sized, and schema-valid."""

from __future__ import annotations

import base64
import importlib.util
import json
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pytest
from jsonschema import Draft6Validator

SCHEMA_DIR = Path(__file__).parent / "data" / "ocpp201"
KINDS = ("small", "typical", "large")
SEEDS = (0, 1, 2, 7, 12345)


def _load_samples() -> tuple[ModuleType, Any]:
    """``ocpp_meter.samples`` and the compiled core, or ``None`` for the core if it is not built.

    The generator is pure Python: while the core is not built yet, it is loaded from its file so
    that its own tests still run.
    """
    try:
        import ocpp_meter
        from ocpp_meter import samples as module
    except ImportError:
        path = Path(__file__).parents[1] / "python" / "ocpp_meter" / "samples.py"
        spec = importlib.util.spec_from_file_location("_ocpp_meter_samples", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module, None
    return module, ocpp_meter


samples, core = _load_samples()
needs_core = pytest.mark.skipif(core is None, reason="ocpp_meter._core is not built")

MAKERS: dict[str, Callable[..., bytes]] = {
    "small": samples.small_frame,
    "typical": samples.typical_frame,
    "large": samples.large_frame,
}


@pytest.fixture(scope="module")
def validator() -> Draft6Validator:
    schema = json.loads((SCHEMA_DIR / "MeterValuesRequest.json").read_text(encoding="utf-8-sig"))
    Draft6Validator.check_schema(schema)
    checker = Draft6Validator.FORMAT_CHECKER
    assert "date-time" in checker.checkers, "install rfc3339-validator to check date-time"
    return Draft6Validator(schema, format_checker=checker)


def _all_frames() -> list[tuple[str, bytes]]:
    out = [(kind, MAKERS[kind](seed)) for kind in KINDS for seed in SEEDS]
    out += [(kind, f) for kind in KINDS for f in samples.frames(8, kind, seed=3)]
    return out


ALL_FRAMES = _all_frames()
FRAME_IDS = [f"{kind}-{i}" for i, (kind, _) in enumerate(ALL_FRAMES)]


def _payload(frame: bytes) -> dict[str, Any]:
    call = json.loads(frame.decode("utf-8"))
    assert isinstance(call, list) and len(call) == 4
    payload = call[3]
    assert isinstance(payload, dict)
    return payload


# --- determinism ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_bytes(kind: str) -> None:
    for seed in SEEDS:
        assert MAKERS[kind](seed) == MAKERS[kind](seed)
    assert samples.frames(5, kind, seed=9) == samples.frames(5, kind, seed=9)


@pytest.mark.parametrize("kind", KINDS)
def test_default_seed_is_zero(kind: str) -> None:
    assert MAKERS[kind]() == MAKERS[kind](0)
    assert samples.frames(2, kind) == samples.frames(2, kind, seed=0)


@pytest.mark.parametrize("kind", KINDS)
def test_seeds_differ(kind: str) -> None:
    assert len({MAKERS[kind](seed) for seed in SEEDS}) == len(SEEDS)


@pytest.mark.parametrize("kind", KINDS)
def test_frames_starts_with_the_single_frame(kind: str) -> None:
    for seed in (0, 5):
        assert samples.frames(1, kind, seed)[0] == MAKERS[kind](seed)
        assert samples.frames(3, kind, seed)[:2] == samples.frames(2, kind, seed)


def test_frames_default_kind_is_typical() -> None:
    assert samples.frames(2) == samples.frames(2, "typical", 0)


@pytest.mark.parametrize("kind", KINDS)
def test_frames_are_distinct(kind: str) -> None:
    batch = samples.frames(40, kind, seed=4)
    assert len(batch) == 40
    assert len(set(batch)) == 40
    calls = [json.loads(f) for f in batch]
    assert len({c[1] for c in calls}) == 40, "message ids repeat"
    times = [
        datetime.fromisoformat(mv["timestamp"].replace("Z", "+00:00"))
        for c in calls
        for mv in c[3]["meterValue"]
    ]
    assert times == sorted(times) and len(set(times)) == len(times), "time must move on"
    values = [
        tuple(sv["value"] for mv in c[3]["meterValue"] for sv in mv["sampledValue"]) for c in calls
    ]
    assert len(set(values)) == 40, "values repeat"


def test_frames_arguments() -> None:
    assert samples.frames(0) == []
    with pytest.raises(ValueError):
        samples.frames(-1)
    with pytest.raises(ValueError):
        samples.frames(1, "huge")
    with pytest.raises(TypeError):
        samples.frames(1.0)
    with pytest.raises(TypeError):
        samples.typical_frame("0")
    assert samples.FRAME_KINDS == KINDS


# --- shape and size ------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "frame"), ALL_FRAMES, ids=FRAME_IDS)
def test_compact_utf8_call_frame(kind: str, frame: bytes) -> None:
    assert isinstance(frame, bytes)
    call = json.loads(frame.decode("utf-8"))
    again = json.dumps(call, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert frame == again, "not compact stdlib JSON"
    assert frame.startswith(b'[2,"')
    assert call[0] == 2 and call[2] == "MeterValues"
    message_id = call[1]
    assert isinstance(message_id, str) and 1 <= len(message_id) <= 36
    assert message_id.count("-") == 4 and message_id[14] == "4", "a UUID4 string"


@pytest.mark.parametrize("seed", SEEDS)
def test_sizes(seed: int) -> None:
    assert len(samples.small_frame(seed)) < 256
    assert 1700 * 0.85 <= len(samples.typical_frame(seed)) <= 1700 * 1.15
    assert 43_000 * 0.90 <= len(samples.large_frame(seed)) <= 43_000 * 1.10


def test_small_layout() -> None:
    payload = _payload(samples.small_frame(3))
    assert len(payload["meterValue"]) == 1
    sampled = payload["meterValue"][0]["sampledValue"]
    assert len(sampled) == 1 and set(sampled[0]) == {"value"}


def test_typical_layout() -> None:
    payload = _payload(samples.typical_frame(3))
    assert len(payload["meterValue"]) == 1
    sampled = payload["meterValue"][0]["sampledValue"]
    assert len(sampled) == 12
    for sv in sampled:
        assert set(sv) == {"value", "context", "measurand", "phase", "location", "unitOfMeasure"}
        assert set(sv["unitOfMeasure"]) == {"unit", "multiplier"}
    measurands = [sv["measurand"] for sv in sampled]
    for m in (
        "Energy.Active.Import.Register",
        "Power.Active.Import",
        "Current.Import",
        "Voltage",
        "Frequency",
        "SoC",
    ):
        assert m in measurands
    phases = {sv["phase"] for sv in sampled if sv["measurand"] == "Voltage"}
    assert phases == {"L1-N", "L2-N", "L3-N"}


def test_large_layout() -> None:
    payload = _payload(samples.large_frame(3))
    meter_values = payload["meterValue"]
    assert len(meter_values) == 20
    signed = []
    for mv in meter_values:
        assert len(mv["sampledValue"]) == 12
        signed += [sv["signedMeterValue"] for sv in mv["sampledValue"] if "signedMeterValue" in sv]
    assert len(signed) == 10
    for smv in signed:
        assert smv["signingMethod"] == "ECDSA-secp256r1-SHA256"
        assert smv["encodingMethod"] == "OCMF"
        data = base64.b64decode(smv["signedMeterData"], validate=True)
        assert data.startswith(b"OCMF|")
        assert 300 <= len(smv["signedMeterData"]) <= 2500
        key = base64.b64decode(smv["publicKey"], validate=True)
        assert len(key) == 91  # DER SubjectPublicKeyInfo of an uncompressed P-256 point


def test_energy_register_only_grows() -> None:
    registers = [
        sv["value"]
        for frame in samples.frames(10, "large", seed=8)
        for mv in _payload(frame)["meterValue"]
        for sv in mv["sampledValue"]
        if sv["measurand"] == "Energy.Active.Import.Register"
    ]
    assert registers == sorted(registers)


# --- validity ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "frame"), ALL_FRAMES, ids=FRAME_IDS)
def test_valid_against_official_schema(validator: Draft6Validator, kind: str, frame: bytes) -> None:
    payload = _payload(frame)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(payload)]
    assert errors == []
    assert payload["evseId"] >= 0


def test_validator_rejects_a_bad_timestamp(validator: Draft6Validator) -> None:
    # Guards the check above: date-time format checking must be on.
    payload = _payload(samples.small_frame())
    payload["meterValue"][0]["timestamp"] = "2024-13-01T00:00:00Z"
    assert not validator.is_valid(payload)


@needs_core
@pytest.mark.parametrize(("kind", "frame"), ALL_FRAMES, ids=FRAME_IDS)
def test_core_decodes(kind: str, frame: bytes) -> None:
    call = core.decode_call(frame)
    raw = json.loads(frame)
    assert call.message_id == raw[1]
    assert call.action == "MeterValues"
    request = call.payload
    assert request.evse_id == raw[3]["evseId"]
    assert len(request.meter_value) == len(raw[3]["meterValue"])
    for mv, raw_mv in zip(request.meter_value, raw[3]["meterValue"]):
        expected = datetime.fromisoformat(raw_mv["timestamp"].replace("Z", "+00:00"))
        assert mv.timestamp == expected
        assert [sv.value for sv in mv.sampled_value] == [
            sv["value"] for sv in raw_mv["sampledValue"]
        ]
    assert core.decode_call(bytearray(frame)).payload == request
    assert core.decode_call(memoryview(frame)).payload == request
    assert core.decode_call(frame.decode("utf-8")).payload == request


# --- charging sessions (TransactionEvent) ----------------------------------------------------

DIALECT_FOLDERS = {"2.0.1": "ocpp201", "2.1": "ocpp21"}


def _validator_of(dialect: str, name: str) -> Draft6Validator:
    path = SCHEMA_DIR.parent / DIALECT_FOLDERS[dialect] / name
    schema = json.loads(path.read_text(encoding="utf-8-sig"))
    return Draft6Validator(schema, format_checker=Draft6Validator.FORMAT_CHECKER)


def _calls(frames: list[bytes]) -> list[list[Any]]:
    return [json.loads(f) for f in frames]


@pytest.mark.parametrize("dialect", ["2.0.1", "2.1"])
def test_sessions_are_valid_against_their_dialects_schemas(dialect: str) -> None:
    events = _validator_of(dialect, "TransactionEventRequest.json")
    meter_values = _validator_of(dialect, "MeterValuesRequest.json")
    frames = samples.sessions(40, seed=5, dialect=dialect)
    actions = {"TransactionEvent": 0, "MeterValues": 0}
    for call in _calls(frames):
        assert call[0] == 2 and 1 <= len(call[1]) <= 36
        actions[call[2]] += 1
        validator = events if call[2] == "TransactionEvent" else meter_values
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(call[3])]
        assert errors == [], call
    assert actions["TransactionEvent"] > 2 * actions["MeterValues"] > 0


def test_only_2_1_sessions_carry_what_2_0_1_lacks() -> None:
    old = _validator_of("2.0.1", "TransactionEventRequest.json")
    v21 = [c[3] for c in _calls(samples.sessions(40, seed=5, dialect="2.1"))]
    refused = [p for p in v21 if "transactionInfo" in p and not old.is_valid(p)]
    assert len(refused) >= 40, "every 2.1 Started at least"
    assert {p["transactionInfo"].get("operationMode") for p in refused} >= {"ChargingOnly"}
    assert any(p.get("idToken", {}).get("type") == "EVCCID" for p in v21)
    v201 = [c[3] for c in _calls(samples.sessions(40, seed=5))]
    assert all(old.is_valid(p) for p in v201 if "eventType" in p)


@pytest.mark.parametrize("dialect", ["2.0.1", "2.1"])
def test_a_session_runs_from_started_to_ended(dialect: str) -> None:
    seen_triggers: set[str] = set()
    seen_reasons: set[str] = set()
    ended_without_readings = 0
    for seed in range(30):
        calls = _calls(samples.session_frames(seed, updates=3, dialect=dialect))
        events = [c[3] for c in calls]
        assert {c[2] for c in calls} == {"TransactionEvent"}
        assert (events[0]["eventType"], events[-1]["eventType"]) == ("Started", "Ended")
        assert all(e["eventType"] == "Updated" for e in events[1:-1])
        assert [e["seqNo"] for e in events] == list(range(len(events)))
        assert len({e["transactionInfo"]["transactionId"] for e in events}) == 1
        times = [e["timestamp"] for e in events]
        assert times == sorted(times) and len(set(times)) == len(times)
        periodic = [e for e in events if e["triggerReason"] == "MeterValuePeriodic"]
        assert len(periodic) == 3
        contexts = {
            sv["context"] for e in periodic for mv in e["meterValue"] for sv in mv["sampledValue"]
        }
        assert contexts == {"Sample.Periodic"}
        begin = events[0]["meterValue"][0]["sampledValue"]
        assert {sv["context"] for sv in begin} == {"Transaction.Begin"}
        registers = [
            sv["value"]
            for e in events
            for mv in e.get("meterValue", ())
            for sv in mv["sampledValue"]
            if sv["measurand"] == "Energy.Active.Import.Register"
        ]
        assert registers == sorted(registers) and registers[0] < registers[-1]
        measurands = {sv["measurand"] for sv in periodic[0]["meterValue"][0]["sampledValue"]}
        assert {"Power.Active.Import", "SoC", "Current.Import", "Voltage"} <= measurands
        # Somebody authorized the session, and the end says why it stopped.
        assert any("idToken" in e for e in events)
        ended = events[-1]
        assert ended["transactionInfo"]["stoppedReason"]
        assert ended["transactionInfo"]["timeSpentCharging"] >= 180
        assert "evse" in events[0] and "evse" in ended
        if "meterValue" in ended:
            end = ended["meterValue"][0]["sampledValue"]
            assert {sv["context"] for sv in end} == {"Transaction.End"}
        else:
            ended_without_readings += 1
        seen_triggers.add(events[0]["triggerReason"])
        seen_reasons.add(ended["transactionInfo"]["stoppedReason"])
    assert seen_triggers == {"Authorized", "CablePluggedIn", "RemoteStart"}
    assert len(seen_reasons) >= 4
    assert 0 < ended_without_readings < 30


def test_sessions_are_deterministic_and_checked() -> None:
    assert samples.sessions(3, seed=4) == samples.sessions(3, seed=4)
    assert samples.sessions(3, seed=4) != samples.sessions(3, seed=5)
    assert samples.sessions(3, seed=4, dialect="2.1") != samples.sessions(3, seed=4)
    assert samples.session_frames(7) == samples.session_frames(7, updates=4, dialect="2.0.1")
    assert samples.session_frames() == samples.session_frames(0)
    assert len(samples.session_frames(1, updates=0)) >= 2
    assert samples.sessions(0) == []
    frames = samples.sessions(20, seed=1)
    assert len({json.loads(f)[1] for f in frames}) == len(frames), "message ids repeat"
    assert samples.SESSION_DIALECTS == ("2.0.1", "2.1")
    with pytest.raises(ValueError):
        samples.sessions(1, dialect="1.6")
    with pytest.raises(ValueError):
        samples.session_frames(updates=-1)
    with pytest.raises(ValueError):
        samples.sessions(-1)
    with pytest.raises(TypeError):
        samples.sessions(1.0)
    with pytest.raises(TypeError):
        samples.session_frames("1")


@needs_core
@pytest.mark.parametrize("dialect", ["2.0.1", "2.1"])
def test_core_decodes_sessions_in_their_dialect(dialect: str) -> None:
    for frame in samples.sessions(10, seed=2, dialect=dialect):
        call = core.decode_call(frame, dialect=dialect)
        raw = json.loads(frame)
        assert (call.message_id, call.action) == (raw[1], raw[2])
        if call.action == "TransactionEvent":
            assert call.payload.seq_no == raw[3]["seqNo"]
            info = call.payload.transaction_info
            assert info.transaction_id == raw[3]["transactionInfo"]["transactionId"]
