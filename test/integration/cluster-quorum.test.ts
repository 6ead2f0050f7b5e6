/**
 * felixctl against a 3-member etcd cluster on loopback (issue 10), through the built CLI, for
 * both drivers (etcdv2 and etcdv3; the two key spaces are seeded alike):
 *   1. one member hung (SIGSTOP, accepts connections and never answers): felixctl does not hang,
 *      and get/list/set still work through the others;
 *   2. one member stopped: get/list/set work through the others;
 *   3. two members down (no quorum): get/list/set fail within the timeout with exit 5, and the
 *      key is afterwards either the old or the new value, never anything else.
 * The scenarios run in this order on one cluster: each one leaves it more damaged.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli, type CliResult} from '../helpers/cli.js'
import {startEtcdCluster, type EtcdCluster} from '../helpers/etcd.js'

let cluster: EtcdCluster
let tmp: string
const DRIVERS = ['etcdv2', 'etcdv3'] as const
type Driver = (typeof DRIVERS)[number]
const TIMEOUT_S = 3

async function seed(key: string, value: string): Promise<void> {
  const m = cluster.members[2]
  // Right after a member stops, the others may still be electing a leader (slow on a loaded
  // 2-core machine): retry, up to 240 times half a second apart.
  for (let attempt = 1; ; attempt++) {
    try {
      const r2 = await m.v2('PUT', key, value)
      assert.ok(r2.status === 200 || r2.status === 201, `v2 PUT ${key}: ${r2.status} ${r2.body}`)
      const r3 = await m.etcdctl(['put', key, '--', value])
      assert.equal(r3.code, 0, r3.stderr)
      return
    } catch (error) {
      if (attempt >= 240) throw error
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}

/** Read a key from the last member (the one that always stays up), in the driver's key space. */
async function readBack(driver: Driver, key: string): Promise<string | null> {
  const m = cluster.members[2]
  if (driver === 'etcdv2') {
    const r = await m.v2('GET', key, undefined, 'quorum=true')
    if (r.status === 404) return null
    assert.equal(r.status, 200, r.body)
    return (JSON.parse(r.body) as {node: {value: string}}).node.value
  }
  const r = await m.etcdctl(['get', key, '--print-value-only'])
  assert.equal(r.code, 0, r.stderr)
  return r.stdout === '' ? null : r.stdout.replace(/\n$/, '')
}

function common(driver: Driver): string[] {
  // The first endpoint is the member that fails, so failover is exercised every time.
  return ['--datastore-type', driver, '--etcd-endpoints', cluster.endpoints.join(','), '--etcd-timeout', `${TIMEOUT_S}s`, '-c', join(tmp, 'no-felix.cfg'), '--host', 'node1']
}

/** Run felixctl; a hang is caught by the runner's kill (far above any run time), never by a time limit. */
function timed(args: string[]): Promise<CliResult> {
  return runCli(args, {timeoutMs: 300000})
}

const get = (d: Driver) => timed(['config', 'get', 'LogSeverityFile', ...common(d), '-o', 'json'])
const list = (d: Driver) => timed(['config', 'list', ...common(d), '-o', 'json'])
const set = (d: Driver, value: string) => timed(['config', 'set', 'LogSeverityFile', value, '--layer', 'global', '--yes', ...common(d), '-o', 'json'])

/** felixctl must end on its own: never hang. */
function inTime(r: {signal: NodeJS.Signals | null}, what: string): void {
  assert.equal(r.signal, null, `${what}: killed (hung)`)
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  for (let waited = 0; waited < ms; waited += 200) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 200))
  }
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'felixctl-cluster-'))
  writeFileSync(join(tmp, 'no-felix.cfg'), '') // an explicitly named config file must exist
  cluster = await startEtcdCluster(3)
  await seed('/calico/v1/Ready', 'true')
  await seed('/calico/v1/config/LogSeverityFile', 'WARNING')
  await seed('/calico/v1/host/node1/config/IpInIpMtu', '1400')
})

after(async () => {
  await cluster?.stop()
  rmSync(tmp, {recursive: true, force: true})
})

describe('3-member etcd cluster', {concurrency: false}, () => {
  test('all members up: get works with both drivers', async () => {
    for (const d of DRIVERS) {
      const r = await get(d)
      assert.equal(r.code, 0, `${d}: ${r.stderr}`)
      assert.equal(JSON.parse(r.stdout).value, 'WARNING')
    }
  })

  test('one member hung (SIGSTOP, first endpoint): get/list/set finish in time and work through the others', async () => {
    await seed('/calico/v1/config/LogSeverityFile', 'WARNING')
    cluster.members[0].pause()
    try {
      for (const d of DRIVERS) {
        const g = await get(d)
        inTime(g, `${d} get`)
        assert.equal(g.code, 0, `${d} get: ${g.stderr}`)
        assert.equal(JSON.parse(g.stdout).value, 'WARNING')
        const l = await list(d)
        inTime(l, `${d} list`)
        assert.equal(l.code, 0, `${d} list: ${l.stderr}`)
        const s = await set(d, 'INFO')
        inTime(s, `${d} set`)
        assert.equal(s.code, 0, `${d} set: ${s.stderr}`)
        assert.equal(await readBack(d, '/calico/v1/config/LogSeverityFile'), 'INFO')
      }
    } finally {
      cluster.members[0].resume()
    }
  })

  test('one member stopped: get/list/set work through the others (both drivers)', async () => {
    await cluster.members[0].stop()
    await seed('/calico/v1/config/LogSeverityFile', 'DEBUG')
    for (const d of DRIVERS) {
      const g = await get(d)
      inTime(g, `${d} get`)
      assert.equal(g.code, 0, `${d} get: ${g.stderr}`)
      assert.equal(JSON.parse(g.stdout).value, 'DEBUG')
      const l = await list(d)
      inTime(l, `${d} list`)
      assert.equal(l.code, 0, `${d} list: ${l.stderr}`)
      const mtu = (JSON.parse(l.stdout) as {params: Array<{name: string; value: unknown; source: string}>}).params.find((p) => p.name === 'IpInIpMtu')
      assert.deepEqual([mtu?.value, mtu?.source], [1400, 'host'], `${d} list reads the per-host key`)
      const s = await set(d, 'ERROR')
      inTime(s, `${d} set`)
      assert.equal(s.code, 0, `${d} set: ${s.stderr}`)
      assert.equal(await readBack(d, '/calico/v1/config/LogSeverityFile'), 'ERROR')
    }
  })

  test('two members down (no quorum): get/list/set fail with exit 5 within the timeout; nothing half-written', async () => {
    await seed('/calico/v1/config/LogSeverityFile', 'ERROR')
    // Member 0 is gone; hang member 1 so that it can come back afterwards to check what was written.
    cluster.members[1].pause()
    // Give the survivor time to notice that it has no leader (election timeout is 1 s by default).
    await new Promise((r) => setTimeout(r, 2500))
    try {
      const runs = await Promise.all(DRIVERS.flatMap((d) => [get(d), list(d), set(d, 'CRITICAL')].map(async (p, i) => ({d, what: ['get', 'list', 'set'][i], r: await p}))))
      for (const {d, what, r} of runs) {
        inTime(r, `${d} ${what}`)
        assert.equal(r.code, 5, `${d} ${what}: exit ${r.code}\n${r.stderr}`)
        assert.equal(r.stdout, '', `${d} ${what}: nothing on stdout`)
        assert.doesNotMatch(r.stderr, /^\s+at /m)
      }
    } finally {
      cluster.members[1].resume()
    }
    // With quorum back, each key is the old value or the new one, in full.
    for (const d of DRIVERS) {
      let v: string | null = null
      await waitFor(async () => {
        v = await readBack(d, '/calico/v1/config/LogSeverityFile')
        return true
      }, 15000)
      assert.ok(v === 'ERROR' || v === 'CRITICAL', `${d}: LogSeverityFile is ${JSON.stringify(v)}`)
      assert.equal(await readBack(d, '/calico/v1/Ready'), 'true')
      assert.equal(await readBack(d, '/calico/v1/host/node1/config/IpInIpMtu'), '1400')
    }
  })
})
