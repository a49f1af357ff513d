//! `blueprint graph`: Mermaid and DOT of every blueprint (snapshots), JSON
//! shape, and that every edge joins drawn nodes.

use blueprint::blueprints::ALL;
use blueprint::commands::project::{resolve, ProjectArgs};
use blueprint::graph::{compute, to_dot, to_mermaid, Graph, LAYERS};
use blueprint::render::Format;
use blueprint::synthesis::synthesize;

fn graph_of(name: &str) -> Graph {
    let args = ProjectArgs {
        blueprint: Some(name.to_string()),
        ..Default::default()
    };
    let p = resolve(&args).unwrap();
    let s = synthesize(
        p.blueprint,
        &p.source,
        &p.code,
        &args.overrides,
        Format::Yaml,
    )
    .unwrap();
    compute(&s.expansion.stacks)
}

#[test]
fn mermaid_and_dot_of_every_blueprint() {
    for b in ALL {
        let g = graph_of(b.name());
        snapshot!(format!("{}-mermaid", b.name()), to_mermaid(&g));
        snapshot!(format!("{}-dot", b.name()), to_dot(&g, b.name()));
    }
}

#[test]
fn edges_join_drawn_nodes_and_layers_are_known() {
    for b in ALL {
        let g = graph_of(b.name());
        assert!(!g.nodes.is_empty(), "{}", b.name());
        assert!(!g.edges.is_empty() || g.nodes.len() == 1, "{}", b.name());
        let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
        for e in &g.edges {
            assert!(
                ids.contains(&e.from.as_str()) && ids.contains(&e.to.as_str()),
                "{e:?}"
            );
            assert_ne!(e.from, e.to);
            assert!(!e.label.is_empty());
        }
        for n in &g.nodes {
            assert!(LAYERS.contains(&n.layer), "{n:?}");
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{}: duplicate node ids", b.name());
    }
}

#[test]
fn event_wiring_is_labelled() {
    let has = |g: &Graph, label: &str| {
        g.edges
            .iter()
            .any(|e| e.label.split(", ").any(|l| l == label))
    };
    let todo = graph_of("todo");
    assert!(has(&todo, "invokes"));
    let micro = graph_of("microservices");
    assert!(has(&micro, "subscribes") && has(&micro, "triggers"));
    let blog = graph_of("blog");
    assert!(has(&blog, "stream") && has(&blog, "notifies"));
}

#[test]
fn graph_is_deterministic() {
    for b in ALL {
        assert_eq!(graph_of(b.name()), graph_of(b.name()));
    }
}
