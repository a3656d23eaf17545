"""The correctness checks on their own, untimed: every peer agrees with ours on every frame.

Under ``--benchmark-only`` these are skipped, but each benchmark runs the same check before it
times anything (see ``conftest.agreed``). The last tests make sure the checks have teeth.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Literal

import jsonschema
import ocpp_meter
import pytest
from conftest import PEERS, TE_PEERS, V16_PEERS
from ocpp_meter.bench import (
    KINDS,
    OURS,
    TE_KINDS,
    V16_KINDS,
    View,
    check_decode,
    check_dispatch,
    check_encode,
    check_frames,
    peers16,
)

OURS_PEER = PEERS[OURS]
TE_OURS = TE_PEERS[OURS]


@pytest.mark.parametrize("peer", list(PEERS))
@pytest.mark.parametrize("kind", KINDS)
def test_peer_decodes_as_ours(kind: str, peer: str) -> None:
    check_decode(PEERS[peer], check_frames(kind), OURS_PEER)


@pytest.mark.parametrize("peer", list(TE_PEERS))
@pytest.mark.parametrize("kind", TE_KINDS)
def test_peer_decodes_transaction_events_as_ours(kind: str, peer: str) -> None:
    check_decode(TE_PEERS[peer], check_frames(kind), TE_OURS)


def test_every_peer_has_a_transaction_event_adapter() -> None:
    assert list(TE_PEERS) == list(PEERS)


@pytest.mark.parametrize("peer", [n for n, p in PEERS.items() if p.prepare is not None])
@pytest.mark.parametrize("kind", KINDS)
def test_peer_encodes_what_it_decoded(kind: str, peer: str) -> None:
    check_encode(PEERS[peer], check_frames(kind))


@pytest.mark.parametrize("peer", [n for n, p in PEERS.items() if p.dispatch is not None])
@pytest.mark.parametrize("kind", KINDS)
def test_peer_dispatches_to_the_same_reply(kind: str, peer: str) -> None:
    check_dispatch(PEERS[peer], check_frames(kind))


def test_a_wrong_reply_is_caught() -> None:
    wrong = dataclasses.replace(OURS_PEER, dispatch=lambda frame: b'[3,"other-id",{}]')
    with pytest.raises(AssertionError):
        check_dispatch(wrong, check_frames("small"))


def _first_sampled(view: View) -> dict[str, Any]:
    sampled: dict[str, Any] = view["meter_value"][0]["sampled_value"][0]
    return sampled


def _shift_time(view: View) -> None:
    view["meter_value"][0]["timestamp"] += timedelta(hours=1)


def _next_float(view: View) -> None:
    sv = _first_sampled(view)
    sv["value"] = math.nextafter(sv["value"], math.inf)


def _int_value(view: View) -> None:
    sv = _first_sampled(view)
    sv["value"] = int(sv["value"])


def _other_phase(view: View) -> None:
    _first_sampled(view)["phase"] = "L2"


def _drop_multiplier(view: View) -> None:
    _first_sampled(view)["unit_of_measure"]["multiplier"] = None


def _other_evse(view: View) -> None:
    view["evse_id"] += 1


def _lose_signature(view: View) -> None:
    for mv in view["meter_value"]:
        for sv in mv["sampled_value"]:
            sv["signed_meter_value"] = None


def _drop_sampled_value(view: View) -> None:
    view["meter_value"][0]["sampled_value"].pop()


FAULTS: dict[str, Callable[[View], None]] = {
    "timestamp": _shift_time,
    "value-ulp": _next_float,
    "value-type": _int_value,
    "enum": _other_phase,
    "multiplier": _drop_multiplier,
    "evse": _other_evse,
    "signed": _lose_signature,
    "count": _drop_sampled_value,
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_wrong_decoder_fails(fault: str) -> None:
    kind = "large" if fault == "signed" else "typical"
    assert OURS_PEER.view is not None
    right = OURS_PEER.view

    def wrong_view(frame: bytes) -> View:
        view = copy.deepcopy(right(frame))
        FAULTS[fault](view)
        return view

    wrong = dataclasses.replace(OURS_PEER, name="wrong", view=wrong_view)
    with pytest.raises(AssertionError, match="wrong vs ours disagree"):
        check_decode(wrong, check_frames(kind), OURS_PEER)


@pytest.mark.parametrize("what", ["frame", "payload"])
def test_a_wrong_encoder_fails(what: str) -> None:
    def tamper(encoded: Any) -> bytes:
        data = json.loads(encoded)
        payload = data[3] if what == "frame" else data
        payload["evseId"] += 1
        return json.dumps(data).encode()

    assert OURS_PEER.encode_frame is not None and OURS_PEER.encode_payload is not None
    frame_enc, payload_enc = OURS_PEER.encode_frame, OURS_PEER.encode_payload
    if what == "frame":
        wrong = dataclasses.replace(
            OURS_PEER, name="wrong", encode_frame=lambda p: tamper(frame_enc(p))
        )
    else:
        wrong = dataclasses.replace(
            OURS_PEER, name="wrong", encode_payload=lambda p: tamper(payload_enc(p))
        )
    with pytest.raises(AssertionError, match=f"wrong {what} disagree"):
        check_encode(wrong, check_frames("typical"))


def _te_seq_no(view: View) -> None:
    view["seq_no"] += 1


def _te_seq_no_type(view: View) -> None:
    view["seq_no"] = float(view["seq_no"])


def _te_event_type(view: View) -> None:
    view["event_type"] = "Started"


def _te_trigger(view: View) -> None:
    view["trigger_reason"] = "Trigger"


def _te_time(view: View) -> None:
    view["timestamp"] += timedelta(milliseconds=1)


def _te_transaction_id(view: View) -> None:
    view["transaction_info"]["transaction_id"] += "x"


def _te_charging_state(view: View) -> None:
    view["transaction_info"]["charging_state"] = None


def _te_stopped_reason(view: View) -> None:
    view["transaction_info"]["stopped_reason"] = "Local"


def _te_time_spent(view: View) -> None:
    view["transaction_info"]["time_spent_charging"] -= 1


def _te_connector(view: View) -> None:
    view["evse"]["connector_id"] = None


def _te_token_type(view: View) -> None:
    view["id_token"]["type"] = "Central"


def _te_additional_info(view: View) -> None:
    view["id_token"]["additional_info"] = None


def _te_phases(view: View) -> None:
    view["number_of_phases_used"] = None


def _te_meter_values(view: View) -> None:
    view["meter_value"] = None


def _te_value(view: View) -> None:
    sv = view["meter_value"][-1]["sampled_value"][0]
    sv["value"] = math.nextafter(sv["value"], -math.inf)


def _te_context(view: View) -> None:
    view["meter_value"][-1]["sampled_value"][0]["context"] = "Sample.Periodic"


TE_FAULTS: dict[str, tuple[str, Callable[[View], None]]] = {
    "seq-no": ("te-small", _te_seq_no),
    "seq-no-type": ("te-small", _te_seq_no_type),
    "event-type": ("te-small", _te_event_type),
    "trigger-reason": ("te-typical", _te_trigger),
    "timestamp": ("te-small", _te_time),
    "transaction-id": ("te-small", _te_transaction_id),
    "charging-state": ("te-typical", _te_charging_state),
    "stopped-reason": ("te-large", _te_stopped_reason),
    "time-spent": ("te-typical", _te_time_spent),
    "connector": ("te-typical", _te_connector),
    "id-token-type": ("te-typical", _te_token_type),
    "additional-info": ("te-large", _te_additional_info),
    "phases": ("te-large", _te_phases),
    "meter-values": ("te-typical", _te_meter_values),
    "value-ulp": ("te-large", _te_value),
    "transaction-end-context": ("te-large", _te_context),
}


@pytest.mark.parametrize("fault", list(TE_FAULTS))
def test_a_wrong_transaction_event_decoder_fails(fault: str) -> None:
    kind, tamper = TE_FAULTS[fault]
    assert TE_OURS.view is not None
    right = TE_OURS.view

    def wrong_view(frame: bytes) -> View:
        view = copy.deepcopy(right(frame))
        tamper(view)
        return view

    wrong = dataclasses.replace(TE_OURS, name="wrong", view=wrong_view)
    with pytest.raises(AssertionError, match="wrong vs ours disagree"):
        check_decode(wrong, check_frames(kind), TE_OURS)


def test_a_meter_values_decoder_is_refused_on_transaction_events() -> None:
    with pytest.raises(AssertionError):
        check_decode(OURS_PEER, check_frames("te-typical"), TE_OURS)


# --------------------------------------------------------------------------------------------------
# OCPP 1.6J: the peers decode as ours, and accept and refuse the same frames where the 1.6
# schema decides


V16_OURS = V16_PEERS[OURS]
V16_DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "ocpp16"
V16_ORACLE = jsonschema.Draft4Validator(
    json.loads((V16_DATA / "MeterValues.json").read_text("utf-8")),
    format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
)
V16_VALIDATING = [n for n in V16_PEERS if n not in ("lenient", "orjson", "json")]
"""The 1.6 peers that validate (the lenient profile accepts the known quirks on purpose)."""


@pytest.mark.parametrize("peer", list(V16_PEERS))
@pytest.mark.parametrize("kind", V16_KINDS)
def test_peer_decodes_1_6_frames_as_ours(kind: str, peer: str) -> None:
    check_decode(V16_PEERS[peer], check_frames(kind), V16_OURS)


def test_every_peer_has_a_1_6_adapter() -> None:
    assert list(V16_PEERS) == list(PEERS)


def _sampled(payload: dict[str, Any]) -> dict[str, Any]:
    sampled: dict[str, Any] = payload["meterValue"][0]["sampledValue"][0]
    return sampled


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = payload
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = payload
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return change


SV = "meterValue/0/sampledValue/0"
V16_REFUSED: dict[str, Callable[[dict[str, Any]], None]] = {
    "no-connector-id": _drop("connectorId"),
    "no-meter-value": _drop("meterValue"),
    "empty-meter-value": _set("meterValue", []),
    "empty-sampled-value": _set("meterValue/0/sampledValue", []),
    "no-value": _drop(f"{SV}/value"),
    "value-number": _set(f"{SV}/value", 12.5),
    "value-null": _set(f"{SV}/value", None),
    "unknown-property": _set("evseId", 1),
    "unknown-sampled-property": _set(f"{SV}/unitOfMeasure", {"unit": "Wh"}),
    "measurand-of-2.0.1": _set(f"{SV}/measurand", "Energy.Active.Net"),
    "unit-hz": _set(f"{SV}/unit", "Hz"),
    "location-of-2.1": _set(f"{SV}/location", "Upstream"),
    "phase": _set(f"{SV}/phase", "L4"),
    "format": _set(f"{SV}/format", "Signed"),
    "context-null": _set(f"{SV}/context", None),
    "connector-id-string": _set("connectorId", "1"),
    "connector-id-fraction": _set("connectorId", 1.5),
    "transaction-id-string": _set("transactionId", "5"),
    "no-timestamp": _drop("meterValue/0/timestamp"),
    "timestamp-naive": _set("meterValue/0/timestamp", "2024-05-01T12:00:00"),
    "timestamp-text": _set("meterValue/0/timestamp", "yesterday"),
}
V16_ACCEPTED: dict[str, Callable[[dict[str, Any]], None]] = {
    "connector-0": _set("connectorId", 0),
    "no-transaction-id": _drop("transactionId"),
    "signed-data": _set(SV, {"value": "T0NNRnx7fQ==", "format": "SignedData"}),
    "bare-value": _set(SV, {"value": "0"}),
    "offset": _set("meterValue/0/timestamp", "2024-05-01T12:00:00.5+02:00"),
    "hertz": _set(f"{SV}/unit", "Hertz"),
    "celcius": _set(f"{SV}/unit", "Celcius"),
}
V16_NO_FORMATS = {("ocpp", "timestamp-naive"), ("ocpp", "timestamp-text")}
"""The mobilityhouse library builds its validator without a format checker: it takes any
string for a date-time (its ``get_validator``), so those two frames are not held against it."""


def _v16_frame(change: Callable[[dict[str, Any]], None]) -> tuple[bytes, dict[str, Any]]:
    call = json.loads(check_frames("v16-typical")[0])
    change(call[3])
    return json.dumps(call).encode(), call[3]


def _accepts(peer: str, frame: bytes) -> bool:
    ack = V16_PEERS[peer].ack
    assert ack is not None
    try:
        ack(frame)
    except Exception:  # noqa: BLE001 - each peer raises its own error type
        return False
    return True


@pytest.mark.parametrize("peer", V16_VALIDATING)
@pytest.mark.parametrize("case", list(V16_REFUSED))
def test_1_6_peers_refuse_what_the_schema_refuses(case: str, peer: str) -> None:
    frame, payload = _v16_frame(V16_REFUSED[case])
    assert not V16_ORACLE.is_valid(payload), f"{case} is valid to the 1.6 schema"
    if (peer, case) in V16_NO_FORMATS:
        assert _accepts(peer, frame), f"{peer} checks formats now: hold {case} against it"
        return
    assert not _accepts(peer, frame), f"{peer} accepts {case}"


@pytest.mark.parametrize("peer", V16_VALIDATING)
@pytest.mark.parametrize("case", list(V16_ACCEPTED))
def test_1_6_peers_accept_what_the_schema_accepts(case: str, peer: str) -> None:
    frame, payload = _v16_frame(V16_ACCEPTED[case])
    assert V16_ORACLE.is_valid(payload), f"{case} is invalid to the 1.6 schema"
    assert _accepts(peer, frame), f"{peer} refuses {case}"
    check_decode(V16_PEERS[peer], [frame], V16_OURS)


def test_the_1_6_peers_enumerations_are_the_schema_files() -> None:
    peers16.check_enums()
    wrong = dict(peers16.ENUMS16, unit=Literal["Wh"])
    with pytest.raises(AssertionError, match="unit"), pytest.MonkeyPatch.context() as patch:
        patch.setattr(peers16, "ENUMS16", wrong)
        peers16.check_enums()


def test_a_wrong_1_6_decoder_fails() -> None:
    assert V16_OURS.view is not None
    right = V16_OURS.view

    def wrong_view(frame: bytes) -> View:
        view = copy.deepcopy(right(frame))
        view["meter_value"][0]["sampled_value"][0]["value"] += "0"
        return view

    wrong = dataclasses.replace(V16_OURS, name="wrong", view=wrong_view)
    with pytest.raises(AssertionError, match="wrong vs ours disagree"):
        check_decode(wrong, check_frames("v16-typical"), V16_OURS)
    # The 2.0.1 decoder refuses a 1.6 frame outright (connectorId is no 2.0.1 property).
    with pytest.raises(ocpp_meter.OcppError, match="connectorId"):
        check_decode(OURS_PEER, check_frames("v16-typical"), V16_OURS)
