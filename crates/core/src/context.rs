//! What a check gets to work with: the settings of the run and the findings of its dependencies.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::check_id::CheckId;
use crate::finding::{Finding, Outputs};
use crate::target::Target;
use crate::timing::Timing;

/// Which registration service the device is expected to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Decide from DNS: a CNAME to `enterpriseregistration.windows.net` means Entra ID.
    #[default]
    Auto,
    /// Microsoft Entra ID (cloud).
    Entra,
    /// AD FS device registration on premises.
    Onprem,
}

impl Mode {
    /// The lowercase name used on the command line and in JSON.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Entra => "entra",
            Self::Onprem => "onprem",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mode name that is not `auto`, `entra` or `onprem`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a mode: expected auto, entra or onprem")]
pub struct ModeError(pub String);

impl FromStr for Mode {
    type Err = ModeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "entra" | "entra-id" | "azure" | "aad" => Ok(Self::Entra),
            "onprem" | "on-prem" | "adfs" => Ok(Self::Onprem),
            _ => Err(ModeError(s.to_owned())),
        }
    }
}

/// Which Windows client the run replays: it decides the discovery path, the protocol version and
/// headers sent, and the log and codes the verdict is worded in.
///
/// ```
/// use wpj_core::Client;
///
/// let c: Client = "windows-8.1".parse().unwrap();
/// assert_eq!(c, Client::Windows81);
/// assert_eq!(c.api_version(), "1.0");
/// assert_eq!(Client::default().api_version(), "1.2");
/// assert_eq!(Client::default().to_string(), "windows-10");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Client {
    /// Windows 10 and 11 (the default): Entra ID through Microsoft's tenant discovery
    /// (`/<domain>/discover?api-version=1.7`), AD FS through the contract with `api-version=1.2`;
    /// failures logged in `Microsoft-Windows-User Device Registration/Admin` as DSREG codes carrying
    /// the WinHTTP code (`0x801C0021/0x80072EE7`, as `dsregcmd /status` prints them).
    #[default]
    #[serde(rename = "windows-10")]
    Windows10,
    /// Windows 8.1 Workplace Join: `EnterpriseRegistration.<suffix>` and the contract with
    /// `api-version=1.0`, whatever the service; failures logged in
    /// `Microsoft-Windows-Workplace Join/Admin` as event 102/103 with the WinHTTP code.
    #[serde(rename = "windows-8.1")]
    Windows81,
}

impl Client {
    /// The name used on the command line and in JSON (`windows-10`, `windows-8.1`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Windows10 => "windows-10",
            Self::Windows81 => "windows-8.1",
        }
    }

    /// How people name it (`Windows 10/11`, `Windows 8.1`).
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Windows10 => "Windows 10/11",
            Self::Windows81 => "Windows 8.1",
        }
    }

    /// The discovery protocol version it requests from `/EnrollmentServer/contract`.
    #[must_use]
    pub const fn api_version(self) -> &'static str {
        match self {
            Self::Windows10 => "1.2",
            Self::Windows81 => "1.0",
        }
    }

    /// The log its registration failures are written to.
    #[must_use]
    pub const fn log(self) -> crate::EventLog {
        match self {
            Self::Windows10 => crate::EventLog::UserDeviceRegistration,
            Self::Windows81 => crate::EventLog::WorkplaceJoin,
        }
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client name that is not `windows-10` or `windows-8.1`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a client: expected windows-10 (also for Windows 11) or windows-8.1")]
pub struct ClientError(pub String);

impl FromStr for Client {
    type Err = ClientError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace(' ', "-").as_str() {
            "windows-10" | "windows-11" | "win10" | "win11" | "10" | "11" => Ok(Self::Windows10),
            "windows-8.1" | "win8.1" | "win81" | "8.1" => Ok(Self::Windows81),
            _ => Err(ClientError(s.to_owned())),
        }
    }
}

/// A named set of DNS servers: one *view* of split-horizon DNS (`internal`, `external`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolverView {
    /// The view's name, as reported.
    pub name: String,
    /// The servers to ask, in order.
    pub servers: Vec<SocketAddr>,
}

/// Which DNS servers the run asks. One configuration per run: every name the diagnosis resolves goes
/// through it, as on the device.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "views")]
pub enum Resolvers {
    /// The operating system's resolver configuration.
    #[default]
    System,
    /// Explicit servers, in one or more named views; the first view is the one later steps use.
    Views(Vec<ResolverView>),
}

/// Which certificates the TLS step trusts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustRoots {
    /// Trust the operating system's store.
    pub system: bool,
    /// Extra roots, PEM-encoded (one entry per file; a file may hold several certificates).
    #[serde(skip)]
    pub extra_pem: Vec<Vec<u8>>,
}

impl Default for TrustRoots {
    fn default() -> Self {
        Self {
            system: true,
            extra_pem: Vec::new(),
        }
    }
}

/// Everything a run is configured with. Construct with [`Settings::new`] and set fields.
///
/// Its `Debug` form hides the proxy's credentials (`http://***@proxy:8080`), so settings can be
/// logged; serialising keeps the proxy as given (it is the configuration itself).
#[derive(Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Settings {
    /// What is being diagnosed.
    pub target: Target,
    /// Which service is expected.
    pub mode: Mode,
    /// Which Windows client is replayed (Windows 10/11 unless asked otherwise).
    #[serde(default)]
    pub client: Client,
    /// DNS servers to ask.
    pub resolvers: Resolvers,
    /// Certificates to trust.
    pub trust: TrustRoots,
    /// The HTTPS port (443 on real devices).
    pub port: u16,
    /// How long to wait for one DNS server's answer (Windows' own DNS client starts at 1 s).
    #[serde(with = "crate::duration::duration_ms", rename = "dns_timeout_ms")]
    pub dns_timeout: Duration,
    /// How long one network operation may take: a TCP connect, a TLS handshake, one HTTP request
    /// (CRL, AIA, contract). A black-holed address costs this, not the run's deadline.
    #[serde(with = "crate::duration::duration_ms", rename = "network_timeout_ms")]
    pub network_timeout: Duration,
    /// The discovery protocol versions to request from `/EnrollmentServer/contract`; empty (the
    /// default): the client's own ([`Client::api_version`]). See [`Settings::requested_api_versions`].
    pub api_versions: Vec<String>,
    /// Also request the contract without `Accept`, to check the XML answer.
    pub check_xml: bool,
    /// The proxy (`http://proxy:8080`) for every request a device sends through one (discovery,
    /// sign-in, CRL, AIA and OCSP downloads, federation); `None` reads `HTTPS_PROXY`; an empty
    /// string means no proxy, whatever the environment says.
    pub proxy: Option<String>,
    /// Hosts that bypass the proxy (`NO_PROXY` syntax: comma-separated hosts, `.domains`, IPs,
    /// networks, `*`); `None` reads `NO_PROXY`.
    pub no_proxy: Option<String>,
    /// AD FS farm nodes to examine one by one (`name`, address); empty: every address DNS returned in
    /// every view.
    pub adfs_nodes: Vec<(String, std::net::IpAddr)>,
    /// The port of the AD FS health endpoint `/adfs/probe` (plain HTTP, 80 on real farms).
    pub adfs_probe_port: u16,
    /// How long network steps wait: fast bounds (the default) or a device's (see
    /// [`Settings::use_timing`]).
    #[serde(default)]
    pub timing: Timing,
    /// The longest one check may take.
    #[serde(with = "crate::duration::duration_ms", rename = "check_timeout_ms")]
    pub check_timeout: Duration,
    /// The longest the whole run may take.
    #[serde(with = "crate::duration::duration_ms", rename = "deadline_ms")]
    pub deadline: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Destructured so that a new field cannot be forgotten here.
        let Self {
            target,
            mode,
            client,
            resolvers,
            trust,
            port,
            dns_timeout,
            network_timeout,
            api_versions,
            check_xml,
            proxy,
            no_proxy,
            adfs_nodes,
            adfs_probe_port,
            check_timeout,
            deadline,
            timing,
        } = self;
        f.debug_struct("Settings")
            .field("target", target)
            .field("mode", mode)
            .field("client", client)
            .field("resolvers", resolvers)
            .field("trust", trust)
            .field("port", port)
            .field("dns_timeout", dns_timeout)
            .field("network_timeout", network_timeout)
            .field("api_versions", api_versions)
            .field("check_xml", check_xml)
            .field("proxy", &proxy.as_deref().map(hide_credentials))
            .field("no_proxy", no_proxy)
            .field("adfs_nodes", adfs_nodes)
            .field("adfs_probe_port", adfs_probe_port)
            .field("check_timeout", check_timeout)
            .field("deadline", deadline)
            .field("timing", timing)
            .finish()
    }
}

/// `url` with everything before its host's last `@` (user name, password, token) replaced by `***`.
fn hide_credentials(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").map_or(("", url), |(s, r)| (s, r));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) if scheme.is_empty() => format!("***@{host}{tail}"),
        Some((_, host)) => format!("{scheme}://***@{host}{tail}"),
        None => url.to_owned(),
    }
}

impl Settings {
    /// Default per-check timeout: WinHTTP's own resolve/connect/send timeouts are of this order.
    pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default time to wait for one DNS server.
    pub const DEFAULT_DNS_TIMEOUT: Duration = Duration::from_secs(2);
    /// Default time for one connect, handshake or request.
    pub const DEFAULT_NETWORK_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default deadline for a whole run.
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

    /// Settings for `target` with the defaults: auto mode, system resolvers and roots, port 443.
    #[must_use]
    pub fn new(target: Target) -> Self {
        Self {
            target,
            mode: Mode::Auto,
            client: Client::Windows10,
            resolvers: Resolvers::System,
            trust: TrustRoots::default(),
            port: 443,
            dns_timeout: Self::DEFAULT_DNS_TIMEOUT,
            network_timeout: Self::DEFAULT_NETWORK_TIMEOUT,
            api_versions: Vec::new(),
            check_xml: false,
            proxy: None,
            no_proxy: None,
            adfs_nodes: Vec::new(),
            adfs_probe_port: 80,
            timing: Timing::Fast,
            check_timeout: Self::DEFAULT_CHECK_TIMEOUT,
            deadline: Self::DEFAULT_DEADLINE,
        }
    }

    /// Sets [`Settings::timing`] and the time-outs that go with it: under [`Timing::Windows`],
    /// WinHTTP's 30 s send/receive for every handshake and request, one DNS server's answer
    /// awaited [`Timing::WINDOWS_RESOLVE_BOUND`] (WinHTTP sets none), and a check timeout and
    /// deadline raised to fit them; under [`Timing::Fast`], the defaults.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wpj_core::{Settings, Target, Timing};
    /// let mut s = Settings::new(Target::parse("contoso.com").unwrap());
    /// s.use_timing(Timing::Windows);
    /// assert_eq!(s.network_timeout, Duration::from_secs(30));
    /// assert_eq!(s.connect_timeout(), Duration::from_secs(21));
    /// ```
    pub fn use_timing(&mut self, timing: Timing) {
        self.timing = timing;
        match timing {
            Timing::Fast => {
                self.network_timeout = Self::DEFAULT_NETWORK_TIMEOUT;
                self.dns_timeout = Self::DEFAULT_DNS_TIMEOUT;
                self.check_timeout = Self::DEFAULT_CHECK_TIMEOUT;
                self.deadline = Self::DEFAULT_DEADLINE;
            }
            Timing::Windows => {
                self.network_timeout = Timing::WINHTTP_RECEIVE;
                self.dns_timeout = Timing::WINDOWS_RESOLVE_BOUND;
                self.check_timeout = self.check_timeout.max(Timing::WINDOWS_CHECK_TIMEOUT);
                self.deadline = self.deadline.max(Timing::WINDOWS_DEADLINE);
            }
        }
    }

    /// How long one TCP connect may wait for an answer: [`Settings::network_timeout`], but never
    /// longer than a Windows device waits under [`Timing::Windows`] ([`Timing::WINDOWS_CONNECT`]:
    /// its TCP gives up before WinHTTP's connect time-out).
    #[must_use]
    pub fn connect_timeout(&self) -> Duration {
        match self.timing {
            Timing::Windows => self.network_timeout.min(Timing::WINDOWS_CONNECT),
            Timing::Fast => self.network_timeout,
        }
    }
}

impl Settings {
    /// `https://<host>[:port]<path>`: the port appears only when it is not 443, as on a device.
    ///
    /// ```
    /// # use wpj_core::{Settings, Target};
    /// let mut s = Settings::new(Target::parse("contoso.com").unwrap());
    /// assert_eq!(s.https_url("sts.contoso.com", "/adfs/ls"), "https://sts.contoso.com/adfs/ls");
    /// s.port = 8443;
    /// assert_eq!(
    ///     s.contract_url("1.2"),
    ///     "https://enterpriseregistration.contoso.com:8443/EnrollmentServer/contract?api-version=1.2"
    /// );
    /// ```
    #[must_use]
    pub fn https_url(&self, host: &str, path: &str) -> String {
        if self.port == 443 {
            format!("https://{host}{path}")
        } else {
            format!("https://{host}:{}{path}", self.port)
        }
    }

    /// The api-versions the contract step requests: [`Settings::api_versions`], or the client's own.
    #[must_use]
    pub fn requested_api_versions(&self) -> Vec<String> {
        if self.api_versions.is_empty() {
            vec![self.client.api_version().to_owned()]
        } else {
            self.api_versions.clone()
        }
    }

    /// The discovery URL a device requests for `api_version`.
    #[must_use]
    pub fn contract_url(&self, api_version: &str) -> String {
        self.https_url(
            &self.target.registration_name(),
            &format!("/EnrollmentServer/contract?api-version={api_version}"),
        )
    }
}

/// What a running check sees: the settings, its deadline, and the findings of its dependencies and
/// of theirs (the direct ones first).
#[derive(Debug, Clone)]
pub struct Context {
    settings: Arc<Settings>,
    dependencies: Vec<Arc<Finding>>,
    deadline: Option<Instant>,
    shared: RunShared,
}

/// The checks of the run ([`Context::set_plan`]).
#[derive(Default)]
struct PlannedChecks(std::sync::OnceLock<Vec<CheckId>>);

/// Values every check of one run shares (see [`Context::run_shared`]).
#[derive(Clone, Default)]
struct RunShared(Arc<std::sync::Mutex<Outputs>>);

impl std::fmt::Debug for RunShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RunShared")
    }
}

impl Context {
    /// A context with no dependencies and no deadline (the runner sets both).
    #[must_use]
    pub fn new(settings: impl Into<Arc<Settings>>) -> Self {
        Self {
            settings: settings.into(),
            dependencies: Vec::new(),
            deadline: None,
            shared: RunShared::default(),
        }
    }

    /// The same settings with these dependency findings and this deadline.
    #[must_use]
    pub fn for_check(&self, dependencies: Vec<Arc<Finding>>, deadline: Option<Instant>) -> Self {
        Self {
            settings: Arc::clone(&self.settings),
            dependencies,
            deadline,
            shared: self.shared.clone(),
        }
    }

    /// The run's one value of type `T`, made with `T::default()` the first time a check asks:
    /// state the checks of one run share, such as a cache of DNS answers so that a name is
    /// resolved once per run however many checks connect to it. Contexts made with
    /// [`Context::for_check`] from the same base share it; [`Context::new`] starts afresh.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// # let target = wpj_core::Target::parse("contoso.com").unwrap();
    /// let base = wpj_core::Context::new(wpj_core::Settings::new(target));
    /// let (a, b) = (base.for_check(vec![], None), base.for_check(vec![], None));
    /// a.run_shared::<AtomicU32>().fetch_add(1, Ordering::Relaxed);
    /// assert_eq!(b.run_shared::<AtomicU32>().load(Ordering::Relaxed), 1);
    /// ```
    #[must_use]
    pub fn run_shared<T: std::any::Any + Default + Send + Sync>(&self) -> Arc<T> {
        let mut shared = self
            .shared
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(value) = shared.get::<Arc<T>>() {
            return Arc::clone(value);
        }
        let value = Arc::new(T::default());
        shared.insert(Arc::clone(&value));
        value
    }

    /// Records the ids of the checks the run will run (the runner does, before the first check
    /// starts), so that a check can prepare what a later one needs ([`Context::planned`]). The
    /// first call of a run counts; later ones change nothing.
    pub fn set_plan(&self, ids: Vec<CheckId>) {
        let _ = self.run_shared::<PlannedChecks>().0.set(ids);
    }

    /// Whether the run will run check `id`: `false` when it will not, or when the context was not
    /// made by a runner that said ([`Context::set_plan`]).
    ///
    /// ```
    /// # let target = wpj_core::Target::parse("contoso.com").unwrap();
    /// let cx = wpj_core::Context::new(wpj_core::Settings::new(target));
    /// assert!(!cx.planned("adfs-sign-in"));
    /// cx.set_plan(vec![wpj_core::CheckId::new_static("adfs-sign-in")]);
    /// assert!(cx.planned("adfs-sign-in"));
    /// ```
    #[must_use]
    pub fn planned(&self, id: &str) -> bool {
        self.run_shared::<PlannedChecks>()
            .0
            .get()
            .is_some_and(|ids| ids.iter().any(|i| i.as_str() == id))
    }

    /// The run's settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The target.
    #[must_use]
    pub fn target(&self) -> &Target {
        &self.settings.target
    }

    /// The instant this check must be done by, if any.
    #[must_use]
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Time left before the deadline (`None` when there is none).
    #[must_use]
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// The finding of a dependency, by id.
    #[must_use]
    pub fn dependency(&self, id: &str) -> Option<&Finding> {
        self.dependencies
            .iter()
            .map(AsRef::as_ref)
            .find(|f| f.check == *id)
    }

    /// All dependency findings, in the order the check declared them.
    pub fn dependencies(&self) -> impl Iterator<Item = &Finding> {
        self.dependencies.iter().map(AsRef::as_ref)
    }

    /// The first value of type `T` a dependency left in its [`Finding::outputs`].
    #[must_use]
    pub fn output<T: std::any::Any + Send + Sync>(&self) -> Option<&T> {
        self.dependencies().find_map(|f| f.outputs.get::<T>())
    }

    /// Which service the device talks to: what DNS found (a dependency's
    /// [`ResolvedAddresses`](crate::ResolvedAddresses)), else what the mode asserts; `None` in auto
    /// mode before DNS has answered.
    #[must_use]
    pub fn service(&self) -> Option<crate::ServiceKind> {
        self.output::<crate::ResolvedAddresses>()
            .map(|r| r.service)
            .or(match self.settings.mode {
                Mode::Entra => Some(crate::ServiceKind::Entra),
                Mode::Onprem => Some(crate::ServiceKind::Adfs),
                Mode::Auto => None,
            })
    }

    /// The host name the client validates the service's certificate against: for Windows 10+,
    /// [`ENTRA_REGISTRATION_HOST`](crate::ENTRA_REGISTRATION_HOST) for Microsoft Entra ID (the
    /// device calls Microsoft's endpoint; Microsoft's certificate never names a customer's domain),
    /// `enterpriseregistration.<suffix>` otherwise.
    #[must_use]
    pub fn service_host(&self) -> String {
        if self.settings.client == Client::Windows81 {
            // Windows 8.1 always asks EnterpriseRegistration.<suffix>, Entra ID or not.
            return self.settings.target.registration_name();
        }
        match self.service() {
            Some(crate::ServiceKind::Entra) => crate::ENTRA_REGISTRATION_HOST.to_owned(),
            _ => self.settings.target.registration_name(),
        }
    }

    /// The ids of the dependencies that were given (for diagnostics).
    pub fn dependency_ids(&self) -> impl Iterator<Item = &CheckId> {
        self.dependencies.iter().map(|f| &f.check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--timing windows` is visible in the settings' JSON (WinHTTP's 30 s receive, the 21 s a
    /// device's TCP waits for a connect) and survives a round trip; old JSON without it reads as
    /// the fast default.
    #[test]
    fn windows_timing_is_in_the_settings_json() {
        let mut s = Settings::new(Target::parse("contoso.com").unwrap());
        s.use_timing(Timing::Windows);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["timing"], "windows");
        assert_eq!(json["network_timeout_ms"], 30_000);
        assert_eq!(json["dns_timeout_ms"], 10_000);
        assert_eq!(json["check_timeout_ms"], 120_000);
        assert_eq!(json["deadline_ms"], 300_000);
        let back: Settings = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back.timing, Timing::Windows);
        assert_eq!(back.connect_timeout(), Duration::from_secs(21));

        let mut old = json;
        old.as_object_mut().unwrap().remove("timing");
        let old: Settings = serde_json::from_value(old).unwrap();
        assert_eq!(old.timing, Timing::Fast);
        assert_eq!(old.connect_timeout(), Duration::from_secs(30));

        s.use_timing(Timing::Fast);
        assert_eq!(s.network_timeout, Settings::DEFAULT_NETWORK_TIMEOUT);
        assert_eq!(s.connect_timeout(), Settings::DEFAULT_NETWORK_TIMEOUT);
    }

    fn debug_with_proxy(proxy: &str) -> String {
        let mut settings = Settings::new(Target::parse("contoso.com").expect("a domain"));
        settings.proxy = Some(proxy.to_owned());
        format!("{settings:?}")
    }

    #[test]
    fn debug_hides_proxy_credentials() {
        let shown = debug_with_proxy("http://joe:s3cret@proxy.contoso.com:8080/");
        assert!(
            !shown.contains("s3cret") && !shown.contains("joe"),
            "{shown}"
        );
        assert!(
            shown.contains("http://***@proxy.contoso.com:8080/"),
            "{shown}"
        );
        // Without a scheme (as HTTPS_PROXY is often written), and a token with an `@` in it.
        let shown = debug_with_proxy("tok@en:pw@proxy:3128");
        assert!(shown.contains("\"***@proxy:3128\""), "{shown}");
        assert!(!shown.contains("tok@en"), "{shown}");
    }

    #[test]
    fn debug_keeps_a_proxy_without_credentials() {
        let shown = debug_with_proxy("http://proxy:8080");
        assert!(shown.contains("Some(\"http://proxy:8080\")"), "{shown}");
    }
}
