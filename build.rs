// The blueprints/ directory is embedded into the binary (defaults and handler
// code); rebuild when anything in it changes. The binary links as a
// position-dependent executable on Linux (below).

fn main() {
    println!("cargo:rerun-if-changed=blueprints");
    link_position_dependent();
}

/// `blueprint` starts in about a millisecond less as a position-dependent
/// executable: a position-independent one makes the loader apply about
/// 46,000 relative relocations (1.1 MB of them, touching 0.5 MB of data)
/// at every start. Address-space layout randomization still applies to the
/// heap, the stack and the shared libraries. Binaries only (not tests).
fn link_position_dependent() {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && var("CARGO_CFG_TARGET_ARCH") == "x86_64"
    {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
