"""Batch decode to Arrow: ours against the Python baseline a CSMS would write today (msgspec
decode of each frame, then the rows flattened in Python into a pyarrow table) and against
``orjson.loads`` of each frame (a floor that neither validates nor flattens)."""

from __future__ import annotations

import importlib
import math
from datetime import timezone
from typing import TYPE_CHECKING, Any, Callable

from .. import samples
from .._core import decode_batch
from ..rows import DEFAULT_CONTEXT, DEFAULT_LOCATION, DEFAULT_MEASURAND, DEFAULT_UNIT, normalize
from .frames import SEED, v16_frames

if TYPE_CHECKING:
    from .._core import BatchDialect, Profile

BATCH_FRAMES = 10_000
"""Frames per batch: typical frames, as an ingest worker pulls them from a broker."""

CHECK_FRAMES = 200
"""Frames the agreement check compares, row by row."""

STATION = "CS-1"


def batch_frames(n: int = BATCH_FRAMES, seed: int = SEED) -> list[bytes]:
    """The typical frames a batch is timed on."""
    return samples.frames(n, "typical", seed)


BatchFunc = Callable[[list[bytes]], Any]


def ours(
    threads: int, profile: Profile = "strict", dialect: BatchDialect = "2.0.1"
) -> tuple[BatchFunc, Callable[[list[bytes]], list[dict[str, Any]]]]:
    """``decode_batch`` of ``dialect`` frames on ``threads`` threads (0: all cores) into a
    pyarrow table; its rows."""
    pa = importlib.import_module("pyarrow")

    def run(frames: list[bytes]) -> Any:
        return pa.table(
            decode_batch(frames, STATION, threads=threads, profile=profile, dialect=dialect)
        )

    return run, lambda frames: run(frames).to_pylist()


def row_schema() -> Any:
    """The row form's pyarrow schema, as a Python baseline declares it."""
    pa = importlib.import_module("pyarrow")
    return pa.schema(
        [
            ("station_id", pa.string()),
            ("message_id", pa.string()),
            ("action", pa.string()),
            ("evse_id", pa.int32()),
            ("connector_id", pa.int32()),
            ("transaction_id", pa.string()),
            ("event_type", pa.string()),
            ("seq_no", pa.int64()),
            ("meter_value_index", pa.int32()),
            ("sampled_value_index", pa.int32()),
            ("timestamp", pa.timestamp("us", tz="UTC")),
            ("value", pa.float64()),
            ("measurand", pa.dictionary(pa.int32(), pa.string())),
            ("phase", pa.string()),
            ("location", pa.string()),
            ("context", pa.string()),
            ("unit", pa.string()),
            ("multiplier", pa.int32()),
            ("normalized_value", pa.float64()),
            ("normalized_unit", pa.string()),
            ("signed_meter_data", pa.string()),
            ("signing_method", pa.string()),
            ("encoding_method", pa.string()),
            ("public_key", pa.string()),
        ]
    )


def append_rows(
    columns: list[list[Any]], head: tuple[Any, ...], meter_values: Any, unset: Any
) -> int:
    """Appends the rows of one message's ``meter_values`` (peer objects, ``unset`` for an
    absent field) to the row form's ``columns``, each row starting with ``head``; how many."""
    (station, mid, action, evse, connector, tx, event, seq, mvi, svi, stamp, value, meas,
     phase, loc, ctx, unit, mult, nvalue, nunit, sdata, smethod, emethod, key) = columns  # fmt: skip
    h_station, h_mid, h_action, h_evse, h_connector, h_tx, h_event, h_seq = head
    n = 0
    for mv_index, meter_value in enumerate(meter_values):
        timestamp = meter_value.timestamp.astimezone(timezone.utc)
        for sv_index, sv in enumerate(meter_value.sampled_value):
            uom = sv.unit_of_measure
            u = DEFAULT_UNIT if uom is unset or uom.unit is unset else uom.unit
            m = 0 if uom is unset or uom.multiplier is unset else uom.multiplier
            normalized, base = normalize(sv.value, u, m)
            signed = sv.signed_meter_value
            station.append(h_station)
            mid.append(h_mid)
            action.append(h_action)
            evse.append(h_evse)
            connector.append(h_connector)
            tx.append(h_tx)
            event.append(h_event)
            seq.append(h_seq)
            mvi.append(mv_index)
            svi.append(sv_index)
            stamp.append(timestamp)
            value.append(sv.value)
            meas.append(DEFAULT_MEASURAND if sv.measurand is unset else sv.measurand.value)
            phase.append(None if sv.phase is unset else sv.phase.value)
            loc.append(DEFAULT_LOCATION if sv.location is unset else sv.location.value)
            ctx.append(DEFAULT_CONTEXT if sv.context is unset else sv.context.value)
            unit.append(u)
            mult.append(m)
            nvalue.append(normalized)
            nunit.append(base)
            none = signed is unset
            sdata.append(None if none else signed.signed_meter_data)
            smethod.append(None if none else signed.signing_method)
            emethod.append(None if none else signed.encoding_method)
            key.append(None if none else signed.public_key)
            n += 1
    return n


def msgspec_baseline(
    decode: Callable[[bytes], Any], unset: Any
) -> tuple[BatchFunc, Callable[[list[bytes]], list[dict[str, Any]]]]:
    """msgspec decode of each CALL, rows flattened in Python, one pyarrow table at the end."""
    pa = importlib.import_module("pyarrow")
    schema = row_schema()

    def run(frames: list[bytes]) -> Any:
        columns: list[list[Any]] = [[] for _ in schema.names]
        for frame in frames:
            _, message_id, _, request = decode(frame)
            head = (STATION, message_id, "MeterValues", request.evse_id, None, None, None, None)
            append_rows(columns, head, request.meter_value, unset)
        return pa.table(columns, schema=schema)

    return run, lambda frames: run(frames).to_pylist()


def batch_frames16(n: int = BATCH_FRAMES, seed: int = SEED) -> list[bytes]:
    """The typical OCPP 1.6J MeterValues frames a 1.6 batch is timed on."""
    return v16_frames(n, "v16-typical", seed)


# 1.6 spells two units otherwise than the row form's normalized unit does.
_UNIT_16_TO_2X = {"Celcius": "Celsius", "Hertz": "Hz"}


def msgspec_baseline16(
    decode: Callable[[bytes], Any], unset: Any
) -> tuple[BatchFunc, Callable[[list[bytes]], list[dict[str, Any]]]]:
    """The Python baseline of a 1.6 batch: msgspec decode of each CALL (the 1.6 Structs), the
    rows flattened in Python as the row form has them for 1.6 (``value`` the decimal text as a
    float, NaN for signed data, which goes to ``signed_meter_data``; multiplier 0; the 1.6 unit,
    normalized), one pyarrow table."""
    pa = importlib.import_module("pyarrow")
    schema = row_schema()
    utc = timezone.utc
    register = DEFAULT_MEASURAND

    def run(frames: list[bytes]) -> Any:
        columns: list[list[Any]] = [[] for _ in schema.names]
        (station, mid, action, evse, connector, tx, event, seq, mvi, svi, stamp, value, meas,
         phase, loc, ctx, unit, mult, nvalue, nunit, sdata, smethod, emethod, key) = columns  # fmt: skip
        for frame in frames:
            _, message_id, _, request = decode(frame)
            transaction = request.transaction_id
            transaction = None if transaction is unset else str(transaction)
            connector_id = request.connector_id
            for mv_index, meter_value in enumerate(request.meter_value):
                timestamp = meter_value.timestamp.astimezone(utc)
                for sv_index, sv in enumerate(meter_value.sampled_value):
                    u = "Wh" if sv.unit is unset else sv.unit
                    signed = sv.format == "SignedData"
                    number = math.nan if signed else float(sv.value)
                    normalized, base = normalize(number, _UNIT_16_TO_2X.get(u, u), 0)
                    station.append(STATION)
                    mid.append(message_id)
                    action.append("MeterValues")
                    evse.append(None)
                    connector.append(connector_id)
                    tx.append(transaction)
                    event.append(None)
                    seq.append(None)
                    mvi.append(mv_index)
                    svi.append(sv_index)
                    stamp.append(timestamp)
                    value.append(number)
                    meas.append(register if sv.measurand is unset else sv.measurand)
                    phase.append(None if sv.phase is unset else sv.phase)
                    loc.append(DEFAULT_LOCATION if sv.location is unset else sv.location)
                    ctx.append(DEFAULT_CONTEXT if sv.context is unset else sv.context)
                    unit.append(u)
                    mult.append(0)
                    nvalue.append(normalized)
                    nunit.append(base)
                    sdata.append(sv.value if signed else None)
                    smethod.append(None)
                    emethod.append(None)
                    key.append(None)
        return pa.table(columns, schema=schema)

    return run, lambda frames: run(frames).to_pylist()


def orjson_floor() -> BatchFunc:
    """``orjson.loads`` of every frame: no validation, no rows."""
    loads = importlib.import_module("orjson").loads

    def run(frames: list[bytes]) -> Any:
        return [loads(f) for f in frames]

    return run
