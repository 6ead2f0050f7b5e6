/**
 * The hand-written v3 reader (src/datastore/grpc-read.ts, used by the etcdv3 driver's reads)
 * against the `etcd3` client on a real etcd: random keys and values (empty, UTF-8, control
 * characters, 200 KB values, 64 KiB-boundary sizes), config and non-config keys, overwritten
 * keys (mod revisions that differ from create revisions) and deletions. After each round the
 * driver's readConfig (every host, and one host) and get() must equal what etcd3 reads.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {startEtcd, EtcdInstance} from '../helpers/etcd.js'
import {openDatastore} from '../../src/datastore/index.js'
import {isConfigKey} from '../../src/datastore/snapshot.js'
import type {Kv} from '../../src/datastore/types.js'
import {mulberry32} from '../helpers/prng.js'

let etcd: EtcdInstance
type Etcd3Module = typeof import('etcd3')
let client: InstanceType<Etcd3Module['Etcd3']>

const rng = mulberry32

const NAMES = ['LogSeverityFile', 'logseverityfile', 'IpInIpMtu', 'Ünïcode', 'with space', 'tab\tname', 'x', 'MetadataPort', 'a.b-c_d']
const HOSTS = ['node1', 'node-2', 'ñode', 'h', 'compute-01.example.com']

function randomValue(r: () => number): string {
  const kind = Math.floor(r() * 7)
  if (kind === 0) return ''
  if (kind === 1) return 'INFO'
  if (kind === 2) return 'h\u00e9llo \u2603 \ud83d\ude00'
  if (kind === 3) return '\u001b[31mred\u0007\r\n'
  if (kind === 4) return 'v'.repeat(200_000 + Math.floor(r() * 10))
  if (kind === 5) return 'w'.repeat(65_535 + Math.floor(r() * 3))
  return String(Math.floor(r() * 1e9))
}

function randomKey(r: () => number): string {
  const name = NAMES[Math.floor(r() * NAMES.length)]
  const host = HOSTS[Math.floor(r() * HOSTS.length)]
  switch (Math.floor(r() * 6)) {
    case 0:
    case 1:
      return `/calico/v1/config/${name}`
    case 2:
    case 3:
      return `/calico/v1/host/${host}/config/${name}`
    case 4:
      return `/calico/v1/host/${host}/workload/k8s/w${Math.floor(r() * 5)}/endpoint/eth0`
    default:
      return r() < 0.5 ? '/calico/v1/Ready' : `/calico/v1/policy/tier/default/policy/p${Math.floor(r() * 3)}`
  }
}

/** What etcd3 reads: every config key (sorted), and the Ready flag. */
async function reference(host?: string): Promise<{kvs: Kv[]; ready: string | null}> {
  const all = await client.getAll().prefix('/calico/v1/').exec()
  const kvs = all.kvs
    .map((kv) => ({key: kv.key.toString('utf8'), value: kv.value.toString('utf8'), revision: String(kv.mod_revision)}))
    .filter((kv) => isConfigKey(kv.key) && (host === undefined || !kv.key.startsWith('/calico/v1/host/') || kv.key.startsWith(`/calico/v1/host/${host}/config/`)))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const ready = all.kvs.find((kv) => kv.key.toString('utf8') === '/calico/v1/Ready')
  return {kvs, ready: ready ? ready.value.toString('utf8') : null}
}

before(async () => {
  etcd = await startEtcd()
  const mod = (await import('etcd3')) as Etcd3Module & {default?: Etcd3Module}
  const Etcd3 = (mod.Etcd3 ?? mod.default!.Etcd3) as Etcd3Module['Etcd3']
  client = new Etcd3({hosts: [etcd.clientUrl], grpcOptions: {'grpc.max_receive_message_length': 64 << 20}})
})

after(async () => {
  client?.close()
  await etcd?.stop()
})

describe('the v3 reads decoded by hand equal the etcd3 client, on random data in a real etcd', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`seed ${seed}`, async () => {
      const r = rng(seed)
      await client.delete().prefix('/calico/')
      for (let i = 0; i < 60; i++) {
        const key = randomKey(r)
        if (r() < 0.15) await client.delete().key(key)
        else await client.put(key).value(randomValue(r))
      }
      const ds = await openDatastore({type: 'etcdv3', endpoints: [etcd.clientUrl], timeoutMs: 20000})
      try {
        const want = await reference()
        const got = await ds.readConfig()
        assert.ok(want.kvs.length > 0, `seed ${seed} made no config keys`)
        assert.deepEqual(got.kvs, want.kvs)
        assert.equal(got.ready, want.ready)
        const rev = (await client.get('/calico/').exec()).header.revision
        assert.equal(got.revision, String(rev))
        for (const host of HOSTS.slice(0, 3)) {
          const scoped = await ds.readConfig({host})
          assert.deepEqual(scoped.kvs, (await reference(host)).kvs, `host ${host}`)
        }
        for (const kv of want.kvs.slice(0, 10)) assert.deepEqual(await ds.get(kv.key), kv)
        assert.equal(await ds.get('/calico/v1/config/NoSuchKey'), null)
      } finally {
        await ds.close()
      }
    })
  }
})
