//! Drawing a [`Graph`]: Mermaid or Graphviz DOT, a subgraph per layer, in
//! node and edge order (the same graph gives the same bytes).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Graph, Node, LAYERS};

/// Which output format `graph` renders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Mermaid `flowchart LR` (renders in GitHub Markdown).
    #[default]
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

fn layer_title(layer: &str) -> &'static str {
    match layer {
        "edge" => "Edge",
        "api" => "API",
        "compute" => "Compute",
        "data" => "Data",
        "messaging" => "Messaging",
        "identity" => "Identity",
        "network" => "Network",
        _ => "Other",
    }
}

fn short_type(kind: &str) -> &str {
    kind.strip_prefix("AWS::").unwrap_or(kind)
}

/// A node id Mermaid accepts (its keywords get a `_` suffix).
fn mermaid_id(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "end" | "graph" | "subgraph" | "flowchart" | "style" | "class" | "click" | "default"
    ) {
        format!("{id}_")
    } else {
        id.to_string()
    }
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}

fn by_layer(g: &Graph) -> BTreeMap<usize, Vec<&Node>> {
    let mut m: BTreeMap<usize, Vec<&Node>> = BTreeMap::new();
    for n in &g.nodes {
        let i = LAYERS
            .iter()
            .position(|l| *l == n.layer)
            .unwrap_or(LAYERS.len());
        m.entry(i).or_default().push(n);
    }
    m
}

/// Mermaid: `flowchart LR` with a subgraph per layer.
pub fn to_mermaid(g: &Graph) -> String {
    let mut s = String::from("flowchart LR\n");
    for (i, nodes) in by_layer(g) {
        let layer = LAYERS.get(i).copied().unwrap_or("other");
        let _ = writeln!(s, "  subgraph layer_{layer}[\"{}\"]", layer_title(layer));
        for n in nodes {
            let _ = writeln!(
                s,
                "    {}[\"{}<br/><small>{}</small>\"]",
                mermaid_id(&n.id),
                mermaid_text(&n.label),
                mermaid_text(short_type(&n.kind))
            );
        }
        s.push_str("  end\n");
    }
    for e in &g.edges {
        let _ = writeln!(
            s,
            "  {} -->|\"{}\"| {}",
            mermaid_id(&e.from),
            mermaid_text(&e.label),
            mermaid_id(&e.to)
        );
    }
    s
}

fn dot_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz DOT: a `digraph` with a `cluster_` subgraph per layer.
pub fn to_dot(g: &Graph, name: &str) -> String {
    let mut s = format!("digraph \"{}\" {{\n", dot_text(name));
    s.push_str("  rankdir=LR;\n  compound=true;\n");
    s.push_str("  node [shape=box, style=\"rounded\", fontname=\"Helvetica\", fontsize=11];\n");
    s.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (i, nodes) in by_layer(g) {
        let layer = LAYERS.get(i).copied().unwrap_or("other");
        let _ = writeln!(s, "  subgraph cluster_{layer} {{");
        let _ = writeln!(s, "    label=\"{}\";", layer_title(layer));
        s.push_str("    style=\"rounded,dashed\";\n");
        for n in nodes {
            let _ = writeln!(
                s,
                "    \"{}\" [label=\"{}\\n{}\"];",
                dot_text(&n.id),
                dot_text(&n.label),
                dot_text(short_type(&n.kind))
            );
        }
        s.push_str("  }\n");
    }
    for e in &g.edges {
        let _ = writeln!(
            s,
            "  \"{}\" -> \"{}\" [label=\"{}\"];",
            dot_text(&e.from),
            dot_text(&e.to),
            dot_text(&e.label)
        );
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_keywords_are_escaped() {
        assert_eq!(mermaid_id("End"), "End_");
        assert_eq!(mermaid_id("Api"), "Api");
    }
}
