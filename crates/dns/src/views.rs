//! Which DNS servers to ask: the user's named views, or the operating system's configuration.

use wpj_core::{ResolverView, Resolvers};

/// Why the run has no DNS servers to ask (none given, or none found in the system's configuration).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoServers(pub(crate) String);

/// The views to query, each with at least one server.
pub(crate) fn views(resolvers: &Resolvers) -> Result<Vec<ResolverView>, NoServers> {
    let views = match resolvers {
        Resolvers::Views(views) => views.clone(),
        Resolvers::System => vec![system_view()?],
    };
    if views.is_empty() {
        return Err(NoServers("no DNS servers were given".to_owned()));
    }
    if let Some(empty) = views.iter().find(|v| v.servers.is_empty()) {
        return Err(NoServers(format!(
            "the {} view has no DNS servers",
            empty.name
        )));
    }
    Ok(views)
}

#[cfg(feature = "system-config")]
fn system_view() -> Result<ResolverView, NoServers> {
    let (config, _) = hickory_resolver::system_conf::read_system_conf().map_err(|e| {
        NoServers(format!(
            "could not read the system's DNS configuration: {e}"
        ))
    })?;
    let servers: Vec<std::net::SocketAddr> = config
        .name_servers()
        .iter()
        .map(|ns| {
            let port = ns.connections.first().map_or(53, |c| c.port);
            std::net::SocketAddr::new(ns.ip, port)
        })
        .collect();
    Ok(ResolverView {
        name: "system".to_owned(),
        servers,
    })
}

#[cfg(not(feature = "system-config"))]
fn system_view() -> Result<ResolverView, NoServers> {
    Err(NoServers(
        "this build cannot read the system's DNS configuration (enable the `system-config` feature \
         of wpj-dns, or give DNS servers explicitly)"
            .to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_views_are_errors() {
        assert!(views(&Resolvers::Views(Vec::new())).is_err());
        let err = views(&Resolvers::Views(vec![ResolverView {
            name: "external".into(),
            servers: Vec::new(),
        }]))
        .unwrap_err();
        assert!(err.0.contains("external"));
    }
}
