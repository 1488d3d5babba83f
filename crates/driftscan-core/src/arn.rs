//! Amazon Resource Names and account ids: the one place that knows their syntax,
//! `arn:partition:service:region:account:resource`. Facts are keyed by ARN strings; these
//! types read and write them without a hand-counted `split(':')` at every caller.

use std::fmt;

/// A 12-digit AWS account id, borrowed from the text it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId<'a>(&'a str);

impl<'a> AccountId<'a> {
    /// `Some` when `text` is exactly twelve ASCII digits.
    pub fn parse(text: &'a str) -> Option<AccountId<'a>> {
        (text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())).then_some(AccountId(text))
    }

    /// The account id in an IAM principal: the id itself, or an ARN in that account
    /// (`arn:aws:iam::123456789012:root`). `*`, services and canonical users name none.
    pub fn of_principal(principal: &'a str) -> Option<AccountId<'a>> {
        AccountId::parse(principal).or_else(|| Arn::parse(principal)?.account_id())
    }

    pub fn as_str(self) -> &'a str {
        self.0
    }
}

impl fmt::Display for AccountId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Whether `text` is an account id (see [`AccountId::parse`]).
pub fn is_account_id(text: &str) -> bool {
    AccountId::parse(text).is_some()
}

/// An ARN's six fields. Region and account are empty for global resources (`arn:aws:s3:::b`);
/// the resource keeps its own `:` and `/` (`cluster:prod`, `role/path/name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// `None` unless `text` starts with `arn:` and has all six fields.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.strip_prefix("arn:")?.splitn(5, ':');
        Some(Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }

    /// A resource of no region and no account (an S3 bucket: `arn:aws:s3:::name`).
    pub fn global(partition: &'a str, service: &'a str, resource: &'a str) -> Arn<'a> {
        Arn { partition, service, region: "", account: "", resource }
    }

    /// A resource of an account in every region (IAM, the account-wide settings).
    pub fn account_wide(partition: &'a str, service: &'a str, account: &'a str, resource: &'a str) -> Arn<'a> {
        Arn { partition, service, region: "", account, resource }
    }

    /// A resource of an account in one region.
    pub fn regional(
        partition: &'a str,
        service: &'a str,
        region: &'a str,
        account: &'a str,
        resource: &'a str,
    ) -> Arn<'a> {
        Arn { partition, service, region, account, resource }
    }

    /// The account's root principal, `arn:<partition>:iam::<account>:root`.
    pub fn account_root(partition: &'a str, account: &'a str) -> Arn<'a> {
        Arn::account_wide(partition, "iam", account, "root")
    }

    /// The account field when it is an account id (not empty, not `aws` for AWS-managed
    /// policies, not a wildcard).
    pub fn account_id(&self) -> Option<AccountId<'a>> {
        AccountId::parse(self.account)
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Arn { partition, service, region, account, resource } = self;
        write!(f, "arn:{partition}:{service}:{region}:{account}:{resource}")
    }
}

/// The short name of a resource, as reports show it: the last part of its ARN
/// (`role/ops/deploy` → `deploy`), or the whole id when it has none.
pub fn short_name(id: &str) -> &str {
    id.rsplit(['/', ':']).find(|s| !s.is_empty()).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_fields_round_trip_and_the_resource_keeps_its_colons() {
        for text in [
            "arn:aws:s3:::bucket",
            "arn:aws:iam::111122223333:role/path/app",
            "arn:aws-cn:redshift:cn-north-1:111122223333:cluster:prod",
            "arn:aws:ec2:us-east-1::snapshot/snap-1",
        ] {
            let arn = Arn::parse(text).unwrap();
            assert_eq!(arn.to_string(), text);
        }
        let cluster = Arn::parse("arn:aws:redshift:eu-west-1:111122223333:cluster:prod").unwrap();
        assert_eq!((cluster.service, cluster.region, cluster.resource), ("redshift", "eu-west-1", "cluster:prod"));
        assert_eq!(Arn::parse("arn:aws:s3::bucket"), None);
        assert_eq!(Arn::parse("s3:::bucket:x:y"), None);
        assert_eq!(
            Arn::account_root("aws-us-gov", "111122223333").to_string(),
            "arn:aws-us-gov:iam::111122223333:root"
        );
        assert_eq!(Arn::global("aws", "s3", "logs").to_string(), "arn:aws:s3:::logs");
    }

    #[test]
    fn account_ids_are_twelve_digits_in_a_principal_or_an_arn() {
        assert_eq!(AccountId::of_principal("111122223333").map(AccountId::as_str), Some("111122223333"));
        assert_eq!(
            AccountId::of_principal("arn:aws:iam::444455556666:user/x").map(AccountId::as_str),
            Some("444455556666")
        );
        for none in
            ["*", "arn:aws:iam::aws:policy/ReadOnlyAccess", "lambda.amazonaws.com", "1111222233334", "11112222333a"]
        {
            assert_eq!(AccountId::of_principal(none), None, "{none}");
        }
        assert_eq!(short_name("arn:aws:iam::1:role/ops/deploy"), "deploy");
        assert_eq!(short_name("arn:aws:s3:::logs"), "logs");
        assert_eq!(short_name("plain"), "plain");
    }
}
