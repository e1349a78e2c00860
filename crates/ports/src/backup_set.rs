//! Backup sets: the files of one `backup` run, tied together by a manifest.
//!
//! A manifest names the set, says when its snapshot was taken and lists every file with its
//! table, name, row count, size and SHA-256. It is written last, once every file is complete:
//! a run that failed midway has no manifest, so its files never form a set.

use hiring_domain::Table;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Version of the manifest format written by this release.
pub const MANIFEST_VERSION: u32 = 1;

/// The name of a backup set: 1 to 64 ASCII letters, digits and `-`, not starting with `-`
/// (`20261203T091059Z`, `20261203T091059Z-2`). Safe as a file name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SetId(String);

impl SetId {
    /// `text` as a set id, or why it is not one.
    pub fn new(text: &str) -> Result<Self, String> {
        if text.is_empty() || text.len() > 64 {
            return Err(format!(
                "a backup set id has 1 to 64 characters, {text:?} has {}",
                text.len()
            ));
        }
        if text.starts_with('-') || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(format!(
                "a backup set id is made of ASCII letters, digits and `-` (not first): {text:?}"
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SetId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for SetId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<SetId> for String {
    fn from(id: SetId) -> Self {
        id.0
    }
}

/// A SHA-256 digest, shown and stored as 64 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Checksum([u8; 32]);

impl Checksum {
    /// The digest of these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// 64 hexadecimal digits as a digest, or why they are not one.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let invalid = || format!("a SHA-256 is 64 hexadecimal digits, not {text:?}");
        if text.len() != 64 || !text.is_ascii() {
            return Err(invalid());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| invalid())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| invalid())?;
        }
        Ok(Self(bytes))
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({self})")
    }
}

impl TryFrom<String> for Checksum {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::from_hex(&value)
    }
}

impl From<Checksum> for String {
    fn from(sum: Checksum) -> Self {
        sum.to_string()
    }
}

/// One file of a set, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetFile {
    /// The table the file holds.
    pub table: Table,
    /// The file, relative to the backup folder (`departments/departments-20261203T091059Z.avro`).
    pub file: String,
    /// Rows it holds.
    pub rows: u64,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes.
    pub sha256: Checksum,
}

/// What a set's manifest says, before the store has named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSet {
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// One file per table, parents first.
    pub files: Vec<SetFile>,
}

/// The manifest of a complete backup set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetManifest {
    /// Version of this manifest format ([`MANIFEST_VERSION`]).
    pub format_version: u32,
    /// The set's id.
    pub id: SetId,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// Version of the record schema of its files.
    pub schema_version: u32,
    /// One file per table, parents first.
    pub files: Vec<SetFile>,
}

impl SetManifest {
    /// The tables the set holds, in the order of its files.
    pub fn tables(&self) -> Vec<Table> {
        self.files.iter().map(|f| f.table).collect()
    }

    /// The file of `table`, if the set holds it.
    pub fn file_of(&self, table: Table) -> Option<&SetFile> {
        self.files.iter().find(|f| f.table == table)
    }
}

/// A set as listed: its manifest, and whether every file is there as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetStatus {
    /// The set's id.
    pub id: SetId,
    /// When the snapshot was taken (RFC 3339, UTC); `None` when the manifest is unreadable.
    pub created_at: Option<String>,
    /// Every file the manifest lists is present, readable, of its table and of the recorded
    /// size and row count (checksums are verified by restores, not by the listing).
    pub complete: bool,
    /// The tables the set holds.
    pub tables: Vec<Table>,
    /// Rows over all its files.
    pub rows: u64,
    /// Bytes over all its files.
    pub bytes: u64,
    /// Why the set is not complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Its files, as the manifest lists them.
    pub files: Vec<SetFile>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_ids_are_safe_file_names() {
        for good in ["20261203T091059Z", "20261203T091059Z-2", "a"] {
            assert_eq!(SetId::new(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "../x",
            "a/b",
            "-x",
            "a.json",
            "a b",
            &"x".repeat(65),
            "é",
        ] {
            assert!(SetId::new(bad).is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<SetId>("\"../etc\"").is_err());
    }

    #[test]
    fn checksums_round_trip_as_hex() {
        let sum = Checksum::from_bytes([0xab; 32]);
        let text = sum.to_string();
        assert_eq!(text, "ab".repeat(32));
        assert_eq!(Checksum::from_hex(&text), Ok(sum));
        assert_eq!(Checksum::from_hex(&text.to_uppercase()), Ok(sum));
        for bad in ["", "ab", &"zz".repeat(32), &"é".repeat(32)] {
            assert!(Checksum::from_hex(bad).is_err(), "{bad:?}");
        }
        let json = serde_json::to_string(&sum).unwrap();
        assert_eq!(serde_json::from_str::<Checksum>(&json).unwrap(), sum);
    }
}
