//! TLS for PostgreSQL with libpq's sslmode semantics on rustls (ring provider, no C toolchain):
//! - prefer / require: encrypt, do not verify (unless a root certificate or `sslaccept=strict`
//!   is given: then verify the chain as verify-ca does, or chain + name under strict);
//! - verify-ca: the chain must lead to a trusted root; the name is not checked;
//! - verify-full: chain and host name.
//!
//! Roots are webpki-roots plus the PEM file from `sslrootcert` / `sslcert`.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::connection::{ConnectionSpec, SslMode};
use crate::error::{DoctorError, ErrorCode, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verification {
    None,
    Chain,
    ChainAndName,
}

fn verification_for(spec: &ConnectionSpec) -> Verification {
    match spec.ssl_mode {
        SslMode::VerifyFull => Verification::ChainAndName,
        SslMode::VerifyCa => Verification::Chain,
        _ if spec.ssl_accept_strict => Verification::ChainAndName,
        // libpq: with a root certificate file, require behaves like verify-ca.
        _ if spec.root_cert.is_some() => Verification::Chain,
        _ => Verification::None,
    }
}

pub fn make_connector(spec: &ConnectionSpec) -> Result<MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match verification_for(spec) {
        Verification::None => Arc::new(AcceptAnyCertificate(provider.clone())),
        mode => {
            let roots = root_store(spec)?;
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| {
                        DoctorError::new(
                            ErrorCode::Tls,
                            format!("Cannot build the TLS verifier: {e}"),
                        )
                    })?;
            Arc::new(WebPki {
                inner: webpki,
                check_name: mode == Verification::ChainAndName,
            })
        }
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DoctorError::new(ErrorCode::Tls, format!("Cannot configure TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn root_store(spec: &ConnectionSpec) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &spec.root_cert {
        let pem = std::fs::read(path).map_err(|e| {
            DoctorError::new(
                ErrorCode::Tls,
                format!(
                    "Cannot read the root certificate file `{}` (sslrootcert/sslcert): {e}",
                    path.display()
                ),
            )
        })?;
        let mut added = 0;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            let cert = cert.map_err(|e| {
                DoctorError::new(
                    ErrorCode::Tls,
                    format!(
                        "The root certificate file `{}` is not valid PEM: {e}",
                        path.display()
                    ),
                )
            })?;
            roots.add(cert).map_err(|e| {
                DoctorError::new(
                    ErrorCode::Tls,
                    format!(
                        "The root certificate file `{}` holds an unusable certificate: {e}",
                        path.display()
                    ),
                )
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(DoctorError::new(
                ErrorCode::Tls,
                format!(
                    "The root certificate file `{}` holds no PEM certificate.",
                    path.display()
                ),
            ));
        }
    }
    Ok(roots)
}

/// sslmode=require without roots: encryption only, as libpq does. Signatures are still checked
/// so the handshake itself is sound.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// verify-ca / verify-full on top of webpki: verify-ca forgives only a name mismatch.
#[derive(Debug)]
struct WebPki {
    inner: Arc<WebPkiServerVerifier>,
    check_name: bool,
}

impl ServerCertVerifier for WebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
