//! One module per verb. Each takes a typed request and a [`Printer`](crate::output::Printer).

pub mod apply;
pub mod aws;
pub mod bootstrap;
pub mod completions;
pub mod destroy;
pub mod drift;
pub mod explain;
pub mod graph;
pub mod hotswap;
pub mod invoke;
pub mod list;
pub mod logs;
pub mod new;
pub mod openapi;
pub mod plan;
pub mod project;
pub mod schema;
pub mod status;
pub mod synth;
pub mod watch;
