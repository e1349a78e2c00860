//! HTTPS (`ApiConfig::tls`): the server with a self-signed certificate the test makes itself for
//! `localhost` and 127.0.0.1, reached by a client that trusts it; plain HTTP to that port gets
//! no answer, and a client that does not trust the certificate gets none either. Certificate and
//! key files that cannot be used are refused naming the file.

use super::support::TestDb;
use super::*;
use hiring_api::{Tls, TlsError};
use std::path::{Path, PathBuf};

/// A self-signed certificate and its key, written as PEM files in a folder of their own.
struct Pem {
    dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
    cert_pem: String,
}

fn self_signed() -> Pem {
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let cert_pem = made.cert.pem();
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, made.key_pair.serialize_pem()).unwrap();
    Pem {
        dir,
        cert,
        key,
        cert_pem,
    }
}

fn port_of(app: &TestApp) -> u16 {
    app.base.rsplit(':').next().unwrap().parse().unwrap()
}

#[test]
fn health_answers_over_https_and_plain_http_gets_no_answer() {
    let db = TestDb::sqlite();
    let pem = self_signed();
    let tls = Tls::from_pem_files(&pem.cert, &pem.key).unwrap();
    let app = TestApp::spawn_with(
        &db,
        ApiConfig {
            tls: Some(tls),
            ..ApiConfig::default()
        },
    );
    let port = port_of(&app);
    let trusting = Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pem.cert_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    for host in ["localhost", "127.0.0.1"] {
        let health = json_of(
            trusting
                .get(format!("https://{host}:{port}/health"))
                .send()
                .unwrap(),
            200,
        );
        assert_eq!(health["status"], "ok", "{health}");
    }
    let plain = app
        .client
        .get(format!("http://127.0.0.1:{port}/health"))
        .send();
    assert!(
        !plain.as_ref().is_ok_and(|r| r.status().is_success()),
        "plain HTTP answered: {plain:?}"
    );
    let untrusting = Client::builder()
        .tls_built_in_root_certs(false)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    assert!(untrusting
        .get(format!("https://localhost:{port}/health"))
        .send()
        .is_err());
}

fn refused(cert: &Path, key: &Path) -> String {
    let error: TlsError = Tls::from_pem_files(cert, key).unwrap_err();
    error.to_string()
}

#[test]
fn unusable_certificate_and_key_files_are_refused_naming_the_file() {
    let pem = self_signed();
    let other = self_signed();
    let missing = pem.dir.path().join("missing.pem");
    let message = refused(&missing, &pem.key);
    assert!(
        message.contains("TLS certificate") && message.contains(&missing.display().to_string()),
        "{message}"
    );
    let message = refused(&pem.cert, &missing);
    assert!(
        message.contains("TLS key") && message.contains(&missing.display().to_string()),
        "{message}"
    );
    let garbage = pem.dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let message = refused(&garbage, &pem.key);
    assert!(
        message.contains(&garbage.display().to_string()) && message.contains("no PEM certificate"),
        "{message}"
    );
    // A certificate where the key belongs, and a key where the certificate belongs.
    let message = refused(&pem.cert, &pem.cert);
    assert!(message.contains("no PEM private key"), "{message}");
    let message = refused(&pem.key, &pem.key);
    assert!(message.contains("no PEM certificate"), "{message}");
    let message = refused(&pem.cert, &other.key);
    assert!(
        message.contains("does not match the certificate")
            && message.contains(&other.key.display().to_string())
            && message.contains(&pem.cert.display().to_string()),
        "{message}"
    );
}
