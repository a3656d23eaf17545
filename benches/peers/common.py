"""What the peers share: the read-every-field walk, and the normal form their decodes are compared in.

``walk`` is the exact same work for every peer whose decode yields objects with ocpp-meter's
attribute names (ours and msgspec): the read-every-field benchmarks time ``decode + walk``.

``View`` is a plain, comparable form of a decoded CALL: message id, evse id, timestamps as UTC
instants, values, enum wire strings, units, multipliers, signed meter values and vendor ids.
Each peer turns its own decode into a ``View``; :func:`differences` lists where two disagree.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any

View = dict[str, Any]


def walk(request: Any) -> None:
    """Read every field of a decoded MeterValuesRequest, as a consumer that uses them all would.

    Absent nested objects test false for both peers (``None`` for ours, ``msgspec.UNSET`` for
    msgspec), so the one function serves both.
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


# --- the normal form -----------------------------------------------------------------------


def instant(value: Any) -> datetime:
    """A timezone-aware datetime as a UTC instant; a naive one is a decoding fault."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise AssertionError(f"timestamp {value!r} is not a timezone-aware datetime")
    return value.astimezone(timezone.utc)


def wire(value: Any) -> str | None:
    """The wire string of an enum member or string; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, Enum):
        value = value.value
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is neither an enum member nor a string")
    return value


def number(value: Any) -> float:
    """A JSON number as a float, refusing bools and anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def wire_time(text: str) -> datetime:
    """Parse an RFC 3339 timestamp as sent (``Z`` or an offset) into a UTC instant."""
    return instant(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))


def view_of_wire(message_id: Any, payload: dict[str, Any]) -> View:
    """The :data:`View` of a payload parsed into plain dicts and lists (stdlib json, orjson)."""

    def vendor(obj: dict[str, Any]) -> str | None:
        custom = obj.get("customData")
        return None if custom is None else str(custom["vendorId"])

    def unit(obj: dict[str, Any] | None) -> View | None:
        if obj is None:
            return None
        return {
            "unit": obj.get("unit"),
            "multiplier": obj.get("multiplier"),
            "vendor": vendor(obj),
        }

    def signed(obj: dict[str, Any] | None) -> View | None:
        if obj is None:
            return None
        return {
            "signed_meter_data": obj["signedMeterData"],
            "signing_method": obj["signingMethod"],
            "encoding_method": obj["encodingMethod"],
            "public_key": obj["publicKey"],
            "vendor": vendor(obj),
        }

    return {
        "message_id": message_id,
        "evse_id": payload["evseId"],
        "vendor": vendor(payload),
        "meter_value": [
            {
                "timestamp": wire_time(mv["timestamp"]),
                "vendor": vendor(mv),
                "sampled_value": [
                    {
                        "value": number(sv["value"]),
                        "context": sv.get("context"),
                        "measurand": sv.get("measurand"),
                        "phase": sv.get("phase"),
                        "location": sv.get("location"),
                        "unit_of_measure": unit(sv.get("unitOfMeasure")),
                        "signed_meter_value": signed(sv.get("signedMeterValue")),
                        "vendor": vendor(sv),
                    }
                    for sv in mv["sampledValue"]
                ],
            }
            for mv in payload["meterValue"]
        ],
    }


def view_of_objects(message_id: Any, request: Any, absent: Any = None) -> View:
    """The :data:`View` of a request decoded into objects with ocpp-meter's attribute names.

    ``absent`` is what the decoder gives for an absent optional field (``None`` for ours,
    ``msgspec.UNSET`` for msgspec); it reads as ``None`` in the view.
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
                "timestamp": instant(mv.timestamp),
                "vendor": vendor(mv),
                "sampled_value": [
                    {
                        "value": number(sv.value),
                        "context": wire(opt(sv.context)),
                        "measurand": wire(opt(sv.measurand)),
                        "phase": wire(opt(sv.phase)),
                        "location": wire(opt(sv.location)),
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
