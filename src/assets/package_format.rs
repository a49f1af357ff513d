//! The bytes of a function package: which files go in, and how they are
//! zipped. Shared with `build.rs`, which zips the built-in functions once at
//! build time with this same code (see `super::prebuilt`), so it imports
//! nothing from the crate.

use std::io::{Cursor, Write};

use zip::result::ZipResult;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Whether a file belongs in a deployment package: tests, caches and hidden
/// files stay out.
pub fn is_packaged(path: &str) -> bool {
    !path.split('/').any(is_left_out) && !path.ends_with(".pyc")
}

/// Whether a file or folder of this name stays out of packages, with
/// everything inside it.
pub fn is_left_out(part: &str) -> bool {
    part.starts_with('.') || part == "__pycache__" || part == "tests" || part == "node_modules"
}

/// How every entry is stored: deflated at the best compression, with a
/// fixed timestamp and permissions, so the same files give the same bytes
/// on every machine.
pub fn entry_options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
}

/// Zips `files` (path inside the zip with `/`, contents; already sorted).
pub fn zip_entries<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> ZipResult<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = entry_options();
    for (path, contents) in files {
        zip.start_file(path, options)?;
        zip.write_all(contents)?;
    }
    Ok(zip.finish()?.into_inner())
}
