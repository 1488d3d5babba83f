//! Reads a policy document straight from its JSON into the canonical form, one element
//! at a time: built as a JSON value first, documents were an eighth of a large scan's
//! work. Every object of a document refuses a repeated key, as every map of the facts does.

use std::borrow::Cow;
use std::fmt;

use litemap::LiteMap;
use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

use super::{Conditions, Effect, PolicyDocument, PolicyError, Principals, Statement};
use crate::snapshot::unique::{read_unique, repeated};

/// A reason the document is invalid, as an error of any deserializer (its position, if
/// it has one, is added by the deserializer).
fn invalid<E: Error>(reason: impl fmt::Display) -> E {
    E::custom(PolicyError(reason.to_string()))
}

/// The `visit_*` methods of the kinds of JSON value a visitor does not take: each an
/// error naming the kind found (`self.refused(kind)`).
macro_rules! refuse {
    ($($kind:ident)*) => { $(refuse!(@ $kind);)* };
    (@ boolean) => {
        fn visit_bool<E: Error>(self, _: bool) -> Result<Self::Value, E> { Err(self.refused("a boolean")) }
    };
    (@ number) => {
        fn visit_i64<E: Error>(self, _: i64) -> Result<Self::Value, E> { Err(self.refused("a number")) }
        fn visit_u64<E: Error>(self, _: u64) -> Result<Self::Value, E> { Err(self.refused("a number")) }
        fn visit_f64<E: Error>(self, _: f64) -> Result<Self::Value, E> { Err(self.refused("a number")) }
    };
    (@ null) => {
        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> { Err(self.refused("null")) }
        fn visit_none<E: Error>(self) -> Result<Self::Value, E> { Err(self.refused("null")) }
    };
    (@ string) => {
        fn visit_str<E: Error>(self, _: &str) -> Result<Self::Value, E> { Err(self.refused("a string")) }
    };
    (@ list) => {
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> { Err(self.refused("a list")) }
    };
    (@ object) => {
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> { Err(self.refused("an object")) }
    };
}

/// Each visitor reads any kind of JSON value (and names the kind it refuses), so each is
/// its own seed through `deserialize_any`.
macro_rules! seed_of_any {
    ($($visitor:ty => $value:ty),* $(,)?) => {$(
        impl<'de> DeserializeSeed<'de> for $visitor {
            type Value = $value;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$value, D::Error> {
                d.deserialize_any(self)
            }
        }
    )*};
}

seed_of_any!(
    Statements => Vec<Statement>,
    StatementVisitor => Statement,
    Text<'_> => String,
    TextList<'_> => Vec<String>,
    PrincipalsOf<'_> => Principals,
    ConditionsOf => Conditions,
    ConditionKeys<'_> => LiteMap<String, Vec<String>>,
    ConditionValues<'_> => Vec<String>,
);

/// An object's key, borrowed from the text when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Sets a field read once; a second time is a repeated key.
fn set_once<T, E: Error>(field: &mut Option<T>, key: &str, read: impl FnOnce() -> Result<T, E>) -> Result<(), E> {
    if field.is_some() {
        return Err(repeated(key));
    }
    *field = Some(read()?);
    Ok(())
}

impl<'de> serde::Deserialize<'de> for PolicyDocument {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl DocumentVisitor {
    fn refused<E: Error>(&self, found: &str) -> E {
        invalid(format_args!("expected an object, found {found}"))
    }
}

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = PolicyDocument;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a policy document")
    }

    refuse!(boolean number null list);

    /// A document embedded as JSON text (or URL-encoded JSON text).
    fn visit_str<E: Error>(self, text: &str) -> Result<PolicyDocument, E> {
        PolicyDocument::parse(text).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PolicyDocument, A::Error> {
        let (mut version, mut id, mut statements) = (None, None, None);
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "Version" => set_once(&mut version, &key, || map.next_value_seed(Text("Version")))?,
                "Id" => set_once(&mut id, &key, || map.next_value_seed(Text("Id")))?,
                "Statement" => set_once(&mut statements, &key, || map.next_value_seed(Statements))?,
                other => return Err(invalid(format_args!("unknown top-level element `{other}`"))),
            }
        }
        let Some(mut statements) = statements else {
            return Err(invalid("a policy document needs a Statement"));
        };
        statements.sort();
        statements.dedup();
        Ok(PolicyDocument { version, id, statements: exact(statements) })
    }
}

/// `Statement`: one statement object or a list of them.
struct Statements;

impl Statements {
    fn refused<E: Error>(&self, found: &str) -> E {
        invalid(format_args!("Statement must be an object or a list, found {found}"))
    }
}

impl<'de> Visitor<'de> for Statements {
    type Value = Vec<Statement>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("statements")
    }

    refuse!(boolean number null string);

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<Statement>, A::Error> {
        Ok(vec![StatementVisitor.visit_map(map)?])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Statement>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1));
        while let Some(statement) = seq.next_element_seed(StatementVisitor)? {
            out.push(statement);
        }
        Ok(out)
    }
}

struct StatementVisitor;

impl StatementVisitor {
    fn refused<E: Error>(&self, found: &str) -> E {
        invalid(format_args!("a statement must be an object, found {found}"))
    }
}

impl<'de> Visitor<'de> for StatementVisitor {
    type Value = Statement;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a statement")
    }

    refuse!(boolean number null string list);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Statement, A::Error> {
        let (mut sid, mut effect, mut principal, mut not_principal) = (None, None, None, None);
        let (mut action, mut not_action, mut resource, mut not_resource) = (None, None, None, None);
        let mut condition = None;
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "Sid" => set_once(&mut sid, &key, || map.next_value_seed(Text("Sid")))?,
                "Effect" => set_once(&mut effect, &key, || match map.next_value_seed(Text("Effect"))?.as_str() {
                    "Allow" => Ok(Effect::Allow),
                    "Deny" => Ok(Effect::Deny),
                    other => Err(invalid(format_args!("Effect must be Allow or Deny, found `{other}`"))),
                })?,
                "Principal" => set_once(&mut principal, &key, || map.next_value_seed(PrincipalsOf("Principal")))?,
                "NotPrincipal" => {
                    set_once(&mut not_principal, &key, || map.next_value_seed(PrincipalsOf("NotPrincipal")))?
                }
                "Action" => {
                    set_once(&mut action, &key, || actions(map.next_value_seed(TextList("Action"))?, "Action"))?
                }
                "NotAction" => set_once(&mut not_action, &key, || {
                    actions(map.next_value_seed(TextList("NotAction"))?, "NotAction")
                })?,
                "Resource" => set_once(&mut resource, &key, || map.next_value_seed(TextList("Resource")))?,
                "NotResource" => set_once(&mut not_resource, &key, || map.next_value_seed(TextList("NotResource")))?,
                "Condition" => set_once(&mut condition, &key, || map.next_value_seed(ConditionsOf))?,
                other => return Err(invalid(format_args!("unknown statement element `{other}`"))),
            }
        }
        let Some(effect) = effect else {
            return Err(invalid("a statement has no Effect"));
        };
        let (action, not_action) = match (action, not_action) {
            (None, None) => return Err(invalid("a statement has neither Action nor NotAction")),
            (Some(_), Some(_)) => return Err(invalid("a statement has both Action and NotAction")),
            (action, not_action) => (action.unwrap_or_default(), not_action.unwrap_or_default()),
        };
        if resource.is_some() && not_resource.is_some() {
            return Err(invalid("a statement has both Resource and NotResource"));
        }
        if principal.is_some() && not_principal.is_some() {
            return Err(invalid("a statement has both Principal and NotPrincipal"));
        }
        Ok(Statement {
            sid,
            effect,
            principal,
            not_principal,
            action,
            not_action,
            resource: resource.unwrap_or_default(),
            not_resource: not_resource.unwrap_or_default(),
            condition: condition.unwrap_or_default(),
        })
    }
}

/// Action names are case-insensitive; the service prefix is lower-cased (as AWS writes
/// it) so `S3:GetObject` and `s3:GetObject` become one entry.
fn actions<E: Error>(mut list: Vec<String>, what: &str) -> Result<Vec<String>, E> {
    for a in &mut list {
        if let Some(colon) = a.find(':') {
            a[..colon].make_ascii_lowercase();
        }
    }
    sorted(&mut list);
    match list.iter().find(|a| *a != "*" && !a.contains(':')) {
        Some(a) => Err(invalid(format_args!("{what} `{a}` is not of the form service:action"))),
        None => Ok(list),
    }
}

fn sorted(list: &mut Vec<String>) {
    list.sort();
    list.dedup();
    *list = exact(std::mem::take(list));
}

/// A list in an allocation of its size. Facts are held for the whole run (twice: snapshot
/// and baseline) and lists read one element at a time grow to room for four, which
/// `shrink_to_fit` does not give back under mimalloc (a block shrunk by at most half stays
/// where it is): moved to a new block instead, ~30 MB less at 100k resources.
fn exact<T>(mut list: Vec<T>) -> Vec<T> {
    if list.len() == list.capacity() {
        return list;
    }
    let mut sized = Vec::with_capacity(list.len());
    sized.append(&mut list);
    sized
}

/// A small map in an allocation of its size (see [`exact`]).
fn exact_map<V>(map: LiteMap<String, V>) -> LiteMap<String, V> {
    LiteMap::from_sorted_store_unchecked(exact(map.into_tuple_vec()))
}

/// A string element (`what` names it in errors).
struct Text<'w>(&'w str);

impl Text<'_> {
    fn refused<E: Error>(&self, found: &str) -> E {
        invalid(format_args!("{} must be a string, found {found}", self.0))
    }
}

impl<'de> Visitor<'de> for Text<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    refuse!(boolean number null list object);

    fn visit_str<E: Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_string<E: Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}

/// A string or a list of strings, as a sorted list without repeats; never empty.
struct TextList<'w>(&'w str);

impl TextList<'_> {
    fn refused<E: Error>(&self, found: &str) -> E {
        invalid(format_args!("{} must be a string or a list of strings, found {found}", self.0))
    }
}

impl<'de> Visitor<'de> for TextList<'_> {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a list of strings")
    }

    refuse!(boolean number null object);

    fn visit_str<E: Error>(self, v: &str) -> Result<Vec<String>, E> {
        Ok(vec![v.to_string()])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1));
        while let Some(item) = seq.next_element_seed(Text(self.0))? {
            out.push(item);
        }
        if out.is_empty() {
            return Err(invalid(format_args!("{} is an empty list", self.0)));
        }
        sorted(&mut out);
        Ok(out)
    }
}

/// `Principal` / `NotPrincipal`: `"*"` (the same as `{"AWS": "*"}`) or kind to principals.
struct PrincipalsOf<'w>(&'w str);

impl PrincipalsOf<'_> {
    fn refused<E: Error>(&self, found: &str) -> E {
        invalid(format_args!("{} must be \"*\" or an object, found {found}", self.0))
    }
}

impl<'de> Visitor<'de> for PrincipalsOf<'_> {
    type Value = Principals;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("principals")
    }

    refuse!(boolean number null list);

    fn visit_str<E: Error>(self, v: &str) -> Result<Principals, E> {
        match v {
            "*" => Ok(Principals::from_iter([("AWS".into(), vec!["*".into()])])),
            _ => Err(self.refused("a string")),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Principals, A::Error> {
        let out: Principals =
            read_unique(map, |map, kind| map.next_value_seed(TextList(&format!("{}.{kind}", self.0))))?;
        if out.is_empty() {
            return Err(invalid(format_args!("{} is an empty object", self.0)));
        }
        Ok(exact_map(out))
    }
}

/// `Condition`: operator to condition key to values, every value as a string (`false` and
/// `"false"` mean the same to IAM).
struct ConditionsOf;

impl ConditionsOf {
    fn refused<E: Error>(&self, found: &str) -> E {
        invalid(format_args!("Condition must be an object, found {found}"))
    }
}

impl<'de> Visitor<'de> for ConditionsOf {
    type Value = Conditions;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("conditions")
    }

    refuse!(boolean number null string list);

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Conditions, A::Error> {
        Ok(exact_map(read_unique(map, |map, op| map.next_value_seed(ConditionKeys { op }))?))
    }
}

/// One operator's condition keys and their values.
struct ConditionKeys<'w> {
    op: &'w str,
}

impl ConditionKeys<'_> {
    fn refused<E: Error>(&self, found: &str) -> E {
        invalid(format_args!("Condition.{} must be an object, found {found}", self.op))
    }
}

impl<'de> Visitor<'de> for ConditionKeys<'_> {
    type Value = LiteMap<String, Vec<String>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("condition keys")
    }

    refuse!(boolean number null string list);

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let keys = read_unique(map, |map, key| {
            let mut values = map.next_value_seed(ConditionValues { op: self.op, key, in_list: false })?;
            sorted(&mut values);
            Ok(values)
        })?;
        Ok(exact_map(keys))
    }
}

/// A condition key's value: a scalar or a list of scalars (`in_list`: an element of one).
struct ConditionValues<'w> {
    op: &'w str,
    key: &'w str,
    in_list: bool,
}

impl ConditionValues<'_> {
    fn refused<E: Error>(&self, found: &str) -> E {
        invalid(format_args!("Condition.{}.{} values must be scalars, found {found}", self.op, self.key))
    }
}

impl<'de> Visitor<'de> for ConditionValues<'_> {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("condition values")
    }

    refuse!(null object);

    fn visit_str<E: Error>(self, v: &str) -> Result<Vec<String>, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<Vec<String>, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<Vec<String>, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<Vec<String>, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<Vec<String>, E> {
        // Written as serde_json writes the number.
        Ok(vec![serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string())])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        if self.in_list {
            return Err(self.refused("a list"));
        }
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1));
        while let Some(mut item) = seq.next_element_seed(ConditionValues { in_list: true, ..self })? {
            out.append(&mut item);
        }
        Ok(out)
    }
}
