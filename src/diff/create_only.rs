//! Create-only properties per resource type, from the public CloudFormation
//! resource schemas (generated into create_only.json by scripts/gen-create-only),
//! plus the few replacements the AWS documentation states that the schemas omit.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::cfn::resources::dynamodb;
use crate::cfn::ResourceProperties;

/// Where the table comes from.
pub const SCHEMA_SOURCE: &str = "public CloudFormation resource schemas (cfn-lint package data)";

/// Replacements the CloudFormation documentation lists ("Update requires:
/// Replacement") that the registry schemas do not mark create-only.
const DOCUMENTED: &[(&str, &str)] = &[
    (dynamodb::Table::TYPE, "KeySchema"),
    (dynamodb::Table::TYPE, "LocalSecondaryIndexes"),
];

#[derive(serde::Deserialize)]
struct Table {
    types: HashMap<String, Vec<String>>,
}

fn table() -> &'static HashMap<String, Vec<String>> {
    static TABLE: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: HashMap<String, Vec<String>> =
            serde_json::from_str::<Table>(include_str!("create_only.json"))
                .map(|t| t.types)
                .unwrap_or_default();
        for (kind, prop) in DOCUMENTED {
            let list = t.entry((*kind).to_string()).or_default();
            if !list.iter().any(|p| p == prop) {
                list.push((*prop).to_string());
            }
        }
        t
    })
}

/// The properties of `resource_type` whose change replaces the resource, as
/// `/`-separated paths below `Properties`.
pub fn create_only_properties(resource_type: &str) -> &'static [String] {
    table().get(resource_type).map(Vec::as_slice).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::{ec2, lambda};

    #[test]
    fn known_types_have_their_create_only_properties() {
        assert!(create_only_properties(dynamodb::Table::TYPE).contains(&"TableName".to_string()));
        assert!(create_only_properties(dynamodb::Table::TYPE).contains(&"KeySchema".to_string()));
        assert!(create_only_properties(ec2::Subnet::TYPE).contains(&"VpcId".to_string()));
        assert!(
            create_only_properties(lambda::Function::TYPE).contains(&"FunctionName".to_string())
        );
        assert!(create_only_properties("Custom::Nothing").is_empty());
        assert!(table().len() > 1000);
    }
}
