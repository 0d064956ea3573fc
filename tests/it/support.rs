//! Helpers shared by the test modules.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs an example binary with arguments, building it first if `cargo test` did not.
pub(crate) fn run_example(name: &str, args: &[&str]) -> Output {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/it-<hash> → target/<profile>/examples/<name>
    let bin: PathBuf = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("examples").join(name))
        .expect("target layout");
    if !bin.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build");
        assert!(status.success(), "building example {name} failed");
    }
    Command::new(&bin)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", bin.display()))
}
