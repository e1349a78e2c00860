//! HTTPS: the server's certificate chain and private key, read from PEM files and checked
//! (parsed, and the key matching the certificate) before the server listens. rustls with the
//! `ring` crypto provider.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A certificate chain and its key, ready to serve HTTPS with.
#[derive(Clone)]
pub struct Tls {
    config: Arc<ServerConfig>,
    cert: PathBuf,
}

/// Why the certificate or the key cannot be used; each names its file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file cannot be read or holds no valid PEM certificate.
    #[error("TLS certificate {}: {reason}", path.display())]
    Certificate {
        /// The certificate file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The key file cannot be read or holds no valid PEM private key.
    #[error("TLS key {}: {reason}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The key and the certificate do not go together (or rustls refuses them).
    #[error("TLS key {} and certificate {}: {reason}", key.display(), cert.display())]
    Mismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls said.
        reason: String,
    },
}

impl Tls {
    /// Reads the certificate chain (the server's certificate first, then any intermediates)
    /// from `cert` and its private key (PKCS#8, PKCS#1 or SEC1) from `key`, both PEM.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let certificate = |reason: String| TlsError::Certificate {
            path: cert.to_path_buf(),
            reason,
        };
        let chain = CertificateDer::pem_file_iter(cert)
            .map_err(|e| certificate(pem_reason(&e)))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| certificate(pem_reason(&e)))?;
        if chain.is_empty() {
            return Err(certificate(
                "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        let private_key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
            path: key.to_path_buf(),
            reason: match e {
                rustls::pki_types::pem::Error::NoItemsFound => {
                    "holds no PEM private key (-----BEGIN PRIVATE KEY-----)".into()
                }
                e => pem_reason(&e),
            },
        })?;
        let mismatch = |e: rustls::Error| TlsError::Mismatch {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            reason: match e {
                rustls::Error::InconsistentKeys(_) => {
                    "the key does not match the certificate".into()
                }
                e => e.to_string(),
            },
        };
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(mismatch)?
                .with_no_client_auth()
                .with_single_cert(chain, private_key)
                .map_err(mismatch)?;
        Ok(Self {
            config: Arc::new(config),
            cert: cert.to_path_buf(),
        })
    }

    /// The rustls configuration the server listens with.
    pub(crate) fn server_config(&self) -> ServerConfig {
        (*self.config).clone()
    }
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls").field("cert", &self.cert).finish()
    }
}

/// A PEM reading error in words.
fn pem_reason(error: &rustls::pki_types::pem::Error) -> String {
    match error {
        rustls::pki_types::pem::Error::Io(e) => format!("cannot read it: {e}"),
        e => format!("invalid PEM: {e}"),
    }
}
