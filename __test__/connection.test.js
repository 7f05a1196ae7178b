'use strict'
// Connections against real servers: a second embedded PostgreSQL with ssl=on and certificates made
// by the test (CA-signed, other-name, self-signed; client certificates as PKCS#12 and PEM), the
// run's main server (no TLS) over TCP, a Unix socket and IPv6, a TLS-terminating proxy that
// records SNI, a silent server and a closed port. Each sslmode must connect or refuse with the
// right code, and no error, report, summary or CLI output may carry a password.

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const util = require('node:util')
const { spawnSync } = require('node:child_process')

const doctor = require('prisma-migrate-doctor')
const { getServer, buildUrl, DEFAULT_PASSWORD } = require('./support/postgres')
const { makeProject } = require('./support/project')
const tlsSupport = require('./support/tls')

const ROOT = path.resolve(__dirname, '..')
const CLI = path.join(ROOT, 'bin', 'prisma-migrate-doctor.js')
const WRONG_PASSWORD = 'wr0ng:p@ss/w#rd'
const OPENSSL = tlsSupport.opensslVersion()

let certs
let tlsServer
let main // the run's server, without TLS
let project
const secrets = new Set()

function rememberSecret(s) {
  secrets.add(s)
  secrets.add(encodeURIComponent(s))
  secrets.add(encodeURIComponent(s).toLowerCase())
}

function assertNoSecret(text, label) {
  for (const s of secrets) assert.ok(!String(text).includes(s), `${label} leaks a secret (${s}):\n${text}`)
}

/** A URL to the TLS server. */
function tlsUrl(params = {}, { host = '127.0.0.1', user, password, database = 'postgres', port } = {}) {
  return buildUrl({
    host,
    port: port ?? tlsServer.port,
    user: user ?? tlsServer.user,
    password: password ?? tlsServer.password,
    database,
    params,
  })
}

function mainUrl(params = {}, { host = main.host, user = main.user, password = main.password, database = main.database, port = main.port } = {}) {
  return buildUrl({ host, port, user, password, database, params })
}

async function connects(url, extra = {}) {
  const d = await doctor.diagnose({ cwd: project.dir, url, ...extra })
  for (const text of [JSON.stringify(d), d.summary, util.inspect(d, { depth: 5 })]) assertNoSecret(text, 'diagnosis')
  return d
}

async function refuses(url, code, extra = {}) {
  let error
  try {
    await doctor.diagnose({ cwd: project.dir, url, ...extra })
  } catch (e) {
    error = e
  }
  assert.ok(error, `expected ${code}, but it connected: ${url.replace(/:[^:@/]*@/, ':****@')}`)
  for (const text of [error.message, error.stack, util.inspect(error), JSON.stringify(error)]) {
    assertNoSecret(text, `error ${error.code}`)
  }
  assert.equal(error.code, code, error.message)
  return error
}

before(async () => {
  main = await getServer()
  project = makeProject()
  rememberSecret(DEFAULT_PASSWORD)
  rememberSecret(WRONG_PASSWORD)
  if (main.password) rememberSecret(main.password)
  // The TLS tests need the openssl CLI (.ci/run installs it); without it they fail, never skip.
  assert.ok(OPENSSL, 'the openssl command is required to generate test certificates (apt-get install openssl)')
  certs = tlsSupport.makeCertificates()
  rememberSecret(certs.client.p12Password)
  tlsServer = await tlsSupport.startTlsPostgres(certs)
  rememberSecret(tlsServer.password)
  rememberSecret(tlsServer.clientPassword)
})

after(async () => {
  if (tlsServer) await tlsServer.stop()
  if (certs) certs.cleanup()
  if (project) project.cleanup()
})

describe('sslmode against a TLS server (CA-signed certificate for localhost, 127.0.0.1, ::1)', () => {
  before(() => tlsServer.useCertificate('server'))

  const cases = [
    { name: 'disable: plaintext', params: { sslmode: 'disable' }, tls: false },
    { name: 'prefer (the default): encrypted', params: {}, tls: true },
    { name: 'require: encrypted, not verified', params: { sslmode: 'require' }, tls: true },
    { name: 'require + sslrootcert: chain verified', params: { sslmode: 'require', sslrootcert: 'CA' }, tls: true },
    { name: 'verify-ca without sslrootcert: not a public root', params: { sslmode: 'verify-ca' }, code: 'P1011', hint: /not signed by a public root.*sslrootcert/ },
    { name: 'verify-ca + sslrootcert', params: { sslmode: 'verify-ca', sslrootcert: 'CA' }, tls: true },
    { name: 'verify-full + sslrootcert, IP address in the certificate', params: { sslmode: 'verify-full', sslrootcert: 'CA' }, tls: true },
    { name: 'verify-full + sslrootcert, host name', params: { sslmode: 'verify-full', sslrootcert: 'CA' }, host: 'localhost', tls: true },
    { name: 'verify-full without sslrootcert', params: { sslmode: 'verify-full' }, host: 'localhost', code: 'P1011' },
    { name: "Prisma's sslcert (root) + sslaccept=strict", params: { sslmode: 'require', sslcert: 'CA', sslaccept: 'strict' }, host: 'localhost', tls: true },
    { name: 'sslaccept=strict without a root', params: { sslmode: 'require', sslaccept: 'strict' }, code: 'P1011' },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, v === 'CA' ? certs.ca.cert : v]))
      const url = tlsUrl(params, { host: c.host })
      if (c.code) {
        const err = await refuses(url, c.code)
        assert.match(err.message, /Error opening a TLS connection/)
        if (c.hint) assert.match(err.message, c.hint)
      } else {
        const d = await connects(url)
        assert.equal(d.database.tls, c.tls)
      }
    })
  }

  it('a relative sslrootcert resolves against the schema folder, as Prisma does', async () => {
    fs.copyFileSync(certs.ca.cert, path.join(project.dir, 'prisma', 'test-ca.pem'))
    const d = await connects(tlsUrl({ sslmode: 'verify-full', sslrootcert: 'test-ca.pem' }, { host: 'localhost' }))
    assert.equal(d.database.tls, true)
    const err = await refuses(tlsUrl({ sslmode: 'verify-full', sslrootcert: 'missing-ca.pem' }), 'E_TLS')
    assert.ok(err.message.includes(path.join(project.dir, 'prisma', 'missing-ca.pem')), err.message)
  })
})

describe('certificate mismatches', () => {
  after(() => tlsServer.useCertificate('server'))

  it('verify-full refuses a certificate for another name; verify-ca and require accept it', async () => {
    await tlsServer.useCertificate('other')
    const err = await refuses(tlsUrl({ sslmode: 'verify-full', sslrootcert: certs.ca.cert }), 'P1011')
    assert.match(err.message, /not valid for name/)
    assert.match(err.message, /does not name `127\.0\.0\.1`.*verify-ca/)
    assert.equal((await connects(tlsUrl({ sslmode: 'verify-ca', sslrootcert: certs.ca.cert }))).database.tls, true)
    assert.equal((await connects(tlsUrl({ sslmode: 'require' }))).database.tls, true)
  })

  it('a self-signed certificate: require encrypts; the CA does not vouch for it; itself as root does', async () => {
    await tlsServer.useCertificate('selfSigned')
    assert.equal((await connects(tlsUrl({ sslmode: 'require' }))).database.tls, true)
    assert.equal((await connects(tlsUrl({ sslrootcert: certs.ca.cert }))).database.tls, true) // prefer never verifies
    await refuses(tlsUrl({ sslmode: 'verify-ca', sslrootcert: certs.ca.cert }), 'P1011')
    const err = await refuses(tlsUrl({ sslmode: 'require', sslrootcert: certs.ca.cert }), 'P1011')
    assert.match(err.message, /UnknownIssuer/)
    assert.match(err.message, /drop sslrootcert/)
    const self = certs.selfSigned.cert
    assert.equal((await connects(tlsUrl({ sslmode: 'verify-full', sslrootcert: self }, { host: 'localhost' }))).database.tls, true)
  })
})

describe('client certificates', () => {
  before(() => tlsServer.useCertificate('server'))
  const asClient = (params) =>
    tlsUrl({ sslmode: 'verify-full', sslrootcert: certs.ca.cert, ...params }, {
      host: 'localhost',
      user: tlsServer.clientUser,
      password: tlsServer.clientPassword,
    })

  it('without one, the server refuses the role (P1000, with the server\'s reason)', async () => {
    const err = await refuses(asClient({}), 'P1000')
    assert.match(err.message, /client certificate/)
  })

  it('sslidentity + sslpassword: PKCS#12 (AES/PBKDF2, and legacy 3DES/SHA-1 with an RSA key)', async () => {
    const p = certs.client.p12Password
    assert.equal((await connects(asClient({ sslidentity: certs.client.p12, sslpassword: p }))).database.user, tlsServer.clientUser)
    assert.equal((await connects(asClient({ sslidentity: certs.client.legacyP12, sslpassword: p }))).database.tls, true)
  })

  it("sslidentity: OpenSSL 1.x's PKCS#12 (RC2-40 certificates)", async () => {
    assert.ok(certs.client.rc2P12, 'this openssl cannot write -legacy PKCS#12 (needs the legacy provider)')
    const d = await connects(asClient({ sslidentity: certs.client.rc2P12, sslpassword: certs.client.p12Password }))
    assert.equal(d.database.tls, true)
  })

  it('libpq sslcert + sslkey (PEM)', async () => {
    const d = await connects(asClient({ sslcert: certs.client.cert, sslkey: certs.client.key }))
    assert.equal(d.database.tls, true)
  })

  it('a wrong sslpassword or a missing file is E_TLS, and the password is not in the message', async () => {
    const wrong = 'not-the-p12-password'
    rememberSecret(wrong)
    const err = await refuses(asClient({ sslidentity: certs.client.p12, sslpassword: wrong }), 'E_TLS')
    assert.match(err.message, /wrong sslpassword/)
    const missing = await refuses(asClient({ sslidentity: '/nonexistent/id.p12', sslpassword: certs.client.p12Password }), 'E_TLS')
    assert.match(missing.message, /\/nonexistent\/id\.p12/)
  })
})

describe('the main server (no TLS): sockets, IPv6, SNI, error codes', () => {
  it('sslmode=require against a server without TLS is P1011; prefer falls back to plaintext', async () => {
    const err = await refuses(mainUrl({ sslmode: 'require' }), 'P1011')
    assert.match(err.message, /does not accept TLS|does not support TLS/)
    assert.equal((await connects(mainUrl())).database.tls, false)
  })

  it('a Unix socket directory in ?host= (sslmode ignored, as libpq does)', async () => {
    assert.ok(main.socketDir, 'the test server has no known socket directory (an external PMD_TEST_DATABASE_URL server: set PMD_TEST_SOCKET_DIR)')
    const d = await connects(mainUrl({ host: main.socketDir, sslmode: 'require' }, { host: 'localhost' }))
    assert.equal(d.database.host, main.socketDir)
    assert.equal(d.database.tls, false)
    assert.match(d.database.url, new RegExp(`host=${main.socketDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
    const err = await refuses(mainUrl({ host: main.socketDir }, { host: 'localhost', password: WRONG_PASSWORD }), 'P1000')
    assert.ok(err.message.includes(main.socketDir), err.message)
  })

  it('IPv6: [::1] through a TCP relay listening on ::1', async () => {
    assert.ok(await tlsSupport.hasIpv6Loopback(), 'this machine has no IPv6 loopback (::1)')
    const relay = await tlsSupport.startTcpProxy({ host: '::1', upstreamHost: main.host, upstreamPort: main.port })
    try {
      const d = await connects(mainUrl({}, { host: '::1', port: relay.port }))
      assert.equal(d.database.host, '::1')
      assert.match(d.database.url, new RegExp(`@\\[::1\\]:${relay.port}/`))
    } finally {
      await relay.close()
    }
    const port = await tlsSupport.closedPort()
    const err = await refuses(mainUrl({}, { host: '::1', port }), 'P1001')
    assert.ok(err.message.includes(`[::1]:${port}`), err.message)
  })

  it('diagnose() leaves no session behind unless keepConnection asks it to', async () => {
    const sessions = async (app) => {
      const c = new (require('pg').Client)({ connectionString: mainUrl() })
      await c.connect()
      try {
        const r = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [app])
        return r.rows[0].n
      } finally {
        await c.end()
      }
    }
    // The server sees a closed connection a moment after the client closes it.
    const settled = async (app, want) => {
      let n
      for (let i = 0; i < 50; i++) {
        n = await sessions(app)
        if (n === want) return n
        await new Promise((r) => setTimeout(r, 20))
      }
      return n
    }
    const app = `pmd-keep-${process.pid}`
    await doctor.diagnose({ url: mainUrl({ application_name: app }), cwd: project.dir })
    // nothing kept: DROP DATABASE or CREATE DATABASE ... TEMPLATE of it need not wait
    assert.equal(await settled(app, 0), 0)
    const kept = `${app}-kept`
    const opts = { url: mainUrl({ application_name: kept }), cwd: project.dir, keepConnection: true }
    await doctor.diagnose(opts)
    assert.equal(await sessions(kept), 1)
    await doctor.diagnose(opts)
    assert.equal(await sessions(kept), 1, 'the second call starts on the kept session')
  })

  it('SNI is sent for host names, not for IP addresses', async () => {
    const proxy = await tlsSupport.startTlsProxy({ upstreamHost: main.host, upstreamPort: main.port, ...certs.server })
    try {
      const viaName = await connects(mainUrl({ sslmode: 'verify-full', sslrootcert: certs.ca.cert }, { host: 'localhost', port: proxy.port }))
      assert.equal(viaName.database.tls, true)
      const named = proxy.servernames.splice(0)
      assert.ok(named.length >= 1 && named.every((n) => n === 'localhost'), JSON.stringify(named))
      await connects(mainUrl({ sslmode: 'require' }, { host: '127.0.0.1', port: proxy.port }))
      const unnamed = proxy.servernames.splice(0)
      assert.ok(unnamed.length >= 1 && unnamed.every((n) => n === null), JSON.stringify(unnamed))
    } finally {
      await proxy.close()
    }
  })

  it('wrong password: P1000; wrong database: P1003', async () => {
    const auth = await refuses(mainUrl({}, { password: WRONG_PASSWORD }), 'P1000')
    assert.match(auth.message, /password authentication failed/)
    const missing = await refuses(mainUrl({}, { database: 'pmd_no_such_database' }), 'P1003')
    assert.match(missing.message, /Database `pmd_no_such_database` does not exist/)
  })

  it('unreachable: a closed port is P1001 at once, a silent server within connect_timeout', async () => {
    const port = await tlsSupport.closedPort()
    let started = Date.now()
    const closed = await refuses(mainUrl({}, { host: '127.0.0.1', port }), 'P1001')
    assert.ok(closed.message.includes(`127.0.0.1:${port}`), closed.message)
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`)

    const silent = await tlsSupport.startSilentServer()
    try {
      started = Date.now()
      const err = await refuses(mainUrl({ connect_timeout: 1 }, { host: '127.0.0.1', port: silent.port }), 'P1001')
      const took = Date.now() - started
      assert.ok(took >= 900 && took < 1250 + 1500, `connect_timeout=1 took ${took} ms`)
      assert.ok(err.message.includes(`127.0.0.1:${silent.port}`), err.message)
      assert.match(err.message, /timed out after 1 s/)
      // The connectTimeoutMs option overrides the URL.
      started = Date.now()
      const override = await refuses(mainUrl({ connect_timeout: 30 }, { host: '127.0.0.1', port: silent.port }), 'P1001', { connectTimeoutMs: 300 })
      assert.match(override.message, /timed out after 0\.3 s/)
      assert.ok(Date.now() - started < 300 + 250 + 1500, `connectTimeoutMs=300 took ${Date.now() - started} ms`)
    } finally {
      await silent.close()
    }
  })

  it('pgbouncer=true works against a plain server and is reported as a pooler URL', async () => {
    const d = await connects(mainUrl({ pgbouncer: 'true', schema: 'tenant x' }))
    assert.equal(d.database.schema, 'tenant x')
    const f = d.findings.find((x) => x.code === 'pooler-url')
    assert.ok(f, JSON.stringify(d.findings))
    assert.match(f.message, /directUrl/)
    const unknown = await connects(mainUrl({ foo: 'bar', connection_limit: 1, pool_timeout: 5, statement_cache_size: 0 }))
    assert.deepEqual(
      unknown.findings.filter((x) => x.code === 'unknown-url-parameter').map((x) => x.message),
      ['The database URL has a parameter Prisma does not know: `foo` (ignored).'],
    )
  })
})

describe('the password never appears in CLI output (text and --json), success or failure', () => {
  const runCli = (args, env = {}) => {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '', ...env },
      encoding: 'utf8',
      timeout: 60000,
    })
    return { status: r.status, out: `${r.stdout}\n${r.stderr}`, stdout: r.stdout }
  }

  it('every scenario', async () => {
    const scenarios = [
      { name: 'success', url: () => mainUrl(), exit: 0 },
      { name: 'success via DATABASE_URL', env: () => ({ DATABASE_URL: mainUrl() }), exit: 0 },
      { name: 'P1000', url: () => mainUrl({}, { password: WRONG_PASSWORD }), exit: 2, code: 'P1000' },
      { name: 'P1003', url: () => mainUrl({}, { database: 'pmd_nope' }), exit: 2, code: 'P1003' },
      { name: 'P1001 closed', url: async () => mainUrl({}, { host: '127.0.0.1', port: await tlsSupport.closedPort() }), exit: 2, code: 'P1001' },
      { name: 'P1011 no TLS', url: () => mainUrl({ sslmode: 'require' }), exit: 2, code: 'P1011' },
      { name: 'E_CONFIG malformed', url: () => `postgresql://postgres:${DEFAULT_PASSWORD}@127.0.0.1:${main.port}/postgres`, exit: 2, code: 'E_CONFIG' },
      { name: 'E_CONFIG bad sslmode', url: () => mainUrl({ sslmode: 'sometimes' }), exit: 2, code: 'E_CONFIG' },
      { name: 'E_UNSUPPORTED_PROVIDER', url: () => `mysql://root:${encodeURIComponent(DEFAULT_PASSWORD)}@127.0.0.1/db`, exit: 2, code: 'E_UNSUPPORTED_PROVIDER' },
    ]
    {
      scenarios.push(
        { name: 'TLS success', url: () => tlsUrl({ sslmode: 'verify-full', sslrootcert: certs.ca.cert }, { host: 'localhost' }), exit: 0 },
        { name: 'P1011 unknown issuer', url: () => tlsUrl({ sslmode: 'verify-full' }), exit: 2, code: 'P1011' },
        {
          name: 'E_TLS wrong sslpassword',
          url: () => tlsUrl({ sslmode: 'require', sslidentity: certs.client.p12, sslpassword: 'wrong p12 pass' }),
          exit: 2,
          code: 'E_TLS',
        },
        {
          name: 'client certificate success',
          url: () =>
            tlsUrl({ sslmode: 'require', sslidentity: certs.client.p12, sslpassword: certs.client.p12Password }, {
              user: tlsServer.clientUser,
              password: tlsServer.clientPassword,
            }),
          exit: 0,
        },
      )
      rememberSecret('wrong p12 pass')
    }
    const silent = await tlsSupport.startSilentServer()
    scenarios.push({ name: 'P1001 timeout', url: () => mainUrl({ connect_timeout: 1 }, { host: '127.0.0.1', port: silent.port }), exit: 2, code: 'P1001' })
    try {
      for (const s of scenarios) {
        const url = s.url ? await s.url() : undefined
        const env = s.env ? s.env() : {}
        for (const json of [false, true]) {
          const args = ['diagnose', '--cwd', project.dir, ...(url ? ['--url', url] : []), ...(json ? ['--json'] : [])]
          const r = runCli(args, env)
          const label = `${s.name}${json ? ' --json' : ''}`
          assertNoSecret(r.out, label)
          assert.equal(r.status, s.exit, `${label}: exit ${r.status}\n${r.out}`)
          if (json) {
            const doc = JSON.parse(r.stdout)
            if (s.code) assert.equal(doc.error.code, s.code, `${label}: ${r.stdout}`)
            else assert.equal(typeof doc.database.urlSource, 'string')
          } else if (s.code) {
            assert.ok(r.out.includes(`Error ${s.code}`), `${label}: ${r.out}`)
          }
        }
      }
    } finally {
      await silent.close()
    }
  })
})
