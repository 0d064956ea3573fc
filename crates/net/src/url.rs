//! The parts of a URL the library needs, read one way everywhere.

/// The host of `url`, ASCII lowercase (IPv6 literals without brackets), or `None` when `url` is not
/// an absolute URL with a host.
///
/// ```
/// assert_eq!(wpj_net::host_of("https://STS.Contoso.com:443/adfs/ls").as_deref(), Some("sts.contoso.com"));
/// assert_eq!(wpj_net::host_of("/relative"), None);
/// ```
#[must_use]
pub fn host_of(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    url.host_str()
        .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
}

/// The scheme of `url`, ASCII lowercase (`""` when there is none).
///
/// ```
/// assert_eq!(wpj_net::scheme_of("HTTPS://x.example/"), "https");
/// assert_eq!(wpj_net::scheme_of("x.example/path"), "");
/// ```
#[must_use]
pub fn scheme_of(url: &str) -> String {
    url.split_once("://")
        .map_or("", |(s, _)| s)
        .to_ascii_lowercase()
}

/// `url` with its credentials (user name and password, or a token in the user name) replaced by
/// `***`, to be shown. A URL without a scheme is read as `http://` first, as reqwest reads a proxy
/// setting such as `joe:s3cret@proxy:8080`.
///
/// ```
/// assert_eq!(wpj_net::redact_url("http://joe:s3cret@proxy:8080"), "http://***@proxy:8080/");
/// assert_eq!(wpj_net::redact_url("joe:s3cret@proxy:8080"), "http://***@proxy:8080/");
/// assert_eq!(wpj_net::redact_url("http://TOKEN@proxy"), "http://***@proxy/");
/// assert_eq!(wpj_net::redact_url("http://proxy:8080"), "http://proxy:8080");
/// ```
#[must_use]
pub fn redact_url(url: &str) -> String {
    let normalised = normalise(url);
    match reqwest::Url::parse(&normalised) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("***");
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        // Unparseable: show nothing of what may precede a host.
        Err(_) => url
            .rsplit_once('@')
            .map_or_else(|| url.to_owned(), |(_, host)| format!("***@{host}")),
    }
}

/// `url`, with `http://` in front when it has no scheme (as reqwest reads a proxy setting).
pub(crate) fn normalise(url: &str) -> String {
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    }
}

/// `location` (absolute, or relative to `base`) as an absolute URL, as a client following a
/// redirect from `base` resolves it; `None` when either cannot be read.
///
/// ```
/// assert_eq!(
///     wpj_net::join_url("https://a.example/x/y", "../z").as_deref(),
///     Some("https://a.example/z")
/// );
/// ```
#[must_use]
pub fn join_url(base: &str, location: &str) -> Option<String> {
    reqwest::Url::parse(base)
        .and_then(|b| b.join(location))
        .ok()
        .map(String::from)
}
