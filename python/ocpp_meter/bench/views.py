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
    _walk_meter_values(request.meter_value)


def walk_transaction_event(request: Any) -> None:
    """Read every field of a decoded TransactionEventRequest (OCPP 2.0.1), as :func:`walk` does
    for MeterValues: the same code for every peer, ``customData`` left alone as there."""
    _ = request.event_type
    _ = request.timestamp
    _ = request.trigger_reason
    _ = request.seq_no
    _ = request.offline
    _ = request.number_of_phases_used
    _ = request.cable_max_current
    _ = request.reservation_id
    info = request.transaction_info
    _ = info.transaction_id
    _ = info.charging_state
    _ = info.time_spent_charging
    _ = info.stopped_reason
    _ = info.remote_start_id
    evse = request.evse
    if evse:
        _ = evse.id
        _ = evse.connector_id
    token = request.id_token
    if token:
        _ = token.id_token
        _ = token.type
        for info in token.additional_info or ():
            _ = info.additional_id_token
            _ = info.type
    meter_values = request.meter_value
    if meter_values:
        _walk_meter_values(meter_values)


def walk16(request: Any) -> None:
    """Read every field of a decoded OCPP 1.6J MeterValuesRequest, as :func:`walk` does for
    2.0.1: the same code for every peer (an absent field is ``None`` or ``msgspec.UNSET``)."""
    _ = request.connector_id
    _ = request.transaction_id
    for meter_value in request.meter_value:
        _ = meter_value.timestamp
        for sv in meter_value.sampled_value:
            _ = sv.value
            _ = sv.context
            _ = sv.format
            _ = sv.measurand
            _ = sv.phase
            _ = sv.location
            _ = sv.unit


def _walk_meter_values(meter_values: Any) -> None:
    for meter_value in meter_values:
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
    # TransactionEvent
    "eventType",
    "triggerReason",
    "seqNo",
    "offline",
    "numberOfPhasesUsed",
    "cableMaxCurrent",
    "reservationId",
    "transactionInfo",
    "transactionId",
    "chargingState",
    "timeSpentCharging",
    "stoppedReason",
    "remoteStartId",
    "evse",
    "id",
    "connectorId",
    "idToken",
    "type",
    "additionalInfo",
    "additionalIdToken",
    # OCPP 1.6J
    "format",
)

_SAMPLED_VALUE16 = ("value", "context", "format", "measurand", "phase", "location", "unit")
"""The properties of a 1.6 sampled value, all strings (``value`` the decimal text as sent)."""


class _Wire:
    """The :data:`View` parts of a payload parsed into plain dicts and lists; ``key`` maps each
    wire (camelCase) property name to the name the peer's dicts use."""

    def __init__(self, key: Callable[[str], str]) -> None:
        self.k = {name: key(name) for name in _WIRE_NAMES}

    def vendor(self, obj: dict[str, Any]) -> str | None:
        custom = obj.get(self.k["customData"])
        return None if custom is None else str(custom[self.k["vendorId"]])

    def unit(self, obj: dict[str, Any] | None) -> View | None:
        if obj is None:
            return None
        k = self.k
        return {
            "unit": obj.get(k["unit"]),
            "multiplier": obj.get(k["multiplier"]),
            "vendor": self.vendor(obj),
        }

    def signed(self, obj: dict[str, Any] | None) -> View | None:
        if obj is None:
            return None
        k = self.k
        return {
            "signed_meter_data": obj[k["signedMeterData"]],
            "signing_method": obj[k["signingMethod"]],
            "encoding_method": obj[k["encodingMethod"]],
            "public_key": obj[k["publicKey"]],
            "vendor": self.vendor(obj),
        }

    def meter_values(self, items: list[dict[str, Any]]) -> list[View]:
        k = self.k
        return [
            {
                "timestamp": _wire_time(mv[k["timestamp"]]),
                "vendor": self.vendor(mv),
                "sampled_value": [
                    {
                        "value": _number(sv[k["value"]]),
                        "context": sv.get(k["context"]),
                        "measurand": sv.get(k["measurand"]),
                        "phase": sv.get(k["phase"]),
                        "location": sv.get(k["location"]),
                        "unit_of_measure": self.unit(sv.get(k["unitOfMeasure"])),
                        "signed_meter_value": self.signed(sv.get(k["signedMeterValue"])),
                        "vendor": self.vendor(sv),
                    }
                    for sv in mv[k["sampledValue"]]
                ],
            }
            for mv in items
        ]

    def meter_values16(self, message_id: Any, payload: dict[str, Any]) -> View:
        k = self.k
        return {
            "message_id": message_id,
            "connector_id": payload[k["connectorId"]],
            "transaction_id": payload.get(k["transactionId"]),
            "meter_value": [
                {
                    "timestamp": _wire_time(mv[k["timestamp"]]),
                    "sampled_value": [
                        {name: sv.get(k[name]) for name in _SAMPLED_VALUE16}
                        for sv in mv[k["sampledValue"]]
                    ],
                }
                for mv in payload[k["meterValue"]]
            ],
        }

    def transaction_event(self, message_id: Any, payload: dict[str, Any]) -> View:
        k = self.k
        info = payload[k["transactionInfo"]]
        evse = payload.get(k["evse"])
        token = payload.get(k["idToken"])
        meter_values = payload.get(k["meterValue"])
        additional = None if token is None else token.get(k["additionalInfo"])
        return {
            "message_id": message_id,
            "event_type": payload[k["eventType"]],
            "timestamp": _wire_time(payload[k["timestamp"]]),
            "trigger_reason": payload[k["triggerReason"]],
            "seq_no": payload[k["seqNo"]],
            "offline": payload.get(k["offline"]),
            "number_of_phases_used": payload.get(k["numberOfPhasesUsed"]),
            "cable_max_current": payload.get(k["cableMaxCurrent"]),
            "reservation_id": payload.get(k["reservationId"]),
            "vendor": self.vendor(payload),
            "transaction_info": {
                "transaction_id": info[k["transactionId"]],
                "charging_state": info.get(k["chargingState"]),
                "time_spent_charging": info.get(k["timeSpentCharging"]),
                "stopped_reason": info.get(k["stoppedReason"]),
                "remote_start_id": info.get(k["remoteStartId"]),
                "vendor": self.vendor(info),
            },
            "evse": None
            if evse is None
            else {
                "id": evse[k["id"]],
                "connector_id": evse.get(k["connectorId"]),
                "vendor": self.vendor(evse),
            },
            "id_token": None
            if token is None
            else {
                "id_token": token[k["idToken"]],
                "type": token[k["type"]],
                "additional_info": None
                if additional is None
                else [
                    {
                        "additional_id_token": a[k["additionalIdToken"]],
                        "type": a[k["type"]],
                        "vendor": self.vendor(a),
                    }
                    for a in additional
                ],
                "vendor": self.vendor(token),
            },
            "meter_value": None if meter_values is None else self.meter_values(meter_values),
        }


def view_of_wire(message_id: Any, payload: Any, key: Callable[[str], str] = _same) -> View:
    """The :data:`View` of a MeterValues payload parsed into plain dicts and lists.

    ``key`` maps each wire (camelCase) property name to the name the peer's dicts use.
    """
    wire = _Wire(key)
    return {
        "message_id": message_id,
        "evse_id": payload[wire.k["evseId"]],
        "vendor": wire.vendor(payload),
        "meter_value": wire.meter_values(payload[wire.k["meterValue"]]),
    }


def v16_view_of_wire(message_id: Any, payload: Any, key: Callable[[str], str] = _same) -> View:
    """The :data:`View` of an OCPP 1.6J MeterValues payload parsed into plain dicts and lists:
    every property as sent (``value`` its text), the timestamps as UTC instants."""
    return _Wire(key).meter_values16(message_id, payload)


def te_view_of_wire(message_id: Any, payload: Any, key: Callable[[str], str] = _same) -> View:
    """The :data:`View` of a TransactionEvent payload parsed into plain dicts and lists."""
    return _Wire(key).transaction_event(message_id, payload)


class _Objects:
    """The :data:`View` parts of a request decoded into objects with ocpp-meter's attribute
    names; ``absent`` is what the decoder gives for an absent optional field (``None`` for ours
    and pydantic, ``msgspec.UNSET`` for msgspec); it reads as ``None`` in the view."""

    def __init__(self, absent: Any) -> None:
        self.absent = absent

    def opt(self, value: Any) -> Any:
        return None if value is self.absent or value is None else value

    def vendor(self, obj: Any) -> str | None:
        custom = self.opt(obj.custom_data)
        if custom is None:
            return None
        return str(custom["vendorId"] if isinstance(custom, dict) else custom.vendor_id)

    def unit(self, obj: Any) -> View | None:
        obj = self.opt(obj)
        if obj is None:
            return None
        opt = self.opt
        return {
            "unit": opt(obj.unit),
            "multiplier": opt(obj.multiplier),
            "vendor": self.vendor(obj),
        }

    def signed(self, obj: Any) -> View | None:
        obj = self.opt(obj)
        if obj is None:
            return None
        return {
            "signed_meter_data": obj.signed_meter_data,
            "signing_method": obj.signing_method,
            "encoding_method": obj.encoding_method,
            "public_key": obj.public_key,
            "vendor": self.vendor(obj),
        }

    def meter_values(self, items: Any) -> list[View]:
        opt = self.opt
        return [
            {
                "timestamp": _instant(mv.timestamp),
                "vendor": self.vendor(mv),
                "sampled_value": [
                    {
                        "value": _number(sv.value),
                        "context": _wire(opt(sv.context)),
                        "measurand": _wire(opt(sv.measurand)),
                        "phase": _wire(opt(sv.phase)),
                        "location": _wire(opt(sv.location)),
                        "unit_of_measure": self.unit(sv.unit_of_measure),
                        "signed_meter_value": self.signed(sv.signed_meter_value),
                        "vendor": self.vendor(sv),
                    }
                    for sv in mv.sampled_value
                ],
            }
            for mv in items
        ]

    def transaction_event(self, message_id: Any, request: Any) -> View:
        opt = self.opt
        info = request.transaction_info
        evse = opt(request.evse)
        token = opt(request.id_token)
        meter_values = opt(request.meter_value)
        additional = None if token is None else opt(token.additional_info)
        return {
            "message_id": message_id,
            "event_type": _wire(request.event_type),
            "timestamp": _instant(request.timestamp),
            "trigger_reason": _wire(request.trigger_reason),
            "seq_no": request.seq_no,
            "offline": opt(request.offline),
            "number_of_phases_used": opt(request.number_of_phases_used),
            "cable_max_current": opt(request.cable_max_current),
            "reservation_id": opt(request.reservation_id),
            "vendor": self.vendor(request),
            "transaction_info": {
                "transaction_id": info.transaction_id,
                "charging_state": _wire(opt(info.charging_state)),
                "time_spent_charging": opt(info.time_spent_charging),
                "stopped_reason": _wire(opt(info.stopped_reason)),
                "remote_start_id": opt(info.remote_start_id),
                "vendor": self.vendor(info),
            },
            "evse": None
            if evse is None
            else {
                "id": evse.id,
                "connector_id": opt(evse.connector_id),
                "vendor": self.vendor(evse),
            },
            "id_token": None
            if token is None
            else {
                "id_token": token.id_token,
                "type": _wire(token.type),
                "additional_info": None
                if additional is None
                else [
                    {
                        "additional_id_token": a.additional_id_token,
                        "type": a.type,
                        "vendor": self.vendor(a),
                    }
                    for a in additional
                ],
                "vendor": self.vendor(token),
            },
            "meter_value": None if meter_values is None else self.meter_values(meter_values),
        }


def view_of_objects(message_id: Any, request: Any, absent: Any = None) -> View:
    """The :data:`View` of a MeterValuesRequest decoded into objects with ocpp-meter's
    attribute names.

    ``absent`` is what the decoder gives for an absent optional field (``None`` for ours and
    pydantic, ``msgspec.UNSET`` for msgspec); it reads as ``None`` in the view.
    """
    objects = _Objects(absent)
    return {
        "message_id": message_id,
        "evse_id": request.evse_id,
        "vendor": objects.vendor(request),
        "meter_value": objects.meter_values(request.meter_value),
    }


def v16_view_of_objects(message_id: Any, request: Any, absent: Any = None) -> View:
    """The :data:`View` of an OCPP 1.6J MeterValuesRequest decoded into objects with
    ocpp-meter's attribute names (see :func:`view_of_objects`); enum members read as their wire
    strings, as a peer that keeps the strings gives them."""
    opt = _Objects(absent).opt
    transaction_id = opt(request.transaction_id)
    return {
        "message_id": message_id,
        "connector_id": request.connector_id,
        "transaction_id": transaction_id,
        "meter_value": [
            {
                "timestamp": _instant(mv.timestamp),
                "sampled_value": [
                    {name: _wire(opt(getattr(sv, name))) for name in _SAMPLED_VALUE16}
                    for sv in mv.sampled_value
                ],
            }
            for mv in request.meter_value
        ],
    }


def te_view_of_objects(message_id: Any, request: Any, absent: Any = None) -> View:
    """The :data:`View` of a TransactionEventRequest decoded into objects (see
    :func:`view_of_objects`)."""
    return _Objects(absent).transaction_event(message_id, request)


_WIRE_VIEWS: dict[str, Callable[[Any, Any, Callable[[str], str]], View]] = {
    "MeterValues": view_of_wire,
    "TransactionEvent": te_view_of_wire,
}


def call_view(call: Any, key: Callable[[str], str] = _same) -> View:
    """The view of a CALL parsed into a list, after checking its envelope (MeterValues or
    TransactionEvent, by its action; a MeterValues payload with a ``connectorId``, which 1.6
    requires and 2.x refuses, is OCPP 1.6J's)."""
    if not (isinstance(call, list) and len(call) == 4 and call[0] == 2):
        raise AssertionError(f"not a CALL: {call!r:.80}")
    if call[2] not in _WIRE_VIEWS:
        raise AssertionError(f"action {call[2]!r}")
    if call[2] == "MeterValues" and isinstance(call[3], dict) and key("connectorId") in call[3]:
        return v16_view_of_wire(call[1], call[3], key)
    return _WIRE_VIEWS[call[2]](call[1], call[3], key)


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
