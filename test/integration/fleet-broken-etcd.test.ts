/**
 * The broken fleet of the benchmark (issue 14; bench/fleet-data.mjs), smaller, in a real etcd,
 * v2 and v3: `MetadataPort = INFO` (die-on-fail) and 30 unknown keys in the global layer, a
 * die-on-fail invalid value on every 97th host, a non-canonical spelling on every 13th, plus a
 * few odd host directories (FelixHostname "" in etcd, unknown and misspelt keys). The CLI's
 * `-o json` fleet views (the fast path) must equal, host by host, what the full resolver on
 * every host gives through the same renderers. Correctness only: nothing here is timed.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {EtcdInstance, startEtcd} from '../helpers/etcd.js'
import {runCli} from '../helpers/cli.js'
import {configDiff, configGetAllHosts, configListAllHosts, FleetOptions} from '../../src/services/config-fleet.js'
import {renderFleetDiff, renderFleetGet, renderFleetList} from '../../src/render/fleet.js'
// @ts-expect-error: plain JavaScript without declarations, shared with the benchmark
import {brokenFleetKvs} from '../../bench/fleet-data.mjs'
// @ts-expect-error: plain JavaScript without declarations, shared with the benchmark
import {seedV2, seedV3} from '../../bench/seed.mjs'

const HOSTS = 200
const EXTRA: [string, string][] = [
  ['/calico/v1/host/odd1/config/FelixHostname', ''],
  ['/calico/v1/host/odd1/config/IpInIpMtu', '1420'],
  ['/calico/v1/host/odd2/config/LogSeverityFiel', 'DEBUG'],
  ['/calico/v1/host/odd2/config/ipinipmtu', '1480'],
  ['/calico/v1/host/odd3/config/MetadataPort', '8775'],
  ['/calico/v1/host/odd3/config/IpInIpTunnelAddr', 'not-an-ip'],
]

let etcd: EtcdInstance
let dir: string

before(async () => {
  etcd = await startEtcd()
  dir = mkdtempSync(join(tmpdir(), 'felixctl-broken-'))
  writeFileSync(join(dir, 'empty.cfg'), '')
  const kvs = [...(brokenFleetKvs(0, HOSTS) as [string, string][]), ...EXTRA]
  await seedV3(etcd.clientUrl, kvs)
  await seedV2(etcd.clientUrl, kvs)
})

after(async () => {
  await etcd?.stop()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

for (const datastoreType of ['etcdv2', 'etcdv3'] as const) {
  const conn = () => ['--datastore-type', datastoreType, '--etcd-endpoints', etcd.clientUrl, '-c', join(dir, 'empty.cfg')]
  const opts = (): FleetOptions => ({datastoreType, etcdEndpoints: [etcd.clientUrl], configFile: join(dir, 'empty.cfg'), processEnv: {}, timeoutMs: 30000, fast: false})
  /** The CLI's JSON (exit 3: Felix would not start on these hosts) against the full resolver's, rendered alike. */
  const same = async (args: string[], reference: string, hostsOf: (doc: any) => unknown[]) => {
    const r = await runCli([...args, '-o', 'json', ...conn()], {cleanEnv: true, timeoutMs: 120000})
    assert.equal(r.code, 3, r.stderr)
    const got = JSON.parse(r.stdout)
    const want = JSON.parse(reference)
    const [g, w] = [hostsOf(got), hostsOf(want)]
    assert.equal(g.length, w.length)
    g.forEach((h, i) => assert.deepEqual(h, w[i], `host ${i}`))
    assert.deepEqual(got, want)
    return got
  }

  describe(`the broken fleet over ${datastoreType}: fast path = full resolver`, () => {
    test('config list --all-hosts -o json, with and without --all', async () => {
      const doc = await same(['config', 'list', '--all-hosts'], await renderFleetList(await configListAllHosts(opts()), 'json'), (d) => d.hosts)
      assert.equal(doc.global.fatal.param, 'MetadataPort')
      assert.equal(doc.hosts.length, HOSTS + 3)
      // node0, node97, node194 stop at their own DefaultEndpointToHostAction; the rest at the global MetadataPort.
      assert.deepEqual(doc.hosts.filter((h: any) => h.fatal.layer === 'host').map((h: any) => h.host), ['node0', 'node194', 'node97'])
      await same(['config', 'list', '--all-hosts', '--all'], await renderFleetList(await configListAllHosts({...opts(), all: true} as FleetOptions), 'json'), (d) => d.hosts)
    })

    test('config get NAME --all-hosts -o json', async () => {
      for (const name of ['IpInIpMtu', 'LogSeverityFile', 'MetadataPort']) {
        await same(['config', 'get', name, '--all-hosts'], await renderFleetGet(await configGetAllHosts(name, opts()), 'json'), (d) => d.fatal)
      }
    })

    test('config diff -o json', async () => {
      for (const hosts of [['node13', 'node97'], ['node1', 'odd2'], ['odd1']]) {
        await same(['config', 'diff', ...hosts.flatMap((h) => ['--host', h])], await renderFleetDiff(await configDiff(hosts, opts()), 'json'), (d) => [d.a, d.b])
      }
    })
  })
}
