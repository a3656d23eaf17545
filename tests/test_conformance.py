"""Differential conformance test: ``MeterValuesRequest.from_json`` against a JSON Schema oracle,
in both OCPP dialects.

The oracle is ``jsonschema.Draft6Validator`` on the official schema of the dialect
(``tests/data/ocpp201/MeterValuesRequest.json`` for ``dialect="2.0.1"``, the default, and
``tests/data/ocpp21/MeterValuesRequest.json`` for ``dialect="2.1"``) with a strict RFC 3339
``date-time`` checker (see ``strategies.SchemaSet``). Every property test runs once per dialect,
with payloads generated from that dialect's schema. For every generated payload:

* accept / reject must agree;
* on reject, ``OcppError.path`` must be the pointer of one of the oracle's errors (for ``required``
  and ``additionalProperties``: the missing / unexpected property's own pointer) and ``.code`` must
  be the code mapped from that error's keyword (``strategies.KEYWORD_CODE``); as the generator breaks
  exactly one place, the pointer and keyword of that fault are checked too;
* every input type (bytes, bytearray, memoryview, str) gives the same result;
* on accept, the model matches the payload and ``to_json`` round-trips (same payload modulo number
  spelling, timestamps as instants, members in schema order);
* with several faults, the one reported is the first in document order
  (``strategies.first_in_document_order``);
* decoded in the *other* dialect, the payload is judged by the other dialect's oracle the same way
  (accepted alike, or its first fault in document order): a 2.1-only measurand, location, missing
  ``signingMethod`` or long ``signedMeterData`` is refused under 2.0.1 exactly as the 2.0.1
  schema refuses it, and both dialects agree on what both schemas accept.

Where the contract deliberately departs from the 2.0.1 schema (or from the oracle's JSON parser),
the generators stay on the common ground and :data:`DOCUMENTED_DIFFERENCES` tests each departure.

Every property is seeded from the run's seed and its name (``hypothesis_run.seed_for``): a
fresh seed each run, printed by pytest, and ``OCPP_METER_HYPOTHESIS_SEED`` replays it; the
example counts scale with ``OCPP_METER_HYPOTHESIS_SCALE``. The 2.1 runs are shorter: the 2.0.1
runs already cover the common ground.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import hypothesis_run
import ocpp_meter
import orjson
import pytest
import strategies as S
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from ocpp_meter import (
    ErrorCode,
    Location,
    Measurand,
    MeterValuesRequest,
    OcppError,
    Phase,
    ReadingContext,
)


@pytest.fixture(autouse=True, scope="module")
def _no_frame_size_limit() -> Any:
    """The schema bounds no payload's size, the core does (1 MiB by default, a FormatViolation at
    "" before any schema fault; tests/test_limits.py tests it): 2.1's 32,768-character signed
    data lets a generated payload pass that size, so the oracle comparison lifts the limit."""
    previous = ocpp_meter.set_limits(max_frame_bytes=64 << 20)
    yield
    ocpp_meter.set_limits(max_frame_bytes=previous.max_frame_bytes)


PROPERTY_SETTINGS = {
    "database": None,
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}
VALID_EXAMPLES = {"2.0.1": 700, "2.1": 300}
BROKEN_EXAMPLES_PER_TARGET = {"2.0.1": 25, "2.1": 8}  # x targets (65 in 2.0.1, 64 in 2.1)
MULTI_FAULT_EXAMPLES = {"2.0.1": 400, "2.1": 150}

FORMS = ("bytes", "bytearray", "memoryview", "str")
DIALECTS = pytest.mark.parametrize("schemas", S.SCHEMA_SETS, ids=lambda s: s.dialect)


def other(schemas: S.SchemaSet) -> S.SchemaSet:
    return S.OCPP21 if schemas is S.OCPP201 else S.OCPP201


def run_property(
    name: str, examples: int, strategy: st.SearchStrategy[Any], check: Callable[[Any], None]
) -> None:
    """``check`` on ``examples`` draws of ``strategy`` (times the long mode's scale), seeded
    from the run's seed and ``name``."""

    @seed(hypothesis_run.seed_for(name))
    @settings(max_examples=hypothesis_run.examples(examples), **PROPERTY_SETTINGS)
    @given(case=strategy)
    def property_test(case: Any) -> None:
        check(case)

    property_test()


def as_input(data: str | bytes, form: str) -> Any:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if form == "bytes":
        return raw
    if form == "bytearray":
        return bytearray(raw)
    if form == "memoryview":  # a view into the middle of a larger buffer
        return memoryview(b"#" + raw + b"#")[1:-1]
    if form == "str":
        return data if isinstance(data, str) else raw.decode("utf-8")
    raise AssertionError(form)


def decode_forms(
    data: str | bytes, forms: tuple[str, ...] = FORMS, dialect: str | None = None
) -> dict[str, Any]:
    """form -> decoded request, or the OcppError raised; in ``dialect`` (None: no keyword)."""
    kw: dict[str, Any] = {} if dialect is None else {"dialect": dialect}
    out: dict[str, Any] = {}
    for form in forms:
        try:
            out[form] = MeterValuesRequest.from_json(as_input(data, form), **kw)
        except OcppError as e:
            out[form] = e
    return out


def dialect_kw(schemas: S.SchemaSet) -> str | None:
    """The ``dialect=`` of a schema set's decoding: none for 2.0.1, so the default is tested."""
    return None if schemas is S.OCPP201 else schemas.dialect


def on_common_ground(instance: Any) -> bool:
    """Whether the contract's rules beyond the schemas leave ``instance`` alone: ``evseId >= 0``
    holds in both dialects, but only the 2.1 schema says so (see DOCUMENTED_DIFFERENCES)."""
    evse = instance.get("evseId") if isinstance(instance, dict) else None
    return not (isinstance(evse, (int, float)) and not isinstance(evse, bool) and evse < 0)


def assert_judged_like_the_oracle(
    text: str, layout: S.Layout, schemas: S.SchemaSet, forms: tuple[str, ...] = ("bytes",)
) -> None:
    """Decoded in ``schemas``'s dialect, ``text`` is accepted if that dialect's oracle accepts
    it, else refused with the oracle's first fault in document order."""
    instance = json.loads(text)
    errors = schemas.oracle_errors(instance)
    want = S.first_in_document_order(errors, layout) if errors else None
    for form, r in decode_forms(text, forms, schemas.dialect).items():
        if want is None:
            assert not isinstance(r, OcppError), f"{schemas}, {form}: oracle accepts, core {r!r}"
            assert_model_matches(r, instance)
        else:
            assert isinstance(r, OcppError), (
                f"{schemas}, {form}: oracle rejects {want}, core accepts"
            )
            check_error_shape(r)
            assert (r.path, r.code.value) == want, f"{schemas}, {form}: {r!r}, first fault {want}"


def check_error_shape(e: OcppError) -> None:
    assert isinstance(e, OcppError) and isinstance(e, ValueError)
    assert isinstance(e.code, ErrorCode), e.code
    assert isinstance(e.description, str) and 1 <= len(e.description) <= 255, e.description
    assert e.message_id is None, e.message_id
    assert isinstance(e.path, str) and (e.path == "" or e.path.startswith("/")), e.path
    assert isinstance(e.details, dict) and e.details.get("path") == e.path, e.details


def error_key(e: OcppError) -> tuple[str, str, str]:
    return (e.code.value, e.path, e.description)


# --------------------------------------------------------------------------------------------------
# Comparing payloads / models

_TS = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")


def parse_instant(s: str) -> tuple[dt.datetime, int]:
    """(aware datetime without fraction, fraction in nanoseconds) of a valid RFC 3339 string."""
    m = _TS.match(s)
    assert m, s
    y, mo, d, h, mi, sec = (int(g) for g in m.groups()[:6])
    frac = (m.group(7) or ".")[1:]
    ns = int(
        (frac + "0" * 9)[:9]
    )  # digits beyond nanoseconds do not matter at microsecond precision
    tz = dt.timezone(dt.timedelta(minutes=S.offset_minutes(m.group(8))))
    return dt.datetime(y, mo, d, h, mi, sec, tzinfo=tz), ns


def ns_between(later: dt.datetime, base: dt.datetime) -> int:
    td = later - base
    return ((td.days * 86400 + td.seconds) * 1_000_000 + td.microseconds) * 1000


def assert_instant_close(got: dt.datetime, sent: str, where: str) -> None:
    base, ns = parse_instant(sent)
    diff = ns_between(got, base) - ns
    assert abs(diff) < 1000, f"{where}: {got.isoformat()} is {diff} ns away from {sent!r}"


def same_number(a: Any, b: Any) -> bool:
    return (
        not isinstance(a, bool)
        and not isinstance(b, bool)
        and isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and Fraction(a) == Fraction(b)
    )


def assert_same_json(got: Any, want: Any, where: str) -> None:
    """Equal JSON values; numbers compare exactly as numbers, whatever their spelling."""
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        assert same_number(got, want), f"{where}: {got!r} != {want!r}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{where}: keys {got!r} != {want!r}"
        for k in want:
            assert_same_json(got[k], want[k], f"{where}/{k}")
    elif isinstance(want, list):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), (
            f"{where}: {got!r} != {want!r}"
        )
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same_json(g, w, f"{where}/{i}")
    else:
        assert type(got) is type(want) and got == want, f"{where}: {got!r} != {want!r}"


def assert_same_payload(got: dict[str, Any], want: dict[str, Any]) -> None:
    """``orjson.loads(x.to_json())`` against the input: numbers by value (``value`` as a float64),
    timestamps as instants (re-encoded in UTC with ``Z``), everything else exactly."""
    assert set(got) == set(want), (sorted(got), sorted(want))
    for key, value in want.items():
        if key != "meterValue":
            assert_same_json(got[key], value, f"/{key}")
    assert len(got["meterValue"]) == len(want["meterValue"])
    for i, (gm, wm) in enumerate(zip(got["meterValue"], want["meterValue"])):
        where = f"/meterValue/{i}"
        assert set(gm) == set(wm), (where, sorted(gm), sorted(wm))
        assert gm["timestamp"].endswith("Z"), (where, gm["timestamp"])
        (got_base, got_ns), (want_base, want_ns) = (
            parse_instant(gm["timestamp"]),
            parse_instant(wm["timestamp"]),
        )
        diff = ns_between(got_base, want_base) + got_ns - want_ns
        assert abs(diff) < 1000, (
            f"{where}: {gm['timestamp']!r} is {diff} ns away from {wm['timestamp']!r}"
        )
        if "customData" in wm:
            assert_same_json(gm["customData"], wm["customData"], where + "/customData")
        assert len(gm["sampledValue"]) == len(wm["sampledValue"])
        for j, (gs, ws) in enumerate(zip(gm["sampledValue"], wm["sampledValue"])):
            w = f"{where}/sampledValue/{j}"
            assert set(gs) == set(ws), (w, sorted(gs), sorted(ws))
            assert float(gs["value"]) == float(ws["value"]), (w, gs["value"], ws["value"])
            for k in ws:
                if k != "value":
                    assert_same_json(gs[k], ws[k], f"{w}/{k}")


def assert_schema_field_order(
    obj: Any, node: dict[str, Any], where: str, schemas: S.SchemaSet = S.OCPP201
) -> None:
    """``to_json`` writes the members of every schema object in the schema's ``properties`` order
    (customData is free-form and not checked)."""
    node = schemas.resolve(node)
    if node.get("type") == "object" and "additionalProperties" in node:
        order = [k for k in node["properties"] if k in obj]
        assert list(obj) == order, f"{where or '/'}: members {list(obj)}, schema order {order}"
        for k, v in obj.items():
            assert_schema_field_order(v, node["properties"][k], f"{where}/{k}", schemas)
    elif node.get("type") == "array":
        for i, item in enumerate(obj):
            assert_schema_field_order(item, node["items"], f"{where}/{i}", schemas)


def assert_model_matches(x: MeterValuesRequest, want: dict[str, Any]) -> None:
    """The typed accessors against the (oracle-parsed) input payload."""

    def custom(obj: Any, w: dict[str, Any], where: str) -> None:
        if "customData" in w:
            assert isinstance(obj.custom_data, dict), where
            assert_same_json(obj.custom_data, w["customData"], where + "/customData")
        else:
            assert obj.custom_data is None, where

    assert type(x.evse_id) is int and same_number(x.evse_id, want["evseId"]), (
        x.evse_id,
        want["evseId"],
    )
    custom(x, want, "")
    assert isinstance(x.meter_value, tuple) and len(x.meter_value) == len(want["meterValue"])
    for i, (mv, wm) in enumerate(zip(x.meter_value, want["meterValue"])):
        where = f"/meterValue/{i}"
        ts = mv.timestamp
        assert isinstance(ts, dt.datetime) and ts.tzinfo is not None, (where, ts)
        assert ts.utcoffset() == parse_instant(wm["timestamp"])[0].utcoffset(), (
            where,
            ts,
            wm["timestamp"],
        )
        assert_instant_close(ts, wm["timestamp"], where)
        custom(mv, wm, where)
        assert isinstance(mv.sampled_value, tuple) and len(mv.sampled_value) == len(
            wm["sampledValue"]
        )
        for j, (sv, ws) in enumerate(zip(mv.sampled_value, wm["sampledValue"])):
            w = f"{where}/sampledValue/{j}"
            assert isinstance(sv.value, (int, float)) and not isinstance(sv.value, bool), (
                w,
                sv.value,
            )
            assert float(sv.value) == float(ws["value"]), (w, sv.value, ws["value"])
            for attr, key, enum in (
                ("context", "context", ReadingContext),
                ("measurand", "measurand", Measurand),
                ("phase", "phase", Phase),
                ("location", "location", Location),
            ):
                got = getattr(sv, attr)
                assert got is (enum(ws[key]) if key in ws else None), (w, attr, got)
            custom(sv, ws, w)
            smv = sv.signed_meter_value
            if "signedMeterValue" in ws:
                wsm = ws["signedMeterValue"]
                assert (
                    smv.signed_meter_data,
                    smv.signing_method,
                    smv.encoding_method,
                    smv.public_key,
                ) == (
                    wsm["signedMeterData"],
                    wsm.get("signingMethod"),  # optional in OCPP 2.1
                    wsm["encodingMethod"],
                    wsm.get("publicKey"),  # optional in OCPP 2.1
                ), w
                custom(smv, wsm, w + "/signedMeterValue")
            else:
                assert smv is None, w
            uom = sv.unit_of_measure
            if "unitOfMeasure" in ws:
                wu = ws["unitOfMeasure"]
                assert uom.unit == wu.get("unit"), (w, uom.unit)
                if "multiplier" in wu:
                    assert type(uom.multiplier) is int and same_number(
                        uom.multiplier, wu["multiplier"]
                    ), w
                else:
                    assert uom.multiplier is None, w
                custom(uom, wu, w + "/unitOfMeasure")
            else:
                assert uom is None, w


# --------------------------------------------------------------------------------------------------
# The differential tests


@DIALECTS
def test_valid_payloads_agree_with_oracle(schemas: S.SchemaSet) -> None:
    def check(case: S.MultiCase) -> None:
        instance = json.loads(case.text)
        assert not schemas.oracle_errors(instance), (
            "generator bug: the oracle rejects a 'valid' case"
        )

        results = decode_forms(case.text, dialect=dialect_kw(schemas))
        for form, r in results.items():
            assert not isinstance(r, OcppError), f"{form}: oracle accepts, core rejects: {r!r}"
        x = results["bytes"]
        encoded = x.to_json()
        assert isinstance(encoded, bytes)
        for form, r in results.items():
            assert r == x, form
            assert r.to_json() == encoded, form

        assert_model_matches(x, instance)

        assert MeterValuesRequest.from_json(encoded, dialect=schemas.dialect) == x
        out = orjson.loads(encoded)
        assert not schemas.oracle_errors(out), "to_json produced a payload the oracle rejects"
        assert_same_payload(out, instance)
        # Encoding takes no dialect: one member order, the 2.0.1 schema's, in both dialects
        # (the 2.1 schema lists customData last and measurand before context).
        assert_schema_field_order(out, S.REQUEST_SCHEMA, "")

        # The other dialect judges the same text by its own schema.
        assert_judged_like_the_oracle(case.text, case.layout, other(schemas))

    run_property(
        f"valid {schemas.dialect}",
        VALID_EXAMPLES[schemas.dialect],
        S.laid_out_valid_cases(schemas),
        check,
    )


BROKEN_TARGETS = [(schemas, t) for schemas in S.SCHEMA_SETS for t in schemas.targets]


@pytest.mark.parametrize(
    ("schemas", "target"), BROKEN_TARGETS, ids=[f"{s.dialect}-{t}" for s, t in BROKEN_TARGETS]
)
def test_broken_payloads_agree_with_oracle(schemas: S.SchemaSet, target: S.Target) -> None:
    def check(case: S.Case) -> None:
        instance = json.loads(case.text)
        errors = schemas.oracle_errors(instance)
        allowed = S.oracle_expectations(errors)
        fault = (case.pointer, S.KEYWORD_CODE[case.keyword])
        assert fault in allowed, (
            f"generator bug: oracle errors {sorted(allowed)} lack the planted {fault}"
        )

        results = decode_forms(case.text, dialect=dialect_kw(schemas))
        for form, r in results.items():
            assert isinstance(r, OcppError), (
                f"{form}: oracle rejects {sorted(allowed)}, core accepts"
            )
            check_error_shape(r)
            assert (r.path, r.code.value) in allowed, (
                f"{form}: core reports {r.code.value} at {r.path!r}; oracle allows {sorted(allowed)}"
            )
            assert (r.path, r.code.value) == fault, (
                f"{form}: core reports {r!r}, planted fault {fault}"
            )
        assert len({error_key(r) for r in results.values()}) == 1, {
            f: error_key(r) for f, r in results.items()
        }
        if case.layout is not None and on_common_ground(instance):
            assert_judged_like_the_oracle(case.text, case.layout, other(schemas))

    run_property(
        f"broken {schemas.dialect} {target}",
        BROKEN_EXAMPLES_PER_TARGET[schemas.dialect],
        S.broken_cases(target, schemas),
        check,
    )


@DIALECTS
def test_first_fault_in_document_order(schemas: S.SchemaSet) -> None:
    """Several faults: the core reports the first in document order (see
    ``strategies.first_in_document_order``), identically for every input type."""

    def check(case: S.MultiCase) -> None:
        instance = json.loads(case.text)
        if on_common_ground(instance):
            assert_judged_like_the_oracle(case.text, case.layout, other(schemas))
        errors = schemas.oracle_errors(instance)
        results = decode_forms(case.text, dialect=dialect_kw(schemas))
        if not errors:  # a later break can repair an earlier one (e.g. removing the broken object)
            assert not any(isinstance(r, OcppError) for r in results.values())
            return
        want = S.first_in_document_order(errors, case.layout)
        for form, r in results.items():
            assert isinstance(r, OcppError), f"{form}: oracle rejects, core accepts"
            check_error_shape(r)
            assert (r.path, r.code.value) == want, (
                f"{form}: core reports {r!r}, first fault is {want}"
            )
        assert len({error_key(r) for r in results.values()}) == 1, {
            f: error_key(r) for f, r in results.items()
        }

    run_property(
        f"multi {schemas.dialect}",
        MULTI_FAULT_EXAMPLES[schemas.dialect],
        S.multi_fault_cases(schemas),
        check,
    )


@DIALECTS
def test_every_schema_keyword_is_targeted(schemas: S.SchemaSet) -> None:
    kinds = {t.keyword for t in schemas.targets}
    # No MeterValues schema has `maximum` or `maxItems`; only 2.1 has `minimum` (evseId >= 0).
    absent = {"maximum", "maxItems"} | ({"minimum"} if schemas is S.OCPP201 else set())
    assert kinds == set(S.KEYWORD_CODE) - absent
    assert len(schemas.targets) == len(set(schemas.targets))


# --------------------------------------------------------------------------------------------------
# Deliberate differences from the oracle

PCV, TCV, FV = "PropertyConstraintViolation", "TypeConstraintViolation", "FormatViolation"
_SV = '{"value":1}'
_MV = '{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[' + _SV + "]}"


def _req(evse: str = "1", mv: str = _MV, extra: str = "") -> str:
    return '{"evseId":' + evse + ',"meterValue":[' + mv + "]" + extra + "}"


def _mv_ts(ts: str) -> str:
    return _req(mv='{"timestamp":"' + ts + '","sampledValue":[' + _SV + "]}")


def _sv(sv: str) -> str:
    return _req(mv='{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[' + sv + "]}")


@dataclass(frozen=True)
class Difference:
    """Where the contract departs from the oracle: ``oracle`` is what the oracle does with the text
    (``"accept"`` or the keyword it reports), ``code`` / ``path`` what we report (``path=None``:
    not fixed by the contract)."""

    name: str
    text: str
    oracle: str
    code: str
    path: str | None


_SV0 = "/meterValue/0/sampledValue/0"

DOCUMENTED_DIFFERENCES: tuple[Difference, ...] = (
    # evseId >= 0 (the field's description; OCPP 2.1 puts `minimum: 0` in the schema).
    Difference("negative evseId", _req("-1"), "accept", PCV, "/evseId"),
    Difference("int64-min evseId", _req("-9223372036854775808"), "accept", PCV, "/evseId"),
    # Duplicate object keys (Python's json keeps the last one); the path is the repeated key's.
    Difference(
        "duplicate root key",
        '{"evseId":1,"evseId":1,"meterValue":[' + _MV + "]}",
        "accept",
        PCV,
        "/evseId",
    ),
    Difference(
        "duplicate key spelled with an escape",
        '{"evseId":1,"\\u0065vseId":2,"meterValue":[' + _MV + "]}",
        "accept",
        PCV,
        "/evseId",
    ),
    Difference(
        "duplicate sampledValue key", _sv('{"value":1,"value":2}'), "accept", PCV, _SV0 + "/value"
    ),
    Difference(
        "duplicate customData key",
        _req(extra=',"customData":{"vendorId":"v","a":1,"a":1}'),
        "accept",
        PCV,
        "/customData/a",
    ),
    Difference(
        "duplicate vendorId",
        _req(extra=',"customData":{"vendorId":"v","vendorId":"w"}'),
        "accept",
        PCV,
        "/customData/vendorId",
    ),
    # Integers outside the signed 64-bit range.
    Difference("evseId 2**63", _req("9223372036854775808"), "accept", PCV, "/evseId"),
    Difference("evseId 1e19", _req("1e19"), "accept", PCV, "/evseId"),
    Difference(
        "evseId 2**63 spelled 9223372036854775808.0",
        _req("9223372036854775808.0"),
        "accept",
        PCV,
        "/evseId",
    ),
    Difference(
        "multiplier below int64",
        _sv('{"value":1,"unitOfMeasure":{"multiplier":-9223372036854775809}}'),
        "accept",
        PCV,
        _SV0 + "/unitOfMeasure/multiplier",
    ),
    # A timestamp whose UTC instant falls outside years 0001..9999.
    Difference(
        "UTC instant in year 0",
        _mv_ts("0001-01-01T00:30:00+01:00"),
        "accept",
        PCV,
        "/meterValue/0/timestamp",
    ),
    Difference(
        "UTC instant in year 10000",
        _mv_ts("9999-12-31T23:30:00-01:00"),
        "accept",
        PCV,
        "/meterValue/0/timestamp",
    ),
    # A lone escaped surrogate is not a Unicode scalar value (Python's json lets it through).
    Difference(
        "lone high surrogate",
        _req(extra=',"customData":{"vendorId":"\\ud800"}'),
        "accept",
        FV,
        None,
    ),
    Difference(
        "lone low surrogate", _req(extra=',"customData":{"vendorId":"\\udc00"}'), "accept", FV, None
    ),
    Difference(
        "high surrogate then non-surrogate",
        _req(extra=',"customData":{"vendorId":"\\ud800\\u0041"}'),
        "accept",
        FV,
        None,
    ),
    # Integer-typed fields use exact decimal semantics (Python's float rounds this to 1.0).
    Difference("evseId 1.0000000000000001", _req("1.0000000000000001"), "accept", TCV, "/evseId"),
    Difference(
        "multiplier 2.0000000000000001",
        _sv('{"value":1,"unitOfMeasure":{"multiplier":2.0000000000000001}}'),
        "accept",
        TCV,
        _SV0 + "/unitOfMeasure/multiplier",
    ),
    # Non-finite numbers (Python's json turns 1e999 into inf, a "number" for the oracle).
    Difference("value 1e999", _sv('{"value":1e999}'), "accept", PCV, _SV0 + "/value"),
    Difference("value -1e999", _sv('{"value":-1e999}'), "accept", PCV, _SV0 + "/value"),
    Difference(
        "customData number 1e999",
        _req(extra=',"customData":{"vendorId":"v","n":1e999}'),
        "accept",
        PCV,
        "/customData/n",
    ),
    Difference(
        "evseId 1e999", _req("1e999"), "type", PCV, "/evseId"
    ),  # inf is no integer to the oracle
    # The payload must be a JSON object: a FormatViolation, not a type error, per the error table.
    Difference("payload is an array", "[]", "type", FV, ""),
    Difference("payload is a number", "1", "type", FV, ""),
    Difference("payload is null", "null", "type", FV, ""),
    # Open JSON (customData vendor properties) nests at most 64 levels, a limit against nesting
    # bombs; the schema sets none. 64 arrays inside the vendor property is one level too many.
    Difference(
        "customData nested 64 arrays deep",
        _req(extra=',"customData":{"vendorId":"v","x":' + "[" * 64 + "]" * 64 + "}"),
        "accept",
        FV,
        None,
    ),
    # Python's json accepts these non-JSON literals; they are syntax errors.
    Difference("NaN literal", _sv('{"value":NaN}'), "accept", FV, None),
    Difference("Infinity literal", _sv('{"value":Infinity}'), "accept", FV, None),
    Difference("-Infinity literal", _sv('{"value":-Infinity}'), "accept", FV, None),
)


@DIALECTS
@pytest.mark.parametrize("diff", DOCUMENTED_DIFFERENCES, ids=lambda d: d.name)
def test_documented_difference(diff: Difference, schemas: S.SchemaSet) -> None:
    """The contract's rules hold in both dialects; the 2.1 schema itself says ``evseId >= 0``
    (``minimum``), so there a negative evseId is no difference but the oracle's own fault."""
    errors = schemas.oracle_errors(json.loads(diff.text))
    oracle = "accept" if not errors else min({str(e.validator) for e in errors})
    if schemas is S.OCPP21 and diff.path == "/evseId" and oracle == "minimum":
        assert diff.oracle == "accept" and diff.code == PCV
    else:
        assert oracle == diff.oracle, f"the oracle no longer differs as documented: {oracle}"

    results = decode_forms(diff.text, dialect=dialect_kw(schemas))
    for form, r in results.items():
        assert isinstance(r, OcppError), f"{form}: accepted {diff.text!r}"
        check_error_shape(r)
        assert r.code.value == diff.code, (form, r)
        if diff.path is not None:
            assert r.path == diff.path, (form, r)
    assert len({error_key(r) for r in results.values()}) == 1, {
        f: error_key(r) for f, r in results.items()
    }


def test_package_exports_the_request_type() -> None:
    assert ocpp_meter.MeterValuesRequest is MeterValuesRequest


# --------------------------------------------------------------------------------------------------
# Across dialects: what only OCPP 2.1 allows


OCV = "OccurrenceConstraintViolation"
_SIGNED = {
    "signedMeterData": "ZGF0YQ==",
    "signingMethod": "ECDSA",
    "encodingMethod": "OCMF",
    "publicKey": "a2V5",
}


def _only_21(**sampled: Any) -> dict[str, Any]:
    return {
        "evseId": 1,
        "meterValue": [
            {"timestamp": "2024-01-01T00:00:00Z", "sampledValue": [{"value": 1.5, **sampled}]}
        ],
    }


def _signed(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in {**_SIGNED, **fields}.items() if v is not None}


@dataclass(frozen=True)
class Only21:
    """A payload the 2.1 schema accepts and the 2.0.1 schema refuses, with the 2.0.1 fault."""

    name: str
    payload: dict[str, Any]
    code: str
    path: str


_SMV = _SV0 + "/signedMeterValue"
ONLY_IN_21: tuple[Only21, ...] = (
    Only21(
        "measurand Display.PresentSOC",
        _only_21(measurand="Display.PresentSOC"),
        PCV,
        _SV0 + "/measurand",
    ),
    Only21(
        "measurand Voltage.Maximum", _only_21(measurand="Voltage.Maximum"), PCV, _SV0 + "/measurand"
    ),
    Only21("location Upstream", _only_21(location="Upstream"), PCV, _SV0 + "/location"),
    Only21(
        "no signingMethod",
        _only_21(signedMeterValue=_signed(signingMethod=None)),
        OCV,
        _SMV + "/signingMethod",
    ),
    Only21(
        "no publicKey", _only_21(signedMeterValue=_signed(publicKey=None)), OCV, _SMV + "/publicKey"
    ),
    Only21(
        "neither signingMethod nor publicKey (the first of the required list)",
        _only_21(signedMeterValue=_signed(signingMethod=None, publicKey=None)),
        OCV,
        _SMV + "/signingMethod",
    ),
    Only21(
        "30000-character signedMeterData",
        _only_21(signedMeterValue=_signed(signedMeterData="A" * 30000)),
        PCV,
        _SMV + "/signedMeterData",
    ),
    Only21(
        "32768-character signedMeterData (the 2.1 maximum)",
        _only_21(signedMeterValue=_signed(signedMeterData="\u00e9" * 32768)),
        PCV,
        _SMV + "/signedMeterData",
    ),
    Only21(
        "all at once: the measurand comes first",
        _only_21(
            measurand="EnergyRequest.Target",
            location="Upstream",
            signedMeterValue=_signed(signingMethod=None, signedMeterData="A" * 30000),
        ),
        PCV,
        _SV0 + "/measurand",
    ),
)


@pytest.mark.parametrize("case", ONLY_IN_21, ids=lambda c: c.name)
def test_what_only_21_allows_is_refused_under_201_as_its_schema_refuses_it(case: Only21) -> None:
    text, layout = S.dumps_with_layout(case.payload)
    assert not S.OCPP21.oracle_errors(case.payload)
    errors = S.OCPP201.oracle_errors(case.payload)
    assert S.first_in_document_order(errors, layout) == (case.path, case.code)

    accepted = decode_forms(text, dialect="2.1")
    x = accepted["bytes"]
    assert isinstance(x, MeterValuesRequest), x
    for form, r in accepted.items():
        assert r == x, (form, r)
    assert_model_matches(x, case.payload)
    assert MeterValuesRequest.from_json(x.to_json(), dialect="2.1") == x
    assert_same_payload(orjson.loads(x.to_json()), case.payload)

    for dialect in (None, "2.0.1"):  # the default is 2.0.1
        for form, r in decode_forms(text, dialect=dialect).items():
            assert isinstance(r, OcppError), (dialect, form, r)
            check_error_shape(r)
            assert (r.code.value, r.path) == (case.code, case.path), (dialect, form, r)

    frame = '[2,"m-21","MeterValues",' + text + "]"
    call = ocpp_meter.decode_call(frame, dialect="2.1")
    assert call.payload == x and ocpp_meter.decode_message(frame, dialect="2.1") == call
    with pytest.raises(OcppError) as caught:
        ocpp_meter.decode_call(frame, dialect="2.0.1")
    assert (caught.value.code.value, caught.value.path, caught.value.message_id) == (
        case.code,
        case.path,
        "m-21",
    )


def test_the_21_values_read_as_the_21_enum_members() -> None:
    x = MeterValuesRequest.from_json(
        json.dumps(
            _only_21(
                measurand="Display.PresentSOC",
                location="Upstream",
                signedMeterValue=_signed(signingMethod=None, publicKey=None),
            )
        ),
        dialect="2.1",
    )
    sampled = x.meter_value[0].sampled_value[0]
    assert sampled.measurand is Measurand.DISPLAY_PRESENT_SOC
    assert sampled.location is Location.UPSTREAM
    smv = sampled.signed_meter_value
    assert smv is not None and (smv.signing_method, smv.public_key) == (None, None)
    assert smv.encoding_method == "OCMF"
    assert set(Measurand) >= {Measurand(m) for m in S.OCPP21.measurands}
    assert len(S.OCPP21.measurands) == 56 and {m.value for m in Measurand} == set(
        S.OCPP21.measurands
    )
    assert {loc.value for loc in Location} == set(S.OCPP21.locations)


def test_the_schemas_are_the_official_copies() -> None:
    """The 2.1 set differs from 2.0.1 where the brief says (see tests/data/PROVENANCE.md)."""
    assert S.OCPP21.schema["$id"] == "urn:OCPP:Cp:2:2025:1:MeterValuesRequest"
    assert set(S.OCPP21.measurands) > set(S.OCPP201.measurands)
    assert set(S.OCPP21.locations) - set(S.OCPP201.locations) == {"Upstream"}
    assert S.OCPP21.defs["SignedMeterValueType"]["required"] == [
        "signedMeterData",
        "encodingMethod",
    ]


@pytest.mark.parametrize("dialect", ["2.0", "2.2", "2.1 ", "ocpp2.1", "", "2.0.1\x00"])
def test_an_unknown_dialect_is_a_value_error(dialect: str) -> None:
    frame = '[2,"d","MeterValues",' + _req() + "]"
    for call in (
        lambda: MeterValuesRequest.from_json(_req(), dialect=dialect),
        lambda: ocpp_meter.decode_call(frame, dialect=dialect),
        lambda: ocpp_meter.decode_message(frame, dialect=dialect),
        lambda: ocpp_meter.decode_batch([frame], "CS", dialect=dialect),
    ):
        with pytest.raises(ValueError, match="dialect"):
            call()
