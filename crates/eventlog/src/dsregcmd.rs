//! `dsregcmd /status` text: join state and the diagnostic block, read by structure and codes rather
//! than English labels (the tool's output is localized).

use wpj_core::{LogSource, LoggedEvent};

use crate::values::{code_in, failure_of, http_status_in, url_in};

/// What `dsregcmd /status` said.
#[derive(Debug, Default)]
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

/// Reads `key : value` lines; `None` when the text is not laid out as `dsregcmd /status` output.
pub(crate) fn parse(text: &str) -> Option<Status> {
    if !looks_like_dsregcmd(text) {
        return None;
    }
    let mut status = Status::default();
    let mut url = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(" : ").or_else(|| line.split_once(": ")) else {
            continue;
        };
        let (key, value) = (key.trim().trim_start_matches('|').trim(), value.trim());
        if key.is_empty() || key.contains('<') {
            continue;
        }
        status.lines += 1;
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
        url = url.or_else(|| url_in(value));
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
