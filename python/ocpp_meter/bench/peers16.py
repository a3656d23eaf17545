"""The peers on OCPP 1.6J MeterValues frames: the same adapters as :mod:`.peers` for 2.0.1.

msgspec Structs and pydantic models written from the 1.6 schema file
(``tests/data/ocpp16/MeterValues.json``, draft-04) with the constraints it states: required
``connectorId`` and ``meterValue``, non-empty ``meterValue`` and ``sampledValue`` arrays, a
required ``value`` string, the closed enumerations of context, format, measurand, phase,
location and unit (read from the file, as ``Literal`` strings), ``date-time`` timestamps with
an offset, integers for the two ids, unknown properties refused; and ``connectorId >= 0``, which
ours also checks (the specification's field description) as the 2.0.1 peers check ``evseId``.
The decimal text of ``value`` is a string to the schema, so the peers take any string (ours also
checks it is decimal text, and reads the number). The official schema compiled by
fastjsonschema; the mobilityhouse ``ocpp`` library's CALL path with its 1.6 validator. The dict
floors (``orjson``, ``json``) are the 2.0.1 peers themselves: they read any frame, and
:func:`.views.call_view` tells a 1.6 payload by its ``connectorId``.
"""

# msgspec and pydantic read the model annotations below at run time, and Python 3.9 has no
# ``X | Y`` there: keep ``Union``.
# ruff: noqa: UP007

from __future__ import annotations

import importlib
import json
from datetime import datetime
from typing import Annotated, Any, Callable, Literal, Union, get_args

from .._core import Call, decode_call
from . import batch
from .frames import OURS, View
from .measure import Case
from .peers import (
    _MSGSPEC_MISSING,
    _PYDANTIC_MISSING,
    Peer,
    _orjson,
    _version,
    adapters,
    envelope_then,
    ocpp_call_path,
    schema_path,
    typed_call_peer,
)
from .views import call_view, v16_view_of_objects, v16_view_of_wire, walk16

ACTION = "MeterValues"
DIALECT = "1.6"
SCHEMA_FILE = "MeterValues.json"


def _schema() -> dict[str, Any]:
    path = schema_path(SCHEMA_FILE, DIALECT)
    if path is None:
        raise ImportError(f"no 1.6 {SCHEMA_FILE} found (repository checkout or ocpp library)")
    with open(path, encoding="utf-8-sig") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


Context16 = Literal[
    "Interruption.Begin",
    "Interruption.End",
    "Sample.Clock",
    "Sample.Periodic",
    "Transaction.Begin",
    "Transaction.End",
    "Trigger",
    "Other",
]
Format16 = Literal["Raw", "SignedData"]
Measurand16 = Literal[
    "Energy.Active.Export.Register",
    "Energy.Active.Import.Register",
    "Energy.Reactive.Export.Register",
    "Energy.Reactive.Import.Register",
    "Energy.Active.Export.Interval",
    "Energy.Active.Import.Interval",
    "Energy.Reactive.Export.Interval",
    "Energy.Reactive.Import.Interval",
    "Power.Active.Export",
    "Power.Active.Import",
    "Power.Offered",
    "Power.Reactive.Export",
    "Power.Reactive.Import",
    "Power.Factor",
    "Current.Import",
    "Current.Export",
    "Current.Offered",
    "Voltage",
    "Frequency",
    "Temperature",
    "SoC",
    "RPM",
]
Phase16 = Literal["L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1"]
Location16 = Literal["Cable", "EV", "Inlet", "Outlet", "Body"]
Unit16 = Literal[
    "Wh",
    "kWh",
    "varh",
    "kvarh",
    "W",
    "kW",
    "VA",
    "kVA",
    "var",
    "kvar",
    "A",
    "V",
    "K",
    "Celcius",
    "Celsius",
    "Fahrenheit",
    "Percent",
    "Hertz",
]
ENUMS16: dict[str, Any] = {
    "context": Context16,
    "format": Format16,
    "measurand": Measurand16,
    "phase": Phase16,
    "location": Location16,
    "unit": Unit16,
}
"""The enumerations of a 1.6 sampled value, as the schema file lists them (the peers' types;
:func:`check_enums` holds them to the file)."""


def check_enums() -> None:
    """Fail unless :data:`ENUMS16` lists exactly the values of the 1.6 schema file, in order.

    Raises:
        AssertionError: naming the property whose values differ.
    """
    sampled = _schema()["properties"]["meterValue"]["items"]["properties"]["sampledValue"]
    properties = sampled["items"]["properties"]
    enums = {name: spec["enum"] for name, spec in properties.items() if "enum" in spec}
    if set(enums) != set(ENUMS16):
        raise AssertionError(f"enumerated properties {sorted(enums)} != {sorted(ENUMS16)}")
    for name, values in enums.items():
        if list(get_args(ENUMS16[name])) != values:
            raise AssertionError(f"{name}: {get_args(ENUMS16[name])} != the schema's {values}")


def _make_ours(profile: str = "strict") -> Peer:
    def decode(frame: bytes) -> Call:
        return decode_call(frame, profile=profile, dialect="1.6")  # type: ignore[arg-type]

    def ack(frame: bytes) -> Call:
        return decode_call(frame, dialect="1.6")

    def read(frame: bytes) -> None:
        walk16(decode(frame).payload)

    def view(frame: bytes) -> View:
        call = decode(frame)
        if call.action != ACTION:
            raise AssertionError(f"action {call.action!r}")
        request: Any = call.payload
        for mv in request.meter_value:
            for sv in mv.sampled_value:
                signed = sv.format is not None and sv.format.value == "SignedData"
                if sv.number != (None if signed else float(sv.value)):
                    raise AssertionError(f"number {sv.number!r} of {sv.value!r}")
        return v16_view_of_objects(call.message_id, request)

    return Peer(
        name=OURS if profile == "strict" else profile,
        what=f'`ocpp_meter.decode_call(frame, profile="{profile}", dialect="1.6")`',
        ack=ack if profile == "strict" else decode,
        read=read,
        view=view,
        version=_version("ocpp-meter"),
    )


def _typed_peer(name: str, what: str, decode: Callable[[bytes], Any], absent: Any = None) -> Peer:
    return typed_call_peer(name, what, decode, walk16, v16_view_of_objects, absent)


if not _MSGSPEC_MISSING:
    import msgspec
    from msgspec import UNSET, Meta, Struct, UnsetType

    class _MsSampledValue16(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        value: str
        context: Union[Context16, UnsetType] = UNSET
        format: Union[Format16, UnsetType] = UNSET
        measurand: Union[Measurand16, UnsetType] = UNSET
        phase: Union[Phase16, UnsetType] = UNSET
        location: Union[Location16, UnsetType] = UNSET
        unit: Union[Unit16, UnsetType] = UNSET

    class _MsMeterValue16(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        timestamp: Annotated[datetime, Meta(tz=True)]
        sampled_value: Annotated[tuple[_MsSampledValue16, ...], Meta(min_length=1)]

    class _MsMeterValuesRequest16(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        connector_id: Annotated[int, Meta(ge=0)]
        transaction_id: Union[int, UnsetType] = UNSET
        meter_value: Annotated[tuple[_MsMeterValue16, ...], Meta(min_length=1)]


def msgspec_call_decoder() -> Callable[[bytes], Any]:
    """msgspec's decoder of a whole 1.6 MeterValues CALL."""
    if _MSGSPEC_MISSING:
        raise ImportError("msgspec is not installed")
    if schema_path(SCHEMA_FILE, DIALECT) is None:
        raise ImportError(f"no 1.6 {SCHEMA_FILE} found (repository checkout or ocpp library)")
    frame_type = tuple[
        Literal[2],
        Annotated[str, Meta(min_length=1, max_length=36)],
        Literal["MeterValues"],
        _MsMeterValuesRequest16,
    ]
    decode: Callable[[bytes], Any] = msgspec.json.Decoder(frame_type).decode
    return decode


def _make_msgspec() -> Peer:
    check_enums()
    return _typed_peer(
        "msgspec",
        "msgspec `Struct`s of the 1.6 `MeterValues.json` with its constraints, decoding the "
        "whole CALL",
        msgspec_call_decoder(),
        absent=UNSET,
    )


if not _PYDANTIC_MISSING:
    from pydantic import AwareDatetime, BaseModel, Field, TypeAdapter

    from .peers import _PD_CONFIG

    _ABSENT: Any = None

    class _PdSampledValue16(BaseModel):
        model_config = _PD_CONFIG
        value: str
        context: Context16 = _ABSENT
        format: Format16 = _ABSENT
        measurand: Measurand16 = _ABSENT
        phase: Phase16 = _ABSENT
        location: Location16 = _ABSENT
        unit: Unit16 = _ABSENT

    class _PdMeterValue16(BaseModel):
        model_config = _PD_CONFIG
        timestamp: AwareDatetime
        sampled_value: Annotated[tuple[_PdSampledValue16, ...], Field(min_length=1)]

    class _PdMeterValuesRequest16(BaseModel):
        model_config = _PD_CONFIG
        connector_id: Annotated[int, Field(ge=0)]
        transaction_id: int = _ABSENT
        meter_value: Annotated[tuple[_PdMeterValue16, ...], Field(min_length=1)]


def _make_pydantic() -> Peer:
    if _PYDANTIC_MISSING:
        raise ImportError("pydantic is not installed")
    if schema_path(SCHEMA_FILE, DIALECT) is None:
        raise ImportError(f"no 1.6 {SCHEMA_FILE} found (repository checkout or ocpp library)")
    check_enums()
    adapter: TypeAdapter[Any] = TypeAdapter(
        tuple[
            Literal[2],
            Annotated[str, Field(min_length=1, max_length=36)],
            Literal["MeterValues"],
            _PdMeterValuesRequest16,
        ]
    )
    return _typed_peer(
        "pydantic",
        "pydantic v2 models of the 1.6 `MeterValues.json` with its constraints, "
        "`TypeAdapter(<CALL tuple>).validate_json`",
        adapter.validate_json,
    )


def _make_fastjsonschema() -> Peer:
    orjson = _orjson()
    fastjsonschema = importlib.import_module("fastjsonschema")
    validate = fastjsonschema.compile(_schema(), use_default=False)
    ack = envelope_then(orjson.loads, ACTION, validate)
    return Peer(
        name="fastjsonschema",
        what="`orjson.loads`, the CALL envelope checked, then `fastjsonschema` compiled from "
        "the 1.6 `MeterValues.json` (draft-04, formats on)",
        ack=ack,
        view=lambda frame: call_view(ack(frame)),
        version=_version("fastjsonschema"),
    )


def _make_ocpp() -> Peer:
    ack, to_snake = ocpp_call_path(ACTION, DIALECT)

    def view(frame: bytes) -> View:
        message_id, payload = ack(frame)
        return v16_view_of_wire(
            message_id, payload, key=lambda name: next(iter(to_snake({name: 0})))
        )

    return Peer(
        name="ocpp",
        what="the mobilityhouse `ocpp` library's CALL path with its 1.6 schema "
        '(`_validate_payload(msg, "1.6")`), as for 2.0.1',
        ack=ack,
        view=view,
        version=_version("ocpp"),
    )


_FACTORIES: dict[str, Callable[[], Peer]] = {
    "ours": _make_ours,
    "lenient": lambda: _make_ours("lenient"),
    "msgspec": _make_msgspec,
    "pydantic": _make_pydantic,
    "fastjsonschema": _make_fastjsonschema,
    "ocpp": _make_ocpp,
}


def v16_peers(found: dict[str, Peer]) -> dict[str, Peer]:
    """The OCPP 1.6J adapter of each 2.0.1 peer in ``found`` (the dict floors are their own);
    a peer is left out only if its adapter cannot be built."""
    return adapters(found, _FACTORIES)


BATCH_PATH = "arrow-1"
BATCH_KIND = "v16-typical"
"""The 1.6 batch's case: ``batch``, ``arrow-1`` on 10,000 typical 1.6 frames."""


def batch_group(frames: list[bytes], err: Any = None) -> list[Case]:
    """``decode_batch(..., dialect="1.6")`` on one thread against the Python baseline of
    :func:`.batch.msgspec_baseline16` and ``orjson.loads`` alone, ours first, the baseline's rows
    checked against ours first; empty when pyarrow or msgspec is missing (said on ``err``).

    Raises:
        AssertionError: the baseline's rows differ from ours.
    """
    try:
        mine, mine_rows = batch.ours(1, dialect="1.6")
        baseline, baseline_rows = batch.msgspec_baseline16(msgspec_call_decoder(), UNSET)
        floor = batch.orjson_floor()
    except ImportError as exc:
        if err is not None:
            err.write(f"bench: skipping the 1.6 batch: {exc}\n")
        return []
    check = batch.batch_frames16(batch.CHECK_FRAMES, seed=1)
    theirs, ours = baseline_rows(check), mine_rows(check)
    if theirs != ours:
        index = next((i for i, (a, b) in enumerate(zip(theirs, ours)) if a != b), len(ours))
        raise AssertionError(f"msgspec 1.6 batch row {index} differs from ours")
    return [
        Case("batch", BATCH_PATH, BATCH_KIND, OURS, mine, frames),
        Case("batch", BATCH_PATH, BATCH_KIND, "msgspec", baseline, frames),
        Case("batch", BATCH_PATH, BATCH_KIND, "orjson", floor, frames),
    ]
