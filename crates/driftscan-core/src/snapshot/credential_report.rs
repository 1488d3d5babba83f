//! The IAM credential report: one CSV for the whole account with each user's password,
//! MFA and access-key state, read instead of several calls per user.

use chrono::{DateTime, Utc};

/// One user's row. Only the columns driftscan models are kept (no certificates, no
/// regions or services of last use): nothing else of the report reaches a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub user: String,
    pub arn: String,
    pub password_enabled: bool,
    pub password_last_used: Option<DateTime<Utc>>,
    /// When the console password was set; dates an unused password (never signed in with).
    pub password_last_changed: Option<DateTime<Utc>>,
    pub mfa_active: bool,
    pub keys: [KeySlot; 2],
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySlot {
    pub active: bool,
    /// Creation (or last rotation) time; `None` when the slot holds no key.
    pub last_rotated: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
}

/// The root account's row is named `<root_account>`.
pub const ROOT_USER: &str = "<root_account>";

/// Parses the report; an error names the line and the column that is wrong.
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| format!("credential report header: {e}"))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| format!("credential report has no column `{name}`"))
    };
    let user = column("user")?;
    let arn = column("arn")?;
    let password_enabled = column("password_enabled")?;
    let password_last_used = column("password_last_used")?;
    let password_last_changed = column("password_last_changed")?;
    let mfa_active = column("mfa_active")?;
    let slot_columns = |n: u8| -> Result<[usize; 3], String> {
        Ok([
            column(&format!("access_key_{n}_active"))?,
            column(&format!("access_key_{n}_last_rotated"))?,
            column(&format!("access_key_{n}_last_used_date"))?,
        ])
    };
    let slots = [slot_columns(1)?, slot_columns(2)?];
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("credential report line {line}: {e}"))?;
        let field = |c: usize| record.get(c).unwrap_or("");
        let at = |what: &str, e: String| format!("credential report line {line}, {what}: {e}");
        let mut keys: [KeySlot; 2] = Default::default();
        for (slot, [active, rotated, used]) in keys.iter_mut().zip(slots) {
            slot.active = flag(field(active)).map_err(|e| at("access key active", e))?;
            slot.last_rotated = time(field(rotated)).map_err(|e| at("access key last rotated", e))?;
            slot.last_used = time(field(used)).map_err(|e| at("access key last used", e))?;
        }
        rows.push(Row {
            user: field(user).to_string(),
            arn: field(arn).to_string(),
            // Root's password_enabled is `not_supported`: root always has a password.
            password_enabled: field(password_enabled) == "not_supported"
                || flag(field(password_enabled)).map_err(|e| at("password_enabled", e))?,
            password_last_used: time(field(password_last_used)).map_err(|e| at("password_last_used", e))?,
            password_last_changed: time(field(password_last_changed)).map_err(|e| at("password_last_changed", e))?,
            mfa_active: flag(field(mfa_active)).map_err(|e| at("mfa_active", e))?,
            keys,
        });
    }
    Ok(rows)
}

fn flag(s: &str) -> Result<bool, String> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("expected true or false, found `{other}`")),
    }
}

/// `N/A`, `no_information` and `not_supported` mean "no time".
fn time(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    match s {
        "" | "N/A" | "no_information" | "not_supported" => Ok(None),
        t => DateTime::parse_from_rfc3339(t)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|e| format!("`{t}` is not a date-time: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    #[test]
    fn reads_root_users_and_key_slots() {
        let csv = format!(
            "{HEADER}\n\
             <root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
             alice,arn:aws:iam::111111111111:user/alice,2024-01-01T00:00:00+00:00,true,no_information,2024-01-01T00:00:00+00:00,N/A,false,true,2025-06-01T09:00:00+00:00,2026-11-20T08:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let rows = parse(&csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].user, ROOT_USER);
        assert!(rows[0].password_enabled && rows[0].mfa_active);
        let alice = &rows[1];
        assert!(alice.password_enabled && !alice.mfa_active && alice.password_last_used.is_none());
        assert_eq!(alice.password_last_changed.map(|t| t.to_rfc3339()).as_deref(), Some("2024-01-01T00:00:00+00:00"));
        assert!(rows[0].password_last_changed.is_none(), "root's `not_supported` is no time");
        assert!(alice.keys[0].active && alice.keys[0].last_rotated.is_some() && alice.keys[0].last_used.is_some());
        assert_eq!(alice.keys[1], KeySlot::default());
    }

    #[test]
    fn columns_not_modelled_never_reach_a_row() {
        // A future column, e.g. something secret, and the modelled report's region/service
        // and certificate columns: none of their values may survive parsing.
        let csv = format!(
            "{HEADER},future_secret\n\
             alice,arn:aws:iam::111111111111:user/alice,2024-01-01T00:00:00+00:00,true,N/A,N/A,N/A,true,true,2025-06-01T09:00:00+00:00,N/A,ap-south-9,sagemaker,false,N/A,N/A,N/A,N/A,true,2019-09-09T09:09:09+00:00,false,N/A,wJalrXUtnFEMI-K7MDENG\n"
        );
        let rows = parse(&csv).unwrap();
        let kept = format!("{rows:?}");
        for value in ["wJalrXUtnFEMI-K7MDENG", "ap-south-9", "sagemaker", "2019-09-09"] {
            assert!(!kept.contains(value), "`{value}` reached a row: {kept}");
        }
        assert!(rows[0].keys[0].active && rows[0].mfa_active);
    }

    #[test]
    fn bad_values_name_their_line_and_column() {
        let csv = format!(
            "{HEADER}\nbob,arn:aws:iam::1:user/bob,x,maybe,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let err = parse(&csv).unwrap_err();
        assert!(err.contains("line 2") && err.contains("password_enabled") && err.contains("maybe"), "{err}");
        assert!(parse("user,arn\nx,y\n").unwrap_err().contains("no column `password_enabled`"));
        let short = format!("{HEADER}\nbob,arn\n");
        assert!(parse(&short).unwrap_err().contains("line 2"));
    }
}
