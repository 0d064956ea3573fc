//! What a path names is checked before anything is read: a FIFO with no writer, `/dev/zero`, a
//! file over the cap and a directory are each a typed error, at once.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use wpj_eventlog::{MAX_INPUT, ReadError, read_file};

/// A fresh directory of this test's own under the target's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("eventlog-files-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Reads `path` on another thread, so that a read that blocks fails the test instead of hanging it.
fn read_quickly(path: PathBuf) -> Result<wpj_eventlog::Logs, ReadError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(read_file(path));
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("read_file answered within 10 s")
}

#[test]
#[cfg(unix)]
fn a_fifo_with_no_writer_is_refused_without_waiting() {
    let dir = scratch("fifo");
    let fifo = dir.join("wpj.xml");
    match Command::new("mkfifo").arg(&fifo).status() {
        Ok(status) => assert!(status.success(), "mkfifo failed"),
        Err(e) => {
            eprintln!("skipped: mkfifo is not available ({e})");
            return;
        }
    }
    let started = Instant::now();
    let err = read_quickly(fifo).unwrap_err();
    assert_eq!(
        err,
        ReadError::NotAFile {
            kind: "a FIFO (named pipe)"
        }
    );
    assert!(err.to_string().contains("FIFO"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
#[cfg(unix)]
fn dev_zero_is_a_device_not_an_endless_read() {
    let zero = PathBuf::from("/dev/zero");
    if !zero.exists() {
        eprintln!("skipped: no /dev/zero");
        return;
    }
    let err = read_quickly(zero).unwrap_err();
    assert_eq!(
        err,
        ReadError::NotAFile {
            kind: "a character device"
        }
    );
    assert_eq!(
        err.to_string(),
        "a character device, not a file: only a file can be read"
    );
}

#[test]
fn a_file_over_the_cap_is_refused_by_its_size_before_it_is_read() {
    let dir = scratch("large");
    let path = dir.join("huge.evtx");
    let file = std::fs::File::create(&path).expect("create");
    // Sparse: it costs no disk, and reading it would cost the whole cap.
    let size = u64::try_from(MAX_INPUT).unwrap() * 4;
    file.set_len(size).expect("set_len");
    drop(file);
    let started = Instant::now();
    let err = read_quickly(path).unwrap_err();
    assert_eq!(
        err,
        ReadError::TooLarge {
            size: usize::try_from(size).unwrap()
        }
    );
    assert!(err.to_string().contains("more than the"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused by its size, not read"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_directory_is_refused_as_one() {
    let dir = scratch("dir");
    let err = read_quickly(dir.clone()).unwrap_err();
    assert_eq!(
        err,
        ReadError::NotAFile {
            kind: "a directory"
        }
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_missing_file_is_an_io_error_and_a_small_one_is_read() {
    let dir = scratch("small");
    assert!(matches!(
        read_quickly(dir.join("missing.xml")),
        Err(ReadError::Io(_))
    ));
    let path = dir.join("dsregcmd.txt");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/dsregcmd-status.txt"
        ),
        &path,
    )
    .expect("copy");
    let logs = read_quickly(path.clone()).expect("a small file is read");
    assert_eq!(logs.origin, Some(path.display().to_string()));
    let empty = dir.join("empty.xml");
    std::fs::write(&empty, b"").expect("write");
    assert_eq!(read_quickly(empty), Err(ReadError::Empty));
    let _ = std::fs::remove_dir_all(dir);
}
