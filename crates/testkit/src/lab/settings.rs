//! Settings that point a diagnosis at lab servers.

use wpj_core::{Mode, ResolverView, Resolvers, Settings, Target, TrustRoots};

use super::{CorporateRoot, Lab};

impl Lab {
    /// Settings that point a diagnosis at this lab: its DNS views, its root only, its port.
    #[must_use]
    pub fn settings(&self) -> Settings {
        let target = Target::parse(&self.spec.domain).unwrap_or_else(|e| {
            unreachable!("lab domains are valid: {e}");
        });
        let mut settings = settings_for(
            target,
            self.views(),
            &self.trust_root_pem,
            self.https_port,
            self.probe_port,
        );
        if let Some(proxy) = &self.inspecting {
            settings.proxy = Some(proxy.url());
            settings.no_proxy = Some(String::new());
            if let (Some(CorporateRoot::Trusted), Some(inspector)) =
                (self.spec.inspecting_proxy, proxy.inspector())
            {
                settings
                    .trust
                    .extra_pem
                    .push(inspector.root_pem().into_bytes());
            }
        }
        settings
    }

    /// The TLS-inspecting proxy the lab is reached through ([`crate::LabSpec::inspecting_proxy`]).
    #[must_use]
    pub fn lab_proxy(&self) -> Option<&crate::proxy::ForwardProxy> {
        self.inspecting.as_ref()
    }
}

/// Settings that point a diagnosis of `target` at lab servers: these DNS views, this root only,
/// this service port and (AD FS) probe port.
pub(crate) fn settings_for(
    target: Target,
    views: Vec<ResolverView>,
    trust_root_pem: &str,
    port: u16,
    probe_port: Option<u16>,
) -> Settings {
    let mut settings = Settings::new(target);
    settings.mode = Mode::Auto;
    settings.resolvers = Resolvers::Views(views);
    settings.trust = TrustRoots {
        system: false,
        extra_pem: vec![trust_root_pem.as_bytes().to_vec()],
    };
    settings.port = port;
    // Everything is on loopback: no proxy, whatever `HTTPS_PROXY` the machine has.
    settings.proxy = Some(String::new());
    if let Some(port) = probe_port {
        settings.adfs_probe_port = port;
    }
    settings
}
