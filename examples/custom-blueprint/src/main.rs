//! `custom-blueprint`: the `blueprint` command line with the built-in
//! blueprints and one of this team's own, [`queue_worker::QueueWorker`].
//! Every command works with it: `custom-blueprint list`,
//! `custom-blueprint synth queue-worker`, `explain`, `new`, `plan`, `apply`.

mod queue_worker;

use blueprint::blueprints::Catalog;

fn main() {
    let catalog = match Catalog::builtin().with(&queue_worker::QueueWorker) {
        Ok(catalog) => catalog,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(blueprint::EXIT_INTERNAL);
        }
    };
    std::process::exit(blueprint::cli::run_with(catalog));
}
