//! Writing a file so that no reader ever sees it half-written: the bytes go
//! to a temporary file in the same directory, named uniquely for this
//! process and this call, which is then renamed over the final name. A
//! failed write (a full disk, a read-only folder, a folder where the file
//! should be) removes the temporary file and leaves the final name as it was.
//!
//! A file already there with exactly these contents is left alone (not
//! rewritten, so its modification time stays as it was).
//!
//! No fsync: everything written this way can be regenerated, and a per-file
//! fsync costs seconds for a project with a thousand services.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;

/// Numbers the temporary files of this process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The suffix of every temporary file (`.<name>.<pid>.<n>.tmp`).
pub const TEMP_SUFFIX: &str = ".tmp";

/// A temporary file, removed when dropped unless it was renamed into place.
struct Temp {
    path: PathBuf,
    kept: bool,
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes `contents` to `path` through a uniquely named temporary file in the
/// same directory and a rename, unless a file already there has exactly these
/// contents. The directory must exist.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let same = std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.is_file() && m.len() == contents.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == contents);
    if same {
        return Ok(());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pid = std::process::id();
    let mut attempts = 0;
    let (mut file, mut temp) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{pid}.{n}{TEMP_SUFFIX}"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => {
                break (
                    f,
                    Temp {
                        path: tmp,
                        kept: false,
                    },
                )
            }
            // A leftover of a killed process that had the same ID.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(e) => return Err(write_error(path, &e)),
        }
    };
    file.write_all(contents)
        .map_err(|e| write_error(path, &e))?;
    drop(file);
    std::fs::rename(&temp.path, path).map_err(|e| write_error(path, &e))?;
    temp.kept = true;
    Ok(())
}

/// Whether `name` is the name of a temporary file [`write_atomic`] makes.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMP_SUFFIX)
}

/// "could not write PATH: REASON", in plain words.
pub fn write_error(path: &Path, e: &std::io::Error) -> Error {
    Error::User(format!(
        "could not write {}: {}; the file there before (if any) is unchanged",
        path.display(),
        plain(e)
    ))
}

/// An I/O error in plain words (the operating system's text otherwise).
pub fn plain(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::StorageFull => "the disk is full".to_string(),
        K::QuotaExceeded => "the disk quota is used up".to_string(),
        K::FileTooLarge => "the file is larger than the system allows".to_string(),
        K::PermissionDenied => "permission denied".to_string(),
        K::ReadOnlyFilesystem => "the file system is read-only".to_string(),
        K::IsADirectory => "a folder of that name is in the way".to_string(),
        K::NotADirectory => "part of the path is a file, not a folder".to_string(),
        K::NotFound => "its folder does not exist".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_and_replaces_leaving_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.zip");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(names(dir.path()), ["a.zip"]);
    }

    #[test]
    #[cfg(unix)]
    fn a_file_with_the_same_contents_is_left_alone() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.zip");
        write_atomic(&path, b"one").unwrap();
        let inode = std::fs::metadata(&path).unwrap().ino();
        write_atomic(&path, b"one").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().ino(), inode);
        write_atomic(&path, b"owt").unwrap();
        assert_ne!(std::fs::metadata(&path).unwrap().ino(), inode);
        assert_eq!(std::fs::read(&path).unwrap(), b"owt");
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.zip");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"x").unwrap();
        let err = write_atomic(&path, b"one").unwrap_err().to_string();
        assert!(err.starts_with("could not write "), "{err}");
        assert!(err.contains("a.zip: "), "{err}");
        assert_eq!(names(dir.path()), ["a.zip"]);
        assert_eq!(names(&path), ["inside"]);
    }

    #[test]
    fn a_missing_folder_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/a.zip");
        let err = write_atomic(&path, b"one").unwrap_err().to_string();
        assert!(
            err.ends_with("its folder does not exist; the file there before (if any) is unchanged"),
            "{err}"
        );
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn a_rename_replaces_a_link_and_never_writes_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, b"keep").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&outside, out.join("a.zip")).unwrap();
            write_atomic(&out.join("a.zip"), b"new").unwrap();
            assert_eq!(std::fs::read(&outside).unwrap(), b"keep");
            assert!(!std::fs::symlink_metadata(out.join("a.zip"))
                .unwrap()
                .file_type()
                .is_symlink());
        }
    }

    #[test]
    fn temporary_names_are_unique_per_call() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|s| {
            for i in 0..8 {
                let path = dir.path().join("same.zip");
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomic(&path, format!("{i:0>100}").as_bytes()).unwrap();
                    }
                });
            }
        });
        assert_eq!(names(dir.path()), ["same.zip"]);
        assert_eq!(
            std::fs::read(dir.path().join("same.zip")).unwrap().len(),
            100
        );
        assert!(is_temporary(".same.zip.12.3.tmp") && !is_temporary("same.zip"));
    }
}
