//! `dsregcmd /status` text: every section typed ([`DsregStatus`]), and the lines carrying a code or
//! an HTTP status as logged events, read by structure and values rather than English labels.
//!
//! What is and is not translated: the CamelCase keys (`AzureAdJoined`, `KeyProvider`,
//! `AzureAdPrt`…) are the names Microsoft documents the fields by, and its translated pages
//! (de-de, fr-fr…) print the samples unchanged; whether the spaced labels (`Error Phase`,
//! `Client ErrorCode`, the `… Test` lines), the section titles and `YES`/`NO` are translated on a
//! Windows in another display language is not documented (unconfirmed). The reader depends on
//! neither: a field is taken by its documented key when it has one, a section by its title or by
//! the keys it holds, and the rest by value — codes (`0x801c0021/0x80072ee7`, signed decimal),
//! test results (a word and a bracketed code), HTTP statuses, phases.

mod explain;
mod sections;

use serde::Serialize;
use wpj_core::{LogSource, LoggedEvent};

pub use explain::{Explanation, Topic};
pub use sections::{
    DeviceDetails, DeviceState, Diagnostics, IeProxy, SsoState, TenantDetails, TestLine,
    TestOutcome, TestStage, UserState, WinHttpProxy,
};

use crate::text::TextEncoding;
use crate::values::{code_in, failure_of, http_status_in, url_in};
use sections::{FieldValue as _, fold};

/// What `dsregcmd /status` said: the events for the timeline, and the typed sections.
#[derive(Debug)]
pub(crate) struct Status {
    /// Join state lines (`AzureAdJoined : NO`…).
    pub(crate) state: Vec<(String, String)>,
    /// Lines carrying a failure code or an HTTP error.
    pub(crate) events: Vec<LoggedEvent>,
    /// `key : value` lines read.
    pub(crate) lines: usize,
    /// The `Error Phase` value (`discover`, `auth`, `join`), found by a key naming a phase
    /// (`Error Phase`, `Fehlerphase`).
    pub(crate) error_phase: Option<String>,
    /// Every section, typed.
    pub(crate) typed: DsregStatus,
}

/// The fewest `key : value` lines a `dsregcmd /status` output has (its shortest block, the
/// device state, has four).
const MIN_LINES: usize = 3;

/// The most lines with a code or an HTTP status kept: `dsregcmd /status` prints a dozen; text
/// repeating it (or made of nothing else) is counted in [`Status::lines`], not kept line by line.
pub(crate) const MAX_CODE_LINES: usize = 4096;

/// The most join state lines kept (`dsregcmd /status` prints a handful; a line repeated is kept
/// once).
const MAX_STATE: usize = 16;

/// The most sections kept as printed ([`DsregStatus::sections`]); dsregcmd prints about ten.
pub const MAX_SECTIONS: usize = 32;

/// The most fields kept per section as printed; dsregcmd's longest section (SSO state with PRT
/// diagnostics) has about 40. Further fields are counted ([`Section::more`]).
pub const MAX_FIELDS: usize = 64;

/// The most `… Test` lines kept; dsregcmd prints up to seven.
pub const MAX_TESTS: usize = 32;

/// `dsregcmd /status`, section by section: what the device, the user and the last registration
/// attempt look like, each field typed, with how the text was encoded.
///
/// Read by [`crate::read`] into [`crate::Logs::dsregcmd`]; explained by
/// [`DsregStatus::explain`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DsregStatus {
    /// How the text was encoded (UTF-16LE for PowerShell's `>`, cp850 for `cmd.exe`'s on a
    /// Western European Windows…).
    pub encoding: TextEncoding,
    /// Characters that could not be decoded (a damaged or cut file).
    pub replaced: usize,
    /// True when the text ends in the middle of a line: the output was cut, and the sections
    /// after the last one read are missing.
    pub truncated: bool,
    /// `Device State`.
    pub device_state: DeviceState,
    /// `Device Details`.
    pub device_details: DeviceDetails,
    /// `Tenant Details`.
    pub tenant: TenantDetails,
    /// `User State`.
    pub user: UserState,
    /// `SSO State`.
    pub sso: SsoState,
    /// `Diagnostic Data` (its fields; the test lines are in [`Self::tests`]).
    pub diagnostics: Diagnostics,
    /// Every `… Test` line (`DRS Discovery Test : FAIL [0x801c0021/0x80072ee7]`,
    /// `KeySignTest : PASSED`), in order, at most [`MAX_TESTS`].
    pub tests: Vec<TestLine>,
    /// `IE Proxy Config for Current User`.
    pub ie_proxy: IeProxy,
    /// `WinHttp Default Proxy Config`.
    pub winhttp_proxy: WinHttpProxy,
    /// Every section as printed, typed or not (`Work Account 1`, `Ngc Prerequisite Check`), at
    /// most [`MAX_SECTIONS`].
    pub sections: Vec<Section>,
}

/// A section as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Section {
    /// Its title (`Device State`), `None` for lines before the first title.
    pub title: Option<String>,
    /// What this crate reads it as.
    pub kind: SectionKind,
    /// Its `key : value` lines, at most [`MAX_FIELDS`].
    pub fields: Vec<Field>,
    /// Lines beyond [`MAX_FIELDS`], counted only.
    pub more: usize,
}

/// One `key : value` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Field {
    /// The key or label, as printed.
    pub key: String,
    /// The value (empty when none is printed), cut at 4096 characters.
    pub value: String,
}

/// What a section is read as: by its title, or — a title this crate does not know, such as a
/// translated one — by the first field it holds that only one section has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SectionKind {
    /// `Device State`.
    DeviceState,
    /// `Device Details`.
    DeviceDetails,
    /// `Tenant Details`.
    TenantDetails,
    /// `User State`.
    UserState,
    /// `SSO State`.
    SsoState,
    /// `Diagnostic Data`.
    Diagnostics,
    /// `IE Proxy Config for Current User`.
    IeProxy,
    /// `WinHttp Default Proxy Config`.
    WinHttpProxy,
    /// `Work Account <n>` (an Entra registered account): kept as printed.
    WorkAccount,
    /// Anything else (`Ngc Prerequisite Check`, a title not recognised yet).
    Other,
}

impl SectionKind {
    /// The kind a title (folded) names.
    fn of_title(title: &str) -> Self {
        match title {
            "devicestate" => Self::DeviceState,
            "devicedetails" => Self::DeviceDetails,
            "tenantdetails" => Self::TenantDetails,
            "userstate" => Self::UserState,
            "ssostate" => Self::SsoState,
            "diagnosticdata" | "diagnosticsdata" => Self::Diagnostics,
            "ieproxyconfigforcurrentuser" => Self::IeProxy,
            "winhttpdefaultproxyconfig" => Self::WinHttpProxy,
            t if t.starts_with("workaccount") => Self::WorkAccount,
            _ => Self::Other,
        }
    }
}

/// Keys two sections share: read only in a section whose kind is known.
const SHARED_KEYS: [&str; 4] = [
    "proxyserverlist",
    "proxybypasslist",
    "servererrorcode",
    "servererrordescription",
];

impl DsregStatus {
    fn new() -> Self {
        Self {
            encoding: TextEncoding::Utf8,
            replaced: 0,
            truncated: false,
            device_state: DeviceState::default(),
            device_details: DeviceDetails::default(),
            tenant: TenantDetails::default(),
            user: UserState::default(),
            sso: SsoState::default(),
            diagnostics: Diagnostics::default(),
            tests: Vec::new(),
            ie_proxy: IeProxy::default(),
            winhttp_proxy: WinHttpProxy::default(),
            sections: Vec::new(),
        }
    }

    /// Sets the field `key` (folded) names in a section of `kind`; true when it was one.
    fn set(&mut self, kind: SectionKind, key: &str, value: &str) -> bool {
        match kind {
            SectionKind::DeviceState => self.device_state.set(key, value),
            SectionKind::DeviceDetails => self.device_details.set(key, value),
            SectionKind::TenantDetails => self.tenant.set(key, value),
            SectionKind::UserState => self.user.set(key, value),
            SectionKind::SsoState => self.sso.set(key, value),
            SectionKind::Diagnostics => self.diagnostics.set(key, value),
            SectionKind::IeProxy => self.ie_proxy.set(key, value),
            SectionKind::WinHttpProxy => self.winhttp_proxy.set(key, value),
            SectionKind::WorkAccount | SectionKind::Other => false,
        }
    }

    /// The section a key (folded) belongs to when the title does not say: the first typed section
    /// that knows it, unless two do.
    fn kind_of_key(key: &str) -> Option<SectionKind> {
        if SHARED_KEYS.contains(&key) {
            return None;
        }
        [
            (SectionKind::DeviceState, DeviceState::knows(key)),
            (SectionKind::DeviceDetails, DeviceDetails::knows(key)),
            (SectionKind::TenantDetails, TenantDetails::knows(key)),
            (SectionKind::UserState, UserState::knows(key)),
            (SectionKind::SsoState, SsoState::knows(key)),
            (SectionKind::Diagnostics, Diagnostics::knows(key)),
            (SectionKind::IeProxy, IeProxy::knows(key)),
            (SectionKind::WinHttpProxy, WinHttpProxy::knows(key)),
        ]
        .into_iter()
        .find_map(|(kind, knows)| knows.then_some(kind))
    }

    /// Reads one `key : value` line of the current section.
    fn read_field(&mut self, key: &str, value: &str) {
        let folded = fold(key);
        let section = self.current_section();
        let mut kind = section.kind;
        if kind == SectionKind::Other
            && let Some(by_key) = Self::kind_of_key(&folded)
        {
            if section.title.is_some() {
                // A title this crate does not know (a translation): its keys tell what it is.
                section.kind = by_key;
            }
            // Lines before any title: each field goes where its own key says.
            kind = by_key;
        }
        if !self.set(kind, &folded, value) {
            if let Some((outcome, code)) = TestOutcome::read(value) {
                if self.tests.len() < MAX_TESTS {
                    self.tests.push(TestLine {
                        label: String::read(key).unwrap_or_default(),
                        outcome,
                        code,
                        stage: TestStage::of(&folded),
                    });
                }
            } else if matches!(kind, SectionKind::Diagnostics | SectionKind::Other) {
                self.diagnostics.read_by_value(value);
            }
        }
        let section = self.current_section();
        if section.fields.len() < MAX_FIELDS {
            section.fields.push(Field {
                key: String::read(key).unwrap_or_default(),
                value: String::read(value).unwrap_or_default(),
            });
        } else {
            section.more += 1;
        }
    }

    /// The section being read (one without a title for lines before the first title; the last
    /// one kept once [`MAX_SECTIONS`] are).
    fn current_section(&mut self) -> &mut Section {
        if self.sections.is_empty() {
            self.sections.push(Section {
                title: None,
                kind: SectionKind::Other,
                fields: Vec::new(),
                more: 0,
            });
        }
        let last = self.sections.len() - 1;
        &mut self.sections[last]
    }

    /// Starts a section; past [`MAX_SECTIONS`], its lines go to the last one kept (a repeated
    /// output: its typed fields are set already).
    fn open_section(&mut self, title: &str) {
        if self.sections.len() >= MAX_SECTIONS {
            return;
        }
        let title = String::read(title);
        let kind = title
            .as_deref()
            .map_or(SectionKind::Other, |t| SectionKind::of_title(&fold(t)));
        if self.sections.len() == 1
            && self.sections[0].title.is_none()
            && self.sections[0].fields.is_empty()
        {
            self.sections.clear();
        }
        self.sections.push(Section {
            title,
            kind,
            fields: Vec::new(),
            more: 0,
        });
    }

    /// What the output says, explained: the join state, the device key, the PRT, each failed
    /// test, the codes of the last attempt, the proxies — see [`Explanation`].
    #[must_use]
    pub fn explain(&self) -> Vec<Explanation> {
        explain::explain(self)
    }
}

/// True when the text is laid out as `dsregcmd /status` prints it: `key : value` lines (a space on
/// both sides of the colon), banners (`+----+`, `| Device State |`) and blank lines, with the
/// `key : value` lines at least half of the rest. A README, a TOML or a source file is not.
fn looks_like_dsregcmd(text: &str) -> bool {
    let (mut pairs, mut other) = (0usize, 0usize);
    for line in text.lines().map(str::trim) {
        if line.is_empty()
            || line.starts_with('+')
            || (line.starts_with('|') && line.ends_with('|'))
        {
            continue;
        }
        let pair = line.split_once(" : ").is_some_and(|(key, _)| {
            let key = key.trim();
            !key.is_empty()
                && key.chars().count() <= 60
                && !key.contains(['=', '"', '`', '<', '>', '{', '}', '#', '*'])
        }) || (line.ends_with(" :") && !line.contains(['=', '"', '`']));
        if pair {
            pairs += 1;
        } else {
            other += 1;
        }
    }
    pairs >= MIN_LINES && pairs >= other
}

/// A section title line: `| Device State |`.
fn title_of(line: &str) -> Option<&str> {
    let inner = line.strip_prefix('|')?.strip_suffix('|')?.trim();
    (!inner.is_empty()).then_some(inner)
}

/// A `key : value` line (also `key: value` and `key :` with no value), trimmed.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line
        .split_once(" : ")
        .or_else(|| line.split_once(": "))
        .or_else(|| line.trim_end().strip_suffix(" :").map(|k| (k, "")))?;
    let key = key.trim().trim_start_matches('|').trim();
    (!key.is_empty() && !key.contains('<')).then_some((key, value.trim()))
}

/// Reads the sections and the lines with codes; `None` when the text is not laid out as
/// `dsregcmd /status` output.
pub(crate) fn parse(text: &str) -> Option<Status> {
    if !looks_like_dsregcmd(text) {
        return None;
    }
    let mut status = Status {
        state: Vec::new(),
        events: Vec::new(),
        lines: 0,
        error_phase: None,
        typed: DsregStatus::new(),
    };
    status.typed.truncated = !text.trim_end_matches([' ', '\t']).ends_with('\n');
    let mut url = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(title) = title_of(trimmed) {
            status.typed.open_section(title);
            continue;
        }
        let Some((key, value)) = key_value(line) else {
            continue;
        };
        status.lines += 1;
        status.typed.read_field(key, value);
        if key.ends_with("Joined")
            && (value.eq_ignore_ascii_case("YES") || value.eq_ignore_ascii_case("NO"))
            && status.state.len() < MAX_STATE
            && !status.state.iter().any(|(k, v)| k == key && v == value)
        {
            status.state.push((key.to_owned(), value.to_owned()));
        }
        if status.error_phase.is_none() && !value.is_empty() && key.to_lowercase().contains("phase")
        {
            status.error_phase = Some(value.to_owned());
        }
        // The SSO section's codes are the user's token, not the registration (explained by
        // `explain`); the tenant's URLs are Microsoft's, not the registration server.
        match status.typed.current_section().kind {
            SectionKind::SsoState => continue,
            SectionKind::Diagnostics | SectionKind::Other => url = url.or_else(|| url_in(value)),
            _ => {}
        }
        let code = code_in(value);
        let http = http_status_in(key, value);
        if (code.is_none() && http.is_none()) || status.events.len() >= MAX_CODE_LINES {
            continue;
        }
        let (failure, inner) = failure_of(code.as_ref().map(|(_, c)| c), http);
        status.events.push(LoggedEvent {
            source: LogSource::Dsregcmd,
            time: None,
            log: "dsregcmd /status".to_owned(),
            event_id: None,
            code: code.map(|(text, _)| text),
            failure,
            inner,
            http_status: http,
            url: None,
            message: Some(format!("{key} : {value}")),
        });
    }
    for e in &mut status.events {
        e.url.clone_from(&url);
    }
    (status.lines > 0).then_some(status)
}
