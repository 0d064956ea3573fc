//! `explain`: what a Workplace Join / device registration code means and how to fix it.
//!
//! ```text
//! cargo run --example explain -- 0x80072F8A
//! cargo run --example explain -- -2147012726          # as event logs print it
//! cargo run --example explain -- 0x801c0021/0x80072ee7 --format json
//! cargo run --example explain -- --list
//! ```
//!
//! Exit codes: 0 explained, 2 unknown code or usage error.

#[path = "common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::process::ExitCode;

use anstream::{print, println};
use clap::{Parser, ValueEnum};
use common::render::{BOLD, Table, label, paint};
use serde::Serialize;
use wpj::{CodeRef, FailureInfo, JoinFailure};

/// Explain a Workplace Join / device registration failure code.
#[derive(Debug, Parser)]
#[command(name = "explain", version)]
struct Args {
    /// The code: `0x80072F8A`, `80072f8a`, `-2147012726`, `12170`, `404`, `cert-revoked`,
    /// `ERROR_WINHTTP_SECURE_CERT_REVOKED`, or a dsregcmd pair `0x801c0021/0x80072ee7`.
    /// A negative number is the code as event logs print it, not an option.
    #[arg(required_unless_present = "list", allow_negative_numbers = true)]
    code: Option<String>,
    /// Print the whole catalogue as a table.
    #[arg(long, conflicts_with = "code")]
    list: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Print the documentation page (Markdown) for the code, as in docs/errors/.
    #[arg(long, hide = true)]
    markdown: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// `--format json` output for one code.
#[derive(Serialize)]
struct Explained<'a> {
    schema_version: u32,
    input: &'a str,
    failure: FailureInfo,
    /// The code carried inside, for an outer/inner pair.
    inner: Option<FailureInfo>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.list {
        print!("{}", list(args.format));
        return ExitCode::SUCCESS;
    }
    let input = args.code.as_deref().unwrap_or_default();
    let code: CodeRef = match input.parse() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("explain: {e}");
            eprintln!("explain: `explain --list` shows every known code");
            return ExitCode::from(2);
        }
    };
    if args.markdown {
        print!("{}", markdown_page(code.root_cause()));
        return ExitCode::SUCCESS;
    }
    match args.format {
        Format::Json => {
            let out = Explained {
                schema_version: wpj::SCHEMA_VERSION,
                input,
                failure: code.outer.info(),
                inner: code.inner.map(JoinFailure::info),
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&out).expect("serializable")
            );
        }
        Format::Text => {
            if let Some(inner) = code.inner {
                println!(
                    "{} carries {}: the outer code says which phase failed, the inner one why.\n",
                    label(code.outer).code(),
                    label(inner).code()
                );
                print!("{}\n{}", describe(code.outer), describe(inner));
            } else {
                print!("{}", describe(code.outer));
            }
        }
    }
    ExitCode::SUCCESS
}

fn describe(f: JoinFailure) -> String {
    let info = f.info();
    let mut out = String::new();
    let mut aliases = vec![info.code.to_owned()];
    aliases.extend(info.symbol.map(str::to_owned));
    if let Some(n) = info.win32_code.filter(|n| (12_000..13_000).contains(n)) {
        aliases.push(format!("WinHTTP {n}"));
    }
    if let Some(signed) = info.hresult_signed {
        aliases.push(format!("logged as {signed}"));
    }
    let _ = writeln!(
        out,
        "{}  {}",
        paint(BOLD, label(f).code()),
        aliases.join(", ")
    );
    let _ = writeln!(out, "  Meaning:    {}", info.description);
    match info.event_id {
        Some(id) => {
            let _ = writeln!(out, "  Event:      {id} in {}", info.log);
        }
        None => {
            let _ = writeln!(out, "  Log:        {} (event ID not documented)", info.log);
        }
    }
    if let (Some(kb), Some(url)) = (label(f).kb(), &info.kb_url) {
        let _ = writeln!(out, "  Article:    {kb}  {url}");
    }
    let _ = writeln!(out, "  User sees:  {}", info.user_message);
    let _ = writeln!(out, "  Likely causes:");
    for cause in info.causes {
        let _ = writeln!(out, "    - {cause}");
    }
    let _ = writeln!(out, "  Fix:        {}", info.remediation);
    let _ = writeln!(out, "  Source:     {}", info.source);
    let _ = writeln!(out, "  Details:    docs/errors/{}.md", info.code);
    out
}

fn list(format: Format) -> String {
    if format == Format::Json {
        let all: Vec<FailureInfo> = JoinFailure::ALL.iter().map(|f| f.info()).collect();
        return serde_json::to_string_pretty(&all).expect("serializable") + "\n";
    }
    let mut table =
        Table::new().with_row(["CODE", "NAME", "EVENT", "KB", "MEANING"].map(|h| paint(BOLD, h)));
    for f in JoinFailure::ALL {
        let label = label(*f);
        table.row([
            label.code(),
            f.code().to_owned(),
            f.event_id()
                .map_or_else(|| "-".to_owned(), |e| e.to_string()),
            label.kb().unwrap_or_else(|| "-".to_owned()),
            f.description().to_owned(),
        ]);
    }
    table.render()
}

/// The documentation page for one failure (the generated part of `docs/errors/<code>.md`).
fn markdown_page(f: JoinFailure) -> String {
    let info = f.info();
    let mut out = String::new();
    let _ = writeln!(out, "# `{}`: {}\n", info.code, info.description);
    let _ = writeln!(out, "| | |\n|---|---|");
    if let Some(h) = info.hresult {
        let _ = writeln!(out, "| HRESULT | `{h}` (logged as `{}`) |", h.as_signed());
    }
    if let Some(s) = info.http_status {
        let _ = writeln!(out, "| HTTP status | {s} |");
    }
    if let Some(sym) = info.symbol {
        let _ = writeln!(out, "| Symbol | `{sym}` |");
    }
    if let Some(n) = info.win32_code.filter(|n| (12_000..13_000).contains(n)) {
        let _ = writeln!(out, "| WinHTTP error | {n} |");
    }
    let _ = writeln!(out, "| Log | `{}` |", info.log);
    let _ = writeln!(
        out,
        "| Event | {} |",
        info.event_id
            .map_or_else(|| "not documented".to_owned(), |e| e.to_string())
    );
    if let (Some(kb), Some(url)) = (info.kb, &info.kb_url) {
        let _ = writeln!(out, "| Article | [{kb}]({url}) |");
    }
    let _ = writeln!(out, "| User sees | {} |\n", info.user_message);
    let _ = writeln!(out, "## Meaning\n\n{}.\n", capitalize(info.description));
    let _ = writeln!(out, "## Likely causes\n");
    for cause in info.causes {
        let _ = writeln!(out, "- {cause}");
    }
    let _ = writeln!(out, "\n## Fix\n\n{}\n", info.remediation);
    let _ = writeln!(out, "## Source\n\n{}\n", info.source);
    let scenarios: Vec<wpj_testkit::Scenario> = wpj_testkit::Scenario::all()
        .into_iter()
        .filter(|s| s.expected.failure() == Some(f))
        .collect();
    if !scenarios.is_empty() {
        let _ = writeln!(
            out,
            "## Reproduce it\n\nThe testkit lab recreates it on loopback (real DNS, TLS, CRL and HTTP servers):\n"
        );
        for s in &scenarios {
            let _ = writeln!(out, "- `{}`: {}", s.name, s.description);
        }
        let _ = writeln!(
            out,
            "\n```sh\ncargo run --example lab -- serve {}\n```\n",
            scenarios[0].name
        );
    }
    // `explain` takes the HRESULT or the name (an HTTP status alone is ambiguous).
    let _ = writeln!(
        out,
        "## Explain it\n\n```sh\ncargo run --example explain -- {}\n```",
        info.hresult
            .map_or_else(|| info.code.to_owned(), |h| h.to_string())
    );
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
