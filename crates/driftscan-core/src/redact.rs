//! Access key ids in what people read: a key id is not a secret, but together with a
//! leaked secret it is half a credential, and reports get pasted into tickets and chats.
//! Human-read output shows `AKIA…MPLE`, enough to find the key in the console; the full id
//! stays in snapshots, baselines, JSON and SARIF, where it keys fingerprints.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// `AKIAIOSFODNN7EXAMPLE` → `AKIA…MPLE`.
pub fn mask_key_id(id: &str) -> String {
    if id.len() <= 8 || !id.is_ascii() {
        return id.to_string();
    }
    format!("{}…{}", &id[..4], &id[id.len() - 4..])
}

/// Masks every long-term (`AKIA`) or temporary (`ASIA`) access key id in `text`.
pub fn mask_key_ids_in(text: &str) -> Cow<'_, str> {
    static KEY_ID: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(A[KS]IA)[A-Z0-9]{8,120}([A-Z0-9]{4})\b").expect("valid pattern"));
    KEY_ID.replace_all(text, "${1}…${2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_masked_wherever_they_appear() {
        assert_eq!(mask_key_id("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
        assert_eq!(
            mask_key_ids_in("+ \"id\": \"AKIAIOSFODNN7EXAMPLE\",\n  session ASIAY34FZKBOKMUTVV7A"),
            "+ \"id\": \"AKIA…MPLE\",\n  session ASIA…VV7A"
        );
    }

    #[test]
    fn other_identifiers_are_left_alone() {
        for text in
            ["AIDAJQABLZS4A3QDU576Q", "arn:aws:iam::123456789012:user/AKIA", "XAKIAIOSFODNN7EXAMPLE", "AKIASHORT"]
        {
            assert_eq!(mask_key_ids_in(text), text);
        }
    }
}
