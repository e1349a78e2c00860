//! Writing one backup file to the bucket: the Avro bytes go out in parts of a multipart upload,
//! which nothing can see until it completes in `finish`; a file smaller than one part is
//! written by one conditional PUT. An unfinished writer aborts its upload.

use super::bucket::{Bucket, Created};
use super::keys::Keys;
use super::{io_error, S3BackupStore};
use crate::backup_store::encode::{append_to, finish_once, Encoder};
use crate::backup_store::files::{next_suffix_among, with_suffix};
use crate::backup_store::listing::name_key;
use chrono::{SecondsFormat, Utc};
use hiring_domain::Table;
use hiring_ports::{AnyRow, BackupError, BackupInfo, BackupWriter, Codec, SCHEMA_VERSION};
use object_store::path::Path as Key;
use object_store::MultipartUpload;
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Bytes per uploaded part (S3 wants at least 5 MiB for every part but the last).
pub(super) const PART: usize = 8 << 20;

/// Names this process is writing: two backups of one second in one process never pick the
/// same name.
static IN_FLIGHT: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// A name taken from [`IN_FLIGHT`] until dropped.
struct Reserved(String);

impl Drop for Reserved {
    fn drop(&mut self) {
        if let Ok(mut names) = IN_FLIGHT.lock() {
            names.remove(&self.0);
        }
    }
}

/// The name `<table>-<stamp>[-n].avro` of suffix `n`, relative to the prefix.
fn name(table: Table, stamp: &str, n: u32) -> String {
    let base = format!("{}-{stamp}", table.name());
    format!("{}/{}.avro", table.name(), with_suffix(&base, n))
}

/// Collects the encoded bytes into parts and sends each full part.
struct PartSink {
    bucket: Bucket,
    key: Key,
    buffer: Vec<u8>,
    upload: Option<Box<dyn MultipartUpload>>,
    /// Set when the writer is dropped unfinished: what the encoder still flushes is dropped.
    closed: Arc<AtomicBool>,
}

impl PartSink {
    fn send_part(&mut self) -> io::Result<()> {
        let part = std::mem::replace(&mut self.buffer, Vec::with_capacity(PART + (1 << 20)));
        let upload = match &mut self.upload {
            Some(upload) => upload,
            None => self.upload.insert(
                self.bucket
                    .start_upload(&self.key)
                    .map_err(io::Error::other)?,
            ),
        };
        self.bucket
            .send_part(upload.as_mut(), part)
            .map_err(io::Error::other)
    }
}

impl Write for PartSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed.load(Ordering::Relaxed) {
            return Ok(buf.len());
        }
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= PART {
            self.send_part()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Parts go out when full; the last one in `finish`.
        Ok(())
    }
}

impl Drop for PartSink {
    fn drop(&mut self) {
        if let Some(upload) = self.upload.take() {
            if let Err(e) = self.bucket.abort(upload) {
                tracing::warn!(key = %self.key, error = %e, "unfinished backup upload not aborted: its parts stay invisible until the bucket's lifecycle rule removes them");
            }
        }
    }
}

/// Writes one backup file to the bucket.
pub(super) struct S3Writer {
    bucket: Bucket,
    keys: Keys,
    url: String,
    table: Table,
    codec: Codec,
    stamp: String,
    created_at: String,
    suffix: u32,
    encoder: Option<Encoder<PartSink>>,
    closed: Arc<AtomicBool>,
    _reserved: Reserved,
}

impl S3Writer {
    pub(super) fn create(
        store: &S3BackupStore,
        table: Table,
        rows: u64,
        codec: Codec,
    ) -> Result<Self, BackupError> {
        let now = Utc::now();
        let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
        let created_at = now.to_rfc3339_opts(SecondsFormat::Micros, true);
        let folder = store.keys.folder(table.name());
        let listed = store
            .bucket
            .list(&folder)
            .map_err(|e| io_error(&store.shown(table.name()), &e))?;
        let names = listed
            .iter()
            .filter_map(|meta| meta.location.filename().map(str::to_owned));
        let mut suffix = next_suffix_among(names, &stamp, |n| {
            let (ours, stamp, n, _) = name_key(table, n);
            ours.then_some((stamp, n))
        });
        let reserved = {
            let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
            while !in_flight.insert(name(table, &stamp, suffix)) {
                suffix = suffix.saturating_add(1);
            }
            Reserved(name(table, &stamp, suffix))
        };
        let closed = Arc::new(AtomicBool::new(false));
        let sink = PartSink {
            bucket: store.bucket.clone(),
            key: store.keys.of(&reserved.0),
            buffer: Vec::with_capacity(PART + (1 << 20)),
            upload: None,
            closed: closed.clone(),
        };
        let encoder = Encoder::new(sink, table, rows, codec, &created_at).map_err(|message| {
            BackupError::Io {
                file: store.shown(&reserved.0),
                message,
            }
        })?;
        Ok(Self {
            bucket: store.bucket.clone(),
            keys: store.keys.clone(),
            url: store.location.url(),
            table,
            codec,
            stamp,
            created_at,
            suffix,
            encoder: Some(encoder),
            closed,
            _reserved: reserved,
        })
    }

    fn io(&self, message: String) -> BackupError {
        BackupError::Io {
            file: format!(
                "{}/{}",
                self.url,
                name(self.table, &self.stamp, self.suffix)
            ),
            message,
        }
    }

    /// Makes the finished bytes visible under a name no other object has, and returns it.
    fn publish(&self, mut sink: PartSink) -> Result<String, BackupError> {
        let Some(upload) = sink.upload.take() else {
            // One part at most: a conditional PUT, on the next name when one is taken.
            let bytes = bytes::Bytes::from(std::mem::take(&mut sink.buffer));
            for n in self.suffix..self.suffix.saturating_add(1000) {
                let relative = name(self.table, &self.stamp, n);
                let created = self
                    .bucket
                    .create(&self.keys.of(&relative), bytes.clone())
                    .map_err(|e| self.io(e.to_string()))?;
                if let Created::Written = created {
                    return Ok(relative);
                }
            }
            return Err(self.io("every name for this second is taken".into()));
        };
        let mut upload = upload;
        let last = std::mem::take(&mut sink.buffer);
        let sent = if last.is_empty() {
            Ok(())
        } else {
            self.bucket.send_part(upload.as_mut(), last)
        };
        let relative = name(self.table, &self.stamp, self.suffix);
        let checked = sent.and_then(|()| self.bucket.exists(&sink.key));
        match checked {
            Ok(false) => {}
            outcome => {
                let _ = self.bucket.abort(upload);
                return Err(self.io(match outcome {
                    Ok(_) => "another backup wrote this name meanwhile: nothing was written, take the backup again".into(),
                    Err(e) => e.to_string(),
                }));
            }
        }
        self.bucket
            .complete(upload)
            .map_err(|e| self.io(e.to_string()))?;
        Ok(relative)
    }
}

impl BackupWriter for S3Writer {
    fn append(&mut self, row: &AnyRow) -> Result<(), BackupError> {
        append_to(&mut self.encoder, row).map_err(|e| self.io(e))
    }

    fn finish(&mut self) -> Result<BackupInfo, BackupError> {
        let encoded = finish_once(&mut self.encoder).map_err(|e| self.io(e))?;
        let rows = encoded.rows;
        let file = self.publish(encoded.sink)?;
        Ok(BackupInfo {
            table: self.table,
            file,
            rows: Some(rows),
            size: encoded.bytes,
            created_at: Some(self.created_at.clone()),
            codec: self.codec.name().to_owned(),
            schema_version: SCHEMA_VERSION,
            sha256: Some(encoded.sha256),
        })
    }
}

impl Drop for S3Writer {
    fn drop(&mut self) {
        // What the encoder flushes as it drops is not sent; the sink aborts its upload.
        self.closed.store(true, Ordering::Relaxed);
        self.encoder = None;
    }
}
