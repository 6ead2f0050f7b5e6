/**
 * The etcd v2 and v3 drivers against one real etcd (v2 and v3 key spaces seeded
 * identically), compared with each other and with the snapshot driver.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {closedPort, makeCerts, startEtcd, EtcdInstance} from '../helpers/etcd.js'
import {openDatastore, readyProblem, KubernetesDatastore} from '../../src/datastore/index.js'
import {Datastore, Kv} from '../../src/datastore/types.js'
import {DatastoreError, LocalIoError, UsageError, WriteRefusedError} from '../../src/errors.js'

let etcd: EtcdInstance
let tmp: string

/** Config keys (must come back), and others (must not). */
const SEED: Record<string, string> = {
  '/calico/v1/config/LogSeverityFile': 'DEBUG',
  '/calico/v1/config/InterfacePrefix': 'tap',
  '/calico/v1/config/logseverityscreen': 'info',
  '/calico/v1/config/Spaces': ' a value with spaces ',
  '/calico/v1/config/Unicode': 'h\u00e9llo \u2603',
  '/calico/v1/config/Empty': '',
  '/calico/v1/host/node-1/config/FelixHostname': 'node-1',
  '/calico/v1/host/node-1/config/IpInIpEnabled': 'true',
  '/calico/v1/host/node-2/config/LogSeverityFile': 'WARNING',
  // not config keys:
  '/calico/v1/host/node-1/workload/openstack/w1/endpoint/e1': '{"state":"active"}',
  '/calico/v1/host/node-1/bird_ip': '10.0.0.1',
  '/calico/v1/host/node-1/config/nested/Deep': 'x',
  '/calico/v1/policy/tier/default/policy/p1': '{}',
  '/calico/v1/configuration': 'no',
  '/calico/v1/Ready': 'true',
}
const CONFIG_KEYS = Object.keys(SEED)
  .filter((k) => /^\/calico\/v1\/config\/[^/]+$/.test(k) || /^\/calico\/v1\/host\/[^/]+\/config\/[^/]+$/.test(k))
  .sort()

async function seedV2(key: string, value: string): Promise<void> {
  const r = await etcd.v2('PUT', key, value)
  assert.ok(r.status === 200 || r.status === 201, `v2 PUT ${key}: ${r.status} ${r.body}`)
}

async function seedV3(key: string, value: string): Promise<void> {
  const r = await etcd.etcdctl(['put', key, '--', value])
  assert.equal(r.code, 0, `etcdctl put ${key}: ${r.stderr}`)
}

function conn(type: 'etcdv2' | 'etcdv3', extra: {endpoints?: string[]; timeoutMs?: number} = {}) {
  return {type, endpoints: extra.endpoints ?? [etcd.clientUrl + '/'], timeoutMs: extra.timeoutMs ?? 5000}
}

async function withDs<T>(type: 'etcdv2' | 'etcdv3', fn: (ds: Datastore) => Promise<T>, extra?: {endpoints?: string[]; timeoutMs?: number}): Promise<T> {
  const ds = await openDatastore(conn(type, extra))
  try {
    return await fn(ds)
  } finally {
    await ds.close()
  }
}

const strip = (kvs: Kv[]) => kvs.map(({key, value}) => ({key, value}))
const byKey = (a: {key: string}, b: {key: string}) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

before(async () => {
  etcd = await startEtcd()
  tmp = mkdtempSync(join(tmpdir(), 'felixctl-ds-'))
})

after(async () => {
  await etcd?.stop()
  if (tmp) rmSync(tmp, {recursive: true, force: true})
})

describe('empty datastore', () => {
  for (const type of ['etcdv2', 'etcdv3'] as const) {
    test(`${type}: no /calico/v1 at all is an empty tree, Ready missing`, async () => {
      const tree = await withDs(type, (ds) => ds.readConfig())
      assert.deepEqual(tree.kvs, [])
      assert.equal(tree.ready, null)
      assert.match(tree.revision ?? '', /^\d+$/)
      assert.equal(await withDs(type, (ds) => ds.get('/calico/v1/config/LogSeverityFile')), null)
    })
  }
})

describe('readConfig on seeded data', () => {
  before(async () => {
    for (const [k, v] of Object.entries(SEED)) {
      await seedV2(k, v)
      await seedV3(k, v)
    }
  })

  for (const type of ['etcdv2', 'etcdv3'] as const) {
    test(`${type}: exactly the config keys, values byte for byte, Ready, revisions`, async () => {
      const ds = await openDatastore(conn(type))
      assert.equal(ds.kind, type)
      assert.deepEqual(ds.endpoints, [etcd.clientUrl + '/'])
      const tree = await ds.readConfig()
      await ds.close()
      assert.deepEqual(
        tree.kvs.map((kv) => kv.key),
        CONFIG_KEYS,
      )
      for (const kv of tree.kvs) {
        assert.equal(kv.value, SEED[kv.key], kv.key)
        assert.match(kv.revision ?? '', /^\d+$/, kv.key)
        assert.ok(Number(kv.revision) <= Number(tree.revision), `${kv.key} revision ${kv.revision} <= store ${tree.revision}`)
      }
      assert.equal(tree.ready, 'true')
    })
  }

  test('v2 and v3 return the same keys and values; so does a snapshot of the same data', async () => {
    const v2 = await withDs('etcdv2', (ds) => ds.readConfig())
    const v3 = await withDs('etcdv3', (ds) => ds.readConfig())
    assert.deepEqual(strip(v2.kvs), strip(v3.kvs))
    assert.equal(v2.ready, v3.ready)
    const snapPath = join(tmp, 'snapshot.json')
    writeFileSync(snapPath, JSON.stringify(SEED))
    const snap = await openDatastore({type: 'snapshot', path: snapPath})
    const s = await snap.readConfig()
    assert.equal(snap.kind, 'snapshot')
    assert.deepEqual(strip(v2.kvs), strip([...s.kvs].sort(byKey)))
    assert.equal(s.ready, v2.ready)
  })

  test('revisions: v2 modifiedIndex and v3 mod_revision match what etcd reports', async () => {
    const key = '/calico/v1/config/LogSeverityFile'
    const v2raw = JSON.parse((await etcd.v2('GET', key)).body) as {node: {modifiedIndex: number}}
    const v3raw = JSON.parse((await etcd.etcdctl(['get', key, '-w', 'json'])).stdout) as {kvs: Array<{mod_revision: number}>}
    const v2 = await withDs('etcdv2', (ds) => ds.get(key))
    const v3 = await withDs('etcdv3', (ds) => ds.get(key))
    assert.deepEqual(v2, {key, value: 'DEBUG', revision: String(v2raw.node.modifiedIndex)})
    assert.deepEqual(v3, {key, value: 'DEBUG', revision: String(v3raw.kvs[0].mod_revision)})
  })

  test('get of a directory or a missing key is null', async () => {
    for (const type of ['etcdv2', 'etcdv3'] as const) {
      assert.equal(await withDs(type, (ds) => ds.get('/calico/v1/config/NoSuchKey')), null, type)
    }
    assert.equal(await withDs('etcdv2', (ds) => ds.get('/calico/v1/config')), null)
  })

  test('a dead endpoint listed first is skipped; later calls start at the one that answered', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/`
    for (const type of ['etcdv2', 'etcdv3'] as const) {
      const ds = await openDatastore(conn(type, {endpoints: [dead, etcd.clientUrl + '/']}))
      try {
        assert.deepEqual(ds.endpoints, [dead, etcd.clientUrl + '/'])
        assert.equal((await ds.readConfig()).kvs.length, CONFIG_KEYS.length, type)
        assert.equal((await ds.get('/calico/v1/config/InterfacePrefix'))?.value, 'tap', type)
      } finally {
        await ds.close()
      }
    }
  })
})

describe('Ready', () => {
  const cases: Array<[string | null, RegExp | null]> = [
    [null, /\/calico\/v1\/Ready is missing: Felix would wait/],
    ['true', null],
    ['false', /\/calico\/v1\/Ready is "false", not "true"/],
    ['True', /is "True", not "true"/],
    ['', /is "", not "true"/],
  ]
  for (const [value, expected] of cases) {
    test(`readyProblem(${JSON.stringify(value)})`, () => {
      const problem = readyProblem(value)
      if (expected === null) assert.equal(problem, null)
      else assert.match(problem ?? '', expected)
    })
  }

  test('both drivers read a changed Ready flag', async () => {
    await seedV2('/calico/v1/Ready', 'false')
    await seedV3('/calico/v1/Ready', 'false')
    for (const type of ['etcdv2', 'etcdv3'] as const) {
      assert.equal((await withDs(type, (ds) => ds.readConfig())).ready, 'false', type)
    }
  })
})

describe('writes: put, compare-and-swap, delete', () => {
  for (const type of ['etcdv2', 'etcdv3'] as const) {
    test(`${type}: put, CAS success, CAS conflict shows the current value, create-only, delete`, async () => {
      const key = `/calico/v1/config/CasTest${type}`
      await withDs(type, async (ds) => {
        const created = await ds.put(key, 'one', {ifRevision: '0'})
        assert.equal(created.previous, null)
        assert.match(created.revision ?? '', /^\d+$/)
        const got = await ds.get(key)
        assert.deepEqual(got, {key, value: 'one', revision: created.revision})

        const second = await ds.put(key, 'two', {ifRevision: created.revision})
        assert.equal(second.previous, 'one')
        assert.ok(Number(second.revision) > Number(created.revision))

        // stale revision: refused, exit 7, message shows what is there now
        await assert.rejects(ds.put(key, 'three', {ifRevision: created.revision}), (error: unknown) => {
          assert.ok(error instanceof WriteRefusedError, String(error))
          assert.equal(error.exitCode, 7)
          assert.match(error.message, new RegExp(`${key} is not at revision ${created.revision}: it is now "two" at revision ${second.revision}; nothing was written`))
          return true
        })
        // create-only on an existing key
        await assert.rejects(ds.put(key, 'x', {ifRevision: '0'}), (error: unknown) => {
          assert.ok(error instanceof WriteRefusedError)
          assert.match(error.message, /already exists \(--if-revision 0 creates it only when absent\): it is now "two"/)
          return true
        })
        assert.equal((await ds.get(key))?.value, 'two')

        // unconditional put
        const third = await ds.put(key, 'three')
        assert.equal(third.previous, 'two')

        // delete with a stale revision is refused; with the right one it goes
        await assert.rejects(ds.delete(key, {ifRevision: second.revision}), WriteRefusedError)
        const deleted = await ds.delete(key, {ifRevision: third.revision})
        assert.equal(deleted.previous, 'three')
        assert.equal(await ds.get(key), null)
        // a CAS on a key deleted meanwhile is a conflict
        await assert.rejects(ds.put(key, 'again', {ifRevision: third.revision}), /it does not exist now/)
        // deleting what is not there: nothing to report
        assert.equal((await ds.delete(key)).previous, null)
      })
    })

    test(`${type}: a write is visible to readConfig and to etcd's own client`, async () => {
      const key = `/calico/v1/host/node-9/config/Written${type}`
      await withDs(type, (ds) => ds.put(key, 'v=1&b c%'))
      const tree = await withDs(type, (ds) => ds.readConfig())
      assert.equal(tree.kvs.find((kv) => kv.key === key)?.value, 'v=1&b c%')
      if (type === 'etcdv2') assert.equal(JSON.parse((await etcd.v2('GET', key)).body).node.value, 'v=1&b c%')
      else assert.equal((await etcd.etcdctl(['get', key, '--print-value-only'])).stdout, 'v=1&b c%\n')
      await withDs(type, (ds) => ds.delete(key))
    })
  }
})

describe('large trees', () => {
  test('etcdv3: a range bigger than gRPC\'s default 4 MiB receive limit is read in one go', async () => {
    const {Etcd3} = await import('etcd3')
    const client = new Etcd3({hosts: etcd.clientUrl})
    try {
      const big = 'w'.repeat(8 * 1024)
      const puts = []
      for (let i = 0; i < 640; i++) puts.push(client.put(`/calico/v1/host/node-big/workload/k8s/pod${i}/endpoint/eth0`).value(big))
      for (let i = 0; i < 200; i++) puts.push(client.put(`/calico/v1/host/node-big/config/P${String(i).padStart(3, '0')}`).value(String(i)))
      await Promise.all(puts)
    } finally {
      client.close()
    }
    const tree = await withDs('etcdv3', (ds) => ds.readConfig(), {timeoutMs: 20000})
    const mine = tree.kvs.filter((kv) => kv.key.startsWith('/calico/v1/host/node-big/'))
    assert.equal(mine.length, 200)
    assert.equal(mine[199].key, '/calico/v1/host/node-big/config/P199')
    assert.equal(mine[199].value, '199')
  })
})

describe('factory', () => {
  test('kubernetes: no etcd layers, writes refused with a usage error', async () => {
    const ds = await openDatastore({type: 'kubernetes', endpoints: [], timeoutMs: 1000})
    assert.ok(ds instanceof KubernetesDatastore)
    assert.equal(ds.kind, 'kubernetes')
    assert.deepEqual(await ds.readConfig(), {kvs: [], ready: null})
    assert.equal(await ds.get('/calico/v1/config/X'), null)
    await assert.rejects(ds.put('/calico/v1/config/X', 'y'), UsageError)
    await assert.rejects(ds.delete('/calico/v1/config/X'), UsageError)
  })

  test('bad endpoints are usage errors; no endpoints at all too', async () => {
    await assert.rejects(openDatastore({type: 'etcdv2', endpoints: ['ftp://x:1/'], timeoutMs: 1000}), UsageError)
    await assert.rejects(openDatastore({type: 'etcdv3', endpoints: [], timeoutMs: 1000}), UsageError)
  })

  test('an endpoint without a scheme means http', async () => {
    const hostPort = etcd.clientUrl.replace(/^http:\/\//, '')
    const ds = await openDatastore({type: 'etcdv2', endpoints: [hostPort], timeoutMs: 3000})
    assert.deepEqual(ds.endpoints, [etcd.clientUrl + '/'])
    assert.ok((await ds.readConfig()).kvs.length > 0)
  })

  test('TLS files given with an http endpoint: read and checked, not used (as Felix\'s TLSInfo does)', async () => {
    const certs = await makeCerts({dir: join(tmp, 'certs')})
    for (const type of ['etcdv2', 'etcdv3'] as const) {
      const files = {caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile}
      const ds = await openDatastore({...conn(type), ...files})
      try {
        assert.ok((await ds.readConfig()).kvs.length > 0, type)
      } finally {
        await ds.close()
      }
      await assert.rejects(openDatastore({...conn(type), ...files, keyFile: join(tmp, 'missing.key')}), LocalIoError)
    }
  })

  test('a non-etcd HTTP answer is a datastore error, not a crash', async () => {
    await assert.rejects(withDs('etcdv2', (ds) => ds.readConfig(), {endpoints: [etcd.peerUrl + '/'], timeoutMs: 2000}), DatastoreError)
  })
})
