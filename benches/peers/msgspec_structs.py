"""msgspec with ``Struct`` types that carry the schema's constraints, decoding the whole frame.

The model mirrors ``MeterValuesRequest.json`` (draft-06) as closely as msgspec can express it:
unknown properties are refused (except in ``customData``, which the schema leaves open),
required fields are required, optional fields may be absent but not ``null`` (``UNSET`` when
absent), strings have their ``maxLength``, arrays their ``minItems``, enums their wire values,
``evseId >= 0``, timestamps must carry an offset. The frame itself is a 4-tuple with the CALL's
type id, a 1 to 36 character message id and the action.

Known differences from the schema, none of which the benchmark frames touch: msgspec reads
``1.0`` as a float (draft-06 counts it as an integer for ``evseId`` and ``multiplier``), keeps
only ``vendorId`` of ``customData``, and accepts duplicate keys (last one wins).
"""

# msgspec reads these annotations at run time: keep Union for Python 3.9.
# ruff: noqa: UP007

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Union

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType
from ocpp_meter.enums import Location, Measurand, Phase, ReadingContext

from .common import View, view_of_objects, walk

NAME = "msgspec"


class CustomData(Struct, rename="camel", frozen=True, forbid_unknown_fields=False):
    """``CustomDataType``: open to vendor properties, which msgspec skips."""

    vendor_id: Annotated[str, Meta(max_length=255)]


class UnitOfMeasure(Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True):
    custom_data: Union[CustomData, UnsetType] = UNSET
    unit: Union[Annotated[str, Meta(max_length=20)], UnsetType] = UNSET
    multiplier: Union[int, UnsetType] = UNSET


class SignedMeterValue(
    Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
):
    custom_data: Union[CustomData, UnsetType] = UNSET
    signed_meter_data: Annotated[str, Meta(max_length=2500)]
    signing_method: Annotated[str, Meta(max_length=50)]
    encoding_method: Annotated[str, Meta(max_length=50)]
    public_key: Annotated[str, Meta(max_length=2500)]


class SampledValue(Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True):
    custom_data: Union[CustomData, UnsetType] = UNSET
    value: float
    context: Union[ReadingContext, UnsetType] = UNSET
    measurand: Union[Measurand, UnsetType] = UNSET
    phase: Union[Phase, UnsetType] = UNSET
    location: Union[Location, UnsetType] = UNSET
    signed_meter_value: Union[SignedMeterValue, UnsetType] = UNSET
    unit_of_measure: Union[UnitOfMeasure, UnsetType] = UNSET


class MeterValue(Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True):
    custom_data: Union[CustomData, UnsetType] = UNSET
    sampled_value: Annotated[tuple[SampledValue, ...], Meta(min_length=1)]
    timestamp: Annotated[datetime, Meta(tz=True)]


class MeterValuesRequest(
    Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
):
    custom_data: Union[CustomData, UnsetType] = UNSET
    evse_id: Annotated[int, Meta(ge=0)]
    meter_value: Annotated[tuple[MeterValue, ...], Meta(min_length=1)]


Frame = tuple[
    Literal[2],
    Annotated[str, Meta(min_length=1, max_length=36)],
    Literal["MeterValues"],
    MeterValuesRequest,
]

DECODER = msgspec.json.Decoder(Frame)

ACK = DECODER.decode
"""Acknowledge path: decode and validate the whole frame into Structs."""


def _read(frame: bytes) -> None:
    walk(DECODER.decode(frame)[3])


READ = _read
"""Read-every-field path: decode, then read every field of the request."""


def view(frame: bytes) -> View:
    _, message_id, _, request = DECODER.decode(frame)
    return view_of_objects(message_id, request, absent=UNSET)
