"""Handler protocols and the dispatcher that turns an incoming OCPP-J frame into its reply.

A CSMS registers a :class:`CSMSHandler` on a :class:`Dispatcher` and feeds it every frame a
charging station sends, with the station's id. The dispatcher decodes the frame with the core,
calls the handler's ``on_meter_values`` for a valid ``MeterValues`` CALL and its
``on_transaction_event`` for a valid ``TransactionEvent`` CALL (a handler may implement either
or both), and returns the reply frame to send back: a CALLRESULT, a CALLERROR, or ``None`` where
OCPP-J sends nothing (the frame was itself a CALLRESULT or CALLERROR, valid or not). Every
outcome follows the error table (README, *Errors*):

========================================================  ======================================
outcome                                                   reply
========================================================  ======================================
frame unreadable before its message id                    CALLERROR ``RpcFrameworkError``, id -1
any validation fault of a CALL (syntax, envelope,         CALLERROR with the core's code,
unknown action, payload)                                  description and details (``path``...)
valid CALL, no handler registered for its action, or     CALLERROR ``NotSupported``
the handler lacks that action's method
handler raised :class:`~ocpp_meter.OcppError`             CALLERROR with its code, description
handler raised anything else                              CALLERROR ``InternalError``
handler returned ``None``                                 CALLERROR ``GenericError``
handler returned something not the action's response      CALLERROR ``InternalError``
(a MeterValuesResponse to a TransactionEvent, say)
handler returned a TransactionEventResponse that OCPP     CALLERROR ``InternalError``
forbids (see :mod:`ocpp_meter.response_rules`)
handler returned the action's response                    CALLRESULT
CALLRESULT or CALLERROR frame, valid or not               ``None``
========================================================  ======================================

No traceback or exception text goes on the wire; handler failures are logged (with their
traceback) on the ``ocpp_meter.dispatch`` logger, and every rejected frame is logged there once,
with the station id, message id, code and JSON Pointer.

Frames are decoded under a validation profile (``"strict"`` by default), chosen for the
dispatcher and, since it is a station's firmware that misbehaves, per station. Under
``"lenient"`` or ``"off"`` the deviations accepted in a frame are logged once, at INFO, and the
handler finds them in ``request.warnings``.

Frames are also decoded in an OCPP dialect: ``"2.0.1"`` (the default) or ``"2.1"``, whose
MeterValues and TransactionEvent payloads follow the OCPP 2.1 schemas (more measurands, the
``Upstream`` location, optional ``signingMethod`` and ``publicKey``...). The dialect is chosen for
the dispatcher and may be overridden on each call, since it is a property of the connection (the
WebSocket subprotocol the station negotiated), not of the station.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Union, runtime_checkable

from ._core import (
    Call,
    CallError,
    CallResult,
    MeterValuesRequest,
    MeterValuesResponse,
    TransactionEventResponse,
    _answer_call,
    decode_message,
    encode_call_error,
    encode_call_result,
)
from .enums import ErrorCode, ErrorCode16
from .errors import OcppError
from .logsafe import DESCRIPTION_CHARS, excerpt
from .response_rules import transaction_event_violation

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ._core import BatchDialect, Buffer, Dialect, Profile, TransactionEventRequest
    from .station_services import StationServices

PROFILES: tuple[Profile, ...] = ("strict", "lenient", "off")
"""The validation profiles, strictest first."""
DIALECTS: tuple[Dialect, ...] = ("2.0.1", "2.1")
"""The OCPP dialects, oldest first."""

__all__ = [
    "CSMSHandler",
    "CallContext",
    "ChargingStationHandler",
    "Dispatcher",
    "MeterValuesHandler",
    "TransactionEventHandler",
    "current_call",
]

logger = logging.getLogger(__name__)

OFFLOAD_THRESHOLD = 64 * 1024
"""Frames larger than this (in bytes or characters) are decoded on a worker thread."""


@runtime_checkable
class MeterValuesHandler(Protocol):
    """A CSMS handler of MeterValues; ``on_meter_values`` may be ``async``.

    Return the :class:`~ocpp_meter.MeterValuesResponse` to acknowledge the readings, or raise
    :class:`~ocpp_meter.OcppError` to answer with that error's code and description. The
    current frame's message id is available from :func:`current_call`.
    """

    def on_meter_values(
        self, charging_station_id: str, request: MeterValuesRequest
    ) -> MeterValuesResponse | Awaitable[MeterValuesResponse]:
        """Handle one valid MeterValues CALL from ``charging_station_id``."""
        ...


@runtime_checkable
class TransactionEventHandler(Protocol):
    """A CSMS handler of TransactionEvent; ``on_transaction_event`` may be ``async``.

    Return a :class:`~ocpp_meter.TransactionEventResponse` (with ``idTokenInfo`` when the
    request carries an ``idToken``: see :mod:`ocpp_meter.response_rules` for what OCPP requires
    of it), or raise :class:`~ocpp_meter.OcppError` to answer with that error.
    """

    def on_transaction_event(
        self, charging_station_id: str, request: TransactionEventRequest
    ) -> TransactionEventResponse | Awaitable[TransactionEventResponse]:
        """Handle one valid TransactionEvent CALL from ``charging_station_id``."""
        ...


@runtime_checkable
class CSMSHandler(MeterValuesHandler, TransactionEventHandler, Protocol):
    """What a CSMS implements to receive a charging session's meter data: both actions.

    A handler may implement either method alone (it is then a :class:`MeterValuesHandler` or a
    :class:`TransactionEventHandler`, which the :class:`Dispatcher` takes as well): frames of
    the other action are answered ``NotSupported``.
    """


# typing.Union, not `|`: the alias is evaluated at import, and Python 3.9 has no `|` of classes.
AnyCSMSHandler = Union[MeterValuesHandler, TransactionEventHandler]
"""What :class:`Dispatcher` takes: a handler of either action or both (a :class:`CSMSHandler`)."""


@runtime_checkable
class ChargingStationHandler(Protocol):
    """What a charging station implements for CSMS-initiated calls of this block: none yet.

    The Meter values block has no CSMS-to-station message, so the protocol is empty; it is
    here so that a station-side implementation can be typed now and grow with later blocks.
    """


@dataclass(frozen=True)
class CallContext:
    """The CALL being handled: available to handlers through :func:`current_call`."""

    charging_station_id: str
    message_id: str
    action: str


# The station and the Call being handled; the CallContext is built only when a handler asks.
_current_call: ContextVar[tuple[str, Call] | None] = ContextVar(
    "ocpp_meter_current_call", default=None
)


def current_call() -> CallContext | None:
    """The CALL whose handler is running (in this thread or task), else ``None``."""
    current = _current_call.get()
    if current is None:
        return None
    station, call = current
    return CallContext(station, call.message_id, call.action)


class Dispatcher:
    """Routes OCPP-J frames from charging stations to the registered :class:`CSMSHandler`.

    One dispatcher serves any number of stations and connections; it keeps no per-frame state,
    so it may be shared by concurrent tasks. A handler that fails never breaks it: the failure
    becomes a CALLERROR for that frame and the next frame is handled as usual.

    ``profile`` and ``station_profiles`` choose the validation profile (per station), and
    ``dialect`` the OCPP dialect frames are decoded in unless a call names its own; an unknown
    profile or dialect is a ``ValueError``. ``services`` (a
    :class:`~ocpp_meter.station_services.StationServices`) answers BootNotification, Heartbeat,
    StatusNotification and Authorize, which are otherwise ``NotImplemented``.
    """

    def __init__(
        self,
        csms_handler: AnyCSMSHandler | None = None,
        *,
        offload_threshold: int = OFFLOAD_THRESHOLD,
        profile: Profile = "strict",
        station_profiles: Mapping[str, Profile] | None = None,
        dialect: Dialect = "2.0.1",
        services: StationServices | None = None,
    ) -> None:
        self._handler: AnyCSMSHandler | None = None
        self._on_meter_values: Callable[[str, MeterValuesRequest], Any] | None = None
        self._on_transaction_event: Callable[[str, TransactionEventRequest], Any] | None = None
        self._set_handler(csms_handler)
        self.services = services
        """Answers BootNotification, Heartbeat, StatusNotification and Authorize (``None``:
        they are ``NotImplemented`` like every action without a handler protocol)."""
        self.offload_threshold = offload_threshold
        self._dialect: Dialect = _checked_dialect(dialect)
        self._profile: Profile = _checked(profile)
        self._station_profiles: dict[str, Profile] = {
            station: _checked(p) for station, p in (station_profiles or {}).items()
        }

    @property
    def dialect(self) -> Dialect:
        """The OCPP dialect of frames whose dispatch call names none (``"2.0.1"`` by default)."""
        return self._dialect

    def profile_for(self, charging_station_id: str) -> Profile:
        """The validation profile the frames of this station are decoded under."""
        return self._station_profiles.get(charging_station_id, self._profile)

    def set_station_profile(self, charging_station_id: str, profile: Profile | None) -> None:
        """Decode this station's frames under ``profile`` (``None``: the dispatcher's own)."""
        if profile is None:
            self._station_profiles.pop(charging_station_id, None)
        else:
            self._station_profiles[charging_station_id] = _checked(profile)

    @property
    def csms_handler(self) -> AnyCSMSHandler | None:
        """The registered handler, ``None`` before one is registered."""
        return self._handler

    def register_csms_handler(self, handler: AnyCSMSHandler | None) -> None:
        """Register (or with ``None``, remove) the handler of MeterValues and TransactionEvent
        CALLs; it needs ``on_meter_values``, ``on_transaction_event`` or both."""
        if handler is not None and not (
            callable(getattr(handler, "on_meter_values", None))
            or callable(getattr(handler, "on_transaction_event", None))
        ):
            raise TypeError(
                "a CSMS handler needs an on_meter_values or an on_transaction_event method"
            )
        self._set_handler(handler)

    def _set_handler(self, handler: AnyCSMSHandler | None) -> None:
        # The bound methods are looked up once, here: the dispatch of each frame only reads
        # an attribute (a method missing, or not callable, is None: NotSupported).
        self._handler = handler
        self._on_meter_values = _method(handler, "on_meter_values")
        self._on_transaction_event = _method(handler, "on_transaction_event")

    # Entry points.

    def dispatch(
        self, charging_station_id: str, frame: Buffer, *, dialect: Dialect | None = None
    ) -> bytes | None:
        """Handle one frame synchronously and return the reply frame, or ``None``.

        The frame is decoded in ``dialect`` (``"2.0.1"`` or ``"2.1"``; ``None``: the
        dispatcher's own, :attr:`dialect`); an unknown dialect raises ``ValueError``.

        A handler method that is a coroutine function (``async def on_meter_values`` or
        ``on_transaction_event``) cannot be awaited here: the frame is answered with
        ``InternalError`` and the error is logged; use :meth:`dispatch_async` for such handlers.
        """
        if (
            dialect is None
            and self._dialect == "2.0.1"
            and self._station_profiles.get(charging_station_id, self._profile) == "strict"
        ):
            # The default decoding, as in _decode, without the cost of its call on a small frame.
            try:
                message = decode_message(frame)
            except OcppError as error:
                return self._undecodable(charging_station_id, frame, "2.0.1", error)
            if type(message) is not Call:
                _ignored(charging_station_id, message)
                return None
            decoded: Call = message
        else:
            undecided = self._decode(charging_station_id, frame, dialect)
            if not isinstance(undecided, Call):
                return undecided
            decoded = undecided
        try:
            # The core sets the current call around the handler and resets it, and writes the
            # CALLRESULT of a MeterValuesResponse (the common case) itself.
            answer = _answer_call(
                decoded,
                charging_station_id,
                self._on_meter_values,
                self._on_transaction_event,
                _current_call,
            )
            if type(answer) is bytes:
                return answer
            if answer is not None:
                result: Any = answer[0]
                # The common cases first: isawaitable() costs more than the rest.
                if (
                    type(result) is not MeterValuesResponse
                    and type(result) is not TransactionEventResponse
                    and inspect.isawaitable(result)
                ):
                    if inspect.iscoroutine(result):
                        result.close()
                    logger.error(
                        "station %r, message id %r: the handler is asynchronous; "
                        "Dispatcher.dispatch cannot await it (use dispatch_async)",
                        charging_station_id,
                        decoded.message_id,
                    )
                    return internal_error_reply(decoded)
        except OcppError as error:
            return self._handler_rejected(charging_station_id, decoded, error)
        except Exception:  # noqa: BLE001 - a failing handler must not take the dispatcher down
            return self._handler_failed(charging_station_id, decoded)
        if answer is None:
            return self._not_supported(charging_station_id, decoded)
        if type(decoded.payload) is MeterValuesRequest:
            return meter_values_reply(charging_station_id, decoded, result)
        return transaction_event_reply(
            charging_station_id, decoded, result, dialect or self._dialect
        )

    async def dispatch_async(
        self, charging_station_id: str, frame: Buffer, *, dialect: Dialect | None = None
    ) -> bytes | None:
        """Handle one frame and return the reply frame, or ``None``; awaits async handlers.

        ``dialect`` is as for :meth:`dispatch`. Frames longer than ``offload_threshold`` are
        decoded on a worker thread so the event loop keeps serving other connections meanwhile.
        """
        if _size(frame) > self.offload_threshold:
            decoded = await asyncio.to_thread(self._decode, charging_station_id, frame, dialect)
        else:
            decoded = self._decode(charging_station_id, frame, dialect)
        if not isinstance(decoded, Call):
            return decoded
        payload: Any = decoded.payload
        meter_values = type(payload) is MeterValuesRequest
        handle = self._on_meter_values if meter_values else self._on_transaction_event
        if handle is None:
            return self._not_supported(charging_station_id, decoded)
        token = _current_call.set((charging_station_id, decoded))
        try:
            result: Any = handle(charging_station_id, payload)
            if (
                type(result) is not MeterValuesResponse
                and type(result) is not TransactionEventResponse
                and inspect.isawaitable(result)
            ):
                result = await result
        except OcppError as error:
            return self._handler_rejected(charging_station_id, decoded, error)
        except Exception:  # noqa: BLE001 - a failing handler must not take the dispatcher down
            return self._handler_failed(charging_station_id, decoded)
        finally:
            _current_call.reset(token)
        if meter_values:
            return meter_values_reply(charging_station_id, decoded, result)
        return transaction_event_reply(
            charging_station_id, decoded, result, dialect or self._dialect
        )

    # Steps.

    def _decode(self, station: str, frame: Buffer, dialect: Dialect | None) -> Call | bytes | None:
        """The CALL to handle, or the final reply (``None`` for no reply)."""
        profile = self._station_profiles.get(station, self._profile)
        if dialect is None:
            dialect = self._dialect
        try:
            # Keyword arguments cost a little in the call: the defaults go without them.
            if profile == "strict" and dialect == "2.0.1":
                message = decode_message(frame)
            else:
                message = decode_message(frame, profile=profile, dialect=dialect)
        except OcppError as error:
            return self._undecodable(station, frame, dialect, error)
        if isinstance(message, Call):
            if profile != "strict" and message.payload.warnings:
                _log_warnings(station, message)
            return message
        _ignored(station, message)
        return None

    def _undecodable(
        self, station: str, frame: Buffer, dialect: Dialect, error: OcppError
    ) -> bytes | None:
        """The reply to a frame the core refused (``None`` for no reply)."""
        if error.code is ErrorCode.NOT_IMPLEMENTED and self.services is not None:
            reply = self.services.answer(station, frame, dialect)
            if reply is not None:
                return reply
        return self._reject(station, error)

    def _reject(self, station: str, error: OcppError) -> bytes | None:
        message_id = error.message_id or "-1"
        # The core says which message type it read (2, 3 or 4) before the fault, if any.
        if error.details.get("message_type") in (3, 4):
            # OCPP-J answers only CALLs: a broken CALLRESULT or CALLERROR gets no reply (an
            # answer to it could start an endless exchange of errors between the two sides).
            logger.warning(
                "station %r: ignored invalid reply frame, message id %s: %s at %s: %s",
                station,
                excerpt(message_id),
                error.code.value,
                excerpt(error.path),
                excerpt(error.description, DESCRIPTION_CHARS),
            )
            return None
        # An action this CSMS does not implement is routine (Heartbeat, BootNotification...):
        # logged at INFO; every other rejection is a broken frame, logged as a WARNING.
        level = logging.INFO if error.code is ErrorCode.NOT_IMPLEMENTED else logging.WARNING
        logger.log(
            level,
            "station %r: rejected frame, message id %s: %s at %s: %s",
            station,
            excerpt(message_id),
            error.code.value,
            excerpt(error.path),
            excerpt(error.description, DESCRIPTION_CHARS),
        )
        return _call_error(message_id, error.code, error.description, error.details, error.path)

    def _not_supported(self, station: str, call: Call) -> bytes:
        logger.warning(
            "station %r: rejected frame, message id %r: %s at %r: no handler registered for %s",
            station,
            call.message_id,
            ErrorCode.NOT_SUPPORTED.value,
            "",
            call.action,
        )
        return encode_call_error(
            call.message_id,
            ErrorCode.NOT_SUPPORTED,
            f"no handler is registered for {call.action}",
            {},
        )

    def _handler_rejected(self, station: str, call: Call, error: OcppError) -> bytes:
        logger.warning(
            "station %r: handler rejected message id %s: %s at %s: %s",
            station,
            excerpt(call.message_id),
            error.code.value,
            excerpt(error.path),
            excerpt(error.description, DESCRIPTION_CHARS),
        )
        return _call_error(call.message_id, error.code, error.description, error.details, "")

    def _handler_failed(self, station: str, call: Call) -> bytes:
        logger.exception(
            "station %r: handler of %s failed on message id %r",
            station,
            call.action,
            call.message_id,
        )
        return internal_error_reply(call)


def internal_error_reply(call: Call) -> bytes:
    """The ``InternalError`` CALLERROR of a handler's failure (nothing of it on the wire)."""
    return encode_call_error(
        call.message_id,
        ErrorCode.INTERNAL_ERROR,
        f"internal error while handling {call.action}",
        {},
    )


def _ignored(station: str, message: CallResult | CallError) -> None:
    """No reply to a CALLRESULT or CALLERROR: this CSMS sends no CALLs."""
    logger.debug(
        "station %r: %s for message id %r ignored (this CSMS sends no CALLs)",
        station,
        type(message).__name__,
        message.message_id,
    )


def meter_values_reply(station: str, call: Call, result: object) -> bytes:
    """The reply to a MeterValues CALL whose handler returned ``result`` (see the table)."""
    if type(result) is MeterValuesResponse:
        # Valid by construction: the core validates a response when it is built, keyword
        # or decoded, and MeterValuesResponse is the same in both dialects, so encoding it
        # is all that is left to do.
        return encode_call_result(call.message_id, result)
    return _wrong_response(station, call, result, MeterValuesResponse)


def transaction_event_reply(station: str, call: Call, result: object, dialect: Dialect) -> bytes:
    """The reply to a TransactionEvent CALL whose handler returned ``result``: the response
    once it is held to :mod:`ocpp_meter.response_rules` in ``dialect`` (see the table)."""
    if type(result) is not TransactionEventResponse:
        return _wrong_response(station, call, result, TransactionEventResponse)
    request: Any = call.payload
    violation = transaction_event_violation(request, result, dialect)
    if violation is not None:
        logger.error(
            "station %r: handler of %s returned a response OCPP forbids for message id %r: %s",
            station,
            call.action,
            call.message_id,
            violation,
        )
        return internal_error_reply(call)
    return encode_call_result(call.message_id, result)


def _wrong_response(station: str, call: Call, result: object, expected: type) -> bytes:
    if result is None:
        logger.error(
            "station %r: handler of %s returned no response for message id %r",
            station,
            call.action,
            call.message_id,
        )
        return encode_call_error(
            call.message_id,
            ErrorCode.GENERIC_ERROR,
            f"no response was produced for {call.action}",
            {},
        )
    logger.error(
        "station %r: handler of %s returned %s, not a %s (message id %r)",
        station,
        call.action,
        type(result).__name__,
        expected.__name__,
        call.message_id,
    )
    return internal_error_reply(call)


def _method(handler: object, name: str) -> Callable[..., Any] | None:
    method = getattr(handler, name, None)
    return method if callable(method) else None


def _call_error(
    message_id: str,
    code: ErrorCode | ErrorCode16,
    description: str,
    details: dict[str, Any],
    path: str,
) -> bytes:
    description = description[:255]
    dialect: BatchDialect = "1.6" if isinstance(code, ErrorCode16) else "2.0.1"
    try:
        return encode_call_error(message_id, code, description, details, dialect=dialect)
    except Exception:  # noqa: BLE001 - details that are not JSON: send the pointer alone
        return encode_call_error(message_id, code, description, {"path": path}, dialect=dialect)


def _size(frame: Buffer) -> int:
    return frame.nbytes if isinstance(frame, memoryview) else len(frame)


def _checked(profile: str) -> Profile:
    if profile not in PROFILES:
        raise ValueError(f"profile must be 'strict', 'lenient' or 'off', got {profile!r}")
    return profile


def _checked_dialect(dialect: str) -> Dialect:
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be '2.0.1' or '2.1', got {dialect!r}")
    return dialect


def _log_warnings(station: str, call: Call) -> None:
    warnings = call.payload.warnings
    logger.info(
        "station %r: accepted %d deviation(s) in message id %r: %s",
        station,
        len(warnings),
        call.message_id,
        "; ".join(f"{w.code} at {w.path!r} ({w.raw[:60]!r})" for w in warnings),
    )
