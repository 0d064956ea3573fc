//! The proxy of a run: `--proxy`, else `HTTPS_PROXY`; hosts in `NO_PROXY` go direct.

use hyper_util::client::proxy::matcher::Matcher;

/// The proxy every request a device would send through one goes through: the contract and tenant
/// discovery, the sign-in hosts, CRL, AIA and OCSP downloads (`CryptoAPI` uses the machine's proxy
/// too), federation metadata. Hosts matched by the no-proxy list go direct. Health probes of farm
/// nodes, which devices never send, and the TLS step's own handshake go direct.
#[derive(Clone)]
pub struct ProxyConfig {
    url: String,
    no_proxy: Option<String>,
    /// Who goes through it: hyper-util's matcher, the one reqwest itself builds from the same
    /// settings, so that what is shown is what is done.
    matcher: std::sync::Arc<Matcher>,
}

impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the raw URL: it may hold a password.
        f.debug_struct("ProxyConfig")
            .field("url", &self.shown())
            .field("no_proxy", &self.no_proxy)
            .finish_non_exhaustive()
    }
}

impl ProxyConfig {
    /// The run's proxy: `explicit` (the `--proxy` setting), else `HTTPS_PROXY` / `https_proxy` from
    /// the environment; with the no-proxy list `no_proxy`, else `NO_PROXY` / `no_proxy`. `None`
    /// when there is no proxy.
    #[must_use]
    pub fn from_settings(explicit: Option<&str>, no_proxy: Option<&str>) -> Option<Self> {
        let env = |names: [&str; 2]| {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok())
                .filter(|v| !v.trim().is_empty())
        };
        let url = explicit
            .map(str::to_owned)
            .or_else(|| env(["HTTPS_PROXY", "https_proxy"]))
            .filter(|p| !p.trim().is_empty())?;
        let no_proxy = no_proxy
            .map(str::to_owned)
            .or_else(|| env(["NO_PROXY", "no_proxy"]));
        let matcher = Matcher::builder()
            .all(crate::url::normalise(&url))
            .no(no_proxy.clone().unwrap_or_default())
            .build();
        Some(Self {
            url,
            no_proxy,
            matcher: std::sync::Arc::new(matcher),
        })
    }

    /// The proxy URL as given (it may hold credentials: show [`ProxyConfig::shown`] instead).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The proxy URL to show: any password replaced by `***`.
    #[must_use]
    pub fn shown(&self) -> String {
        crate::url::redact_url(&self.url)
    }

    /// The no-proxy list (comma-separated hosts, domains, IPs or networks), if any.
    #[must_use]
    pub fn no_proxy(&self) -> Option<&str> {
        self.no_proxy.as_deref()
    }

    /// The proxy for reqwest: every scheme, except the no-proxy hosts.
    pub(crate) fn reqwest(&self) -> Result<reqwest::Proxy, crate::NetError> {
        let proxy = reqwest::Proxy::all(&self.url).map_err(|e| crate::NetError::Proxy {
            url: self.shown(),
            why: e.to_string(),
        })?;
        Ok(proxy.no_proxy(
            self.no_proxy
                .as_deref()
                .and_then(reqwest::NoProxy::from_string),
        ))
    }

    /// Whether a request to `url` goes through the proxy (reqwest's own matcher decides).
    #[must_use]
    pub fn applies_to(&self, url: &str) -> bool {
        url.parse::<http::Uri>()
            .map_or(true, |uri| self.matcher.intercept(&uri).is_some())
    }

    /// How a request to `url` travels, for evidence: `proxy <url>` (credentials redacted) or
    /// `direct (NO_PROXY)`.
    #[must_use]
    pub fn path_to(&self, url: &str) -> String {
        if self.applies_to(url) {
            format!("proxy {}", self.shown())
        } else {
            "direct (NO_PROXY)".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_hosts_go_direct_and_the_password_is_never_shown() {
        let proxy = ProxyConfig::from_settings(
            Some("http://joe:s3cret@proxy.contoso.com:8080"),
            Some("pki.contoso.com, .corp.contoso.com, 10.0.0.0/8"),
        )
        .unwrap();
        assert_eq!(proxy.shown(), "http://***@proxy.contoso.com:8080/");
        assert!(proxy.applies_to("https://login.microsoftonline.com/common"));
        assert!(!proxy.applies_to("http://pki.contoso.com/issuing.crl"));
        assert!(!proxy.applies_to("http://ca.corp.contoso.com/aia.crt"));
        assert!(!proxy.applies_to("http://10.1.2.3/adfs/probe"));
        assert_eq!(
            proxy.path_to("http://pki.contoso.com/issuing.crl"),
            "direct (NO_PROXY)"
        );
        assert_eq!(
            proxy.path_to("https://enterpriseregistration.windows.net/"),
            "proxy http://***@proxy.contoso.com:8080/"
        );
        assert!(!proxy.path_to("https://x.example/").contains("s3cret"));
        assert!(!format!("{proxy:?}").contains("s3cret"));
        let bare = ProxyConfig::from_settings(Some("joe:s3cret@proxy:8080"), Some("")).unwrap();
        assert_eq!(bare.shown(), "http://***@proxy:8080/");
        assert!(bare.applies_to("https://login.microsoftonline.com/"));
    }

    #[test]
    fn an_explicit_empty_setting_is_no_proxy() {
        assert!(ProxyConfig::from_settings(Some(" "), None).is_none());
    }
}
