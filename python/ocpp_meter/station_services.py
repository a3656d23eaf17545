"""What a CSMS answers a station before and around its meter data: BootNotification,
Heartbeat, StatusNotification and Authorize.

A station that is not Accepted at boot sends no meter data, and one whose heartbeats go
unanswered reconnects; so the endpoint answers these actions itself. The core validates each
request against its official schema (the same error table as MeterValues: the first fault in
document order, with its JSON Pointer) and each reply against the response schema before it is
encoded; this module only chooses the replies:

======================  ========================================================================
action                  reply
======================  ========================================================================
BootNotification        ``status: Accepted``, ``currentTime``, ``interval`` (the heartbeat
                        interval, :attr:`StationServices.heartbeat_interval`, seconds)
Heartbeat               ``currentTime``
StatusNotification      ``{}`` (the status is logged at DEBUG)
Authorize               ``idTokenInfo.status``: ``Accepted`` for every token by default; with
                        :attr:`StationServices.accepted_id_tokens`, ``Accepted`` for the tokens
                        listed and ``Unknown`` for any other (OCPP 1.6: ``Invalid``, its word)
TransactionEvent        (stored by the endpoint's ingest handler) its ``idTokenInfo.status``,
                        when the request carries an ``idToken``, is by the same policy
                        (:meth:`StationServices.id_token_status`); so is the ``idTagInfo`` of
                        a 1.6 StartTransaction and StopTransaction
======================  ========================================================================

OCPP 1.6J (dialect ``"1.6"``) has the same four actions with requests of their own shapes
(``chargePointVendor``, ``idTag``, ``connectorId`` and ``status``...) and replies of the same
shapes; they are checked against the 1.6 schemas, and a fault's CALLERROR carries its 1.6J
code (the core's :func:`~ocpp_meter.error_code_16`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._core import (
    decode_schema_call,
    encode_call_error,
    encode_schema_call_result,
    error_code_16,
)
from .enums import ErrorCode, ErrorCode16
from .errors import OcppError
from .logsafe import DESCRIPTION_CHARS, excerpt

if TYPE_CHECKING:
    from ._core import BatchDialect, Buffer

__all__ = [
    "DEFAULT_HEARTBEAT_INTERVAL",
    "SERVICE_ACTIONS",
    "StationServices",
    "read_id_tokens",
]

logger = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_INTERVAL = 300
"""Seconds between heartbeats a booted station is told to keep (OCPP leaves it to the CSMS)."""
SERVICE_ACTIONS = ("Authorize", "BootNotification", "Heartbeat", "StatusNotification")
"""The actions :class:`StationServices` answers."""
SCHEMA_DIALECTS = ("2.0.1", "2.1", "1.6")
"""The dialects whose schemas of these actions the core embeds."""
_REPLY_METHOD = {
    "Authorize": "authorize",
    "BootNotification": "boot_notification",
    "Heartbeat": "heartbeat",
    "StatusNotification": "status_notification",
}
_REPLY_METHOD_16 = {
    "Authorize": "authorize16",
    "BootNotification": "boot_notification16",
    "Heartbeat": "heartbeat",
    "StatusNotification": "status_notification16",
}


def read_id_tokens(path: str | Path) -> frozenset[str]:
    """The id tokens of a file, one per line; blank lines and ``#`` comments are skipped."""
    tokens = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        token = line.strip()
        if token and not token.startswith("#"):
            tokens.add(token)
    return frozenset(tokens)


def _now() -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class StationServices:
    """Answers the CALLs of :data:`SERVICE_ACTIONS` (see the module's table)."""

    heartbeat_interval: int = DEFAULT_HEARTBEAT_INTERVAL
    """The ``interval`` of the BootNotification reply, in seconds."""
    accepted_id_tokens: frozenset[str] | None = None
    """``None``: every id token is accepted; else only these (others are ``Unknown``)."""

    def __post_init__(self) -> None:
        if not 1 <= self.heartbeat_interval <= 2**31 - 1:
            raise ValueError(
                f"heartbeat interval must be 1 to 2147483647 s, got {self.heartbeat_interval}"
            )

    @classmethod
    def with_tokens(cls, tokens: Iterable[str] | None, **options: Any) -> StationServices:
        """The services with an accept list (``None``: accept every token)."""
        return cls(accepted_id_tokens=None if tokens is None else frozenset(tokens), **options)

    def answer(
        self, charging_station_id: str, frame: Buffer, dialect: BatchDialect
    ) -> bytes | None:
        """The reply to a CALL of one of :data:`SERVICE_ACTIONS`: a CALLRESULT, or the
        CALLERROR of its first fault (with its 1.6J code under ``"1.6"``); ``None`` when the
        frame's action is not one of them, or its dialect is not one whose schemas the core
        carries (2.0.1, 2.1, 1.6)."""
        if dialect not in SCHEMA_DIALECTS:
            return None
        try:
            message_id, action, payload = decode_schema_call(frame, dialect=dialect)
        except OcppError as error:
            if error.code in (ErrorCode.NOT_IMPLEMENTED, ErrorCode16.NOT_IMPLEMENTED):
                return None
            logger.warning(
                "station %r: rejected frame, message id %s: %s at %s: %s",
                charging_station_id,
                excerpt(error.message_id),
                error.code.value,
                excerpt(error.path),
                excerpt(error.description, DESCRIPTION_CHARS),
            )
            if dialect == "1.6":
                return encode_call_error(
                    error.message_id or "-1",
                    error_code_16(error.code, error.details.get("type")),
                    error.description[:255],
                    error.details,
                    dialect="1.6",
                )
            return encode_call_error(
                error.message_id or "-1", error.code, error.description[:255], error.details
            )
        methods = _REPLY_METHOD_16 if dialect == "1.6" else _REPLY_METHOD
        reply: dict[str, Any] = getattr(self, methods[action])(charging_station_id, payload)
        try:
            return encode_schema_call_result(message_id, action, reply, dialect=dialect)
        except OcppError as error:
            # Not reached with the replies above; a subclass's reply the schema forbids is
            # never sent.
            logger.error(
                "station %r: reply to %s %r is invalid (%s at %r); sent InternalError",
                charging_station_id,
                action,
                message_id,
                error.description,
                error.path,
            )
            return encode_call_error(
                message_id, ErrorCode.INTERNAL_ERROR, f"internal error while handling {action}", {}
            )

    def boot_notification(
        self, charging_station_id: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Accept the station, with the heartbeat interval."""
        station = request["chargingStation"]
        logger.info(
            "station %r booted (%s): %s %s, firmware %s",
            charging_station_id,
            request["reason"],
            station["vendorName"],
            station["model"],
            station.get("firmwareVersion"),
        )
        return {"currentTime": _now(), "interval": self.heartbeat_interval, "status": "Accepted"}

    def heartbeat(self, charging_station_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """The CSMS's time."""
        return {"currentTime": _now()}

    def status_notification(
        self, charging_station_id: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Acknowledge (the status is logged)."""
        logger.debug(
            "station %r: evse %s connector %s is %s",
            charging_station_id,
            request["evseId"],
            request["connectorId"],
            request["connectorStatus"],
        )
        return {}

    def id_token_status(self, token: str, dialect: BatchDialect = "2.0.1") -> str:
        """The accept policy: ``Accepted`` or ``Unknown`` (``Invalid`` in OCPP 1.6, which has
        no ``Unknown``): the ``idTokenInfo.status`` of both Authorize and TransactionEvent
        replies, and the ``idTagInfo.status`` of 1.6's, so one policy answers them all."""
        if self.accepted_id_tokens is None or token in self.accepted_id_tokens:
            return "Accepted"
        return "Invalid" if dialect == "1.6" else "Unknown"

    def authorize(self, charging_station_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Accept the id token by the policy."""
        token = request["idToken"]["idToken"]
        status = self.id_token_status(token)
        logger.info("station %r: id token %r %s", charging_station_id, token[:36], status)
        return {"idTokenInfo": {"status": status}}

    def boot_notification16(
        self, charging_station_id: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Accept the 1.6 charge point, with the heartbeat interval."""
        logger.info(
            "station %r booted (OCPP 1.6): %s %s, firmware %s",
            charging_station_id,
            request["chargePointVendor"],
            request["chargePointModel"],
            request.get("firmwareVersion"),
        )
        return {"currentTime": _now(), "interval": self.heartbeat_interval, "status": "Accepted"}

    def status_notification16(
        self, charging_station_id: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Acknowledge a 1.6 connector status (logged)."""
        logger.debug(
            "station %r: connector %s is %s (%s)",
            charging_station_id,
            request["connectorId"],
            request["status"],
            request["errorCode"],
        )
        return {}

    def authorize16(self, charging_station_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Accept the 1.6 id tag by the policy."""
        token = request["idTag"]
        status = self.id_token_status(token, "1.6")
        logger.info("station %r: id tag %r %s", charging_station_id, token[:20], status)
        return {"idTagInfo": {"status": status}}
