"""Table tests for the validity rules (contract section 2) and the payload-level rows of the error
table (contract section 3), plus keyword construction, which must validate exactly like decoding.

Each row is ``(rule, payload, code, path)``: ``code`` is ``None`` for a payload that must be
accepted; ``path`` is ``None`` where the contract does not fix it (the position of a JSON syntax
error). Every row runs through bytes, bytearray, memoryview and (when the payload is valid UTF-8)
str, and all must give the same result. Rows are also checked against the jsonschema oracle, so a
row can only disagree with it if it is tagged as one of the documented differences.

Precedence (from the core's documented order): a syntax error anywhere beats every validation
fault; otherwise the first fault in document order wins, where a missing required property is found
when its object closes (after faults inside it), and required properties are checked in schema order.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Optional, Union

import pytest
import strategies as S
from ocpp_meter import (
    ErrorCode,
    Location,
    Measurand,
    MeterValue,
    MeterValuesRequest,
    OcppError,
    Phase,
    ReadingContext,
    SampledValue,
    SignedMeterValue,
    UnitOfMeasure,
)

FV = "FormatViolation"
PE = "ProtocolError"
OCV = "OccurrenceConstraintViolation"
TCV = "TypeConstraintViolation"
PCV = "PropertyConstraintViolation"
OK = None

TS = "2024-01-01T00:00:00Z"
SV0 = "/meterValue/0/sampledValue/0"
MV0 = "/meterValue/0"
SMV = SV0 + "/signedMeterValue"
UOM = SV0 + "/unitOfMeasure"
SMV_OK = '"signedMeterData":"d","signingMethod":"m","encodingMethod":"e","publicKey":"k"'


def sv(extra: str = "", value: str = "1") -> str:
    """A sampledValue object: ``extra`` is spliced in after ``"value"`` (start it with a comma)."""
    return '{"value":' + value + extra + "}"


def mv(*svs: str, ts: str = TS, extra: str = "") -> str:
    return (
        '{"timestamp":"' + ts + '","sampledValue":[' + ",".join(svs or (sv(),)) + "]" + extra + "}"
    )


def req(*mvs: str, evse: str = "1", extra: str = "") -> str:
    return '{"evseId":' + evse + ',"meterValue":[' + ",".join(mvs or (mv(),)) + "]" + extra + "}"


def ts(t: str) -> str:
    return req(mv(ts=t))


def on_sv(extra: str, value: str = "1") -> str:
    return req(mv(sv(extra, value)))


def smv(body: str) -> str:
    return on_sv(',"signedMeterValue":{' + body + "}")


def uom(body: str) -> str:
    return on_sv(',"unitOfMeasure":{' + body + "}")


def cd(body: str) -> str:
    return ',"customData":{' + body + "}"


# Rows tagged with one of these disagree with the oracle on purpose (see test_conformance.py).
DIFFERENCE_RULES = frozenset(
    {
        "evseId<0",
        "duplicate key",
        "int64 range",
        "non-finite",
        "utc range",
        "lone surrogate",
        "exact decimal",
        "not an object",
        "non-JSON literal",
        "precedence+difference",
    }
)

Row = tuple[str, Union[str, bytes], Optional[str], Optional[str]]

ROWS: list[Row] = [
    # ---- accepted ------------------------------------------------------------------------------
    ("valid", req(), OK, None),
    ("valid", req(evse="0"), OK, None),
    ("valid", req(evse="-0"), OK, None),
    ("valid", req(evse="9223372036854775807"), OK, None),
    ("valid", req(evse="1.0"), OK, None),
    ("valid", req(evse="1e2"), OK, None),
    ("valid", req(evse="1E+2"), OK, None),
    ("valid", req(evse="100e-2"), OK, None),
    ("valid", req(evse="0.1e1"), OK, None),
    ("valid", req(evse="1.50e1"), OK, None),
    ("valid", req(evse="-0.0"), OK, None),
    ("valid", req(evse="9223372036854775807.000"), OK, None),
    ("valid", uom('"multiplier":-9223372036854775808'), OK, None),
    ("valid", uom('"multiplier":-3.0'), OK, None),
    ("valid", uom('"multiplier":2.50e1'), OK, None),
    ("valid", uom('"unit":"' + "\U0001f600" * 20 + '"'), OK, None),
    ("valid", uom('"unit":"' + "\\ud83d\\ude00" * 20 + '"'), OK, None),
    (
        "valid",
        uom('"unit":"' + "\u00e9" * 20 + '","multiplier":3' + cd('"vendorId":"v"')),
        OK,
        None,
    ),
    ("valid", uom(""), OK, None),
    ("valid", on_sv("", value="1e-400"), OK, None),
    ("valid", on_sv("", value="5e-324"), OK, None),
    ("valid", on_sv("", value="1.7976931348623157e308"), OK, None),
    ("valid", on_sv("", value="-0.0"), OK, None),
    ("valid", on_sv("", value="123456789012345678"), OK, None),
    ("valid", on_sv("", value="0.30000000000000004441"), OK, None),
    (
        "valid",
        on_sv(',"context":"Sample.Clock","measurand":"SoC","phase":"L1-N","location":"EV"'),
        OK,
        None,
    ),
    ("valid", on_sv(',"measurand":"\\u0053oC"'), OK, None),
    ("valid", smv(SMV_OK), OK, None),
    (
        "valid",
        smv(SMV_OK.replace('"m"', '"' + "m" * 50 + '"').replace('"d"', '"' + "d" * 2500 + '"')),
        OK,
        None,
    ),
    (
        "valid",
        smv(
            SMV_OK.replace('"e"', '"' + "\u4e2d" * 50 + '"').replace('"k"', '"' + "k" * 2500 + '"')
        ),
        OK,
        None,
    ),
    ("valid", req(extra=cd('"vendorId":"' + "\u00e9" * 255 + '"')), OK, None),
    (
        "valid",
        req(extra=cd('"vendorId":"\\ud83d\\ude00","":[1,{"a":null}],"x/y":{"~":true}')),
        OK,
        None,
    ),
    (
        "valid",
        req(extra=cd('"vendorId":"","n":-9223372036854775808,"f":1.5e300,"s":"\\u0000\\n"')),
        OK,
        None,
    ),
    ("valid", '{"\\u0065vseId":1,"meterValue":[' + mv() + "]}", OK, None),
    ("valid", ' \t\r\n{ "evseId" : 1 ,\n"meterValue" : [ ' + mv() + " ] }\n ", OK, None),
    ("valid", '{"meterValue":[' + mv() + '],"evseId":1}', OK, None),
    ("valid", req(mv(), mv(sv(), sv(value="2.5")), evse="2"), OK, None),
    ("valid", ts("2024-02-29T00:00:00Z"), OK, None),
    ("valid", ts("2000-02-29T23:59:59.5-08:00"), OK, None),
    ("valid", ts("2024-01-01t00:00:00z"), OK, None),
    ("valid", ts("2024-01-01T00:00:00.123456789+05:30"), OK, None),
    ("valid", ts("2024-01-01T00:00:00.123456789012Z"), OK, None),
    ("valid", ts("2024-01-01T00:00:00-00:00"), OK, None),
    ("valid", ts("0001-01-01T00:00:00Z"), OK, None),
    ("valid", ts("0001-01-01T00:30:00+00:30"), OK, None),
    ("valid", ts("0001-01-01T00:00:00-23:59"), OK, None),
    ("valid", ts("9999-12-31T23:59:59Z"), OK, None),
    ("valid", ts("9999-12-31T23:59:59.9999999Z"), OK, None),
    ("valid", ts("9999-12-31T00:00:00+23:59"), OK, None),
    ("valid", req(mv(ts="\\u0032024-01-01T00:00:00\\u005A")), OK, None),
    ("valid", on_sv(',"phase":"L1\\u002DN","location":"\\u0045V"'), OK, None),
    ("valid", uom('"unit":"' + "\\n" * 20 + '"'), OK, None),
    ("valid", uom('"unit":"\uffff\ufffe\\uFFFF"'), OK, None),
    (
        "valid",
        req(extra=cd('"vendorId":"v","\\u0000":9223372036854775807,"y":9223372036854775807.5')),
        OK,
        None,
    ),
    ("valid", req(evse="0e5"), OK, None),
    ("valid", req(evse="0." + "0" * 30 + "1e31"), OK, None),
    ("valid", req(evse="1" + "0" * 500 + "e-500"), OK, None),
    ("valid", on_sv("", value="1e-99999999999999999999"), OK, None),
    ("valid", on_sv("", value="0e99999999999999999999"), OK, None),
    # ---- FormatViolation: JSON syntax ----------------------------------------------------------
    ("syntax", "", FV, None),
    ("syntax", " \n", FV, None),
    ("syntax", "{", FV, None),
    ("syntax", '{"evseId":1', FV, None),
    ("syntax", req()[:-1], FV, None),
    ("syntax", '{"evseId":1,}', FV, None),
    ("syntax", '{"evseId":1,"meterValue":[' + mv() + ",]}", FV, None),
    ("syntax", '{"evseId" 1}', FV, None),
    ("syntax", "{'evseId':1}", FV, None),
    ("syntax", "{evseId:1}", FV, None),
    ("syntax", req(evse="01"), FV, None),
    ("syntax", req(evse="+1"), FV, None),
    ("syntax", req(evse="1."), FV, None),
    ("syntax", req(evse=".5"), FV, None),
    ("syntax", req(evse="1e"), FV, None),
    ("syntax", req(evse="0x10"), FV, None),
    ("syntax", req(evse="True"), FV, None),
    ("syntax", req() + " x", FV, None),
    ("syntax", req() + req(), FV, None),
    ("syntax", req() + "//", FV, None),
    ("syntax", req(extra=cd('"vendorId":"a\tb"')), FV, None),
    ("syntax", req(extra=cd('"vendorId":"a\nb"')), FV, None),
    ("syntax", req(extra=cd('"vendorId":"\\x41"')), FV, None),
    ("syntax", req(extra=cd('"vendorId":"\\u12"')), FV, None),
    ("syntax", req(extra=cd('"vendorId":"\\u12G4"')), FV, None),
    ("syntax", req(extra=cd('"vendorId":"abc')), FV, None),
    ("syntax", req(evse="-1")[:-1], FV, None),  # a validation fault first, then the end of input
    ("syntax", '{"foo":1,"evseId":"x"} x', FV, None),
    ("syntax", req(evse="9223372036854775808") + ",", FV, None),
    ("non-JSON literal", on_sv("", value="NaN"), FV, None),
    ("non-JSON literal", on_sv("", value="Infinity"), FV, None),
    ("non-JSON literal", on_sv("", value="-Infinity"), FV, None),
    ("lone surrogate", req(extra=cd('"vendorId":"\\ud800"')), FV, None),
    ("lone surrogate", req(extra=cd('"vendorId":"\\udfff"')), FV, None),
    ("lone surrogate", req(extra=cd('"vendorId":"\\ud800\\u0041"')), FV, None),
    ("lone surrogate", req(extra=cd('"vendorId":"\\ud800x"')), FV, None),
    ("lone surrogate", req(extra=cd('"vendorId":"v","\\udc00":1')), FV, None),
    # ---- FormatViolation: invalid UTF-8 (bytes-like inputs only) --------------------------------
    ("invalid UTF-8", req(extra=cd('"vendorId":"\xff"')).encode("latin-1"), FV, None),
    (
        "invalid UTF-8",
        req(extra=cd('"vendorId":"@"')).encode().replace(b"@", b"\xc0\xaf"),
        FV,
        None,
    ),
    (
        "invalid UTF-8",
        req(extra=cd('"vendorId":"@"')).encode().replace(b"@", b"\xed\xa0\x80"),
        FV,
        None,
    ),
    (
        "invalid UTF-8",
        req(extra=cd('"vendorId":"@"')).encode().replace(b"@", b"\xf4\x90\x80\x80"),
        FV,
        None,
    ),
    (
        "invalid UTF-8",
        req(extra=cd('"vendorId":"@"')).encode().replace(b"@", b"\xe2\x82"),
        FV,
        None,
    ),
    ("invalid UTF-8", req(extra=cd('"vendorId":"@"')).encode().replace(b"@", b"\x80"), FV, None),
    (
        "invalid UTF-8",
        req(extra=cd('"vendorId":"v","@":1')).encode().replace(b"@", b"\xfe"),
        FV,
        None,
    ),
    ("invalid UTF-8", req().encode() + b"\xff", FV, None),
    ("invalid UTF-8", b"\xef\xbb" + req().encode(), FV, None),
    # ---- FormatViolation: payload not an object ------------------------------------------------
    ("not an object", "[]", FV, ""),
    ("not an object", "[" + req() + "]", FV, ""),
    ("not an object", "1", FV, ""),
    ("not an object", '"x"', FV, ""),
    ("not an object", "null", FV, ""),
    ("not an object", "true", FV, ""),
    # ---- ProtocolError: unknown property -------------------------------------------------------
    ("additionalProperties", req(extra=',"foo":1'), PE, "/foo"),
    ("additionalProperties", req(extra=',"EvseId":1'), PE, "/EvseId"),
    ("additionalProperties", req(extra=',"a/b~c":1'), PE, "/a~1b~0c"),
    ("additionalProperties", req(extra=',"":1'), PE, "/"),
    # A made-up name longer than 128 characters is cut in the pointer (README, Errors).
    ("additionalProperties", req(extra=',"' + "x" * 128 + '":1'), PE, "/" + "x" * 128),
    ("additionalProperties", req(extra=',"' + "x" * 1000 + '":1'), PE, "/" + "x" * 128 + "\u2026"),
    ("additionalProperties", req(extra=',"' + "~" * 129 + '":1'), PE, "/" + "~0" * 128 + "\u2026"),
    ("additionalProperties", req(extra=',"\\u0066oo":{"a":[1,2]}'), PE, "/foo"),
    ("additionalProperties", req(mv(extra=',"foo":null')), PE, MV0 + "/foo"),
    ("additionalProperties", on_sv(',"foo":"x"'), PE, SV0 + "/foo"),
    ("additionalProperties", on_sv(',"unit":"Wh"'), PE, SV0 + "/unit"),
    ("additionalProperties", smv(SMV_OK + ',"foo":1'), PE, SMV + "/foo"),
    ("additionalProperties", uom('"unit":"Wh","foo":1'), PE, UOM + "/foo"),
    (
        "additionalProperties",
        '{"foo":1,"evseId":"x","meterValue":[]}',
        PE,
        "/foo",
    ),  # first in order
    (
        "additionalProperties",
        '{"foo":1,"foo":2,"evseId":1,"meterValue":[' + mv() + "]}",
        PE,
        "/foo",
    ),
    # ---- OccurrenceConstraintViolation ---------------------------------------------------------
    ("required", '{"meterValue":[' + mv() + "]}", OCV, "/evseId"),
    ("required", '{"evseId":1}', OCV, "/meterValue"),
    ("required", "{}", OCV, "/evseId"),  # schema order
    ("required", req('{"sampledValue":[' + sv() + "]}"), OCV, MV0 + "/timestamp"),
    ("required", req('{"timestamp":"' + TS + '"}'), OCV, MV0 + "/sampledValue"),
    ("required", req(mv('{"context":"Trigger"}')), OCV, SV0 + "/value"),
    ("required", smv(""), OCV, SMV + "/signedMeterData"),  # schema order
    (
        "required",
        smv('"signedMeterData":"d","signingMethod":"m","encodingMethod":"e"'),
        OCV,
        SMV + "/publicKey",
    ),
    (
        "required",
        smv('"signedMeterData":"d","signingMethod":"m","publicKey":"k"'),
        OCV,
        SMV + "/encodingMethod",
    ),
    (
        "required",
        smv('"signedMeterData":"d","encodingMethod":"e","publicKey":"k"'),
        OCV,
        SMV + "/signingMethod",
    ),
    ("required", req(extra=cd("")), OCV, "/customData/vendorId"),
    ("required", req(extra=cd('"vendorid":"v","x":1')), OCV, "/customData/vendorId"),
    ("required", req(mv(extra=cd(""))), OCV, MV0 + "/customData/vendorId"),
    ("required", on_sv(cd("")), OCV, SV0 + "/customData/vendorId"),
    ("required", smv(SMV_OK + cd("")), OCV, SMV + "/customData/vendorId"),
    ("required", uom(cd("")[1:]), OCV, UOM + "/customData/vendorId"),
    ("minItems", '{"evseId":1,"meterValue":[]}', OCV, "/meterValue"),
    ("minItems", req('{"timestamp":"' + TS + '","sampledValue":[]}'), OCV, MV0 + "/sampledValue"),
    # a fault inside an object is found before the object's missing required property
    (
        "precedence",
        '{"meterValue":[' + mv(ts="2024-13-01T00:00:00Z") + "]}",
        PCV,
        MV0 + "/timestamp",
    ),
    (
        "precedence",
        '{"meterValue":[{"sampledValue":[' + sv(',"phase":"L4"') + "]}]}",
        PCV,
        SV0 + "/phase",
    ),
    ("precedence", req(evse='"1"', extra=',"foo":1'), TCV, "/evseId"),  # first in document order
    (
        "precedence",
        '{"evseId":1,"meterValue":[' + mv(sv(), sv(',"phase":"x"')) + "," + mv(ts="x") + "]}",
        PCV,
        MV0 + "/sampledValue/1/phase",
    ),
    (
        "precedence+difference",
        '{"evseId":1,"evseId":"x","meterValue":[' + mv() + "]}",
        PCV,
        "/evseId",
    ),  # key before value
    (
        "precedence+difference",
        '{"evseId":"x","evseId":1,"meterValue":[' + mv() + "]}",
        TCV,
        "/evseId",
    ),
    (
        "precedence+difference",
        req(extra=cd('"n":1e999')),
        PCV,
        "/customData/n",
    ),  # before the missing vendorId
    ("precedence", '{"meterValue":[]}', OCV, "/meterValue"),  # before the missing evseId
    (
        "precedence+difference",
        req(extra=cd('"vendorId":1,"vendorId":"v"')),
        TCV,
        "/customData/vendorId",
    ),
    ("precedence+difference", req(extra=',"customData":5,"customData":{}'), TCV, "/customData"),
    (
        "precedence+difference",
        '{"foo":{"a":1,"a":2},"evseId":-1,"meterValue":[' + mv() + "]}",
        PE,
        "/foo",
    ),
    ("precedence+difference", req(evse='{"a":1,"a":2}'), TCV, "/evseId"),
    ("syntax", req(evse='{"a":tru}'), FV, None),  # a syntax error inside a wrong-typed value
    ("syntax", req(evse="-1", extra=',"foo":{"a":[1,]}'), FV, None),
    ("lone surrogate", req(evse="-1", extra=cd('"vendorId":"\\ud800"')), FV, None),
    ("invalid UTF-8", b'{"foo":"\xff",' + req().encode()[1:], FV, None),
    # ---- TypeConstraintViolation ---------------------------------------------------------------
    ("type", req(evse='"1"'), TCV, "/evseId"),
    ("type", req(evse="1.5"), TCV, "/evseId"),
    ("type", req(evse="1e-1"), TCV, "/evseId"),
    ("type", req(evse="null"), TCV, "/evseId"),
    ("type", req(evse="true"), TCV, "/evseId"),
    ("type", req(evse="[1]"), TCV, "/evseId"),
    ("type", req(evse="{}"), TCV, "/evseId"),
    ("type", req(evse="12345678901234567890e-10"), TCV, "/evseId"),
    ("exact decimal", req(evse="1.0000000000000001"), TCV, "/evseId"),
    ("exact decimal", uom('"multiplier":3.00000000000000000001'), TCV, UOM + "/multiplier"),
    ("type", uom('"multiplier":1.5'), TCV, UOM + "/multiplier"),
    ("type", uom('"multiplier":null'), TCV, UOM + "/multiplier"),
    ("type", uom('"multiplier":"3"'), TCV, UOM + "/multiplier"),
    ("type", on_sv("", value='"1"'), TCV, SV0 + "/value"),
    ("type", on_sv("", value="null"), TCV, SV0 + "/value"),
    ("type", on_sv("", value="false"), TCV, SV0 + "/value"),
    ("type", on_sv("", value="[1]"), TCV, SV0 + "/value"),
    ("type", on_sv("", value='{"a":1}'), TCV, SV0 + "/value"),
    ("type", req('{"timestamp":1,"sampledValue":[' + sv() + "]}"), TCV, MV0 + "/timestamp"),
    ("type", req('{"timestamp":null,"sampledValue":[' + sv() + "]}"), TCV, MV0 + "/timestamp"),
    ("type", on_sv(',"measurand":1'), TCV, SV0 + "/measurand"),
    ("type", on_sv(',"context":null'), TCV, SV0 + "/context"),
    ("type", on_sv(',"phase":["L1"]'), TCV, SV0 + "/phase"),
    ("type", on_sv(',"location":{}'), TCV, SV0 + "/location"),
    ("type", '{"evseId":1,"meterValue":{}}', TCV, "/meterValue"),
    ("type", '{"evseId":1,"meterValue":"x"}', TCV, "/meterValue"),
    ("type", '{"evseId":1,"meterValue":null}', TCV, "/meterValue"),
    ("type", '{"evseId":1,"meterValue":[1]}', TCV, MV0),
    ("type", '{"evseId":1,"meterValue":[' + mv() + ",[]]}", TCV, "/meterValue/1"),
    ("type", req('{"timestamp":"' + TS + '","sampledValue":{}}'), TCV, MV0 + "/sampledValue"),
    ("type", req('{"timestamp":"' + TS + '","sampledValue":[null]}'), TCV, SV0),
    ("type", req(extra=',"customData":"x"'), TCV, "/customData"),
    ("type", req(extra=',"customData":[]'), TCV, "/customData"),
    ("type", req(extra=cd('"vendorId":1')), TCV, "/customData/vendorId"),
    ("type", req(extra=cd('"vendorId":null')), TCV, "/customData/vendorId"),
    ("type", on_sv(',"signedMeterValue":"x"'), TCV, SMV),
    ("type", smv(SMV_OK.replace('"k"', "1")), TCV, SMV + "/publicKey"),
    ("type", smv(SMV_OK.replace('"d"', "[]")), TCV, SMV + "/signedMeterData"),
    ("type", on_sv(',"unitOfMeasure":[]'), TCV, UOM),
    ("type", uom('"unit":5'), TCV, UOM + "/unit"),
    # ---- PropertyConstraintViolation: enum -----------------------------------------------------
    ("enum", on_sv(',"context":"Nope"'), PCV, SV0 + "/context"),
    ("enum", on_sv(',"context":"sample.periodic"'), PCV, SV0 + "/context"),
    ("enum", on_sv(',"measurand":"soc"'), PCV, SV0 + "/measurand"),
    ("enum", on_sv(',"measurand":""'), PCV, SV0 + "/measurand"),
    ("enum", on_sv(',"measurand":"Energy.Active.Import.Register "'), PCV, SV0 + "/measurand"),
    ("enum", on_sv(',"measurand":"SoC\\u0000"'), PCV, SV0 + "/measurand"),
    ("enum", on_sv(',"phase":"L4"'), PCV, SV0 + "/phase"),
    ("enum", on_sv(',"phase":"Outlet"'), PCV, SV0 + "/phase"),
    ("enum", on_sv(',"location":"outlet"'), PCV, SV0 + "/location"),
    # ---- PropertyConstraintViolation: maxLength (code points) ----------------------------------
    ("maxLength", req(extra=cd('"vendorId":"' + "v" * 256 + '"')), PCV, "/customData/vendorId"),
    (
        "maxLength",
        req(mv(extra=cd('"vendorId":"' + "\U0001f600" * 256 + '"'))),
        PCV,
        MV0 + "/customData/vendorId",
    ),
    ("maxLength", uom('"unit":"' + "x" * 21 + '"'), PCV, UOM + "/unit"),
    ("maxLength", uom('"unit":"' + "\\ud83d\\ude00" * 21 + '"'), PCV, UOM + "/unit"),
    ("maxLength", uom('"unit":"' + "\\n" * 21 + '"'), PCV, UOM + "/unit"),
    ("maxLength", smv(SMV_OK.replace('"m"', '"' + "m" * 51 + '"')), PCV, SMV + "/signingMethod"),
    (
        "maxLength",
        smv(SMV_OK.replace('"e"', '"' + "\u4e2d" * 51 + '"')),
        PCV,
        SMV + "/encodingMethod",
    ),
    (
        "maxLength",
        smv(SMV_OK.replace('"d"', '"' + "d" * 2501 + '"')),
        PCV,
        SMV + "/signedMeterData",
    ),
    ("maxLength", smv(SMV_OK.replace('"k"', '"' + "k" * 2501 + '"')), PCV, SMV + "/publicKey"),
    # ---- PropertyConstraintViolation: date-time ------------------------------------------------
    *[
        ("date-time", ts(t), PCV, MV0 + "/timestamp")
        for t in (
            "2023-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-00-10T00:00:00Z",
            "2024-13-10T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-01-32T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-12-31T23:59:60Z",
            "2024-01-01T00:00:00",
            "2024-01-01 00:00:00Z",
            "0000-01-01T00:00:00Z",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00+0530",
            "2024-01-01T00:00:00+05",
            "2024-01-01T00:00:00+05:60",
            "2024-01-01T00:00:00Zx",
            "2024-01-01T00:00:00Z ",
            "2024-01-01T00:00:00Z\\n",
            " 2024-01-01T00:00:00Z",
            "2024-01-01T00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00,5Z",
            "2024-01-01",
            "24-01-01T00:00:00Z",
            "12024-01-01T00:00:00Z",
            "2024-1-01T00:00:00Z",
            "\uff12024-01-01T00:00:00Z",
            "2024-01-01T00:00:00UTC",
            "",
            "2024-01-01T00:00:00z+01:00",
        )
    ],
    ("utc range", ts("0001-01-01T00:30:00+01:00"), PCV, MV0 + "/timestamp"),
    ("utc range", ts("0001-01-01T00:00:00+00:01"), PCV, MV0 + "/timestamp"),
    ("utc range", ts("9999-12-31T23:30:00-01:00"), PCV, MV0 + "/timestamp"),
    # ---- PropertyConstraintViolation: evseId < 0 -----------------------------------------------
    ("evseId<0", req(evse="-1"), PCV, "/evseId"),
    ("evseId<0", req(evse="-1.0"), PCV, "/evseId"),
    ("evseId<0", req(evse="-1e2"), PCV, "/evseId"),
    ("evseId<0", req(evse="-9223372036854775808"), PCV, "/evseId"),
    # ---- PropertyConstraintViolation: integer out of 64-bit range ------------------------------
    ("int64 range", req(evse="9223372036854775808"), PCV, "/evseId"),
    ("int64 range", req(evse="18446744073709551616"), PCV, "/evseId"),
    ("int64 range", req(evse="1e19"), PCV, "/evseId"),
    ("int64 range", req(evse="9223372036854775808.0"), PCV, "/evseId"),
    ("int64 range", req(evse="1" + "0" * 400), PCV, "/evseId"),
    ("int64 range", uom('"multiplier":-9223372036854775809'), PCV, UOM + "/multiplier"),
    ("int64 range", uom('"multiplier":9223372036854775808'), PCV, UOM + "/multiplier"),
    # ---- PropertyConstraintViolation: non-finite -----------------------------------------------
    ("non-finite", on_sv("", value="1e999"), PCV, SV0 + "/value"),
    ("non-finite", on_sv("", value="-1e999"), PCV, SV0 + "/value"),
    ("non-finite", on_sv("", value="2e308"), PCV, SV0 + "/value"),
    ("non-finite", on_sv("", value="1e99999999999999999999"), PCV, SV0 + "/value"),
    ("non-finite", on_sv("", value="1" + "0" * 400 + ".0"), PCV, SV0 + "/value"),
    ("non-finite", req(evse="1e999"), PCV, "/evseId"),
    ("non-finite", uom('"multiplier":-1e999'), PCV, UOM + "/multiplier"),
    ("non-finite", req(extra=cd('"vendorId":"v","n":1e999')), PCV, "/customData/n"),
    ("non-finite", req(extra=cd('"vendorId":"v","n":{"m":[0,-1e400]}')), PCV, "/customData/n/m/1"),
    # ---- PropertyConstraintViolation: duplicate key --------------------------------------------
    ("duplicate key", '{"evseId":1,"evseId":1,"meterValue":[' + mv() + "]}", PCV, "/evseId"),
    ("duplicate key", '{"evseId":1,"meterValue":[' + mv() + '],"\\u0065vseId":2}', PCV, "/evseId"),
    (
        "duplicate key",
        '{"evseId":1,"meterValue":[' + mv() + '],"meterValue":[' + mv() + "]}",
        PCV,
        "/meterValue",
    ),
    ("duplicate key", req(mv(ts=TS + '","timestamp":"' + TS)), PCV, MV0 + "/timestamp"),
    ("duplicate key", on_sv(',"value":1'), PCV, SV0 + "/value"),
    ("duplicate key", on_sv(',"phase":"L1","phase":"L1"'), PCV, SV0 + "/phase"),
    ("duplicate key", smv(SMV_OK + ',"publicKey":"k"'), PCV, SMV + "/publicKey"),
    ("duplicate key", uom('"unit":"Wh","unit":"W"'), PCV, UOM + "/unit"),
    ("duplicate key", req(extra=cd('"vendorId":"v","vendorId":"v"')), PCV, "/customData/vendorId"),
    ("duplicate key", req(extra=cd('"vendorId":"v","a":1,"a":2')), PCV, "/customData/a"),
    ("duplicate key", req(extra=cd('"vendorId":"v","a":{"b":1,"b":1}')), PCV, "/customData/a/b"),
    (
        "duplicate key",
        req(extra=cd('"vendorId":"v","a":[{},{"":1,"":1}]')),
        PCV,
        "/customData/a/1/",
    ),
    ("duplicate key", req(extra=cd('"vendorId":"v","a/b":1,"a\\/b":2')), PCV, "/customData/a~1b"),
    (
        "duplicate key",
        req(
            extra=cd('"vendorId":"v","' + "\U0001f600" * 600 + '":1,"' + "\U0001f600" * 600 + '":1')
        ),
        PCV,
        "/customData/" + "\U0001f600" * 128 + "\u2026",
    ),
]

# Every payload-level rule of the contract, and every payload-level code of the error table.
REQUIRED_RULES = {
    "valid",
    "syntax",
    "invalid UTF-8",
    "not an object",
    "lone surrogate",
    "non-JSON literal",
    "additionalProperties",
    "required",
    "minItems",
    "type",
    "exact decimal",
    "enum",
    "maxLength",
    "date-time",
    "utc range",
    "evseId<0",
    "int64 range",
    "non-finite",
    "duplicate key",
    "precedence",
    "precedence+difference",
}
REQUIRED_CODES = {FV, PE, OCV, TCV, PCV}

FORMS = ("bytes", "bytearray", "memoryview", "str")


def _inputs(payload: str | bytes) -> list[tuple[str, Any]]:
    raw = payload.encode("utf-8") if isinstance(payload, str) else payload
    try:
        text: str | None = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    out = [
        ("bytes", raw),
        ("bytearray", bytearray(raw)),
        ("memoryview", memoryview(b"[" + raw + b"]")[1:-1]),
    ]
    if text is not None:
        out.append(("str", text))
    return out


def _outcome(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except OcppError as e:
        return e


def _check_error(e: Any, code: str, path: str | None, where: str) -> None:
    assert isinstance(e, OcppError), f"{where}: expected {code} at {path!r}, got {e!r}"
    assert e.code.value == code, f"{where}: expected {code} at {path!r}, got {e!r}"
    if path is not None:
        assert e.path == path, f"{where}: expected {code} at {path!r}, got {e!r}"
    assert 1 <= len(e.description) <= 255, (where, e.description)
    assert e.details.get("path") == e.path, (where, e.details)


def _row_id(row: Row) -> str:
    rule, payload, code, path = row
    text = payload if isinstance(payload, str) else payload.decode("latin-1")
    return f"{rule}|{code or 'ok'}|{path if path is not None else '?'}|{text[:40]}"


@pytest.mark.parametrize("row", ROWS, ids=[_row_id(r) for r in ROWS])
def test_rule(row: Row) -> None:
    _, payload, code, path = row
    outcomes = {
        form: _outcome(lambda d=data: MeterValuesRequest.from_json(d))
        for form, data in _inputs(payload)
    }
    for form, got in outcomes.items():
        if code is None:
            assert isinstance(got, MeterValuesRequest), f"{form}: expected acceptance, got {got!r}"
            assert MeterValuesRequest.from_json(got.to_json()) == got
        else:
            _check_error(got, code, path, form)
            assert got.message_id is None
    first = outcomes["bytes"]
    for form, got in outcomes.items():
        if code is None:
            assert got == first, form
        else:
            assert (got.code, got.path, got.description) == (
                first.code,
                first.path,
                first.description,
            ), form


@pytest.mark.parametrize(
    "row",
    [r for r in ROWS if r[0] not in DIFFERENCE_RULES and r[0] != "invalid UTF-8"],
    ids=lambda r: _row_id(r),
)
def test_rule_agrees_with_oracle(row: Row) -> None:
    """The table itself is checked: outside the documented differences the oracle agrees with it."""
    rule, payload, code, path = row
    try:
        instance = json.loads(payload)
    except ValueError:
        assert code == FV and rule == "syntax", "only syntax rows may fail to parse"
        return
    allowed = S.oracle_expectations(S.oracle_errors(instance))
    if code is None:
        assert not allowed
    else:
        assert (path, code) in allowed, allowed


def test_table_covers_every_rule_and_code() -> None:
    rules = {r[0] for r in ROWS}
    codes = {r[2] for r in ROWS if r[2] is not None}
    assert rules == REQUIRED_RULES, (REQUIRED_RULES - rules, rules - REQUIRED_RULES)
    assert codes == REQUIRED_CODES
    assert {c.value for c in ErrorCode} >= codes
    assert DIFFERENCE_RULES <= rules


def test_str_input_with_a_raw_surrogate_is_a_format_violation() -> None:
    """A Python str holding a lone surrogate cannot be UTF-8: the str form of invalid UTF-8."""
    payload = req(extra=cd('"vendorId":"\ud800"'))
    got = _outcome(lambda: MeterValuesRequest.from_json(payload))
    _check_error(got, FV, None, "str")


def _nested(depth: int) -> str:
    return req(extra=cd('"vendorId":"v","x":' + "[" * depth + "]" * depth))


def test_custom_data_nesting_limit_is_exactly_64_levels() -> None:
    """Open JSON inside customData may nest 64 levels (the vendor object itself is one): 63 arrays
    are accepted, 64 are a FormatViolation. The oracle accepts both; the limit is listed in
    test_conformance.DOCUMENTED_DIFFERENCES and in the README."""
    assert isinstance(
        _outcome(lambda: MeterValuesRequest.from_json(_nested(63))), MeterValuesRequest
    )
    for depth in (64, 100):
        payload = _nested(depth)
        assert not S.oracle_errors(json.loads(payload))
        with pytest.raises(OcppError) as caught:
            MeterValuesRequest.from_json(payload)
        assert caught.value.code is ErrorCode.FORMAT_VIOLATION
        assert caught.value.path.startswith("/customData/x/0/0")


def test_deep_nesting_does_not_crash() -> None:
    """A nesting bomb in customData must end as an OcppError (or a value), never a crash."""
    code = textwrap.dedent("""
        import sys
        from ocpp_meter import MeterValuesRequest, OcppError
        depth = 1_000_000
        doc = ('{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":1}]}],'
               '"customData":{"vendorId":"v","x":' + "[" * depth + "]" * depth + '}}')
        try:
            MeterValuesRequest.from_json(doc.encode())
            print("accepted")
        except OcppError as e:
            print("OcppError", e.code.value)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-500:]}"
    assert proc.stdout.startswith(("accepted", "OcppError")), proc.stdout


# --------------------------------------------------------------------------------------------------
# Keyword construction validates like decoding (paths relative to the object being built)

NAIVE = dt.datetime(2024, 1, 1)
AWARE = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def _at(*date: int, hours: int = 0, seconds: int = 0) -> dt.datetime:
    return dt.datetime(*date, tzinfo=dt.timezone(dt.timedelta(hours=hours, seconds=seconds)))


def _sv() -> SampledValue:
    return SampledValue(value=1.0)


def _mv() -> MeterValue:
    return MeterValue(timestamp=AWARE, sampled_value=[_sv()])


def _smv(**kw: Any) -> SignedMeterValue:
    args = {
        "signed_meter_data": "d",
        "signing_method": "m",
        "encoding_method": "e",
        "public_key": "k",
    }
    return SignedMeterValue(**{**args, **kw})


CONSTRUCTION: list[tuple[str, Callable[[], Any], str, str]] = [
    ("measurand", lambda: SampledValue(value=1.0, measurand="Nope"), PCV, "/measurand"),
    ("context", lambda: SampledValue(value=1.0, context="sample.periodic"), PCV, "/context"),
    ("phase", lambda: SampledValue(value=1.0, phase="L4"), PCV, "/phase"),
    ("location", lambda: SampledValue(value=1.0, location=""), PCV, "/location"),
    ("measurand type", lambda: SampledValue(value=1.0, measurand=1), TCV, "/measurand"),
    ("value str", lambda: SampledValue(value="1"), TCV, "/value"),
    ("value bool", lambda: SampledValue(value=True), TCV, "/value"),
    ("value None", lambda: SampledValue(value=None), TCV, "/value"),
    ("value inf", lambda: SampledValue(value=float("inf")), PCV, "/value"),
    ("value nan", lambda: SampledValue(value=float("nan")), PCV, "/value"),
    ("evseId<0", lambda: MeterValuesRequest(evse_id=-1, meter_value=[_mv()]), PCV, "/evseId"),
    ("evseId float", lambda: MeterValuesRequest(evse_id=1.5, meter_value=[_mv()]), TCV, "/evseId"),
    ("evseId bool", lambda: MeterValuesRequest(evse_id=True, meter_value=[_mv()]), TCV, "/evseId"),
    ("evseId str", lambda: MeterValuesRequest(evse_id="1", meter_value=[_mv()]), TCV, "/evseId"),
    (
        "evseId 2**63",
        lambda: MeterValuesRequest(evse_id=2**63, meter_value=[_mv()]),
        PCV,
        "/evseId",
    ),
    ("meterValue empty", lambda: MeterValuesRequest(evse_id=1, meter_value=[]), OCV, "/meterValue"),
    (
        "naive timestamp",
        lambda: MeterValue(timestamp=NAIVE, sampled_value=[_sv()]),
        PCV,
        "/timestamp",
    ),
    (
        "bad timestamp str",
        lambda: MeterValue(timestamp="2023-02-30T00:00:00Z", sampled_value=[_sv()]),
        PCV,
        "/timestamp",
    ),
    ("timestamp type", lambda: MeterValue(timestamp=1, sampled_value=[_sv()]), TCV, "/timestamp"),
    (
        "UTC year 0",
        lambda: MeterValue(timestamp=_at(1, 1, 1, 0, 30, hours=1), sampled_value=[_sv()]),
        PCV,
        "/timestamp",
    ),
    (
        "UTC year 10000",
        lambda: MeterValue(timestamp=_at(9999, 12, 31, 23, 30, hours=-1), sampled_value=[_sv()]),
        PCV,
        "/timestamp",
    ),
    (
        "offset with seconds",
        lambda: MeterValue(timestamp=_at(2024, 1, 1, 0, 0, seconds=30), sampled_value=[_sv()]),
        PCV,
        "/timestamp",
    ),
    (
        "sampledValue empty",
        lambda: MeterValue(timestamp=AWARE, sampled_value=[]),
        OCV,
        "/sampledValue",
    ),
    ("unit too long", lambda: UnitOfMeasure(unit="x" * 21), PCV, "/unit"),
    ("unit too long astral", lambda: UnitOfMeasure(unit="\U0001f600" * 21), PCV, "/unit"),
    ("multiplier float", lambda: UnitOfMeasure(multiplier=1.5), TCV, "/multiplier"),
    ("multiplier bool", lambda: UnitOfMeasure(multiplier=False), TCV, "/multiplier"),
    ("multiplier range", lambda: UnitOfMeasure(multiplier=-(2**63) - 1), PCV, "/multiplier"),
    ("signingMethod too long", lambda: _smv(signing_method="m" * 51), PCV, "/signingMethod"),
    ("publicKey type", lambda: _smv(public_key=5), TCV, "/publicKey"),
    ("signingMethod type", lambda: _smv(signing_method=b"m"), TCV, "/signingMethod"),
    # Constructors take what either dialect allows: OCPP 2.1's 32768 characters at most.
    (
        "signedMeterData too long",
        lambda: _smv(signed_meter_data="d" * 32769),
        PCV,
        "/signedMeterData",
    ),
    ("customData no vendorId", lambda: UnitOfMeasure(custom_data={}), OCV, "/customData/vendorId"),
    (
        "customData no vendorId 2",
        lambda: SampledValue(value=1.0, custom_data={"x": 1}),
        OCV,
        "/customData/vendorId",
    ),
    (
        "customData no vendorId 3",
        lambda: MeterValuesRequest(evse_id=1, meter_value=[_mv()], custom_data={}),
        OCV,
        "/customData/vendorId",
    ),
    (
        "vendorId type",
        lambda: MeterValue(timestamp=AWARE, sampled_value=[_sv()], custom_data={"vendorId": 1}),
        TCV,
        "/customData/vendorId",
    ),
    (
        "vendorId too long",
        lambda: _smv(custom_data={"vendorId": "v" * 256}),
        PCV,
        "/customData/vendorId",
    ),
    (
        "customData non-finite",
        lambda: UnitOfMeasure(custom_data={"vendorId": "v", "x": float("nan")}),
        PCV,
        "/customData/x",
    ),
    (
        "customData int range",
        lambda: UnitOfMeasure(custom_data={"vendorId": "v", "x": [2**64]}),
        PCV,
        "/customData/x/0",
    ),
]


@pytest.mark.parametrize("name,build,code,path", CONSTRUCTION, ids=[c[0] for c in CONSTRUCTION])
def test_construction_validates_like_decoding(
    name: str, build: Callable[[], Any], code: str, path: str
) -> None:
    got = _outcome(build)
    _check_error(got, code, path, name)


VALID_CONSTRUCTION: list[tuple[str, Callable[[], Any], bytes]] = [
    (
        "sampled value",
        lambda: SampledValue(
            value=1.5, measurand="SoC", phase=Phase.L1_N, context="Trigger", location=Location.EV
        ),
        b'{"value":1.5,"context":"Trigger","measurand":"SoC","phase":"L1-N","location":"EV"}',
    ),
    ("unit at max", lambda: UnitOfMeasure(unit="\U0001f600" * 20, multiplier=-3), None),
    (
        "meter value from str",
        lambda: MeterValue(timestamp="2024-01-01T01:00:00+01:00", sampled_value=[_sv()]),
        b'{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":1.0}]}',
    ),
    (
        "request",
        lambda: MeterValuesRequest(
            evse_id=0, meter_value=[_mv()], custom_data={"vendorId": "v", "n": [1]}
        ),
        None,
    ),
    (
        "signed",
        lambda: _smv(signed_meter_data="d" * 2500, custom_data={"vendorId": "\u00e9" * 255}),
        None,
    ),
]


@pytest.mark.parametrize(
    "name,build,wire", VALID_CONSTRUCTION, ids=[c[0] for c in VALID_CONSTRUCTION]
)
def test_valid_construction_round_trips(
    name: str, build: Callable[[], Any], wire: bytes | None
) -> None:
    x = build()
    assert type(x).from_json(x.to_json()) == x
    if wire is not None:
        assert type(x).from_json(wire) == x


def test_construction_takes_what_ocpp_2_1_allows() -> None:
    x = _smv(signed_meter_data="d" * 32768, signing_method=None, public_key=None)
    wire = b'{"signedMeterData":"' + b"d" * 32768 + b'","encodingMethod":"e"}'
    assert x.to_json() == wire
    assert x.signing_method is None and x.public_key is None
    assert SignedMeterValue.from_json(wire, dialect="2.1") == x
    with pytest.raises(OcppError) as e:
        SignedMeterValue.from_json(wire)
    assert (e.value.code, e.value.path) == (PCV, "/signedMeterData")
    assert pickle.loads(pickle.dumps(x)) == x
    sv = SampledValue(value=1.0, measurand=Measurand.DISPLAY_PRESENT_SOC, location="Upstream")
    assert sv.measurand is Measurand.DISPLAY_PRESENT_SOC and sv.location is Location.UPSTREAM
    assert SampledValue.from_json(sv.to_json(), dialect="2.1") == sv
    assert pickle.loads(pickle.dumps(sv)) == sv


def test_enum_arguments_and_accessors() -> None:
    a = SampledValue(value=1.0, measurand="SoC", context="Trigger", phase="N", location="Inlet")
    b = SampledValue(
        value=1.0,
        measurand=Measurand.SOC,
        context=ReadingContext.TRIGGER,
        phase=Phase.N,
        location=Location.INLET,
    )
    assert a == b
    assert a.measurand is Measurand.SOC and a.context is ReadingContext.TRIGGER
    assert a.phase is Phase.N and a.location is Location.INLET


def test_python_enums_mirror_the_schema() -> None:
    """The 2.0.1 values in schema order, then exactly the values OCPP 2.1 adds."""
    data = Path(__file__).parent / "data"
    defs = {
        version: json.loads((data / version / "MeterValuesRequest.json").read_bytes())[
            "definitions"
        ]
        for version in ("ocpp201", "ocpp21")
    }
    for enum, name in (
        (ReadingContext, "ReadingContextEnumType"),
        (Measurand, "MeasurandEnumType"),
        (Phase, "PhaseEnumType"),
        (Location, "LocationEnumType"),
    ):
        old, new = (defs[v][name]["enum"] for v in ("ocpp201", "ocpp21"))
        values = [m.value for m in enum]
        assert values[: len(old)] == old, enum
        assert set(values[len(old) :]) == set(new) - set(old), enum
        assert len(values) == len(new), enum
