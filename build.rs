// The blueprints/ directory is embedded into the binary (defaults and handler
// code); rebuild when anything in it changes.
fn main() {
    println!("cargo:rerun-if-changed=blueprints");
}
