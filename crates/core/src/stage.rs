//! When in a device's journey a finding matters: before sign-in, after it, or never (farm health).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The stage a finding belongs to. Only `Discovery` and `SignIn` findings are promises about a
/// device; `FarmHealth` is what the service's own operators care about.
///
/// ```
/// use wpj_core::Stage;
///
/// assert!(Stage::Discovery.is_device_path());
/// assert!(!Stage::FarmHealth.is_device_path());
/// assert_eq!(Stage::SignIn.to_string(), "sign-in");
/// assert_eq!(serde_json::to_string(&Stage::FarmHealth).unwrap(), "\"farm-health\"");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Stage {
    /// What a device does before the user types credentials: DNS, TCP, TLS, revocation and the
    /// discovery request, on every node a device may land on. A failure here shows "Confirm you
    /// are using the current sign-in info, and that your workplace uses this feature".
    #[default]
    Discovery,
    /// What a device uses after the user typed credentials: the endpoints the discovery document
    /// names. A failure here shows "Can't connect to the service" (KB3045378).
    SignIn,
    /// What devices never touch: `/adfs/probe`, federation metadata, the `OpenID` configuration,
    /// token-signing certificates. Load balancers, relying parties and operators depend on it; a
    /// failure here is never a device verdict.
    FarmHealth,
}

impl Stage {
    /// Every stage, in the order a device meets them (farm health last).
    pub const ALL: [Stage; 3] = [Self::Discovery, Self::SignIn, Self::FarmHealth];

    /// The kebab-case name used in JSON and tables.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::SignIn => "sign-in",
            Self::FarmHealth => "farm-health",
        }
    }

    /// True for the stages a device goes through (their failures can be a device verdict).
    #[must_use]
    pub const fn is_device_path(self) -> bool {
        matches!(self, Self::Discovery | Self::SignIn)
    }

    /// One line on who a failure at this stage affects.
    #[must_use]
    pub const fn affects(self) -> &'static str {
        match self {
            Self::Discovery => "devices fail before the user is asked to sign in",
            Self::SignIn => "devices find the service, then fail after the user signs in",
            Self::FarmHealth => {
                "devices never use it: load balancers, relying parties and operators do"
            }
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
