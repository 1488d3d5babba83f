//! Access-key hygiene of IAM users: more than one active key, keys too old to have been
//! rotated, keys left unused. Ages are measured at the snapshot's `scanned_at`, so a
//! scan of a given snapshot always gives the same result.

use serde_json::Value;

use super::{Hit, StateAnalyzer, View, days_between, days_param};
use crate::redact::mask_key_id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    MultipleActive,
    MaxAge(i64),
    Unused(i64),
}

#[derive(Debug)]
pub struct AccessKeys {
    check: Check,
}

impl AccessKeys {
    pub fn from_params(params: &toml::Table) -> Result<Self, String> {
        let days = || days_param("access_keys", params);
        let check = match params.get("check").and_then(toml::Value::as_str) {
            Some("multiple_active") => {
                if params.contains_key("days") {
                    return Err("`check = \"multiple_active\"` takes no `days`".into());
                }
                Check::MultipleActive
            }
            Some("max_age") => Check::MaxAge(days()?),
            Some("unused") => Check::Unused(days()?),
            _ => {
                return Err(
                    "analyzer `access_keys` needs `params.check`: one of multiple_active, max_age, unused".into()
                );
            }
        };
        Ok(AccessKeys { check })
    }
}

impl StateAnalyzer for AccessKeys {
    fn check(&self, view: &View) -> Vec<Hit> {
        let Some(user) = view.facts.iam.users.get(view.id) else { return Vec::new() };
        let now = view.facts.meta.scanned_at;
        let active: Vec<_> = user.access_keys.iter().filter(|k| k.is_active()).collect();
        match self.check {
            Check::MultipleActive if active.len() > 1 => {
                let ids: Vec<String> = active.iter().map(|k| mask_key_id(&k.id)).collect();
                let detail = format!("{} active access keys ({})", active.len(), ids.join(", "));
                vec![Hit::new("", "access_keys", detail).values(None, Some(Value::from(active.len())))]
            }
            Check::MultipleActive => Vec::new(),
            Check::MaxAge(max) => active
                .iter()
                .filter_map(|k| {
                    let created = k.created?;
                    let age = days_between(created, now);
                    (age > max).then(|| {
                        let detail = format!(
                            "access key {} is {age} days old (created {}; rotate every {max} days)",
                            mask_key_id(&k.id),
                            created.date_naive()
                        );
                        // The creation date, not the age, so the finding stays `unchanged` while the key does.
                        Hit::new(k.id.clone(), "access_keys", detail)
                            .values(None, Some(Value::from(created.to_rfc3339())))
                    })
                })
                .collect(),
            Check::Unused(max) => active
                .iter()
                .filter_map(|k| {
                    let since = k.last_used.or(k.created)?;
                    let idle = days_between(since, now);
                    (idle > max).then(|| {
                        let what = if k.last_used.is_some() {
                            format!("last used {}", since.date_naive())
                        } else {
                            format!("never used since its creation on {}", since.date_naive())
                        };
                        let detail =
                            format!("access key {} is active but unused for {idle} days ({what})", mask_key_id(&k.id));
                        // Last use is volatile (not in baselines); the key's creation identifies it stably.
                        let created = k.created.map(|c| Value::from(c.to_rfc3339()));
                        Hit::new(k.id.clone(), "access_keys", detail).values(None, created)
                    })
                })
                .collect(),
        }
    }
}
