/**
 * `config watch` against a real etcd (one for this file: etcd 3.4 keeps the v2 and v3 key
 * spaces apart), through a TCP proxy the test cuts and restores.
 *
 * For each API: the built CLI watches with -o json; the test makes 50 changes (v2 over HTTP, v3
 * with etcdctl), some while the proxy is cut, plus workload writes that must not show, and
 * compares the printed events one for one with what it wrote: key, action, old and new raw
 * value, the revision (v2: index) etcd gave the write, and the impact, which must be
 * computeImpact of the state just before and just after (the model the test keeps). Then v3
 * compaction and v2 "event index cleared" (more than 1000 events past the watch's index):
 * the watch says so, reports one `resync` event whose changes are what the test changed
 * meanwhile, and goes on. Ctrl-C (SIGINT) ends it with exit 0.
 *
 * Nothing here asserts on time: every wait is for an event or a line (a guard fails the test
 * if it never comes).
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import * as net from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CLI, REPO_ROOT} from '../helpers/cli.js'
import {EtcdInstance, startEtcd} from '../helpers/etcd.js'
import {computeImpact, Impact} from '../../src/services/impact.js'
import {getRegistry} from '../../src/params/index.js'
import type {WatchChangeEvent} from '../../src/services/config-watch.js'
import {realFileProbe} from '../../src/params/kinds.js'
import {mulberry32} from '../helpers/prng.js'

const SEED: Record<string, string> = {
  '/calico/v1/Ready': 'true',
  '/calico/v1/config/LogSeverityScreen': 'INFO',
  '/calico/v1/config/IpInIpMtu': '1400',
  '/calico/v1/host/node1/config/IpInIpMtu': '1420',
  '/calico/v1/host/node2/config/LogSeverityScreen': 'DEBUG',
  '/calico/v1/host/node3/config/DefaultEndpointToHostAction': 'BOGUS',
  '/calico/v1/host/node7/config/IpInIpMtu': '1300',
  '/calico/v1/host/node7/config/LogSeverityFile': 'WARNING',
  '/calico/v1/host/node7/config/NoSuchKey': 'x',
  '/calico/v1/host/node1/workload/k8s/pod1/endpoint/eth0': '{}',
  // A host directory without config keys: its Felix counts too (restarts on a global change).
  '/calico/v1/host/node6/workload/k8s/pod6/endpoint/eth0': '{}',
}

/** Every host directory of SEED, with or without config keys. */
const SEED_HOSTS = [...new Set(Object.keys(SEED).filter((k) => k.startsWith('/calico/v1/host/')).map((k) => k.split('/')[4]))].sort()

/** Keys and values the random changes draw from: valid, invalid, fatal, `none`, unknown and non-canonical names. */
const POOL: [string, string[]][] = [
  ['/calico/v1/config/LogSeverityScreen', ['INFO', 'debug', 'WARNING', 'Info']],
  ['/calico/v1/config/IpInIpMtu', ['1400', '1500', 'x', 'none']],
  ['/calico/v1/config/DefaultEndpointToHostAction', ['ACCEPT', 'DROP', 'BOGUS']],
  ['/calico/v1/config/NoSuchParam', ['1', '2']],
  ['/calico/v1/config/ipinipmtu', ['1440']],
  ['/calico/v1/host/node1/config/IpInIpMtu', ['1420', '1480']],
  ['/calico/v1/host/node2/config/LogSeverityScreen', ['DEBUG', 'ERROR']],
  ['/calico/v1/host/node3/config/DefaultEndpointToHostAction', ['BOGUS', 'RETURN']],
  ['/calico/v1/host/node4/config/IptablesMarkMask', ['0x1', '0xff000000']],
  ['/calico/v1/host/node5/config/ReportingIntervalSecs', ['thirty', '60']],
  ['/calico/v1/Ready', ['false', 'true']],
]

interface Op {
  key: string
  /** null: delete */
  value: string | null
  /** A v2 directory deletion (recursive) or a v3 prefix deletion. */
  prefix?: boolean
}

const rng = mulberry32

/** `n` changes (each makes at least one event): puts and deletes of present keys, and one directory deletion. */
function makeOps(n: number, seed: number): Op[] {
  const r = rng(seed)
  const state = new Map(Object.entries(SEED))
  const ops: Op[] = []
  while (ops.length < n) {
    if (ops.length === 20) {
      ops.push({key: '/calico/v1/host/node7/config', value: null, prefix: true})
      for (const k of [...state.keys()]) if (k.startsWith('/calico/v1/host/node7/config/')) state.delete(k)
      continue
    }
    const [key, values] = POOL[Math.floor(r() * POOL.length)]
    if (state.has(key) && key !== '/calico/v1/Ready' && r() < 0.3) {
      ops.push({key, value: null})
      state.delete(key)
    } else {
      const value = values[Math.floor(r() * values.length)]
      ops.push({key, value})
      state.set(key, value)
    }
  }
  return ops
}

type Expected = Omit<WatchChangeEvent, 'type'>

/** The state the watch should hold (config keys and Ready), and the events each op should print. */
class Model {
  readonly values = new Map<string, string>()
  constructor() {
    for (const [k, v] of Object.entries(SEED)) if (!k.includes('/workload/')) this.values.set(k, v)
  }
  tree() {
    const kvs = [...this.values].filter(([k]) => k !== '/calico/v1/Ready').map(([key, value]) => ({key, value}))
    return {kvs, ready: this.values.get('/calico/v1/Ready') ?? null}
  }
  apply(key: string, value: string | null, revision: string): Expected {
    const before = this.tree()
    const old = this.values.get(key) ?? null
    if (value === null) this.values.delete(key)
    else this.values.set(key, value)
    const impact = computeImpact(before, this.tree(), {registry: getRegistry('2.0.4'), env: [], file: {state: 'absent'}, probe: realFileProbe(), localLayers: 'hidden', hostDirs: SEED_HOSTS})
    return {revision, key, action: value === null ? 'delete' : 'put', old, new: value, impact}
  }
  /** An op's events, given the revision etcd gave it. */
  events(op: Op, revision: string): Expected[] {
    if (!op.prefix) return [this.apply(op.key, op.value, revision)]
    const keys = [...this.values.keys()].filter((k) => k.startsWith(op.key + '/')).sort()
    return keys.map((k) => this.apply(k, null, revision))
  }
}

// ---------------------------------------------------------------- a TCP proxy that can be cut

interface Proxy {
  url: string
  /** Close every connection, and every new one at once, until restore(). */
  cut(): void
  restore(): void
  close(): Promise<void>
}

function startProxy(target: string): Promise<Proxy> {
  const t = new URL(target)
  const sockets = new Set<net.Socket>()
  let open = true
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy()
      return
    }
    const upstream = net.connect(Number(t.port), t.hostname)
    sockets.add(client)
    sockets.add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    for (const s of [client, upstream]) {
      s.on('error', drop)
      s.on('close', drop)
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port
      const cut = () => {
        open = false
        for (const s of sockets) s.destroy()
        sockets.clear()
      }
      resolve({
        url: `http://127.0.0.1:${port}`,
        cut,
        restore: () => {
          open = true
        },
        close: () =>
          new Promise<void>((done) => {
            cut()
            server.close(() => done())
          }),
      })
    })
  })
}

// ---------------------------------------------------------------- the watching CLI

interface Printed {
  type: string
  [k: string]: unknown
}

/** Longest wait for one expected line: a guard against a hang, not an assertion on speed. */
const GUARD_MS = 120_000

class WatchProcess {
  readonly events: Printed[] = []
  stderr = ''
  private stdoutBuf = ''
  private waiters: (() => void)[] = []
  readonly exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  private readonly child: ChildProcess

  constructor(args: string[]) {
    const env: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}
    this.child = spawn(process.execPath, ['--', CLI, 'config', 'watch', '-o', 'json', ...args], {cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe']})
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdoutBuf += d
      let nl: number
      while ((nl = this.stdoutBuf.indexOf('\n')) !== -1) {
        const line = this.stdoutBuf.slice(0, nl)
        this.stdoutBuf = this.stdoutBuf.slice(nl + 1)
        if (line.trim()) this.events.push(JSON.parse(line) as Printed)
      }
      this.wake()
    })
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d
      this.wake()
    })
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => {
      this.wake()
      resolve({code, signal})
    }))
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  /** Resolve when `cond` holds (checked after every output); fail after the guard. */
  async until(what: string, cond: () => boolean): Promise<void> {
    const started = Date.now()
    while (!cond()) {
      if (Date.now() - started > GUARD_MS || this.child.exitCode !== null) {
        throw new Error(`config watch: never saw ${what} (exit ${this.child.exitCode})\n--- events\n${this.events.map((e) => JSON.stringify(e)).join('\n').slice(-4000)}\n--- stderr\n${this.stderr.slice(-4000)}`)
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 1000).unref()
      })
    }
  }

  changes(): Printed[] {
    return this.events.filter((e) => e.type === 'change')
  }

  countOf(text: RegExp): number {
    return this.stderr.split('\n').filter((l) => text.test(l)).length
  }

  async interrupt(): Promise<{code: number | null; signal: NodeJS.Signals | null}> {
    this.child.kill('SIGINT')
    return this.exited
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL')
  }
}

// ---------------------------------------------------------------- etcd writes

let etcd: EtcdInstance
let dir: string
let cfg: string
const procs: WatchProcess[] = []
const proxies: Proxy[] = []

async function v2Write(op: Op): Promise<string> {
  const r = op.prefix
    ? await etcd.v2('DELETE', op.key, undefined, 'recursive=true')
    : op.value === null
      ? await etcd.v2('DELETE', op.key)
      : await etcd.v2('PUT', op.key, op.value)
  assert.ok(r.status === 200 || r.status === 201, `v2 ${op.key}: HTTP ${r.status} ${r.body}`)
  return String((JSON.parse(r.body) as {node: {modifiedIndex: number}}).node.modifiedIndex)
}

async function v3Write(op: Op): Promise<string> {
  const args = op.prefix ? ['del', '--prefix', op.key + '/'] : op.value === null ? ['del', op.key] : ['put', op.key, op.value]
  const r = await etcd.etcdctl(['-w', 'json', ...args])
  assert.equal(r.code, 0, r.stderr)
  return String((JSON.parse(r.stdout) as {header: {revision: number | string}}).header.revision)
}

async function seed(api: 'v2' | 'v3'): Promise<void> {
  for (const [key, value] of Object.entries(SEED)) await (api === 'v2' ? v2Write : v3Write)({key, value})
}

async function startWatch(api: 'v2' | 'v3', extra: string[] = [], configFile = cfg): Promise<{w: WatchProcess; proxy: Proxy}> {
  const proxy = await startProxy(etcd.clientUrl)
  proxies.push(proxy)
  const w = new WatchProcess(['-c', configFile, '--etcd-endpoints', proxy.url, '--datastore-type', api === 'v2' ? 'etcdv2' : 'etcdv3', '--etcd-timeout', '3s', ...extra])
  procs.push(w)
  await w.until('the start event', () => w.events.some((e) => e.type === 'start'))
  return {w, proxy}
}

/** The first line of each lost connection (a long one adds "(N attempts)" lines). */
const LOST = /lost its connection .*trying again from (revision|index) \d+$/
const RESUMED = /watching again at /

/** Cut the proxy and wait until the watch has noticed (its stderr says so). */
async function cut(w: WatchProcess, proxy: Proxy): Promise<void> {
  const lost = w.countOf(LOST)
  proxy.cut()
  await w.until('the lost connection noticed', () => w.countOf(LOST) > lost)
}

/** Restore the proxy and wait until the watch is connected again. */
async function restore(w: WatchProcess, proxy: Proxy): Promise<void> {
  const resumed = w.countOf(RESUMED)
  proxy.restore()
  await w.until('the watch resumed', () => w.countOf(RESUMED) > resumed)
}

before(async () => {
  etcd = await startEtcd()
  dir = mkdtempSync(join(tmpdir(), 'felixctl-watch-'))
  cfg = join(dir, 'felix.cfg')
  writeFileSync(cfg, '')
})

after(async () => {
  for (const p of procs) p.kill()
  for (const p of proxies) await p.close()
  await etcd?.stop()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

function comparable(e: Printed | Expected) {
  return {revision: e.revision, key: e.key, action: e.action, old: e.old, new: e.new, impact: e.impact}
}

for (const api of ['v2', 'v3'] as const) {
  describe(`config watch, etcd ${api}`, () => {
    test('50 changes, some while the connection is cut: every event printed once, in order, with its impact', async () => {
      await seed(api)
      const write = api === 'v2' ? v2Write : v3Write
      const {w, proxy} = await startWatch(api)
      const start = w.events.find((e) => e.type === 'start')!
      assert.equal(start.keys, Object.keys(SEED).filter((k) => k.includes('/config/')).length)
      assert.equal(start.ready, 'true')
      assert.equal(start.hosts, SEED_HOSTS.length)
      const model = new Model()
      const expected: Expected[] = []
      const ops = makeOps(50, api === 'v2' ? 17 : 71)
      for (let i = 0; i < ops.length; i++) {
        if (i === 15 || i === 35) await cut(w, proxy)
        if (i === 25 || i === 40) await restore(w, proxy)
        expected.push(...model.events(ops[i], await write(ops[i])))
        // Workload keys in a host directory: never a config event.
        if (i % 10 === 3) await write({key: `/calico/v1/host/node${i % 4}/workload/k8s/pod${i}/endpoint/eth0`, value: '{}'})
      }
      await w.until(`${expected.length} change events`, () => w.changes().length >= expected.length)
      // One more change after the last expected one: nothing extra slipped in before it.
      const last = model.events({key: '/calico/v1/config/LogSeverityScreen', value: 'ERROR'}, await write({key: '/calico/v1/config/LogSeverityScreen', value: 'ERROR'}))
      expected.push(...last)
      await w.until('the final change event', () => w.changes().length >= expected.length)
      const exit = await w.interrupt()
      assert.deepEqual(exit, {code: 0, signal: null}, w.stderr)

      assert.ok(expected.length >= 52, `${expected.length} events expected (50 ops, one of them deleting a directory of 3 keys)`)
      assert.deepEqual(w.changes().map(comparable), expected.map(comparable))
      // The cuts were noticed and the watch resumed (twice), without a re-read.
      assert.equal(w.countOf(LOST), 2, w.stderr)
      assert.equal(w.countOf(RESUMED), 2, w.stderr)
      assert.equal(w.events.filter((e) => e.type === 'resync').length, 0)
      // The impacts are not trivial: some change restarts hosts, some stops or recovers one.
      assert.ok(expected.some((e) => e.impact.restart.length > 0))
      assert.ok(expected.some((e) => e.impact.stop.length > 0 || e.impact.recover.length > 0))
      // Ready going away from "true" restarts every Felix that runs (a stopped one stays stopped).
      const readyOff = expected.filter((e) => e.key === '/calico/v1/Ready' && e.old === 'true' && e.new === 'false')
      assert.ok(readyOff.length > 0, 'the random changes include Ready true -> false')
      for (const e of readyOff) assert.ok(e.impact.restart.length > 0 && e.impact.restart.length + e.impact.unaffected === e.impact.hosts, JSON.stringify(e.impact))
    })
  })
}

/**
 * Lose the history the watch needs while the proxy is cut (`lose`), with two config changes
 * made before (one host key written twice: the re-read shows only its last value); expect one
 * resync event with exactly those changes, and the change after it.
 */
async function lostHistory(api: 'v2' | 'v3', host: string, lose: (lastRevision: string) => Promise<void>): Promise<{w: WatchProcess; resync: Printed}> {
  const write = api === 'v2' ? v2Write : v3Write
  const put = (key: string, value: string) => write({key, value})
  const {w, proxy} = await startWatch(api)
  const screen = '/calico/v1/config/LogSeverityScreen'
  const mtu = '/calico/v1/config/IpInIpMtu'
  const hostKey = `/calico/v1/host/${host}/config/LogSeverityScreen`
  await put(screen, 'WARNING')
  await w.until('a first change', () => w.changes().length === 1)
  await cut(w, proxy)
  const oldMtu = await currentValue(api, mtu)
  await put(mtu, '1234')
  await put(hostKey, 'ERROR')
  await lose(await put(hostKey, 'INFO'))
  proxy.restore()
  await w.until('a resync event', () => w.events.some((e) => e.type === 'resync'))
  const after = await put(screen, 'INFO')
  await w.until('the change after the re-read', () => w.changes().length === 2)
  const exit = await w.interrupt()
  assert.deepEqual(exit, {code: 0, signal: null}, w.stderr)

  const resyncs = w.events.filter((e) => e.type === 'resync')
  assert.equal(resyncs.length, 1)
  const resync = resyncs[0]
  assert.deepEqual(resync.changes, [
    {key: mtu, old: oldMtu, new: '1234'},
    {key: hostKey, old: null, new: 'INFO'},
  ])
  // The new host directory's Felix is affected (restarts, or recovers if the global layer had stopped it).
  const impact = resync.impact as Impact
  assert.ok([...impact.restart, ...impact.recover].includes(host), JSON.stringify(impact))
  assert.match(w.stderr, /reading the whole state again/)
  assert.match(w.stderr, /read again at (revision|index) \d+: 2 keys changed/)
  const last = w.changes()[1]
  assert.deepEqual({revision: last.revision, key: last.key, old: last.old, new: last.new}, {revision: after, key: screen, old: 'WARNING', new: 'INFO'})
  return {w, resync}
}

async function currentValue(api: 'v2' | 'v3', key: string): Promise<string | null> {
  if (api === 'v3') return (await etcd.etcdctl(['get', '--print-value-only', key])).stdout.replace(/\n$/, '') || null
  return (JSON.parse((await etcd.v2('GET', key)).body) as {node?: {value: string}}).node?.value ?? null
}

describe('config watch, lost history', () => {
  test('v3: a compacted revision is re-read, reported as one resync event, and the watch goes on', async () => {
    const {w, resync} = await lostHistory('v3', 'node9', async (last) => {
      const c = await etcd.etcdctl(['compact', last])
      assert.equal(c.code, 0, c.stderr)
    })
    assert.equal(resync.reason, 'compacted')
    assert.match(w.stderr, /no longer holds revision \d+.*compacted/)
  })

  test('v2: more than 1000 events past the watch index ("event index cleared") are re-read, reported as one resync event, and the watch goes on', async () => {
    const {w, resync} = await lostHistory('v2', 'node8', async () => {
      // etcd v2 keeps the last 1000 events: 1100 workload writes push the watch's index out.
      for (let i = 0; i < 1100; i++) await v2Write({key: `/calico/v1/host/node8/workload/k8s/pod/endpoint/eth${i % 3}`, value: String(i)})
    })
    assert.equal(resync.reason, 'index-cleared')
    assert.match(w.stderr, /no longer holds index \d+/)
  })
})

describe('config watch --host', () => {
  test('only the named host directories (with the global directory and Ready): other hosts are neither printed nor counted', async () => {
    const {w} = await startWatch('v3', ['--host', 'node1'])
    assert.equal(w.events.find((e) => e.type === 'start')!.hosts, 1)
    const skipped = await v3Write({key: '/calico/v1/host/node2/config/LogSeverityScreen', value: 'WARNING'})
    const own = await v3Write({key: '/calico/v1/host/node1/config/LogSeverityFile', value: 'ERROR'})
    const global = await v3Write({key: '/calico/v1/config/ReportingIntervalSecs', value: '45'})
    await w.until('two changes', () => w.changes().length >= 2)
    const exit = await w.interrupt()
    assert.deepEqual(exit, {code: 0, signal: null}, w.stderr)
    const printed = w.changes()
    assert.deepEqual(printed.map((e) => [e.revision, e.key]), [
      [own, '/calico/v1/host/node1/config/LogSeverityFile'],
      [global, '/calico/v1/config/ReportingIntervalSecs'],
    ])
    assert.ok(!printed.some((e) => e.revision === skipped))
    for (const e of printed) {
      const impact = e.impact as Impact
      assert.equal(impact.hosts, 1)
      for (const h of [...impact.restart, ...impact.stop, ...impact.recover]) assert.equal(h, 'node1')
    }
  })
})

describe('config watch --with-local', () => {
  test("this machine's config file applies to every host (FelixHostname excepted): a global key it overrides restarts nobody", async () => {
    // A clean global layer and Ready, so that hosts run (only node3's own BOGUS, if still there, stops one).
    assert.equal((await etcd.etcdctl(['del', '--prefix', '/calico/v1/config/'])).code, 0)
    await v3Write({key: '/calico/v1/Ready', value: 'true'})
    await v3Write({key: '/calico/v1/host/node2/config/LogSeverityScreen', value: 'DEBUG'})
    await v3Write({key: '/calico/v1/host/node5/config/IpInIpMtu', value: '1420'})
    const local = join(dir, 'local.cfg')
    writeFileSync(local, '[global]\nFelixHostname = node1\nLogSeverityScreen = ERROR\n')
    const hidden = (await startWatch('v3')).w
    const withLocal = (await startWatch('v3', ['--with-local'], local)).w
    assert.equal(withLocal.events.find((e) => e.type === 'start')!.localLayers, 'this-machine')
    assert.match(withLocal.stderr, /FelixHostname="node1" from this machine is not applied/)
    const rev = await v3Write({key: '/calico/v1/config/LogSeverityScreen', value: 'DEBUG'})
    for (const w of [hidden, withLocal]) await w.until('the change', () => w.changes().length === 1)
    for (const w of [hidden, withLocal]) assert.deepEqual((await w.interrupt()).code, 0)
    const [h, l] = [hidden.changes()[0], withLocal.changes()[0]]
    assert.equal(h.revision, rev)
    assert.equal(l.revision, rev)
    const hi = h.impact as Impact
    const li = l.impact as Impact
    assert.equal(hi.localLayers, 'hidden')
    assert.ok(hi.restart.length > 0, JSON.stringify(hi))
    assert.ok(hi.restart.includes('node5') && !hi.restart.includes('node2'), 'node2 sets its own LogSeverityScreen, node5 does not')
    assert.deepEqual({restart: li.restart, stop: li.stop, recover: li.recover, hosts: li.hosts}, {restart: [], stop: [], recover: [], hosts: hi.hosts})
  })
})
