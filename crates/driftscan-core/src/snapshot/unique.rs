//! Deserializers that reject a repeated key. serde_json keeps the last of two equal keys
//! silently, and serde's derive catches it only for a struct's own fields: every map of
//! the facts checks it here while it is parsed (a second scan of the text for it was a
//! tenth of a large scan's work), as policy documents do in `policy::read`. The error is raised
//! right after the repeated key, so serde_json puts it on the key's line.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use litemap::LiteMap;
use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

pub(super) fn repeated<E: Error>(key: &str) -> E {
    E::custom(format_args!("duplicate key `{key}`"))
}

/// A map keyed by strings that a JSON object fills, one key at a time.
pub(super) trait UniqueKeys: Default {
    type Item;
    /// Inserts the value `value` reads (given the key) under `key`, unless `key` is there
    /// already: then the value is not read and the key is handed back.
    fn insert_new<E>(
        &mut self,
        key: String,
        value: impl FnOnce(&str) -> Result<Self::Item, E>,
    ) -> Result<Option<String>, E>;
}

impl<V> UniqueKeys for BTreeMap<String, V> {
    type Item = V;
    fn insert_new<E>(&mut self, key: String, value: impl FnOnce(&str) -> Result<V, E>) -> Result<Option<String>, E> {
        use std::collections::btree_map::Entry;
        match self.entry(key) {
            Entry::Vacant(entry) => {
                let read = value(entry.key())?;
                entry.insert(read);
                Ok(None)
            }
            Entry::Occupied(entry) => Ok(Some(entry.key().clone())),
        }
    }
}

impl<V> UniqueKeys for LiteMap<String, V> {
    type Item = V;
    fn insert_new<E>(&mut self, key: String, value: impl FnOnce(&str) -> Result<V, E>) -> Result<Option<String>, E> {
        if self.contains_key(&key) {
            return Ok(Some(key));
        }
        let read = value(&key)?;
        // Written sorted, so nearly always appended at the end.
        if let Some((key, value)) = self.try_append(key, read) {
            self.insert(key, value);
        }
        Ok(None)
    }
}

/// The rest of a JSON object read into a map, the value under each key read by
/// `value(access, key)`; a repeated key is an error, raised right after it.
pub(super) fn read_unique<'de, A: MapAccess<'de>, M: UniqueKeys>(
    mut access: A,
    mut value: impl FnMut(&mut A, &str) -> Result<M::Item, A::Error>,
) -> Result<M, A::Error> {
    let mut map = M::default();
    while let Some(key) = access.next_key::<String>()? {
        if let Some(key) = map.insert_new(key, |key| value(&mut access, key))? {
            return Err(repeated(&key));
        }
    }
    Ok(map)
}

struct UniqueMap<M>(PhantomData<M>);

impl<'de, M> Visitor<'de> for UniqueMap<M>
where
    M: UniqueKeys,
    M::Item: Deserialize<'de>,
{
    type Value = M;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<M, A::Error> {
        read_unique(access, |access, _| access.next_value())
    }
}

/// A map of the facts (`deserialize_with`): resources by ARN and the like.
pub fn map<'de, D: Deserializer<'de>, V: Deserialize<'de>>(d: D) -> Result<BTreeMap<String, V>, D::Error> {
    d.deserialize_map(UniqueMap(PhantomData))
}

/// A small sorted map of the facts (`deserialize_with`): a principal's inline policies.
pub fn lite_map<'de, D: Deserializer<'de>, V: Deserialize<'de>>(d: D) -> Result<LiteMap<String, V>, D::Error> {
    d.deserialize_map(UniqueMap(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Facts {
        #[serde(deserialize_with = "map")]
        by_arn: BTreeMap<String, u8>,
        #[serde(deserialize_with = "lite_map", default)]
        small: LiteMap<String, u8>,
    }

    fn error_of<T: serde::de::DeserializeOwned + fmt::Debug>(text: &str) -> (String, usize) {
        let e = serde_json::from_str::<T>(text).unwrap_err();
        (e.to_string().split(" at line ").next().unwrap().to_string(), e.line())
    }

    #[test]
    fn a_repeated_key_is_an_error_on_its_line_in_every_kind_of_map() {
        let ok: Facts =
            serde_json::from_str(r#"{"by_arn": {"b": 2, "a": 1}, "small": {"y": 2, "x": 1, "z": 3}}"#).unwrap();
        assert_eq!(ok.by_arn.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(ok.small.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), [("x", 1), ("y", 2), ("z", 3)]);
        assert_eq!(error_of::<Facts>("{\"by_arn\": {\"a\": 1,\n \"a\": 2}}"), ("duplicate key `a`".into(), 2));
        assert_eq!(
            error_of::<Facts>("{\"by_arn\": {}, \"small\": {\"x\": 1,\n\n \"x\": 1}}"),
            ("duplicate key `x`".into(), 3)
        );
        // Decoded before they are compared: `\u0061` is `a`.
        assert_eq!(error_of::<Facts>(r#"{"by_arn": {"a": 1, "\u0061": 2}}"#).0, "duplicate key `a`");
    }
}
