//! Which OCPP version's schema a payload follows. OCPP 2.1 widens the meter types of 2.0.1
//! (more measurands, the `Upstream` location, longer and partly optional signed meter data)
//! and adds TransactionEvent fields; the decoders read the union and refuse, under 2.0.1,
//! what only 2.1 allows, with the fault the 2.0.1 schema gives it. OCPP 1.6J's messages have
//! shapes of their own, read by [`crate::ocpp::v16`]; its readers carry [`Dialect::V16`], under
//! which the enumerations 1.6 shares with 2.0.1 take their 2.0.1 values.

/// An OCPP version whose MeterValues and TransactionEvent schemas the decoders follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// OCPP 2.0.1 (subprotocol `ocpp2.0.1`).
    #[default]
    V201,
    /// OCPP 2.1 (subprotocol `ocpp2.1`).
    V21,
    /// OCPP 1.6J (subprotocol `ocpp1.6`).
    V16,
}

impl Dialect {
    /// The OCPP 2 dialects, oldest first: the ones whose MeterValues and TransactionEvent the
    /// 2.x types read (1.6 has types of its own).
    pub const ALL: [Dialect; 2] = [Dialect::V201, Dialect::V21];

    /// The version as OCPP writes it: `"2.0.1"`, `"2.1"` or `"1.6"`.
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name {
            "2.0.1" => Some(Dialect::V201),
            "2.1" => Some(Dialect::V21),
            "1.6" => Some(Dialect::V16),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::V201 => "2.0.1",
            Dialect::V21 => "2.1",
            Dialect::V16 => "1.6",
        }
    }

    /// The OCPP-J WebSocket subprotocol of the version.
    pub fn subprotocol(self) -> &'static str {
        match self {
            Dialect::V201 => "ocpp2.0.1",
            Dialect::V21 => "ocpp2.1",
            Dialect::V16 => "ocpp1.6",
        }
    }
}
