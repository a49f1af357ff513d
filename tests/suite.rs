//! The integration tests, one binary: each file in tests/ is a module of it
//! (Cargo.toml sets `autotests = false`, so a file left out here would not be
//! run at all; `every_test_file_is_a_module` below fails on one). Helpers
//! shared by the modules are in tests/common/.
//!
//! Run one module or test with a filter: `cargo test --test suite faults::`.

#[macro_use]
mod common;

mod api_options;
mod blog_security;
mod chat_security;
mod cli;
mod cli_cdn_blueprints;
mod cli_microservices_events_chat;
mod cli_placement;
mod conference_security;
mod custom_blueprint;
mod dax;
mod defaults;
mod deploy_fake;
mod deploy_nested;
mod environments;
mod errors;
mod extra_resources;
mod faults;
mod flow;
mod function_length;
mod generated_names;
mod graph;
mod hostile_config;
mod hostile_input;
mod hostile_values;
mod inner_loop_drift;
mod inner_loop_hotswap;
mod inner_loop_logs;
mod json_schema;
mod lambda_options;
mod layers;
mod microservices_alb_security;
mod microservices_split;
mod new_graph_cli;
mod openapi;
mod output_dir;
mod plan_file_binding;
mod plan_text;
mod resource_overrides;
mod resource_types;
mod scaffold;
mod secrets;
mod security_access_logs;
mod security_encryption;
mod security_waf;
mod snapshots;
mod template_security;
mod type_literals;
mod update_offload_publish;
mod update_offload_security;

/// Every `tests/*.rs` but this file is declared above, and nothing else is.
#[test]
fn every_test_file_is_a_module() {
    let mut files: Vec<String> = std::fs::read_dir("tests")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|name| name != "suite")
        .collect();
    files.sort();
    let mut modules: Vec<String> = include_str!("suite.rs")
        .lines()
        .filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';'))
        .filter(|name| *name != "common")
        .map(str::to_string)
        .collect();
    modules.sort();
    assert_eq!(
        files, modules,
        "tests/suite.rs must declare every file in tests/ as a module"
    );
}
