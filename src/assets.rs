//! Function code: where it comes from (built in, or the project's own
//! `functions/` directory) and its reproducible zip package.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};
use sha2::{Digest, Sha256};
use zip::ZipWriter;

use crate::config::Architecture;
use crate::error::Error;

pub mod atomic;
mod deps;
mod package_format;
mod prebuilt;

pub use atomic::write_atomic;
pub use deps::{Dependencies, Installer, CACHE_ENV, PIP_ENV};
use package_format::{entry_options, is_left_out, is_packaged, zip_entries};

/// The file that lists a function's Python dependencies.
pub const REQUIREMENTS: &str = "requirements.txt";

/// The built-in blueprints directory: defaults and handler code.
pub static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/blueprints");

/// Where a blueprint's function code is read from.
#[derive(Clone, Debug)]
pub enum CodeSource {
    /// The code built into the binary (`blueprints/<name>/functions/`).
    BuiltIn {
        /// The blueprint's name.
        blueprint: String,
    },
    /// A project's own `functions/` directory; a function missing there falls
    /// back to the built-in code.
    Project {
        /// The blueprint's name.
        blueprint: String,
        /// The project's `functions/` directory.
        functions_dir: PathBuf,
    },
    /// A custom blueprint's code, embedded in the binary that ships it
    /// ([`Blueprint::FILES`](crate::blueprints::Blueprint::FILES)):
    /// `<blueprint>/functions/<function>/` in `files`. With a project, its
    /// own `functions/` directory comes first, as for
    /// [`CodeSource::Project`].
    Embedded {
        /// The blueprint's name.
        blueprint: String,
        /// The directory tree its code is embedded from (`include_dir!`).
        files: &'static Dir<'static>,
        /// The project's `functions/` directory; `None` for the blueprint's
        /// own defaults.
        functions_dir: Option<PathBuf>,
    },
}

/// One file of a package: its path inside the zip (with `/`) and contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageFile {
    /// Its path inside the zip, with `/`.
    pub path: String,
    /// Its bytes.
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
    /// The SHA-256 of the zip, in hex.
    pub sha256: String,
    /// The zip's bytes.
    pub zip: Vec<u8>,
    /// The size of its files before zipping (Lambda's 250 MB limit counts this).
    pub unzipped_bytes: u64,
}

impl CodeSource {
    /// The blueprint's name, the project's `functions/` directory (if any)
    /// and the tree holding the blueprint's own code.
    fn parts(&self) -> (&str, Option<&Path>, &'static Dir<'static>) {
        match self {
            CodeSource::BuiltIn { blueprint } => (blueprint, None, &BUILTIN),
            CodeSource::Project {
                blueprint,
                functions_dir,
            } => (blueprint, Some(functions_dir), &BUILTIN),
            CodeSource::Embedded {
                blueprint,
                files,
                functions_dir,
            } => (blueprint, functions_dir.as_deref(), files),
        }
    }

    /// The project's directory (the one holding `functions/`), if the code
    /// comes from a project.
    pub fn project_root(&self) -> Option<&Path> {
        self.parts().1.and_then(Path::parent)
    }

    /// The files of `function`, sorted by path.
    pub fn files(&self, function: &str) -> Result<(String, Vec<PackageFile>), Error> {
        let (blueprint, functions_dir, builtin) = self.parts();
        let project_dir = functions_dir.map(|d| d.join(function));
        let mut files = Vec::new();
        let origin;
        if let Some(dir) = project_dir.as_ref().filter(|d| d.is_dir()) {
            Walk::new(function, dir)?.collect(&mut files)?;
            origin = format!("functions/{function}");
        } else {
            let rel = format!("{blueprint}/functions/{function}");
            let dir = builtin.get_dir(&rel).ok_or_else(|| match &project_dir {
                Some(dir) => Error::User(format!(
                    "function `{function}` has no code: create the folder {} with its handler",
                    dir.display()
                )),
                None => Error::Internal(format!("built-in code for function `{rel}` is missing")),
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
        self.package_for(function, Architecture::default())
    }

    /// Packages `function` for `architecture`: its code and, when it has a
    /// `requirements.txt`, the dependencies installed for Lambda on that
    /// architecture (cached; see [`Installer`]).
    pub fn package_for(
        &self,
        function: &str,
        architecture: Architecture,
    ) -> Result<Package, Error> {
        self.package_with(function, architecture, &[])
    }

    /// Packages `function` for `architecture` with `extras`: pinned
    /// requirements its blueprint adds to whatever its folder lists (e.g. the
    /// DAX client when the function reads through DAX; see
    /// [`crate::components::dax::CLIENT_REQUIREMENTS`]). Each line is
    /// `name==version --hash=sha256:...`; together they are complete (pip
    /// installs them without their dependencies). An extra whose
    /// distribution the folder's `requirements.txt` names is left to it.
    /// Without extras this is [`CodeSource::package_for`], byte for byte.
    pub fn package_with(
        &self,
        function: &str,
        architecture: Architecture,
        extras: &[&str],
    ) -> Result<Package, Error> {
        let (origin, files) = self.files(function)?;
        package_files(function, origin, &files, architecture, extras)
    }

    /// Whether `function` has code: in the project's `functions/` directory
    /// or built in.
    pub fn has_code(&self, function: &str) -> bool {
        let (blueprint, functions_dir, builtin) = self.parts();
        functions_dir.is_some_and(|d| d.join(function).is_dir())
            || builtin
                .get_dir(format!("{blueprint}/functions/{function}"))
                .is_some()
    }

    /// Where a project keeps the code of `function` (`functions/<function>`
    /// next to its blueprint.yaml), as a path to show in messages.
    pub fn project_dir(&self, function: &str) -> String {
        match self.parts().1 {
            None => format!("functions/{function}"),
            Some(functions_dir) => functions_dir.join(function).display().to_string(),
        }
    }

    /// Packages a built-in function every blueprint may add, from
    /// `blueprints/_shared/functions/<function>` (e.g. the traffic hook of
    /// gradual deployments). Projects cannot replace it.
    pub fn shared_package(function: &str, architecture: Architecture) -> Result<Package, Error> {
        let rel = format!("_shared/functions/{function}");
        let dir = BUILTIN.get_dir(&rel).ok_or_else(|| {
            Error::Internal(format!("built-in code for function `{rel}` is missing"))
        })?;
        let mut files = Vec::new();
        collect_builtin(dir, &rel, &mut files);
        files.retain(|f| is_packaged(&f.path));
        files.sort_by(|a, b| a.path.cmp(&b.path));
        package_files(
            function,
            format!("<built-in>/{rel}"),
            &files,
            architecture,
            &[],
        )
    }

    /// Packages several functions (for `architecture`) at once. Functions
    /// whose files are identical share one package (content-addressed: zipped
    /// once, one S3 key); distinct packages without dependencies are zipped in
    /// parallel, those with a `requirements.txt` one after the other.
    pub fn package_all(
        &self,
        functions: &[&str],
        architecture: Architecture,
    ) -> Result<PackageSet, Error> {
        let mut set = PackageSet::default();
        let mut unique: Vec<(String, String, Vec<PackageFile>)> = Vec::new();
        let mut by_content: std::collections::HashMap<Vec<u8>, usize> = Default::default();
        for f in functions {
            if set.index.contains_key(*f) {
                continue;
            }
            let (origin, files) = self.files(f)?;
            let mut h = Sha256::new();
            for file in &files {
                h.update((file.path.len() as u64).to_le_bytes());
                h.update(file.path.as_bytes());
                h.update((file.contents.len() as u64).to_le_bytes());
                h.update(&file.contents);
            }
            let digest = h.finalize().to_vec();
            let i = *by_content.entry(digest).or_insert_with(|| {
                unique.push((f.to_string(), origin, files));
                unique.len() - 1
            });
            set.index.insert(f.to_string(), i);
        }
        let has_deps =
            |u: &(String, String, Vec<PackageFile>)| u.2.iter().any(|f| f.path == REQUIREMENTS);
        let plain: Vec<usize> = (0..unique.len())
            .filter(|i| !has_deps(&unique[*i]))
            .collect();
        let mut built: Vec<Option<Result<Package, Error>>> =
            (0..unique.len()).map(|_| None).collect();
        for (i, u) in unique.iter().enumerate().filter(|(_, u)| has_deps(u)) {
            built[i] = Some(package_files(&u.0, u.1.clone(), &u.2, architecture, &[]));
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(plain.len().max(1));
        let chunk = plain.len().div_ceil(threads).max(1);
        let zipped: Vec<Result<Package, Error>> = std::thread::scope(|scope| {
            let unique = &unique;
            let handles: Vec<_> = plain
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|i| {
                                let (f, origin, files) = &unique[*i];
                                build_package(f, origin.clone(), files)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![Err(Error::Internal("packaging thread panicked".into()))]
                    })
                })
                .collect()
        });
        for (i, p) in plain.into_iter().zip(zipped) {
            built[i] = Some(p);
        }
        set.packages = built
            .into_iter()
            .map(|p| p.unwrap_or_else(|| Err(Error::Internal("a package was not built".into()))))
            .collect::<Result<_, _>>()?;
        Ok(set)
    }
}

/// Packages `files`: the code alone, or with the dependencies its
/// `requirements.txt` lists and the `extras` its blueprint adds, installed
/// for `architecture`.
fn package_files(
    function: &str,
    origin: String,
    files: &[PackageFile],
    architecture: Architecture,
    extras: &[&str],
) -> Result<Package, Error> {
    let requirements = files.iter().find(|f| f.path == REQUIREMENTS);
    if requirements.is_none() && extras.is_empty() {
        return build_package(function, origin, files);
    }
    let listed = requirements.map_or(&[][..], |r| r.contents.as_slice());
    let deps = Installer::from_env()?.dependencies(function, listed, extras, architecture)?;
    build_package_with(function, origin, files, &deps)
}

/// Packages built by [`CodeSource::package_all`]: each distinct package
/// once, and which one each function uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageSet {
    /// The distinct packages, in the order their first function was given.
    pub packages: Vec<Package>,
    index: std::collections::HashMap<String, usize>,
}

impl PackageSet {
    /// The package `function` uses.
    pub fn get(&self, function: &str) -> Option<&Package> {
        self.index.get(function).map(|i| &self.packages[*i])
    }
}

/// Zips `files` into the package of `function`; files identical to a
/// built-in function's take the zip built for it at build time (the same
/// bytes, without deflating again).
fn build_package(function: &str, origin: String, files: &[PackageFile]) -> Result<Package, Error> {
    let zip = match prebuilt::zip_of(files) {
        Some(zip) => zip.to_vec(),
        None => zip_files(files)?,
    };
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

/// Zips `files` (sorted) and the entries of `deps` (copied as they are) in
/// one sorted sequence: the same code and dependencies give the same bytes.
pub fn build_package_with(
    function: &str,
    origin: String,
    files: &[PackageFile],
    deps: &Dependencies,
) -> Result<Package, Error> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = entry_options();
    let fail = |e: &dyn std::fmt::Display| Error::Internal(format!("zipping function code: {e}"));
    let mut code = files.iter().peekable();
    // Code files go in before the first dependency that sorts after them.
    deps.copy_into(&mut zip, |dep, zip| {
        while let Some(f) = code.next_if(|f| f.path.as_str() <= dep) {
            if f.path == dep {
                return Err(Error::User(format!(
                    "function `{function}`: `{dep}` is both in its code ({origin}) and in its installed dependencies; rename the file"
                )));
            }
            zip.start_file(f.path.as_str(), options)
                .map_err(|e| fail(&e))?;
            zip.write_all(&f.contents).map_err(|e| fail(&e))?;
        }
        Ok(())
    })?;
    for f in code {
        zip.start_file(f.path.as_str(), options)
            .map_err(|e| fail(&e))?;
        zip.write_all(&f.contents).map_err(|e| fail(&e))?;
    }
    let zip = zip.finish().map_err(|e| fail(&e))?.into_inner();
    let sha256 = hex(&Sha256::digest(&zip));
    Ok(Package {
        function: function.to_string(),
        origin,
        key: format!("{sha256}.zip"),
        sha256,
        unzipped_bytes: files.iter().map(|f| f.contents.len() as u64).sum::<u64>()
            + deps.unzipped_bytes,
        zip,
    })
}

fn collect_builtin(dir: &'static Dir<'static>, root: &str, out: &mut Vec<PackageFile>) {
    let mut entries = Vec::new();
    builtin_entries(dir, root, &mut entries);
    out.extend(entries.into_iter().map(|(path, contents)| PackageFile {
        path,
        contents: contents.to_vec(),
    }));
}

/// Every file under the built-in `dir` (named relative to `root`, with `/`)
/// and its embedded contents, in the order include_dir holds them.
fn builtin_entries(dir: &'static Dir<'static>, root: &str, out: &mut Vec<(String, &'static [u8])>) {
    for f in dir.files() {
        let rel = f
            .path()
            .to_string_lossy()
            .replace('\\', "/")
            .trim_start_matches(root)
            .trim_start_matches('/')
            .to_string();
        out.push((rel, f.contents()));
    }
    for d in dir.dirs() {
        builtin_entries(d, root, out);
    }
}

/// A walk over a function's folder on disk. Symbolic links are followed
/// when what they point to is inside the project folder (or the function's
/// own folder): the package holds the target's content under the link's
/// name. Any other link (pointing outside, dangling, or a loop) is refused.
struct Walk<'a> {
    function: &'a str,
    /// The function's folder as the user names it (for messages).
    root: &'a Path,
    /// The project folder, resolved.
    project: PathBuf,
    /// The function's folder, resolved.
    resolved_root: PathBuf,
    /// Where links may point: the project and the function's folder, resolved.
    allowed: Vec<PathBuf>,
}

/// What a symbolic link in function code resolves to.
struct Resolved {
    /// The link's target as written.
    written: PathBuf,
    /// The target with every link resolved.
    target: PathBuf,
    is_dir: bool,
    is_file: bool,
}

/// How many links one chain may go through before it counts as a loop.
const MAX_LINK_HOPS: usize = 40;

impl<'a> Walk<'a> {
    /// A walk over `root`, the folder `functions/<function>` of a project.
    fn new(function: &'a str, root: &'a Path) -> Result<Self, Error> {
        let project_dir = root
            .parent()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let project = project_dir
            .canonicalize()
            .map_err(|e| Error::io(project_dir, e))?;
        let own = root.canonicalize().map_err(|e| Error::io(root, e))?;
        let allowed = if own.starts_with(&project) {
            vec![project.clone()]
        } else {
            vec![project.clone(), own.clone()]
        };
        Ok(Walk {
            function,
            root,
            project,
            resolved_root: own,
            allowed,
        })
    }

    /// Every file under the root (names relative to it, with `/`).
    fn collect(&self, out: &mut Vec<PackageFile>) -> Result<(), Error> {
        let mut open = vec![self.resolved_root.clone()];
        self.collect_dir(self.root, "", &mut open, out)
    }

    /// The files under `dir`, named `rel/...`; `open` holds the resolved
    /// folders being walked, innermost last (to catch a link to one of them).
    fn collect_dir(
        &self,
        dir: &Path,
        rel: &str,
        open: &mut Vec<PathBuf>,
        out: &mut Vec<PackageFile>,
    ) -> Result<(), Error> {
        let mut entries = std::fs::read_dir(dir)
            .and_then(|rd| rd.collect::<Result<Vec<_>, _>>())
            .map_err(|e| Error::io(dir, e))?;
        // In name order, so the same tree always gives the same first error.
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_left_out(&name) {
                continue;
            }
            let path = entry.path();
            let child = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
            let (is_dir, is_file, resolved) = if kind.is_symlink() {
                let r = self.resolve(&path, &child)?;
                (r.is_dir, r.is_file, Some(r))
            } else {
                (kind.is_dir(), kind.is_file(), None)
            };
            if is_dir {
                let canonical = match resolved {
                    Some(r) => {
                        if open.iter().any(|o| o.starts_with(&r.target)) {
                            return Err(self.refuse(
                                &child,
                                &r.written,
                                ", a folder that contains the link itself, so following it would never end; remove the link",
                            ));
                        }
                        r.target
                    }
                    None => open
                        .last()
                        .map(|d| d.join(&name))
                        .unwrap_or_else(|| path.clone()),
                };
                open.push(canonical);
                self.collect_dir(&path, &child, open, out)?;
                open.pop();
            } else if is_file && !name.ends_with(".pyc") {
                let contents = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                out.push(PackageFile {
                    path: child,
                    contents,
                });
            }
        }
        Ok(())
    }

    /// Follows the link at `path` (`rel` inside the function's folder) to a
    /// file or folder inside the project, or says why it cannot be followed.
    fn resolve(&self, path: &Path, rel: &str) -> Result<Resolved, Error> {
        let written = std::fs::read_link(path).map_err(|e| Error::io(path, e))?;
        let mut current = path.to_path_buf();
        let mut hops = 0;
        loop {
            match std::fs::symlink_metadata(&current) {
                Ok(m) if m.file_type().is_symlink() => {}
                Ok(_) => break,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(self.refuse(
                        rel,
                        &written,
                        ", which does not exist; fix the link or remove it",
                    ));
                }
                Err(e) => {
                    return Err(self.refuse(
                        rel,
                        &written,
                        &format!(", which cannot be followed ({e})"),
                    ))
                }
            }
            hops += 1;
            if hops > MAX_LINK_HOPS {
                return Err(self.refuse(
                    rel,
                    &written,
                    ", which leads back to itself (a loop of links); fix the link or remove it",
                ));
            }
            let next = std::fs::read_link(&current).map_err(|e| Error::io(&current, e))?;
            current = match current.parent() {
                Some(parent) if next.is_relative() => parent.join(next),
                _ => next,
            };
        }
        let target = current.canonicalize().map_err(|e| {
            self.refuse(rel, &written, &format!(", which cannot be followed ({e})"))
        })?;
        if !self.allowed.iter().any(|a| target.starts_with(a)) {
            let resolved = if target == written {
                String::new()
            } else {
                format!(" ({})", target.display())
            };
            return Err(self.refuse(
                rel,
                &written,
                &format!(
                    "{resolved}, outside the project folder {}; links in function code must stay inside the project, so copy what it points to into the project instead",
                    self.project.display()
                ),
            ));
        }
        let meta = std::fs::metadata(&target).map_err(|e| Error::io(&target, e))?;
        Ok(Resolved {
            written,
            is_dir: meta.is_dir(),
            is_file: meta.is_file(),
            target,
        })
    }

    /// "function `f`: <link> is a symbolic link to `<target>`<why>".
    fn refuse(&self, rel: &str, written: &Path, why: &str) -> Error {
        Error::User(format!(
            "function `{}`: {} is a symbolic link to `{}`{why}",
            self.function,
            self.root.join(rel).display(),
            written.display()
        ))
    }
}

/// Zips `files` (already sorted) with fixed timestamps and permissions, so the
/// same files give the same bytes on every machine.
pub fn zip_files(files: &[PackageFile]) -> Result<Vec<u8>, Error> {
    zip_entries(
        files
            .iter()
            .map(|f| (f.path.as_str(), f.contents.as_slice())),
    )
    .map_err(|e| Error::Internal(format!("zipping function code: {e}")))
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
    fn identical_code_is_packaged_once() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a", "b", "c"] {
            std::fs::create_dir_all(dir.path().join(f)).unwrap();
            let body = if f == "c" { "x = 2\n" } else { "x = 1\n" };
            std::fs::write(dir.path().join(f).join("handler.py"), body).unwrap();
        }
        let src = CodeSource::Project {
            blueprint: "todo".into(),
            functions_dir: dir.path().to_path_buf(),
        };
        let set = src
            .package_all(&["a", "b", "c", "a"], Architecture::Arm64)
            .unwrap();
        assert_eq!(set.packages.len(), 2);
        assert_eq!(set.get("a").unwrap().key, set.get("b").unwrap().key);
        assert_ne!(set.get("a").unwrap().key, set.get("c").unwrap().key);
        assert_eq!(set.get("c").unwrap(), &src.package("c").unwrap());
        assert!(src.has_code("a") && src.has_code("api") && !src.has_code("nope"));
        let err = src.package("nope").unwrap_err().to_string();
        assert!(
            err.starts_with("function `nope` has no code: create the folder"),
            "{err}"
        );
        assert!(err.ends_with("/nope with its handler"), "{err}");
    }

    /// A project folder with `functions/api/handler.py`; returns its
    /// code source and the function's folder.
    #[cfg(unix)]
    fn linked_project() -> (tempfile::TempDir, CodeSource, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("proj");
        let api = project.join("functions/api");
        std::fs::create_dir_all(&api).unwrap();
        std::fs::write(api.join("handler.py"), "x = 1\n").unwrap();
        let src = CodeSource::Project {
            blueprint: "todo".into(),
            functions_dir: project.join("functions"),
        };
        (dir, src, api)
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_the_project_are_followed_under_their_own_names() {
        use std::os::unix::fs::symlink;
        let (dir, src, api) = linked_project();
        let shared = dir.path().join("proj/shared");
        std::fs::create_dir_all(shared.join("sub")).unwrap();
        std::fs::write(shared.join("util.py"), "U = 1\n").unwrap();
        std::fs::write(shared.join("sub/deep.py"), "D = 1\n").unwrap();
        symlink("../../shared/util.py", api.join("util.py")).unwrap();
        symlink(shared.as_path(), api.join("lib")).unwrap();
        // Left out by name, so never followed (a link to anywhere is fine).
        symlink("/", api.join(".venv")).unwrap();
        let (_, files) = src.files("api").unwrap();
        let got: Vec<(&str, &[u8])> = files
            .iter()
            .map(|f| (f.path.as_str(), f.contents.as_slice()))
            .collect();
        assert_eq!(
            got,
            [
                ("handler.py", &b"x = 1\n"[..]),
                ("lib/sub/deep.py", b"D = 1\n"),
                ("lib/util.py", b"U = 1\n"),
                ("util.py", b"U = 1\n"),
            ]
        );
        // The same package as plain copies of the files.
        let linked = src.package("api").unwrap();
        std::fs::remove_file(api.join("util.py")).unwrap();
        std::fs::remove_file(api.join("lib")).unwrap();
        std::fs::write(api.join("util.py"), "U = 1\n").unwrap();
        std::fs::create_dir_all(api.join("lib/sub")).unwrap();
        std::fs::write(api.join("lib/util.py"), "U = 1\n").unwrap();
        std::fs::write(api.join("lib/sub/deep.py"), "D = 1\n").unwrap();
        assert_eq!(src.package("api").unwrap().zip, linked.zip);
    }

    #[cfg(unix)]
    #[test]
    fn links_leading_outside_dangling_or_looping_are_refused() {
        use std::os::unix::fs::symlink;
        let (dir, src, api) = linked_project();
        let secret = dir.path().join("secret.txt");
        std::fs::write(&secret, "s").unwrap();
        let err = |src: &CodeSource| src.files("api").unwrap_err().to_string();
        let shown = api.display().to_string();
        let project = dir.path().join("proj").canonicalize().unwrap();
        let outside = secret.canonicalize().unwrap();

        symlink("../../../secret.txt", api.join("s.txt")).unwrap();
        assert_eq!(
            err(&src),
            format!(
                "function `api`: {shown}/s.txt is a symbolic link to `../../../secret.txt` ({}), outside the project folder {}; links in function code must stay inside the project, so copy what it points to into the project instead",
                outside.display(),
                project.display()
            )
        );
        std::fs::remove_file(api.join("s.txt")).unwrap();

        symlink("missing.py", api.join("gone.py")).unwrap();
        assert_eq!(
            err(&src),
            format!("function `api`: {shown}/gone.py is a symbolic link to `missing.py`, which does not exist; fix the link or remove it")
        );
        std::fs::remove_file(api.join("gone.py")).unwrap();

        symlink("b.py", api.join("a.py")).unwrap();
        symlink("a.py", api.join("b.py")).unwrap();
        assert_eq!(
            err(&src),
            format!("function `api`: {shown}/a.py is a symbolic link to `b.py`, which leads back to itself (a loop of links); fix the link or remove it")
        );
        std::fs::remove_file(api.join("a.py")).unwrap();
        std::fs::remove_file(api.join("b.py")).unwrap();

        symlink("..", api.join("up")).unwrap();
        assert_eq!(
            err(&src),
            format!("function `api`: {shown}/up is a symbolic link to `..`, a folder that contains the link itself, so following it would never end; remove the link")
        );
        std::fs::remove_file(api.join("up")).unwrap();

        // A folder outside, linked from a sub-folder.
        std::fs::create_dir_all(api.join("pkg")).unwrap();
        symlink(dir.path(), api.join("pkg/all")).unwrap();
        let e = err(&src);
        assert!(
            e.starts_with(&format!(
                "function `api`: {shown}/pkg/all is a symbolic link to `{}`",
                dir.path().display()
            )) && e.contains(", outside the project folder "),
            "{e}"
        );
        std::fs::remove_file(api.join("pkg/all")).unwrap();
        assert_eq!(src.files("api").unwrap().1.len(), 1);
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
