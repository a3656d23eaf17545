"""The ocpp-go ``ocpp2.0.1/meter`` profile surface: names, the feature and its constructors, and
the constructor of the TransactionEvent response a CSMS answers with."""

from __future__ import annotations

from collections.abc import Sequence

from ._core import (
    IdTokenInfo,
    MeterValue,
    MeterValuesRequest,
    MeterValuesResponse,
    TransactionEventResponse,
)
from .enums import AuthorizationStatus

__all__ = [
    "METER_VALUES_FEATURE_NAME",
    "PROFILE_NAME",
    "MeterValuesFeature",
    "new_meter_values_request",
    "new_meter_values_response",
    "new_transaction_event_response",
]

METER_VALUES_FEATURE_NAME = "MeterValues"
"""The OCPP action name of the feature."""

PROFILE_NAME = "meter"
"""The functional block's profile name, as in ocpp-go."""


class MeterValuesFeature:
    """Describes the MeterValues feature: its action name and its payload types."""

    feature_name = METER_VALUES_FEATURE_NAME
    request_type = MeterValuesRequest
    response_type = MeterValuesResponse


def new_meter_values_request(
    evse_id: int, meter_values: Sequence[MeterValue]
) -> MeterValuesRequest:
    """Build a validated MeterValuesRequest (raises :class:`~ocpp_meter.OcppError` if invalid)."""
    return MeterValuesRequest(evse_id=evse_id, meter_value=meter_values)


def new_meter_values_response() -> MeterValuesResponse:
    """Build the empty MeterValuesResponse a CSMS answers with."""
    return MeterValuesResponse()


def new_transaction_event_response(
    id_token_info: IdTokenInfo | AuthorizationStatus | str | None = None,
) -> TransactionEventResponse:
    """Build a validated TransactionEventResponse (raises :class:`~ocpp_meter.OcppError` if
    invalid): empty, or with the ``idTokenInfo`` given, or one of just that status.

    OCPP 2.0.1 requires ``idTokenInfo`` when the request carried an ``idToken``, so
    ``new_transaction_event_response("Accepted")`` is the usual answer to such a request; other
    fields take :class:`~ocpp_meter.TransactionEventResponse`'s keywords.
    """
    if id_token_info is None:
        return TransactionEventResponse()
    if not isinstance(id_token_info, IdTokenInfo):
        id_token_info = IdTokenInfo(status=id_token_info)
    return TransactionEventResponse(id_token_info=id_token_info)
