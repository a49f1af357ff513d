//! The `blueprint` binary: everything lives in the library.

fn main() {
    // A panic is a bug: say so plainly, without a Rust backtrace dump, and exit 2.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error: {info} (this is a bug in blueprint; please report it)");
    }));
    let code = std::panic::catch_unwind(|| blueprint::run(std::env::args_os()))
        .unwrap_or(blueprint::EXIT_INTERNAL);
    std::process::exit(code);
}
