//! Duplicate keys, refused at every level of a YAML document (serde keeps the
//! last of two equal map keys). A pass over the document before the typed
//! parse: a key that repeats one of its mapping fails while the parser reads
//! it, so the error carries that key's location; a second pass stops at the
//! first occurrence the same way, for the location of the first.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::ConfigError;

/// What the first pass found: the mapping (dotted path) and the key.
#[derive(Clone)]
struct Found {
    path: String,
    key: String,
}

/// Which occurrence of a key stops the walk.
enum Stop {
    /// The first key that repeats one before it in its mapping.
    Repeat,
    /// The first occurrence of `key` in the mapping at `path`.
    First(Found),
}

struct Walk<'a> {
    stop: &'a Stop,
    found: &'a RefCell<Option<Found>>,
    path: String,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged value (`!Ref x`): walk what the tag carries.
        use serde::de::VariantAccess;
        let (_, variant): (serde::de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant_seed(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while seq
            .next_element_seed(Walk {
                stop: self.stop,
                found: self.found,
                path: format!("{}[{i}]", self.path),
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key_seed(Key {
            stop: self.stop,
            found: self.found,
            path: &self.path,
            seen: &mut seen,
        })? {
            let path = if self.path.is_empty() {
                key
            } else {
                format!("{}.{key}", self.path)
            };
            map.next_value_seed(Walk {
                stop: self.stop,
                found: self.found,
                path,
            })?;
        }
        Ok(())
    }
}

/// A mapping key, read as text; fails (at the key's location) where the walk stops.
struct Key<'a, 'b> {
    stop: &'a Stop,
    found: &'a RefCell<Option<Found>>,
    path: &'b str,
    seen: &'b mut HashSet<String>,
}

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

impl Key<'_, '_> {
    fn check<E: serde::de::Error>(self, key: String) -> Result<String, E> {
        let stop_here = match self.stop {
            Stop::Repeat => self.seen.contains(&key),
            Stop::First(f) => f.path == self.path && f.key == key,
        };
        if stop_here {
            *self.found.borrow_mut() = Some(Found {
                path: self.path.to_string(),
                key: key.clone(),
            });
            return Err(E::custom("duplicate key"));
        }
        self.seen.insert(key.clone());
        Ok(key)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        self.check(v.to_string())
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
        self.check(v.to_string())
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
        self.check(v.to_string())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
        self.check(v.to_string())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
        self.check(v.to_string())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<String, E> {
        self.check("null".to_string())
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<String, E> {
        self.visit_unit()
    }
    // A key that is itself a mapping or a list is walked, never compared.
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<String, A::Error> {
        Walk {
            stop: self.stop,
            found: self.found,
            path: self.path.to_string(),
        }
        .visit_seq(seq)?;
        Ok(format!("[{}]", self.seen.len()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<String, A::Error> {
        Walk {
            stop: self.stop,
            found: self.found,
            path: self.path.to_string(),
        }
        .visit_map(map)?;
        Ok(format!("{{{}}}", self.seen.len()))
    }
}

/// Walks the document; `Some((found, line, column))` where it stopped.
fn walk(text: &str, stop: &Stop) -> Option<(Found, Option<(usize, usize)>)> {
    let found = RefCell::new(None);
    let seed = Walk {
        stop,
        found: &found,
        path: String::new(),
    };
    let err = seed
        .deserialize(serde_norway::Deserializer::from_str(text))
        .err()?;
    let location = err.location().map(|l| (l.line(), l.column()));
    // Any other error (syntax, a second document) is left to the typed parse.
    found.into_inner().map(|f| (f, location))
}

/// Refuses a key written twice in one mapping, at any depth, naming the
/// locations of both.
pub fn check(file: &str, text: &str) -> Result<(), ConfigError> {
    let Some((found, location)) = walk(text, &Stop::Repeat) else {
        return Ok(());
    };
    let first = walk(text, &Stop::First(found.clone())).and_then(|(_, l)| l);
    let name = if found.path.is_empty() {
        found.key.clone()
    } else {
        format!("{}.{}", found.path, found.key)
    };
    let first = match first {
        Some((line, col)) => format!(" (first at {file}:{line}:{col})"),
        None => String::new(),
    };
    Err(ConfigError {
        file: file.to_string(),
        location,
        message: format!("{name}: duplicate key `{}`{first}", found.key),
        help: Some("a key may appear only once in a mapping: remove one of them".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        check("b.yaml", text).unwrap_err().to_string()
    }

    #[test]
    fn repeated_keys_at_any_depth_with_both_locations() {
        assert_eq!(
            err("a: 1\nb:\n  c:\n    x: 1\n    y: 2\n    x: 3\n"),
            "b.yaml:6:5: b.c.x: duplicate key `x` (first at b.yaml:4:5)\n  help: a key may appear only once in a mapping: remove one of them"
        );
        assert!(err("a: 1\na: 2\n")
            .starts_with("b.yaml:2:1: a: duplicate key `a` (first at b.yaml:1:1)"));
        assert!(err("l:\n  - {k: 1, k: 2}\n")
            .starts_with("b.yaml:2:12: l[0].k: duplicate key `k` (first at b.yaml:2:6)"));
    }

    #[test]
    fn distinct_keys_and_syntax_errors_pass() {
        let ok = |t: &str| check("b", t).is_ok();
        assert!(ok("a: 1\nb: {a: 1}\nc: [{a: 1}, {a: 2}]\n"));
        assert!(ok("a: [\n"));
        assert!(ok(""));
    }
}
