//! IAM policy documents in one canonical form, so that two documents that mean the same
//! compare (and diff) equal: URL-decoded, every list-valued element always a list, action
//! service prefixes lower-cased, lists sorted and de-duplicated, statements sorted.

use litemap::LiteMap;

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// `Principal` / `NotPrincipal`: principal kind (`AWS`, `Service`, `Federated`,
/// `CanonicalUser`) to the sorted list of principals.
pub type Principals = LiteMap<String, Vec<String>>;

/// `Condition`: operator to condition key to the sorted list of values (as strings).
pub type Conditions = LiteMap<String, LiteMap<String, Vec<String>>>;

/// Writes a small map as a JSON object whatever its size: `LiteMap` on its own writes an
/// empty one as a list (`[]`), and facts and baselines are objects (`{}`).
pub fn serialize_map<S: Serializer, K: Serialize, V: Serialize>(map: &LiteMap<K, V>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(map.iter())
}

struct AsObject<'a, K, V>(&'a LiteMap<K, V>);

impl<K: Serialize, V: Serialize> Serialize for AsObject<'_, K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_map(self.0, s)
    }
}

fn serialize_conditions<S: Serializer>(conditions: &Conditions, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(conditions.iter().map(|(op, keys)| (op, AsObject(keys))))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version", skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "Statement")]
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Statement {
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principals>,
    #[serde(rename = "NotPrincipal", skip_serializing_if = "Option::is_none")]
    pub not_principal: Option<Principals>,
    #[serde(rename = "Action", skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<String>,
    #[serde(rename = "NotAction", skip_serializing_if = "Vec::is_empty")]
    pub not_action: Vec<String>,
    #[serde(rename = "Resource", skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<String>,
    #[serde(rename = "NotResource", skip_serializing_if = "Vec::is_empty")]
    pub not_resource: Vec<String>,
    #[serde(rename = "Condition", skip_serializing_if = "LiteMap::is_empty", serialize_with = "serialize_conditions")]
    pub condition: Conditions,
}

/// Why a policy document could not be read; the caller adds the file and position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid policy document: {0}")]
pub struct PolicyError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, PolicyError> {
    Err(PolicyError(msg.into()))
}

impl PolicyDocument {
    /// Parses a document as AWS returns it: JSON text, or URL-encoded JSON text (IAM's
    /// `GetAccountAuthorizationDetails` and `GetPolicyVersion` return the latter).
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let trimmed = text.trim_start();
        let decoded;
        let json = if trimmed.starts_with('{') {
            trimmed
        } else {
            decoded = percent_decode_str(trimmed)
                .decode_utf8()
                .map_err(|_| PolicyError("URL-encoded text does not decode to UTF-8".into()))?;
            &decoded
        };
        let value: Value =
            serde_json::from_str(json).map_err(|e| PolicyError(format!("not JSON: {}", without_position(&e))))?;
        Self::from_value(&value)
    }

    /// Normalizes a document given as a JSON value; a JSON string is parsed as text.
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let obj = match value {
            Value::String(s) => return Self::parse(s),
            Value::Object(o) => o,
            other => return err(format!("expected an object, found {}", kind(other))),
        };
        if !obj.contains_key("Statement") {
            return err("a policy document needs a Statement");
        }
        let mut doc = PolicyDocument::default();
        for (key, v) in obj {
            match key.as_str() {
                "Version" => doc.version = Some(string(v, "Version")?),
                "Id" => doc.id = Some(string(v, "Id")?),
                "Statement" => {
                    doc.statements = match v {
                        Value::Array(items) => items.iter().map(Statement::from_value).collect::<Result<_, _>>()?,
                        Value::Object(_) => vec![Statement::from_value(v)?],
                        other => {
                            return err(format!("Statement must be an object or a list, found {}", kind(other)));
                        }
                    }
                }
                other => return err(format!("unknown top-level element `{other}`")),
            }
        }
        doc.statements.sort();
        doc.statements.dedup();
        // A collected `Result` list starts at room for four; most documents have one or two
        // statements, and facts are held for the whole run (twice: snapshot and baseline).
        doc.statements.shrink_to_fit();
        Ok(doc)
    }
}

impl Statement {
    fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let Value::Object(obj) = value else {
            return err(format!("a statement must be an object, found {}", kind(value)));
        };
        let mut sid = None;
        let mut effect = None;
        let (mut principal, mut not_principal) = (None, None);
        let (mut action, mut not_action, mut resource, mut not_resource) = (vec![], vec![], vec![], vec![]);
        let mut condition = Conditions::new();
        for (key, v) in obj {
            match key.as_str() {
                "Sid" => sid = Some(string(v, "Sid")?),
                "Effect" => {
                    effect = Some(match string(v, "Effect")?.as_str() {
                        "Allow" => Effect::Allow,
                        "Deny" => Effect::Deny,
                        other => return err(format!("Effect must be Allow or Deny, found `{other}`")),
                    })
                }
                "Principal" => principal = Some(principals(v, "Principal")?),
                "NotPrincipal" => not_principal = Some(principals(v, "NotPrincipal")?),
                "Action" => action = actions(v, "Action")?,
                "NotAction" => not_action = actions(v, "NotAction")?,
                "Resource" => resource = string_list(v, "Resource")?,
                "NotResource" => not_resource = string_list(v, "NotResource")?,
                "Condition" => condition = conditions(v)?,
                other => return err(format!("unknown statement element `{other}`")),
            }
        }
        let Some(effect) = effect else {
            return err("a statement has no Effect");
        };
        match (action.is_empty(), not_action.is_empty()) {
            (true, true) => return err("a statement has neither Action nor NotAction"),
            (false, false) => return err("a statement has both Action and NotAction"),
            _ => {}
        }
        if !resource.is_empty() && !not_resource.is_empty() {
            return err("a statement has both Resource and NotResource");
        }
        if principal.is_some() && not_principal.is_some() {
            return err("a statement has both Principal and NotPrincipal");
        }
        Ok(Statement { sid, effect, principal, not_principal, action, not_action, resource, not_resource, condition })
    }

    /// The actions this statement names (`Action` or, for `NotAction`, the exclusions).
    pub fn is_not_action(&self) -> bool {
        !self.not_action.is_empty()
    }
}

impl<'de> Deserialize<'de> for PolicyDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let super::unique::UniqueValue(value) = Deserialize::deserialize(deserializer)?;
        PolicyDocument::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// A serde_json error without its " at line L column C": that position is inside the
/// embedded policy text, while the caller reports the position in the file.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn string(v: &Value, what: &str) -> Result<String, PolicyError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => err(format!("{what} must be a string, found {}", kind(other))),
    }
}

/// A string or a list of strings, as a sorted, de-duplicated list.
fn string_list(v: &Value, what: &str) -> Result<Vec<String>, PolicyError> {
    let mut out = match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().map(|i| string(i, what)).collect::<Result<_, _>>()?,
        other => return err(format!("{what} must be a string or a list of strings, found {}", kind(other))),
    };
    if out.is_empty() {
        return err(format!("{what} is an empty list"));
    }
    out.sort();
    out.dedup();
    out.shrink_to_fit();
    Ok(out)
}

/// Action names are case-insensitive; the service prefix is lower-cased (as AWS writes
/// it) so `S3:GetObject` and `s3:GetObject` become one entry.
fn actions(v: &Value, what: &str) -> Result<Vec<String>, PolicyError> {
    let mut out: Vec<String> = string_list(v, what)?
        .into_iter()
        .map(|mut a| {
            if let Some(colon) = a.find(':') {
                a[..colon].make_ascii_lowercase();
            }
            a
        })
        .collect();
    for a in &out {
        if a != "*" && !a.contains(':') {
            return err(format!("{what} `{a}` is not of the form service:action"));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `"*"` means every principal and is the same as `{"AWS": "*"}`.
fn principals(v: &Value, what: &str) -> Result<Principals, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(Principals::from_iter([("AWS".into(), vec!["*".into()])])),
        Value::Object(map) => {
            let mut out = Principals::with_capacity(map.len());
            for (k, list) in map {
                out.insert(k.clone(), string_list(list, &format!("{what}.{k}"))?);
            }
            if out.is_empty() {
                return err(format!("{what} is an empty object"));
            }
            Ok(out)
        }
        other => err(format!("{what} must be \"*\" or an object, found {}", kind(other))),
    }
}

/// Condition values are compared as strings: `false` and `"false"` mean the same to IAM.
fn conditions(v: &Value) -> Result<Conditions, PolicyError> {
    let Value::Object(ops) = v else {
        return err(format!("Condition must be an object, found {}", kind(v)));
    };
    let mut out = Conditions::with_capacity(ops.len());
    for (op, keys) in ops {
        let Value::Object(keys) = keys else {
            return err(format!("Condition.{op} must be an object, found {}", kind(keys)));
        };
        let entry = out.entry(op.clone()).or_insert_with(|| LiteMap::with_capacity(keys.len()));
        for (key, values) in keys {
            let scalar = |x: &Value| match x {
                Value::String(s) => Ok(s.clone()),
                Value::Bool(b) => Ok(b.to_string()),
                Value::Number(n) => Ok(n.to_string()),
                other => err(format!("Condition.{op}.{key} values must be scalars, found {}", kind(other))),
            };
            let mut list = match values {
                Value::Array(items) => items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
                single => vec![scalar(single)?],
            };
            list.sort();
            list.dedup();
            list.shrink_to_fit();
            entry.insert(key.clone(), list);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> String {
        serde_json::to_string(&PolicyDocument::parse(text).unwrap()).unwrap()
    }

    #[test]
    fn single_statement_object_equals_list() {
        let a = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#;
        let b =
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]}"#;
        assert_eq!(canon(a), canon(b));
    }

    #[test]
    fn key_order_whitespace_case_and_duplicates_do_not_matter() {
        let a = r#"{"Statement":[{"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::a"],"Action":["S3:PutObject","s3:GetObject","s3:GetObject"],"Effect":"Allow"}],"Version":"2012-10-17"}"#;
        let b = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ {\n \"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"s3:PutObject\"],\n \"Resource\": [\"arn:aws:s3:::a\", \"arn:aws:s3:::b/*\"] } ]\n}";
        assert_eq!(canon(a), canon(b));
        assert!(canon(a).contains(r#""Action":["s3:GetObject","s3:PutObject"]"#));
    }

    #[test]
    fn url_encoded_documents_decode() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        assert_eq!(canon(encoded), canon(plain));
    }

    #[test]
    fn not_action_is_kept_apart_from_action() {
        let doc =
            PolicyDocument::parse(r#"{"Statement":{"Effect":"Allow","NotAction":"IAM:*","Resource":"*"}}"#).unwrap();
        assert_eq!(doc.statements[0].not_action, vec!["iam:*"]);
        assert!(doc.statements[0].action.is_empty());
        assert!(doc.statements[0].is_not_action());
    }

    #[test]
    fn small_maps_are_written_as_objects_even_when_empty() {
        let doc = PolicyDocument::parse(
            r#"{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{}}}}"#,
        )
        .unwrap();
        let text = serde_json::to_string(&doc).unwrap();
        assert!(text.contains(r#""Condition":{"Bool":{}}"#), "{text}");
        assert_eq!(PolicyDocument::parse(&text).unwrap(), doc);
        let user = serde_json::to_value(crate::snapshot::IamUser::default()).unwrap();
        assert_eq!(user["inline_policies"], serde_json::json!({}));
    }

    #[test]
    fn condition_values_become_sorted_string_lists() {
        let a = r#"{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}}"#;
        let b = r#"{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":["false"]}}}}"#;
        assert_eq!(canon(a), canon(b));
        let doc = PolicyDocument::parse(a).unwrap();
        assert_eq!(
            doc.statements[0].condition.get("Bool").and_then(|keys| keys.get("aws:SecureTransport")).unwrap(),
            &vec!["false"]
        );
    }

    #[test]
    fn star_principal_is_the_same_as_aws_star() {
        let a = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}"#;
        let b = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"sts:AssumeRole"}}"#;
        assert_eq!(canon(a), canon(b));
    }

    #[test]
    fn statement_order_does_not_matter() {
        let a = r#"{"Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"},{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        let b = r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#;
        assert_eq!(canon(a), canon(b));
    }

    #[test]
    fn a_document_given_as_a_json_string_is_parsed() {
        let inner = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
        let as_string = Value::String(inner.to_string());
        assert_eq!(PolicyDocument::from_value(&as_string).unwrap(), PolicyDocument::parse(inner).unwrap());
    }

    #[test]
    fn malformed_documents_are_rejected_with_a_reason() {
        for (text, needle) in [
            (r#"{"Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}"#, "Effect must be Allow or Deny"),
            (r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#, "neither Action nor NotAction"),
            (r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*"}}"#, "both Action and NotAction"),
            (r#"{"Statement":{"Effect":"Allow","Action":7}}"#, "Action must be a string"),
            (r#"{"Statement":{"Effect":"Allow","Action":"GetObject"}}"#, "not of the form service:action"),
            (r#"{"Statement":{"Effect":"Allow","Action":"*","Colour":"red"}}"#, "unknown statement element `Colour`"),
            (r#"{"Statement":"yes"}"#, "Statement must be an object or a list"),
            (r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*""#, "not JSON"),
            ("%FF%FE", "does not decode to UTF-8"),
            ("[1,2]", "expected an object"),
        ] {
            let e = PolicyDocument::parse(text).unwrap_err();
            assert!(e.0.contains(needle), "{text}: {e}");
        }
    }
}
