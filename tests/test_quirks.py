"""A corpus of real charger quirks (``tests/data/quirks.jsonl``): groundwork for issue 6 item 3.

Each line is one OCPP-J CALL shaped like what deployed chargers are known to send (naive
timestamps, ``+0100`` offsets, numbers as padded strings, an object where an array is required,
1.6 and vendor measurands, lowercase enum values, unknown properties), with its outcome under the
three validation profiles the issue proposes: ``strict`` (today's behaviour), ``lenient`` and
``off``. An outcome is ``{"accepted": true}`` (lenient and off add ``"warnings"``, each a
``{"code", "path"}``) or the first error, ``{"code", "path"}``.

What is tested here:

* the ``strict`` column, against today's ``ocpp_meter.decode_call`` (code and path, or accepted);
* the ``strict`` column against the official 2.0.1 schema through the jsonschema oracle of
  ``strategies.py`` (draft-06, strict RFC 3339 ``date-time``): accepted frames have no oracle
  error; for a rejected frame our (path, code) is among the oracle's and is the first fault in
  document order (``test_conformance``'s conventions). A line may name a documented difference
  of the contract in ``"oracle"`` (only ``evseId<0``), and the oracle must then disagree;
* the corpus itself: lines parse, names are unique, every category appears, warning codes come
  from :data:`PROPOSED_WARNING_CODES`, warning paths resolve in the payload as sent and are in
  document order, and each profile accepts at least what the stricter one accepts.

* the ``lenient`` and ``off`` columns, against ``decode_call(frame, profile=...)``: the outcome
  and every warning's code and path, in order; what a profile accepts re-encodes and decodes
  again to an equal request, and unknown properties are kept with their values as sent.

Reading of the issue that the columns follow (``rust/ocpp/profile.rs`` implements it):

* ``lenient`` = ``strict`` plus the listed deviations, each flagged with a warning; anything else
  is the strict error. Relaxed enums are only measurand, phase, location and context (``unit``
  is a free string of at most 20 characters in 2.0.1, so it is not a quirk); numeric strings only
  for ``value`` and ``multiplier`` (a JSON number after trimming spaces; ``"1.5"`` is still not an
  integer multiplier). The error reported is the first remaining fault in document order.
* ``off`` = everything ``lenient`` accepts, with the same warnings, plus no value checks
  (``maxLength``, ``evseId >= 0``). Enum membership outside the sampled values (a
  TransactionEvent's ``eventType``) is still checked: those typed fields have no room for a raw
  string, so ``te_event_type_lowercase`` stays an error under ``off`` too. Types and structure (JSON types, required
  properties, ``minItems``) and whatever a typed object needs (a timestamp that names an instant)
  are still checked. ``off`` flags only what it changed to build the objects (a coerced
  timestamp, number or array, a raw string in an enum field, a property kept aside); a value it
  does not check (``evseId: -1``, a long unit) is accepted without a warning.
* A warning's ``path`` points into the payload as sent, so it resolves there; inside an object
  sent in place of an array there is no index (``/meterValue/timestamp``). Warnings come in
  document order (an unknown property at its key). A frame strict accepts has no warnings.
"""

from __future__ import annotations

import json
import pickle
import re
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import ocpp_meter
import pytest
import strategies as S

CORPUS = Path(__file__).resolve().parent / "data" / "quirks.jsonl"

PROPOSED_WARNING_CODES = {
    "timestamp_without_offset": "a date-time without Z or an offset, read as UTC",
    "offset_without_colon": "an offset written +HHMM / -HHMM, read as +HH:MM / -HH:MM",
    "numeric_string": "a number sent as a string (value, multiplier), spaces trimmed, parsed",
    "object_for_array": "a single object where an array is required, read as a one-item array",
    "unknown_enum_value": "a string outside the enum, kept raw in the typed field and the row",
    "unknown_property": "a property the schema does not define, kept in a side mapping",
}

CATEGORIES = {
    "naive_timestamp": "timestamp without an offset",
    "offset_without_colon": "offset +0100 (a quirk)",
    "offset_with_colon": "offset +01:00 (valid RFC 3339, accepted by every profile)",
    "numeric_string_value": "value as a string, with leading / trailing spaces",
    "numeric_string_multiplier": "multiplier as a string",
    "object_for_meter_value": "meterValue sent as a single object",
    "object_for_sampled_value": "sampledValue sent as a single object",
    "object_for_other_array": "another array sent as a single object",
    "vendor_measurand": "measurand from OCPP 1.6 or a vendor extension",
    "lowercase_enum": "measurand, location, phase or context in lowercase",
    "free_unit": "unit: a free string of at most 20 characters in 2.0.1, not an enum",
    "unknown_property": "unknown properties at several levels",
    "stays_error": "a fault the lenient profile must still reject",
    "negative_evse_id": "an EVSE id of -1",
    "combined": "several quirks in one frame (warning order, first remaining error)",
    "ocpp21_on_201": "a value or property of OCPP 2.1 sent over an ocpp2.0.1 connection",
}

DOCUMENTED_DIFFERENCES = {"evseId<0"}  # contract section 2, tested in test_conformance

ORACLES = {
    "MeterValues": S.ORACLE,
    "TransactionEvent": jsonschema.Draft6Validator(
        S.load_schema("TransactionEventRequest"), format_checker=S.FORMAT_CHECKER
    ),
}
PROFILES = ("strict", "lenient", "off")
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
ENUM_VALUES_LOWER = {v.lower() for v in S.ALL_ENUM_VALUES}


def load() -> list[dict[str, Any]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


ENTRIES = load()
IDS = [entry["name"] for entry in ENTRIES]


def outcome(frame: str, profile: str = "strict") -> dict[str, Any]:
    """What ``decode_call`` makes of ``frame`` under ``profile``, in the corpus's form."""
    try:
        call = ocpp_meter.decode_call(frame, profile=profile)
    except ocpp_meter.OcppError as error:
        assert error.message_id == json.loads(frame)[1]
        return {"code": error.code.value, "path": error.path}
    assert call.message_id == json.loads(frame)[1]
    warnings = [{"code": w.code, "path": w.path} for w in call.payload.warnings]
    return {"accepted": True, "warnings": warnings} if warnings else {"accepted": True}


def payload_of(entry: dict[str, Any]) -> Any:
    return json.loads(entry["frame"])[3]


def accepts(result: dict[str, Any]) -> bool:
    return result.get("accepted") is True


# --------------------------------------------------------------------------------------------------
# The corpus itself


def test_the_corpus_is_well_formed() -> None:
    assert 30 <= len(ENTRIES) <= 60
    names = Counter(IDS)
    assert not [name for name, n in names.items() if n > 1], "names must be unique"
    ids = Counter(json.loads(entry["frame"])[1] for entry in ENTRIES)
    assert not [i for i, n in ids.items() if n > 1], "message ids must be unique"
    for entry in ENTRIES:
        name = entry["name"]
        assert set(entry) <= {"name", "category", "why", "frame", "oracle", *PROFILES}, name
        assert entry["category"] in CATEGORIES, name
        assert entry.get("oracle", next(iter(DOCUMENTED_DIFFERENCES))) in DOCUMENTED_DIFFERENCES
        why = entry["why"]
        assert why.endswith(".") and 40 <= len(why) <= 300, name
        frame = json.loads(entry["frame"])
        assert frame[0] == 2 and frame[2] in ORACLES and isinstance(frame[3], dict), name
        for profile in PROFILES:
            result = entry[profile]
            if accepts(result):
                allowed = {"accepted"} if profile == "strict" else {"accepted", "warnings"}
                assert set(result) == allowed, (name, profile)
            else:
                assert set(result) == {"code", "path"}, (name, profile)
                assert result["code"] in {c.value for c in ocpp_meter.ErrorCode}, (name, profile)


def test_every_category_appears_and_both_actions_are_covered() -> None:
    seen = Counter(entry["category"] for entry in ENTRIES)
    assert set(seen) == set(CATEGORIES)
    actions = {(entry["category"], json.loads(entry["frame"])[2]) for entry in ENTRIES}
    assert {action for _, action in actions} == set(ORACLES)
    for category in CATEGORIES:
        if category not in ("object_for_other_array", "free_unit"):
            assert {(category, "MeterValues"), (category, "TransactionEvent")} <= actions, category
    measurands = [
        S.at_pointer(payload_of(e), w["path"])
        for e in ENTRIES
        for w in e["lenient"].get("warnings", [])
        if w["path"].endswith("/measurand")
    ]
    assert "Temperature" in measurands and "energy.active.import.register" in measurands
    lowercase = {
        w["path"].rsplit("/", 1)[1]
        for e in ENTRIES
        if e["category"] == "lowercase_enum"
        for w in e["lenient"]["warnings"]
        if S.at_pointer(payload_of(e), w["path"]).lower() in ENUM_VALUES_LOWER
    }
    assert lowercase == {"measurand", "location", "phase", "context"}


def test_warning_codes_are_proposed_and_every_quirk_is_flagged() -> None:
    for entry in ENTRIES:
        for profile in ("lenient", "off"):
            result = entry[profile]
            codes = [w["code"] for w in result.get("warnings", [])]
            assert set(codes) <= set(PROPOSED_WARNING_CODES), (entry["name"], profile, codes)
            if accepts(result) and not accepts(entry["strict"]) and profile == "lenient":
                assert codes, f"{entry['name']}: lenient accepts a quirk without a warning"
            if accepts(entry["strict"]):
                assert result == {"accepted": True, "warnings": []}, entry["name"]
    used = {w["code"] for e in ENTRIES for w in e["lenient"].get("warnings", [])}
    assert used == set(PROPOSED_WARNING_CODES)


def test_profiles_are_ordered_strict_lenient_off() -> None:
    for entry in ENTRIES:
        strict, lenient, off = (entry[p] for p in PROFILES)
        if accepts(strict):
            assert accepts(lenient), entry["name"]
        if accepts(lenient):
            assert accepts(off) and off["warnings"] == lenient["warnings"], entry["name"]
        if not accepts(off):
            assert off == lenient, entry["name"]  # off rejects only what lenient rejects alike


def document_position(payload: Any, code: str, path: str) -> int:
    _, layout = S.dumps_with_layout(payload)
    return (layout.key_start if code == "unknown_property" else layout.value_start)[path]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_warning_paths_resolve_in_the_payload_as_sent_in_document_order(
    entry: dict[str, Any],
) -> None:
    payload = payload_of(entry)
    for profile in ("lenient", "off"):
        warnings = entry[profile].get("warnings", [])
        for warning in warnings:
            raw = S.at_pointer(payload, warning["path"])
            code = warning["code"]
            if code in ("timestamp_without_offset", "offset_without_colon"):
                assert isinstance(raw, str) and not S.FORMAT_CHECKER.conforms(raw, "date-time")
            elif code == "numeric_string":
                assert isinstance(raw, str) and JSON_NUMBER.fullmatch(raw.strip(" ")), raw
                if warning["path"].endswith("/multiplier"):
                    assert float(raw).is_integer(), raw
            elif code == "object_for_array":
                assert isinstance(raw, dict)
            elif code == "unknown_enum_value":
                assert isinstance(raw, str) and raw not in S.ALL_ENUM_VALUES
        positions = [document_position(payload, w["code"], w["path"]) for w in warnings]
        assert positions == sorted(positions), (entry["name"], profile)
        assert len(set(positions)) == len(positions), (entry["name"], profile)


def test_valid_offsets_pass_the_oracles_format_checker() -> None:
    stamps = [
        S.at_pointer(payload_of(e), path)
        for e in ENTRIES
        if e["category"] == "offset_with_colon"
        for path in ("/timestamp", "/meterValue/0/timestamp")
        if path != "/timestamp" or json.loads(e["frame"])[2] == "TransactionEvent"
    ]
    assert any("+01:00" in s for s in stamps)
    assert all(S.FORMAT_CHECKER.conforms(s, "date-time") for s in stamps)


# --------------------------------------------------------------------------------------------------
# Today's strict behaviour, and the official schema


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_strict_outcome_is_todays_behaviour(entry: dict[str, Any]) -> None:
    assert outcome(entry["frame"]) == entry["strict"]


def expected(entry: dict[str, Any], profile: str) -> dict[str, Any]:
    want = dict(entry[profile])
    if not want.get("warnings"):
        want.pop("warnings", None)
    return want


@pytest.mark.parametrize("profile", ["lenient", "off"])
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_each_profile_gives_the_corpus_outcome(entry: dict[str, Any], profile: str) -> None:
    assert outcome(entry["frame"], profile) == expected(entry, profile)


@pytest.mark.parametrize("profile", ["lenient", "off"])
@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if accepts(e["lenient"])], ids=lambda e: str(e["name"])
)
def test_what_a_profile_accepts_round_trips_and_keeps_what_it_moved(
    entry: dict[str, Any], profile: str
) -> None:
    """The accepted request re-encodes and decodes again under the same profile to an equal
    request (raw enum strings are written back where the enum was), and every unknown property
    is in the side mapping with its value as sent."""
    call = ocpp_meter.decode_call(entry["frame"], profile=profile)
    request = call.payload
    again = type(request).from_json(request.to_json(), profile=profile)
    assert again == request
    # Pickles keep the values, raw enum strings included (not the warnings).
    assert pickle.loads(pickle.dumps(request)) == request
    for meter_value in request.meter_value or ():
        assert pickle.loads(pickle.dumps(meter_value)) == meter_value
        for sampled in meter_value.sampled_value:
            assert pickle.loads(pickle.dumps(sampled)) == sampled
    sent = payload_of(entry)
    unknown = [w.path for w in request.warnings if w.code == "unknown_property"]
    assert sorted(request.unknown_properties) == sorted(unknown)
    for path, value in request.unknown_properties.items():
        assert value == S.at_pointer(sent, path)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_strict_expectation_agrees_with_the_schema_oracle(entry: dict[str, Any]) -> None:
    frame = json.loads(entry["frame"])
    payload = frame[3]
    errors = list(ORACLES[frame[2]].iter_errors(payload))
    strict = entry["strict"]
    if "oracle" in entry:  # a documented difference: the oracle accepts what the contract refuses
        assert not errors and not accepts(strict), entry["name"]
        return
    if accepts(strict):
        assert not errors, [e.message for e in errors]
        return
    assert errors, f"{entry['name']}: the oracle accepts a frame we expect rejected"
    expected = S.oracle_expectations(errors)
    got = (strict["path"], strict["code"])
    assert got in expected, (got, expected)
    _, layout = S.dumps_with_layout(payload)
    assert got == S.first_in_document_order(errors, layout)
