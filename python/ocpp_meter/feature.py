"""The ocpp-go ``ocpp2.0.1/meter`` profile surface: names, the feature and its constructors."""

from __future__ import annotations

from collections.abc import Sequence

from ._core import MeterValue, MeterValuesRequest, MeterValuesResponse

__all__ = [
    "METER_VALUES_FEATURE_NAME",
    "PROFILE_NAME",
    "MeterValuesFeature",
    "new_meter_values_request",
    "new_meter_values_response",
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
