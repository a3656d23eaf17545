"""ocpp-meter under a mobilityhouse ``ocpp`` CSMS: add one base class, keep your handlers.

``pip install 'ocpp-meter[mobilityhouse]'``, then put :class:`OcppMeterMixin` before the
library's ``ChargePoint`` (``ocpp.v201.ChargePoint`` or ``ocpp.v21.ChargePoint``)::

    class ChargePoint(OcppMeterMixin, ocpp.v201.ChargePoint):
        @on(Action.meter_values)                      # unchanged: snake_case keywords
        def on_meter_values(self, evse_id, meter_value, **kwargs):
            return call_result.MeterValues()

        @typed(Action.transaction_event)              # typed: ocpp-meter's objects
        def on_transaction_event(self, request):
            return ocpp_meter.new_transaction_event_response()

MeterValues and TransactionEvent CALLs are then decoded and validated by ocpp-meter, in the
dialect of the ChargePoint's OCPP version (``2.0.1`` or ``2.1``) and under the station's
validation profile (:attr:`OcppMeterMixin.ocpp_meter_profile`, or per station through
:attr:`OcppMeterMixin.ocpp_meter_station_profiles`). Every other frame (other actions, the
station's CALLRESULTs and CALLERRORs, frames too broken to name their action) goes through the
library unchanged.

An ``@on`` handler gets exactly the keyword arguments the library gives it (the frame's payload
with its keys in snake_case, ``call_unique_id`` if it asks for it) and may return what it
returns today (``call_result.MeterValues()``, ``call_result.TransactionEvent(...)``) or
ocpp-meter's response; ``@after`` hooks run after the reply as before. A :func:`typed` handler
gets the :class:`~ocpp_meter.MeterValuesRequest` or :class:`~ocpp_meter.TransactionEventRequest`
itself, without the dict and the key renaming, and returns ocpp-meter's response type.

Replies follow ocpp-meter's error table (the same as :class:`~ocpp_meter.Dispatcher`'s): a
frame's fault is a CALLERROR with the core's code, description and ``details`` (with the JSON
Pointer ``path``); no handler for the action is ``NotSupported``; a handler raising
:class:`~ocpp_meter.OcppError` or one of the library's ``OCPPError`` is answered with that
error's code; any other exception, a wrong or invalid response, is ``InternalError``; ``None``
is ``GenericError``. A response is checked by ocpp-meter (its schema, and for TransactionEvent
what :mod:`ocpp_meter.response_rules` requires) before it is sent.

``skip_schema_validation=True`` on an ``@on`` handler of these two actions is not honoured:
choose the validation profile instead (``"lenient"`` or ``"off"``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, ClassVar, TypeVar

from ._core import (
    Call,
    MeterValuesResponse,
    TransactionEventResponse,
    decode_message,
    encode_call_error,
)
from .dispatch import (
    _call_error,
    _checked,
    _checked_dialect,
    _current_call,
    internal_error_reply,
    meter_values_reply,
    transaction_event_reply,
)
from .enums import ErrorCode
from .errors import OcppError

try:
    from ocpp.charge_point import (  # type: ignore[import-untyped]
        camel_to_snake_case,
        remove_nones,
        serialize_as_dict,
        snake_to_camel_case,
    )
    from ocpp.exceptions import OCPPError  # type: ignore[import-untyped]
except ImportError as error:  # pragma: no cover - the import error says what to install
    raise ImportError(
        "ocpp_meter.mobilityhouse needs the ocpp library: pip install 'ocpp-meter[mobilityhouse]'"
    ) from error

if TYPE_CHECKING:
    from ._core import Buffer, Dialect, Profile

__all__ = ["ACTIONS", "OcppMeterMixin", "typed"]

logger = logging.getLogger(__name__)

METER_VALUES = "MeterValues"
TRANSACTION_EVENT = "TransactionEvent"
ACTIONS: tuple[str, ...] = (METER_VALUES, TRANSACTION_EVENT)
"""The actions ocpp-meter decodes under the mixin; every other one is the library's."""

_DIALECTS: dict[str, Dialect] = {"2.0.1": "2.0.1", "2.1": "2.1"}

# A CALL frame whose action is one of ours, read up to the action: only consulted when the core
# rejected a frame, to tell a broken frame of ours (answered) from a broken one of another
# action (left to the library, as before).
_OUR_CALL = re.compile(
    r'\s*\[\s*2\s*,\s*"(?:[^"\\]|\\.)*"\s*,\s*"(?:MeterValues|TransactionEvent)"'
)

F = TypeVar("F", bound=Callable[..., Any])


def typed(action: str) -> Callable[[F], F]:
    """Mark a method as the typed handler of ``action`` (``"MeterValues"`` or
    ``"TransactionEvent"``, or the library's ``Action`` member).

    The method is called as ``handler(request)`` (``self`` aside) with the decoded
    :class:`~ocpp_meter.MeterValuesRequest` or :class:`~ocpp_meter.TransactionEventRequest`;
    it may be ``async``, and returns the action's ocpp-meter response (or raises
    :class:`~ocpp_meter.OcppError`). The message id is ``ocpp_meter.current_call()``'s.
    """
    name = str(getattr(action, "value", action))
    if name not in ACTIONS:
        raise ValueError(f"typed handlers exist for {' and '.join(ACTIONS)}, not {name!r}")

    def mark(func: F) -> F:
        func._ocpp_meter_typed = name  # type: ignore[attr-defined]
        return func

    return mark


class _Route:
    """How one of our actions is handled on one ChargePoint (found once, at construction)."""

    __slots__ = ("after", "after_wants_id", "handler", "is_typed", "wants_id")

    def __init__(
        self,
        handler: Callable[..., Any] | None,
        is_typed: bool,
        after: Callable[..., Any] | None,
    ) -> None:
        self.handler = handler
        self.is_typed = is_typed
        self.wants_id = handler is not None and _wants_unique_id(handler)
        self.after = after
        self.after_wants_id = after is not None and _wants_unique_id(after)


def _wants_unique_id(func: Callable[..., Any]) -> bool:
    # The library asks inspect.signature on every CALL; the answer does not change.
    try:
        return "call_unique_id" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


class OcppMeterMixin:
    """Put before ``ocpp.v201.ChargePoint`` or ``ocpp.v21.ChargePoint``: MeterValues and
    TransactionEvent go through ocpp-meter, the rest through the library (see the module)."""

    ocpp_meter_profile: ClassVar[Profile] = "strict"
    """The validation profile of the stations without one of their own."""
    ocpp_meter_station_profiles: ClassVar[Mapping[str, Profile]] = {}
    """Validation profiles by station id (the ChargePoint's ``id``), e.g. a lenient one for a
    station whose firmware is known to deviate."""

    # What the library's ChargePoint provides.
    id: str
    route_map: dict[Any, dict[str, Any]]
    _ocpp_version: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dialect = _DIALECTS.get(getattr(self, "_ocpp_version", ""))
        if dialect is None:
            raise TypeError(
                "OcppMeterMixin goes before ocpp.v201.ChargePoint or ocpp.v21.ChargePoint, "
                f"not a ChargePoint of OCPP {getattr(self, '_ocpp_version', '?')!r}"
            )
        self._ocpp_meter_dialect: Dialect = _checked_dialect(dialect)
        self._ocpp_meter_routes: dict[str, _Route] = {
            action: self._ocpp_meter_route(action) for action in ACTIONS
        }
        profile = self.ocpp_meter_station_profiles.get(self.id, self.ocpp_meter_profile)
        self.set_ocpp_meter_profile(profile)

    @property
    def ocpp_meter_dialect(self) -> Dialect:
        """The dialect MeterValues and TransactionEvent are decoded in: the ChargePoint's."""
        return self._ocpp_meter_dialect

    @property
    def ocpp_meter_station_profile(self) -> Profile:
        """The validation profile this station's frames are decoded under."""
        return self._ocpp_meter_profile

    def set_ocpp_meter_profile(self, profile: Profile) -> None:
        """Decode this station's frames under ``profile`` from now on."""
        self._ocpp_meter_profile: Profile = _checked(profile)
        # The defaults go without keyword arguments, which cost a little in each call.
        self._ocpp_meter_defaults = profile == "strict" and self._ocpp_meter_dialect == "2.0.1"

    def _ocpp_meter_route(self, action: str) -> _Route:
        typed_handlers = [
            getattr(self, name)
            for name in dir(type(self))
            if getattr(getattr(type(self), name, None), "_ocpp_meter_typed", None) == action
        ]
        routes = self.route_map.get(action, {})
        on_handler = routes.get("_on_action")
        if len(typed_handlers) > 1 or (typed_handlers and on_handler is not None):
            raise TypeError(f"more than one handler for {action} on {type(self).__name__}")
        if typed_handlers:
            return _Route(typed_handlers[0], True, routes.get("_after_action"))
        return _Route(on_handler, False, routes.get("_after_action"))

    async def route_message(self, raw_msg: Buffer) -> Any:
        """Answer a MeterValues or TransactionEvent CALL; hand any other frame to the library."""
        try:
            if self._ocpp_meter_defaults:
                message = decode_message(raw_msg)
            else:
                message = decode_message(
                    raw_msg, profile=self._ocpp_meter_profile, dialect=self._ocpp_meter_dialect
                )
        except OcppError as error:
            if not _ours(raw_msg, error):
                return await super().route_message(raw_msg)  # type: ignore[misc]
            await self._ocpp_meter_send(self._ocpp_meter_rejected(error))
            return None
        if type(message) is not Call:
            # A CALLRESULT or CALLERROR: the library matches it to the CALL it sent.
            return await super().route_message(raw_msg)  # type: ignore[misc]
        await self._ocpp_meter_handle(raw_msg, message)
        return None

    async def _ocpp_meter_handle(self, raw_msg: Buffer, call: Call) -> None:
        action = call.action
        route = self._ocpp_meter_routes[action]
        handler = route.handler
        if handler is None:
            await self._ocpp_meter_send(self._ocpp_meter_not_supported(call))
            return
        kwargs: dict[str, Any] | None = None
        token = _current_call.set((self.id, call))
        try:
            if route.is_typed:
                result: Any = handler(call.payload)
            else:
                kwargs = _keywords(raw_msg)
                if route.wants_id:
                    result = handler(**kwargs, call_unique_id=call.message_id)
                else:
                    result = handler(**kwargs)
            if (
                type(result) is not MeterValuesResponse
                and type(result) is not TransactionEventResponse
                and inspect.isawaitable(result)
            ):
                result = await result
        except OcppError as error:
            reply = self._ocpp_meter_handler_error(
                call, error.code, error.description, error.details
            )
        except OCPPError as error:
            reply = self._ocpp_meter_handler_error(
                call, error.code, error.description, {**(error.details or {}), "path": ""}
            )
        except Exception:  # a failing handler gets a CALLERROR, never a crash
            logger.exception(
                "station %r: handler of %s failed on message id %r",
                self.id,
                action,
                call.message_id,
            )
            reply = internal_error_reply(call)
        else:
            reply = self._ocpp_meter_reply(call, result)
        finally:
            _current_call.reset(token)
        await self._ocpp_meter_send(reply)
        if route.after is not None:
            self._ocpp_meter_after(route, raw_msg, call, kwargs)

    def _ocpp_meter_reply(self, call: Call, result: Any) -> bytes:
        # The library's call_result dataclasses stand for our responses; anything else is
        # judged as the Dispatcher judges it.
        response = _our_response(call.action, result)
        if response is not None:
            result = response
        if call.action == METER_VALUES:
            return meter_values_reply(self.id, call, result)
        return transaction_event_reply(self.id, call, result, self._ocpp_meter_dialect)

    def _ocpp_meter_rejected(self, error: OcppError) -> bytes:
        message_id = error.message_id or "-1"
        logger.warning(
            "station %r: rejected frame, message id %r: %s at %r: %s",
            self.id,
            message_id,
            error.code.value,
            error.path,
            error.description,
        )
        return _call_error(message_id, error.code, error.description, error.details, error.path)

    def _ocpp_meter_not_supported(self, call: Call) -> bytes:
        logger.warning(
            "station %r: no handler for %s, message id %r", self.id, call.action, call.message_id
        )
        return encode_call_error(
            call.message_id,
            ErrorCode.NOT_SUPPORTED,
            f"no handler is registered for {call.action}",
            {},
        )

    def _ocpp_meter_handler_error(
        self, call: Call, code: Any, description: Any, details: Any
    ) -> bytes:
        logger.warning(
            "station %r: handler rejected message id %r: %s: %s",
            self.id,
            call.message_id,
            code,
            description,
        )
        try:
            known = ErrorCode(str(getattr(code, "value", code)))
        except ValueError:
            # The library's 1.6 spelling (FormationViolation) and the like: not a 2.x code.
            logger.error("station %r: handler raised unknown error code %r", self.id, code)
            return internal_error_reply(call)
        details = details if isinstance(details, dict) else {}
        return _call_error(call.message_id, known, str(description or ""), details, "")

    def _ocpp_meter_after(
        self, route: _Route, raw_msg: Buffer, call: Call, kwargs: dict[str, Any] | None
    ) -> None:
        # As the library does: the @after hook gets the request's keywords once the reply is
        # sent, and a coroutine it returns runs as a task of its own.
        after = route.after
        assert after is not None
        if kwargs is None:
            kwargs = _keywords(raw_msg)
        try:
            if route.after_wants_id:
                outcome = after(**kwargs, call_unique_id=call.message_id)
            else:
                outcome = after(**kwargs)
            if inspect.isawaitable(outcome):
                asyncio.ensure_future(outcome)
        except Exception:  # the reply is sent; a failing hook is only logged
            logger.exception("station %r: @after hook of %s failed", self.id, call.action)

    async def _ocpp_meter_send(self, reply: bytes) -> None:
        # OCPP-J frames are WebSocket text frames: the library sends str, so does the mixin.
        await self._send(reply.decode())  # type: ignore[attr-defined]


def _ours(raw_msg: Buffer, error: OcppError) -> bool:
    """Whether a rejected frame is a CALL of MeterValues or TransactionEvent."""
    if error.details.get("message_type") != 2 or error.code is ErrorCode.NOT_IMPLEMENTED:
        return False
    text = raw_msg if isinstance(raw_msg, str) else bytes(raw_msg).decode("utf-8", "replace")
    return _OUR_CALL.match(text) is not None


# The snake_case names of camelCase keys, as the library's camel_to_snake_case writes them:
# its regular expressions run once per distinct key instead of once per key of every frame.
_SNAKE: dict[str, str] = {}


def _snake_key(key: str) -> str:
    snake = _SNAKE.get(key)
    if snake is None:
        snake = next(iter(camel_to_snake_case({key: None})))
        if len(_SNAKE) < 4096:  # keys come from stations: bound what they can make us keep
            _SNAKE[key] = snake
    return snake


def _snake_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Every object of a CALL frame is in its payload, so the parser renames the keys of each
    # as it builds it: no second walk over the payload.
    snake = _SNAKE
    return {snake.get(k) or _snake_key(k): v for k, v in pairs}


def _keywords(raw_msg: Buffer) -> dict[str, Any]:
    """The keyword arguments the library gives an ``@on`` handler for this (valid) frame: its
    payload, keys in snake_case as ``camel_to_snake_case`` writes them."""
    if isinstance(raw_msg, memoryview):
        raw_msg = raw_msg.tobytes()
    payload: dict[str, Any] = json.loads(raw_msg, object_pairs_hook=_snake_pairs)[3]
    return payload


_MV_ACK = MeterValuesResponse()


def _our_response(
    action: str, result: Any
) -> MeterValuesResponse | TransactionEventResponse | None:
    """The ocpp-meter response a handler's result stands for, ``None`` if none: our own types
    as they are, the library's ``call_result`` dataclasses converted (and validated)."""
    expected: type[Any] = (
        MeterValuesResponse if action == METER_VALUES else TransactionEventResponse
    )
    if type(result) is expected:
        return result  # type: ignore[no-any-return]
    if type(result).__name__ != action or not hasattr(result, "__dataclass_fields__"):
        return None
    if not type(result).__module__.startswith("ocpp."):
        return None
    if action == METER_VALUES and result.custom_data is None:
        return _MV_ACK
    # As the library writes a CALLRESULT: the dataclass as a dict, Nones dropped, keys in
    # camelCase; then read by ocpp-meter, which checks it against the response schema.
    payload = snake_to_camel_case(remove_nones(serialize_as_dict(result)))
    try:
        return expected.from_json(json.dumps(payload))  # type: ignore[no-any-return]
    except OcppError as error:
        logger.error("invalid %s response at %r: %s", action, error.path, error.description)
        return None
    except (TypeError, ValueError):
        return None
