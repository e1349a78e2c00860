//! A response body written by synchronous code on the blocking pool: what it writes is sent to
//! the client chunk by chunk, so an export of any size is never held in memory.

use crate::blocking::spawn_blocking_with_tracing;
use actix_web::web::Bytes;
use futures_util::Stream;
use std::io::Write;
use tokio::sync::mpsc;

/// Bytes gathered before a chunk is sent.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks in flight between the writer and the client.
const CHUNKS_IN_FLIGHT: usize = 4;

/// A body whose bytes `write` produces on the blocking pool. When `write` fails, the body ends
/// with an error (the client sees the answer cut short, never a complete-looking file); when
/// the client goes away, `write`'s next write fails and it stops.
pub(crate) fn body<F, E>(write: F) -> impl Stream<Item = Result<Bytes, std::io::Error>>
where
    F: FnOnce(&mut dyn Write) -> Result<(), E> + Send + 'static,
    E: std::fmt::Display,
{
    let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let task = spawn_blocking_with_tracing(move || {
        let mut out = ChunkWriter {
            sender: sender.clone(),
            buffer: Vec::with_capacity(CHUNK_BYTES),
        };
        let result = match write(&mut out) {
            Ok(()) => out.flush().map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(error) = result {
            tracing::warn!(%error, "a streamed answer was cut short");
            // The client may be gone already: nothing to tell then.
            let _ = sender.blocking_send(Err(std::io::Error::other(error)));
        }
    });
    // The work runs whether or not the future is polled; its join result says nothing more.
    drop(task);
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    })
}

/// Sends what is written in chunks of [`CHUNK_BYTES`], waiting while the client is slow.
struct ChunkWriter {
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buffer.is_empty() {
            self.send()?;
        }
        Ok(())
    }
}

impl ChunkWriter {
    fn send(&mut self) -> std::io::Result<()> {
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK_BYTES),
        ));
        self.sender.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[actix_web::test]
    async fn every_byte_written_arrives_in_order() {
        let stream = body(|out| {
            for i in 0..50_000_u32 {
                writeln!(out, "{i}")?;
            }
            Ok::<_, std::io::Error>(())
        });
        let chunks: Vec<_> = stream.collect().await;
        assert!(chunks.len() > 1, "sent in several chunks");
        let text: Vec<u8> = chunks
            .into_iter()
            .flat_map(|c| c.unwrap().to_vec())
            .collect();
        let expected: String = (0..50_000_u32).map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(text).unwrap(), expected);
    }

    #[actix_web::test]
    async fn a_failed_write_ends_the_body_with_an_error() {
        let stream = body(|out| {
            out.write_all(b"partial")?;
            Err::<(), _>(std::io::Error::other("storage failed"))
        });
        let chunks: Vec<_> = stream.collect().await;
        let last = chunks.last().unwrap();
        assert!(last.is_err(), "{chunks:?}");
    }
}
