//! The process's own peak memory, for harnesses that report what a run cost.

/// The peak resident memory of this process so far, in bytes: `VmHWM` of `/proc/self/status` on
/// Linux, `None` elsewhere (or if it cannot be read).
#[must_use]
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn a_running_process_has_a_peak() {
        assert!(super::peak_memory().is_some_and(|bytes| bytes > 0));
    }
}
