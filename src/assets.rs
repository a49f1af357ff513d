//! Function code: where it comes from (built in, or the project's own
//! `functions/` directory) and its reproducible zip package.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::error::Error;

/// The built-in blueprints directory: defaults and handler code.
pub static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/blueprints");

/// Where a blueprint's function code is read from.
#[derive(Clone, Debug)]
pub enum CodeSource {
    /// The code built into the binary (`blueprints/<name>/functions/`).
    BuiltIn { blueprint: String },
    /// A project's own `functions/` directory; a function missing there falls
    /// back to the built-in code.
    Project {
        blueprint: String,
        functions_dir: PathBuf,
    },
}

/// One file of a package: its path inside the zip (with `/`) and contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// A packaged function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// The function's directory name.
    pub function: String,
    /// Where the code came from, for the manifest.
    pub origin: String,
    /// The S3 key: `<sha256>.zip`.
    pub key: String,
    pub sha256: String,
    pub zip: Vec<u8>,
    pub unzipped_bytes: u64,
}

/// Whether a file belongs in a deployment package: tests, caches and hidden
/// files stay out.
fn is_packaged(path: &str) -> bool {
    !path.split('/').any(|part| {
        part.starts_with('.') || part == "__pycache__" || part == "tests" || part == "node_modules"
    }) && !path.ends_with(".pyc")
}

impl CodeSource {
    /// The files of `function`, sorted by path.
    pub fn files(&self, function: &str) -> Result<(String, Vec<PackageFile>), Error> {
        let (blueprint, project_dir) = match self {
            CodeSource::BuiltIn { blueprint } => (blueprint, None),
            CodeSource::Project {
                blueprint,
                functions_dir,
            } => (blueprint, Some(functions_dir.join(function))),
        };
        let mut files = Vec::new();
        let origin;
        if let Some(dir) = project_dir.filter(|d| d.is_dir()) {
            collect_disk(&dir, &dir, &mut files)?;
            origin = format!("functions/{function}");
        } else {
            let rel = format!("{blueprint}/functions/{function}");
            let dir = BUILTIN.get_dir(&rel).ok_or_else(|| {
                Error::Internal(format!("built-in code for function `{rel}` is missing"))
            })?;
            collect_builtin(dir, &rel, &mut files);
            origin = format!("<built-in>/{rel}");
        }
        files.retain(|f| is_packaged(&f.path));
        files.sort_by(|a, b| a.path.cmp(&b.path));
        if files.is_empty() {
            return Err(Error::User(format!(
                "function `{function}` has no files to package in {origin}"
            )));
        }
        Ok((origin, files))
    }

    /// Packages `function` into a reproducible zip.
    pub fn package(&self, function: &str) -> Result<Package, Error> {
        let (origin, files) = self.files(function)?;
        let zip = zip_files(&files)?;
        let sha256 = hex(&Sha256::digest(&zip));
        Ok(Package {
            function: function.to_string(),
            origin,
            key: format!("{sha256}.zip"),
            sha256,
            unzipped_bytes: files.iter().map(|f| f.contents.len() as u64).sum(),
            zip,
        })
    }
}

fn collect_builtin(dir: &Dir<'_>, root: &str, out: &mut Vec<PackageFile>) {
    for f in dir.files() {
        let rel = f
            .path()
            .to_string_lossy()
            .replace('\\', "/")
            .trim_start_matches(root)
            .trim_start_matches('/')
            .to_string();
        out.push(PackageFile {
            path: rel,
            contents: f.contents().to_vec(),
        });
    }
    for d in dir.dirs() {
        collect_builtin(d, root, out);
    }
}

fn collect_disk(root: &Path, dir: &Path, out: &mut Vec<PackageFile>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            collect_disk(root, &path, out)?;
        } else if kind.is_file() {
            let rel = path.strip_prefix(root).map_err(|_| {
                Error::Internal(format!("{} is outside {}", path.display(), root.display()))
            })?;
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let contents = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            out.push(PackageFile {
                path: rel,
                contents,
            });
        }
    }
    Ok(())
}

/// Zips `files` (already sorted) with fixed timestamps and permissions, so the
/// same files give the same bytes on every machine.
pub fn zip_files(files: &[PackageFile]) -> Result<Vec<u8>, Error> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let fail = |e: &dyn std::fmt::Display| Error::Internal(format!("zipping function code: {e}"));
    for f in files {
        zip.start_file(f.path.as_str(), options)
            .map_err(|e| fail(&e))?;
        zip.write_all(&f.contents).map_err(|e| fail(&e))?;
    }
    let cursor = zip.finish().map_err(|e| fail(&e))?;
    Ok(cursor.into_inner())
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, body: &str) -> PackageFile {
        PackageFile {
            path: path.into(),
            contents: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_same_files_give_the_same_bytes() {
        let files = vec![file("a.py", "print(1)\n"), file("lib/b.py", "x = 2\n")];
        let one = zip_files(&files).unwrap();
        let two = zip_files(&files).unwrap();
        assert_eq!(one, two);
        let other = zip_files(&[file("a.py", "print(2)\n")]).unwrap();
        assert_ne!(one, other);
    }

    #[test]
    fn entries_have_fixed_time_and_mode() {
        let bytes = zip_files(&[file("a.py", "x")]).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), "a.py");
        assert_eq!(entry.unix_mode(), Some(0o100644));
        let t = entry.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (1980, 1, 1, 0));
    }

    #[test]
    fn tests_and_caches_are_not_packaged() {
        assert!(is_packaged("handler.py"));
        assert!(is_packaged("lib/util.py"));
        assert!(!is_packaged("tests/test_handler.py"));
        assert!(!is_packaged("__pycache__/handler.cpython-311.pyc"));
        assert!(!is_packaged(".pytest_cache/v"));
        assert!(!is_packaged("x.pyc"));
    }

    #[test]
    fn project_code_overrides_built_in_code() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("api/tests")).unwrap();
        std::fs::write(
            dir.path().join("api/handler.py"),
            "def handler(e, c):\n    return 1\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("api/tests/test_x.py"), "").unwrap();
        let src = CodeSource::Project {
            blueprint: "todo".into(),
            functions_dir: dir.path().to_path_buf(),
        };
        let (_, files) = src.files("api").unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "handler.py");
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}
