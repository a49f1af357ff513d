//! Logical IDs: the names of resources, parameters, conditions and outputs.

use std::fmt;

use serde::Serialize;

use super::intrinsic::{Intrinsic, Value};

/// The longest logical ID CloudFormation accepts.
pub const MAX_LOGICAL_ID_LEN: usize = 255;

/// A validated logical ID: ASCII letters and digits only, 1 to 255 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct LogicalId(String);

/// Why a string is not a valid logical ID.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LogicalIdError {
    #[error("a logical ID cannot be empty")]
    /// The ID is empty.
    Empty,
    #[error("logical ID `{id}` is {len} characters long; the limit is {MAX_LOGICAL_ID_LEN}")]
    /// The ID is longer than CloudFormation's 255 characters.
    TooLong {
        /// The ID.
        id: String,
        /// Its length.
        len: usize,
    },
    #[error("logical ID `{id}` contains `{ch}`; only ASCII letters and digits are allowed")]
    /// The ID has a character other than A-Z, a-z and 0-9.
    InvalidChar {
        /// The ID.
        id: String,
        /// The first character refused.
        ch: char,
    },
}

impl LogicalId {
    /// Validates `id` against CloudFormation's rules.
    pub fn new(id: impl Into<String>) -> Result<Self, LogicalIdError> {
        let id = id.into();
        if id.is_empty() {
            return Err(LogicalIdError::Empty);
        }
        if let Some(ch) = id.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(LogicalIdError::InvalidChar { id, ch });
        }
        let len = id.len();
        if len > MAX_LOGICAL_ID_LEN {
            return Err(LogicalIdError::TooLong { id, len });
        }
        Ok(Self(id))
    }

    /// The ID as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `{"Ref": "<id>"}`.
    pub fn r#ref<T>(&self) -> Value<T> {
        Intrinsic::Ref(self.0.clone()).into()
    }

    /// `{"Fn::GetAtt": ["<id>", "<attribute>"]}`.
    pub fn get_att<T>(&self, attribute: &str) -> Value<T> {
        Intrinsic::GetAtt(self.0.clone(), attribute.to_string()).into()
    }
}

impl fmt::Display for LogicalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for LogicalId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for LogicalId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_alphanumeric() {
        assert_eq!(LogicalId::new("TodoTable2").unwrap().as_str(), "TodoTable2");
        assert!(LogicalId::new("a".repeat(255)).is_ok());
    }

    #[test]
    fn rejects_empty_long_and_punctuation() {
        assert_eq!(LogicalId::new(""), Err(LogicalIdError::Empty));
        let err = LogicalId::new("a".repeat(256)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "logical ID `{}` is 256 characters long; the limit is 255",
                "a".repeat(256)
            )
        );
        let err = LogicalId::new("Todo-Table").unwrap_err();
        assert_eq!(
            err.to_string(),
            "logical ID `Todo-Table` contains `-`; only ASCII letters and digits are allowed"
        );
        assert!(LogicalId::new("Tödo").is_err());
        assert!(LogicalId::new("Todo_Table").is_err());
    }
}
