"""What OCPP requires of a TransactionEvent response beyond what its type checks.

A :class:`~ocpp_meter.TransactionEventResponse` is valid by construction for *some* dialect (its
keywords take what either allows), and its schema says nothing of the request it answers. Before
the dispatcher sends one, :func:`transaction_event_violation` holds it to the rules below; a
response that breaks one is the handler's bug, answered ``InternalError`` and logged, since a
station may act on a forbidden answer (start charging on a token it was never told about, show
a cost that is not final).

=====================================  ====================================================
rule                                   source (OCPP 2.0.1 Part 2, and 2.1 where it differs)
=====================================  ====================================================
the response follows the schema of     the dialect's ``TransactionEventResponse.json``
the connection's dialect (2.0.1: no    (2.1 adds ``transactionLimit``,
``transactionLimit``, no               ``updatedPersonalMessageExtra``, ``QRCODE``,
``updatedPersonalMessageExtra``, no    1024-character content; 2.1 sets ``evseId`` items
``QRCODE``, content of at most 512;    ``>= 0``)
2.1: ``evseId`` items ``>= 0``)
``idTokenInfo`` is present when the    TransactionEventResponse, field ``idTokenInfo``:
request carried an ``idToken``         "Is required when the transactionEventRequest
                                       contained an idToken" (the status the station acts on
                                       in the E use cases that start or authorize a
                                       transaction with a token)
2.0.1: ``totalCost`` only answers an   field ``totalCost``: "SHALL only be sent when charging
``Ended`` event                        has ended" (2.1 rewrote it: the running cost on
                                       ``Updated``, the final cost on ``Ended``, and forbids it
                                       nowhere, so under 2.1 it is not checked)
``chargingPriority`` (of the response  fields ``chargingPriority``: "The range is from -9 to
and of its ``idTokenInfo``) is within  9"
-9..9
``language2`` only beside a different  ``IdTokenInfoType.language2``: "Don't use when
``language1``                          language1 is omitted, has to be different from
                                       language1"
=====================================  ====================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._core import IdTokenInfo, TransactionEventResponse
from .enums import TransactionEventType
from .errors import OcppError

if TYPE_CHECKING:
    from ._core import Dialect, TransactionEventRequest

__all__ = ["CHARGING_PRIORITY_RANGE", "transaction_event_violation"]

CHARGING_PRIORITY_RANGE = range(-9, 10)
"""The priorities OCPP defines: -9 (lowest) to 9."""


def transaction_event_violation(
    request: TransactionEventRequest, response: TransactionEventResponse, dialect: Dialect
) -> str | None:
    """The first rule of the table above that ``response`` to ``request`` breaks on a
    connection of ``dialect``, as a sentence naming the rule; ``None`` when it breaks none."""
    try:
        # Round trip through the connection's schema: one check for every dialect difference.
        TransactionEventResponse.from_json(response.to_json(), dialect=dialect)
    except OcppError as error:
        return f"it is not valid under the OCPP {dialect} schema: {error.description}"
    info = response.id_token_info
    if request.id_token is not None and info is None:
        return "the request carried an idToken but the response has no idTokenInfo"
    if (
        response.total_cost is not None
        and dialect == "2.0.1"
        and request.event_type is not TransactionEventType.ENDED
    ):
        return (
            f"totalCost answers an {request.event_type.value} event; "
            "OCPP 2.0.1 sends it only once charging has ended"
        )
    if _outside_priorities(response.charging_priority):
        return f"chargingPriority {response.charging_priority} is outside -9..9"
    return None if info is None else _id_token_info_violation(info)


def _id_token_info_violation(info: IdTokenInfo) -> str | None:
    if _outside_priorities(info.charging_priority):
        return f"idTokenInfo.chargingPriority {info.charging_priority} is outside -9..9"
    if info.language2 is not None:
        if info.language1 is None:
            return "idTokenInfo has language2 without language1"
        if info.language2 == info.language1:
            return "idTokenInfo.language2 repeats language1"
    return None


def _outside_priorities(priority: int | None) -> bool:
    return priority is not None and priority not in CHARGING_PRIORITY_RANGE
