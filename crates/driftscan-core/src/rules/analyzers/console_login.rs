//! Console passwords nobody signs in with. Idle time is measured at the snapshot's
//! `scanned_at` from the last console sign-in or, for a password never used, from when it
//! was set (the user's creation when that is unknown), so a scan of a given snapshot always
//! gives the same result.

use serde_json::Value;

use super::{Hit, StateAnalyzer, View, days_between, days_param};

#[derive(Debug)]
pub struct ConsoleUnused {
    days: i64,
}

impl ConsoleUnused {
    pub fn from_params(params: &toml::Table) -> Result<Self, String> {
        Ok(ConsoleUnused { days: days_param("console_unused", params)? })
    }
}

impl StateAnalyzer for ConsoleUnused {
    fn check(&self, view: &View) -> Vec<Hit> {
        let Some(user) = view.facts.iam.users.get(view.id) else { return Vec::new() };
        if !user.console_password {
            return Vec::new();
        }
        // Without any date the idle time is unknown; guessing "unused" would be noise.
        let Some(since) = user.password_last_used.or(user.password_last_changed).or(user.created) else {
            return Vec::new();
        };
        let idle = days_between(since, view.facts.meta.scanned_at);
        if idle <= self.days {
            return Vec::new();
        }
        let what = match (user.password_last_used, user.password_last_changed) {
            (Some(_), _) => format!("last console sign-in {}", since.date_naive()),
            (None, Some(_)) => format!("never used since it was set on {}", since.date_naive()),
            (None, None) => format!("no console sign-in since the user was created on {}", since.date_naive()),
        };
        let detail = format!("console password unused for {idle} days ({what})");
        // Last use is volatile (not in baselines); the finding's value must not move daily.
        vec![Hit::new("", "console_password", detail).values(None, Some(Value::Bool(true)))]
    }
}
