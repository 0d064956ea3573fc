//! What the property tests ("fuzzing on stable") of every crate share: the case count, and the
//! byte-level mutations of valid samples a coverage-blind fuzzer makes.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;

/// The runtime the properties that talk to loopback servers run their cases on (a property's
/// body is synchronous; its server lives as long as the test binary).
#[must_use]
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> = std::sync::LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the property tests")
    });
    &RUNTIME
}

/// The configuration of a property: `WPJ_FUZZ_CASES` cases (256 by default; `scripts/fuzz.sh` runs
/// many more).
#[must_use]
pub fn config() -> ProptestConfig {
    let cases = std::env::var("WPJ_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig::with_cases(cases)
}

/// One byte-level change to a valid sample, as a coverage-blind fuzzer makes it.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Flips one bit of a byte.
    Flip(Index, u8),
    /// Sets a byte.
    Set(Index, u8),
    /// Inserts bytes.
    Insert(Index, Vec<u8>),
    /// Inserts one of the format's tokens.
    Token(Index, Index),
    /// Removes a run of bytes.
    Remove(Index, usize),
    /// Cuts the sample short.
    Truncate(Index),
    /// Repeats a run of bytes.
    Repeat(Index, usize, usize),
}

/// Any one [`Mutation`], the small ones more often.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        1 => (any::<Index>(), vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::Token(i, t)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Remove(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 1usize..32, 2usize..8).prop_map(|(i, n, k)| Mutation::Repeat(i, n, k)),
    ]
}

/// `sample` with `mutations` applied in order; `tokens` are the format's own words.
#[must_use]
pub fn mutate(sample: &[u8], mutations: &[Mutation], tokens: &[&[u8]]) -> Vec<u8> {
    let mut data = sample.to_vec();
    for m in mutations {
        let len = data.len();
        match m {
            Mutation::Flip(i, bit) if len > 0 => data[i.index(len)] ^= 1 << bit,
            Mutation::Set(i, b) if len > 0 => data[i.index(len)] = *b,
            Mutation::Insert(i, bytes) => {
                let at = i.index(len + 1);
                data.splice(at..at, bytes.iter().copied());
            }
            Mutation::Token(i, t) => {
                let at = i.index(len + 1);
                data.splice(at..at, tokens[t.index(tokens.len())].iter().copied());
            }
            Mutation::Remove(i, n) if len > 0 => {
                let at = i.index(len);
                data.drain(at..(at + n).min(len));
            }
            Mutation::Truncate(i) => data.truncate(i.index(len + 1)),
            Mutation::Repeat(i, n, times) if len > 0 => {
                let at = i.index(len);
                let end = (at + n).min(len);
                let piece = data[at..end].to_vec();
                for _ in 1..*times {
                    data.splice(end..end, piece.iter().copied());
                }
            }
            _ => {}
        }
    }
    data
}
