"""The OCPP 2.0.1 and 2.1 enumerations of the Meter values block and of TransactionEvent (its
request and its response), and the RPC error codes; after them, the enumerations OCPP 1.6J has
of its own (``Measurand16``, ``UnitOfMeasure16``, ``ValueFormat``, ``Reason16``,
``ErrorCode16``). 1.6's ``ReadingContext``, ``Phase``, ``Location`` and ``AuthorizationStatus``
are the 2.0.1 enums above: 1.6's values are among theirs.

Values OCPP 2.1 added come last in their enumeration, after a comment saying so; decoding
under ``dialect="2.0.1"`` refuses them as the 2.0.1 schema does.

Each is a ``str``-valued :class:`enum.Enum` whose values are the exact wire strings, so
``Measurand("SoC") is Measurand.SOC`` and a member compares equal to its wire string.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "AuthorizationStatus",
    "ChargingState",
    "CostDimension",
    "ErrorCode",
    "ErrorCode16",
    "IdTokenType",
    "Location",
    "Measurand",
    "Measurand16",
    "MessageFormat",
    "OperationMode",
    "Phase",
    "PreconditioningStatus",
    "ReadingContext",
    "Reason",
    "Reason16",
    "TariffCost",
    "TransactionEventType",
    "TriggerReason",
    "UnitOfMeasure16",
    "ValueFormat",
]


class _WireEnum(str, Enum):
    # str() gives the wire string on every Python version (3.11 changed the mixin's default).
    def __str__(self) -> str:
        return str(self.value)


class ReadingContext(_WireEnum):
    """``ReadingContextEnumType``: why a sample was taken (default ``Sample.Periodic``)."""

    INTERRUPTION_BEGIN = "Interruption.Begin"
    INTERRUPTION_END = "Interruption.End"
    OTHER = "Other"
    SAMPLE_CLOCK = "Sample.Clock"
    SAMPLE_PERIODIC = "Sample.Periodic"
    TRANSACTION_BEGIN = "Transaction.Begin"
    TRANSACTION_END = "Transaction.End"
    TRIGGER = "Trigger"


class Measurand(_WireEnum):
    """``MeasurandEnumType``: what was measured (default ``Energy.Active.Import.Register``)."""

    CURRENT_EXPORT = "Current.Export"
    CURRENT_IMPORT = "Current.Import"
    CURRENT_OFFERED = "Current.Offered"
    ENERGY_ACTIVE_EXPORT_REGISTER = "Energy.Active.Export.Register"
    ENERGY_ACTIVE_IMPORT_REGISTER = "Energy.Active.Import.Register"
    ENERGY_REACTIVE_EXPORT_REGISTER = "Energy.Reactive.Export.Register"
    ENERGY_REACTIVE_IMPORT_REGISTER = "Energy.Reactive.Import.Register"
    ENERGY_ACTIVE_EXPORT_INTERVAL = "Energy.Active.Export.Interval"
    ENERGY_ACTIVE_IMPORT_INTERVAL = "Energy.Active.Import.Interval"
    ENERGY_ACTIVE_NET = "Energy.Active.Net"
    ENERGY_REACTIVE_EXPORT_INTERVAL = "Energy.Reactive.Export.Interval"
    ENERGY_REACTIVE_IMPORT_INTERVAL = "Energy.Reactive.Import.Interval"
    ENERGY_REACTIVE_NET = "Energy.Reactive.Net"
    ENERGY_APPARENT_NET = "Energy.Apparent.Net"
    ENERGY_APPARENT_IMPORT = "Energy.Apparent.Import"
    ENERGY_APPARENT_EXPORT = "Energy.Apparent.Export"
    FREQUENCY = "Frequency"
    POWER_ACTIVE_EXPORT = "Power.Active.Export"
    POWER_ACTIVE_IMPORT = "Power.Active.Import"
    POWER_FACTOR = "Power.Factor"
    POWER_OFFERED = "Power.Offered"
    POWER_REACTIVE_EXPORT = "Power.Reactive.Export"
    POWER_REACTIVE_IMPORT = "Power.Reactive.Import"
    SOC = "SoC"
    VOLTAGE = "Voltage"
    # New in OCPP 2.1 (refused when decoding OCPP 2.0.1).
    CURRENT_EXPORT_MINIMUM = "Current.Export.Minimum"
    CURRENT_EXPORT_OFFERED = "Current.Export.Offered"
    CURRENT_IMPORT_MINIMUM = "Current.Import.Minimum"
    CURRENT_IMPORT_OFFERED = "Current.Import.Offered"
    DISPLAY_PRESENT_SOC = "Display.PresentSOC"
    DISPLAY_MINIMUM_SOC = "Display.MinimumSOC"
    DISPLAY_TARGET_SOC = "Display.TargetSOC"
    DISPLAY_MAXIMUM_SOC = "Display.MaximumSOC"
    DISPLAY_REMAINING_TIME_TO_MINIMUM_SOC = "Display.RemainingTimeToMinimumSOC"
    DISPLAY_REMAINING_TIME_TO_TARGET_SOC = "Display.RemainingTimeToTargetSOC"
    DISPLAY_REMAINING_TIME_TO_MAXIMUM_SOC = "Display.RemainingTimeToMaximumSOC"
    DISPLAY_CHARGING_COMPLETE = "Display.ChargingComplete"
    DISPLAY_BATTERY_ENERGY_CAPACITY = "Display.BatteryEnergyCapacity"
    DISPLAY_INLET_HOT = "Display.InletHot"
    ENERGY_ACTIVE_IMPORT_CABLE_LOSS = "Energy.Active.Import.CableLoss"
    ENERGY_ACTIVE_IMPORT_LOCAL_GENERATION_REGISTER = "Energy.Active.Import.LocalGeneration.Register"
    ENERGY_ACTIVE_SETPOINT_INTERVAL = "Energy.Active.Setpoint.Interval"
    ENERGY_REQUEST_TARGET = "EnergyRequest.Target"
    ENERGY_REQUEST_MINIMUM = "EnergyRequest.Minimum"
    ENERGY_REQUEST_MAXIMUM = "EnergyRequest.Maximum"
    ENERGY_REQUEST_MINIMUM_V2X = "EnergyRequest.Minimum.V2X"
    ENERGY_REQUEST_MAXIMUM_V2X = "EnergyRequest.Maximum.V2X"
    ENERGY_REQUEST_BULK = "EnergyRequest.Bulk"
    POWER_ACTIVE_SETPOINT = "Power.Active.Setpoint"
    POWER_ACTIVE_RESIDUAL = "Power.Active.Residual"
    POWER_EXPORT_MINIMUM = "Power.Export.Minimum"
    POWER_EXPORT_OFFERED = "Power.Export.Offered"
    POWER_IMPORT_MINIMUM = "Power.Import.Minimum"
    POWER_IMPORT_OFFERED = "Power.Import.Offered"
    VOLTAGE_MINIMUM = "Voltage.Minimum"
    VOLTAGE_MAXIMUM = "Voltage.Maximum"


class Phase(_WireEnum):
    """``PhaseEnumType``: how a value relates to the phases (no default: absent means overall)."""

    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    N = "N"
    L1_N = "L1-N"
    L2_N = "L2-N"
    L3_N = "L3-N"
    L1_L2 = "L1-L2"
    L2_L3 = "L2-L3"
    L3_L1 = "L3-L1"


class Location(_WireEnum):
    """``LocationEnumType``: where the value was sampled (default ``Outlet``)."""

    BODY = "Body"
    CABLE = "Cable"
    EV = "EV"
    INLET = "Inlet"
    OUTLET = "Outlet"
    # New in OCPP 2.1 (refused when decoding OCPP 2.0.1).
    UPSTREAM = "Upstream"


class OperationMode(_WireEnum):
    """``OperationModeEnumType`` (OCPP 2.1): the mode a transaction's charging is in."""

    IDLE = "Idle"
    CHARGING_ONLY = "ChargingOnly"
    CENTRAL_SETPOINT = "CentralSetpoint"
    EXTERNAL_SETPOINT = "ExternalSetpoint"
    EXTERNAL_LIMITS = "ExternalLimits"
    CENTRAL_FREQUENCY = "CentralFrequency"
    LOCAL_FREQUENCY = "LocalFrequency"
    LOCAL_LOAD_BALANCING = "LocalLoadBalancing"


class PreconditioningStatus(_WireEnum):
    """``PreconditioningStatusEnumType`` (OCPP 2.1): the preconditioning status of the EV's
    battery management system (absent means ``Unknown``)."""

    UNKNOWN = "Unknown"
    READY = "Ready"
    NOT_READY = "NotReady"
    PRECONDITIONING = "Preconditioning"


class CostDimension(_WireEnum):
    """``CostDimensionEnumType`` (OCPP 2.1): what a charging period's cost dimension measures.
    ``IDLE_TIME``'s wire string is ``"IdleTIme"``, as the schema spells it."""

    ENERGY = "Energy"
    MAX_CURRENT = "MaxCurrent"
    MIN_CURRENT = "MinCurrent"
    MAX_POWER = "MaxPower"
    MIN_POWER = "MinPower"
    IDLE_TIME = "IdleTIme"
    CHARGING_TIME = "ChargingTime"


class TariffCost(_WireEnum):
    """``TariffCostEnumType`` (OCPP 2.1): whether a total cost is the normal, minimum or maximum
    cost."""

    NORMAL_COST = "NormalCost"
    MIN_COST = "MinCost"
    MAX_COST = "MaxCost"


class ErrorCode(_WireEnum):
    """The twelve OCPP 2.0.1 RPC framework error codes of a CALLERROR."""

    FORMAT_VIOLATION = "FormatViolation"
    GENERIC_ERROR = "GenericError"
    INTERNAL_ERROR = "InternalError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    PROTOCOL_ERROR = "ProtocolError"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
    SECURITY_ERROR = "SecurityError"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"


class TransactionEventType(_WireEnum):
    """``TransactionEventEnumType``: where in its life a transaction is."""

    ENDED = "Ended"
    STARTED = "Started"
    UPDATED = "Updated"


class TriggerReason(_WireEnum):
    """``TriggerReasonEnumType``: what made the station send the TransactionEvent."""

    AUTHORIZED = "Authorized"
    CABLE_PLUGGED_IN = "CablePluggedIn"
    CHARGING_RATE_CHANGED = "ChargingRateChanged"
    CHARGING_STATE_CHANGED = "ChargingStateChanged"
    DEAUTHORIZED = "Deauthorized"
    ENERGY_LIMIT_REACHED = "EnergyLimitReached"
    EV_COMMUNICATION_LOST = "EVCommunicationLost"
    EV_CONNECT_TIMEOUT = "EVConnectTimeout"
    METER_VALUE_CLOCK = "MeterValueClock"
    METER_VALUE_PERIODIC = "MeterValuePeriodic"
    TIME_LIMIT_REACHED = "TimeLimitReached"
    TRIGGER = "Trigger"
    UNLOCK_COMMAND = "UnlockCommand"
    STOP_AUTHORIZED = "StopAuthorized"
    EV_DEPARTED = "EVDeparted"
    EV_DETECTED = "EVDetected"
    REMOTE_STOP = "RemoteStop"
    REMOTE_START = "RemoteStart"
    ABNORMAL_CONDITION = "AbnormalCondition"
    SIGNED_DATA_RECEIVED = "SignedDataReceived"
    RESET_COMMAND = "ResetCommand"
    # New in OCPP 2.1 (refused when decoding OCPP 2.0.1).
    COST_LIMIT_REACHED = "CostLimitReached"
    LIMIT_SET = "LimitSet"
    OPERATION_MODE_CHANGED = "OperationModeChanged"
    RUNNING_COST = "RunningCost"
    SOC_LIMIT_REACHED = "SoCLimitReached"
    TARIFF_CHANGED = "TariffChanged"
    TARIFF_NOT_ACCEPTED = "TariffNotAccepted"
    TX_RESUMED = "TxResumed"


class ChargingState(_WireEnum):
    """``ChargingStateEnumType``."""

    CHARGING = "Charging"
    EV_CONNECTED = "EVConnected"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    IDLE = "Idle"


class Reason(_WireEnum):
    """``ReasonEnumType``: why a transaction stopped."""

    DE_AUTHORIZED = "DeAuthorized"
    EMERGENCY_STOP = "EmergencyStop"
    ENERGY_LIMIT_REACHED = "EnergyLimitReached"
    EV_DISCONNECTED = "EVDisconnected"
    GROUND_FAULT = "GroundFault"
    IMMEDIATE_RESET = "ImmediateReset"
    LOCAL = "Local"
    LOCAL_OUT_OF_CREDIT = "LocalOutOfCredit"
    MASTER_PASS = "MasterPass"
    OTHER = "Other"
    OVERCURRENT_FAULT = "OvercurrentFault"
    POWER_LOSS = "PowerLoss"
    POWER_QUALITY = "PowerQuality"
    REBOOT = "Reboot"
    REMOTE = "Remote"
    SOC_LIMIT_REACHED = "SOCLimitReached"
    STOPPED_BY_EV = "StoppedByEV"
    TIME_LIMIT_REACHED = "TimeLimitReached"
    TIMEOUT = "Timeout"
    # New in OCPP 2.1 (refused when decoding OCPP 2.0.1).
    REQ_ENERGY_TRANSFER_REJECTED = "ReqEnergyTransferRejected"


class IdTokenType(_WireEnum):
    """``IdTokenEnumType``: the kind of an identifier token, as OCPP 2.0.1 enumerates it. OCPP
    2.1 takes any string of up to 20 characters there; a value outside this enumeration reads
    as a plain ``str``."""

    CENTRAL = "Central"
    EMAID = "eMAID"
    ISO14443 = "ISO14443"
    ISO15693 = "ISO15693"
    KEY_CODE = "KeyCode"
    LOCAL = "Local"
    MAC_ADDRESS = "MacAddress"
    NO_AUTHORIZATION = "NoAuthorization"


class AuthorizationStatus(_WireEnum):
    """``AuthorizationStatusEnumType``: the status of an id token, in a TransactionEvent
    response's ``idTokenInfo``."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    CONCURRENT_TX = "ConcurrentTx"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    NO_CREDIT = "NoCredit"
    NOT_ALLOWED_TYPE_EVSE = "NotAllowedTypeEVSE"
    NOT_AT_THIS_LOCATION = "NotAtThisLocation"
    NOT_AT_THIS_TIME = "NotAtThisTime"
    UNKNOWN = "Unknown"


class MessageFormat(_WireEnum):
    """``MessageFormatEnumType``: the format of a message shown to the EV driver."""

    ASCII = "ASCII"
    HTML = "HTML"
    URI = "URI"
    UTF8 = "UTF8"
    # New in OCPP 2.1 (refused when decoding OCPP 2.0.1).
    QRCODE = "QRCODE"


class Measurand16(_WireEnum):
    """OCPP 1.6's ``Measurand`` (default ``Energy.Active.Import.Register``): 2.0.1's list
    without the net and apparent energies, with ``Temperature`` and ``RPM``."""

    CURRENT_EXPORT = "Current.Export"
    CURRENT_IMPORT = "Current.Import"
    CURRENT_OFFERED = "Current.Offered"
    ENERGY_ACTIVE_EXPORT_REGISTER = "Energy.Active.Export.Register"
    ENERGY_ACTIVE_IMPORT_REGISTER = "Energy.Active.Import.Register"
    ENERGY_REACTIVE_EXPORT_REGISTER = "Energy.Reactive.Export.Register"
    ENERGY_REACTIVE_IMPORT_REGISTER = "Energy.Reactive.Import.Register"
    ENERGY_ACTIVE_EXPORT_INTERVAL = "Energy.Active.Export.Interval"
    ENERGY_ACTIVE_IMPORT_INTERVAL = "Energy.Active.Import.Interval"
    ENERGY_REACTIVE_EXPORT_INTERVAL = "Energy.Reactive.Export.Interval"
    ENERGY_REACTIVE_IMPORT_INTERVAL = "Energy.Reactive.Import.Interval"
    FREQUENCY = "Frequency"
    POWER_ACTIVE_EXPORT = "Power.Active.Export"
    POWER_ACTIVE_IMPORT = "Power.Active.Import"
    POWER_FACTOR = "Power.Factor"
    POWER_OFFERED = "Power.Offered"
    POWER_REACTIVE_EXPORT = "Power.Reactive.Export"
    POWER_REACTIVE_IMPORT = "Power.Reactive.Import"
    RPM = "RPM"
    SOC = "SoC"
    TEMPERATURE = "Temperature"
    VOLTAGE = "Voltage"


class UnitOfMeasure16(_WireEnum):
    """OCPP 1.6's ``UnitOfMeasure`` (default ``Wh``), a closed list beside the value rather than
    2.0.1's ``unitOfMeasure`` object; ``Celsius`` is the errata's spelling beside the original
    ``Celcius``, and ``Hertz`` is allowed in MeterValues but not in StopTransaction's
    ``transactionData``."""

    WH = "Wh"
    KWH = "kWh"
    VARH = "varh"
    KVARH = "kvarh"
    W = "W"
    KW = "kW"
    VA = "VA"
    KVA = "kVA"
    VAR = "var"
    KVAR = "kvar"
    A = "A"
    V = "V"
    K = "K"
    CELCIUS = "Celcius"
    CELSIUS = "Celsius"
    FAHRENHEIT = "Fahrenheit"
    PERCENT = "Percent"
    HERTZ = "Hertz"


class ValueFormat(_WireEnum):
    """OCPP 1.6's ``ValueFormat``: ``value`` is decimal text (``Raw``) or signed data."""

    RAW = "Raw"
    SIGNED_DATA = "SignedData"


class Reason16(_WireEnum):
    """OCPP 1.6's StopTransaction ``Reason`` (default ``Local``)."""

    DE_AUTHORIZED = "DeAuthorized"
    EMERGENCY_STOP = "EmergencyStop"
    EV_DISCONNECTED = "EVDisconnected"
    HARD_RESET = "HardReset"
    LOCAL = "Local"
    OTHER = "Other"
    POWER_LOSS = "PowerLoss"
    REBOOT = "Reboot"
    REMOTE = "Remote"
    SOFT_RESET = "SoftReset"
    UNLOCK_COMMAND = "UnlockCommand"


class ErrorCode16(_WireEnum):
    """The ten OCPP-J 1.6 error codes of a CALLERROR, spelled as that specification spells
    them (``FormationViolation``, ``OccurenceConstraintViolation``)."""

    FORMATION_VIOLATION = "FormationViolation"
    GENERIC_ERROR = "GenericError"
    INTERNAL_ERROR = "InternalError"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    OCCURENCE_CONSTRAINT_VIOLATION = "OccurenceConstraintViolation"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    PROTOCOL_ERROR = "ProtocolError"
    SECURITY_ERROR = "SecurityError"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"
