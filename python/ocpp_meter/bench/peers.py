"""The peers, one adapter each: how each decodes and encodes the frames."""

# msgspec and pydantic read the model annotations below at run time, and Python 3.9 has no
# ``X | Y`` there: keep ``Union``.
# ruff: noqa: UP007

from __future__ import annotations

import importlib
import json
import platform
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, Union

from .._core import Call, MeterValuesRequest, MeterValuesResponse, decode_call, encode_call
from ..dispatch import Dispatcher
from ..enums import Location, Measurand, Phase, ReadingContext
from . import batch
from .frames import OURS, View
from .views import call_view, view_of_objects, view_of_wire, walk


@dataclass(frozen=True)
class Peer:
    """One implementation measured: its decode paths, its encoders and how to check them.

    Every callable takes one argument. ``view`` gives the peer's decode of a frame in the
    comparable form; ``prepare`` turns a frame into what ``encode_frame`` and ``encode_payload``
    take (untimed); each encoder returns JSON text (bytes or str), and so does ``dispatch``.
    """

    name: str
    what: str
    ack: Callable[[bytes], object] | None = None
    read: Callable[[bytes], object] | None = None
    view: Callable[[bytes], View] | None = None
    prepare: Callable[[bytes], Any] | None = None
    encode_frame: Callable[[Any], bytes | str] | None = None
    encode_payload: Callable[[Any], bytes | str] | None = None
    dispatch: Callable[[bytes], bytes | str] | None = None
    """Frame to the reply a CSMS sends, through a handler that acknowledges without reading."""
    batch: Callable[[list[bytes]], object] | None = None
    """Many frames to an Arrow table of rows, one thread (the floor: to dicts)."""
    batch_all: Callable[[list[bytes]], object] | None = None
    """The same on every core (ours, in each profile)."""
    batch_rows: Callable[[list[bytes]], list[dict[str, Any]]] | None = None
    """The rows ``batch`` gives, as dicts, for the agreement check."""
    version: str = ""


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # noqa: BLE001 - the version is only shown
        return "?"


def _make_ours() -> Peer:
    def read(frame: bytes) -> None:
        walk(decode_call(frame).payload)

    def view(frame: bytes) -> View:
        call = decode_call(frame)
        if call.action != "MeterValues":
            raise AssertionError(f"action {call.action!r}")
        return view_of_objects(call.message_id, call.payload)

    def prepare(frame: bytes) -> Any:
        call = decode_call(frame)
        return call.message_id, call.payload

    acknowledged = MeterValuesResponse()

    class Acknowledge:
        def on_meter_values(self, station: str, request: MeterValuesRequest) -> MeterValuesResponse:
            return acknowledged

    dispatcher = Dispatcher(Acknowledge())

    def dispatch(frame: bytes) -> bytes:
        reply = dispatcher.dispatch("CS-1", frame)
        if reply is None:
            raise AssertionError("a CALL always gets a reply")
        return reply

    return Peer(
        name=OURS,
        what="`ocpp_meter.decode_call`; `encode_call(id, request)`; `request.to_json()`; "
        "`Dispatcher.dispatch(station, frame)` with a handler that acknowledges",
        ack=decode_call,
        read=read,
        view=view,
        prepare=prepare,
        encode_frame=lambda prepared: encode_call(*prepared),
        encode_payload=lambda prepared: prepared[1].to_json(),
        dispatch=dispatch,
        **_batch_of_ours(),
        version=_version("ocpp-meter"),
    )


def _make_lenient() -> Peer:
    """Ours under the lenient profile, on the same valid frames: the profile's cost there."""

    def decode(frame: bytes) -> Call:
        return decode_call(frame, profile="lenient")

    def read(frame: bytes) -> None:
        walk(decode(frame).payload)

    def view(frame: bytes) -> View:
        call = decode(frame)
        return view_of_objects(call.message_id, call.payload)

    extra: dict[str, Any] = {}
    try:
        extra["batch"], extra["batch_rows"] = batch.ours(threads=1, profile="lenient")
        extra["batch_all"], _ = batch.ours(threads=0, profile="lenient")
    except ImportError:
        pass
    return Peer(
        name="lenient",
        what='ours with `profile="lenient"` (`decode_call`, `decode_batch`): valid frames are '
        "decoded strictly first, so the profile should cost nothing on them",
        ack=decode,
        read=read,
        view=view,
        version=_version("ocpp-meter"),
        **extra,
    )


# msgspec Structs with the schema's constraints. Known differences from the schema, none of
# which the benchmark frames touch: msgspec reads ``1.0`` as a float (draft-06 counts it as an
# integer), keeps only ``vendorId`` of ``customData``, and accepts duplicate keys.
try:
    import msgspec
    from msgspec import UNSET, Meta, Struct, UnsetType
except ImportError:
    _MSGSPEC_MISSING = True
else:
    _MSGSPEC_MISSING = False

    class _MsCustomData(Struct, rename="camel", frozen=True, forbid_unknown_fields=False):
        vendor_id: Annotated[str, Meta(max_length=255)]

    class _MsUnitOfMeasure(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET
        unit: Union[Annotated[str, Meta(max_length=20)], UnsetType] = UNSET
        multiplier: Union[int, UnsetType] = UNSET

    class _MsSignedMeterValue(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET
        signed_meter_data: Annotated[str, Meta(max_length=2500)]
        signing_method: Annotated[str, Meta(max_length=50)]
        encoding_method: Annotated[str, Meta(max_length=50)]
        public_key: Annotated[str, Meta(max_length=2500)]

    class _MsSampledValue(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET
        value: float
        context: Union[ReadingContext, UnsetType] = UNSET
        measurand: Union[Measurand, UnsetType] = UNSET
        phase: Union[Phase, UnsetType] = UNSET
        location: Union[Location, UnsetType] = UNSET
        signed_meter_value: Union[_MsSignedMeterValue, UnsetType] = UNSET
        unit_of_measure: Union[_MsUnitOfMeasure, UnsetType] = UNSET

    class _MsMeterValue(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET
        sampled_value: Annotated[tuple[_MsSampledValue, ...], Meta(min_length=1)]
        timestamp: Annotated[datetime, Meta(tz=True)]

    class _MsMeterValuesRequest(
        Struct, rename="camel", frozen=True, forbid_unknown_fields=True, kw_only=True
    ):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET
        evse_id: Annotated[int, Meta(ge=0)]
        meter_value: Annotated[tuple[_MsMeterValue, ...], Meta(min_length=1)]

    class _MsMeterValuesResponse(Struct, rename="camel", frozen=True, forbid_unknown_fields=True):
        custom_data: Union[_MsCustomData, UnsetType] = UNSET


def _make_msgspec() -> Peer:
    if _MSGSPEC_MISSING:
        raise ImportError("msgspec is not installed")
    frame_type = tuple[
        Literal[2],
        Annotated[str, Meta(min_length=1, max_length=36)],
        Literal["MeterValues"],
        _MsMeterValuesRequest,
    ]
    decode = msgspec.json.Decoder(frame_type).decode
    encode = msgspec.json.Encoder().encode

    def read(frame: bytes) -> None:
        walk(decode(frame)[3])

    def view(frame: bytes) -> View:
        _, message_id, _, request = decode(frame)
        return view_of_objects(message_id, request, absent=UNSET)

    acknowledged = _MsMeterValuesResponse()

    def acknowledge(request: _MsMeterValuesRequest) -> _MsMeterValuesResponse:
        return acknowledged

    def dispatch(frame: bytes) -> bytes:
        _, message_id, _, request = decode(frame)
        return encode((3, message_id, acknowledge(request)))

    return Peer(
        name="msgspec",
        what="msgspec `Struct`s with the schema's constraints, decoding the whole CALL; "
        "`msgspec.json.encode`",
        ack=decode,
        read=read,
        view=view,
        prepare=decode,
        encode_frame=encode,
        encode_payload=lambda prepared: encode(prepared[3]),
        dispatch=dispatch,
        **_batch_baseline(decode, UNSET),
        version=_version("msgspec"),
    )


# pydantic v2 models with the schema's constraints: unknown properties refused (customData
# open), optional fields absent but never null, lengths, enums, ``evseId >= 0``, non-empty
# arrays, timezone-aware timestamps, no NaN or infinity, strict types (no "1" for 1). Known
# differences, none of which the benchmark frames touch: ``1.0`` is not an integer for pydantic,
# and duplicate keys are accepted (last one wins).
try:
    from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter
    from pydantic.alias_generators import to_camel
except ImportError:
    _PYDANTIC_MISSING = True
else:
    _PYDANTIC_MISSING = False

    # An absent optional field reads as None; pydantic does not validate defaults, so a null
    # on the wire is still refused, as the schema wants.
    _ABSENT: Any = None

    _PD_CONFIG = ConfigDict(
        alias_generator=to_camel, extra="forbid", strict=True, allow_inf_nan=False, frozen=True
    )

    class _PdCustomData(BaseModel):
        model_config = ConfigDict(
            alias_generator=to_camel, extra="allow", strict=True, allow_inf_nan=False, frozen=True
        )
        vendor_id: Annotated[str, Field(max_length=255)]

    class _PdUnitOfMeasure(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT
        unit: Annotated[str, Field(max_length=20)] = _ABSENT
        multiplier: int = _ABSENT

    class _PdSignedMeterValue(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT
        signed_meter_data: Annotated[str, Field(max_length=2500)]
        signing_method: Annotated[str, Field(max_length=50)]
        encoding_method: Annotated[str, Field(max_length=50)]
        public_key: Annotated[str, Field(max_length=2500)]

    class _PdSampledValue(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT
        value: float
        context: ReadingContext = _ABSENT
        measurand: Measurand = _ABSENT
        phase: Phase = _ABSENT
        location: Location = _ABSENT
        signed_meter_value: _PdSignedMeterValue = _ABSENT
        unit_of_measure: _PdUnitOfMeasure = _ABSENT

    class _PdMeterValue(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT
        sampled_value: Annotated[tuple[_PdSampledValue, ...], Field(min_length=1)]
        timestamp: AwareDatetime

    class _PdMeterValuesRequest(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT
        evse_id: Annotated[int, Field(ge=0)]
        meter_value: Annotated[tuple[_PdMeterValue, ...], Field(min_length=1)]

    class _PdMeterValuesResponse(BaseModel):
        model_config = _PD_CONFIG
        custom_data: _PdCustomData = _ABSENT


def _make_pydantic() -> Peer:
    if _PYDANTIC_MISSING:
        raise ImportError("pydantic is not installed")
    adapter: TypeAdapter[Any] = TypeAdapter(
        tuple[
            Literal[2],
            Annotated[str, Field(min_length=1, max_length=36)],
            Literal["MeterValues"],
            _PdMeterValuesRequest,
        ]
    )
    decode = adapter.validate_json

    def read(frame: bytes) -> None:
        walk(decode(frame)[3])

    def view(frame: bytes) -> View:
        _, message_id, _, request = decode(frame)
        return view_of_objects(message_id, request)

    def encode_payload(prepared: Any) -> bytes | str:
        text: str = prepared[3].model_dump_json(by_alias=True, exclude_unset=True)
        return text

    reply: TypeAdapter[Any] = TypeAdapter(tuple[Literal[3], str, _PdMeterValuesResponse])

    acknowledged = _PdMeterValuesResponse()

    def acknowledge(request: _PdMeterValuesRequest) -> _PdMeterValuesResponse:
        return acknowledged

    def dispatch(frame: bytes) -> bytes:
        _, message_id, _, request = decode(frame)
        out: bytes = reply.dump_json(
            (3, message_id, acknowledge(request)), by_alias=True, exclude_unset=True
        )
        return out

    return Peer(
        name="pydantic",
        what="pydantic v2 models with the schema's constraints, `TypeAdapter(<CALL tuple>)"
        ".validate_json`; `dump_json` / `model_dump_json(by_alias=True, exclude_unset=True)`",
        ack=decode,
        read=read,
        view=view,
        prepare=decode,
        encode_frame=partial(adapter.dump_json, by_alias=True, exclude_unset=True),
        encode_payload=encode_payload,
        dispatch=dispatch,
        version=_version("pydantic"),
    )


def _orjson() -> Any:
    return importlib.import_module("orjson")


def _make_orjson() -> Peer:
    orjson = _orjson()

    def prepare(frame: bytes) -> Any:
        return orjson.loads(frame)

    return Peer(
        name="orjson",
        what="`orjson.loads`: the floor, validates nothing; `orjson.dumps` of the dicts",
        ack=orjson.loads,
        view=lambda frame: call_view(orjson.loads(frame)),
        prepare=prepare,
        encode_frame=orjson.dumps,
        batch=batch.orjson_floor(),
        encode_payload=lambda call: orjson.dumps(call[3]),
        version=_version("orjson"),
    )


def _make_json() -> Peer:
    return Peer(
        name="json",
        what="stdlib `json.loads`: a floor, validates nothing",
        ack=json.loads,
        view=lambda frame: call_view(json.loads(frame)),
        version=platform.python_version(),
    )


SCHEMA_FILE = "MeterValuesRequest.json"


_SCHEMA_FOLDERS = {"2.0.1": ("ocpp201", "v201"), "1.6": ("ocpp16", "v16")}
"""Per dialect: the repository's folder under ``tests/data`` and the ocpp library's module."""


def schema_path(name: str = SCHEMA_FILE, dialect: str = "2.0.1") -> Path | None:
    """An official schema of ``dialect`` (2.0.1's ``MeterValuesRequest.json`` by default): the
    repository's copy, else the ocpp library's (for 1.6, the same errata-corrected files)."""
    folder, module = _SCHEMA_FOLDERS[dialect]
    here = Path(__file__).resolve()
    # The checkout is 3 levels up (python/ocpp_meter/bench/); list(): Python 3.9 cannot slice
    # Path.parents.
    candidates = [p / "tests" / "data" / folder / name for p in list(here.parents)[:4]]
    try:
        ocpp = importlib.import_module("ocpp")
        candidates.append(Path(str(ocpp.__file__)).parent / module / "schemas" / name)
    except ImportError:
        pass
    return next((p for p in candidates if p.is_file()), None)


def envelope_then(
    loads: Callable[[bytes], Any], action: str, validate: Callable[[Any], object]
) -> Callable[[bytes], Any]:
    """A dict peer's acknowledge path: ``loads``, the CALL envelope of ``action`` checked, then
    ``validate`` of the payload."""

    def ack(frame: bytes) -> Any:
        call = loads(frame)
        if not (
            type(call) is list
            and len(call) == 4
            and call[0] == 2
            and type(call[1]) is str
            and 1 <= len(call[1]) <= 36
            and call[2] == action
        ):
            raise ValueError(f"not a {action} CALL")
        validate(call[3])
        return call

    return ack


def _make_fastjsonschema() -> Peer:
    orjson = _orjson()
    fastjsonschema = importlib.import_module("fastjsonschema")
    path = schema_path()
    if path is None:
        raise ImportError(f"no {SCHEMA_FILE} found (repository checkout or ocpp library)")
    with open(path, encoding="utf-8-sig") as handle:
        schema = json.load(handle)
    # No defaults filled in: they would change what was sent (and cost time ours does not pay).
    validate = fastjsonschema.compile(schema, use_default=False)
    ack = envelope_then(orjson.loads, "MeterValues", validate)

    return Peer(
        name="fastjsonschema",
        what="`orjson.loads`, the CALL envelope checked, then a `fastjsonschema` validator "
        "compiled from the official schema (draft-06, formats on, no defaults filled in)",
        ack=ack,
        view=lambda frame: call_view(ack(frame)),
        version=_version("fastjsonschema"),
    )


def ocpp_call_path(
    action: str, version: str = "2.0.1"
) -> tuple[Callable[[bytes], Any], Callable[[Any], Any]]:
    """The ``ocpp`` library's acknowledge path for a CALL of ``action`` (``(message id, snake_case
    payload)`` from a frame) against its schema of OCPP ``version``, and its
    ``camel_to_snake_case``."""
    messages = importlib.import_module("ocpp.messages")
    charge_point = importlib.import_module("ocpp.charge_point")
    unpack = messages.unpack
    # ChargePoint awaits ``validate_payload``, which runs this synchronous body in the default
    # executor; the thread hop is left out, which favours the peer.
    validate = getattr(messages, "_validate_payload", None)
    to_snake = getattr(charge_point, "camel_to_snake_case", None)
    if validate is None or to_snake is None:
        raise ImportError(f"ocpp {_version('ocpp')} lacks the CALL path measured here")

    def ack(frame: bytes) -> Any:
        msg = unpack(frame)
        if msg.message_type_id != 2 or msg.action != action:
            raise ValueError(f"not a {action} CALL")
        validate(msg, version)
        return msg.unique_id, to_snake(msg.payload)

    return ack, to_snake


def _make_ocpp() -> Peer:
    ack, to_snake = ocpp_call_path("MeterValues")
    messages = importlib.import_module("ocpp.messages")
    charge_point = importlib.import_module("ocpp.charge_point")
    unpack = messages.unpack
    validate = messages._validate_payload
    call_type = messages.Call

    def view(frame: bytes) -> View:
        message_id, payload = ack(frame)
        return view_of_wire(message_id, payload, key=lambda name: next(iter(to_snake({name: 0}))))

    def prepare(frame: bytes) -> Any:
        msg = unpack(frame)
        return msg.unique_id, msg.payload

    def encode_frame(prepared: Any) -> str:
        text: str = call_type(prepared[0], "MeterValues", prepared[1]).to_json()
        return text

    # What ChargePoint._handle_call does around a handler that acknowledges: the CALL checked,
    # the handler's dataclass turned into a camelCase dict, the CALLRESULT checked and written.
    v201_result = importlib.import_module("ocpp.v201.call_result")
    to_dict = getattr(charge_point, "serialize_as_dict", None)
    remove_nones = getattr(charge_point, "remove_nones", None)
    to_camel = getattr(charge_point, "snake_to_camel_case", None)

    def dispatch(frame: bytes) -> str:
        msg = unpack(frame)
        if msg.message_type_id != 2 or msg.action != "MeterValues":
            raise ValueError("not a MeterValues CALL")
        validate(msg, "2.0.1")
        to_snake(msg.payload)
        response = v201_result.MeterValues()
        assert to_dict is not None and remove_nones is not None and to_camel is not None
        result = msg.create_call_result(to_camel(remove_nones(to_dict(response))))
        validate(result, "2.0.1")
        text: str = result.to_json()
        return text

    has_dispatch = to_dict is not None and remove_nones is not None and to_camel is not None

    return Peer(
        name="ocpp",
        what="the mobilityhouse `ocpp` library as `ChargePoint` runs a CALL before its handler: "
        "`ocpp.messages.unpack`, `validate_payload` (jsonschema, official schema; its "
        "synchronous body, without the executor hop), `camel_to_snake_case`; "
        "`Call(...).to_json()`; dispatch as `_handle_call` does around a handler (CALLRESULT "
        "built from the handler's dataclass, validated, written)",
        ack=ack,
        view=view,
        prepare=prepare,
        encode_frame=encode_frame,
        dispatch=dispatch if has_dispatch else None,
        version=_version("ocpp"),
    )


def typed_call_peer(
    name: str,
    what: str,
    decode: Callable[[bytes], Any],
    walk_request: Callable[[Any], None],
    view_of_request: Callable[[Any, Any, Any], View],
    absent: Any = None,
) -> Peer:
    """A peer that decodes the whole CALL into a tuple whose last item is the typed request,
    read by ``walk_request`` and viewed by ``view_of_request(message_id, request, absent)``."""

    def read(frame: bytes) -> None:
        walk_request(decode(frame)[3])

    def view(frame: bytes) -> View:
        _, message_id, _, request = decode(frame)
        return view_of_request(message_id, request, absent)

    return Peer(name=name, what=what, ack=decode, read=read, view=view, version=_version(name))


def adapters(found: dict[str, Peer], factories: dict[str, Callable[[], Peer]]) -> dict[str, Peer]:
    """The adapter of each peer in ``found`` for other frames: its factory's, or, for the dict
    floors (which read any frame), the peer itself; a peer is left out only if its adapter
    cannot be built."""
    out: dict[str, Peer] = {}
    for name, peer in found.items():
        if name in factories:
            try:
                out[name] = factories[name]()
            except ImportError:
                continue
        else:
            out[name] = Peer(
                name=name, what=peer.what, ack=peer.ack, view=peer.view, version=peer.version
            )
    return out


def _batch_of_ours() -> dict[str, Any]:
    """Ours on the batch path, when pyarrow (which takes the rows) is installed."""
    try:
        run, rows = batch.ours(threads=1)
        run_all, _ = batch.ours(threads=0)
    except ImportError:
        return {}
    return {"batch": run, "batch_all": run_all, "batch_rows": rows}


def _batch_baseline(decode: Callable[[bytes], Any], unset: Any) -> dict[str, Any]:
    """The Python baseline of the batch path, when pyarrow is installed."""
    try:
        run, rows = batch.msgspec_baseline(decode, unset)
    except ImportError:
        return {}
    return {"batch": run, "batch_rows": rows}


PEER_ORDER = (
    "ours",
    "lenient",
    "msgspec",
    "pydantic",
    "fastjsonschema",
    "ocpp",
    "orjson",
    "json",
)
_FACTORIES: dict[str, Callable[[], Peer]] = {
    "ours": _make_ours,
    "lenient": _make_lenient,
    "msgspec": _make_msgspec,
    "pydantic": _make_pydantic,
    "fastjsonschema": _make_fastjsonschema,
    "ocpp": _make_ocpp,
    "orjson": _make_orjson,
    "json": _make_json,
}


def peers() -> tuple[dict[str, Peer], dict[str, str]]:
    """The importable peers by name (ours first) and, for the others, why they were skipped."""
    found: dict[str, Peer] = {}
    skipped: dict[str, str] = {}
    for name in PEER_ORDER:
        try:
            found[name] = _FACTORIES[name]()
        except ImportError as exc:
            skipped[name] = str(exc) or type(exc).__name__
    return found, skipped
