//! Names received from outside, checked before they reach the store: a backup named for
//! restore, a file named for removal. Both stores (the folder and the bucket) share these rules.

use super::listing::name_key;
use hiring_domain::Table;
use hiring_ports::BackupError;
use std::path::{Component, Path};

/// The relative name (`<table>/<file>`, or `<file>` looked up in `table`'s folder) that the
/// name `name` received from outside stands for: `..`, absolute paths and odd characters are
/// refused.
pub(super) fn checked_name(table: Table, name: &str) -> Result<String, BackupError> {
    let refuse = |reason: &str| BackupError::UnsafeName {
        name: name.to_owned(),
        reason: reason.to_owned(),
    };
    if name.is_empty() {
        return Err(refuse("it is empty"));
    }
    if name.contains('\0') {
        return Err(refuse("it contains a NUL character"));
    }
    if name.contains('\\') || name.chars().any(char::is_control) {
        return Err(refuse("it contains a backslash or a control character"));
    }
    let path = Path::new(name);
    if path.has_root() || path.is_absolute() {
        return Err(refuse("absolute paths are not allowed"));
    }
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => return Err(refuse("`..` is not allowed")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(refuse("absolute paths are not allowed"))
            }
        }
    }
    match parts.len() {
        0 => Err(refuse("it is empty")),
        1 => Ok(format!("{}/{}", table.name(), parts[0])),
        _ => Ok(parts.join("/")),
    }
}

/// The table and file name of `file` (`<table>/<backup name>`) when it names a backup file the
/// store may remove: in a table folder and shaped as that table's backup names.
pub(super) fn removable(file: &str) -> Result<(Table, &str), BackupError> {
    let refuse = |reason: &str| BackupError::RemoveRefused {
        name: file.to_owned(),
        reason: reason.to_owned(),
    };
    let (folder, name) = file
        .split_once('/')
        .ok_or_else(|| refuse("it is not in a table folder"))?;
    let table: Table = folder
        .parse()
        .map_err(|_| refuse("it is not in a table folder"))?;
    if !name_key(table, name).0 {
        return Err(refuse("it is not named as a backup file of its table"));
    }
    Ok((table, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_names_stay_inside_the_prefix() {
        let t = Table::Jobs;
        assert_eq!(checked_name(t, "jobs-1.avro").unwrap(), "jobs/jobs-1.avro");
        assert_eq!(
            checked_name(t, "./departments/d.avro").unwrap(),
            "departments/d.avro"
        );
        for bad in [
            "",
            "../x.avro",
            "jobs/../../x",
            "/etc/passwd",
            "a\\b",
            "a\nb",
            ".",
        ] {
            assert!(
                matches!(checked_name(t, bad), Err(BackupError::UnsafeName { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn only_backup_names_in_table_folders_are_removable() {
        let name = "jobs/jobs-20261203T080000Z.avro";
        assert_eq!(
            removable(name).unwrap(),
            (Table::Jobs, "jobs-20261203T080000Z.avro")
        );
        for bad in [
            "jobs-20261203T080000Z.avro",
            "x/jobs-20261203T080000Z.avro",
            "jobs/other.avro",
            "departments/jobs-20261203T080000Z.avro",
        ] {
            assert!(
                matches!(removable(bad), Err(BackupError::RemoveRefused { .. })),
                "{bad:?}"
            );
        }
    }
}
