'use strict';
// TLS for the connection tests, made at test time with no network:
//   - certificates from the `openssl` CLI: a CA, a CA-signed server certificate for localhost /
//     127.0.0.1 / ::1, a CA-signed one for another name, a self-signed one, and a client
//     certificate as PKCS#12 (modern AES/PBKDF2, legacy 3DES/SHA-1, OpenSSL 1.x's RC2) and as PEM;
//   - a real embedded PostgreSQL reconfigured with ssl=on (ALTER SYSTEM + pg_reload_conf), whose
//     server certificate can be swapped between tests, and pg_hba rules that demand a client
//     certificate for one role;
//   - a TLS-terminating proxy in front of a real server that records the SNI name the client
//     sent (PostgreSQL 18 does not expose it), and a plain TCP proxy (e.g. listening on ::1).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const tls = require('node:tls');
const crypto = require('node:crypto');
const { execFileSync, spawnSync } = require('node:child_process');
const pg = require('pg');

const { startPostgres, quoteIdent } = require('./postgres');

/** The openssl CLI's version line, or null when it is not installed. */
function opensslVersion() {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function openssl(args, cwd) {
  try {
    return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Writes an extensions file and returns its name. */
function extFile(dir, name, lines) {
  const file = path.join(dir, `${name}.ext`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** A key + CSR, then a certificate signed by the CA with the given extensions. */
function signed(dir, name, subject, extLines, { rsa = false } = {}) {
  const keyArgs = rsa ? ['-newkey', 'rsa:2048', '-nodes'] : EC;
  openssl(['req', ...keyArgs, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  openssl(
    [
      'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key',
      '-set_serial', '0x' + crypto.randomBytes(8).toString('hex'),
      '-days', '3', '-out', `${name}.crt`, '-extfile', extFile(dir, name, extLines),
    ],
    dir,
  );
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/**
 * Generates every certificate the tests need in a fresh temp dir.
 * @param {{ clientUser?: string, p12Password?: string }} [opts]
 */
function makeCertificates({ clientUser = 'pmd_cert', p12Password = 'id p@ss&1/x' } = {}) {
  if (!opensslVersion()) throw new Error('the openssl CLI is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmd-tls-'));
  fs.chmodSync(dir, 0o755);
  openssl(
    [
      'req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3', '-subj', '/CN=prisma-migrate-doctor test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const server = signed(dir, 'server', '/CN=localhost', [
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ]);
  const other = signed(dir, 'other', '/CN=db.other-name.test', [
    'subjectAltName=DNS:db.other-name.test',
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ]);
  openssl(
    [
      'req', '-x509', ...EC, '-keyout', 'self.key', '-out', 'self.crt', '-days', '3', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'extendedKeyUsage=serverAuth',
    ],
    dir,
  );
  const selfSigned = { cert: path.join(dir, 'self.crt'), key: path.join(dir, 'self.key') };
  const clientExt = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'];
  const client = signed(dir, 'client', `/CN=${clientUser}`, clientExt);
  const clientRsa = signed(dir, 'client-rsa', `/CN=${clientUser}`, clientExt, { rsa: true });
  // OpenSSL 3 defaults: AES-256-CBC + PBKDF2, HMAC-SHA256 MAC.
  openssl(
    ['pkcs12', '-export', '-inkey', 'client.key', '-in', 'client.crt', '-certfile', 'ca.crt', '-name', 'pmd client',
      '-out', 'client.p12', '-passout', `pass:${p12Password}`],
    dir,
  );
  // The format older tools write: PBE-SHA1-3DES for key and certificates, SHA-1 MAC (RSA key).
  openssl(
    ['pkcs12', '-export', '-inkey', 'client-rsa.key', '-in', 'client-rsa.crt', '-keypbe', 'PBE-SHA1-3DES',
      '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1', '-out', 'client-legacy.p12', '-passout', `pass:${p12Password}`],
    dir,
  );
  // OpenSSL 1.x's default (RC2-40 for the certificates, 3DES for the key), when `-legacy` works.
  let rc2P12 = null;
  try {
    openssl(
      ['pkcs12', '-export', '-legacy', '-inkey', 'client.key', '-in', 'client.crt', '-out', 'client-rc2.p12',
        '-passout', `pass:${p12Password}`],
      dir,
    );
    rc2P12 = path.join(dir, 'client-rc2.p12');
  } catch {}
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), f.endsWith('.key') ? 0o600 : 0o644);
  return {
    dir,
    ca: { cert: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key') },
    server,
    other,
    selfSigned,
    client: {
      ...client,
      p12: path.join(dir, 'client.p12'),
      legacyP12: path.join(dir, 'client-legacy.p12'),
      rc2P12,
      p12Password,
      user: clientUser,
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** uid/gid of the `postgres` system user (the embedded server runs as it when we are root). */
function postgresIds() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return null;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/**
 * Copies a certificate + key where the server can read them: owned by the server's user, key mode
 * 0600 (PostgreSQL refuses a key others can read).
 */
function installForServer(dataDir, name, { cert, key }) {
  const dir = path.join(dataDir, 'pmd-tls');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  fs.copyFileSync(cert, out.cert);
  fs.copyFileSync(key, out.key);
  fs.chmodSync(out.cert, 0o644);
  fs.chmodSync(out.key, 0o600);
  const ids = postgresIds();
  if (ids) for (const f of [dir, out.cert, out.key]) fs.chownSync(f, ids.uid, ids.gid);
  return out;
}

function quoteLiteral(s) {
  return "'" + String(s).replace(/'/g, "''") + "'";
}

/**
 * Starts a second embedded PostgreSQL with ssl=on and the CA-signed server certificate; its CA is
 * also the server's ssl_ca_file, so client certificates signed by it are accepted. The role
 * `certs.client.user` may only log in over TLS with a client certificate (and its password).
 * @returns {Promise<object>} the startPostgres() info plus useCertificate(name), clientUser,
 *   clientPassword, admin(sql)
 */
async function startTlsPostgres(certs, { clientPassword = 'cl1ent:p@ss' } = {}) {
  const server = await startPostgres();
  const installed = {
    server: installForServer(server.dataDir, 'server', certs.server),
    other: installForServer(server.dataDir, 'other', certs.other),
    selfSigned: installForServer(server.dataDir, 'self', certs.selfSigned),
  };
  const ca = installForServer(server.dataDir, 'ca', { cert: certs.ca.cert, key: certs.ca.key });

  const admin = async (sql) => {
    const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end().catch(() => {});
    }
  };

  // Client certificates required for one role, before the catch-all rules initdb wrote.
  const hba = path.join(server.dataDir, 'pg_hba.conf');
  const user = certs.client.user;
  const rules =
    `hostssl all ${user} 127.0.0.1/32 scram-sha-256 clientcert=verify-ca\n` +
    `host    all ${user} 127.0.0.1/32 reject\n`;
  fs.writeFileSync(hba, rules + fs.readFileSync(hba, 'utf8'));
  await admin(`CREATE ROLE ${quoteIdent(user)} LOGIN PASSWORD ${quoteLiteral(clientPassword)}`);

  let current = null;
  const useCertificate = async (name) => {
    const pair = installed[name];
    if (!pair) throw new Error(`no certificate named ${name}`);
    if (current === name) return;
    await admin(`ALTER SYSTEM SET ssl_cert_file = ${quoteLiteral(pair.cert)}`);
    await admin(`ALTER SYSTEM SET ssl_key_file = ${quoteLiteral(pair.key)}`);
    await admin(`ALTER SYSTEM SET ssl_ca_file = ${quoteLiteral(ca.cert)}`);
    await admin('ALTER SYSTEM SET ssl = on');
    await admin('SELECT pg_reload_conf()');
    // The postmaster reloads asynchronously: wait until new sessions see the new settings.
    const deadline = Date.now() + 10000;
    for (;;) {
      const { rows } = await admin(
        "SELECT (SELECT setting FROM pg_settings WHERE name = 'ssl') AS ssl, (SELECT setting FROM pg_settings WHERE name = 'ssl_cert_file') AS cert",
      );
      if (rows[0].ssl === 'on' && rows[0].cert === pair.cert) break;
      if (Date.now() > deadline) {
        throw new Error(`the server did not take the ${name} certificate: ${JSON.stringify(rows[0])}\n${server.logs.slice(-10).join('')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    current = name;
  };
  await useCertificate('server');
  return Object.assign(server, { useCertificate, clientUser: user, clientPassword, admin });
}

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * A TLS-terminating proxy in front of a PostgreSQL server listening without TLS requirements:
 * answers the client's SSLRequest with 'S', does the handshake with `cert`/`key`, records the SNI
 * name (null when none was sent), then relays the decrypted protocol to the upstream server.
 * @returns {Promise<{ port: number, host: string, servernames: Array<string|null>, close(): Promise<void> }>}
 */
async function startTlsProxy({ upstreamHost = '127.0.0.1', upstreamPort, cert, key, host = '127.0.0.1' }) {
  const secureContext = tls.createSecureContext({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) });
  const servernames = [];
  const sockets = new Set();
  const relay = (a, b) => {
    a.pipe(b);
    b.pipe(a);
    const end = () => {
      a.destroy();
      b.destroy();
    };
    a.on('error', end).on('close', end);
    b.on('error', end).on('close', end);
  };
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', (first) => {
      const upstream = net.connect(upstreamPort, upstreamHost);
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      if (first.length >= 8 && first.subarray(0, 8).equals(SSL_REQUEST)) {
        socket.write('S');
        const secure = new tls.TLSSocket(socket, { isServer: true, secureContext });
        secure.on('secure', () => servernames.push(secure.servername || null));
        relay(secure, upstream);
      } else {
        upstream.write(first);
        relay(socket, upstream);
      }
    });
  });
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, host, resolve);
  });
  return {
    host,
    port: srv.address().port,
    servernames,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

/** A plain TCP relay, e.g. listening on ::1 in front of a server that listens on 127.0.0.1. */
async function startTcpProxy({ host = '::1', upstreamHost = '127.0.0.1', upstreamPort }) {
  const sockets = new Set();
  const srv = net.createServer((socket) => {
    const upstream = net.connect(upstreamPort, upstreamHost);
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        socket.destroy();
        upstream.destroy();
      });
    }
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, host, resolve);
  });
  return {
    host,
    port: srv.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

/** A server that accepts TCP connections and never says a word (for connect timeouts). */
async function startSilentServer(host = '127.0.0.1') {
  const sockets = new Set();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => srv.listen(0, host, resolve));
  return {
    port: srv.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

/** A TCP port on 127.0.0.1 with nothing listening (bound then released). */
function closedPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Whether this machine can listen on ::1. */
async function hasIpv6Loopback() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(0, '::1', () => srv.close(() => resolve(true)));
  });
}

module.exports = {
  opensslVersion,
  makeCertificates,
  startTlsPostgres,
  startTlsProxy,
  startTcpProxy,
  startSilentServer,
  closedPort,
  hasIpv6Loopback,
  postgresIds,
};
