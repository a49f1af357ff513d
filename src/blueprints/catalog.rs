//! The blueprints a binary offers: the built-in ones, plus a team's own.

use std::borrow::Cow;
use std::fmt;

use crate::blueprints::{AnyBlueprint, ALL};
use crate::config::nearest;
use crate::error::Error;

/// The blueprints the commands know, in the order `blueprint list` shows
/// them. [`Catalog::builtin`] is the seven that ship with blueprint (no
/// allocation: `blueprint`'s own start-up pays nothing for it);
/// [`Catalog::with`] adds a blueprint of your own, which every command then
/// resolves like a built-in one (`synth NAME`, a project file's
/// `blueprint: NAME`, `list`, `explain`, `plan`, `apply`, ...).
///
/// ```
/// use blueprint::blueprints::Catalog;
///
/// let catalog = Catalog::builtin();
/// assert_eq!(catalog.find("todo").unwrap().name(), "todo");
/// assert!(catalog.find("tood").is_err());
/// ```
#[derive(Clone)]
pub struct Catalog {
    blueprints: Cow<'static, [&'static dyn AnyBlueprint]>,
}

impl Catalog {
    /// The built-in blueprints.
    pub fn builtin() -> Self {
        Catalog {
            blueprints: Cow::Borrowed(ALL),
        }
    }

    /// No blueprints at all: a binary that offers only its own.
    pub fn empty() -> Self {
        Catalog {
            blueprints: Cow::Borrowed(&[]),
        }
    }

    /// Adds `blueprint` after those already in the catalog. Its name must be
    /// lowercase letters, digits and single hyphens (it names directories
    /// and appears in stack descriptions), and no other blueprint in the
    /// catalog may have it: an error says which rule it breaks.
    pub fn with(mut self, blueprint: &'static dyn AnyBlueprint) -> Result<Self, Error> {
        let name = blueprint.name();
        valid_name(name)?;
        if self.blueprints.iter().any(|b| b.name() == name) {
            return Err(Error::Internal(format!(
                "two blueprints are called `{name}`: a catalog's names must be unique"
            )));
        }
        self.blueprints.to_mut().push(blueprint);
        Ok(self)
    }

    /// The blueprints, in order.
    pub fn blueprints(&self) -> &[&'static dyn AnyBlueprint] {
        &self.blueprints
    }

    /// The blueprint called `name`, or an error that lists the valid names
    /// (and the nearest one to a typo).
    pub fn find(&self, name: &str) -> Result<&'static dyn AnyBlueprint, Error> {
        if let Some(b) = self.blueprints.iter().find(|b| b.name() == name) {
            return Ok(*b);
        }
        let names: Vec<&str> = self.blueprints.iter().map(|b| b.name()).collect();
        let hint = nearest(name, &names)
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        Err(Error::User(format!(
            "unknown blueprint `{name}`{hint}; the blueprints are: {}",
            names.join(", ")
        )))
    }
}

impl Default for Catalog {
    /// [`Catalog::builtin`].
    fn default() -> Self {
        Catalog::builtin()
    }
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.blueprints.iter().map(|b| b.name()))
            .finish()
    }
}

/// A blueprint's name: `[a-z0-9]` words joined by single hyphens.
fn valid_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(Error::Internal(format!(
            "`{name}` cannot name a blueprint: use lowercase letters and digits, in words joined by single hyphens (at most 64 characters)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_finds_every_blueprint_and_suggests_the_nearest() {
        let c = Catalog::builtin();
        for b in ALL {
            assert_eq!(c.find(b.name()).unwrap().name(), b.name());
        }
        let e = c.find("tood").err().unwrap().to_string();
        assert!(e.contains("did you mean `todo`?"), "{e}");
    }

    #[test]
    fn with_refuses_a_duplicate_or_malformed_name() {
        let todo = ALL[0];
        let e = Catalog::builtin().with(todo).err().unwrap().to_string();
        assert!(e.contains("two blueprints are called `todo`"), "{e}");
        let c = Catalog::empty().with(todo).unwrap();
        assert_eq!(c.blueprints().len(), 1);
        for bad in ["", "Todo", "to do", "-todo", "todo-", "to--do", "../x"] {
            assert!(valid_name(bad).is_err(), "{bad:?}");
        }
        assert!(valid_name("queue-worker2").is_ok());
    }
}
