"""Hostile input: every input of the hardening list, with the exact error code (and message id),
run in a child process under a hard address-space limit and a wall timeout, so that a crash, a
runaway allocation or a hang fails the test instead of taking the suite (or the machine) down.

Each case builds its input in the child, records the child's RSS after building it, decodes it
through every input type asked for (``bytes``, ``bytearray``, ``memoryview``, ``str``), and
reports the outcome and the peak RSS as JSON. The parent asserts the outcome and that the peak RSS
stayed within ``input size x factor + slack`` of what the input itself costs.

The limits (``ocpp_meter.limits``, SECURITY.md): an input over ``max_frame_bytes`` (1 MiB by
default) is refused unread, and open JSON (``customData``, CALLERROR details) nests at most
``max_depth`` (64) levels; elsewhere deep nesting is rejected by the schema-driven reader without
recursion. Each huge input is run at the default limits (refused, in constant memory) and, where
it says ``limits=RAISED``, with the frame limit raised past it, to show that what the limit
guards against is itself bounded (decoded or refused in memory proportional to the input).
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

TESTS = Path(__file__).resolve().parent
TIMEOUT = 60  # seconds of wall time per child: a hang fails instead of blocking
ADDRESS_SPACE = 3 << 30  # RLIMIT_AS of each child: a runaway allocation fails, not the host
MB = 1 << 20

TS = "2024-01-01T00:00:00Z"
FV = "FormatViolation"
RPC = "RpcFrameworkError"
PCV = "PropertyConstraintViolation"
TCV = "TypeConstraintViolation"
PE = "ProtocolError"
ALL_TYPES = ("bytes", "bytearray", "memoryview", "str")
BYTES_TYPES = ("bytes", "bytearray", "memoryview")


def payload(evse: str = "1", sv: str = '{"value":1}', extra: str = "") -> str:
    return (
        '{"evseId":' + evse + ',"meterValue":[{"timestamp":"' + TS + '","sampledValue":[' + sv + "]}]"
        + extra + "}"
    )  # fmt: skip


def call(body: str, message_id: str = "m1") -> str:
    return '[2,"' + message_id + '","MeterValues",' + body + "]"


def custom(members: str) -> str:
    return ',"customData":{"vendorId":"v"' + members + "}"


def deep(n: int) -> str:
    return "[" * n + "]" * n


N_DEEP = 100_000
N_MILLION = 1_000_000
BIG = 100 * MB
RAISED = {"max_frame_bytes": 256 * MB}
NAME_CUT = 128  # characters of a made-up property name that a pointer shows


class Case(NamedTuple):
    build: Callable[[], Any]  # the input (str, or bytes for inputs that cannot be a str)
    entry: str  # "call", "message" or "payload"
    code: str | None  # None: the input must be accepted
    message_id: str | None = "m1"
    # exact pointer, or a prefix when it ends with "*"; None where the contract does not fix it
    # (the pointer of a JSON syntax fault)
    path: str | None = None
    types: tuple[str, ...] = ALL_TYPES
    check: str | None = None  # for accepted input: a summary the parent compares
    factor: float = 0.0  # peak RSS may exceed RSS-after-building by factor x input + slack
    slack_mb: int = 64
    limits: dict[str, int] | None = None  # passed to set_limits in the child before decoding
    error_type: str | None = None  # the OcppError's details["type"], where the case fixes it


CASES: dict[str, Case] = {
    # ---- nesting 100,000 deep -----------------------------------------------------------------
    "nesting/frame": Case(lambda: deep(N_DEEP), "call", RPC, "-1", ""),
    "nesting/evseId": Case(lambda: call(payload(evse=deep(N_DEEP))), "call", TCV, path="/evseId"),
    "nesting/unknown-property": Case(
        lambda: call(payload(extra=',"x":' + deep(N_DEEP))), "call", PE, path="/x"
    ),
    "nesting/customData": Case(
        lambda: call(payload(extra=custom(',"x":' + deep(N_DEEP)))),
        "call",
        FV,
        path="/customData/x/0/0*",
    ),
    "nesting/customData-objects": Case(
        lambda: call(payload(extra=custom(',"x":' + '{"a":' * N_DEEP + "1" + "}" * N_DEEP))),
        "call",
        FV,
        path="/customData/x/a/a*",
    ),
    "nesting/customData-unclosed": Case(
        lambda: call(payload(extra=custom(',"x":' + "[" * N_DEEP))),
        "call",
        FV,
    ),
    "nesting/callerror-details": Case(
        lambda: '[4,"m1","GenericError","",{"a":' + deep(N_DEEP) + "}]",
        "message",
        FV,
        path="/a/0/0*",
    ),
    "nesting/message-type": Case(
        lambda: "[" + deep(N_DEEP) + ',"m1","MeterValues",{}]', "call", "MessageTypeNotSupported"
    ),
    "nesting/payload-from-json": Case(
        lambda: payload(extra=custom(',"x":' + deep(N_DEEP))),
        "payload",
        FV,
        None,
        "/customData/x/0/0*",
    ),
    # ---- a 100 MB frame (no frame size limit: accepted) ---------------------------------------
    "size/100MB-valid": Case(
        lambda: call(payload(extra=custom(',"blob":"' + "a" * BIG + '"'))),
        "call",
        None,
        types=("bytes", "str"),
        check="blob_len",
        factor=2.5,
        limits=RAISED,
    ),
    "size/100MB-trailing-garbage": Case(
        lambda: call(payload(extra=custom(',"blob":"' + "a" * BIG + '"'))) + "x",
        "call",
        FV,
        types=("bytes", "memoryview", "str"),
        factor=1.5,
        limits=RAISED,
    ),
    "size/100MB-unknown-property": Case(
        lambda: call(payload(extra=',"blob":"' + "a" * BIG + '"')),
        "call",
        PE,
        path="/blob",
        types=("bytes", "str"),
        factor=1.5,
        limits=RAISED,
    ),
    # The bytes, memoryview and str of an input are read in place (a bytearray would be a copy
    # made by the test itself), so refusing it costs no memory at all.
    "size/100MB-default-limit": Case(
        lambda: call(payload(extra=custom(',"blob":"' + "a" * BIG + '"'))),
        "call",
        FV,
        path="",
        types=("bytes", "memoryview", "str"),
        error_type="too_large",
    ),
    "size/100MB-callresult-default-limit": Case(
        lambda: '[3,"m1",{"customData":{"vendorId":"v","blob":"' + "a" * BIG + '"}}]',
        "message",
        FV,
        path="",
        types=("bytes", "memoryview", "str"),
        error_type="too_large",
    ),
    "size/100MB-no-id-default-limit": Case(
        lambda: " " * BIG + call(payload()),
        "call",
        RPC,
        "-1",
        "",
        types=("bytes", "memoryview", "str"),
        error_type="too_large",
    ),
    "size/100MB-payload-default-limit": Case(
        lambda: payload(extra=custom(',"blob":"' + "a" * BIG + '"')),
        "payload",
        FV,
        None,
        "",
        types=("bytes", "memoryview", "str"),
        error_type="too_large",
    ),
    "size/one-byte-over-a-lowered-limit": Case(
        lambda: call(payload()),
        "call",
        FV,
        path="",
        limits={"max_frame_bytes": len(call(payload())) - 1},
        error_type="too_large",
    ),
    "size/at-a-lowered-limit": Case(
        lambda: call(payload()),
        "call",
        None,
        limits={"max_frame_bytes": len(call(payload()))},
        check="message_id",
    ),
    # ---- arrays of a million elements ---------------------------------------------------------
    "array/million-sampled-values": Case(
        lambda: call(payload(sv=",".join(['{"value":1}'] * N_MILLION))),
        "call",
        None,
        types=("bytes", "str"),
        check="reencode",
        factor=12,
        limits=RAISED,
    ),
    "array/million-sampled-values-default-limit": Case(
        lambda: call(payload(sv=",".join(['{"value":1}'] * N_MILLION))),
        "call",
        FV,
        path="",
        types=("bytes", "memoryview", "str"),
        error_type="too_large",
    ),
    "array/million-custom-data": Case(
        lambda: call(payload(extra=custom(',"a":[' + ",".join(["1"] * N_MILLION) + "]"))),
        "call",
        None,
        types=("bytes", "str"),
        check="reencode",
        factor=24,
        limits=RAISED,
    ),
    "array/million-then-bad": Case(
        lambda: call(payload(sv=",".join(['{"value":1}'] * N_MILLION) + ',{"value":"x"}')),
        "call",
        TCV,
        path=f"/meterValue/0/sampledValue/{N_MILLION}/value",
        types=("bytes", "str"),
        factor=12,
        limits=RAISED,
    ),
    # ---- numbers ------------------------------------------------------------------------------
    "number/1e999-value": Case(
        lambda: call(payload(sv='{"value":1e999}')),
        "call",
        PCV,
        path="/meterValue/0/sampledValue/0/value",
    ),
    "number/-1e999-value": Case(
        lambda: call(payload(sv='{"value":-1e999}')),
        "call",
        PCV,
        path="/meterValue/0/sampledValue/0/value",
    ),
    "number/1e999-evseId": Case(lambda: call(payload(evse="1e999")), "call", PCV, path="/evseId"),
    "number/1e999-customData": Case(
        lambda: call(payload(extra=custom(',"x":1e999'))), "call", PCV, path="/customData/x"
    ),
    "number/-0-evseId": Case(lambda: call(payload(evse="-0")), "call", None, check="evse_id"),
    "number/-0-value": Case(
        lambda: call(payload(sv='{"value":-0}')), "call", None, check="first_value"
    ),
    "number/-0.0-value": Case(
        lambda: call(payload(sv='{"value":-0.0}')), "call", None, check="first_value"
    ),
    "number/400-digit-evseId": Case(
        lambda: call(payload(evse="9" * 400)), "call", PCV, path="/evseId"
    ),
    "number/400-digit-negative-evseId": Case(
        lambda: call(payload(evse="-" + "9" * 400)), "call", PCV, path="/evseId"
    ),
    "number/400-digit-multiplier": Case(
        lambda: call(payload(sv='{"value":1,"unitOfMeasure":{"multiplier":' + "9" * 400 + "}}")),
        "call",
        PCV,
        path="/meterValue/0/sampledValue/0/unitOfMeasure/multiplier",
    ),
    "number/400-digit-value": Case(
        lambda: call(payload(sv='{"value":' + "9" * 400 + "}")),
        "call",
        PCV,
        path="/meterValue/0/sampledValue/0/value",
    ),
    "number/400-digit-customData": Case(
        lambda: call(payload(extra=custom(',"x":' + "9" * 400))), "call", PCV, path="/customData/x"
    ),
    "number/400-digit-fraction-value": Case(
        lambda: call(payload(sv='{"value":0.' + "0" * 399 + "1}")),
        "call",
        None,
        check="first_value",
    ),
    "number/huge-exponent-value": Case(
        lambda: call(payload(sv='{"value":1e' + "9" * 400 + "}")),
        "call",
        PCV,
        path="/meterValue/0/sampledValue/0/value",
    ),
    # ---- invalid UTF-8 (bytes only: a str cannot hold it) -------------------------------------
    "utf8/in-payload": Case(
        lambda: call(payload(sv='{"value":1,"measurand":"#"}')).encode().replace(b"#", b"\xff"),
        "call",
        FV,
        types=BYTES_TYPES,
    ),
    "utf8/overlong": Case(
        lambda: call(payload(extra=custom(',"x":"#"'))).encode().replace(b"#", b"\xc0\xaf"),
        "call",
        FV,
        types=BYTES_TYPES,
    ),
    "utf8/encoded-surrogate": Case(
        lambda: call(payload(extra=custom(',"x":"#"'))).encode().replace(b"#", b"\xed\xa0\x80"),
        "call",
        FV,
        types=BYTES_TYPES,
    ),
    "utf8/truncated-at-end": Case(
        lambda: call(payload()).encode() + b"\xe2\x82",
        "call",
        FV,
        types=BYTES_TYPES,
    ),
    "utf8/in-message-id": Case(
        lambda: b'[2,"\xff","MeterValues",{}]', "call", RPC, "-1", "", types=BYTES_TYPES
    ),
    "utf8/payload-from-json": Case(
        lambda: payload(extra=custom(',"x":"#"')).encode().replace(b"#", b"\xfe"),
        "payload",
        FV,
        None,
        types=BYTES_TYPES,
    ),
    # ---- escaped lone surrogates --------------------------------------------------------------
    "surrogate/high-in-unit": Case(
        lambda: call(payload(sv='{"value":1,"unitOfMeasure":{"unit":"\\ud800"}}')),
        "call",
        FV,
    ),
    "surrogate/low-in-customData": Case(
        lambda: call(payload(extra=custom(',"x":"\\udc00"'))),
        "call",
        FV,
    ),
    "surrogate/reversed-pair": Case(
        lambda: call(payload(extra=custom(',"x":"\\ude00\\ud83d"'))),
        "call",
        FV,
    ),
    "surrogate/in-key": Case(
        lambda: call(payload(extra=custom(',"\\ud800":1'))),
        "call",
        FV,
    ),
    "surrogate/in-message-id": Case(
        lambda: call(payload(), message_id="\\ud800"), "call", RPC, "-1", ""
    ),
    "surrogate/valid-pair": Case(
        lambda: call(payload(extra=custom(',"x":"\\ud83d\\ude00"'))),
        "call",
        None,
        check="custom_x",
    ),
    # ---- NUL bytes ----------------------------------------------------------------------------
    "nul/raw-in-string": Case(
        lambda: call(payload(sv='{"value":1,"unitOfMeasure":{"unit":"a\x00"}}')),
        "call",
        FV,
    ),
    "nul/escaped-in-string": Case(
        lambda: call(payload(sv='{"value":1,"unitOfMeasure":{"unit":"a\\u0000"}}')),
        "call",
        None,
        check="first_unit",
    ),
    "nul/after-frame": Case(
        lambda: call(payload()) + "\x00",
        "call",
        FV,
    ),
    "nul/before-frame": Case(lambda: "\x00" + call(payload()), "call", RPC, "-1", ""),
    "nul/between-tokens": Case(
        lambda: call(payload()).replace('"evseId":', '"evseId":\x00'),
        "call",
        FV,
    ),
    "nul/escaped-message-id": Case(
        lambda: call(payload(), message_id="\\u0000"), "call", None, "\x00", check="message_id"
    ),
    # ---- UTF-8 byte-order mark ----------------------------------------------------------------
    "bom/frame": Case(lambda: "\ufeff" + call(payload()), "call", RPC, "-1", ""),
    "bom/message": Case(lambda: "\ufeff" + '[3,"m1",{}]', "message", RPC, "-1", ""),
    "bom/payload": Case(lambda: "\ufeff" + payload(), "payload", FV, None, ""),
    "bom/inside-string": Case(
        lambda: call(payload(extra=custom(',"x":"\ufeff"'))), "call", None, check="custom_x"
    ),
    # ---- duplicate and very long keys ---------------------------------------------------------
    "keys/duplicate-evseId": Case(
        lambda: call(payload(extra=',"evseId":2')), "call", PCV, path="/evseId"
    ),
    "keys/duplicate-in-customData": Case(
        lambda: call(payload(extra=custom(',"a":1,"a":2'))), "call", PCV, path="/customData/a"
    ),
    "keys/duplicate-escaped-form": Case(
        lambda: call(payload(extra=custom(',"a":1,"\\u0061":2'))),
        "call",
        PCV,
        path="/customData/a",
    ),
    # A made-up name shows in a pointer cut to 128 characters: the path stays small.
    "keys/long-unknown": Case(
        lambda: call(payload(extra=',"' + "k" * MB + '":1')),
        "call",
        PE,
        path="/" + "k" * NAME_CUT + "\u2026",
        limits=RAISED,
    ),
    "keys/long-unknown-under-the-limit": Case(
        lambda: call(payload(extra=',"' + "k" * (MB // 2) + '":1')),
        "call",
        PE,
        path="/" + "k" * NAME_CUT + "\u2026",
    ),
    "keys/long-in-customData": Case(
        lambda: call(payload(extra=custom(',"' + "k" * MB + '":1'))),
        "call",
        None,
        check="custom_key_len",
        limits=RAISED,
    ),
    "keys/long-duplicate-in-customData": Case(
        lambda: call(payload(extra=custom((',"' + "k" * MB + '":1') * 2))),
        "call",
        PCV,
        path="/customData/" + "k" * NAME_CUT + "\u2026",
        limits=RAISED,
    ),
    "keys/many-in-customData": Case(
        lambda: call(payload(extra=custom("".join(f',"k{i}":{i}' for i in range(100_000))))),
        "call",
        None,
        check="custom_len",
        factor=40,
        limits=RAISED,
    ),
    # ---- message ids --------------------------------------------------------------------------
    "id/10000-characters": Case(
        lambda: call(payload(), message_id="x" * 10_000), "call", RPC, "-1", ""
    ),
    "id/10000-characters-callresult": Case(
        lambda: '[3,"' + "x" * 10_000 + '",{}]', "message", RPC, "-1", ""
    ),
    "id/10000-characters-callerror": Case(
        lambda: '[4,"' + "x" * 10_000 + '","GenericError","",{}]', "message", RPC, "-1", ""
    ),
    "id/37-characters": Case(lambda: call(payload(), message_id="x" * 37), "call", RPC, "-1", ""),
    "id/36-characters": Case(
        lambda: call(payload(), message_id="\u00e9" * 36),
        "call",
        None,
        "\u00e9" * 36,
        check="message_id",
    ),
    "id/36-escaped-characters": Case(
        lambda: call(payload(), message_id="\\u00e9" * 36),
        "call",
        None,
        "\u00e9" * 36,
        check="message_id",
    ),
}


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _summary(name: str, result: Any) -> Any:
    """A small, JSON-able digest of an accepted result, computed in the child."""
    payload = getattr(result, "payload", result)
    if name == "blob_len":
        return len(payload.custom_data["blob"])
    if name == "reencode":
        return len(payload.to_json())
    if name == "evse_id":
        return [payload.evse_id, type(payload.evse_id).__name__]
    if name == "first_value":
        v = payload.meter_value[0].sampled_value[0].value
        return [v, math.copysign(1.0, v)]
    if name == "first_unit":
        return payload.meter_value[0].sampled_value[0].unit_of_measure.unit
    if name == "custom_x":
        return payload.custom_data["x"]
    if name == "custom_key_len":
        return sorted(len(k) for k in payload.custom_data)
    if name == "custom_len":
        return len(payload.custom_data)
    if name == "message_id":
        return result.message_id
    raise AssertionError(name)


def _child(case_name: str) -> None:
    """Runs one case (in the child process) and prints its report as one JSON line."""
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    import ocpp_meter
    from ocpp_meter import MeterValuesRequest, OcppError

    case = CASES[case_name]
    if case.limits is not None:
        ocpp_meter.set_limits(**case.limits)
    entry = {
        "call": ocpp_meter.decode_call,
        "message": ocpp_meter.decode_message,
        "payload": MeterValuesRequest.from_json,
    }[case.entry]
    data = case.build()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    text = data if isinstance(data, str) else None
    size = len(raw)
    rss_input = _rss()
    # The peak counts from here: building the input made transient copies of it.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    outcomes = {}
    for kind in case.types:
        if kind == "str":
            arg: Any = text if text is not None else raw.decode("utf-8")
        elif kind == "bytes":
            arg = raw
        elif kind == "bytearray":
            arg = bytearray(raw)
        else:
            arg = memoryview(raw)
        rss_before = _rss()
        try:
            result = entry(arg)
        except OcppError as e:
            out: dict[str, Any] = {
                "code": e.code.value,
                "message_id": e.message_id,
                "path_len": len(e.path),
                "path_head": e.path[:300],
                "description_len": len(e.description),
                "details_path_same": e.details.get("path") == e.path,
                "type": e.details.get("type"),
            }
        else:
            out = {"code": None, "summary": _summary(case.check or "", result)}
            if case.entry != "payload":
                out["message_id"] = result.message_id
        out["rss_growth"] = _rss() - rss_before
        outcomes[kind] = out
        del arg
    print(json.dumps({"size": size, "rss_input": rss_input, "peak": _peak(), "outcomes": outcomes}))


def _peak() -> int:
    """This process's peak RSS in bytes. Not ``ru_maxrss``: Linux carries that across exec from
    the parent (whose own RSS would then count), while ``VmHWM`` belongs to this image only."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/self/status")


def _run_child(case_name: str) -> dict[str, Any]:
    code = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_hostile; "
        f"test_hostile._child({case_name!r})"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, f"child died with {proc.returncode}: {proc.stderr[-2000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


EXPECTED_SUMMARY: dict[str, Any] = {
    "size/100MB-valid": BIG,
    "number/-0-evseId": [0, "int"],
    "number/-0-value": [0.0, -1.0],
    "number/-0.0-value": [0.0, -1.0],
    "number/400-digit-fraction-value": [1e-400, 1.0],
    "surrogate/valid-pair": "\U0001f600",
    "nul/escaped-in-string": "a\x00",
    "nul/escaped-message-id": "\x00",
    "bom/inside-string": "\ufeff",
    "keys/long-in-customData": [len("vendorId"), MB],
    "keys/many-in-customData": 100_001,
    "id/36-characters": "\u00e9" * 36,
    "id/36-escaped-characters": "\u00e9" * 36,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(name: str) -> None:
    case = CASES[name]
    report = _run_child(name)
    outcomes = report["outcomes"]
    assert set(outcomes) == set(case.types)
    first = next(iter(outcomes.values()))
    for kind, out in outcomes.items():
        where = f"{name} as {kind}"
        assert out["code"] == case.code, f"{where}: {out}"
        assert out.get("message_id") == case.message_id, f"{where}: {out}"
        if case.code is None:
            if name in EXPECTED_SUMMARY:
                assert out["summary"] == EXPECTED_SUMMARY[name], where
            # every input type gives the same value
            assert out["summary"] == first["summary"], where
            continue
        assert 0 < out["description_len"] <= 255, where
        assert out["details_path_same"], where
        assert out["path_len"] <= 1024, f"{where}: a path of {out['path_len']} characters"
        if case.error_type is not None:
            assert out["type"] == case.error_type, f"{where}: {out}"
        if case.path is not None:
            if case.path.endswith("*"):
                assert out["path_head"].startswith(case.path[:-1]), f"{where}: {out}"
            else:
                assert out["path_head"] == case.path, f"{where}: {out}"
    # Memory: the peak over all decodes stays within a bound of what the input itself costs.
    bound = report["rss_input"] + case.factor * report["size"] + case.slack_mb * MB
    assert report["peak"] <= bound, (
        f"{name}: peak RSS {report['peak'] / MB:.0f} MB over the bound {bound / MB:.0f} MB "
        f"(input {report['size'] / MB:.1f} MB, RSS with input {report['rss_input'] / MB:.0f} MB)"
    )


def test_every_hostile_category_is_covered() -> None:
    """The list of the hardening issue, item 2: each category has at least one case."""
    categories = {name.split("/")[0] for name in CASES}
    assert categories == {"nesting", "size", "array", "number", "utf8", "surrogate", "nul", "bom",
                          "keys", "id"}  # fmt: skip


def test_raw_surrogate_in_str_frame_after_the_id_keeps_the_id() -> None:
    """A str frame holding a raw lone surrogate after a readable message id is read like its
    surrogatepass bytes: FormatViolation with the id (contract section 3)."""
    from ocpp_meter import OcppError, decode_call

    frame = call(payload(extra=custom(',"x":"\ud800"')))
    as_bytes = frame.encode("utf-8", "surrogatepass")
    with pytest.raises(OcppError) as from_bytes:
        decode_call(as_bytes)
    assert (from_bytes.value.code.value, from_bytes.value.message_id) == (FV, "m1")
    with pytest.raises(OcppError) as from_str:
        decode_call(frame)
    assert (from_str.value.code.value, from_str.value.message_id) == (FV, "m1")


def _stack_child() -> None:
    import threading

    from ocpp_meter import MeterValuesRequest, OcppError
    from ocpp_meter.limits import MAX_DEPTH_LIMIT, set_limits

    ok = payload(extra=custom(',"x":' + deep(63)))
    deepest = payload(extra=custom(',"x":' + deep(MAX_DEPTH_LIMIT - 1)))
    bomb = payload(extra=custom(',"x":' + '{"a":' * N_DEEP + "1" + "}" * N_DEEP))
    out: list[Any] = []

    def run() -> None:
        out.append(len(MeterValuesRequest.from_json(ok).custom_data))
        try:
            MeterValuesRequest.from_json(bomb)
        except OcppError as e:
            out.append(e.code.value)
        # The deepest nesting the limit may be raised to: read, converted and encoded.
        set_limits(max_depth=MAX_DEPTH_LIMIT)
        request = MeterValuesRequest.from_json(deepest)
        out.append(len(request.custom_data))
        out.append(('"x":' + deep(MAX_DEPTH_LIMIT - 1)).encode() in request.to_json())

    threading.stack_size(256 * 1024)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    print(json.dumps(out))


def test_nesting_in_custom_data_fits_a_small_thread_stack() -> None:
    """The 64-level recursion of open JSON stays far inside a 256 KiB thread stack (worker
    threads of servers are often small), the 100,000-deep bomb is refused there too, and the
    highest depth limit (256) still fits it."""
    code = f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_hostile; test_hostile._stack_child()"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == [2, FV, 2, True]
