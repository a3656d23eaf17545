"""The peers on TransactionEvent frames: the same adapters as :mod:`.peers` for MeterValues.

msgspec Structs and pydantic models of the official OCPP 2.0.1 ``TransactionEventRequest``
schema with the constraints ours enforces (required fields, ``maxLength``, enums, non-empty
arrays, unknown properties refused except in ``customData``, timezone-aware timestamps; the
2.0.1 schema bounds no integer here, and neither does ours), built on the MeterValues models of
:mod:`.peers` for ``meterValue``; the official schema compiled by fastjsonschema; the ``ocpp``
library's CALL path. The dict floors (``orjson``, ``json``) are the MeterValues peers
themselves: they read any frame, and their view follows the frame's action.
"""

# msgspec and pydantic read the model annotations below at run time, and Python 3.9 has no
# ``X | Y`` there: keep ``Union``.
# ruff: noqa: UP007

from __future__ import annotations

import importlib
import json
from datetime import datetime
from typing import Annotated, Any, Callable, Literal, Union

from .._core import Call, decode_call
from ..enums import ChargingState, IdTokenType, Reason, TransactionEventType, TriggerReason
from .frames import OURS, View
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
from .views import call_view, te_view_of_objects, te_view_of_wire, walk_transaction_event

ACTION = "TransactionEvent"
SCHEMA_FILE = "TransactionEventRequest.json"


def _make_ours(profile: str = "strict") -> Peer:
    def decode(frame: bytes) -> Call:
        return decode_call(frame, profile=profile)  # type: ignore[arg-type]

    def read(frame: bytes) -> None:
        walk_transaction_event(decode(frame).payload)

    def view(frame: bytes) -> View:
        call = decode(frame)
        if call.action != ACTION:
            raise AssertionError(f"action {call.action!r}")
        return te_view_of_objects(call.message_id, call.payload)

    return Peer(
        name=OURS if profile == "strict" else profile,
        what=f'`ocpp_meter.decode_call(frame, profile="{profile}")`',
        ack=decode_call if profile == "strict" else decode,
        read=read,
        view=view,
        version=_version("ocpp-meter"),
    )


def _typed_peer(name: str, what: str, decode: Callable[[bytes], Any], absent: Any = None) -> Peer:
    return typed_call_peer(name, what, decode, walk_transaction_event, te_view_of_objects, absent)


if not _MSGSPEC_MISSING:
    import msgspec
    from msgspec import UNSET, Meta, Struct, UnsetType

    from .peers import _MsCustomData, _MsMeterValue

    class _MsAdditionalInfo(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET
        additional_id_token: Annotated[str, Meta(max_length=36)]
        type: Annotated[str, Meta(max_length=50)]

    class _MsIdToken(Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET
        additional_info: Union[
            Annotated[tuple[_MsAdditionalInfo, ...], Meta(min_length=1)], UnsetType
        ] = UNSET
        id_token: Annotated[str, Meta(max_length=36)]
        type: IdTokenType

    class _MsEvse(Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET
        id: int
        connector_id: Union[int, UnsetType] = UNSET

    class _MsTransaction(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET
        transaction_id: Annotated[str, Meta(max_length=36)]
        charging_state: Union[ChargingState, UnsetType] = UNSET
        time_spent_charging: Union[int, UnsetType] = UNSET
        stopped_reason: Union[Reason, UnsetType] = UNSET
        remote_start_id: Union[int, UnsetType] = UNSET

    class _MsTransactionEventRequest(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET
        event_type: TransactionEventType
        meter_value: Union[Annotated[tuple[_MsMeterValue, ...], Meta(min_length=1)], UnsetType] = (
            UNSET
        )
        timestamp: Annotated[datetime, Meta(tz=True)]
        trigger_reason: TriggerReason
        seq_no: int
        offline: Union[bool, UnsetType] = UNSET
        number_of_phases_used: Union[int, UnsetType] = UNSET
        cable_max_current: Union[int, UnsetType] = UNSET
        reservation_id: Union[int, UnsetType] = UNSET
        transaction_info: _MsTransaction
        evse: Union[_MsEvse, UnsetType] = UNSET
        id_token: Union[_MsIdToken, UnsetType] = UNSET


def _make_msgspec() -> Peer:
    if _MSGSPEC_MISSING:
        raise ImportError("msgspec is not installed")
    frame_type = tuple[
        Literal[2],
        Annotated[str, Meta(min_length=1, max_length=36)],
        Literal["TransactionEvent"],
        _MsTransactionEventRequest,
    ]
    return _typed_peer(
        "msgspec",
        "msgspec `Struct`s of `TransactionEventRequest` with the schema's constraints, "
        "decoding the whole CALL",
        msgspec.json.Decoder(frame_type).decode,
        absent=UNSET,
    )


if not _PYDANTIC_MISSING:
    from pydantic import AwareDatetime, BaseModel, Field, TypeAdapter

    from .peers import _PD_CONFIG, _PdCustomData, _PdMeterValue

    _ABSENT: Any = None

    class _PdAdditionalInfo(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT
        additional_id_token: Annotated[str, Field(max_length=36)]
        type: Annotated[str, Field(max_length=50)]

    class _PdIdToken(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT
        additional_info: Annotated[tuple[_PdAdditionalInfo, ...], Field(min_length=1)] = _ABSENT
        id_token: Annotated[str, Field(max_length=36)]
        type: IdTokenType

    class _PdEvse(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT
        id: int
        connector_id: int = _ABSENT

    class _PdTransaction(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT
        transaction_id: Annotated[str, Field(max_length=36)]
        charging_state: ChargingState = _ABSENT
        time_spent_charging: int = _ABSENT
        stopped_reason: Reason = _ABSENT
        remote_start_id: int = _ABSENT

    class _PdTransactionEventRequest(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT
        event_type: TransactionEventType
        meter_value: Annotated[tuple[_PdMeterValue, ...], Field(min_length=1)] = _ABSENT
        timestamp: AwareDatetime
        trigger_reason: TriggerReason
        seq_no: int
        offline: bool = _ABSENT
        number_of_phases_used: int = _ABSENT
        cable_max_current: int = _ABSENT
        reservation_id: int = _ABSENT
        transaction_info: _PdTransaction
        evse: _PdEvse = _ABSENT
        id_token: _PdIdToken = _ABSENT


def _make_pydantic() -> Peer:
    if _PYDANTIC_MISSING:
        raise ImportError("pydantic is not installed")
    adapter: TypeAdapter[Any] = TypeAdapter(
        tuple[
            Literal[2],
            Annotated[str, Field(min_length=1, max_length=36)],
            Literal["TransactionEvent"],
            _PdTransactionEventRequest,
        ]
    )
    return _typed_peer(
        "pydantic",
        "pydantic v2 models of `TransactionEventRequest` with the schema's constraints, "
        "`TypeAdapter(<CALL tuple>).validate_json`",
        adapter.validate_json,
    )


def _make_fastjsonschema() -> Peer:
    orjson = _orjson()
    fastjsonschema = importlib.import_module("fastjsonschema")
    path = schema_path(SCHEMA_FILE)
    if path is None:
        raise ImportError(f"no {SCHEMA_FILE} found (repository checkout or ocpp library)")
    with open(path, encoding="utf-8-sig") as handle:
        schema = json.load(handle)
    validate = fastjsonschema.compile(schema, use_default=False)
    ack = envelope_then(orjson.loads, ACTION, validate)
    return Peer(
        name="fastjsonschema",
        what="`orjson.loads`, the CALL envelope checked, then `fastjsonschema` compiled from "
        f"the official `{SCHEMA_FILE}`",
        ack=ack,
        view=lambda frame: call_view(ack(frame)),
        version=_version("fastjsonschema"),
    )


def _make_ocpp() -> Peer:
    ack, to_snake = ocpp_call_path(ACTION)

    def view(frame: bytes) -> View:
        message_id, payload = ack(frame)
        return te_view_of_wire(
            message_id, payload, key=lambda name: next(iter(to_snake({name: 0})))
        )

    return Peer(
        name="ocpp",
        what="the mobilityhouse `ocpp` library's CALL path, as for MeterValues",
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


def te_peers(found: dict[str, Peer]) -> dict[str, Peer]:
    """The TransactionEvent adapter of each MeterValues peer in ``found`` (the dict floors are
    their own); a peer is left out only if its adapter cannot be built."""
    return adapters(found, _FACTORIES)
