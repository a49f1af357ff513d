//! Python dependencies of a function (its `requirements.txt`), installed for
//! the Lambda platform with pip (manylinux wheels only, for the function's
//! architecture and Python 3.13) and cached as a reproducible zip, so a
//! package is the function's code plus these entries, byte for byte the same
//! on every run and every machine.
//!
//! The cache lives outside the project: `$BLUEPRINT_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/blueprint`, else `~/.cache/blueprint`; each entry is
//! `deps/<sha256 of requirements.txt, extras and platform>.zip`. Once an
//! entry is there, synth neither calls pip nor needs a network.
//!
//! A blueprint may add *extra requirements* to a function whose folder does
//! not list them (the DAX client when a function reads through DAX): pinned
//! with their hashes, each a complete list (installed with `--no-deps`, so
//! nothing the Lambda runtime already ships comes along unless listed). Pure
//! Python source distributions are allowed among them (pip builds them
//! locally), so their generated install metadata, which names the build
//! tool's version, stays out: of an extra's `.dist-info` only its license
//! files are packaged. A function without extras is installed exactly as
//! before, under the same cache key.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::hex;
use crate::config::Architecture;
use crate::error::Error;

/// The Python version of the Lambda runtime the dependencies are for.
pub const PYTHON_VERSION: &str = "3.13";
/// The environment variable naming the cache directory.
pub const CACHE_ENV: &str = "BLUEPRINT_CACHE_DIR";
/// The environment variable naming the pip to run (default: `pip3`, `pip`).
pub const PIP_ENV: &str = "BLUEPRINT_PIP";
/// Bumped whenever the cached layout changes, so old entries are not reused.
const CACHE_FORMAT: &str = "blueprint-deps-1";

/// The pip platform tags of an architecture: manylinux2014 (glibc 2.17)
/// and manylinux_2_28, both of which the Lambda Python 3.13 runtime (Amazon
/// Linux 2023, glibc 2.34) runs.
pub fn platforms(arch: Architecture) -> [&'static str; 2] {
    match arch {
        Architecture::Arm64 => ["manylinux2014_aarch64", "manylinux_2_28_aarch64"],
        Architecture::X86_64 => ["manylinux2014_x86_64", "manylinux_2_28_x86_64"],
    }
}

/// How dependencies are installed and where they are cached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installer {
    /// The cache directory (entries go in `deps/`).
    pub cache_dir: PathBuf,
    /// The pip commands to try, in order (the first that can be started is used).
    pub pip: Vec<String>,
}

impl Installer {
    /// From the environment: [`CACHE_ENV`], `XDG_CACHE_HOME`, `HOME`; [`PIP_ENV`].
    pub fn from_env() -> Result<Self, Error> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let cache_dir = var(CACHE_ENV)
            .map(PathBuf::from)
            .or_else(|| var("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("blueprint")))
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache").join("blueprint")))
            .ok_or_else(|| {
                Error::User(format!(
                    "no cache directory for function dependencies: set {CACHE_ENV} (or HOME)"
                ))
            })?;
        let pip = match std::env::var(PIP_ENV) {
            Ok(p) if !p.is_empty() => vec![p],
            _ => vec!["pip3".to_string(), "pip".to_string()],
        };
        Ok(Installer { cache_dir, pip })
    }

    /// The dependencies of `function` for `arch` (its `requirements.txt`,
    /// possibly empty, and the `extras` its blueprint adds), from the cache
    /// or freshly installed (and then cached).
    pub fn dependencies(
        &self,
        function: &str,
        requirements: &[u8],
        extras: &[&str],
        arch: Architecture,
    ) -> Result<Dependencies, Error> {
        let extras = extras_to_install(requirements, extras);
        let key = cache_key(requirements, &extras, arch);
        let path = self.cache_dir.join("deps").join(format!("{key}.zip"));
        let zip = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let bytes = self.install(function, requirements, &extras, arch, &key)?;
                // The cache folder may not exist yet.
                let dir = path.parent().unwrap_or(Path::new("."));
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                super::write_atomic(&path, &bytes)?;
                bytes
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        Dependencies::read(zip, &path)
    }

    /// Runs pip into a scratch directory and zips what it installed.
    fn install(
        &self,
        function: &str,
        requirements: &[u8],
        extras: &[&str],
        arch: Architecture,
        key: &str,
    ) -> Result<Vec<u8>, Error> {
        let work = self
            .cache_dir
            .join("deps")
            .join(format!(".install-{key}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        let target = work.join("target");
        let extras_target = work.join("extras");
        for dir in [&target, &extras_target] {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        crate::output::progress(&format!(
            "installing the dependencies of function `{function}` with pip ({}; once: later runs read them from {})",
            arch.as_str(),
            self.cache_dir.join("deps").display()
        ));
        // Without extras pip runs as it always has; with them, only when the
        // function's own requirements.txt lists something.
        let listed = extras.is_empty() || !requirement_lines(requirements).is_empty();
        let result = (if listed {
            self.run_pip(function, requirements, Pip::Listed, arch, &work, &target)
        } else {
            Ok(())
        })
        .and_then(|()| {
            if extras.is_empty() {
                return Ok(());
            }
            let text: String = extras.iter().map(|e| format!("{e}\n")).collect();
            self.run_pip(
                function,
                text.as_bytes(),
                Pip::Extras,
                arch,
                &work,
                &extras_target,
            )
        });
        let zipped = result.and_then(|()| {
            let mut files = Vec::new();
            collect(&target, &target, &mut files)?;
            let mut extra_files = Vec::new();
            collect(&extras_target, &extras_target, &mut extra_files)?;
            extra_files.retain(|f| is_kept_extra(&f.path));
            for f in extra_files {
                if files.iter().any(|g| g.path == f.path) {
                    return Err(Error::User(format!(
                        "function `{function}`: `{}` is installed both by its requirements.txt and by what its blueprint adds ({}); drop that requirement from requirements.txt",
                        f.path,
                        extras.join(", ")
                    )));
                }
                files.push(f);
            }
            zip_installed(files)
        });
        let _ = std::fs::remove_dir_all(&work);
        zipped
    }

    fn run_pip(
        &self,
        function: &str,
        requirements: &[u8],
        kind: Pip,
        arch: Architecture,
        work: &Path,
        target: &Path,
    ) -> Result<(), Error> {
        let req_file = work.join(match kind {
            Pip::Listed => "requirements.txt",
            Pip::Extras => "extras.txt",
        });
        std::fs::write(&req_file, requirements).map_err(|e| Error::io(&req_file, e))?;
        let wanted = requirement_lines(requirements);
        let wanted = if wanted.is_empty() {
            "its requirements".to_string()
        } else {
            wanted
        };
        let [p1, p2] = platforms(arch);
        // The listed requirements come as wheels with their dependencies;
        // extras are complete pinned lists checked against their hashes, and
        // may be pure Python source distributions (pip allows building those
        // for another platform only with --no-deps).
        let mode: &[&str] = match kind {
            Pip::Listed => &["--only-binary=:all:"],
            Pip::Extras => &["--no-deps", "--require-hashes"],
        };
        for pip in &self.pip {
            let output = Command::new(pip)
                .args(["install", "--disable-pip-version-check", "--no-input"])
                .args(["--no-compile", "--quiet"])
                .args(mode)
                .args(["--platform", p1, "--platform", p2])
                .args(["--python-version", PYTHON_VERSION, "--implementation", "cp"])
                .arg("--target")
                .arg(target)
                .arg("-r")
                .arg(&req_file)
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .output();
            let output = match output {
                Ok(o) => o,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(Error::User(format!(
                        "function `{function}`: could not run `{pip}` to install {wanted}: {e}"
                    )))
                }
            };
            if output.status.success() {
                return Ok(());
            }
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(pip_failure(function, &wanted, arch, &stderr));
        }
        let whose = match kind {
            Pip::Listed => "its requirements.txt",
            Pip::Extras => "added by its blueprint",
        };
        Err(Error::User(format!(
            "function `{function}` needs {wanted} ({whose}), but pip was not found (tried {}): install pip, or set {PIP_ENV} to the pip to use; installed dependencies are then cached in {} and later runs work offline",
            self.pip.join(", "),
            self.cache_dir.join("deps").display()
        )))
    }
}

/// Which pip run: a function's own `requirements.txt`, or its blueprint's extras.
#[derive(Clone, Copy)]
enum Pip {
    Listed,
    Extras,
}

/// The cache key: what the installed files depend on. Without extras it is
/// the key entries had before extras existed, so they stay valid.
fn cache_key(requirements: &[u8], extras: &[&str], arch: Architecture) -> String {
    let mut h = Sha256::new();
    h.update(CACHE_FORMAT.as_bytes());
    h.update(b"\n");
    h.update(platforms(arch).join(",").as_bytes());
    h.update(b"\ncp");
    h.update(PYTHON_VERSION.as_bytes());
    h.update(b"\n");
    h.update(requirements);
    if !extras.is_empty() {
        h.update(b"\0extras-1\n");
        for e in extras {
            h.update(e.as_bytes());
            h.update(b"\n");
        }
    }
    hex(&h.finalize())
}

/// A distribution's name as pip compares them (PEP 503): lowercase, runs of
/// `-`, `_` and `.` as one `-`.
fn distribution_name(requirement: &str) -> String {
    let name: String = requirement
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The extras still to install: those whose distribution the function's
/// own `requirements.txt` does not name (the user's pin wins), sorted.
fn extras_to_install<'a>(requirements: &[u8], extras: &[&'a str]) -> Vec<&'a str> {
    let text = String::from_utf8_lossy(requirements);
    let listed: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .map(distribution_name)
        .collect();
    let mut out: Vec<&str> = extras
        .iter()
        .copied()
        .filter(|e| !listed.contains(&distribution_name(e)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `a, b` from the requirement lines (comments, options and hashes left
/// out), for messages; empty when there is none.
fn requirement_lines(requirements: &[u8]) -> String {
    let text = String::from_utf8_lossy(requirements);
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .map(|l| format!("`{}`", l.split(" --").next().unwrap_or(l).trim()))
        .collect();
    lines.join(", ")
}

/// A clear error from pip's output: which requirement had no usable wheel.
fn pip_failure(function: &str, wanted: &str, arch: Architecture, stderr: &str) -> Error {
    let platform = format!(
        "Lambda (Python {PYTHON_VERSION}, Linux {}, manylinux wheels only)",
        arch.as_str()
    );
    let missing = stderr.lines().find_map(|l| {
        [
            "No matching distribution found for ",
            "satisfies the requirement ",
        ]
        .iter()
        .find_map(|marker| l.split_once(marker).map(|(_, rest)| rest))
        .map(|rest| rest.split(" (").next().unwrap_or(rest).trim().to_string())
    });
    let tail: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let said = if tail.is_empty() {
        String::new()
    } else {
        format!("\n  pip said: {}", tail.join("\n            "))
    };
    match missing {
        Some(req) => Error::User(format!(
            "function `{function}`: requirement `{req}` has no wheel for {platform}; pin a version that publishes manylinux wheels for {}, or drop it from requirements.txt{said}",
            arch.as_str()
        )),
        None => Error::User(format!(
            "function `{function}`: pip could not install {wanted} for {platform}{said}"
        )),
    }
}

/// Whether an installed file belongs in the package: no byte code, no
/// console scripts (their shebangs name this machine's Python), and none of
/// the install records that differ from one install to the next.
fn is_kept(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.first() == Some(&"bin") || path.ends_with(".pyc") || parts.contains(&"__pycache__") {
        return false;
    }
    let in_dist_info = parts.len() == 2 && parts[0].ends_with(".dist-info");
    !(in_dist_info
        && matches!(
            parts[1],
            "RECORD" | "INSTALLER" | "REQUESTED" | "direct_url.json"
        ))
}

/// Whether a file installed as an extra belongs in the package: as
/// [`is_kept`], and of its `.dist-info` only the license files (the rest is
/// generated, for a source distribution by whichever build tool version pip
/// fetched, and nothing at run time reads it).
fn is_kept_extra(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    if !parts[0].ends_with(".dist-info") {
        return is_kept(path);
    }
    let name = parts[1..].join("/").to_ascii_uppercase();
    parts.len() > 2 && parts[1] == "licenses"
        || ["LICENSE", "LICENCE", "NOTICE", "COPYING", "AUTHORS"]
            .iter()
            .any(|l| name.starts_with(l))
}

/// One installed file.
struct Installed {
    path: String,
    contents: Vec<u8>,
    executable: bool,
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<Installed>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            collect(root, &path, out)?;
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .map_err(|_| {
                Error::Internal(format!("{} is outside {}", path.display(), root.display()))
            })?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if !is_kept(&rel) {
            continue;
        }
        let contents = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        out.push(Installed {
            path: rel,
            contents,
            executable: is_executable(&meta),
        });
    }
    Ok(())
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

/// Zips the installed files: sorted, fixed timestamps, modes 0644 or 0755.
fn zip_installed(mut files: Vec<Installed>) -> Result<Vec<u8>, Error> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let fail = |e: &dyn std::fmt::Display| Error::Internal(format!("zipping dependencies: {e}"));
    for f in &files {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(9))
            .last_modified_time(DateTime::default())
            .large_file(f.contents.len() as u64 >= u64::from(u32::MAX))
            .unix_permissions(if f.executable { 0o755 } else { 0o644 });
        zip.start_file(f.path.as_str(), options)
            .map_err(|e| fail(&e))?;
        std::io::Write::write_all(&mut zip, &f.contents).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

/// Installed dependencies: a zip whose entries are copied as they are (no
/// recompression) into each package that needs them.
pub struct Dependencies {
    zip: Vec<u8>,
    /// Entry names, sorted, with their indexes in the zip.
    pub entries: Vec<(String, usize)>,
    /// The sum of the entries' uncompressed sizes.
    pub unzipped_bytes: u64,
}

impl Dependencies {
    fn read(zip: Vec<u8>, path: &Path) -> Result<Self, Error> {
        let corrupt = |e: &dyn std::fmt::Display| {
            Error::User(format!(
                "{}: the cached dependencies are unreadable ({e}); delete the file and synth again",
                path.display()
            ))
        };
        let mut archive = ZipArchive::new(Cursor::new(&zip)).map_err(|e| corrupt(&e))?;
        let mut entries = Vec::with_capacity(archive.len());
        let mut unzipped_bytes = 0;
        for i in 0..archive.len() {
            let f = archive.by_index_raw(i).map_err(|e| corrupt(&e))?;
            unzipped_bytes += f.size();
            let name = f.name().map_err(|e| corrupt(&e))?.to_string();
            entries.push((name, i));
        }
        entries.sort();
        Ok(Dependencies {
            zip,
            entries,
            unzipped_bytes,
        })
    }

    /// Copies the entries into `out` as they are, calling `before` with each
    /// entry's name first (so the caller can interleave its own files).
    pub fn copy_into<W: std::io::Write + std::io::Seek>(
        &self,
        out: &mut ZipWriter<W>,
        mut before: impl FnMut(&str, &mut ZipWriter<W>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let fail =
            |e: &dyn std::fmt::Display| Error::Internal(format!("copying a dependency: {e}"));
        let mut archive = ZipArchive::new(Cursor::new(&self.zip)).map_err(|e| fail(&e))?;
        for (name, index) in &self.entries {
            before(name, out)?;
            let f = archive.by_index_raw(*index).map_err(|e| fail(&e))?;
            out.raw_copy_file(f).map_err(|e| fail(&e))?;
        }
        Ok(())
    }

    /// The uncompressed contents of `name` (for tests and checks).
    pub fn read_file(&self, name: &str) -> Option<Vec<u8>> {
        let mut archive = ZipArchive::new(Cursor::new(&self.zip)).ok()?;
        let mut f = archive.by_name(name).ok()?;
        let mut out = Vec::new();
        f.read_to_end(&mut out).ok()?;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_records_byte_code_and_scripts_stay_out() {
        assert!(is_kept("PIL/Image.py"));
        assert!(is_kept("pillow.libs/libjpeg.so"));
        assert!(is_kept("pillow-12.2.0.dist-info/METADATA"));
        assert!(!is_kept("pillow-12.2.0.dist-info/RECORD"));
        assert!(!is_kept("pillow-12.2.0.dist-info/INSTALLER"));
        assert!(!is_kept("pillow-12.2.0.dist-info/REQUESTED"));
        assert!(!is_kept("x-1.dist-info/direct_url.json"));
        assert!(!is_kept("PIL/__pycache__/Image.cpython-313.pyc"));
        assert!(!is_kept("bin/some-script"));
    }

    #[test]
    fn the_key_depends_on_requirements_extras_and_platform() {
        let a = cache_key(b"Pillow==12.2.0\n", &[], Architecture::Arm64);
        assert_eq!(a, cache_key(b"Pillow==12.2.0\n", &[], Architecture::Arm64));
        assert_ne!(a, cache_key(b"Pillow==12.2.0\n", &[], Architecture::X86_64));
        assert_ne!(a, cache_key(b"Pillow==12.1.0\n", &[], Architecture::Arm64));
        assert_eq!(a.len(), 64);
        // The key entries had before extras existed (cached zips stay valid).
        assert_eq!(
            a,
            "59bf8abf571954e88c2a0bcc23274a56ec1fda84456256fdda525267e125340c"
        );
        let x = cache_key(b"Pillow==12.2.0\n", &["six==1.17.0"], Architecture::Arm64);
        assert_ne!(a, x);
        assert_ne!(
            x,
            cache_key(b"Pillow==12.2.0\n", &["six==1.16.0"], Architecture::Arm64)
        );
        assert_ne!(
            cache_key(b"", &["six==1.17.0"], Architecture::Arm64),
            cache_key(b"six==1.17.0\n", &[], Architecture::Arm64)
        );
    }

    #[test]
    fn extras_named_in_requirements_txt_are_left_to_it() {
        let extras = [
            "six==1.17.0 --hash=sha256:aa",
            "amazon-dax-client==2.1.0 --hash=sha256:bb",
        ];
        assert_eq!(
            extras_to_install(b"", &extras),
            [
                "amazon-dax-client==2.1.0 --hash=sha256:bb",
                "six==1.17.0 --hash=sha256:aa"
            ]
        );
        assert_eq!(
            extras_to_install(b"# mine\nAmazon_Dax.Client>=2  # pinned by me\n", &extras),
            ["six==1.17.0 --hash=sha256:aa"]
        );
        assert_eq!(
            distribution_name("antlr4-python3-runtime==4.13.2"),
            "antlr4-python3-runtime"
        );
        assert_eq!(distribution_name("  Six[x]>=1"), "six");
    }

    #[test]
    fn of_an_extras_install_metadata_only_licenses_stay() {
        assert!(is_kept_extra("amazondax/Cluster.py"));
        assert!(is_kept_extra("six.py"));
        assert!(is_kept_extra(
            "amazon_dax_client-2.1.0.dist-info/licenses/LICENSE.txt"
        ));
        assert!(is_kept_extra(
            "amazon_dax_client-2.1.0.dist-info/licenses/NOTICE.txt"
        ));
        assert!(is_kept_extra("six-1.17.0.dist-info/LICENSE"));
        assert!(!is_kept_extra("amazon_dax_client-2.1.0.dist-info/WHEEL"));
        assert!(!is_kept_extra("amazon_dax_client-2.1.0.dist-info/METADATA"));
        assert!(!is_kept_extra("six-1.17.0.dist-info/top_level.txt"));
        assert!(!is_kept_extra("amazondax/__pycache__/x.cpython-313.pyc"));
        assert!(!is_kept_extra("bin/pygrun"));
    }

    #[test]
    fn pip_errors_name_the_requirement() {
        let err = pip_failure(
            "thumbnails",
            "`nope==1`",
            Architecture::Arm64,
            "ERROR: Could not find a version that satisfies the requirement nope==1 (from versions: none)\nERROR: No matching distribution found for nope==1\n",
        )
        .to_string();
        assert!(
            err.starts_with("function `thumbnails`: requirement `nope==1` has no wheel for Lambda (Python 3.13, Linux arm64"),
            "{err}"
        );
        assert_eq!(
            requirement_lines(b"# c\nPillow==12.2.0  # img\n--only-binary x\n"),
            "`Pillow==12.2.0`"
        );
    }
}
