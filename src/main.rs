//! The `blueprint` binary: everything lives in the library.

/// mimalloc: synthesis allocates many small values (a 1,000-service project
/// builds millions); glibc's allocator spent a quarter of the run in malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Small heap pages from the start (see `blueprint::heap`): a constructor,
/// run by the loader before Rust's runtime makes the first allocation, which
/// reserves mimalloc's arena and touches its first page. Called from `main`
/// instead, the first 2 MiB page was already zeroed.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static SMALL_PAGES_FIRST: extern "C" fn() = {
    extern "C" fn small_pages_first() {
        blueprint::heap::start_small();
    }
    small_pages_first
};

fn main() {
    std::process::exit(blueprint::cli::run_with(
        blueprint::blueprints::Catalog::builtin(),
    ));
}
