//! Each layer imports only from the layers below it (DESIGN.md, "The pipeline
//! as layers"; issue 15). Reads every file under `src/`, finds each module it
//! names (`use crate::x`, `crate::x::` paths, `crate::{x, y}` groups, and
//! `super::` paths climbing out of the file's module) and fails, naming
//! file:line and the import, for:
//! - an import of a module in a higher layer;
//! - a component importing a blueprint;
//! - a blueprint importing another blueprint's module (blueprints share code
//!   through the layers below, not through each other).
//!
//! Comments are skipped (doc links may point anywhere). An inline module
//! (`mod tests {`) is taken to run to the end of its file, which is where
//! this crate keeps them, so its `super::` is one level deeper.

use std::fs;
use std::path::Path;

use crate::common::rust_files;

/// Every top-level module of src/lib.rs, with its layer: a higher number is a
/// higher layer, and a module may import only from its own layer or lower.
/// Modules sharing a number are one layer and may use each other.
const LAYERS: &[(&str, u32, &str)] = &[
    // src/lib.rs and src/main.rs: `run` maps the parsed command line to a
    // command.
    ("lib", 100, "entry"),
    // cli.rs holds the clap types; clap stops at the command layer, and
    // `completions` renders the clap definition itself, so cli and commands
    // are one layer.
    ("cli", 90, "commands"),
    ("commands", 90, "commands"),
    // `blueprint new`'s project generator: a command's helper, built from a
    // synthesis (its README lists the stacks and draws the graph).
    ("scaffold", 85, "scaffold"),
    // The AWS side, used by commands: plans and applies a synthesized
    // expansion (so it sits above synthesis, on the other side of it).
    ("deploy", 80, "deploy"),
    ("synthesis", 70, "synthesis"),
    ("blueprints", 60, "blueprints"),
    // A project's `overrides:` of single resources, applied to every
    // blueprint's expansion after its passes (the user's last word).
    ("resource_overrides", 55, "resource overrides"),
    // Cross-cutting options applied to every blueprint's expansion.
    ("passes", 50, "passes"),
    ("components", 40, "components"),
    // Draws an expansion's stacks (a view of it, like render of a template):
    // reads the expansion and the checks' references, builds nothing.
    ("graph", 34, "graph"),
    // What a blueprint expands into (stacks, project info, packages): the
    // type components, passes, blueprints and the graph all handle.
    ("expansion", 32, "expansion"),
    // Function code: finding, packaging, zipping (CodeSource, Package).
    ("assets", 30, "assets"),
    // check / render / split over the model. `placement` is the split's
    // memory of where each resource went (they use each other); `diff`
    // compares two templates with the checks' reference walker (used by
    // deploy and commands, "on the other side" in DESIGN.md, but it needs
    // only the model, so it sits here).
    ("check", 20, "check / render / split"),
    ("render", 20, "check / render / split"),
    ("split", 20, "check / render / split"),
    ("placement", 20, "check / render / split"),
    ("diff", 20, "check / render / split"),
    // Beside the pipeline, importable by all: config imports only the model;
    // output (the printer and `--output`) imports nothing.
    ("config", 10, "config"),
    ("output", 10, "output"),
    ("cfn", 5, "cfn (the model)"),
    // A parallel map over a slice; imports nothing from the crate.
    ("parallel", 5, "parallel"),
    // The heap's huge-page policy (main.rs, and commands for a large
    // project); imports nothing from the crate.
    ("heap", 5, "heap"),
];

/// The crate's error type: importable by every layer, and it converts from
/// every layer's error type (`From` impls), so its own imports are not
/// checked.
const BESIDE_ALL: &str = "error";

/// Imports allowed for now, each with why: (file, imported path prefix).
const KNOWN_EXCEPTIONS: &[(&str, &str, &str)] = &[];

fn layer(module: &str) -> Option<(u32, &'static str)> {
    LAYERS
        .iter()
        .find(|(m, _, _)| *m == module)
        .map(|(_, rank, name)| (*rank, *name))
}

/// The module path of a file under src/: `blueprints/chat.rs` is
/// `[blueprints, chat]`, `cfn/mod.rs` is `[cfn]`, `lib.rs` is `[lib]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs").to_string();
    if stem == "main" && parts.is_empty() {
        parts.push("lib".into());
    } else if stem != "mod" {
        parts.push(stem);
    }
    parts
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifiers of a path starting at `s` (`a::b::{c, d}` gives `[a, b]`).
fn path_idents(s: &str) -> Vec<String> {
    let mut idents = Vec::new();
    let mut rest = s;
    loop {
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        idents.push(rest[..end].to_string());
        rest = &rest[end..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    idents
}

/// The paths a line names, each as the identifiers after `crate::`, or, for
/// `super::`, resolved against `here` (the module the line is in).
fn imports(line: &str, here: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for (kw, is_super) in [("crate::", false), ("super::", true)] {
        let mut from = 0;
        while let Some(i) = line[from..].find(kw) {
            let at = from + i;
            from = at + kw.len();
            let before = line[..at].chars().next_back();
            if before.is_some_and(|c| is_ident(c) || c == '$' || c == ':') {
                continue;
            }
            // Climb: `super::super::x`.
            let mut base: Vec<String> = Vec::new();
            let mut rest = &line[from..];
            if is_super {
                let mut up = 1;
                while let Some(r) = rest.strip_prefix("super::") {
                    up += 1;
                    rest = r;
                }
                if up > here.len() {
                    continue;
                }
                base = here[..here.len() - up].to_vec();
            }
            let groups: Vec<&str> = if let Some(g) = rest.strip_prefix('{') {
                let g = &g[..g.find('}').unwrap_or(g.len())];
                g.split(',').map(str::trim).collect()
            } else {
                vec![rest]
            };
            for g in groups {
                let idents = path_idents(g);
                if idents.is_empty() || idents[0] == "self" {
                    continue;
                }
                let mut path = base.clone();
                path.extend(idents);
                found.push(path);
            }
        }
    }
    found
}

/// Which blueprint a module of src/blueprints belongs to (the microservices
/// modules are one blueprint's); `None` for an item of blueprints/mod.rs.
fn blueprint_of(src: &Path, sub: &str) -> Option<String> {
    let dir = src.join("blueprints");
    if !dir.join(format!("{sub}.rs")).exists() && !dir.join(sub).is_dir() {
        return None;
    }
    Some(
        if sub.starts_with("microservices") {
            "microservices"
        } else {
            sub
        }
        .to_string(),
    )
}

/// The imports against the layers, and which known exceptions were used.
fn violations(src: &Path) -> (Vec<String>, Vec<bool>) {
    let mut used = vec![false; KNOWN_EXCEPTIONS.len()];
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let shown = format!("src/{}", rel.to_string_lossy());
        let mut here = module_path(rel);
        let top = here[0].clone();
        if top == BESIDE_ALL {
            continue;
        }
        let (rank, name) =
            layer(&top).unwrap_or_else(|| panic!("{shown}: module `{top}` has no layer in LAYERS"));
        let text = fs::read_to_string(&file).unwrap();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim_start();
            if line.starts_with("//") {
                continue;
            }
            let code = line.split(" //").next().unwrap_or(line);
            let inline = code
                .strip_prefix("pub ")
                .unwrap_or(code)
                .strip_prefix("mod ")
                .and_then(|r| r.split_whitespace().nth(1))
                == Some("{");
            for path in imports(code, &here) {
                let target = &path[0];
                let joined = path.join("::");
                let excepted = KNOWN_EXCEPTIONS
                    .iter()
                    .position(|(f, p, _)| *f == shown && joined.starts_with(p));
                if let Some(i) = excepted {
                    used[i] = true;
                    continue;
                }
                if target == BESIDE_ALL || target == "crate" {
                    continue;
                }
                let at = format!("{shown}:{}", n + 1);
                if *target == top {
                    if top == "blueprints" && here.len() > 1 && path.len() > 1 {
                        let (a, b) = (blueprint_of(src, &here[1]), blueprint_of(src, &path[1]));
                        if let (Some(a), Some(b)) = (a, b) {
                            if a != b {
                                out.push(format!(
                                    "{at}: blueprint `{a}` imports `{joined}` from blueprint `{b}` (share through components)"
                                ));
                            }
                        }
                    }
                    continue;
                }
                let Some((to_rank, to_name)) = layer(target) else {
                    // `super::` out of the file into an item of lib.rs,
                    // or a path that is not a module.
                    continue;
                };
                if top == "components" && target == "blueprints" {
                    out.push(format!("{at}: a component imports a blueprint: `{joined}`"));
                } else if to_rank > rank {
                    out.push(format!(
                        "{at}: `{top}` ({name}) imports `{joined}` from a higher layer ({to_name})"
                    ));
                }
            }
            if inline {
                here.push("<inline>".into());
            }
        }
    }
    (out, used)
}

#[test]
fn every_module_of_lib_rs_has_a_layer() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let missing: Vec<&str> = lib
        .lines()
        .filter_map(|l| {
            l.strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))
        })
        .map(|l| l.trim_end_matches(';'))
        .filter(|m| *m != BESIDE_ALL && layer(m).is_none())
        .collect();
    assert!(missing.is_empty(), "modules without a layer: {missing:?}");
}

#[test]
fn each_layer_imports_only_from_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (found, used) = violations(&src);
    assert!(
        found.is_empty(),
        "{} import(s) against the layers (DESIGN.md):\n{}",
        found.len(),
        found.join("\n")
    );
    let stale: Vec<String> = KNOWN_EXCEPTIONS
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|((file, path, _), _)| format!("{file}: {path}"))
        .collect();
    assert!(
        stale.is_empty(),
        "known exceptions no longer needed (remove them from KNOWN_EXCEPTIONS):\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_checker_sees_what_it_should() {
    let here: Vec<String> = vec!["blueprints".into(), "chat".into()];
    assert_eq!(
        imports("use super::microservices::{a, b};", &here),
        vec![vec!["blueprints".to_string(), "microservices".into()]]
    );
    assert_eq!(
        imports(
            "x: crate::synthesis::ASSETS_BUCKET, $crate::y, super::super::graph",
            &here
        ),
        vec![
            vec!["synthesis".to_string(), "ASSETS_BUCKET".into()],
            vec!["graph".to_string()]
        ]
    );
    assert_eq!(
        imports("use crate::{cfn, blueprints::flow};", &here),
        vec![
            vec!["cfn".to_string()],
            vec!["blueprints".to_string(), "flow".into()]
        ]
    );
}
