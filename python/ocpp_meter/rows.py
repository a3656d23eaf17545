"""The flat forms for ingest: one row per sampled value, one event per TransactionEvent.

:func:`meter_values_rows` and :func:`transaction_event_rows` turn a decoded request into
:class:`Row` tuples, in input order, with the schema defaults applied and the value normalized:
``normalized_value = value * 10**multiplier``, with the k-prefixed units (``kWh``, ``kW``,
``kvarh``, ``kvar``, ``kVAh``, ``kVA``) scaled to their base unit, which is then
``normalized_unit``; every other unit is kept as it is.

:func:`transaction_event_record` gives the :class:`Event` of a decoded
:class:`~ocpp_meter.TransactionEventRequest`: who started the session, why it stopped, in which
order its events came, kept even when the event carries no meter values. Rows and events are the
very columns ``decode_batch`` gives (``pyarrow.table(result)`` and ``result.events``), one request
at a time.

Nothing here reads JSON: the rows are built from the objects the core decoded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import Context, Decimal
from enum import Enum
from typing import NamedTuple

from ._core import MeterValue, MeterValuesRequest, TransactionEventRequest
from .enums import Location, Measurand, ReadingContext

__all__ = [
    "COLUMNS",
    "DEFAULT_CONTEXT",
    "DEFAULT_LOCATION",
    "DEFAULT_MEASURAND",
    "DEFAULT_UNIT",
    "EVENT_COLUMNS",
    "KILO_UNITS",
    "Event",
    "Row",
    "meter_values_rows",
    "normalize",
    "transaction_event_record",
    "transaction_event_rows",
]

DEFAULT_MEASURAND = Measurand.ENERGY_ACTIVE_IMPORT_REGISTER.value
DEFAULT_LOCATION = Location.OUTLET.value
DEFAULT_CONTEXT = ReadingContext.SAMPLE_PERIODIC.value
DEFAULT_UNIT = "Wh"

KILO_UNITS = {
    "kWh": "Wh",
    "kW": "W",
    "kvarh": "varh",
    "kvar": "var",
    "kVAh": "VAh",
    "kVA": "VA",
}
"""The k-prefixed units that normalization scales to their base unit (x1000)."""


class Row(NamedTuple):
    """One sampled value in the row form; the field order is the column order.

    The TransactionEvent columns (``connector_id``, ``transaction_id``, ``event_type``,
    ``seq_no``) are ``None`` for a MeterValues row. ``timestamp`` is a timezone-aware
    ``datetime`` in UTC.
    """

    station_id: str
    message_id: str
    action: str
    evse_id: int | None
    connector_id: int | None
    transaction_id: str | None
    event_type: str | None
    seq_no: int | None
    meter_value_index: int
    sampled_value_index: int
    timestamp: datetime
    value: float
    measurand: str
    phase: str | None
    location: str
    context: str
    unit: str
    multiplier: int
    normalized_value: float
    normalized_unit: str
    signed_meter_data: str | None
    signing_method: str | None
    encoding_method: str | None
    public_key: str | None


COLUMNS: tuple[str, ...] = Row._fields
"""The row form's column names, in order."""


class Event(NamedTuple):
    """One accepted TransactionEvent in the event form; the field order is the
    column order of ``decode_batch``'s ``result.events``.

    ``timestamp`` is the event's time, a timezone-aware ``datetime`` in UTC. The enumerations
    are their wire strings. ``meter_value_count`` is the number of rows the event gave (its
    sampled values, 0 when it has no ``meterValue``).
    """

    station_id: str
    message_id: str
    transaction_id: str
    event_type: str
    timestamp: datetime
    trigger_reason: str | None
    seq_no: int | None
    offline: bool | None
    number_of_phases_used: int | None
    cable_max_current: int | None
    reservation_id: int | None
    remote_start_id: int | None
    charging_state: str | None
    stopped_reason: str | None
    time_spent_charging: int | None
    evse_id: int | None
    connector_id: int | None
    id_token: str | None
    id_token_type: str | None
    meter_value_count: int


EVENT_COLUMNS: tuple[str, ...] = Event._fields
"""The event form's column names, in order."""

# Powers of ten up to 10**22 are exact doubles, so one multiplication or division by them is
# correctly rounded; beyond that the exact decimal product is rounded once instead.
_EXACT_POWERS = tuple(10.0**exponent for exponent in range(23))


def normalize(value: float, unit: str, multiplier: int) -> tuple[float, str]:
    """``(value * 10**multiplier, unit)`` with a k-prefixed unit scaled to its base unit.

    The result is the double nearest to the exact product (overflow gives an infinity of the
    value's sign, underflow a zero), so ``normalize(2.5, "kWh", 0) == (2500.0, "Wh")`` and
    ``normalize(12345.0, "Wh", -3) == (12.345, "Wh")`` hold exactly.
    """
    base = KILO_UNITS.get(unit)
    exponent = multiplier
    if base is not None:
        exponent += 3
        unit = base
    if exponent == 0 or value == 0.0 or not math.isfinite(value):
        return value, unit
    if 0 < exponent <= 22:
        return value * _EXACT_POWERS[exponent], unit
    if -22 <= exponent < 0:
        return value / _EXACT_POWERS[-exponent], unit
    return _scale_exactly(value, exponent), unit


def _scale_exactly(value: float, exponent: int) -> float:
    # Decimal(value) is exact (a double has at most 767 significant digits), scaleb with that
    # much precision shifts the exponent exactly, and float() rounds the result once.
    if exponent > 700:
        return math.copysign(math.inf, value)
    if exponent < -800:
        return math.copysign(0.0, value)
    context = Context(prec=800, Emax=999_999, Emin=-999_999, traps=[])
    return float(Decimal(value).scaleb(exponent, context))


def _wire(value: Enum | str) -> str:
    """An enum field's wire string: a member's value, or the string as sent that a lenient
    decoding kept for a value outside the enum."""
    return value.value if isinstance(value, Enum) else value


def meter_values_rows(station_id: str, message_id: str, request: MeterValuesRequest) -> list[Row]:
    """The rows of one MeterValues CALL, one per sampled value, in input order.

    Reading ``request.meter_value`` builds the request's Python objects (the core builds them
    lazily), so call this where that work may run, e.g. off the event loop for large frames.
    """
    head = (station_id, message_id, "MeterValues", request.evse_id, None, None, None, None)
    return _rows(head, request.meter_value)


def transaction_event_rows(
    station_id: str, message_id: str, request: TransactionEventRequest
) -> list[Row]:
    """The rows of one TransactionEvent CALL: one per sampled value of its ``meterValue``, in
    input order (none without meter values), carrying the event's EVSE, connector,
    transaction id, event type and sequence number."""
    evse = request.evse
    head = (
        station_id,
        message_id,
        "TransactionEvent",
        None if evse is None else evse.id,
        None if evse is None else evse.connector_id,
        request.transaction_info.transaction_id,
        request.event_type.value,
        request.seq_no,
    )
    return _rows(head, request.meter_value or ())


def transaction_event_record(
    station_id: str, message_id: str, request: TransactionEventRequest
) -> Event:
    """The event record of one TransactionEvent CALL, as ``decode_batch`` gives it.

    Integers are returned as decoded; ``decode_batch`` rejects the frame instead when one of
    its ``int32`` columns (``evse_id``, ``reservation_id``, ...) holds a value outside 32 bits.
    """
    info = request.transaction_info
    evse = request.evse
    token = request.id_token
    charging_state = info.charging_state
    stopped_reason = info.stopped_reason
    count = sum(len(mv.sampled_value) for mv in request.meter_value or ())
    return Event(
        station_id,
        message_id,
        info.transaction_id,
        request.event_type.value,
        request.timestamp.astimezone(timezone.utc),
        request.trigger_reason.value,
        request.seq_no,
        request.offline,
        request.number_of_phases_used,
        request.cable_max_current,
        request.reservation_id,
        info.remote_start_id,
        None if charging_state is None else charging_state.value,
        None if stopped_reason is None else stopped_reason.value,
        info.time_spent_charging,
        None if evse is None else evse.id,
        None if evse is None else evse.connector_id,
        None if token is None else token.id_token,
        None if token is None else _wire(token.type),
        count,
    )


_Head = tuple[str, str, str, "int | None", "int | None", "str | None", "str | None", "int | None"]


def _rows(head: _Head, meter_values: Sequence[MeterValue]) -> list[Row]:
    """One row per sampled value of ``meter_values``, each starting with ``head`` (the
    columns every row of one message shares)."""
    rows: list[Row] = []
    for mv_index, meter_value in enumerate(meter_values):
        timestamp = meter_value.timestamp.astimezone(timezone.utc)
        for sv_index, sampled in enumerate(meter_value.sampled_value):
            uom = sampled.unit_of_measure
            if uom is None:
                unit, multiplier = DEFAULT_UNIT, 0
            else:
                unit = DEFAULT_UNIT if uom.unit is None else uom.unit
                multiplier = 0 if uom.multiplier is None else uom.multiplier
            value = sampled.value
            normalized_value, normalized_unit = normalize(value, unit, multiplier)
            measurand = sampled.measurand
            phase = sampled.phase
            location = sampled.location
            context = sampled.context
            signed = sampled.signed_meter_value
            rows.append(
                Row(
                    *head,
                    mv_index,
                    sv_index,
                    timestamp,
                    value,
                    DEFAULT_MEASURAND if measurand is None else _wire(measurand),
                    None if phase is None else _wire(phase),
                    DEFAULT_LOCATION if location is None else _wire(location),
                    DEFAULT_CONTEXT if context is None else _wire(context),
                    unit,
                    multiplier,
                    normalized_value,
                    normalized_unit,
                    None if signed is None else signed.signed_meter_data,
                    None if signed is None else signed.signing_method,
                    None if signed is None else signed.encoding_method,
                    None if signed is None else signed.public_key,
                )
            )
    return rows
