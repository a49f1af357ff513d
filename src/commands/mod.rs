//! One module per verb. Each takes a typed request and a [`Printer`].

pub mod explain;
pub mod list;
pub mod project;
pub mod synth;
