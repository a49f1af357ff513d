//! Whether a value serializes as an empty map, found without serializing it:
//! a resource whose properties are all unset renders without `Properties`.

use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeStruct, Serializer};

/// Whether `value` serializes as a map or struct without a single entry.
pub(crate) fn serializes_empty<T: Serialize + ?Sized>(value: &T) -> bool {
    value.serialize(Probe).is_ok()
}

/// The probe's only error: something was written.
#[derive(Debug)]
struct Written;

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not empty")
    }
}

impl std::error::Error for Written {}

impl ser::Error for Written {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Written
    }
}

/// A serializer that fails at the first thing written.
struct Probe;

/// Every scalar is something written.
macro_rules! written {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {$(
        fn $method(self, $(_: $arg),*) -> Result<(), Written> {
            Err(Written)
        }
    )*};
}

impl Serializer for Probe {
    type Ok = ();
    type Error = Written;
    type SerializeSeq = Impossible<(), Written>;
    type SerializeTuple = Impossible<(), Written>;
    type SerializeTupleStruct = Impossible<(), Written>;
    type SerializeTupleVariant = Impossible<(), Written>;
    type SerializeMap = Probe;
    type SerializeStruct = Probe;
    type SerializeStructVariant = Impossible<(), Written>;

    written!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Written> {
        value.serialize(self)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Written> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Written> {
        Err(Written)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Written> {
        Err(Written)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Written> {
        Err(Written)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Written> {
        Err(Written)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Written> {
        Err(Written)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Probe, Written> {
        Ok(Probe)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Probe, Written> {
        Ok(Probe)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Written> {
        Err(Written)
    }
}

impl SerializeMap for Probe {
    type Ok = ();
    type Error = Written;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Written> {
        Err(Written)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Written> {
        Err(Written)
    }
    fn end(self) -> Result<(), Written> {
        Ok(())
    }
}

impl SerializeStruct for Probe {
    type Ok = ();
    type Error = Written;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Written> {
        Err(Written)
    }
    fn end(self) -> Result<(), Written> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::s3::Bucket;
    use crate::cfn::resources::sqs::Queue;

    #[test]
    fn only_a_map_without_entries_is_empty() {
        assert!(serializes_empty(&Bucket::default()));
        assert!(serializes_empty(&serde_json::Map::new()));
        assert!(!serializes_empty(&Queue {
            fifo_queue: Some(true.into()),
            ..Default::default()
        }));
        assert!(!serializes_empty(&serde_json::json!({"A": 1})));
        assert!(!serializes_empty("text"));
    }
}
