//! No dependency cycles between resources (through references or DependsOn).

use indexmap::{IndexMap, IndexSet};

use super::references::Reference;
use super::Finding;
use crate::cfn::Template;

/// Each resource's dependencies on other resources, in a stable order, given
/// each resource's property references.
fn dependency_graph_refs(
    template: &Template,
    refs: &[Vec<Reference>],
) -> IndexMap<String, IndexSet<String>> {
    let mut graph = IndexMap::new();
    for (r, found) in template.resources().zip(refs) {
        let mut deps = IndexSet::new();
        for reference in found {
            if template.resource(&reference.target).is_some() {
                deps.insert(reference.target.clone());
            }
        }
        for d in &r.depends_on {
            deps.insert(d.to_string());
        }
        graph.insert(r.id().to_string(), deps);
    }
    graph
}

#[cfg(test)]
pub(super) fn check(template: &Template, errors: &mut Vec<Finding>) {
    let refs: Vec<Vec<Reference>> = template
        .resources()
        .map(|r| crate::cfn::walk::references_in(&r.properties))
        .collect();
    check_refs(template, &refs, errors);
}

/// The check, given each resource's property references (in resource order).
pub(super) fn check_refs(template: &Template, refs: &[Vec<Reference>], errors: &mut Vec<Finding>) {
    let graph = dependency_graph_refs(template, refs);
    if let Some(cycle) = find_cycle(&graph) {
        errors.push(Finding::about(
            &cycle[0],
            format!("dependency cycle: {}", cycle.join(" -> ")),
        ));
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    New,
    Active,
    Done,
}

/// The first cycle found, as a path that starts and ends at the same node.
fn find_cycle(graph: &IndexMap<String, IndexSet<String>>) -> Option<Vec<String>> {
    let mut marks = vec![Mark::New; graph.len()];
    for start in 0..graph.len() {
        if marks[start] != Mark::New {
            continue;
        }
        // Iterative DFS: a stack of (node, next edge index).
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        marks[start] = Mark::Active;
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            let deps = &graph[node];
            if let Some(dep) = deps.get_index(*edge) {
                *edge += 1;
                let Some(next) = graph.get_index_of(dep) else {
                    continue;
                };
                match marks[next] {
                    Mark::New => {
                        marks[next] = Mark::Active;
                        stack.push((next, 0));
                    }
                    Mark::Active => {
                        let from = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let mut path: Vec<String> = stack[from..]
                            .iter()
                            .map(|(n, _)| {
                                graph
                                    .get_index(*n)
                                    .map(|(k, _)| k.clone())
                                    .unwrap_or_default()
                            })
                            .collect();
                        path.push(dep.clone());
                        return Some(path);
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::intrinsic::{get_att, sub};
    use crate::cfn::policy::PolicyDocument;
    use crate::cfn::resources::s3::BucketPolicy;
    use crate::cfn::LogicalId;

    fn policy(bucket: crate::cfn::Value<String>) -> BucketPolicy {
        BucketPolicy {
            bucket,
            policy_document: PolicyDocument::new(vec![]),
        }
    }

    #[test]
    fn a_cycle_is_reported_with_its_path() {
        let mut t = Template::default();
        t.add("A", policy(sub("${B}").into())).unwrap();
        t.add("B", policy(get_att("C", "Arn").into())).unwrap();
        t.add("C", policy("x".into()))
            .unwrap()
            .depends_on(&LogicalId::new("A").unwrap());
        let mut errors = Vec::new();
        check(&t, &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "A: dependency cycle: A -> B -> C -> A"
        );
    }

    #[test]
    fn a_diamond_is_not_a_cycle() {
        let mut t = Template::default();
        t.add("D", policy("x".into())).unwrap();
        t.add("B", policy(sub("${D}").into())).unwrap();
        t.add("C", policy(sub("${D}").into())).unwrap();
        t.add("A", policy(sub("${B}${C}").into())).unwrap();
        let mut errors = Vec::new();
        check(&t, &mut errors);
        assert!(errors.is_empty());
    }
}
