//! The `blueprint` binary: everything lives in the library.

/// mimalloc: synthesis allocates many small values (a 1,000-service project
/// builds millions); glibc's allocator spent a quarter of the run in malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // A panic is a bug: say so plainly, without a Rust backtrace dump, and
    // exit with EXIT_INTERNAL (70), which no plan outcome uses. The hook
    // exits itself: release builds abort on panic (Cargo.toml), so nothing
    // unwinds back here to be caught, and a panic on any thread ends the run.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error: {info} (this is a bug in blueprint; please report it)");
        std::process::exit(blueprint::EXIT_INTERNAL);
    }));
    std::process::exit(blueprint::run(std::env::args_os()));
}
