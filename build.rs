// The blueprints/ directory is embedded into the binary (defaults and handler
// code); rebuild when anything in it changes. Its built-in functions are
// zipped here once (src/assets/prebuilt.rs), and the binary links as a
// position-dependent executable on Linux (below).

#[path = "src/assets/package_format.rs"]
#[allow(dead_code)]
mod package_format;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=blueprints");
    println!("cargo:rerun-if-changed=src/assets/package_format.rs");
    println!("cargo:rerun-if-changed=src/config/aws_values.json");
    println!("cargo:rerun-if-changed=scripts/hot-functions.txt");
    link_position_dependent();
    order_hot_functions();
    static_unwinder();
    prebuild_packages();
    aws_value_tables();
}

/// `src/config/aws_values.json` as static tables (`$OUT_DIR/aws_values.rs`):
/// reading the 24 KB of JSON at run time, for the one region a project
/// names, was 3% of `synth todo`.
fn aws_value_tables() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let text =
        std::fs::read_to_string("src/config/aws_values.json").expect("reading aws_values.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("aws_values.json is JSON");
    let mut rs = String::new();
    for (key, name) in [
        ("regions", "REGIONS"),
        ("ec2_instance_types", "EC2_INSTANCE_TYPES"),
        ("dax_node_types", "DAX_NODE_TYPES"),
    ] {
        let items = json[key].as_array().expect("a list in aws_values.json");
        let _ = writeln!(rs, "pub(super) static {name}: &[&str] = &[");
        for item in items {
            let _ = writeln!(rs, "    {:?},", item.as_str().expect("a text value"));
        }
        rs.push_str("];\n");
    }
    std::fs::write(out.join("aws_values.rs"), rs).expect("writing aws_values.rs");
}

/// `blueprint` starts about half a millisecond sooner as a position-dependent
/// executable: a position-independent one makes the loader apply about
/// 46,000 relative relocations (1.1 MB of them, touching 0.5 MB of data)
/// at every start. Address-space layout randomization still applies to the
/// heap, the stack and the shared libraries. Binaries only (not tests).
fn link_position_dependent() {
    if linux_gnu_x86_64() {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

/// Whether the build targets x86-64 Linux with glibc, where the link
/// settings of this script were measured.
fn linux_gnu_x86_64() -> bool {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && var("CARGO_CFG_TARGET_ARCH") == "x86_64"
}

/// Whether this is a release build (`cargo build --release`, `cargo install`).
fn release() -> bool {
    std::env::var("PROFILE").is_ok_and(|p| p == "release")
}

/// The functions of the everyday local commands (`scripts/hot-functions.txt`,
/// written by `scripts/gen-hot-functions`) first in the binary's code, in
/// release builds: `synth todo` ran code spread over 12 MB of it and took
/// 180 page faults to map it, 23 with the list (about 0.3 ms of its 3.5).
/// Only with the toolchain's own linker (lld, the default on x86-64 Linux);
/// a project that picks another linker in its flags links as before. A name
/// the build no longer has is skipped, silently: the order is a speed, never
/// a correctness, matter.
fn order_hot_functions() {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let list = Path::new(&var("CARGO_MANIFEST_DIR")).join("scripts/hot-functions.txt");
    // A linker named in Cargo's configuration (RUSTC_LINKER), its
    // environment or the compiler's flags may not be lld.
    let own_linker = !var("CARGO_ENCODED_RUSTFLAGS").contains("link")
        && std::env::var_os("RUSTC_LINKER").is_none()
        && std::env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_none();
    if linux_gnu_x86_64() && release() && own_linker && list.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            list.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// The unwinder linked in (`libgcc_eh.a`) instead of loaded (`libgcc_s.so`),
/// in release builds: loading libgcc_s runs its constructor, which asks the
/// processor for its features with up to a dozen `cpuid` instructions, each
/// trapped by a virtual machine (8 us each on the build machine): `synth
/// todo` went from 3.30 to 3.20 ms. Rust's standard library needs the
/// unwinder only to print a backtrace (release builds abort on panic). The
/// archive is the C compiler's own (`cc -print-file-name`); without one,
/// nothing changes.
fn static_unwinder() {
    if !(linux_gnu_x86_64() && release()) {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let Ok(out) = std::process::Command::new(&cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return;
    };
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    // Without the archive, cc prints the bare name back.
    if let (true, Some(dir)) = (path.is_absolute() && path.is_file(), path.parent()) {
        println!("cargo:rustc-link-search=native={}", dir.display());
        // Before the standard library's `-lgcc_s` on the link line, so the
        // linker takes the unwinder from here and (--as-needed) does not
        // record libgcc_s as needed.
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
    }
}

/// Zips every built-in function without a `requirements.txt` into
/// `$OUT_DIR/prebuilt/`, and writes `$OUT_DIR/prebuilt_packages.rs`.
fn prebuild_packages() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let zips = out.join("prebuilt");
    std::fs::create_dir_all(&zips).expect("creating OUT_DIR/prebuilt");
    let mut dirs = Vec::new();
    for blueprint in sorted_entries(Path::new("blueprints")) {
        let functions = blueprint.join("functions");
        if functions.is_dir() {
            dirs.extend(
                sorted_entries(&functions)
                    .into_iter()
                    .filter(|d| d.is_dir()),
            );
        }
    }
    let mut table = String::from("static PREBUILT: &[Prebuilt] = &[\n");
    for (i, dir) in dirs.iter().enumerate() {
        let mut files = Vec::new();
        collect(dir, "", &mut files);
        files.retain(|(path, _)| package_format::is_packaged(path));
        files.sort();
        if files.is_empty() || files.iter().any(|(p, _)| p == "requirements.txt") {
            continue;
        }
        let zip =
            package_format::zip_entries(files.iter().map(|(p, c)| (p.as_str(), c.as_slice())))
                .expect("zipping a built-in function");
        let file = zips.join(format!("{i}.zip"));
        std::fs::write(&file, zip).expect("writing a prebuilt zip");
        let rel = dir.strip_prefix("blueprints").expect("under blueprints");
        let rel = rel.to_string_lossy().replace('\\', "/");
        let bytes: usize = files.iter().map(|(_, c)| c.len()).sum();
        let _ = writeln!(
            table,
            "    Prebuilt {{ dir: {rel:?}, files: {}, bytes: {bytes}, zip: include_bytes!({:?}) }},",
            files.len(),
            file.display().to_string()
        );
    }
    table.push_str("];\n");
    std::fs::write(out.join("prebuilt_packages.rs"), table).expect("writing prebuilt_packages.rs");
}

/// The entries of `dir`, sorted by name.
fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Every file under `dir` as (path relative to the function folder with
/// `/`, contents), as include_dir embeds them.
fn collect(dir: &Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) {
    for path in sorted_entries(dir) {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if path.is_dir() {
            collect(&path, &child, out);
        } else {
            out.push((child, std::fs::read(&path).expect("reading built-in code")));
        }
    }
}
