//! File-system steps shared by the writers: errors naming their file, and publishing a finished
//! temporary file under a new name without ever replacing one.

use hiring_ports::BackupError;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub(super) fn io_error(file: &Path, e: &io::Error) -> BackupError {
    BackupError::Io {
        file: file.display().to_string(),
        message: e.to_string(),
    }
}

/// Gives the synced file `temp` the first of `names` that is free, never replacing a file, and
/// removes the temporary name: `None` when every name is taken.
pub(super) fn link_new(
    temp: &Path,
    names: impl IntoIterator<Item = PathBuf>,
) -> Result<Option<PathBuf>, BackupError> {
    for target in names {
        match fs::hard_link(temp, &target) {
            Ok(()) => {
                fs::remove_file(temp).map_err(|e| io_error(temp, &e))?;
                return Ok(Some(target));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            // A file system without hard links: check, then rename (not atomic against a
            // concurrent backup within the same second).
            Err(_) if !target.exists() => {
                fs::rename(temp, &target).map_err(|e| io_error(&target, &e))?;
                return Ok(Some(target));
            }
            Err(_) => continue,
        }
    }
    Ok(None)
}

/// The first suffix to try for a new name of `stamp` in `folder`: one past the highest in use
/// (a name without a suffix counts as 1), so that a new name always sorts after every name of
/// its second, even when earlier ones were removed since. `key` reads a name's stamp and
/// suffix (`None` for names of another shape). 1 when the folder holds none.
pub(super) fn next_suffix(
    folder: &Path,
    stamp: &str,
    key: impl Fn(&str) -> Option<(String, u32)>,
) -> u32 {
    let Ok(entries) = fs::read_dir(folder) else {
        return 1;
    };
    let names = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok());
    next_suffix_among(names, stamp, key)
}

/// [`next_suffix`] among the names `names` (of a folder, or of a listing of keys).
pub(super) fn next_suffix_among(
    names: impl IntoIterator<Item = String>,
    stamp: &str,
    key: impl Fn(&str) -> Option<(String, u32)>,
) -> u32 {
    names
        .into_iter()
        .filter_map(|name| key(&name))
        .filter(|(of, _)| of == stamp)
        .map(|(_, n)| n.saturating_add(1))
        .max()
        .unwrap_or(1)
}

/// `<base>` for suffix 1, `<base>-<n>` after.
pub(super) fn with_suffix(base: &str, n: u32) -> String {
    if n == 1 {
        base.to_owned()
    } else {
        format!("{base}-{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_suffix_follows_the_highest_of_its_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let key = |name: &str| {
            let (stamp, n) = name.split_once('-').unwrap_or((name, "1"));
            Some((stamp.to_owned(), n.parse().ok()?))
        };
        assert_eq!(next_suffix(&dir.path().join("missing"), "S", key), 1);
        assert_eq!(next_suffix(dir.path(), "S", key), 1);
        for name in ["S-3", "S-x", "T-9", "S-2"] {
            fs::write(dir.path().join(name), "").unwrap();
        }
        assert_eq!(next_suffix(dir.path(), "S", key), 4);
        assert_eq!(next_suffix(dir.path(), "U", key), 1);
        fs::write(dir.path().join("U"), "").unwrap();
        assert_eq!(next_suffix(dir.path(), "U", key), 2);
        assert_eq!(with_suffix("S", 1), "S");
        assert_eq!(with_suffix("S", 4), "S-4");
    }
}
