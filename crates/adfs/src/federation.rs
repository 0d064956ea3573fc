//! The federation service's own health: its metadata, its token certificates, its `OpenID`
//! configuration — what relying parties and operators depend on, and devices never fetch.

use async_trait::async_trait;
use base64::Engine as _;
use time::OffsetDateTime;
use wpj_core::{Check, CheckId, Context, Evidence, Finding, Stage, Status, TokenCertificate};
use wpj_discovery::ContractCheck;
use wpj_net::{HttpsClient, Net};
use wpj_tls::{CapturedChain, verifying_config};
use x509_parser::prelude::{FromDer, X509Certificate};

/// Token certificates expiring sooner than this are reported.
pub const TOKEN_EXPIRY_WARNING_DAYS: i64 = 30;

/// Checks the federation service named by the discovery document: `FederationMetadata.xml` answers
/// and its token-signing and token-decrypting certificates are valid (expired → `Fail`; inside 30
/// days → `Warn`), and `/adfs/.well-known/openid-configuration` answers (AD FS 2016+; `Warn`).
///
/// A [`Stage::FarmHealth`] check: devices never fetch these documents, so nothing here is a device
/// verdict (whether devices can reach the federation service is [`SignInCheck`](crate::SignInCheck)'s
/// question). Read-only; no credentials are sent.
#[derive(Debug, Clone, Default)]
pub struct FederationCheck;

impl FederationCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("adfs-federation");
}

/// Intermediates Windows already holds from the registration name's chain (served or fetched
/// through AIA): the federation service usually shares its CA.
pub(crate) fn known_intermediates(cx: &Context) -> Vec<rustls_pki_types::CertificateDer<'static>> {
    cx.output::<CapturedChain>()
        .map(CapturedChain::intermediates)
        .unwrap_or_default()
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

    fn stage(&self) -> Stage {
        Stage::FarmHealth
    }

    async fn run(&self, cx: &Context) -> Finding {
        let settings = cx.settings();
        let doc = match crate::scope::document(cx) {
            Ok(doc) => doc,
            Err(why) => return Finding::skipped(Self::ID, why),
        };
        let Some(sts) = doc
            .get("IdentityProviderService.PassiveAuthEndpoint")
            .or_else(|| doc.get("DeviceRegistrationService.RegistrationEndpoint"))
            .and_then(wpj_net::host_of)
        else {
            return Finding::skipped(
                Self::ID,
                "not run: the discovery document names no federation service host",
            );
        };
        let setup = Net::for_run(cx).and_then(|net| {
            let cap = net.limits().metadata;
            net.https(verifying_config(net.trust(), &known_intermediates(cx)))
                .build()
                .map(|client| (client, cap))
        });
        let (client, cap) = match setup {
            Ok(c) => c,
            Err(e) => return Finding::error(Self::ID, e.to_string()),
        };
        let metadata_url =
            settings.https_url(&sts, "/FederationMetadata/2007-06/FederationMetadata.xml");
        let oidc = settings.https_url(&sts, "/adfs/.well-known/openid-configuration");
        // Both documents at once: the OpenID configuration costs no round trip of its own.
        let (metadata, openid) =
            tokio::join!(get(&client, &metadata_url, cap), get(&client, &oidc, cap));
        let xml = match metadata {
            Ok((200, body)) => body,
            Ok((status, _)) => {
                return unhealthy(format!(
                    "{metadata_url} answers HTTP {status}: relying parties and partners cannot read the federation service's metadata"
                ))
                .with_remediation("Check the AD FS service on the farm and the metadata endpoint's publication on the Web Application Proxy (Get-AdfsEndpoint -AddressPath /FederationMetadata/2007-06/FederationMetadata.xml).");
            }
            Err(e) => {
                return unhealthy(format!(
                    "{metadata_url} cannot be read: {e}"
                ))
                .with_remediation("Check the AD FS service on the farm and the metadata endpoint's publication on the Web Application Proxy.");
            }
        };
        let now = OffsetDateTime::now_utc();
        let tokens = match token_certificates(&xml, now) {
            Ok(t) => t,
            Err(e) => return unhealthy(format!("{metadata_url}: {e}")),
        };
        let mut finding = judge_tokens(&tokens, &sts);
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
        finding
    }
}

/// One document: its status and text, read into `cap` bytes.
async fn get(
    client: &HttpsClient,
    url: &str,
    cap: usize,
) -> Result<(u16, String), wpj_net::FetchError> {
    let reply = client.get_capped(url, None, cap).await;
    if let Some(e) = reply.error {
        return Err(e);
    }
    let status = reply.status.unwrap_or_default();
    Ok((status, String::from_utf8_lossy(&reply.body).into_owned()))
}

fn add_warning(finding: Finding, warning: &str) -> Finding {
    let summary = format!("{}; but {warning}", finding.summary);
    let mut warned = Finding::warn(FederationCheck::ID, summary);
    warned.remediation = finding.remediation;
    warned.evidence = finding.evidence;
    warned
}

/// A farm-health failure: no Windows code, devices are not affected.
fn unhealthy(summary: String) -> Finding {
    Finding::new(FederationCheck::ID, Status::Fail, summary)
}

fn judge_tokens(tokens: &[TokenCertificate], sts: &str) -> Finding {
    let mut warnings = Vec::new();
    let id = FederationCheck::ID;
    if tokens.iter().all(|t| t.usage != "signing") {
        return unhealthy(format!(
            "{sts}'s metadata names no token-signing certificate"
        ));
    }
    if let Some(expired) = tokens.iter().find(|t| t.days_left < 0) {
        return unhealthy(
            format!(
                "the token-{} certificate of {sts} ({}) expired on {}: relying parties reject the tokens it signs",
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
            .with_remediation("Renew the AD FS token certificates before they expire (Update-AdfsCertificate, or check AutoCertificateRollover) and make sure every relying party picks up the new ones.")
    }
}
