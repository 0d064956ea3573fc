//! Event XML — what `wevtutil qe … /f:xml` prints and what every `.evtx` record renders to — into
//! [`LoggedEvent`]s about device registration.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wpj_core::{JoinFailure, LogSource, LoggedEvent};

use crate::capi2;
use crate::values::{code_in, failure_of, http_status_in, url_in};

/// The Workplace Join log (Windows 8.1 and later) and its Windows 7 name.
pub const WORKPLACE_JOIN_CHANNELS: [&str; 2] = [
    "Microsoft-Windows-Workplace Join/Admin",
    "Microsoft-Workplace-Join/Admin",
];
/// The device registration log of Windows 10 and later.
pub const DEVICE_REGISTRATION_CHANNEL: &str = "Microsoft-Windows-User Device Registration/Admin";
/// Workplace Join events worth reading.
pub const WORKPLACE_JOIN_EVENTS: [u16; 11] =
    [100, 101, 102, 103, 104, 200, 201, 300, 301, 400, 401];
/// User Device Registration events worth reading.
pub const DEVICE_REGISTRATION_EVENTS: [u16; 4] = [200, 201, 204, 305];

/// Events read from some XML: the relevant ones, the chain engine's, and how many there were in all.
#[derive(Debug, Default)]
pub(crate) struct Events {
    pub(crate) relevant: Vec<LoggedEvent>,
    pub(crate) capi2: Vec<capi2::Record>,
    pub(crate) seen: usize,
}

fn relevant(channel: &str, id: u16) -> bool {
    (WORKPLACE_JOIN_CHANNELS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(channel))
        && WORKPLACE_JOIN_EVENTS.contains(&id))
        || (channel.eq_ignore_ascii_case(DEVICE_REGISTRATION_CHANNEL)
            && DEVICE_REGISTRATION_EVENTS.contains(&id))
}

/// Reads every `<Event>` element of some XML into `events` (counting on from `events.seen`, which
/// numbers the CAPI2 events in input order): one element at a time, each parsed on its own and
/// dropped before the next, so that reading costs the text plus what is kept of each event, never a
/// tree of the whole document. What lies between the elements (declarations — `wevtutil` prints one
/// per event —, an enclosing `<Events>`, comments) must be markup.
pub(crate) fn parse_all(text: &str, source: LogSource, events: &mut Events) -> Result<(), String> {
    let mut rest = text;
    while let Some(start) = next_event(rest) {
        between(&rest[..start])?;
        let element = &rest[start..];
        let len = event_len(element)
            .ok_or("not event XML (an <Event> element is not closed: the file is cut short?)")?;
        parse_one(&element[..len], source, events)?;
        rest = &element[len..];
    }
    between(rest)
}

/// Where the next `<Event` start tag is (not `<Events`, not `<EventData`).
fn next_event(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find("<Event") {
        let at = from + i;
        let after = text.as_bytes().get(at + "<Event".len()).copied();
        if after.is_none_or(|b| b == b'>' || b == b'/' || b.is_ascii_whitespace()) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The length of the `<Event>` element `element` starts with, up to its end tag; `None` when it is
/// not closed. (Event elements do not nest, and their text escapes `<`.)
fn event_len(element: &str) -> Option<usize> {
    let open_end = element.find('>')? + 1;
    if element[..open_end].ends_with("/>") {
        return Some(open_end);
    }
    let mut from = open_end;
    loop {
        let at = from + element[from..].find("</Event")?;
        let tail = &element[at + "</Event".len()..];
        let spaces = tail.len() - tail.trim_start().len();
        if tail[spaces..].starts_with('>') {
            return Some(at + "</Event".len() + spaces + 1);
        }
        from = at + 1;
    }
}

/// Checks what lies between two events: nothing but markup (tags, declarations, comments).
fn between(text: &str) -> Result<(), String> {
    let text = text.trim();
    if text.is_empty() || (text.starts_with('<') && text.ends_with('>')) {
        Ok(())
    } else {
        let shown: String = text.chars().take(40).collect();
        Err(format!(
            "not event XML (text outside the events: {shown:?})"
        ))
    }
}

/// Parses one `<Event>` element.
fn parse_one(element: &str, source: LogSource, events: &mut Events) -> Result<(), String> {
    let doc = roxmltree::Document::parse(element).map_err(|e| format!("not event XML ({e})"))?;
    let event = doc.root_element();
    events.seen += 1;
    let system = event.children().find(|n| n.has_tag_name("System"));
    let id = system
        .and_then(|s| child_text(s, "EventID"))
        .and_then(|t| t.parse::<u16>().ok());
    if let (Some(system), Some(id)) = (system, id)
        && let Some(r) = capi2::record(event, system, id, events.seen)
    {
        events.capi2.push(r);
    } else if let Some(e) = one(event, source) {
        events.relevant.push(e);
    }
    Ok(())
}

/// What a failure means in the log that recorded it: in the Workplace Join log, 0x8018000E is the
/// device cap of KB3045379 (the message table of `deviceregistration.dll`, unconfirmed), not
/// MDM enrollment's `MENROLL_E_PASSWORD_NEEDED`.
fn as_logged_in(failure: JoinFailure, channel: &str) -> JoinFailure {
    let workplace_join = WORKPLACE_JOIN_CHANNELS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(channel));
    if workplace_join && failure == JoinFailure::MenrollPasswordNeeded {
        JoinFailure::DeviceCapReached
    } else {
        failure
    }
}

fn child_text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.descendants()
        .find(|n| n.has_tag_name(name))
        .and_then(|n| n.text())
        .map(str::trim)
}

fn one(event: roxmltree::Node<'_, '_>, source: LogSource) -> Option<LoggedEvent> {
    let system = event.children().find(|n| n.has_tag_name("System"))?;
    let channel = child_text(system, "Channel").unwrap_or_default().to_owned();
    let id: u16 = child_text(system, "EventID")?.parse().ok()?;
    if !relevant(&channel, id) {
        return None;
    }
    let time = system
        .descendants()
        .find(|n| n.has_tag_name("TimeCreated"))
        .and_then(|n| n.attribute("SystemTime"))
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    let mut logged = LoggedEvent {
        source,
        time,
        log: channel,
        event_id: Some(id),
        code: None,
        failure: None,
        inner: None,
        http_status: None,
        url: None,
        message: None,
    };
    let mut code = None;
    // Every value of the event's data, with its field name where there is one.
    let fields = event
        .descendants()
        .filter(|n| n.is_element() && !n.ancestors().any(|a| a.has_tag_name("System")))
        .filter_map(|n| {
            let text = n.text()?.trim();
            (!text.is_empty() && n.children().all(|c| !c.is_element())).then(|| {
                (
                    n.attribute("Name")
                        .unwrap_or(n.tag_name().name())
                        .to_owned(),
                    text.to_owned(),
                    n.tag_name().name().to_owned(),
                )
            })
        });
    for (name, value, tag) in fields {
        if code.is_none() {
            code = code_in(&value);
        }
        logged.http_status = logged.http_status.or_else(|| http_status_in(&name, &value));
        logged.url = logged.url.take().or_else(|| url_in(&value));
        if tag == "Message" {
            logged.message = Some(value);
        }
    }
    let (failure, inner) = failure_of(code.as_ref().map(|(_, c)| c), logged.http_status);
    logged.code = code.map(|(text, _)| text);
    logged.failure = failure.map(|f| as_logged_in(f, &logged.log));
    logged.inner = inner;
    Some(logged)
}
