//! IAM policy documents in one canonical form, so that two documents that mean the same
//! compare (and diff) equal: URL-decoded, every list-valued element always a list, action
//! service prefixes lower-cased, lists sorted and de-duplicated, statements sorted.

use litemap::LiteMap;

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize, Serializer};
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

mod read;

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
        serde_json::from_str(json).map_err(|e| match e.is_data() {
            true => reason(&e),
            false => PolicyError(format!("not JSON: {}", without_position(&e))),
        })
    }

    /// Normalizes a document given as a JSON value; a JSON string is parsed as text.
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        Self::deserialize(value).map_err(|e| reason(&e))
    }
}

impl Statement {
    /// The actions this statement names (`Action` or, for `NotAction`, the exclusions).
    pub fn is_not_action(&self) -> bool {
        !self.not_action.is_empty()
    }
}

/// The reason a document is invalid, out of the error the reader raised for it.
fn reason(e: &serde_json::Error) -> PolicyError {
    let text = without_position(e);
    let prefix = PolicyError(String::new()).to_string();
    PolicyError(text.strip_prefix(&prefix).map_or_else(|| text.clone(), str::to_string))
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
    fn a_repeated_key_at_any_depth_is_an_error_on_its_line() {
        for (text, key, line) in [
            ("{\"Statement\": [],\n \"Statement\": []}", "Statement", 2),
            ("{\"Statement\": {\"Effect\": \"Allow\",\n \"Effect\": \"Deny\", \"Action\": \"*\"}}", "Effect", 2),
            ("{\"Statement\": {\"Principal\": {\"AWS\": \"*\",\n\n \"AWS\": \"*\"}}}", "AWS", 3),
            ("{\"Statement\": {\"Condition\": {\"Bool\": {},\n \"Bool\": {}}}}", "Bool", 2),
            ("{\"Statement\": {\"Condition\": {\"Bool\": {\"k\": true,\n \"k\": false}}}}", "k", 2),
        ] {
            let e = serde_json::from_str::<PolicyDocument>(text).unwrap_err();
            assert_eq!(
                (e.line(), PolicyDocument::parse(text).unwrap_err().0),
                (line, format!("duplicate key `{key}`"))
            );
        }
        // The same key in sibling objects is fine.
        let siblings = r#"{"Statement":[{"Effect":"Allow","Action":"*"},{"Effect":"Deny","Action":"*"}]}"#;
        assert_eq!(PolicyDocument::parse(siblings).unwrap().statements.len(), 2);
    }

    #[test]
    fn an_invalid_element_is_reported_where_it_is() {
        let text = "{\"Statement\": {\n \"Effect\": \"Allow\",\n \"Action\": 42}}";
        let e = serde_json::from_str::<PolicyDocument>(text).unwrap_err();
        assert_eq!(e.line(), 3);
        assert!(
            e.to_string()
                .starts_with("invalid policy document: Action must be a string or a list of strings, found a number"),
            "{e}"
        );
    }

    #[test]
    fn a_document_reads_the_same_from_text_and_from_a_json_value() {
        let text = r#"{"Version":"2012-10-17","Id":"x","Statement":[
            {"Sid":"a","Effect":"Allow","Principal":{"AWS":["b","a","a"],"Service":"s"},"Action":["S3:Get*","s3:get*"],
             "NotResource":"r","Condition":{"NumericLessThan":{"n":[2.5,1,-3]},"Bool":{"b":true}}},
            {"Effect":"Deny","NotPrincipal":"*","NotAction":"iam:*","Resource":["y","x"]}]}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let doc = PolicyDocument::parse(text).unwrap();
        assert_eq!(PolicyDocument::from_value(&value).unwrap(), doc);
        let written = serde_json::to_string(&doc).unwrap();
        assert!(written.contains(r#""NumericLessThan":{"n":["-3","1","2.5"]}"#), "{written}");
        assert!(written.contains(r#""Principal":{"AWS":["a","b"],"Service":["s"]}"#), "{written}");
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
