//! TLS for PostgreSQL with libpq's sslmode semantics on rustls (ring provider, no C toolchain):
//! - prefer: encrypt when the server accepts TLS, never verify (libpq), unless `sslaccept=strict`;
//! - require: encrypt, do not verify, unless a root certificate (`sslrootcert` / `sslcert`) is
//!   given (then the chain is verified, as libpq's require does with a root file) or
//!   `sslaccept=strict` (Prisma: chain and name);
//! - verify-ca: the chain must lead to a trusted root; the name is not checked;
//! - verify-full: chain and host name (IP addresses are matched against IP SANs).
//!
//! Roots are webpki-roots plus the PEM file from `sslrootcert` / `sslcert`. SNI is sent for host
//! names (not for IP addresses), which hosted poolers such as Neon route on.
//!
//! Client certificates: `sslidentity` (a PKCS#12 file, Prisma) with `sslpassword`, or libpq's
//! `sslcert` + `sslkey` (PEM). The password is never part of an error message.
//!
//! The glue to tokio-postgres (handshake, stream, SCRAM channel binding) is our own, a few lines
//! over tokio-rustls: it reads certificates with the x509 parser the PKCS#12 support already
//! brings, instead of a second generation of the RustCrypto DER crates (issue 8: the .node size).

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};
use tokio_rustls::TlsConnector;
use x509_parser::oid_registry as oid;

use crate::connection::{ClientIdentity, ConnectionSpec, SslMode};
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
        SslMode::Require if spec.root_cert.is_some() => Verification::Chain,
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
        .with_custom_certificate_verifier(verifier);
    let config = match client_identity(spec)? {
        Some((certs, key)) => config.with_client_auth_cert(certs, key).map_err(|e| {
            DoctorError::new(
                ErrorCode::Tls,
                format!(
                    "The client certificate ({}) cannot be used: {e}",
                    identity_name(spec)
                ),
            )
        })?,
        None => config.with_no_client_auth(),
    };
    Ok(MakeRustlsConnect {
        connector: TlsConnector::from(Arc::new(config)),
    })
}

/// Makes, per connection, the rustls handshake tokio-postgres runs after the server accepts TLS.
#[derive(Clone)]
pub struct MakeRustlsConnect {
    connector: TlsConnector,
}

pub struct RustlsConnect {
    server_name: ServerName<'static>,
    connector: TlsConnector,
}

impl<S> MakeTlsConnect<S> for MakeRustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = rustls::pki_types::InvalidDnsNameError;

    fn make_tls_connect(
        &mut self,
        domain: &str,
    ) -> std::result::Result<RustlsConnect, Self::Error> {
        Ok(RustlsConnect {
            server_name: ServerName::try_from(domain.to_string())?,
            connector: self.connector.clone(),
        })
    }
}

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let handshake = self.connector.connect(self.server_name, stream);
        Box::pin(async move { handshake.await.map(RustlsStream) })
    }
}

/// The encrypted stream, and the `tls-server-end-point` channel binding SCRAM-SHA-256-PLUS asks for.
pub struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S> tokio_postgres::tls::TlsStream for RustlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn channel_binding(&self) -> ChannelBinding {
        let (_, session) = self.0.get_ref();
        match session.peer_certificates().and_then(|certs| certs.first()) {
            Some(cert) => server_end_point(cert.as_ref())
                .map_or_else(ChannelBinding::none, ChannelBinding::tls_server_end_point),
            None => ChannelBinding::none(),
        }
    }
}

/// RFC 5929 4.1: the hash of the server's certificate with the hash function of its signature
/// algorithm, SHA-256 for MD5 and SHA-1; none for an algorithm without one (e.g. RSASSA-PSS,
/// whose hash is in its parameters): then SCRAM runs without binding, as libpq does.
fn server_end_point(der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let algorithm = &cert.signature_algorithm.algorithm;
    let sha256 = [
        oid::OID_HASH_SHA1,
        oid::OID_NIST_HASH_SHA256,
        oid::OID_PKCS1_SHA1WITHRSA,
        oid::OID_PKCS1_SHA256WITHRSA,
        oid::OID_SIG_ECDSA_WITH_SHA256,
    ];
    let sha384 = [
        oid::OID_NIST_HASH_SHA384,
        oid::OID_PKCS1_SHA384WITHRSA,
        oid::OID_SIG_ECDSA_WITH_SHA384,
    ];
    let sha512 = [
        oid::OID_NIST_HASH_SHA512,
        oid::OID_PKCS1_SHA512WITHRSA,
        oid::OID_SIG_ECDSA_WITH_SHA512,
        oid::OID_SIG_ED25519,
    ];
    // ring's digests: rustls already carries them (sha2's SHA-512 would add its own code).
    let hash = if sha256.contains(algorithm) {
        &ring::digest::SHA256
    } else if sha384.contains(algorithm) {
        &ring::digest::SHA384
    } else if sha512.contains(algorithm) {
        &ring::digest::SHA512
    } else {
        return None;
    };
    Some(ring::digest::digest(hash, der).as_ref().to_vec())
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

fn identity_name(spec: &ConnectionSpec) -> String {
    match &spec.client_identity {
        Some(ClientIdentity::Pkcs12 { path, .. }) => format!("sslidentity `{}`", path.display()),
        Some(ClientIdentity::Pem { cert, key }) => {
            format!("sslcert `{}` / sslkey `{}`", cert.display(), key.display())
        }
        None => "none".to_string(),
    }
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// The client certificate chain and key, from PKCS#12 (`sslidentity` + `sslpassword`) or PEM
/// (`sslcert` + `sslkey`).
fn client_identity(spec: &ConnectionSpec) -> Result<Option<Identity>> {
    let tls_error = |message: String| DoctorError::new(ErrorCode::Tls, message);
    let read = |path: &Path, what: &str| {
        std::fs::read(path).map_err(|e| {
            tls_error(format!(
                "Cannot read the client {what} `{}`: {e}",
                path.display()
            ))
        })
    };
    match &spec.client_identity {
        None => Ok(None),
        Some(ClientIdentity::Pkcs12 { path, .. }) => {
            let data = read(path, "identity (sslidentity)")?;
            let password = spec.identity_password().unwrap_or("");
            let store = KeyStore::from_pkcs12(&data, password, Pkcs12ImportPolicy::Relaxed)
                .map_err(|e| {
                    let why = match e {
                        p12_keystore::error::Error::MacError(_) => {
                            "wrong sslpassword (the archive's integrity check failed)".to_string()
                        }
                        other => other.to_string(),
                    };
                    tls_error(format!(
                        "Cannot open the PKCS#12 client identity `{}` (sslidentity): {why}",
                        path.display()
                    ))
                })?;
            let Some((_, chain)) = store.private_key_chain() else {
                return Err(tls_error(format!(
                    "The PKCS#12 client identity `{}` (sslidentity) holds no private key with its certificate.",
                    path.display()
                )));
            };
            let certs: Vec<CertificateDer<'static>> = chain
                .certs()
                .iter()
                .map(|c| CertificateDer::from(c.as_der().to_vec()))
                .collect();
            if certs.is_empty() {
                return Err(tls_error(format!(
                    "The PKCS#12 client identity `{}` (sslidentity) holds a key but no certificate.",
                    path.display()
                )));
            }
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.key().as_der().to_vec()));
            Ok(Some((certs, key)))
        }
        Some(ClientIdentity::Pem { cert, key }) => {
            let cert_pem = read(cert, "certificate (sslcert)")?;
            let certs = rustls_pemfile::certs(&mut cert_pem.as_slice())
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| {
                    tls_error(format!(
                        "The client certificate `{}` (sslcert) is not valid PEM: {e}",
                        cert.display()
                    ))
                })?;
            if certs.is_empty() {
                return Err(tls_error(format!(
                    "The client certificate file `{}` (sslcert) holds no PEM certificate.",
                    cert.display()
                )));
            }
            let key_pem = read(key, "key (sslkey)")?;
            let key = rustls_pemfile::private_key(&mut key_pem.as_slice())
                .map_err(|e| {
                    tls_error(format!(
                        "The client key `{}` (sslkey) is not valid PEM: {e}",
                        key.display()
                    ))
                })?
                .ok_or_else(|| {
                    tls_error(format!(
                        "The client key file `{}` (sslkey) holds no unencrypted PEM private key.",
                        key.display()
                    ))
                })?;
            Ok(Some((certs, key)))
        }
    }
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
