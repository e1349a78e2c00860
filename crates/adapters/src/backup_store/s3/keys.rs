//! Where things live in the bucket: the location URL, object keys under the prefix, and names
//! received from outside checked before they become keys.

use object_store::path::Path as Key;

/// `s3://bucket/prefix` split: the bucket and the (possibly empty) prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket.
    pub bucket: String,
    /// The key prefix under which the backup folder lives, without slashes at its ends.
    pub prefix: String,
}

impl S3Location {
    /// Reads `s3://bucket[/prefix]`: `None` when `text` is not an `s3://` URL, an error when it
    /// is one without a usable bucket or prefix.
    pub fn parse(text: &str) -> Option<Result<Self, String>> {
        let rest = text.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/');
        Some(if bucket.is_empty() {
            Err(format!(
                "{text:?} names no bucket: write s3://bucket/prefix"
            ))
        } else if prefix
            .split('/')
            .any(|part| matches!(part, "" | "." | "..") && !prefix.is_empty())
        {
            Err(format!(
                "{text:?}: the prefix may not hold empty, `.` or `..` parts"
            ))
        } else {
            Ok(Self {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            })
        })
    }

    /// The location as written: `s3://bucket/prefix`.
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// Keys of the backup folder under one prefix.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    prefix: Key,
}

impl Keys {
    pub(super) fn new(prefix: &str) -> Self {
        Self {
            prefix: Key::from(prefix),
        }
    }

    /// The "folder" `name` (a table's, or `sets`).
    pub(super) fn folder(&self, name: &str) -> Key {
        self.prefix.clone().join(name)
    }

    /// The key of `relative` (`departments/departments-....avro`, `sets/<id>.json`).
    pub(super) fn of(&self, relative: &str) -> Key {
        relative
            .split('/')
            .fold(self.prefix.clone(), |key, part| key.join(part))
    }

    /// `key` relative to the prefix, as the backup folder names its files: `None` for a key
    /// outside it.
    pub(super) fn relative(&self, key: &Key) -> Option<String> {
        let parts: Vec<String> = key
            .prefix_match(&self.prefix)?
            .map(|part| part.as_ref().to_owned())
            .collect();
        Some(parts.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_read_bucket_and_prefix() {
        let at = |text: &str| S3Location::parse(text).map(|r| r.map(|l| (l.bucket, l.prefix)));
        assert_eq!(at("avro_files"), None);
        assert_eq!(at("/srv/s3://x"), None);
        assert_eq!(at("s3://b"), Some(Ok(("b".into(), String::new()))));
        assert_eq!(at("s3://b/"), Some(Ok(("b".into(), String::new()))));
        assert_eq!(
            at("s3://b/team/hiring/"),
            Some(Ok(("b".into(), "team/hiring".into())))
        );
        assert!(at("s3://").unwrap().is_err());
        assert!(at("s3:///prefix").unwrap().is_err());
        assert!(at("s3://b/a//c").unwrap().is_err());
        assert!(at("s3://b/a/../c").unwrap().is_err());
        let location = S3Location::parse("s3://b/p/").unwrap().unwrap();
        assert_eq!(location.url(), "s3://b/p");
    }

    #[test]
    fn keys_sit_under_the_prefix_and_come_back_relative() {
        let keys = Keys::new("team/hiring");
        let key = keys.of("departments/departments-20261203T080000Z.avro");
        assert_eq!(
            key.as_ref(),
            "team/hiring/departments/departments-20261203T080000Z.avro"
        );
        assert_eq!(
            keys.relative(&key).unwrap(),
            "departments/departments-20261203T080000Z.avro"
        );
        assert_eq!(keys.relative(&Key::from("other/x.avro")), None);
        assert_eq!(Keys::new("").of("sets/a.json").as_ref(), "sets/a.json");
    }
}
