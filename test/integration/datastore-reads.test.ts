/**
 * Every command reads Felix's datastore through one opener (src/services/felix-datastore.ts), and
 * reads it once: counted with etcd's own v2 store statistics (/v2/stats/store: getsSuccess +
 * getsFail) around each run, against a real etcd.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli} from '../helpers/cli.js'
import {EtcdInstance, startEtcd} from '../helpers/etcd.js'

let etcd: EtcdInstance
let dir: string
let noCfg: string
let brokenCfg: string
const ROOT = ['--root', 'test/fixtures/sysctl/debian-fresh']

before(async () => {
  etcd = await startEtcd()
  dir = mkdtempSync(join(tmpdir(), 'felixctl-reads-'))
  noCfg = join(dir, 'none.cfg')
  writeFileSync(noCfg, '')
  // Felix stops at the file stage (a value Felix dies on: not DROP, RETURN or ACCEPT) before it connects.
  brokenCfg = join(dir, 'broken.cfg')
  writeFileSync(brokenCfg, '[global]\nDefaultEndpointToHostAction = BOGUS\n')
  for (const [k, v] of Object.entries({'/calico/v1/Ready': 'true', '/calico/v1/config/IpInIpMtu': '1400', '/calico/v1/host/node1/config/IpInIpMtu': '1420', '/calico/v1/host/node2/config/LogSeverityScreen': 'DEBUG'})) {
    const r = await etcd.v2('PUT', k, v)
    assert.ok(r.status === 200 || r.status === 201, r.body)
  }
})
after(async () => {
  await etcd?.stop()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

/** The v2 store's read counter (etcd 3.4 counts a quorum GET twice: see `unit`). */
async function storeGets(): Promise<number> {
  const res = await fetch(new URL('/v2/stats/store', etcd.clientUrl))
  const stats = (await res.json()) as {getsSuccess: number; getsFail: number}
  return stats.getsSuccess + stats.getsFail
}

/** How much one GET of the keys API (as felixctl sends it: recursive, quorum) moves the counter. */
let unit = 0

async function readsOf(args: string[]): Promise<{reads: number; code: number | null; stderr: string}> {
  const before = await storeGets()
  const r = await runCli([...args, '--etcd-endpoints', etcd.clientUrl, '-o', 'json'], {cleanEnv: true})
  return {reads: ((await storeGets()) - before) / unit, code: r.code, stderr: r.stderr}
}

describe('one read of the datastore per command', () => {
  test('the counter counts: each GET moves it by the same amount', async () => {
    const steps: number[] = []
    for (let i = 0; i < 3; i++) {
      const before = await storeGets()
      await etcd.v2('GET', '/calico/v1', undefined, 'recursive=true&quorum=true')
      steps.push((await storeGets()) - before)
    }
    assert.ok(steps[0] > 0 && steps.every((s) => s === steps[0]), String(steps))
    unit = steps[0]
  })

  test('doctor reads etcd once for its config and datastore parts', async () => {
    const r = await readsOf(['doctor', '--host', 'node1', '-c', noCfg, ...ROOT])
    assert.equal(r.reads, 1, r.stderr)
  })

  test('doctor, when Felix would stop before connecting: the datastore part still reads once', async () => {
    const r = await readsOf(['doctor', '--host', 'node1', '-c', brokenCfg, ...ROOT])
    assert.equal(r.code, 3, r.stderr)
    assert.equal(r.reads, 1, r.stderr)
  })

  test('datastore status and export, and the fleet views, read the whole tree once', async () => {
    for (const args of [['datastore', 'status'], ['datastore', 'export'], ['config', 'list', '--all-hosts'], ['config', 'get', 'IpInIpMtu', '--all-hosts'], ['config', 'validate', '--all-hosts']]) {
      const r = await readsOf([...args, '-c', noCfg])
      assert.equal(r.reads, 1, `${args.join(' ')}: ${r.stderr}`)
    }
  })

  test('config get|list|validate for one host: the global and host directories and Ready, one request each (sent at once)', async () => {
    for (const args of [['config', 'get', 'IpInIpMtu'], ['config', 'list'], ['config', 'validate']]) {
      const r = await readsOf([...args, '--host', 'node1', '-c', noCfg])
      assert.equal(r.reads, 3, `${args.join(' ')}: ${r.stderr}`)
    }
  })

  test('config diff reads only the named host directories: global, and per host its config directory and the directory itself, and Ready', async () => {
    const one = await readsOf(['config', 'diff', '--host', 'node1', '-c', noCfg])
    assert.equal(one.reads, 4, one.stderr)
    const two = await readsOf(['config', 'diff', '--host', 'node1', '--host', 'node2', '-c', noCfg])
    assert.equal(two.reads, 6, two.stderr)
    // A name that is not there: the whole tree is read once more, for the did-you-mean.
    const missing = await readsOf(['config', 'diff', '--host', 'node9', '-c', noCfg])
    assert.equal(missing.code, 4, missing.stderr)
    assert.equal(missing.reads, 4 + 1, missing.stderr)
    assert.match(missing.stderr, /did you mean node1 or node2\?/)
    // Not a plain directory name: only the whole-tree read.
    const odd = await readsOf(['config', 'diff', '--host', '..', '-c', noCfg])
    assert.equal([odd.code, odd.reads].join(' '), '4 1', odd.stderr)
  })

  test('config set --layer host: its host directory, and the host directory itself for the names of every host (the impact); --layer global: the whole tree', async () => {
    const host = await readsOf(['config', 'set', 'IpInIpMtu', '1500', '--layer', 'host', '--host', 'node1', '--no-local', '--dry-run', '-c', noCfg])
    assert.equal([host.code, host.reads].join(' '), '0 4', host.stderr)
    const global = await readsOf(['config', 'set', 'IpInIpMtu', '1500', '--layer', 'global', '--host', 'node2', '--no-local', '--dry-run', '-c', noCfg])
    assert.equal([global.code, global.reads].join(' '), '0 1', global.stderr)
  })

  test('Felix would stop before connecting: config get does not connect', async () => {
    const r = await readsOf(['config', 'get', 'IpInIpMtu', '--host', 'node1', '-c', brokenCfg])
    assert.equal(r.code, 3, r.stderr)
    assert.equal(r.reads, 0, r.stderr)
  })
})
