//! Pieces the demos share: reading options into [`Settings`], and (in [`render`]) everything they
//! show people — failure labels, colours, status marks, tables.

// Each example uses a different part of this module.
#![allow(dead_code)]

pub(crate) mod render;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::{Args, ValueEnum};
use wpj::{Client, Mode, ResolverView, Resolvers, Settings, Target, Timing};

/// Options every demo that diagnoses takes.
#[derive(Debug, Clone, Args)]
pub(crate) struct DiagnoseOptions {
    /// Which service to expect.
    #[arg(long, value_enum, default_value_t = ModeArg::Auto)]
    pub(crate) mode: ModeArg,
    /// A DNS server to ask, `[NAME=]IP[:PORT]`; repeat for several; names make split-horizon views
    /// (e.g. `internal=10.0.0.53 --dns-server external=8.8.8.8`). Default: the system's resolvers.
    #[arg(long = "dns-server", value_name = "[NAME=]IP[:PORT]")]
    pub(crate) dns_servers: Vec<String>,
    /// A PEM file of extra trusted roots; repeatable.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub(crate) ca_files: Vec<std::path::PathBuf>,
    /// Trust only the `--ca-file` roots, not the system store.
    #[arg(long)]
    pub(crate) no_system_roots: bool,
    /// The HTTPS port (443 on real devices).
    #[arg(long, default_value_t = 443)]
    pub(crate) port: u16,
    /// The Windows client to replay: `windows-10` (also Windows 11; Entra ID through Microsoft's
    /// tenant discovery, DSREG codes) or `windows-8.1` (Workplace Join: the contract at the
    /// registration name, event 102/103).
    #[arg(long, value_parser = parse_client, default_value = "windows-10")]
    pub(crate) client: Client,
    /// Discovery protocol version(s) to request from the contract (default: the client's, 1.2 for
    /// Windows 10, 1.0 for Windows 8.1).
    #[arg(long = "api-version", value_enum)]
    pub(crate) api_version: Option<ApiVersionArg>,
    /// Also request the contract without `Accept` (the XML answer).
    #[arg(long)]
    pub(crate) xml: bool,
    /// Time allowed per step, e.g. `10s`, `500ms` (network operations get half of it).
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    pub(crate) timeout: Duration,
    /// Time allowed for the whole run, e.g. `30s`.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub(crate) deadline: Duration,
    /// `fast`: short bounds (a time-out finding says how long a device would wait); `windows`:
    /// wait as long as a device (WinHTTP's defaults: a connect until Windows' TCP gives up, about
    /// 21 s; handshakes and requests 30 s), overriding `--timeout` for network steps and raising
    /// `--timeout`/`--deadline` to fit.
    #[arg(long, value_enum, default_value_t = TimingArg::Fast)]
    pub(crate) timing: TimingArg,
    /// The proxy for every request a device sends through one: discovery, sign-in, CRL and AIA
    /// downloads, federation (default: `HTTPS_PROXY`). A password in it is never shown.
    #[arg(long)]
    pub(crate) proxy: Option<String>,
    /// Hosts that bypass the proxy, comma-separated (`pki.contoso.com,.corp.contoso.com,10.0.0.0/8`;
    /// default: `NO_PROXY`).
    #[arg(long = "no-proxy", value_name = "HOSTS")]
    pub(crate) no_proxy: Option<String>,
    /// An AD FS farm node to examine, `NAME=IP`; repeatable (default: every address DNS returns).
    #[arg(long = "adfs-node", value_name = "NAME=IP")]
    pub(crate) adfs_nodes: Vec<String>,
    /// The port of the AD FS nodes' plain-HTTP `/adfs/probe` (80 on real farms).
    #[arg(long, default_value_t = 80)]
    pub(crate) adfs_probe_port: u16,
}

/// `windows-10`, `windows-11`, `windows-8.1` (and short forms) → [`Client`].
pub(crate) fn parse_client(s: &str) -> Result<Client, String> {
    s.parse().map_err(|e: wpj::ClientError| e.to_string())
}

/// `NAME=IP` → (name, address).
pub(crate) fn parse_adfs_node(s: &str) -> Result<(String, IpAddr), String> {
    let (name, ip) = s
        .split_once('=')
        .filter(|(n, _)| !n.trim().is_empty())
        .ok_or_else(|| format!("--adfs-node {s:?}: expected NAME=IP"))?;
    let ip = ip
        .trim()
        .parse()
        .map_err(|_| format!("--adfs-node {s:?}: {:?} is not an IP address", ip.trim()))?;
    Ok((name.trim().to_owned(), ip))
}

/// `--timing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TimingArg {
    /// Short bounds (the default).
    Fast,
    /// WinHTTP's defaults, as on a device.
    Windows,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModeArg {
    /// Decide from DNS.
    Auto,
    /// Microsoft Entra ID.
    Entra,
    /// AD FS on premises.
    Onprem,
}

/// `--api-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ApiVersionArg {
    /// Windows 8.1.
    #[value(name = "1.0")]
    V1_0,
    /// Windows 10 and later.
    #[value(name = "1.2")]
    V1_2,
    /// Both.
    Both,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Text,
    /// One JSON document (see docs/json-schema.md).
    Json,
}

/// `10s`, `500ms`, `2m`, or plain seconds.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((s, "s"), |i| (&s[..i], &s[i..]));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 10s or 500ms"))?;
    let secs = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("{s:?}: unit must be ms, s or m")),
    };
    if !(0.001..=3600.0).contains(&secs) {
        return Err(format!("{s:?} is out of range (1ms to 1h)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `[NAME=]IP[:PORT]` → (view name, address).
pub(crate) fn parse_dns_server(s: &str) -> Result<(String, SocketAddr), String> {
    let (name, addr) = match s.split_once('=') {
        Some((n, a)) if !n.trim().is_empty() => (n.trim().to_owned(), a.trim()),
        Some(_) => {
            return Err(format!(
                "--dns-server {s:?}: the view name before '=' is empty"
            ));
        }
        None => ("default".to_owned(), s.trim()),
    };
    let socket = addr
        .parse::<SocketAddr>()
        .or_else(|_| {
            addr.trim_matches(['[', ']'])
                .parse::<IpAddr>()
                .map(|ip| SocketAddr::new(ip, 53))
        })
        .map_err(|_| format!("--dns-server {s:?}: {addr:?} is not an IP address or IP:PORT"))?;
    Ok((name, socket))
}

impl DiagnoseOptions {
    /// The settings for diagnosing `target`; `Err` is a one-line message for bad input.
    pub(crate) fn settings(&self, target: &str) -> Result<Settings, String> {
        let target = Target::parse(target).map_err(|e| e.to_string())?;
        let mut settings = Settings::new(target);
        self.apply(&mut settings)?;
        Ok(settings)
    }

    /// Applies everything but the target and the resolvers' defaults to `settings`.
    pub(crate) fn apply(&self, settings: &mut Settings) -> Result<(), String> {
        settings.mode = match self.mode {
            ModeArg::Auto => Mode::Auto,
            ModeArg::Entra => Mode::Entra,
            ModeArg::Onprem => Mode::Onprem,
        };
        if !self.dns_servers.is_empty() {
            let mut views: Vec<ResolverView> = Vec::new();
            for spec in &self.dns_servers {
                let (name, addr) = parse_dns_server(spec)?;
                match views.iter_mut().find(|v| v.name == name) {
                    Some(v) => v.servers.push(addr),
                    None => views.push(ResolverView {
                        name,
                        servers: vec![addr],
                    }),
                }
            }
            settings.resolvers = Resolvers::Views(views);
        }
        for file in &self.ca_files {
            let pem = read_file(file, CA_FILE_CAP)
                .map_err(|e| format!("--ca-file {}: {e}", file.display()))?;
            settings.trust.extra_pem.push(pem);
        }
        if self.no_system_roots {
            if self.ca_files.is_empty() {
                return Err("--no-system-roots needs at least one --ca-file".to_owned());
            }
            settings.trust.system = false;
        }
        settings.port = self.port;
        settings.client = self.client;
        settings.api_versions = match self.api_version {
            None => Vec::new(),
            Some(ApiVersionArg::V1_0) => vec!["1.0".into()],
            Some(ApiVersionArg::V1_2) => vec!["1.2".into()],
            Some(ApiVersionArg::Both) => vec!["1.0".into(), "1.2".into()],
        };
        settings.check_xml = self.xml;
        settings.check_timeout = self.timeout;
        settings.network_timeout = self.timeout / 2;
        settings.dns_timeout = (self.timeout / 2).min(Settings::DEFAULT_DNS_TIMEOUT);
        settings.deadline = self.deadline;
        if self.timing == TimingArg::Windows {
            settings.use_timing(Timing::Windows);
        }
        // Only what was given: a lab's settings keep their own "no proxy".
        if self.proxy.is_some() {
            settings.proxy.clone_from(&self.proxy);
        }
        if self.no_proxy.is_some() {
            settings.no_proxy.clone_from(&self.no_proxy);
        }
        settings.adfs_nodes = self
            .adfs_nodes
            .iter()
            .map(|n| parse_adfs_node(n))
            .collect::<Result<_, _>>()?;
        settings.adfs_probe_port = self.adfs_probe_port;
        Ok(())
    }
}

/// Timeouts for diagnosing a lab: the lab answers in microseconds, so its faults show fast.
pub(crate) fn lab_settings(lab: &wpj_testkit::Lab) -> Settings {
    let mut settings = lab.settings();
    settings.network_timeout = Duration::from_secs(2);
    settings.dns_timeout = Duration::from_secs(2);
    settings.check_timeout = Duration::from_secs(10);
    settings
}

/// The largest `--ca-file` read (a bundle of every public root is under 1 MiB).
pub(crate) const CA_FILE_CAP: u64 = 16 * 1024 * 1024;

/// Opens `path` for reading after checking, without opening it, that it is a regular file of at
/// most `cap` bytes: a FIFO without a writer would block the open, a device such as `/dev/zero`
/// never ends.
pub(crate) fn open_file(path: &std::path::Path, cap: u64) -> Result<std::fs::File, String> {
    let check = |metadata: &std::fs::Metadata| {
        if !metadata.is_file() {
            return Err(
                "not a regular file (a directory, a FIFO or a device cannot be read)".to_owned(),
            );
        }
        if metadata.len() > cap {
            return Err(format!(
                "larger than {cap} bytes ({} bytes)",
                metadata.len()
            ));
        }
        Ok(())
    };
    check(&std::fs::metadata(path).map_err(|e| e.to_string())?)?;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    check(&file.metadata().map_err(|e| e.to_string())?)?;
    Ok(file)
}

/// Reads `path` whole, a regular file of at most `cap` bytes ([`open_file`]); a file that grows past
/// the cap meanwhile is refused after `cap + 1` bytes.
pub(crate) fn read_file(path: &std::path::Path, cap: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    open_file(path, cap)?
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > cap {
        return Err(format!("larger than {cap} bytes"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5h").is_err());
        assert!(parse_duration("0s").is_err());
    }

    #[test]
    fn dns_servers() {
        assert_eq!(
            parse_dns_server("internal=10.0.0.53"),
            Ok(("internal".into(), "10.0.0.53:53".parse().unwrap()))
        );
        assert_eq!(
            parse_dns_server("[::1]:5353").unwrap().1,
            "[::1]:5353".parse().unwrap()
        );
        assert_eq!(
            parse_dns_server("::1").unwrap().1,
            "[::1]:53".parse().unwrap()
        );
        assert!(parse_dns_server("=1.2.3.4").is_err());
        assert!(parse_dns_server("dns.example").is_err());
    }

    #[test]
    fn adfs_nodes() {
        assert_eq!(
            parse_adfs_node("adfs1=10.0.0.11"),
            Ok(("adfs1".into(), "10.0.0.11".parse().unwrap()))
        );
        assert!(parse_adfs_node("10.0.0.11").is_err());
        assert!(parse_adfs_node("adfs1=nope").is_err());
    }
}
