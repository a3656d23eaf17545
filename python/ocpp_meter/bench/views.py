"""What "the same result" means: the read-every-field walk and a comparable form of a decoded
CALL."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Callable

from .frames import View


def walk(request: Any) -> None:
    """Read every field of a decoded MeterValuesRequest, as a consumer that uses them all would.

    The same code serves every peer that decodes into objects with ocpp-meter's attribute names
    (ours, msgspec, pydantic): an absent nested object tests false for each (``None``, or
    ``msgspec.UNSET``).
    """
    _ = request.evse_id
    for meter_value in request.meter_value:
        _ = meter_value.timestamp
        for sv in meter_value.sampled_value:
            _ = sv.value
            _ = sv.context
            _ = sv.measurand
            _ = sv.phase
            _ = sv.location
            unit_of_measure = sv.unit_of_measure
            if unit_of_measure:
                _ = unit_of_measure.unit
                _ = unit_of_measure.multiplier
            signed = sv.signed_meter_value
            if signed:
                _ = signed.signed_meter_data
                _ = signed.signing_method
                _ = signed.encoding_method
                _ = signed.public_key


def _instant(value: Any) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise AssertionError(f"timestamp {value!r} is not a timezone-aware datetime")
    return value.astimezone(timezone.utc)


def _wire(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        value = value.value
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is neither an enum member nor a string")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def _wire_time(text: Any) -> datetime:
    if not isinstance(text, str):
        raise TypeError(f"timestamp {text!r} is not a string")
    return _instant(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))


def _same(name: str) -> str:
    return name


_WIRE_NAMES = (
    "customData",
    "vendorId",
    "evseId",
    "meterValue",
    "timestamp",
    "sampledValue",
    "value",
    "context",
    "measurand",
    "phase",
    "location",
    "unitOfMeasure",
    "unit",
    "multiplier",
    "signedMeterValue",
    "signedMeterData",
    "signingMethod",
    "encodingMethod",
    "publicKey",
)


def view_of_wire(message_id: Any, payload: Any, key: Callable[[str], str] = _same) -> View:
    """The :data:`View` of a payload parsed into plain dicts and lists.

    ``key`` maps each wire (camelCase) property name to the name the peer's dicts use.
    """
    k = {name: key(name) for name in _WIRE_NAMES}

    def vendor(obj: dict[str, Any]) -> str | None:
        custom = obj.get(k["customData"])
        return None if custom is None else str(custom[k["vendorId"]])

    def unit(obj: dict[str, Any] | None) -> View | None:
        if obj is None:
            return None
        return {
            "unit": obj.get(k["unit"]),
            "multiplier": obj.get(k["multiplier"]),
            "vendor": vendor(obj),
        }

    def signed(obj: dict[str, Any] | None) -> View | None:
        if obj is None:
            return None
        return {
            "signed_meter_data": obj[k["signedMeterData"]],
            "signing_method": obj[k["signingMethod"]],
            "encoding_method": obj[k["encodingMethod"]],
            "public_key": obj[k["publicKey"]],
            "vendor": vendor(obj),
        }

    return {
        "message_id": message_id,
        "evse_id": payload[k["evseId"]],
        "vendor": vendor(payload),
        "meter_value": [
            {
                "timestamp": _wire_time(mv[k["timestamp"]]),
                "vendor": vendor(mv),
                "sampled_value": [
                    {
                        "value": _number(sv[k["value"]]),
                        "context": sv.get(k["context"]),
                        "measurand": sv.get(k["measurand"]),
                        "phase": sv.get(k["phase"]),
                        "location": sv.get(k["location"]),
                        "unit_of_measure": unit(sv.get(k["unitOfMeasure"])),
                        "signed_meter_value": signed(sv.get(k["signedMeterValue"])),
                        "vendor": vendor(sv),
                    }
                    for sv in mv[k["sampledValue"]]
                ],
            }
            for mv in payload[k["meterValue"]]
        ],
    }


def view_of_objects(message_id: Any, request: Any, absent: Any = None) -> View:
    """The :data:`View` of a request decoded into objects with ocpp-meter's attribute names.

    ``absent`` is what the decoder gives for an absent optional field (``None`` for ours and
    pydantic, ``msgspec.UNSET`` for msgspec); it reads as ``None`` in the view.
    """

    def opt(value: Any) -> Any:
        return None if value is absent or value is None else value

    def vendor(obj: Any) -> str | None:
        custom = opt(obj.custom_data)
        if custom is None:
            return None
        return str(custom["vendorId"] if isinstance(custom, dict) else custom.vendor_id)

    def unit(obj: Any) -> View | None:
        obj = opt(obj)
        if obj is None:
            return None
        return {"unit": opt(obj.unit), "multiplier": opt(obj.multiplier), "vendor": vendor(obj)}

    def signed(obj: Any) -> View | None:
        obj = opt(obj)
        if obj is None:
            return None
        return {
            "signed_meter_data": obj.signed_meter_data,
            "signing_method": obj.signing_method,
            "encoding_method": obj.encoding_method,
            "public_key": obj.public_key,
            "vendor": vendor(obj),
        }

    return {
        "message_id": message_id,
        "evse_id": request.evse_id,
        "vendor": vendor(request),
        "meter_value": [
            {
                "timestamp": _instant(mv.timestamp),
                "vendor": vendor(mv),
                "sampled_value": [
                    {
                        "value": _number(sv.value),
                        "context": _wire(opt(sv.context)),
                        "measurand": _wire(opt(sv.measurand)),
                        "phase": _wire(opt(sv.phase)),
                        "location": _wire(opt(sv.location)),
                        "unit_of_measure": unit(sv.unit_of_measure),
                        "signed_meter_value": signed(sv.signed_meter_value),
                        "vendor": vendor(sv),
                    }
                    for sv in mv.sampled_value
                ],
            }
            for mv in request.meter_value
        ],
    }


def call_view(call: Any, key: Callable[[str], str] = _same) -> View:
    """The view of a CALL parsed into a list, after checking its envelope."""
    if not (isinstance(call, list) and len(call) == 4 and call[0] == 2):
        raise AssertionError(f"not a CALL: {call!r:.80}")
    if call[2] != "MeterValues":
        raise AssertionError(f"action {call[2]!r}")
    return view_of_wire(call[1], call[3], key)


def reference_view(frame: bytes | str) -> View:
    """The frame as the stdlib ``json`` module reads it, in the comparable form."""
    return call_view(json.loads(frame))


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every place where ``actual`` differs from ``expected``: exact values of the exact types."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[str] = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual or key not in expected:
                out.append(f"{path}/{key}: present on one side only")
            else:
                out += differences(expected[key], actual[key], f"{path}/{key}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(actual)} items, expected {len(expected)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += differences(e, a, f"{path}/{i}")
        return out
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path}: {actual!r}, expected {expected!r}"]
    return []
