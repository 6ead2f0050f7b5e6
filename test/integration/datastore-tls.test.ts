/**
 * TLS for both drivers against a real etcd that serves https and requires client
 * certificates; certificates are made with openssl at test time.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {startEtcd, makeCerts, makeExpiredClientCert, makeWrongCa, EtcdInstance, CertSet} from '../helpers/etcd.js'
import {openDatastore} from '../../src/datastore/index.js'
import {DatastoreConnection} from '../../src/datastore/types.js'
import {DatastoreError, LocalIoError, UsageError} from '../../src/errors.js'

const TYPES = ['etcdv2', 'etcdv3'] as const
const TIMEOUT = 10000

let etcd: EtcdInstance
let certs: CertSet
let wrongCa: string
let expired: {certFile: string; keyFile: string}
let other: CertSet

before(async () => {
  etcd = await startEtcd({tls: true})
  certs = etcd.certs as CertSet
  ;[wrongCa, expired, other] = await Promise.all([makeWrongCa(certs.dir), makeExpiredClientCert(certs), makeCerts()])
  const put = await etcd.v2('PUT', '/calico/v1/config/LogSeverityFile', 'DEBUG')
  assert.equal(put.status, 201, put.body)
  const r = await etcd.etcdctl(['put', '/calico/v1/config/LogSeverityFile', 'DEBUG'])
  assert.equal(r.code, 0, r.stderr)
})

after(async () => {
  await etcd?.stop()
  rmSync(certs?.dir ?? '/nonexistent', {recursive: true, force: true})
  rmSync(other?.dir ?? '/nonexistent', {recursive: true, force: true})
})

function conn(type: (typeof TYPES)[number], files: Partial<DatastoreConnection>): DatastoreConnection {
  return {type, endpoints: [etcd.clientUrl + '/'], timeoutMs: TIMEOUT, ...files}
}

async function read(c: DatastoreConnection) {
  const ds = await openDatastore(c)
  try {
    return await ds.readConfig()
  } finally {
    await ds.close()
  }
}

/** Expect a rejection of the given class, and check its message. */
async function expectFailure(c: DatastoreConnection, cls: typeof DatastoreError | typeof LocalIoError | typeof UsageError, ...patterns: RegExp[]) {
  await assert.rejects(read(c), (error: unknown) => {
    assert.ok(error instanceof cls, `expected ${cls.name}, got ${String(error)}`)
    for (const p of patterns) assert.match((error as Error).message, p)
    // never print key material
    assert.doesNotMatch((error as Error).message + String((error as {hint?: string}).hint), /BEGIN|PRIVATE KEY/)
    return true
  })
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('TLS', () => {
  for (const type of TYPES) {
    test(`${type}: CA + client certificate: reads`, async () => {
      const tree = await read(conn(type, {caFile: etcd.caFile, certFile: etcd.certFile, keyFile: etcd.keyFile}))
      assert.deepEqual(
        tree.kvs.map((kv) => [kv.key, kv.value]),
        [['/calico/v1/config/LogSeverityFile', 'DEBUG']],
      )
    })

    test(`${type}: CAS write over TLS`, async () => {
      const ds = await openDatastore(conn(type, {caFile: etcd.caFile, certFile: etcd.certFile, keyFile: etcd.keyFile}))
      try {
        const w = await ds.put('/calico/v1/config/TlsWrite', 'ok', {ifRevision: '0'})
        assert.equal((await ds.get('/calico/v1/config/TlsWrite'))?.revision, w.revision)
        await ds.delete('/calico/v1/config/TlsWrite', {ifRevision: w.revision})
      } finally {
        await ds.close()
      }
    })

    test(`${type}: wrong CA: exit 5 naming the endpoint and the CA file`, async () => {
      await expectFailure(
        conn(type, {caFile: wrongCa, certFile: etcd.certFile, keyFile: etcd.keyFile}),
        DatastoreError,
        new RegExp(esc(etcd.clientUrl + '/')),
        new RegExp(esc(wrongCa)),
        /unable to verify|self[- ]signed/i,
      )
    })

    test(`${type}: no CA file: the system store does not know the test CA`, async () => {
      await expectFailure(conn(type, {certFile: etcd.certFile, keyFile: etcd.keyFile}), DatastoreError, /system CA store/, /unable to verify|self[- ]signed/i)
    })

    test(`${type}: no client certificate: the server refuses`, async () => {
      await expectFailure(conn(type, {caFile: etcd.caFile}), DatastoreError, new RegExp(esc(etcd.clientUrl)), /rejected the client certificate|alert/)
    })

    test(`${type}: expired client certificate: the server refuses`, async () => {
      await expectFailure(
        conn(type, {caFile: etcd.caFile, certFile: expired.certFile, keyFile: expired.keyFile}),
        DatastoreError,
        new RegExp(esc(expired.certFile)),
        /rejected the client certificate|alert/,
      )
    })

    test(`${type}: client certificate from another CA: the server refuses`, async () => {
      await expectFailure(conn(type, {caFile: etcd.caFile, certFile: other.clientCertFile, keyFile: other.clientKeyFile}), DatastoreError, new RegExp(esc(other.clientCertFile)))
    })

    test(`${type}: key that does not match the certificate: exit 5 naming the cert and key`, async () => {
      await expectFailure(
        conn(type, {caFile: etcd.caFile, certFile: etcd.certFile, keyFile: other.clientKeyFile}),
        DatastoreError,
        /does not match/,
        new RegExp(esc(etcd.certFile as string)),
        new RegExp(esc(other.clientKeyFile)),
      )
    })

    test(`${type}: missing key file: exit 6 naming the file`, async () => {
      const missing = join(certs.dir, 'no-such.key')
      await expectFailure(conn(type, {caFile: etcd.caFile, certFile: etcd.certFile, keyFile: missing}), LocalIoError, new RegExp(esc(missing)), /no such file/)
    })

    test(`${type}: CA file that is a directory: exit 6 naming it`, async () => {
      const dir = join(certs.dir, `ca-dir-${type}`)
      mkdirSync(dir, {recursive: true})
      await expectFailure(conn(type, {caFile: dir, certFile: etcd.certFile, keyFile: etcd.keyFile}), LocalIoError, new RegExp(esc(dir)), /directory/)
    })

    test(`${type}: CA file that holds no certificate: exit 6 naming it`, async () => {
      const junk = join(certs.dir, `junk-${type}.pem`)
      writeFileSync(junk, 'not a certificate\n')
      await expectFailure(conn(type, {caFile: junk}), LocalIoError, new RegExp(esc(junk)), /no PEM certificate/)
    })

    test(`${type}: a certificate without its key is a usage error`, async () => {
      await expectFailure(conn(type, {caFile: etcd.caFile, certFile: etcd.certFile}), UsageError, /EtcdKeyFile is not/)
    })
  }

  test('error objects are of the exit-5 and exit-6 classes', () => {
    assert.equal(new DatastoreError('x').exitCode, 5)
    assert.equal(new LocalIoError('x').exitCode, 6)
  })
})

describe('expired server certificate', () => {
  let expiredEtcd: EtcdInstance | undefined
  let expiredCerts: CertSet | undefined
  before(async () => {
    expiredCerts = await makeCerts({expiredServer: true})
    expiredEtcd = await startEtcd({tls: true, certs: expiredCerts, clientCertAuth: false})
  })
  after(async () => {
    await expiredEtcd?.stop()
    if (expiredCerts) rmSync(expiredCerts.dir, {recursive: true, force: true})
  })
  for (const type of TYPES) {
    test(`${type}: refused with "certificate has expired", exit 5 naming the endpoint`, async () => {
      const e = expiredEtcd as EtcdInstance
      await expectFailure(
        {type, endpoints: [e.clientUrl + '/'], timeoutMs: TIMEOUT, caFile: e.caFile},
        DatastoreError,
        /certificate has expired/,
        new RegExp(esc(e.clientUrl)),
      )
    })
  }
})
