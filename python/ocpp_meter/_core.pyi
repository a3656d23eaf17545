"""Type stubs for the compiled core, ``ocpp_meter._core``.

Every class here is immutable, compares with ``==`` by value and has a readable ``repr``.
Keyword construction validates exactly as decoding does and raises :class:`OcppError` with the
JSON Pointer (wire names) of the fault, relative to the object being built.
"""

from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any, Literal, final

from typing_extensions import TypeAlias

from .enums import (
    AuthorizationStatus,
    ChargingState,
    CostDimension,
    ErrorCode,
    ErrorCode16,
    IdTokenType,
    Location,
    Measurand,
    Measurand16,
    MessageFormat,
    OperationMode,
    Phase,
    PreconditioningStatus,
    ReadingContext,
    Reason,
    Reason16,
    TariffCost,
    TransactionEventType,
    TriggerReason,
    UnitOfMeasure16,
    ValueFormat,
)

Buffer: TypeAlias = bytes | bytearray | memoryview | str
Profile: TypeAlias = Literal["strict", "lenient", "off"]
"""A validation profile: ``"strict"`` (the official schema and the rules of README's *Validity*), ``"lenient"`` (known firmware
deviations accepted and reported as :class:`DecodeWarning`) or ``"off"`` (``lenient`` without
``maxLength`` and minimum checks); see the README, *Profiles*."""
Dialect: TypeAlias = Literal["2.0.1", "2.1"]
"""The OCPP version whose schemas a payload follows: ``"2.0.1"`` (the default) or ``"2.1"``
(more measurands, the ``Upstream`` location, longer and partly optional signed meter data, new
TransactionEvent fields). Decoding ``"2.0.1"`` refuses what only 2.1 allows, as the 2.0.1
schema does; see the README, *OCPP 2.1*."""
BatchDialect: TypeAlias = Literal["2.0.1", "2.1", "1.6"]
"""The OCPP versions :func:`decode_batch` reads: a :data:`Dialect`, or ``"1.6"`` (OCPP 1.6J's
MeterValues, StartTransaction and StopTransaction, into the same rows and events)."""

@final
class DecodeWarning:
    """One deviation from the schema that the lenient profile accepted."""

    @property
    def code(self) -> str:
        """Stable machine-readable code: ``timestamp_without_offset``,
        ``offset_without_colon``, ``numeric_string``, ``object_for_array`` or
        ``unknown_property``."""
    @property
    def path(self) -> str:
        """JSON Pointer into the payload as sent."""
    @property
    def raw(self) -> str:
        """The deviating text as sent (at most 255 characters)."""
    def __eq__(self, value: object, /) -> bool: ...

"""What the decoders read, in place: no copy of the buffer is made."""

@final
class UnitOfMeasure:
    """``UnitOfMeasureType``: the unit of a sampled value and its power-of-ten multiplier."""

    def __new__(
        cls,
        unit: str | None = None,
        multiplier: int | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> UnitOfMeasure: ...
    @property
    def unit(self) -> str | None:
        """The unit (at most 20 characters); ``None`` when absent (the schema default is ``Wh``)."""
    @property
    def multiplier(self) -> int | None:
        """Exponent of ten to apply to the value; ``None`` when absent (default 0)."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> UnitOfMeasure:
        """Decode and validate one ``UnitOfMeasureType`` JSON object."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class SignedMeterValue:
    """``SignedMeterValueType``: a signed copy of a meter reading."""

    def __new__(
        cls,
        signed_meter_data: str,
        signing_method: str | None,
        encoding_method: str,
        public_key: str | None,
        custom_data: dict[str, Any] | None = None,
    ) -> SignedMeterValue:
        """Takes what either dialect allows: ``None`` for the signing method or the key
        (optional in OCPP 2.1 only), signed data of up to 32768 characters (2500 in 2.0.1)."""
    @property
    def signed_meter_data(self) -> str:
        """Base64 signed data, at most 2500 characters (32768 in OCPP 2.1)."""
    @property
    def signing_method(self) -> str | None:
        """Signature method, at most 50 characters; ``None`` only in OCPP 2.1."""
    @property
    def encoding_method(self) -> str:
        """Encoding of the signed data, at most 50 characters."""
    @property
    def public_key(self) -> str | None:
        """Base64 public key, at most 2500 characters; ``None`` only in OCPP 2.1."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> SignedMeterValue:
        """Decode and validate one ``SignedMeterValueType`` JSON object."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class SampledValue:
    """``SampledValueType``: one measured value and how to read it."""

    def __new__(
        cls,
        value: float,
        context: ReadingContext | str | None = None,
        measurand: Measurand | str | None = None,
        phase: Phase | str | None = None,
        location: Location | str | None = None,
        signed_meter_value: SignedMeterValue | None = None,
        unit_of_measure: UnitOfMeasure | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> SampledValue: ...
    @property
    def value(self) -> float:
        """The measured value, as sent."""
    @property
    def context(self) -> ReadingContext | str | None:
        """Why it was sampled; ``None`` when absent (default ``Sample.Periodic``); a ``str``
        only for a value outside the enum that a lenient decoding kept as sent."""
    @property
    def measurand(self) -> Measurand | str | None:
        """What was measured; ``None`` when absent (default ``Energy.Active.Import.Register``);
        a ``str`` only for a value outside the enum that a lenient decoding kept as sent."""
    @property
    def phase(self) -> Phase | str | None:
        """The phase; ``None`` when absent (an overall value); a ``str`` only for a value
        outside the enum that a lenient decoding kept as sent."""
    @property
    def location(self) -> Location | str | None:
        """Where it was sampled; ``None`` when absent (default ``Outlet``); a ``str`` only for
        a value outside the enum that a lenient decoding kept as sent."""
    @property
    def signed_meter_value(self) -> SignedMeterValue | None:
        """The signed copy of the reading, if sent."""
    @property
    def unit_of_measure(self) -> UnitOfMeasure | None:
        """Unit and multiplier, if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> SampledValue:
        """Decode and validate one ``SampledValueType`` JSON object."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class MeterValue:
    """``MeterValueType``: sampled values taken at one point in time."""

    def __new__(
        cls,
        timestamp: datetime | str,
        sampled_value: Sequence[SampledValue],
        custom_data: dict[str, Any] | None = None,
    ) -> MeterValue: ...
    @property
    def timestamp(self) -> datetime:
        """Timezone-aware time of the samples, in the offset that was sent (microsecond precision)."""
    @property
    def sampled_value(self) -> tuple[SampledValue, ...]:
        """At least one sampled value, in input order."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> MeterValue:
        """Decode and validate one ``MeterValueType`` JSON object."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class MeterValuesRequest:
    """The ``MeterValues`` CALL payload: meter readings of one EVSE (0 is the main meter)."""

    def __new__(
        cls,
        evse_id: int,
        meter_value: Sequence[MeterValue],
        custom_data: dict[str, Any] | None = None,
    ) -> MeterValuesRequest: ...
    @property
    def evse_id(self) -> int:
        """The EVSE, ``>= 0``; 0 designates the main power meter."""
    @property
    def meter_value(self) -> tuple[MeterValue, ...]:
        """At least one meter value, in input order."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(
        data: Buffer, *, profile: Profile = "strict", dialect: Dialect = "2.0.1"
    ) -> MeterValuesRequest:
        """Decode and validate a MeterValuesRequest payload (a JSON object) of ``dialect``'s
        schema under ``profile``, in one pass."""
    @property
    def warnings(self) -> tuple[DecodeWarning, ...]:
        """The deviations a lenient decoding accepted, in document order (empty if strict)."""
    @property
    def unknown_properties(self) -> dict[str, Any]:
        """Properties the schema does not define that a lenient decoding kept, by JSON Pointer
        into the payload as sent (a fresh dict, empty if strict)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class MeterValuesResponse:
    """The ``MeterValues`` CALLRESULT payload: empty but for optional ``customData``."""

    def __new__(cls, custom_data: dict[str, Any] | None = None) -> MeterValuesResponse: ...
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> MeterValuesResponse:
        """Decode and validate a MeterValuesResponse payload."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON, ``b"{}"`` when there is no custom data."""

@final
class AdditionalInfo:
    """``AdditionalInfoType``: one more identifier of an id token."""

    def __new__(
        cls, additional_id_token: str, type: str, custom_data: dict[str, Any] | None = None
    ) -> AdditionalInfo: ...
    @property
    def additional_id_token(self) -> str:
        """At most 36 characters in OCPP 2.0.1, 255 in 2.1."""
    @property
    def type(self) -> str:
        """At most 50 characters."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> AdditionalInfo:
        """Decode and validate one ``AdditionalInfoType`` JSON object of ``dialect``'s schema."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class IdToken:
    """``IdTokenType``: who authorized the transaction."""

    def __new__(
        cls,
        id_token: str,
        type: IdTokenType | str,
        additional_info: Sequence[AdditionalInfo] | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> IdToken:
        """Takes what either dialect allows: ``type`` is an ``IdTokenType`` or OCPP 2.1's
        free string of up to 20 characters, ``id_token`` up to 255 characters (36 in 2.0.1)."""
    @property
    def id_token(self) -> str:
        """At most 36 characters in OCPP 2.0.1, 255 in 2.1."""
    @property
    def type(self) -> IdTokenType | str:
        """The kind of token: an ``IdTokenType`` member, or the ``str`` sent for an OCPP 2.1
        type outside 2.0.1's enumeration (up to 20 characters)."""
    @property
    def additional_info(self) -> tuple[AdditionalInfo, ...] | None:
        """At least one when present."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> IdToken:
        """Decode and validate one ``IdTokenType`` JSON object of ``dialect``'s schema."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class Evse:
    """``EVSEType``: an EVSE and, optionally, one of its connectors."""

    def __new__(
        cls, id: int, connector_id: int | None = None, custom_data: dict[str, Any] | None = None
    ) -> Evse: ...
    @property
    def id(self) -> int:
        """The EVSE (``>= 0`` in OCPP 2.1's schema)."""
    @property
    def connector_id(self) -> int | None:
        """The connector, if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> Evse:
        """Decode and validate one ``EVSEType`` JSON object of ``dialect``'s schema."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class Transaction:
    """``TransactionType``: the transaction a TransactionEvent reports on."""

    def __new__(
        cls,
        transaction_id: str,
        charging_state: ChargingState | str | None = None,
        time_spent_charging: int | None = None,
        stopped_reason: Reason | str | None = None,
        remote_start_id: int | None = None,
        custom_data: dict[str, Any] | None = None,
        operation_mode: OperationMode | str | None = None,
        tariff_id: str | None = None,
        transaction_limit: TransactionLimit | None = None,
    ) -> Transaction: ...
    @property
    def transaction_id(self) -> str:
        """At most 36 characters."""
    @property
    def charging_state(self) -> ChargingState | None:
        """The charging state, if sent."""
    @property
    def time_spent_charging(self) -> int | None:
        """Seconds of energy flow, if sent."""
    @property
    def stopped_reason(self) -> Reason | None:
        """Why the transaction stopped, if sent."""
    @property
    def remote_start_id(self) -> int | None:
        """The id of the RequestStartTransaction that started it, if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @property
    def operation_mode(self) -> OperationMode | None:
        """The operation mode in effect (OCPP 2.1), if sent."""
    @property
    def tariff_id(self) -> str | None:
        """The tariff in use, at most 60 characters (OCPP 2.1), if sent."""
    @property
    def transaction_limit(self) -> TransactionLimit | None:
        """The limits of the transaction (OCPP 2.1), if sent."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> Transaction:
        """Decode and validate one ``TransactionType`` JSON object of ``dialect``'s schema."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class TransactionLimit:
    """``TransactionLimitType`` (OCPP 2.1): a cost, energy, time or SoC limit of a
    transaction."""

    def __new__(
        cls,
        max_cost: float | None = None,
        max_energy: float | None = None,
        max_time: int | None = None,
        max_soc: int | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> TransactionLimit: ...
    @property
    def max_cost(self) -> float | None:
        """Maximum cost, in the tariff's currency, if sent."""
    @property
    def max_energy(self) -> float | None:
        """Maximum energy in Wh, if sent."""
    @property
    def max_time(self) -> int | None:
        """Maximum duration in seconds, if sent."""
    @property
    def max_soc(self) -> int | None:
        """Maximum state of charge in percent, 0 to 100, if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["2.1"] = "2.1") -> TransactionLimit:
        """Decode and validate one ``TransactionLimitType`` JSON object (OCPP 2.1 only)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class CostDimensionVolume:
    """``CostDimensionType`` (OCPP 2.1): the volume of one dimension consumed in a charging
    period. Named apart from the enumeration :class:`CostDimension` (``CostDimensionEnumType``),
    which is its ``type``."""

    def __new__(
        cls,
        type: CostDimension | str,
        volume: float,
        custom_data: dict[str, Any] | None = None,
    ) -> CostDimensionVolume: ...
    @property
    def type(self) -> CostDimension:
        """What is measured (``IDLE_TIME``'s wire string is ``"IdleTIme"``)."""
    @property
    def volume(self) -> float:
        """The volume consumed: Wh, A, W or seconds, by ``type``."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["2.1"] = "2.1") -> CostDimensionVolume:
        """Decode and validate one ``CostDimensionType`` JSON object (OCPP 2.1 only)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class ChargingPeriod:
    """``ChargingPeriodType`` (OCPP 2.1): a period of constant tariff conditions."""

    def __new__(
        cls,
        start_period: datetime | str,
        dimensions: Sequence[CostDimensionVolume] | None = None,
        tariff_id: str | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> ChargingPeriod: ...
    @property
    def start_period(self) -> datetime:
        """When the period starts, timezone-aware, in the offset it was sent with; it ends
        when the next one starts."""
    @property
    def dimensions(self) -> tuple[CostDimensionVolume, ...] | None:
        """The volumes consumed in the period (at least one), if sent."""
    @property
    def tariff_id(self) -> str | None:
        """The tariff the cost was calculated with (at most 60 characters), if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["2.1"] = "2.1") -> ChargingPeriod:
        """Decode and validate one ``ChargingPeriodType`` JSON object (OCPP 2.1 only)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class TaxRate:
    """``TaxRateType`` (OCPP 2.1): one tax of a price."""

    def __new__(
        cls,
        type: str,
        tax: float,
        stack: int | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> TaxRate: ...
    @property
    def type(self) -> str:
        """The kind of tax, e.g. ``"VAT"`` or ``"State"`` (at most 20 characters)."""
    @property
    def tax(self) -> float:
        """The tax percentage."""
    @property
    def stack(self) -> int | None:
        """Stack level (0: on the net price; n: on top of level n - 1), if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["2.1"] = "2.1") -> TaxRate:
        """Decode and validate one ``TaxRateType`` JSON object (OCPP 2.1 only)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class Price:
    """``PriceType`` (OCPP 2.1): a price with and/or without tax."""

    def __new__(
        cls,
        excl_tax: float | None = None,
        incl_tax: float | None = None,
        tax_rates: Sequence[TaxRate] | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> Price: ...
    @property
    def excl_tax(self) -> float | None:
        """The price excluding tax, if sent."""
    @property
    def incl_tax(self) -> float | None:
        """The price including tax, if sent."""
    @property
    def tax_rates(self) -> tuple[TaxRate, ...] | None:
        """The taxes applied (one to five), if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["2.1"] = "2.1") -> Price:
        """Decode and validate one ``PriceType`` JSON object (OCPP 2.1 only)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class TotalPrice:
    """``TotalPriceType`` (OCPP 2.1): the total with and/or without tax."""

    def __new__(
        cls,
        excl_tax: float | None = None,
        incl_tax: float | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> TotalPrice: ...
    @property
    def excl_tax(self) -> float | None:
        """The total excluding tax, if sent."""
    @property
    def incl_tax(self) -> float | None:
        """The total including tax, if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["2.1"] = "2.1") -> TotalPrice:
        """Decode and validate one ``TotalPriceType`` JSON object (OCPP 2.1 only)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class TotalCost:
    """``TotalCostType`` (OCPP 2.1): the running or final cost of a transaction."""

    def __new__(
        cls,
        currency: str,
        type_of_cost: TariffCost | str,
        total: TotalPrice,
        fixed: Price | None = None,
        energy: Price | None = None,
        charging_time: Price | None = None,
        idle_time: Price | None = None,
        reservation_time: Price | None = None,
        reservation_fixed: Price | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> TotalCost: ...
    @property
    def currency(self) -> str:
        """The ISO 4217 currency code (at most 3 characters)."""
    @property
    def type_of_cost(self) -> TariffCost:
        """Whether this is the normal, minimum or maximum cost."""
    @property
    def total(self) -> TotalPrice:
        """The total cost."""
    @property
    def fixed(self) -> Price | None:
        """The fixed cost, if sent."""
    @property
    def energy(self) -> Price | None:
        """The cost of the energy, if sent."""
    @property
    def charging_time(self) -> Price | None:
        """The cost of the charging time, if sent."""
    @property
    def idle_time(self) -> Price | None:
        """The cost of the idle time, if sent."""
    @property
    def reservation_time(self) -> Price | None:
        """The cost of the reservation's duration, if sent."""
    @property
    def reservation_fixed(self) -> Price | None:
        """The fixed cost of the reservation, if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["2.1"] = "2.1") -> TotalCost:
        """Decode and validate one ``TotalCostType`` JSON object (OCPP 2.1 only)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class TotalUsage:
    """``TotalUsageType`` (OCPP 2.1): what the transaction used in total."""

    def __new__(
        cls,
        energy: float,
        charging_time: int,
        idle_time: int,
        reservation_time: int | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> TotalUsage: ...
    @property
    def energy(self) -> float:
        """The energy in Wh."""
    @property
    def charging_time(self) -> int:
        """The charging time in seconds."""
    @property
    def idle_time(self) -> int:
        """The idle time in seconds."""
    @property
    def reservation_time(self) -> int | None:
        """The reservation's duration in seconds, if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["2.1"] = "2.1") -> TotalUsage:
        """Decode and validate one ``TotalUsageType`` JSON object (OCPP 2.1 only)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class CostDetails:
    """``CostDetailsType`` (OCPP 2.1): the cost of a transaction as the charging station
    calculated it."""

    def __new__(
        cls,
        total_cost: TotalCost,
        total_usage: TotalUsage,
        charging_periods: Sequence[ChargingPeriod] | None = None,
        failure_to_calculate: bool | None = None,
        failure_reason: str | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> CostDetails: ...
    @property
    def total_cost(self) -> TotalCost:
        """The cost so far (or final)."""
    @property
    def total_usage(self) -> TotalUsage:
        """The usage so far (or final)."""
    @property
    def charging_periods(self) -> tuple[ChargingPeriod, ...] | None:
        """The charging periods (at least one), if sent."""
    @property
    def failure_to_calculate(self) -> bool | None:
        """Whether the station failed to calculate the cost, if sent."""
    @property
    def failure_reason(self) -> str | None:
        """Why the calculation failed (at most 500 characters), if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["2.1"] = "2.1") -> CostDetails:
        """Decode and validate one ``CostDetailsType`` JSON object (OCPP 2.1 only)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class TransactionEventRequest:
    """The ``TransactionEvent`` CALL payload; its ``meter_value`` uses the MeterValues types."""

    def __new__(
        cls,
        event_type: TransactionEventType | str,
        timestamp: datetime | str,
        trigger_reason: TriggerReason | str,
        seq_no: int,
        transaction_info: Transaction,
        meter_value: Sequence[MeterValue] | None = None,
        offline: bool | None = None,
        number_of_phases_used: int | None = None,
        cable_max_current: int | None = None,
        reservation_id: int | None = None,
        evse: Evse | None = None,
        id_token: IdToken | None = None,
        custom_data: dict[str, Any] | None = None,
        cost_details: CostDetails | dict[str, Any] | None = None,
        preconditioning_status: PreconditioningStatus | str | None = None,
        evse_sleep: bool | None = None,
    ) -> TransactionEventRequest:
        """``cost_details`` is a :class:`CostDetails`, or a dict of ``CostDetailsType``'s JSON
        form, validated as decoding ``dialect="2.1"`` validates it."""
    @property
    def event_type(self) -> TransactionEventType:
        """Started, Updated or Ended."""
    @property
    def timestamp(self) -> datetime:
        """Timezone-aware time of the event, in the offset that was sent."""
    @property
    def trigger_reason(self) -> TriggerReason:
        """What made the station send the event."""
    @property
    def seq_no(self) -> int:
        """Incremental sequence number of the transaction's messages."""
    @property
    def transaction_info(self) -> Transaction:
        """The transaction."""
    @property
    def meter_value(self) -> tuple[MeterValue, ...] | None:
        """At least one meter value when present, in input order."""
    @property
    def offline(self) -> bool | None:
        """Whether the event happened while offline, if sent (default false)."""
    @property
    def number_of_phases_used(self) -> int | None:
        """Phases used, if sent."""
    @property
    def cable_max_current(self) -> int | None:
        """Maximum current of the cable in A, if sent."""
    @property
    def reservation_id(self) -> int | None:
        """The reservation this transaction ends, if sent."""
    @property
    def evse(self) -> Evse | None:
        """The EVSE (and connector), if sent."""
    @property
    def id_token(self) -> IdToken | None:
        """The token that authorized the transaction, if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @property
    def cost_details(self) -> CostDetails | None:
        """``costDetails`` (OCPP 2.1), if sent: the cost as the station calculated it."""
    @property
    def preconditioning_status(self) -> PreconditioningStatus | None:
        """The EV battery's preconditioning status (OCPP 2.1), if sent."""
    @property
    def evse_sleep(self) -> bool | None:
        """Whether the EVSE's electronics sleep (OCPP 2.1), if sent (default false)."""
    @staticmethod
    def from_json(
        data: Buffer, *, profile: Profile = "strict", dialect: Dialect = "2.0.1"
    ) -> TransactionEventRequest:
        """Decode and validate a TransactionEventRequest payload (a JSON object), in one pass."""
    @property
    def warnings(self) -> tuple[DecodeWarning, ...]:
        """The deviations a lenient decoding accepted, in document order (empty if strict)."""
    @property
    def unknown_properties(self) -> dict[str, Any]:
        """Properties the schema does not define that a lenient decoding kept, by JSON Pointer
        into the payload as sent (a fresh dict, empty if strict)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class MessageContent:
    """``MessageContentType``: a message for the EV driver, as a TransactionEvent response
    carries it."""

    def __new__(
        cls,
        format: MessageFormat | str,
        content: str,
        language: str | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> MessageContent:
        """Takes what either dialect allows: OCPP 2.1's ``QRCODE`` format and up to 1024
        characters of content (2.0.1: 512)."""
    @property
    def format(self) -> MessageFormat:
        """How to show the content."""
    @property
    def content(self) -> str:
        """The message: at most 512 characters in OCPP 2.0.1, 1024 in 2.1."""
    @property
    def language(self) -> str | None:
        """An RFC 5646 language code (at most 8 characters), if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> MessageContent:
        """Decode and validate one ``MessageContentType`` JSON object of ``dialect``'s schema."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class IdTokenInfo:
    """``IdTokenInfoType``: the CSMS's verdict on an id token, and what goes with it."""

    def __new__(
        cls,
        status: AuthorizationStatus | str,
        cache_expiry_date_time: datetime | str | None = None,
        charging_priority: int | None = None,
        language1: str | None = None,
        evse_id: Sequence[int] | None = None,
        group_id_token: IdToken | None = None,
        language2: str | None = None,
        personal_message: MessageContent | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> IdTokenInfo:
        """Takes what either dialect allows: ``evse_id`` items below 0 (OCPP 2.0.1 sets no
        minimum; 2.1 refuses them when decoding)."""
    @property
    def status(self) -> AuthorizationStatus:
        """Whether the token is accepted, and if not, why."""
    @property
    def cache_expiry_date_time(self) -> datetime | None:
        """When the station must consider the token invalid, if sent."""
    @property
    def charging_priority(self) -> int | None:
        """Priority, -9 to 9 by the specification (0 by default), if sent."""
    @property
    def language1(self) -> str | None:
        """The driver's preferred language (RFC 5646, at most 8 characters), if sent."""
    @property
    def evse_id(self) -> tuple[int, ...] | None:
        """The EVSEs the token is valid for (at least one), if it is not valid for all."""
    @property
    def group_id_token(self) -> IdToken | None:
        """The token's group, if sent."""
    @property
    def language2(self) -> str | None:
        """The driver's second language, if sent."""
    @property
    def personal_message(self) -> MessageContent | None:
        """A message for the driver, if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> IdTokenInfo:
        """Decode and validate one ``IdTokenInfoType`` JSON object of ``dialect``'s schema."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class TransactionEventResponse:
    """The ``TransactionEvent`` CALLRESULT payload: every field optional."""

    def __new__(
        cls,
        total_cost: float | None = None,
        charging_priority: int | None = None,
        id_token_info: IdTokenInfo | None = None,
        updated_personal_message: MessageContent | None = None,
        custom_data: dict[str, Any] | None = None,
        transaction_limit: TransactionLimit | None = None,
        updated_personal_message_extra: Sequence[MessageContent] | None = None,
    ) -> TransactionEventResponse:
        """Takes what either dialect allows, OCPP 2.1's ``transaction_limit`` and one to four
        ``updated_personal_message_extra`` included; decoding (and the dispatcher, before it
        answers) holds a response to one dialect's schema."""
    @property
    def total_cost(self) -> float | None:
        """The cost of the transaction, taxes included, if sent (OCPP 2.0.1: only once
        charging has ended; 2.1: the running cost on ``Updated``)."""
    @property
    def charging_priority(self) -> int | None:
        """A temporary priority, -9 to 9 by the specification, if sent."""
    @property
    def id_token_info(self) -> IdTokenInfo | None:
        """The status of the request's ``idToken``; required when the request carried one."""
    @property
    def updated_personal_message(self) -> MessageContent | None:
        """A message for the driver (updated tariff information, say), if sent."""
    @property
    def custom_data(self) -> dict[str, Any] | None:
        """``customData``: a fresh dict with ``vendorId`` and any vendor properties."""
    @property
    def transaction_limit(self) -> TransactionLimit | None:
        """The limits of the transaction (OCPP 2.1), if sent."""
    @property
    def updated_personal_message_extra(self) -> tuple[MessageContent, ...] | None:
        """One to four more messages, in other languages (OCPP 2.1), if sent."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Dialect = "2.0.1") -> TransactionEventResponse:
        """Decode and validate a TransactionEventResponse payload of ``dialect``'s schema."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

# OCPP 1.6J. Its shapes are not 2.0.1's (``value`` is decimal text with a closed ``unit`` beside
# it; no ``unitOfMeasure``, ``signedMeterValue`` or ``evseId``), so its types are their own,
# named with ``16`` where 2.0.1 has a type of the same name. ``from_json`` reads the 1.6 schema
# only; faults carry the OCPP-J 1.6 codes (``OcppError.code`` an :class:`ErrorCode16` member
# where 1.6 spells a code its own way).

@final
class SampledValue16:
    """OCPP 1.6's ``SampledValue``."""

    def __new__(
        cls,
        value: str,
        context: ReadingContext | str | None = None,
        format: ValueFormat | str | None = None,
        measurand: Measurand16 | str | None = None,
        phase: Phase | str | None = None,
        location: Location | str | None = None,
        unit: UnitOfMeasure16 | str | None = None,
    ) -> SampledValue16: ...
    @property
    def value(self) -> str:
        """The decimal text exactly as sent (``"1234.50"`` stays so), or the signed data when
        ``format`` is ``SignedData``."""
    @property
    def number(self) -> float | None:
        """``value`` read as a number; ``None`` for signed data."""
    @property
    def context(self) -> ReadingContext | None:
        """Absent means ``Sample.Periodic``."""
    @property
    def format(self) -> ValueFormat | None:
        """Absent means ``Raw``."""
    @property
    def measurand(self) -> Measurand16 | None:
        """Absent means ``Energy.Active.Import.Register``."""
    @property
    def phase(self) -> Phase | None:
        """The phase measured, if sent."""
    @property
    def location(self) -> Location | None:
        """Absent means ``Outlet``."""
    @property
    def unit(self) -> UnitOfMeasure16 | None:
        """Absent means ``Wh``."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["1.6"] = "1.6") -> SampledValue16:
        """Decode and validate one 1.6 ``SampledValue`` JSON object."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class MeterValue16:
    """OCPP 1.6's ``MeterValue``: samples taken at one time."""

    def __new__(
        cls, timestamp: datetime | str, sampled_value: Sequence[SampledValue16]
    ) -> MeterValue16: ...
    @property
    def timestamp(self) -> datetime:
        """Timezone-aware."""
    @property
    def sampled_value(self) -> tuple[SampledValue16, ...]:
        """At least one in a MeterValues request; StopTransaction's ``transactionData`` may
        send none."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["1.6"] = "1.6") -> MeterValue16:
        """Decode and validate one 1.6 ``MeterValue`` JSON object (MeterValues' schema)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class MeterValuesRequest16:
    """OCPP 1.6's MeterValues request."""

    def __new__(
        cls,
        connector_id: int,
        meter_value: Sequence[MeterValue16],
        transaction_id: int | None = None,
    ) -> MeterValuesRequest16: ...
    @property
    def connector_id(self) -> int:
        """``>= 0``; 0 is the charge point's main meter."""
    @property
    def meter_value(self) -> tuple[MeterValue16, ...]:
        """At least one."""
    @property
    def transaction_id(self) -> int | None:
        """The transaction the values belong to, if any."""
    @property
    def warnings(self) -> tuple[DecodeWarning, ...]:
        """The deviations a lenient decoding accepted, in document order (empty if strict):
        ``profile="lenient"`` or ``"off"`` of :func:`decode_call` / :func:`decode_message`,
        the same records :func:`decode_batch` gives."""
    @property
    def unknown_properties(self) -> dict[str, Any]:
        """Properties the 1.6 schema does not define that a lenient decoding kept, JSON
        Pointer to value (a fresh dict; empty if strict)."""
    @staticmethod
    def from_json(
        data: Buffer, *, profile: Profile = "strict", dialect: Literal["1.6"] = "1.6"
    ) -> MeterValuesRequest16:
        """Decode and validate one 1.6 MeterValues request payload under ``profile`` (``"lenient"`` and ``"off"`` keep
        what they accepted in ``warnings`` and ``unknown_properties``)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class StartTransactionRequest:
    """OCPP 1.6's StartTransaction request."""

    def __new__(
        cls,
        connector_id: int,
        id_tag: str,
        meter_start: int,
        timestamp: datetime | str,
        reservation_id: int | None = None,
    ) -> StartTransactionRequest: ...
    @property
    def connector_id(self) -> int:
        """``> 0``."""
    @property
    def id_tag(self) -> str:
        """At most 20 characters."""
    @property
    def meter_start(self) -> int:
        """The energy register in Wh when the transaction starts."""
    @property
    def timestamp(self) -> datetime:
        """Timezone-aware."""
    @property
    def reservation_id(self) -> int | None:
        """The reservation this transaction ends, if any."""
    @property
    def warnings(self) -> tuple[DecodeWarning, ...]:
        """The deviations a lenient decoding accepted, in document order (empty if strict):
        ``profile="lenient"`` or ``"off"`` of :func:`decode_call` / :func:`decode_message`,
        the same records :func:`decode_batch` gives."""
    @property
    def unknown_properties(self) -> dict[str, Any]:
        """Properties the 1.6 schema does not define that a lenient decoding kept, JSON
        Pointer to value (a fresh dict; empty if strict)."""
    @staticmethod
    def from_json(
        data: Buffer, *, profile: Profile = "strict", dialect: Literal["1.6"] = "1.6"
    ) -> StartTransactionRequest:
        """Decode and validate one StartTransaction request payload under ``profile`` (``"lenient"`` and ``"off"`` keep
        what they accepted in ``warnings`` and ``unknown_properties``)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class IdTagInfo:
    """OCPP 1.6's ``IdTagInfo`` (2.0.1's counterpart is :class:`IdTokenInfo`)."""

    def __new__(
        cls,
        status: AuthorizationStatus | str,
        expiry_date: datetime | str | None = None,
        parent_id_tag: str | None = None,
    ) -> IdTagInfo: ...
    @property
    def status(self) -> AuthorizationStatus:
        """One of 1.6's five statuses (``Accepted``, ``Blocked``, ``Expired``, ``Invalid``,
        ``ConcurrentTx``)."""
    @property
    def expiry_date(self) -> datetime | None:
        """Until when the tag may be cached, if sent."""
    @property
    def parent_id_tag(self) -> str | None:
        """At most 20 characters."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["1.6"] = "1.6") -> IdTagInfo:
        """Decode and validate one ``IdTagInfo`` JSON object."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class StartTransactionResponse:
    """OCPP 1.6's StartTransaction response."""

    def __new__(cls, id_tag_info: IdTagInfo, transaction_id: int) -> StartTransactionResponse: ...
    @property
    def id_tag_info(self) -> IdTagInfo:
        """Whether the tag is authorized."""
    @property
    def transaction_id(self) -> int:
        """The id the Central System assigns."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["1.6"] = "1.6") -> StartTransactionResponse:
        """Decode and validate one StartTransaction response payload."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class StopTransactionRequest:
    """OCPP 1.6's StopTransaction request."""

    def __new__(
        cls,
        meter_stop: int,
        timestamp: datetime | str,
        transaction_id: int,
        id_tag: str | None = None,
        reason: Reason16 | str | None = None,
        transaction_data: Sequence[MeterValue16] | None = None,
    ) -> StopTransactionRequest: ...
    @property
    def meter_stop(self) -> int:
        """The energy register in Wh when the transaction stops."""
    @property
    def timestamp(self) -> datetime:
        """Timezone-aware."""
    @property
    def transaction_id(self) -> int:
        """The id StartTransaction's response assigned."""
    @property
    def id_tag(self) -> str | None:
        """At most 20 characters."""
    @property
    def reason(self) -> Reason16 | None:
        """Absent means ``Local``."""
    @property
    def transaction_data(self) -> tuple[MeterValue16, ...] | None:
        """Readings of the transaction (no ``Hertz`` unit in its schema)."""
    @property
    def warnings(self) -> tuple[DecodeWarning, ...]:
        """The deviations a lenient decoding accepted, in document order (empty if strict):
        ``profile="lenient"`` or ``"off"`` of :func:`decode_call` / :func:`decode_message`,
        the same records :func:`decode_batch` gives."""
    @property
    def unknown_properties(self) -> dict[str, Any]:
        """Properties the 1.6 schema does not define that a lenient decoding kept, JSON
        Pointer to value (a fresh dict; empty if strict)."""
    @staticmethod
    def from_json(
        data: Buffer, *, profile: Profile = "strict", dialect: Literal["1.6"] = "1.6"
    ) -> StopTransactionRequest:
        """Decode and validate one StopTransaction request payload under ``profile`` (``"lenient"`` and ``"off"`` keep
        what they accepted in ``warnings`` and ``unknown_properties``)."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class StopTransactionResponse:
    """OCPP 1.6's StopTransaction response."""

    def __new__(cls, id_tag_info: IdTagInfo | None = None) -> StopTransactionResponse: ...
    @property
    def id_tag_info(self) -> IdTagInfo | None:
        """Whether the tag is authorized, if sent."""
    @staticmethod
    def from_json(data: Buffer, *, dialect: Literal["1.6"] = "1.6") -> StopTransactionResponse:
        """Decode and validate one StopTransaction response payload."""
    def to_json(self) -> bytes:
        """Compact UTF-8 JSON in schema field order, absent fields omitted."""

@final
class Call:
    """An OCPP-J CALL ``[2, messageId, action, payload]``."""

    def __new__(
        cls,
        message_id: str,
        action: str,
        payload: MeterValuesRequest
        | TransactionEventRequest
        | MeterValuesRequest16
        | StartTransactionRequest
        | StopTransactionRequest,
    ) -> Call: ...
    @property
    def message_id(self) -> str:
        """The caller's message id (1 to 36 characters)."""
    @property
    def action(self) -> str:
        """The action name, e.g. ``"MeterValues"``."""
    @property
    def payload(
        self,
    ) -> (
        MeterValuesRequest
        | TransactionEventRequest
        | MeterValuesRequest16
        | StartTransactionRequest
        | StopTransactionRequest
    ):
        """The decoded, validated request: a MeterValuesRequest for ``"MeterValues"``, a
        TransactionEventRequest for ``"TransactionEvent"``; of OCPP 1.6J, a
        MeterValuesRequest16, StartTransactionRequest or StopTransactionRequest."""

@final
class CallResult:
    """An OCPP-J CALLRESULT ``[3, messageId, payload]``."""

    def __new__(
        cls,
        message_id: str,
        payload: MeterValuesResponse
        | TransactionEventResponse
        | StartTransactionResponse
        | StopTransactionResponse,
    ) -> CallResult: ...
    @property
    def message_id(self) -> str:
        """The id of the CALL this answers."""
    @property
    def payload(
        self,
    ) -> (
        MeterValuesResponse
        | TransactionEventResponse
        | StartTransactionResponse
        | StopTransactionResponse
    ):
        """The decoded, validated response: of the type of the action it answers (1.6's
        MeterValues answer, ``{}``, is a :class:`MeterValuesResponse`)."""

@final
class CallError:
    """An OCPP-J CALLERROR ``[4, messageId, errorCode, errorDescription, errorDetails]``."""

    def __new__(
        cls,
        message_id: str,
        code: ErrorCode | str,
        description: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> CallError: ...
    @property
    def message_id(self) -> str:
        """The id of the CALL this answers."""
    @property
    def code(self) -> ErrorCode | ErrorCode16:
        """One of the twelve RPC error codes; of a 1.6 frame, one of OCPP-J 1.6's ten."""
    @property
    def description(self) -> str:
        """Free text, at most 255 characters."""
    @property
    def details(self) -> dict[str, Any]:
        """``errorDetails``: a fresh dict (``{}`` when none were sent)."""

Message: TypeAlias = Call | CallResult | CallError

@final
class BatchRecords:
    """Records of a batch, in input order, as an Arrow C stream source: the event records
    (the event form, :data:`ocpp_meter.rows.EVENT_COLUMNS`), one per accepted
    TransactionEvent; the error records (index, message_id, code, description, path), one per
    rejected frame; or the warning records (index, message_id, code, path, raw), one per
    deviation a non-strict profile accepted in an accepted frame."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The records as an Arrow C stream (PyCapsule ``arrow_array_stream``)."""
    def __len__(self) -> int: ...
    def sql_parameters(self) -> SqlParameters:
        """The records as SQL parameter tuples, one at a time (see :class:`SqlParameters`)."""

@final
class SqlParameters(Iterator[tuple[Any, ...]]):
    """An iterator of a batch's rows or records as DB-API parameter tuples, in column order:
    null as ``None``, a dictionary value as its string, ``offline`` as ``bool``, a timestamp as
    fixed-width RFC 3339 UTC text (``2024-05-01T12:00:00.000000Z``). Made one at a time from
    the core's columns, so ``executemany`` over it holds no Python object per row."""

    def __iter__(self) -> SqlParameters: ...
    def __next__(self) -> tuple[Any, ...]: ...
    def __length_hint__(self) -> int:
        """Tuples not yet given."""

@final
class BatchResult:
    """What :func:`decode_batch` gives: the rows (an Arrow C stream source, so
    ``pyarrow.table(result)`` and ``polars.DataFrame(result)`` take them without a copy; note
    that ``polars.from_arrow(result)`` gives a Series of structs, not a table), the event
    records, the error records and the reply to every frame. Rows and error records account
    for every frame, but a TransactionEvent without meter values, which gives no rows and no
    error record: its event record keeps it."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The rows, in the row form, as an Arrow C stream (PyCapsule)."""
    @property
    def events(self) -> BatchRecords:
        """The event records: one per accepted TransactionEvent, with or without meter values,
        in input order (``pyarrow.table(result.events)``)."""
    @property
    def errors(self) -> BatchRecords:
        """The error records."""
    @property
    def warnings(self) -> BatchRecords:
        """The warning records (empty under the strict profile)."""
    @property
    def replies(self) -> list[bytes | None]:
        """The frame a CSMS sends back to each input frame (``None``: no reply)."""
    @property
    def row_count(self) -> int:
        """Rows given by the accepted frames."""
    @property
    def error_count(self) -> int:
        """Frames rejected, or not CALLs."""
    @property
    def event_count(self) -> int:
        """Event records: accepted TransactionEvents."""
    @property
    def frame_rows(self) -> list[int]:
        """Rows given by each frame, in input order (0 for a frame with an error record)."""
    def sql_parameters(self) -> SqlParameters:
        """The rows as SQL parameter tuples, one at a time (see :class:`SqlParameters`)."""

def decode_batch(
    frames: Sequence[Buffer] | object,
    charging_station_ids: str | Sequence[str],
    *,
    threads: int = 0,
    profile: Profile = "strict",
    dialect: BatchDialect = "2.0.1",
    dialects: Sequence[BatchDialect] | None = None,
) -> BatchResult:
    """Decode many MeterValues and TransactionEvent frames into rows of the row form, and
    each accepted TransactionEvent into an event record (``result.events``).

    ``frames`` is a sequence of bytes-like objects or ``str`` (bytes and str are read in place;
    bytearray and memoryview are copied once, as they could change while the interpreter is
    released), or one Arrow binary or string array (``__arrow_c_array__``), read in place (a
    null entry is an unreadable frame). ``charging_station_ids`` is one id for every frame or
    one per frame. ``threads``: 0 uses every core for batches of 256 KiB or more. Output order
    is input order whatever the thread count. Column memory of dropped results is reused, up
    to a bound (:func:`set_batch_buffer_pool_limit`). ``profile`` is the validation profile
    of every frame: a raw enum string a lenient profile kept is in the row as sent (the
    measurand dictionary of that record batch grows by it). ``dialect`` is the OCPP version
    of every frame; ``dialects``, one per frame, overrides it, so that a capture of a fleet
    of 1.6 and 2.0.1 stations decodes in one call.

    Under ``"1.6"``, MeterValues, StartTransaction and StopTransaction frames give rows
    (``evse_id`` null, ``connector_id`` the ``connectorId``, ``transaction_id`` the integer as
    text, ``value`` the decimal text read as a number; a ``SignedData`` sample's text in
    ``signed_meter_data``, its value NaN); ``meterStart`` and ``meterStop`` are rows of
    ``Energy.Active.Import.Register`` in Wh with the ``Transaction.Begin`` and
    ``Transaction.End`` contexts. StartTransaction and StopTransaction give ``Started`` and
    ``Ended`` event records (a StartTransaction's ``transaction_id`` is ``""``: the Central
    System assigns it in its answer). Error records and CALLERROR replies of 1.6 frames carry
    the OCPP 1.6J codes as that specification spells them (``FormationViolation``,
    ``OccurenceConstraintViolation``, ...); an accepted StartTransaction gets no reply. Under
    ``profile="lenient"`` 1.6 frames get the 1.6 repairs (see the README's OCPP 1.6J section),
    each a warning record.
    """

DEFAULT_LIMITS: tuple[int, int]
"""``(max_frame_bytes, max_depth)`` by default; see :mod:`ocpp_meter.limits`."""

MAX_DEPTH_LIMIT: int
"""The largest ``max_depth`` :func:`set_limits` accepts."""

def get_limits() -> tuple[int, int]:
    """The size limits in force, ``(max_frame_bytes, max_depth)``."""

def set_limits(max_frame_bytes: int, max_depth: int) -> tuple[int, int]:
    """Set the size limits; return the previous ones. ``ValueError`` when one is out of range."""

BATCH_BUFFER_POOL_DEFAULT_LIMIT: int
"""The default of :func:`set_batch_buffer_pool_limit`: 64 MiB."""

def set_batch_buffer_pool_limit(max_bytes: int) -> int:
    """Bound the memory kept for the next :func:`decode_batch`; return the previous bound.

    When a batch's rows are dropped, their column buffers of 64 KiB or more are kept, up to
    ``max_bytes`` in all, and the next batch writes into them: memory fresh from the operating
    system costs a page fault per 4 KiB on first touch, about a quarter of a batch's time.
    ``0`` keeps nothing and frees what is kept.
    """

def decode_call(
    frame: Buffer, *, profile: Profile = "strict", dialect: BatchDialect = "2.0.1"
) -> Call:
    """Decode and validate a CALL frame; any other frame or fault raises :class:`OcppError`.

    Under ``profile="lenient"`` a payload's known deviations are accepted and listed in its
    ``warnings``; the envelope is never relaxed. The payload follows ``dialect``'s schema.
    Under ``"1.6"``, MeterValues, StartTransaction and StopTransaction CALLs give the 1.6
    classes and faults carry :class:`ErrorCode16`; ``"lenient"`` and ``"off"`` repair the
    1.6 quirks :func:`decode_batch` repairs, with the same warnings."""

def decode_message(
    frame: Buffer,
    action: str = "MeterValues",
    *,
    profile: Profile = "strict",
    dialect: BatchDialect = "2.0.1",
) -> Message:
    """Decode a CALL, CALLRESULT or CALLERROR frame.

    A CALLRESULT carries no action, so ``action`` names the CALL it answers, which selects
    the schema its payload is checked against and its type: ``"MeterValues"`` gives a
    :class:`MeterValuesResponse`, ``"TransactionEvent"`` a :class:`TransactionEventResponse`.
    CALLs of ``MeterValues`` and ``TransactionEvent`` are decoded; other actions are
    NotImplemented. Under ``"1.6"``, ``action`` is ``"MeterValues"``, ``"StartTransaction"`` or
    ``"StopTransaction"`` and the frame is read as :func:`decode_call` reads a 1.6 CALL (a
    CALL under ``profile``; CALLRESULTs and CALLERRORs strictly, as in 2.x).
    """

def encode_call(
    message_id: str,
    request: MeterValuesRequest
    | TransactionEventRequest
    | MeterValuesRequest16
    | StartTransactionRequest
    | StopTransactionRequest,
) -> bytes:
    """``[2, messageId, action, request]`` as compact UTF-8 JSON, the action named by the
    request's type."""

def encode_call_result(
    message_id: str,
    response: MeterValuesResponse
    | TransactionEventResponse
    | StartTransactionResponse
    | StopTransactionResponse,
) -> bytes:
    """``[3, messageId, response]`` as compact UTF-8 JSON; any other ``response`` raises
    :class:`OcppError` (``TypeConstraintViolation`` at ``/payload``)."""

def _answer_call(
    call: Call,
    station: str,
    on_meter_values: Callable[[str, Any], Any] | None,
    on_transaction_event: Callable[[str, Any], Any] | None,
    current: ContextVar[Any],
) -> bytes | tuple[Any] | None:
    """The dispatcher's handler step (private to ``ocpp_meter.dispatch``): the handler of the
    call's action run with ``current`` set to ``(station, call)``; ``None`` without one, the
    CALLRESULT bytes of a MeterValuesResponse to a MeterValues call, else ``(result,)``."""

def encode_call_error(
    message_id: str,
    code: ErrorCode | ErrorCode16 | str,
    description: str | None = None,
    details: dict[str, Any] | None = None,
    *,
    dialect: BatchDialect = "2.0.1",
) -> bytes:
    """``[4, messageId, code, description, details]`` as compact UTF-8 JSON (no description:
    ``""``; no details: ``{}``). Under ``dialect="1.6"`` the code is one of OCPP-J 1.6's
    (:class:`ErrorCode16`), spelled as that specification spells it."""

def error_code_16(
    code: ErrorCode | ErrorCode16 | str, fault_type: str | None = None
) -> ErrorCode16:
    """The OCPP 1.6J code of an error raised with ``code`` whose ``details["type"]`` is
    ``fault_type``, by the core's rule for its own 1.6 faults: a frame with too few or too
    many elements (``wrong_arity``) is a ``ProtocolError``; an unknown property
    (``unknown_property``), ``FormatViolation``, ``RpcFrameworkError`` and
    ``MessageTypeNotSupported`` a ``FormationViolation``; ``OccurrenceConstraintViolation``
    1.6's ``OccurenceConstraintViolation``; the other codes the same in both versions. A code
    only 1.6 spells (``FormationViolation``, ``OccurenceConstraintViolation``) is itself; an
    unknown code raises :class:`OcppError`. For an :class:`OcppError` ``e`` raised with a 2.0.1
    code on a 1.6 connection: ``error_code_16(e.code, e.details.get("type"))``."""

SchemaAction: TypeAlias = Literal[
    "Authorize", "BootNotification", "Heartbeat", "StatusNotification"
]

def decode_schema_call(
    frame: Buffer, *, dialect: BatchDialect = "2.0.1"
) -> tuple[str, SchemaAction, dict[str, Any]]:
    """Decode a CALL of BootNotification, Heartbeat, StatusNotification or Authorize into
    ``(message_id, action, payload)``, the payload a ``dict`` valid against the action's
    official request schema in ``dialect`` (``"1.6"``: the OCPP 1.6J schemas). Faults raise
    ``OcppError`` by the error table (any other action is ``NotImplemented``); under ``"1.6"``
    their codes are :class:`ErrorCode16`, as for the other 1.6 entry points."""

def validate_payload(
    action: SchemaAction,
    payload: Buffer,
    *,
    dialect: BatchDialect = "2.0.1",
    response: bool = False,
) -> dict[str, Any]:
    """Validate a payload text against ``action``'s official request schema (``response=True``:
    its response schema) and return it as a ``dict``; an unknown action is ``ValueError``.
    Under ``"1.6"`` the schema is 1.6's and a fault's code :class:`ErrorCode16`."""

def encode_schema_call_result(
    message_id: str,
    action: SchemaAction,
    payload: dict[str, Any],
    *,
    dialect: BatchDialect = "2.0.1",
) -> bytes:
    """``[3, messageId, payload]`` once ``payload`` is valid against ``action``'s response
    schema, else ``OcppError`` with the fault's code and path."""
