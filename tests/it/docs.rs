//! The documentation matches the catalogue (rustc's tidy check, for error pages).

use std::collections::BTreeSet;
use std::path::Path;

use wpj::JoinFailure;

fn errors_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors"))
}

#[test]
fn every_failure_has_a_page_and_every_page_a_failure() {
    let codes: BTreeSet<String> = JoinFailure::ALL
        .iter()
        .map(|f| f.code().to_owned())
        .collect();
    let pages: BTreeSet<String> = std::fs::read_dir(errors_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(".md").map(str::to_owned))
        .collect();
    let missing: Vec<_> = codes.difference(&pages).collect();
    let orphans: Vec<_> = pages.difference(&codes).collect();
    assert!(missing.is_empty(), "failures without a page: {missing:?}");
    assert!(orphans.is_empty(), "pages without a failure: {orphans:?}");
}

#[test]
fn every_page_states_the_catalogue_facts() {
    for f in JoinFailure::ALL {
        let page = std::fs::read_to_string(errors_dir().join(format!("{}.md", f.code()))).unwrap();
        assert!(
            page.starts_with(&format!("# `{}`", f.code())),
            "{}",
            f.code()
        );
        if let Some(h) = f.hresult() {
            assert!(page.contains(&format!("`{h}`")), "{}: HRESULT", f.code());
        }
        if let Some(kb) = f.kb() {
            assert!(page.contains(&kb.to_string()), "{}: KB", f.code());
        }
        if let Some(id) = f.event_id() {
            assert!(
                page.contains(&format!("| Event | {id} |")),
                "{}: event",
                f.code()
            );
        }
        assert!(page.contains(f.remediation()), "{}: fix", f.code());
        assert!(
            page.contains(&format!("## Source\n\n{}\n", f.source())),
            "{}: source",
            f.code()
        );
    }
}

#[test]
fn codes_and_hresults_are_unique() {
    let mut codes = BTreeSet::new();
    let mut hresults = BTreeSet::new();
    for f in JoinFailure::ALL {
        assert!(codes.insert(f.code()), "duplicate code {}", f.code());
        if let Some(h) = f.hresult() {
            assert!(hresults.insert(h), "duplicate HRESULT {h}");
        }
    }
}

#[test]
fn every_scenario_is_listed_on_the_page_of_the_failure_it_produces() {
    for scenario in wpj_testkit::Scenario::all() {
        let Some(f) = scenario.expected.failure() else {
            continue;
        };
        let page = std::fs::read_to_string(errors_dir().join(format!("{}.md", f.code()))).unwrap();
        assert!(
            page.contains(&format!("- `{}`:", scenario.name)),
            "{}.md does not list scenario {}",
            f.code(),
            scenario.name
        );
    }
}

#[test]
fn pages_are_what_the_generator_writes() {
    // Regenerate with: cargo run --example explain -- --markdown <code> > docs/errors/<code>.md
    for f in JoinFailure::ALL {
        let out = crate::support::run_example("explain", &["--markdown", f.code()]);
        assert!(out.status.success());
        let page = std::fs::read_to_string(errors_dir().join(format!("{}.md", f.code()))).unwrap();
        assert_eq!(
            page,
            String::from_utf8(out.stdout).unwrap(),
            "docs/errors/{}.md is stale",
            f.code()
        );
    }
}
