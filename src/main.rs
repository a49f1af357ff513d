//! The `blueprint` binary: everything lives in the library.

/// mimalloc: synthesis allocates many small values (a 1,000-service project
/// builds millions); glibc's allocator spent a quarter of the run in malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // A panic is a bug: say so plainly, without a Rust backtrace dump, and
    // exit with EXIT_INTERNAL (70), which no plan outcome uses.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error: {info} (this is a bug in blueprint; please report it)");
    }));
    let code = std::panic::catch_unwind(|| blueprint::run(std::env::args_os()))
        .unwrap_or(blueprint::EXIT_INTERNAL);
    std::process::exit(code);
}
