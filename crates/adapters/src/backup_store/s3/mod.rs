//! The backup-store port on an S3-compatible object store (the `object_store` crate): the
//! layout of the folder store under a key prefix, `<prefix>/<table>/<table>-<stamp>[-n].avro`
//! and `<prefix>/sets/<set id>.json`, with the same guarantees.
//!
//! - A file appears under its name only when complete: its bytes go out as the parts of a
//!   multipart upload, which the store shows only once completed in `finish`; an unfinished
//!   writer aborts it. A file smaller than one part, and every manifest, is written by one PUT
//!   with `If-None-Match: *`, so an existing object is never replaced.
//! - Reading fetches ranges (a file's header first, then growing chunks up to 8 MiB) and
//!   writing holds one part (8 MiB): memory stays flat whatever the table's size.
//! - Endpoint, region and credentials come from the usual AWS settings (`AWS_ENDPOINT_URL`,
//!   `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, a web
//!   identity or the instance's metadata service); an `http://` endpoint is allowed as given.
//!
//! Limits: a multipart upload is completed after a check that its name is still free, not by a
//! conditional write, so two processes backing up one table within one second could in
//! principle race for a name (one process never does: it reserves its names). Parts of an
//! upload killed midway stay stored, invisible, until the bucket's lifecycle rule
//! `AbortIncompleteMultipartUpload` removes them.

mod bucket;
mod keys;
mod ranged;
mod upload;

pub use keys::S3Location;

use super::listing::{name_key, readable};
use super::names::{checked_name, removable};
use super::reader::AvroReader;
use super::sets::SETS_FOLDER;
use super::sets::{hash_all, manifest_json, manifest_of, parse_manifest, set_key, set_stamp};
use crate::backup_store::files::{next_suffix_among, with_suffix};
use bucket::{Bucket, Created};
use hiring_domain::Table;
use hiring_ports::{
    BackupError, BackupInfo, BackupReader, BackupStore, BackupWriter, Checksum, Codec, NewSet,
    SetId, SetManifest, StoredFile,
};
use keys::Keys;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as Key;
use object_store::ObjectMeta;
use ranged::RangedReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use upload::S3Writer;

/// Backup files under a prefix of an S3 bucket, as Avro object container files.
#[derive(Debug, Clone)]
pub struct S3BackupStore {
    location: S3Location,
    keys: Keys,
    bucket: Bucket,
}

fn io_error(file: &str, e: &object_store::Error) -> BackupError {
    BackupError::Io {
        file: file.to_owned(),
        message: e.to_string(),
    }
}

impl S3BackupStore {
    /// Backups at `location`, reached with the AWS settings of the environment. Nothing is
    /// requested yet: a wrong endpoint or credentials show on the first operation.
    pub fn from_env(location: S3Location) -> Result<Self, String> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&location.bucket);
        let endpoint = builder.get_config_value(&AmazonS3ConfigKey::Endpoint);
        if endpoint.is_some_and(|e| e.starts_with("http://")) {
            builder = builder.with_allow_http(true);
        }
        let store = builder.build().map_err(|e| e.to_string())?;
        Self::with_store(location, Arc::new(store))
    }

    /// Backups at `location` in `store` (any object store: tests use an in-memory one).
    pub fn with_store(
        location: S3Location,
        store: Arc<dyn object_store::ObjectStore>,
    ) -> Result<Self, String> {
        let bucket = Bucket::new(store).map_err(|e| format!("cannot start the S3 client: {e}"))?;
        Ok(Self {
            keys: Keys::new(&location.prefix),
            location,
            bucket,
        })
    }

    /// Where the backups are.
    pub fn location(&self) -> &S3Location {
        &self.location
    }

    /// `relative` as shown to people: the full `s3://` URL.
    fn shown(&self, relative: &str) -> String {
        format!("{}/{relative}", self.location.url())
    }

    /// The objects directly in the folder `folder` (a table's, or `sets`), by file name.
    fn objects_in(&self, folder: &str) -> Result<Vec<(String, ObjectMeta)>, BackupError> {
        let listed = self
            .bucket
            .list(&self.keys.folder(folder))
            .map_err(|e| io_error(&self.shown(folder), &e))?;
        Ok(listed
            .into_iter()
            .filter_map(|meta| {
                let relative = self.keys.relative(&meta.location)?;
                let (of, name) = relative.split_once('/')?;
                (of == folder && !name.contains('/')).then(|| (name.to_owned(), meta))
            })
            .collect())
    }

    /// The backup files of `table` (relative names), newest first.
    fn files_of(&self, table: Table) -> Result<Vec<(String, u64)>, BackupError> {
        let mut files: Vec<_> = self
            .objects_in(table.name())?
            .into_iter()
            .filter(|(name, _)| !name.starts_with('.') && name.ends_with(".avro"))
            .map(|(name, meta)| (name_key(table, &name), meta.size))
            .collect();
        files.sort_by(|a, b| b.cmp(a));
        Ok(files
            .into_iter()
            .map(|(key, size)| (format!("{}/{}", table.name(), key.3), size))
            .collect())
    }

    /// The relative name of a path this store handed out (or a caller built).
    fn relative_of(&self, path: &Path) -> Result<String, BackupError> {
        let name = path.to_str().ok_or_else(|| BackupError::UnsafeName {
            name: path.display().to_string(),
            reason: "it is not UTF-8".into(),
        })?;
        let relative = checked_name(Table::Departments, name)?;
        if !relative.contains('/') {
            return Err(BackupError::UnsafeName {
                name: name.to_owned(),
                reason: "it names no folder".into(),
            });
        }
        Ok(relative)
    }

    /// The size of the object `relative`: `NotFound` when there is none.
    fn size_of(&self, relative: &str) -> Result<u64, BackupError> {
        match self.bucket.head(&self.keys.of(relative)) {
            Ok(meta) => Ok(meta.size),
            Err(object_store::Error::NotFound { .. }) => Err(BackupError::NotFound(format!(
                "backup file {} does not exist",
                self.shown(relative)
            ))),
            Err(e) => Err(io_error(&self.shown(relative), &e)),
        }
    }

    fn reader(&self, relative: &str, size: u64) -> Result<AvroReader, BackupError> {
        let key = self.keys.of(relative);
        let source = || Box::new(RangedReader::new(self.bucket.clone(), key.clone(), size));
        AvroReader::from_source(source(), source(), size, relative.to_owned())
    }

    fn manifest_key(&self, id: &str) -> Key {
        self.keys.of(&format!("{SETS_FOLDER}/{id}.json"))
    }

    /// Removes the object `relative` if it is there.
    fn remove_object(&self, relative: &str) -> Result<bool, BackupError> {
        let key = self.keys.of(relative);
        let failed = |e: object_store::Error| BackupError::RemoveFailed {
            file: self.shown(relative),
            message: e.to_string(),
        };
        if !self.bucket.exists(&key).map_err(failed)? {
            return Ok(false);
        }
        match self.bucket.delete(&key) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(true),
            Err(e) => Err(failed(e)),
        }
    }
}

impl BackupStore for S3BackupStore {
    fn create(
        &self,
        table: Table,
        rows: u64,
        codec: Codec,
    ) -> Result<Box<dyn BackupWriter>, BackupError> {
        Ok(Box::new(S3Writer::create(self, table, rows, codec)?))
    }

    fn list(&self) -> Result<Vec<BackupInfo>, BackupError> {
        let mut files = Vec::new();
        for table in Table::ALL {
            files.extend(self.files_of(table)?);
        }
        Ok(readable(
            files,
            |(relative, size)| self.reader(relative, *size).map(|reader| reader.info),
            |(relative, _)| self.shown(relative),
        ))
    }

    fn newest(&self, table: Table) -> Result<Option<PathBuf>, BackupError> {
        Ok(self
            .files_of(table)?
            .into_iter()
            .next()
            .map(|(relative, _)| PathBuf::from(relative)))
    }

    fn resolve(&self, table: Table, name: &str) -> Result<PathBuf, BackupError> {
        let relative = checked_name(table, name)?;
        match self.size_of(&relative) {
            Ok(_) => Ok(PathBuf::from(relative)),
            Err(BackupError::NotFound(_)) => Err(BackupError::NotFound(format!(
                "there is no backup file {name:?}"
            ))),
            Err(e) => Err(e),
        }
    }

    fn open(&self, path: &Path) -> Result<Box<dyn BackupReader>, BackupError> {
        let relative = self.relative_of(path)?;
        let size = self.size_of(&relative)?;
        Ok(Box::new(self.reader(&relative, size)?))
    }

    fn checksum(&self, path: &Path) -> Result<(u64, Checksum), BackupError> {
        let relative = self.relative_of(path)?;
        let size = self.size_of(&relative)?;
        let reader = RangedReader::new(self.bucket.clone(), self.keys.of(&relative), size);
        hash_all(reader).map_err(|e| BackupError::Io {
            file: self.shown(&relative),
            message: e.to_string(),
        })
    }

    fn save_set(&self, set: &NewSet) -> Result<SetManifest, BackupError> {
        let folder = self.shown(SETS_FOLDER);
        let io = |message: String| BackupError::Io {
            file: folder.clone(),
            message,
        };
        let stamp = set_stamp(set);
        let names = self
            .objects_in(SETS_FOLDER)?
            .into_iter()
            .map(|(name, _)| name);
        let first = next_suffix_among(names, &stamp, |name| {
            let (ours, stamp, n, _) = set_key(name.strip_suffix(".json")?);
            ours.then_some((stamp, n))
        });
        for n in first..first.saturating_add(1000) {
            let manifest = manifest_of(set, &with_suffix(&stamp, n)).map_err(io)?;
            let text = manifest_json(&manifest).map_err(io)?;
            let key = self.manifest_key(manifest.id.as_str());
            match self.bucket.create(&key, text.into()) {
                Ok(Created::Written) => return Ok(manifest),
                Ok(Created::Taken) => continue,
                Err(e) => return Err(io(e.to_string())),
            }
        }
        Err(io("every set id for this second is taken".into()))
    }

    fn set_ids(&self) -> Result<Vec<SetId>, BackupError> {
        let mut ids: Vec<_> = self
            .objects_in(SETS_FOLDER)?
            .into_iter()
            .filter_map(|(name, _)| SetId::new(name.strip_suffix(".json")?).ok())
            .map(|id| (set_key(id.as_str()), id))
            .collect();
        ids.sort_by(|a, b| b.cmp(a));
        Ok(ids.into_iter().map(|(_, id)| id).collect())
    }

    fn read_set(&self, id: &SetId) -> Result<SetManifest, BackupError> {
        let relative = format!("{SETS_FOLDER}/{id}.json");
        let text = match self.bucket.get(&self.manifest_key(id.as_str())) {
            Ok(text) => text,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(BackupError::NotFound(format!(
                    "there is no backup set {id} (no manifest {relative})"
                )))
            }
            Err(e) => return Err(io_error(&self.shown(&relative), &e)),
        };
        parse_manifest(&text, id, relative)
    }

    fn remove_stale_temporaries(&self) -> Result<Vec<String>, BackupError> {
        // No temporary object is ever written: an unfinished upload is invisible, aborted by
        // its writer, or removed by the bucket's lifecycle rule.
        Ok(Vec::new())
    }

    fn stored_files(&self) -> Result<Vec<StoredFile>, BackupError> {
        let mut all = Vec::new();
        for table in Table::ALL {
            for (name, meta) in self.objects_in(table.name())? {
                if name_key(table, &name).0 {
                    all.push(StoredFile {
                        table,
                        file: format!("{}/{name}", table.name()),
                        bytes: meta.size,
                        modified: meta.last_modified.into(),
                    });
                }
            }
        }
        all.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(all)
    }

    fn remove_file(&self, file: &str) -> Result<bool, BackupError> {
        removable(file)?;
        self.remove_object(file)
    }

    fn remove_set(&self, id: &SetId) -> Result<bool, BackupError> {
        self.remove_object(&format!("{SETS_FOLDER}/{id}.json"))
    }
}
