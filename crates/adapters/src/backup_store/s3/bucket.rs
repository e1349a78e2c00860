//! The object store seen synchronously: each call runs on the store's own Tokio runtime and
//! the calling thread waits for it (the ports are synchronous). Safe from any thread, inside
//! another runtime's blocking pool included.

use futures_util::TryStreamExt;
use object_store::path::Path as Key;
use object_store::{
    MultipartUpload, ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
};
use std::future::Future;
use std::ops::Range;
use std::sync::{mpsc, Arc};
use tokio::runtime::Runtime;

/// One bucket, and the runtime its requests run on.
#[derive(Debug, Clone)]
pub(super) struct Bucket {
    store: Arc<dyn ObjectStore>,
    runtime: Arc<Runtime>,
}

/// What a conditional write found.
pub(super) enum Created {
    /// The object was written.
    Written,
    /// An object already had that key: nothing was written.
    Taken,
}

impl Bucket {
    pub(super) fn new(store: Arc<dyn ObjectStore>) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("hiring-s3")
            .enable_all()
            .build()?;
        Ok(Self {
            store,
            runtime: Arc::new(runtime),
        })
    }

    /// Runs `work` on the store's runtime and waits for its answer.
    fn run<T: Send + 'static>(&self, work: impl Future<Output = T> + Send + 'static) -> T {
        let (answer, wait) = mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let _ = answer.send(work.await);
        });
        match wait.recv() {
            Ok(value) => value,
            // The task panicked: let the caller's thread panic the same way.
            Err(_) => panic!("an object store request panicked"),
        }
    }

    pub(super) fn head(&self, key: &Key) -> object_store::Result<ObjectMeta> {
        let (store, key) = (self.store.clone(), key.clone());
        self.run(async move { store.head(&key).await })
    }

    pub(super) fn exists(&self, key: &Key) -> object_store::Result<bool> {
        match self.head(key) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The whole object (a manifest: small).
    pub(super) fn get(&self, key: &Key) -> object_store::Result<bytes::Bytes> {
        let (store, key) = (self.store.clone(), key.clone());
        self.run(async move { store.get(&key).await?.bytes().await })
    }

    pub(super) fn get_range(
        &self,
        key: &Key,
        range: Range<u64>,
    ) -> object_store::Result<bytes::Bytes> {
        let (store, key) = (self.store.clone(), key.clone());
        self.run(async move { store.get_range(&key, range).await })
    }

    /// Every object under the folder `prefix`, at any depth.
    pub(super) fn list(&self, prefix: &Key) -> object_store::Result<Vec<ObjectMeta>> {
        let (store, prefix) = (self.store.clone(), prefix.clone());
        self.run(async move { store.list(Some(&prefix)).try_collect().await })
    }

    /// Writes `bytes` at `key` only if no object has that key (`If-None-Match: *`).
    pub(super) fn create(&self, key: &Key, bytes: bytes::Bytes) -> object_store::Result<Created> {
        let (store, key) = (self.store.clone(), key.clone());
        self.run(async move {
            let options = PutOptions::from(PutMode::Create);
            match store.put_opts(&key, PutPayload::from(bytes), options).await {
                Ok(_) => Ok(Created::Written),
                Err(
                    object_store::Error::AlreadyExists { .. }
                    | object_store::Error::Precondition { .. },
                ) => Ok(Created::Taken),
                Err(e) => Err(e),
            }
        })
    }

    pub(super) fn delete(&self, key: &Key) -> object_store::Result<()> {
        let (store, key) = (self.store.clone(), key.clone());
        self.run(async move { store.delete(&key).await })
    }

    /// Starts a multipart upload to `key`: nothing is visible under it until it completes.
    pub(super) fn start_upload(&self, key: &Key) -> object_store::Result<Box<dyn MultipartUpload>> {
        let (store, key) = (self.store.clone(), key.clone());
        self.run(async move { store.put_multipart(&key).await })
    }

    /// Sends one part of `upload`, and waits until it is stored.
    pub(super) fn send_part(
        &self,
        upload: &mut dyn MultipartUpload,
        part: Vec<u8>,
    ) -> object_store::Result<()> {
        let sending = upload.put_part(PutPayload::from(part));
        self.run(sending)
    }

    pub(super) fn complete(
        &self,
        mut upload: Box<dyn MultipartUpload>,
    ) -> object_store::Result<()> {
        self.run(async move { upload.complete().await.map(|_| ()) })
    }

    pub(super) fn abort(&self, mut upload: Box<dyn MultipartUpload>) -> object_store::Result<()> {
        self.run(async move { upload.abort().await })
    }
}
