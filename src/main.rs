//! The `blueprint` binary: everything lives in the library.

/// mimalloc: synthesis allocates many small values (a 1,000-service project
/// builds millions); glibc's allocator spent a quarter of the run in malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Before the first allocation touches the heap: see `heap`.
    blueprint::heap::start_small();
    std::process::exit(blueprint::cli::run_with(
        blueprint::blueprints::Catalog::builtin(),
    ));
}
