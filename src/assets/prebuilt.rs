//! The packages of the built-in functions, zipped once at build time
//! (`build.rs`, with the same [`super::package_format`] code): a function
//! whose files are exactly a built-in function's (built-in code, or a
//! project's copy of it) gets these bytes instead of being deflated again,
//! which at the best compression level was a good part of `synth todo`.
//! Functions with a `requirements.txt` are not here (their dependencies are
//! installed when they are packaged).

use super::{builtin_entries, is_packaged, PackageFile, BUILTIN};

/// One built-in function's package.
struct Prebuilt {
    /// Its folder under `blueprints/`: `todo/functions/api`.
    dir: &'static str,
    /// How many files it packages, and their bytes: a cheap first filter.
    files: usize,
    bytes: u64,
    zip: &'static [u8],
}

// `static PREBUILT: &[Prebuilt]`, written by build.rs.
include!(concat!(env!("OUT_DIR"), "/prebuilt_packages.rs"));

/// The prebuilt zip of `files` (sorted by path, as packaged), when they are
/// exactly the files of a built-in function.
pub(super) fn zip_of(files: &[PackageFile]) -> Option<&'static [u8]> {
    let bytes: u64 = files.iter().map(|f| f.contents.len() as u64).sum();
    PREBUILT
        .iter()
        .filter(|p| p.files == files.len() && p.bytes == bytes)
        .find(|p| same_files(p.dir, files))
        .map(|p| p.zip)
}

/// Whether `files` are the packaged files of the built-in folder `dir`.
fn same_files(dir: &str, files: &[PackageFile]) -> bool {
    let Some(d) = BUILTIN.get_dir(dir) else {
        return false;
    };
    let mut builtin = Vec::new();
    builtin_entries(d, dir, &mut builtin);
    builtin.retain(|(path, _)| is_packaged(path));
    builtin.sort_by(|a, b| a.0.cmp(&b.0));
    builtin.len() == files.len()
        && builtin
            .iter()
            .zip(files)
            .all(|((path, contents), f)| *path == f.path && *contents == f.contents.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every prebuilt zip is what zipping its files at run time gives, and
    /// every built-in function without dependencies has one.
    #[test]
    fn prebuilt_packages_are_the_zips_of_their_files() {
        let mut dirs = Vec::new();
        for blueprint in BUILTIN.dirs() {
            if let Some(functions) = blueprint.get_dir(blueprint.path().join("functions")) {
                dirs.extend(functions.dirs());
            }
        }
        let mut checked = 0;
        for d in dirs {
            let rel = d.path().to_string_lossy().replace('\\', "/");
            let mut entries = Vec::new();
            builtin_entries(d, &rel, &mut entries);
            entries.retain(|(path, _)| is_packaged(path));
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            if entries.is_empty() || entries.iter().any(|(p, _)| p == super::super::REQUIREMENTS) {
                continue;
            }
            let files: Vec<PackageFile> = entries
                .into_iter()
                .map(|(path, contents)| PackageFile {
                    path,
                    contents: contents.to_vec(),
                })
                .collect();
            let prebuilt = zip_of(&files).unwrap_or_else(|| panic!("{rel} has no prebuilt zip"));
            assert_eq!(prebuilt, super::super::zip_files(&files).unwrap(), "{rel}");
            checked += 1;
        }
        assert_eq!(checked, PREBUILT.len());
        assert!(checked >= 15, "{checked}");
    }

    #[test]
    fn other_files_are_zipped_at_run_time() {
        let mut files = vec![PackageFile {
            path: "handler.py".into(),
            contents: BUILTIN
                .get_file("todo/functions/api/handler.py")
                .unwrap()
                .contents()
                .to_vec(),
        }];
        assert!(zip_of(&files).is_some());
        files[0].contents[0] ^= 1;
        assert!(zip_of(&files).is_none());
        files[0].contents[0] ^= 1;
        files[0].path = "main.py".into();
        assert!(zip_of(&files).is_none());
    }
}
