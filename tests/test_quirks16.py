"""The quirks of real OCPP 1.6J chargers (``tests/data/quirks16.jsonl``) under the three profiles,
through ``decode_batch(frames, ids, dialect="1.6", profile=...)`` (issue 16 item 4).

Each line is one 1.6 CALL shaped like what a public report shows a charger sending, cited in
``"sources"`` (GitHub issues and pull requests): a number where 1.6 wants decimal text, one
object for the ``meterValue`` array, an empty ``sampledValue``, ``Hz`` for ``Hertz``, an empty
``value``, decimal text padded with spaces, a timestamp with no offset or a ``+HHMM`` one. Its
outcome under each profile is ``{"accepted": true, "warnings": [...]}`` or the first error
``{"code", "path"}`` with the OCPP 1.6J code as 1.6 spells it. The 2.0.1 corpus
(``quirks.jsonl``, ``test_quirks.py``) has the 2.0.1 form of the same idea; 1.6 differs in its
schema (``value`` is text, ``unit`` an enumeration) so its quirks and codes are its own, and
an empty ``sampledValue`` is accepted here (with a warning) but stays an error in 2.0.1.

What is tested:

* the corpus: fields, unique names and ids, categories, warning codes, that every quirk a
  profile accepts is flagged, that warning paths resolve in the payload as sent, in document
  order, and that a line without a public report is one of :data:`UNSOURCED` (said so, not
  hidden);
* each profile's outcome, code and path or warnings in order, with the warning's ``raw`` text
  as sent;
* the strict column against ``jsonschema.Draft4Validator`` on the 1.6 schema files: a frame the
  core accepts is valid; one it refuses is invalid, except where it departs from the files on
  purpose (``"oracle": "decimal_text"``: ``value`` must be decimal text);
* what a lenient reading gives in rows: the repaired values, an empty ``value`` as a row of NaN,
  an empty ``sampledValue`` as no row, and the 1.6 CALLERROR of a refused frame;
* the typed entry points (``decode_call`` and ``decode_message`` with ``dialect="1.6"``): under
  each profile the outcome of the batch, the request's ``warnings`` the batch's records (code,
  path, raw) and its ``unknown_properties`` what was set aside; strict refuses each quirk with
  its 1.6 code and path; what a lenient reading made re-encodes, decodes again and pickles.
"""

from __future__ import annotations

import json
import math
import pickle
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import ocpp_meter
import pyarrow as pa
import pytest
import strategies as S

DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "quirks16.jsonl"
ORACLES = {
    a: jsonschema.Draft4Validator(
        json.loads((DATA / "ocpp16" / f"{a}.json").read_text()), format_checker=S.FORMAT_CHECKER
    )
    for a in ("MeterValues", "StartTransaction", "StopTransaction")
}
PROFILES = ("strict", "lenient", "off")

WARNING_CODES = {
    "number_for_string": "a JSON number for `value`, read as its decimal text",
    "padded_decimal": "decimal text with spaces around it, trimmed",
    "empty_value": "`value` the empty string: kept, no number",
    "empty_sampled_value": "an empty `sampledValue` in MeterValues: a meter value of no readings",
    "hz_for_hertz": "the unit `Hz` in MeterValues, read as `Hertz`",
    "timestamp_without_offset": "a date-time with no offset, read as UTC",
    "offset_without_colon": "an offset +HHMM, read as +HH:MM",
    "object_for_array": "one object where an array is required, read as a one-item array",
    "unknown_property": "a property the schema does not define, kept aside",
}
CATEGORIES = {
    "number_for_string",
    "object_for_array",
    "empty_sampled_value",
    "hz_for_hertz",
    "empty_value",
    "padded_decimal",
    "naive_timestamp",
    "offset_without_colon",
    "combined",
    "valid",
    "stays_error",
    "unknown_property",
}
UNSOURCED = {
    # No public report of these in 1.6 frames was found; they are the 2.0.1 corpus's quirks
    # (fixed-width printf, strftime's %z, ...) as a 1.6 charger would send them.
    "mv_empty_value",
    "mv_padded_value",
    "mv_offset_without_colon",
    "stop_offset_without_colon",
    "mv_value_decimal_comma",
    "mv_unknown_property",
}
CODES_16 = {
    "FormationViolation",
    "ProtocolError",
    "OccurenceConstraintViolation",
    "TypeConstraintViolation",
    "PropertyConstraintViolation",
    "NotImplemented",
}


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]


ENTRIES = load()
IDS = [e["name"] for e in ENTRIES]


def payload_of(entry: dict[str, Any]) -> Any:
    return json.loads(entry["frame"])[3]


def decode(frame: str, profile: str) -> ocpp_meter.BatchResult:
    return ocpp_meter.decode_batch([frame], "CP-16", dialect="1.6", profile=profile)


def outcome(frame: str, profile: str) -> dict[str, Any]:
    result = decode(frame, profile)
    errors = pa.table(result.errors).to_pylist()
    if errors:
        assert result.frame_rows == [0] and len(errors) == 1
        assert errors[0]["message_id"] == json.loads(frame)[1]
        return {"code": errors[0]["code"], "path": errors[0]["path"]}
    warnings = pa.table(result.warnings).to_pylist()
    assert all(w["message_id"] == json.loads(frame)[1] for w in warnings)
    return {
        "accepted": True,
        "warnings": [{"code": w["code"], "path": w["path"]} for w in warnings],
    }


def accepts(result: dict[str, Any]) -> bool:
    return result.get("accepted") is True


# --------------------------------------------------------------------------------------------------
# The corpus itself


def test_the_corpus_is_well_formed_and_sourced() -> None:
    assert 15 <= len(ENTRIES) <= 60
    assert not [n for n, k in Counter(IDS).items() if k > 1], "names must be unique"
    ids = Counter(json.loads(e["frame"])[1] for e in ENTRIES)
    assert not [i for i, k in ids.items() if k > 1], "message ids must be unique"
    for e in ENTRIES:
        name = e["name"]
        assert set(e) <= {"name", "category", "why", "sources", "frame", "oracle", *PROFILES}, name
        assert e["category"] in CATEGORIES, name
        assert e["why"].endswith(".") and 40 <= len(e["why"]) <= 300, name
        assert e.get("oracle", "decimal_text") == "decimal_text", name
        assert all(s.startswith("https://github.com/") for s in e["sources"]), name
        assert bool(e["sources"]) == (name not in UNSOURCED), name
        frame = json.loads(e["frame"])
        assert frame[0] == 2 and frame[2] in ORACLES and isinstance(frame[3], dict), name
        for profile in PROFILES:
            result = e[profile]
            if accepts(result):
                keys = {"accepted"} if profile == "strict" else {"accepted", "warnings"}
                assert set(result) == keys, (name, profile)
            else:
                assert set(result) == {"code", "path"} and result["code"] in CODES_16, name
    assert {e["category"] for e in ENTRIES} == CATEGORIES
    assert {json.loads(e["frame"])[2] for e in ENTRIES} == set(ORACLES)


def test_every_quirk_is_flagged_with_a_known_code() -> None:
    for e in ENTRIES:
        for profile in ("lenient", "off"):
            result = e[profile]
            codes = [w["code"] for w in result.get("warnings", [])]
            assert set(codes) <= set(WARNING_CODES), (e["name"], codes)
            if accepts(result) and not accepts(e["strict"]):
                assert codes, f"{e['name']}: {profile} accepts a quirk without a warning"
            if accepts(e["strict"]):
                assert result == {"accepted": True, "warnings": []}, e["name"]
        if e["category"] not in ("combined", "valid", "stays_error"):
            assert (
                e["category"].replace("naive_timestamp", "timestamp_without_offset")
                in {w["code"] for w in e["lenient"]["warnings"]}
                or e["category"] == "object_for_array"
            ), e["name"]
    used = {w["code"] for e in ENTRIES for w in e["lenient"].get("warnings", [])}
    assert used == set(WARNING_CODES)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_warning_paths_resolve_in_the_payload_as_sent_in_document_order(
    entry: dict[str, Any],
) -> None:
    payload = payload_of(entry)
    warnings = entry["lenient"].get("warnings", [])
    for w in warnings:
        sent = S.at_pointer(payload, w["path"])
        expect = {
            "number_for_string": lambda v: isinstance(v, (int, float)),
            "padded_decimal": lambda v: isinstance(v, str) and v != v.strip(" "),
            "empty_value": lambda v: v == "",
            "empty_sampled_value": lambda v: v == [],
            "hz_for_hertz": lambda v: v == "Hz",
            "timestamp_without_offset": lambda v: not S.FORMAT_CHECKER.conforms(v, "date-time"),
            "offset_without_colon": lambda v: not S.FORMAT_CHECKER.conforms(v, "date-time"),
            "object_for_array": lambda v: isinstance(v, dict),
            "unknown_property": lambda v: True,
        }[w["code"]]
        assert expect(sent), (entry["name"], w, sent)
    _, layout = S.dumps_with_layout(payload)
    positions = [
        (layout.key_start if w["code"] == "unknown_property" else layout.value_start)[w["path"]]
        for w in warnings
    ]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


# --------------------------------------------------------------------------------------------------
# The core, each profile


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_each_profile_gives_the_corpus_outcome(entry: dict[str, Any], profile: str) -> None:
    want = dict(entry[profile])
    if profile == "strict" and accepts(want):
        want["warnings"] = []
    assert outcome(entry["frame"], profile) == want


@pytest.mark.parametrize("entry", [e for e in ENTRIES if accepts(e["lenient"])], ids=str)
def test_a_warning_keeps_the_text_as_sent(entry: dict[str, Any]) -> None:
    payload = payload_of(entry)
    warnings = pa.table(decode(entry["frame"], "lenient").warnings).to_pylist()
    for w in warnings:
        sent = S.at_pointer(payload, w["path"])
        if isinstance(sent, str):
            assert w["raw"] == sent
        elif isinstance(sent, (int, float)):
            assert float(w["raw"]) == sent and json.loads(w["raw"]) == sent
        else:
            assert json.loads(w["raw"]) == sent


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_strict_agrees_with_the_draft_04_oracle(entry: dict[str, Any]) -> None:
    frame = json.loads(entry["frame"])
    errors = list(ORACLES[frame[2]].iter_errors(frame[3]))
    if entry.get("oracle") == "decimal_text":
        # `value` is a string to the schema file; the core also wants decimal text in it.
        assert not errors and not accepts(entry["strict"])
        assert entry["strict"]["path"].endswith("/value")
    elif accepts(entry["strict"]):
        assert not errors, [e.message for e in errors]
    else:
        assert errors, entry["name"]


# --------------------------------------------------------------------------------------------------
# What the rows hold


def rows_of(name: str, profile: str = "lenient") -> list[dict[str, Any]]:
    entry = next(e for e in ENTRIES if e["name"] == name)
    return pa.table(decode(entry["frame"], profile)).to_pylist()


def test_repaired_readings_land_in_rows() -> None:
    (energy,) = rows_of("mv_value_fraction")
    assert (energy["value"], energy["unit"], energy["normalized_value"]) == (604.213, "Wh", 604.213)
    padded = rows_of("mv_padded_value")
    assert [r["value"] for r in padded] == [1234.5, 16.0]
    temperature, frequency = rows_of("mv_unit_hz")
    assert (frequency["value"], frequency["unit"], frequency["normalized_unit"]) == (
        49.97,
        "Hertz",
        "Hz",
    )
    assert temperature["unit"] == "Celsius"
    (start,) = rows_of("start_naive_timestamp")
    assert start["timestamp"].isoformat() == "2023-10-19T15:28:07+00:00"
    (reading,) = rows_of("mv_offset_without_colon")
    assert reading["timestamp"].isoformat() == "2024-05-01T12:00:00+00:00"


def test_an_empty_value_is_a_row_of_no_reading_and_an_empty_sampled_value_no_row() -> None:
    energy, soc = rows_of("mv_empty_value")
    assert energy["value"] == 1234.5
    assert math.isnan(soc["value"]) and soc["signed_meter_data"] is None
    assert (soc["measurand"], soc["location"], soc["unit"]) == ("SoC", "EV", "Percent")
    assert rows_of("mv_empty_sampled_value_idle") == []
    result = decode(
        next(e for e in ENTRIES if e["name"] == "mv_several_quirks")["frame"], "lenient"
    )
    assert result.frame_rows == [2]
    assert result.replies == [b'[3,"q16-16",{}]']


def test_a_refused_quirk_is_answered_with_its_1_6_callerror() -> None:
    entry = next(e for e in ENTRIES if e["name"] == "mv_empty_sampled_value_idle")
    (reply,) = decode(entry["frame"], "strict").replies
    assert reply is not None
    message = json.loads(reply)
    assert message[:3] == [4, json.loads(entry["frame"])[1], "OccurenceConstraintViolation"]
    assert pa.table(decode(entry["frame"], "lenient").errors).num_rows == 0


def test_a_mixed_batch_reads_each_frame_in_its_dialect_under_one_profile() -> None:
    """A 2.0.1 frame's empty sampledValue stays an error under lenient (its corpus says so),
    a 1.6 frame's is accepted; both warnings tables come out in input order."""
    v16 = next(e for e in ENTRIES if e["name"] == "mv_empty_sampled_value_idle")["frame"]
    v201 = json.dumps(
        [
            2,
            "x1",
            "MeterValues",
            {
                "evseId": 1,
                "meterValue": [
                    {"timestamp": "2024-05-01T12:00:00", "sampledValue": [{"value": 1.0}]}
                ],
            },
        ]
    )
    v201_empty = json.dumps(
        [
            2,
            "x2",
            "MeterValues",
            {
                "evseId": 1,
                "meterValue": [{"timestamp": "2024-05-01T12:00:00Z", "sampledValue": []}],
            },
        ]
    )
    result = ocpp_meter.decode_batch(
        [v201, v16, v201_empty], "CP", profile="lenient", dialects=["2.0.1", "1.6", "2.0.1"]
    )
    warnings = pa.table(result.warnings).to_pylist()
    assert [(w["index"], w["code"]) for w in warnings] == [
        (0, "timestamp_without_offset"),
        (1, "empty_sampled_value"),
    ]
    errors = pa.table(result.errors).to_pylist()
    assert [(e["index"], e["code"], e["path"]) for e in errors] == [
        (2, "OccurrenceConstraintViolation", "/meterValue/0/sampledValue")
    ]


# --------------------------------------------------------------------------------------------------
# The typed entry points read 1.6 as the batch does


TYPED = {
    "decode_call": lambda frame, profile: ocpp_meter.decode_call(
        frame, profile=profile, dialect="1.6"
    ),
    "decode_message": lambda frame, profile: ocpp_meter.decode_message(
        frame, json.loads(frame)[2], profile=profile, dialect="1.6"
    ),
}


def batch_warnings(frame: str, profile: str) -> list[tuple[str, str, str]]:
    return [
        (w["code"], w["path"], w["raw"])
        for w in pa.table(decode(frame, profile).warnings).to_pylist()
    ]


@pytest.mark.parametrize("entry_point", list(TYPED))
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_the_typed_entry_points_give_the_batch_outcome(
    entry: dict[str, Any], profile: str, entry_point: str
) -> None:
    frame, want = entry["frame"], entry[profile]
    if not accepts(want):
        with pytest.raises(ocpp_meter.OcppError) as info:
            TYPED[entry_point](frame, profile)
        assert isinstance(info.value.code, ocpp_meter.ErrorCode16)
        assert (info.value.code.value, info.value.path) == (want["code"], want["path"])
        assert info.value.message_id == json.loads(frame)[1]
        return
    call = TYPED[entry_point](frame, profile)
    assert isinstance(call, ocpp_meter.Call)
    assert (call.message_id, call.action) == tuple(json.loads(frame)[1:3])
    got = [(w.code, w.path, w.raw) for w in call.payload.warnings]
    assert got == batch_warnings(frame, profile)
    assert [{"code": c, "path": p} for c, p, _ in got] == want.get("warnings", [])
    payload = payload_of(entry)
    unknown = {
        w.path: S.at_pointer(payload, w.path)
        for w in call.payload.warnings
        if w.code == "unknown_property"
    }
    assert call.payload.unknown_properties == unknown


@pytest.mark.parametrize("entry", [e for e in ENTRIES if accepts(e["lenient"])], ids=str)
def test_what_a_lenient_typed_reading_made_round_trips(entry: dict[str, Any]) -> None:
    for profile in ("lenient", "off"):
        call = ocpp_meter.decode_call(entry["frame"], profile=profile, dialect="1.6")
        request = call.payload
        again = ocpp_meter.decode_call(
            ocpp_meter.encode_call(call.message_id, request), profile=profile, dialect="1.6"
        )
        assert again.payload == request
        assert pickle.loads(pickle.dumps(request)) == request
        if call.action == "MeterValues":
            for mv in request.meter_value:
                assert pickle.loads(pickle.dumps(mv)) == mv
                for sv in mv.sampled_value:
                    assert pickle.loads(pickle.dumps(sv)) == sv


def test_an_empty_value_is_kept_as_text_with_no_number_in_the_typed_request() -> None:
    entry = next(e for e in ENTRIES if e["name"] == "mv_empty_value")
    call = ocpp_meter.decode_call(entry["frame"], profile="lenient", dialect="1.6")
    energy, soc = call.payload.meter_value[0].sampled_value
    assert (energy.value, energy.number) == ("1234.5", 1234.5)
    assert (soc.value, soc.number) == ("", None)
    strict = ocpp_meter.decode_call(
        next(e for e in ENTRIES if accepts(e["strict"]))["frame"], dialect="1.6"
    )
    assert strict.payload.warnings == () and strict.payload.unknown_properties == {}


REQUEST_CLASSES = {
    "MeterValues": ocpp_meter.MeterValuesRequest16,
    "StartTransaction": ocpp_meter.StartTransactionRequest,
    "StopTransaction": ocpp_meter.StopTransactionRequest,
}


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
@pytest.mark.parametrize("profile", PROFILES)
def test_a_request_class_reads_a_payload_as_the_frame_reader_does(
    entry: dict[str, Any], profile: str
) -> None:
    """``from_json(profile=...)`` of a 1.6 request class: the request a frame of the same
    payload decodes to, with the same warnings and unknown properties, or the same 1.6 code at
    the same place."""
    # The payload written again, so that both readers are given exactly the same bytes.
    action = json.loads(entry["frame"])[2]
    payload = json.dumps(payload_of(entry)).encode()
    frame = b'[2,"q","' + action.encode() + b'",' + payload + b"]"
    try:
        call = ocpp_meter.decode_call(frame, profile=profile, dialect="1.6")
    except ocpp_meter.OcppError as error:
        with pytest.raises(ocpp_meter.OcppError) as info:
            REQUEST_CLASSES[action].from_json(payload, profile=profile)
        assert (info.value.code, info.value.path) == (error.code, error.path)
        return
    request = REQUEST_CLASSES[action].from_json(payload, profile=profile)
    assert request == call.payload
    assert request.warnings == call.payload.warnings
    assert request.unknown_properties == call.payload.unknown_properties
    if profile == "strict":
        assert request.warnings == () and request.unknown_properties == {}


def test_a_request_class_takes_a_profile_that_exists() -> None:
    for cls in REQUEST_CLASSES.values():
        with pytest.raises(ValueError, match="profile must be"):
            cls.from_json(b"{}", profile="loose")
