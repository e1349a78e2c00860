//! Reading an object as a stream of bytes, one ranged GET at a time: memory stays at one chunk
//! whatever the object's size.

use super::bucket::Bucket;
use object_store::path::Path as Key;
use std::io::{self, Read};

/// Bytes fetched by the first request: a file's header fits, so listing reads little.
const FIRST_CHUNK: u64 = 64 << 10;

/// Bytes fetched per request at most: each request fetches twice the previous one up to it.
const CHUNK: u64 = 8 << 20;

/// Reads the object `key` of `size` bytes from its start.
pub(super) struct RangedReader {
    bucket: Bucket,
    key: Key,
    size: u64,
    next: u64,
    chunk: bytes::Bytes,
    ask: u64,
}

impl RangedReader {
    pub(super) fn new(bucket: Bucket, key: Key, size: u64) -> Self {
        Self {
            bucket,
            key,
            size,
            next: 0,
            chunk: bytes::Bytes::new(),
            ask: FIRST_CHUNK,
        }
    }
}

impl Read for RangedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.chunk.is_empty() {
            if self.next >= self.size || buf.is_empty() {
                return Ok(0);
            }
            let end = self.size.min(self.next.saturating_add(self.ask));
            self.ask = (self.ask * 2).min(CHUNK);
            let chunk = self
                .bucket
                .get_range(&self.key, self.next..end)
                .map_err(io::Error::other)?;
            if chunk.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("{} ended at byte {} of {}", self.key, self.next, self.size),
                ));
            }
            self.next += chunk.len() as u64;
            self.chunk = chunk;
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}
