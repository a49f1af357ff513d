//! Every resource type in the CloudFormation resource schemas (cfn-lint's
//! copy) with its top-level properties and create-only properties, for
//! validating what a user names (resource overrides). Written by
//! scripts/gen-resource-types into `resource_types.txt`; parsed on first
//! use, so synthesis never pays for it.

use std::collections::HashMap;
use std::sync::OnceLock;

const INDEX: &str = include_str!("resource_types.txt");

/// One type's properties (read-only ones left out) and the properties whose
/// change replaces the resource, both sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeInfo {
    /// Its top-level properties.
    pub properties: Vec<&'static str>,
    /// Its create-only properties (changing one replaces the resource).
    pub create_only: Vec<&'static str>,
}

fn index() -> &'static HashMap<&'static str, TypeInfo> {
    static PARSED: OnceLock<HashMap<&'static str, TypeInfo>> = OnceLock::new();
    PARSED.get_or_init(|| {
        INDEX
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let name = cols.next()?;
                let words = |c: Option<&'static str>| -> Vec<&'static str> {
                    c.unwrap_or("").split_whitespace().collect()
                };
                let properties = words(cols.next());
                let create_only = words(cols.next());
                Some((
                    name,
                    TypeInfo {
                        properties,
                        create_only,
                    },
                ))
            })
            .collect()
    })
}

/// The type's properties and create-only properties, if the schemas have it.
pub fn lookup(type_name: &str) -> Option<&'static TypeInfo> {
    index().get(type_name)
}

/// The custom resource type: its properties are the provider's own, so
/// the index's list (`ServiceToken`, ...) does not bound them.
pub const CUSTOM_RESOURCE: &str = "AWS::CloudFormation::CustomResource";

/// The type's name as the index holds it (`'static`), if the schemas have it.
pub fn name(type_name: &str) -> Option<&'static str> {
    index().get_key_value(type_name).map(|(k, _)| *k)
}

/// Every type's name, sorted.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = index().keys().copied().collect();
    names.sort_unstable();
    names
}

/// How many types the schemas have.
pub fn len() -> usize {
    index().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_type_is_there_with_its_properties_and_create_only_paths() {
        assert!(len() > 1_000);
        let queue = lookup("AWS::SQS::Queue").unwrap();
        assert!(queue.properties.contains(&"VisibilityTimeout"));
        assert!(!queue.properties.contains(&"Arn"), "read-only left out");
        assert!(queue.create_only.contains(&"FifoQueue"));
        assert!(lookup("AWS::Nope::Nothing").is_none());
    }
}
