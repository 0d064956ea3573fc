//! Property tests ("fuzzing on stable"): the code parser ([`CodeRef`], [`JoinFailure`]'s lookups and
//! the small value parsers) and the target parser ([`Target::parse`]) fed arbitrary text and
//! mutations of real inputs, which must give `Ok` or a typed error, never a panic.
//!
//! `WPJ_FUZZ_CASES` sets the cases per property (256 by default); `scripts/fuzz.sh` runs many more.

use std::error::Error as _;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use wpj_core::{Client, CodeRef, Hresult, JoinFailure, Kb, Mode, ParseCodeError, Target};
use wpj_testkit::fuzz::{config, mutate, mutation};

/// Every form a code is written in, for every catalogued failure: the valid samples to mutate.
fn code_samples() -> Vec<String> {
    let mut out = vec![
        "0x801c0021/0x80072ee7".to_owned(),
        "HTTP 503".to_owned(),
        "http/404".to_owned(),
        "E_FAIL".to_owned(),
        "12170".to_owned(),
        "0x2F8A".to_owned(),
        "-2147012726".to_owned(),
    ];
    for f in JoinFailure::ALL {
        out.push(f.code().to_owned());
        if let Some(symbol) = f.symbol() {
            out.push(symbol.to_owned());
        }
        if let Some(h) = f.hresult() {
            out.push(h.to_string());
            out.push(format!("{:08x}", h.0));
            out.push(h.0.to_string());
            out.push(h.as_signed().to_string());
            out.push(format!("{h}/{}", f.code()));
        }
        if let Some(status) = f.http_status() {
            out.push(format!("HTTP {status}"));
        }
        if let Some(n) = f.win32_code() {
            out.push(n.to_string());
        }
    }
    out
}

/// What admins type or paste as a target.
const TARGET_SAMPLES: &[&str] = &[
    "contoso.com",
    "Alice@Contoso.COM",
    "bücher.example",
    "user@xn--bcher-kva.example",
    "EnterpriseRegistration.contoso.com",
    "enterpriseregistration.contoso.com.",
    "https://EnterpriseRegistration.contoso.com/EnrollmentServer/contract?api-version=1.0",
    "https://enterpriseregistration.windows.net/contoso.com/discover?api-version=1.7",
    "http://user:pw@contoso.com:8080/path#frag",
    "https://[::1]:443/",
    "sts.contoso.com",
];

/// Tokens that mean something to these parsers, inserted by [`Mutation::Token`].
const TOKENS: &[&[u8]] = &[
    b"0x",
    b"/",
    b"@",
    b".",
    b"..",
    b"-",
    b"://",
    b"https://",
    b"http",
    b"HTTP ",
    b"[",
    b"]",
    b":",
    b"%",
    b"xn--",
    b"enterpriseregistration.",
    b"4294967296",
    b"-2147483649",
    b"ERROR_WINHTTP_",
    b"\xc3\xbc",
    b"\xe2\x80\x8b",
    b" ",
    b"\t",
    b"?",
    b"#",
];

/// A mutated sample, as text (invalid UTF-8 replaced, as a caller holding bytes would).
fn mutated_text(samples: Vec<String>) -> impl Strategy<Value = String> {
    (any::<Index>(), vec(mutation(), 1..6)).prop_map(move |(i, m)| {
        let sample = &samples[i.index(samples.len())];
        String::from_utf8_lossy(&mutate(sample.as_bytes(), &m, TOKENS)).into_owned()
    })
}

/// Text shaped like codes: hex, digits, names and separators, more often near valid forms than
/// `any::<String>()` is.
fn code_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ \t]{0,2}(0[xX])?[0-9a-fA-F]{0,10}(/[ ]?(0x)?[0-9a-f]{0,9})?",
        "-?[0-9]{1,12}",
        "(HTTP|http)[ /:-]{0,3}[0-9]{0,6}",
        "[A-Za-z_]{1,40}(/[A-Za-z_0-9-]{0,40})?",
    ]
}

/// Everything a failure says about itself, computed (a lookup result must be usable).
fn describe(f: JoinFailure) {
    let info = f.info();
    assert!(!info.code.is_empty());
    assert!(!f.description().is_empty());
    let _ = (f.hresult(), f.event(), f.kb(), f.log(), f.message_stage());
    let _ = (f.remediation(), f.causes(), f.source(), f.user_message());
    assert_eq!(JoinFailure::from_code(f.code()), Some(f));
}

fn check_code(input: &str) {
    match input.parse::<CodeRef>() {
        Ok(code) => {
            describe(code.outer);
            if let Some(inner) = code.inner {
                describe(inner);
            }
            // What a code prints reads back as the same code.
            let shown = code.to_string();
            assert_eq!(shown.parse::<CodeRef>().as_ref(), Ok(&code), "{shown}");
            assert_eq!(input.parse::<JoinFailure>(), Ok(code.root_cause()));
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            let _ = e.is_unknown();
            let mut source = e.source();
            while let Some(s) = source {
                assert!(!s.to_string().is_empty());
                source = s.source();
            }
            if input.trim().is_empty() {
                assert_eq!(e, ParseCodeError::Empty);
            }
        }
    }
}

fn check_target(input: &str) {
    match Target::parse(input) {
        Ok(t) => {
            let suffix = t.suffix();
            assert!(!suffix.is_empty(), "{input:?}");
            assert!(suffix.is_ascii(), "{input:?} → {suffix:?}");
            assert!(
                !suffix.bytes().any(|b| b.is_ascii_uppercase()),
                "{suffix:?}"
            );
            assert!(!suffix.ends_with('.'), "{input:?} → {suffix:?}");
            assert!(t.registration_name().ends_with(suffix));
            let _ = (t.note(), t.input(), t.to_string());
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn code_parser_takes_any_text(input in code_like()) {
        check_code(&input);
    }

    #[test]
    fn code_parser_takes_mutated_codes(input in mutated_text(code_samples())) {
        check_code(&input);
    }

    #[test]
    fn failure_lookups_take_any_number(n in any::<u32>(), status in any::<u16>()) {
        if let Ok(f) = JoinFailure::try_from(n) {
            describe(f);
            prop_assert_eq!(f.hresult(), Some(Hresult(n)));
        }
        if let Some(f) = JoinFailure::from_hresult(Hresult(n)) {
            describe(f);
        }
        if let Some(f) = JoinFailure::from_hresult(Hresult::from_win32(n)) {
            describe(f);
        }
        if let Some(f) = JoinFailure::from_http_status(status) {
            describe(f);
            prop_assert!((400..600).contains(&status));
        }
        let _ = Hresult(n).to_string();
        let _ = (Hresult(n).as_signed(), Hresult(n).win32_code());
    }

    #[test]
    fn name_lookups_and_value_parsers_take_any_text(input in prop_oneof![code_like(), mutated_text(code_samples())]) {
        for f in [JoinFailure::from_code(&input), JoinFailure::from_symbol(&input)].into_iter().flatten() {
            describe(f);
        }
        if let Ok(h) = Hresult::try_from(input.clone()) {
            prop_assert_eq!(Hresult::try_from(h.to_string()), Ok(h));
        }
        if let Ok(kb) = Kb::try_from(input.clone()) {
            let _ = kb.url();
        }
        let _ = input.parse::<Mode>();
        let _ = input.parse::<Client>();
    }

    #[test]
    fn target_parser_takes_any_text(input in prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9.@:/_%\\[\\]-]{0,80}",
        "(https?://)?([a-z0-9-]{0,12}\\.){0,5}[a-z]{0,6}(:[0-9]{0,6})?(/[a-z0-9.]{0,12}){0,3}",
    ]) {
        check_target(&input);
    }

    #[test]
    fn target_parser_takes_mutated_targets(input in mutated_text(TARGET_SAMPLES.iter().map(|s| (*s).to_owned()).collect())) {
        check_target(&input);
    }
}
