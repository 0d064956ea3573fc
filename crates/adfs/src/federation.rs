//! The federation service behind the discovery document: its name, its metadata, its token
//! certificates — what decides whether sign-in works *after* the user enters credentials.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use time::OffsetDateTime;
use wpj_core::{
    Check, CheckId, Context, Evidence, Finding, JoinFailure, ResolvedAddresses, ServiceKind,
    Status, TokenCertificate,
};
use wpj_discovery::{ContractCheck, Documents};
use wpj_dns::HostResolver;
use wpj_tls::{
    CapturedChain, ReqwestResolver, TrustStore, USER_AGENT, root_cause, verifying_config,
};
use x509_parser::prelude::{FromDer, X509Certificate};

/// Token certificates expiring sooner than this are reported.
pub const TOKEN_EXPIRY_WARNING_DAYS: i64 = 30;
/// The largest metadata document read.
const METADATA_CAP: usize = 4 * 1024 * 1024;

/// Checks the federation service named by the discovery document: its endpoints all use one name,
/// that name resolves through the run's DNS and its certificate covers it, `FederationMetadata.xml`
/// answers, and its token-signing and token-decrypting certificates are valid (expired → sign-in fails
/// after credentials; inside 30 days → `Warn`). Also checks `/adfs/.well-known/openid-configuration`
/// (AD FS 2016+). Read-only; no credentials are sent, so "Can't connect to the service" (KB3045378)
/// can only be judged by the causes that can be seen from outside.
#[derive(Debug, Clone, Default)]
pub struct FederationCheck;

impl FederationCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("adfs-federation");
}

/// Intermediates Windows already holds from the registration name's chain (served or fetched
/// through AIA): the federation service usually shares its CA.
fn known_intermediates(cx: &Context) -> Vec<rustls_pki_types::CertificateDer<'static>> {
    cx.output::<CapturedChain>()
        .map(|chain| {
            let certs = chain.path.as_ref().unwrap_or(&chain.served);
            certs.iter().skip(1).cloned().collect()
        })
        .unwrap_or_default()
}

/// Host of an absolute URL.
fn host(url: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
}

/// The token certificates in a metadata document, by `KeyDescriptor use`.
fn token_certificates(xml: &str, now: OffsetDateTime) -> Result<Vec<TokenCertificate>, String> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| format!("FederationMetadata.xml is not XML ({e})"))?;
    let mut out: Vec<TokenCertificate> = Vec::new();
    for key in doc
        .descendants()
        .filter(|n| n.has_tag_name("KeyDescriptor"))
    {
        let usage = key.attribute("use").unwrap_or("signing").to_owned();
        for cert in key
            .descendants()
            .filter(|n| n.has_tag_name("X509Certificate"))
        {
            let b64: String = cert.text().unwrap_or("").split_whitespace().collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| format!("an X509Certificate is not base64 ({e})"))?;
            let (_, parsed) = X509Certificate::from_der(&der)
                .map_err(|e| format!("an X509Certificate is not a certificate ({e})"))?;
            let not_after = parsed.validity().not_after.to_datetime();
            let token = TokenCertificate {
                usage: usage.clone(),
                subject: parsed.subject().to_string(),
                not_after,
                days_left: (not_after - now).whole_days(),
            };
            if !out.contains(&token) {
                out.push(token);
            }
        }
    }
    Ok(out)
}

#[async_trait]
impl Check for FederationCheck {
    fn id(&self) -> CheckId {
        Self::ID
    }

    fn depends_on(&self) -> &[CheckId] {
        const DEPS: &[CheckId] = &[ContractCheck::ID];
        DEPS
    }

    /// One node answering with a document is enough to find the federation service.
    fn runs_after_failure(&self) -> bool {
        true
    }

    async fn run(&self, cx: &Context) -> Finding {
        let settings = cx.settings();
        if cx
            .output::<ResolvedAddresses>()
            .is_some_and(|r| r.service == ServiceKind::Entra)
        {
            return Finding::skipped(
                Self::ID,
                "not run: the name leads to Microsoft Entra ID, not AD FS",
            );
        }
        let Some(doc) = cx.output::<Documents>().and_then(|d| d.0.first()) else {
            return Finding::skipped(
                Self::ID,
                "not run: no discovery document names the federation service",
            );
        };
        let endpoints: Vec<&(String, String)> = doc
            .members
            .iter()
            .filter(|(p, _)| p.ends_with("Endpoint"))
            .collect();
        let Some(sts) = doc
            .get("IdentityProviderService.PassiveAuthEndpoint")
            .or_else(|| doc.get("DeviceRegistrationService.RegistrationEndpoint"))
            .and_then(host)
        else {
            return Finding::skipped(
                Self::ID,
                "not run: the discovery document names no federation service host",
            );
        };
        let mut warnings = Vec::new();
        let elsewhere: Vec<String> = endpoints
            .iter()
            .filter(|(_, url)| host(url).is_some_and(|h| h != sts))
            .map(|(path, url)| format!("{path} → {url}"))
            .collect();
        if !elsewhere.is_empty() {
            warnings.push(format!(
                "endpoints outside the federation service {sts}: {}",
                elsewhere.join(", ")
            ));
        }
        let resolver = match HostResolver::for_run(cx) {
            Ok(r) => r,
            Err(e) => return Finding::error(Self::ID, e),
        };
        if let Err(lookup) = resolver.lookup(&sts).await {
            return Finding::fail(
                Self::ID,
                JoinFailure::NameNotResolved,
                format!("the federation service name {sts} does not resolve ({}): devices are sent there to sign in", lookup.outcome),
            )
            .with_evidence(Evidence::Dns(lookup));
        }
        let store = match TrustStore::load(&settings.trust) {
            Ok(s) => s,
            Err(e) => return Finding::error(Self::ID, e),
        };
        let client = match reqwest::Client::builder()
            .tls_backend_preconfigured(verifying_config(&store, &known_intermediates(cx)))
            .dns_resolver(Arc::new(ReqwestResolver(resolver)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(settings.network_timeout)
            .user_agent(USER_AGENT)
            .build()
        {
            Ok(c) => c,
            Err(e) => return Finding::error(Self::ID, format!("HTTP client: {e}")),
        };
        let metadata_url =
            settings.https_url(&sts, "/FederationMetadata/2007-06/FederationMetadata.xml");
        let oidc = settings.https_url(&sts, "/adfs/.well-known/openid-configuration");
        // Both documents at once: the OpenID configuration costs no round trip of its own.
        let (metadata, openid) = tokio::join!(get(&client, &metadata_url), get(&client, &oidc));
        let xml = match metadata {
            Ok((200, body)) => body,
            Ok((status, _)) => {
                return Finding::fail(
                    Self::ID,
                    JoinFailure::HttpError,
                    format!("{metadata_url} answers HTTP {status}: the federation service is not published or not running"),
                )
                .with_remediation("Check the AD FS service on the farm and its publication on the Web Application Proxy.");
            }
            Err(e) => {
                let failure = if e.contains("certificate") || e.contains("Certificate") {
                    JoinFailure::SecureFailure
                } else {
                    JoinFailure::CannotConnect
                };
                return Finding::fail(
                    Self::ID,
                    failure,
                    format!("the federation service {sts} cannot be reached securely: {e}"),
                );
            }
        };
        let now = OffsetDateTime::now_utc();
        let tokens = match token_certificates(&xml, now) {
            Ok(t) => t,
            Err(e) => {
                return Finding::fail(
                    Self::ID,
                    JoinFailure::InvalidData,
                    format!("{metadata_url}: {e}"),
                );
            }
        };
        let mut finding = judge_tokens(&tokens, &sts, warnings);
        if finding.status != Status::Fail {
            match openid {
                Ok((200, body)) if body.contains("\"issuer\"") => {}
                Ok((status, _)) => {
                    finding = add_warning(
                        finding,
                        &format!("{oidc} answers HTTP {status} (AD FS 2016 and later publish it)"),
                    );
                }
                Err(e) => finding = add_warning(finding, &format!("{oidc}: {e}")),
            }
        }
        finding
            .evidence
            .extend(tokens.into_iter().map(Evidence::TokenCertificate));
        finding.with_evidence(Evidence::note(
            "not visible from outside (needs credentials or the proxy's own view): whether the proxy resolves the federation service name to the farm, and whether the AD FS service runs behind the proxy (KB3045378)",
        ))
    }
}

async fn get(client: &reqwest::Client, url: &str) -> Result<(u16, String), String> {
    let response = client.get(url).send().await.map_err(|e| root_cause(&e))?;
    let status = response.status().as_u16();
    if response
        .content_length()
        .is_some_and(|n| n > METADATA_CAP as u64)
    {
        return Err(format!("{url}: larger than {METADATA_CAP} bytes"));
    }
    let body = response.bytes().await.map_err(|e| root_cause(&e))?;
    if body.len() > METADATA_CAP {
        return Err(format!("{url}: larger than {METADATA_CAP} bytes"));
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn add_warning(finding: Finding, warning: &str) -> Finding {
    let summary = format!("{}; but {warning}", finding.summary);
    let mut warned = Finding::warn(FederationCheck::ID, summary);
    warned.failure = finding.failure;
    warned.remediation = finding.remediation;
    warned.evidence = finding.evidence;
    warned
}

fn judge_tokens(tokens: &[TokenCertificate], sts: &str, mut warnings: Vec<String>) -> Finding {
    let id = FederationCheck::ID;
    if tokens.iter().all(|t| t.usage != "signing") {
        return Finding::fail(
            id,
            JoinFailure::InvalidData,
            format!("{sts}'s metadata names no token-signing certificate"),
        );
    }
    if let Some(expired) = tokens.iter().find(|t| t.days_left < 0) {
        return Finding::fail(
            id,
            JoinFailure::DsregAuthenticationError,
            format!(
                "the token-{} certificate of {sts} ({}) expired on {}: sign-in fails after the user enters credentials",
                expired.usage,
                expired.subject,
                expired.not_after.date()
            ),
        )
        .with_remediation("Renew the AD FS token certificates (Update-AdfsCertificate, or enable AutoCertificateRollover) and update the relying parties.");
    }
    for t in tokens
        .iter()
        .filter(|t| t.days_left < TOKEN_EXPIRY_WARNING_DAYS)
    {
        warnings.push(format!(
            "the token-{} certificate expires on {} (in {} days)",
            t.usage,
            t.not_after.date(),
            t.days_left
        ));
    }
    let summary = format!(
        "federation service {sts}: metadata published, {} token certificate(s) valid",
        tokens.len()
    );
    if warnings.is_empty() {
        Finding::pass(id, summary)
    } else {
        Finding::warn(id, format!("{summary}; but {}", warnings.join("; ")))
            .with_failure(JoinFailure::DsregAuthenticationError)
            .with_remediation("Renew the AD FS token certificates before they expire (Update-AdfsCertificate, or check AutoCertificateRollover) and make sure every relying party picks up the new ones.")
    }
}
