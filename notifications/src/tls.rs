//! The TLS client settings every outgoing connection uses (webhooks, and
//! mail sent with TLS from the first byte): rustls with ring and the
//! system's certificate authorities (`SSL_CERT_FILE` and `SSL_CERT_DIR`
//! override them, as for OpenSSL).

use std::sync::Arc;

/// rustls' client settings: ring, its safe default protocol versions, the
/// system's roots (a certificate the store cannot read is skipped, as
/// lettre does), no client certificate.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}
