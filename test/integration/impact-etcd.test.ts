/**
 * Issue 17: the `impact` of `config set|unset` on a real etcd (v2 and v3 key spaces of one etcd
 * 3.4), with a fleet of 220 host directories (200 with config keys: overrides, misspellings,
 * unknown keys, fatal values; 20 without any), for random changes (set/unset, global/host,
 * valid/invalid/`none` values, unknown and non-canonical names), with and without --with-local
 * (env-only parameters). Each `impact` must equal an independent computation: the full
 * resolver on every host, before and after, and Felix's RawValues() rule written out here.
 */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli} from '../helpers/cli.js'
import {haveScript, onPty} from '../helpers/pty.js'
import {EtcdInstance, startEtcd} from '../helpers/etcd.js'
import {Kv} from '../../src/datastore/types.js'
import {openDatastore} from '../../src/datastore/index.js'
import {RawEntry} from '../../src/layers/types.js'
import {getRegistry, lookupParam} from '../../src/params/index.js'
import {realFileProbe} from '../../src/params/kinds.js'
import {TypedValue} from '../../src/params/types.js'
import {resolveFelixConfig} from '../../src/resolve/resolve.js'
import {mulberry32} from '../helpers/prng.js'

const registry = getRegistry('2.0.4')
const probe = realFileProbe()

const prng = mulberry32
const rnd = prng(17)
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]

const HOSTS_WITH_CONFIG = 200
const HOSTS_WITHOUT = 20
const hostName = (i: number) => `node${String(i).padStart(3, '0')}`

// Keys: canonical, non-canonical spellings, unknown names (misspellings), an env-only parameter's name.
const KEYS = ['IpInIpMtu', 'ipinipmtu', 'LogSeverityScreen', 'logseverityscreen', 'ReportingIntervalSecs', 'MetadataPort', 'DefaultEndpointToHostAction',
  'IpInIpTunnelAddr', 'LogSeverityFiel', 'MetadatePort', 'InterfacePrefix', 'IptablesMarkMask']
const VALUES: Record<string, readonly string[]> = {
  IpInIpMtu: ['1400', '1420', '1440', 'none', 'big'],
  LogSeverityScreen: ['INFO', 'info', 'DEBUG', 'WARNING', 'loud'],
  ReportingIntervalSecs: ['30', '60', 'none', 'soon'],
  MetadataPort: ['8775', '9697', 'x', 'none'],
  DefaultEndpointToHostAction: ['DROP', 'RETURN', 'ACCEPT', 'BOGUS'],
  IpInIpTunnelAddr: ['10.0.0.1', '10.0.0.2', 'not-an-ip'],
  LogSeverityFiel: ['INFO', 'DEBUG'],
  MetadatePort: ['8775', '1'],
  InterfacePrefix: ['cali', 'tap', ''],
  IptablesMarkMask: ['0xff000000', '0x1'],
}
const valuesFor = (key: string): readonly string[] => VALUES[lookupParam(registry, key)?.name ?? key] ?? ['x']
// Mostly valid values in the seed; a few fatal ones (host directories whose Felix is stopped).
const SEED_FATAL: [string, string][] = [['MetadataPort', 'x'], ['IpInIpMtu', 'none'], ['DefaultEndpointToHostAction', 'BOGUS']]

function seedFleet(): Map<string, string> {
  const kvs = new Map<string, string>([
    ['/calico/v1/config/IpInIpMtu', '1400'],
    ['/calico/v1/config/LogSeverityScreen', 'INFO'],
    ['/calico/v1/config/ReportingIntervalSecs', '30'],
    ['/calico/v1/config/MetadatePort', '8775'],
  ])
  for (let i = 0; i < HOSTS_WITH_CONFIG; i++) {
    const dir = `/calico/v1/host/${hostName(i)}/config/`
    kvs.set(dir + 'IpInIpTunnelAddr', `10.1.${i >> 8}.${i & 255}`)
    const r = rnd()
    if (r < 0.25) kvs.set(dir + 'IpInIpMtu', pick(['1420', '1440']))
    else if (r < 0.35) kvs.set(dir + 'ipinipmtu', '1440')
    else if (r < 0.45) kvs.set(dir + 'LogSeverityScreen', pick(['DEBUG', 'info']))
    else if (r < 0.5) kvs.set(dir + 'LogSeverityFiel', 'DEBUG')
    else if (r < 0.56) {
      const [k, v] = pick(SEED_FATAL)
      kvs.set(dir + k, v)
    }
  }
  return kvs
}

/** Host directories without config keys: only other keys under them (BIRD's address, a workload). */
const BARE = Array.from({length: HOSTS_WITHOUT}, (_, i) => hostName(HOSTS_WITH_CONFIG + i))
const bareKeys = (h: string, i: number) => (i % 2 ? [`/calico/v1/host/${h}/bird_ip`, '10.2.0.1'] : [`/calico/v1/host/${h}/workload/k8s/p${i}/endpoint/eth0`, '{}'])

/** The reference: the full resolver on each host, before and after, and Felix's raw-map rule. */
function reference(beforeKvs: Kv[], afterKvs: Kv[], env: RawEntry[]) {
  const hosts = new Set(BARE)
  for (const kv of [...beforeKvs, ...afterKvs]) {
    const m = /^\/calico\/v1\/host\/([^/]+)\/config\/[^/]+$/.exec(kv.key)
    if (m) hosts.add(m[1])
  }
  const out = {hosts: hosts.size, restart: [] as string[], stop: [] as string[], recover: [] as string[], valueChanged: [] as string[], unaffected: 0}
  const run = (h: string, kvs: Kv[]) => {
    const r = resolveFelixConfig({registry, kernelHostname: h, env, file: {state: 'absent'}, datastore: {state: 'loaded', kvs}, probe})
    const raw = new Map<string, string>()
    for (const p of r.params) if (p.source !== 'default') raw.set(p.name, p.raw)
    for (const u of r.unknown) raw.set(u.name, u.raw)
    return {ok: !r.fatal, raw, values: new Map<string, TypedValue>(r.params.map((p) => [p.name, p.value]))}
  }
  for (const h of [...hosts].sort()) {
    const b = run(h, beforeKvs)
    const a = run(h, afterKvs)
    if (b.ok && !a.ok) out.stop.push(h)
    else if (!b.ok && a.ok) out.recover.push(h)
    else if (!b.ok) out.unaffected++
    else if (b.raw.size === a.raw.size && [...b.raw].every(([k, v]) => a.raw.get(k) === v)) out.unaffected++
    else {
      out.restart.push(h)
      if ([...b.values].some(([k, v]) => JSON.stringify(v) !== JSON.stringify(a.values.get(k)))) out.valueChanged.push(h)
    }
  }
  return out
}

let etcd: EtcdInstance
let dir: string
let noCfg: string
const state = seedFleet()

before(async () => {
  etcd = await startEtcd()
  dir = mkdtempSync(join(tmpdir(), 'felixctl-impact-'))
  noCfg = join(dir, 'none.cfg')
  writeFileSync(noCfg, '')
  for (const type of ['etcdv2', 'etcdv3'] as const) {
    const ds = await openDatastore({type, endpoints: [etcd.clientUrl], timeoutMs: 60000})
    try {
      await ds.put('/calico/v1/Ready', 'true')
      // In parallel, a few at a time: 460 keys per key space.
      const entries = [...state, ...BARE.map(bareKeys)]
      for (let i = 0; i < entries.length; i += 25) await Promise.all(entries.slice(i, i + 25).map(([k, v]) => ds.put(k, v)))
    } finally {
      await ds.close()
    }
  }
})
after(async () => {
  await etcd?.stop()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

interface Change {
  op: 'set' | 'unset'
  layer: 'global' | 'host'
  host?: string
  key: string
  value?: string
}

function randomChange(current: Map<string, string>): Change {
  if (rnd() < 0.15) {
    // Remove a host's fatal value: that Felix recovers.
    const fatal = [...current].filter(([k, v]) => SEED_FATAL.some(([n, x]) => k.endsWith(`/config/${n}`) && v === x) && k.startsWith('/calico/v1/host/'))
    if (fatal.length) {
      const [k] = pick(fatal)
      const m = /^\/calico\/v1\/host\/([^/]+)\/config\/(.+)$/.exec(k)!
      return {op: 'unset', layer: 'host', host: m[1], key: m[2]}
    }
  }
  const layer = rnd() < 0.5 ? 'global' : 'host'
  const host = layer === 'host' ? hostName(Math.floor(rnd() * HOSTS_WITH_CONFIG)) : undefined
  if (rnd() < 0.35) {
    // Unset a key that exists (a fatal one sometimes: hosts recover), as spelt.
    const prefix = layer === 'global' ? '/calico/v1/config/' : `/calico/v1/host/${host}/config/`
    // (IpInIpTunnelAddr stays: every host directory keeps a config key, in v3 too.)
    const keys = [...current.keys()].filter((k) => k.startsWith(prefix) && !k.endsWith('/IpInIpTunnelAddr'))
    if (keys.length) return {op: 'unset', layer, host, key: pick(keys).slice(prefix.length)}
  }
  const key = pick(KEYS)
  return rnd() < 0.15 && key !== 'IpInIpTunnelAddr' ? {op: 'unset', layer, host, key} : {op: 'set', layer, host, key, value: pick(valuesFor(key))}
}

function applyChange(kvs: Map<string, string>, c: Change, canonical: boolean): Map<string, string> {
  const next = new Map(kvs)
  const dirKey = c.layer === 'global' ? '/calico/v1/config/' : `/calico/v1/host/${c.host}/config/`
  // config set writes the canonical spelling of a known name; unset removes the key as spelt, else the canonical one.
  const name = canonical && c.op === 'set' ? lookupParam(registry, c.key)?.name ?? c.key : c.key
  const asSpelt = dirKey + c.key
  const key = c.op === 'unset' && kvs.has(asSpelt) ? asSpelt : dirKey + (lookupParam(registry, c.key)?.name ?? name)
  if (c.op === 'set') next.set(key, c.value!)
  else next.delete(key)
  return next
}

const asKvs = (m: Map<string, string>): Kv[] => [...m].map(([key, value]) => ({key, value}))

// Set only in the environment: one that global keys set too, two that no etcd key sets, and a local-only one.
const ENV = {FELIX_LOGSEVERITYSCREEN: 'WARNING', FELIX_IPINIPENABLED: 'true', FELIX_LOGFILEPATH: '/var/log/felix.log', FELIX_ETCDSCHEME: 'http'}
const envEntries = (withLocal: boolean): RawEntry[] =>
  withLocal ? Object.entries(ENV).map(([k, v]) => ({layer: 'env', key: k.slice(6).toLowerCase(), raw: v, origin: {type: 'env', name: k}})) : []

describe('config set|unset: impact = the full resolver on every host (220 host directories)', () => {
  for (const driver of ['etcdv2', 'etcdv3'] as const) {
    test(`${driver}: 24 random changes (dry runs), then 6 written`, async () => {
      const via = ['--datastore-type', driver, '--etcd-endpoints', etcd.clientUrl, '--etcd-timeout', '20s', '-c', noCfg]
      let current = state
      const seen = {restart: 0, stop: 0, recover: 0, valueChanged: 0}
      for (let n = 0; n < 30; n++) {
        const write = n >= 24
        const c = randomChange(current)
        const withLocal = n % 3 === 1
        const args = ['config', c.op, c.key, ...(c.value !== undefined ? [c.value] : []), '--layer', c.layer, ...(c.host ? ['--host', c.host, '--no-local'] : ['--host', 'felixctl-test']), ...via, '--force', '-o', 'json']
        if (withLocal) args.push('--with-local')
        if (c.host && withLocal) args.splice(args.indexOf('--no-local'), 1)
        args.push(...(write ? ['--yes', '--create-host'] : ['--dry-run']))
        const r = await runCli(args, {env: withLocal ? ENV : {}, timeoutMs: 60000})
        const what = `change ${n}: ${args.join(' ')}\n${r.stderr}`
        assert.equal(r.code, 0, what)
        const doc = JSON.parse(r.stdout)
        const next = applyChange(current, c, true)
        const expected = reference(asKvs(current), asKvs(next), envEntries(withLocal))
        assert.deepEqual(doc.impact, {...expected, localLayers: withLocal ? 'this-machine' : 'hidden'}, what)
        assert.equal(doc.written, write && doc.changed, what)
        seen.restart += expected.restart.length
        seen.stop += expected.stop.length
        seen.recover += expected.recover.length
        seen.valueChanged += expected.valueChanged.length
        if (write) current = next
      }
      // What was written is what the model holds.
      const ds = await openDatastore({type: driver, endpoints: [etcd.clientUrl], timeoutMs: 20000})
      try {
        const tree = await ds.readConfig()
        assert.deepEqual(new Map(tree.kvs.map((kv) => [kv.key, kv.value])), current)
        assert.equal(tree.hostDirs?.length, HOSTS_WITH_CONFIG + HOSTS_WITHOUT)
      } finally {
        await ds.close()
      }
      for (const [k, v] of Object.entries(seen)) assert.ok(v > 0, `no ${k} in ${driver}'s changes: ${JSON.stringify(seen)}`)
    })
  }

  test('a change that stops Felix is refused without --force (exit 3, nothing written); --dry-run -o json prints the plan', async () => {
    // With this machine's EtcdAddr "none" (--with-local) and no EtcdEndpoints, Felix's cross check
    // passes only while DatastoreType is kubernetes: the global key switching it back to etcdv2 stops every Felix that ran.
    const via = ['--datastore-type', 'etcdv2', '--etcd-endpoints', etcd.clientUrl, '--etcd-timeout', '20s', '-c', noCfg, '--host', 'felixctl-test', '--with-local']
    const env = {FELIX_ETCDADDR: 'none'}
    // The global directory as seeded (the random writes above may have left a fatal value there).
    const reset = await openDatastore({type: 'etcdv2', endpoints: [etcd.clientUrl], timeoutMs: 20000})
    try {
      for (const kv of (await reset.readConfig()).kvs) if (kv.key.startsWith('/calico/v1/config/') && state.get(kv.key) !== kv.value) await reset.delete(kv.key)
      for (const [k, v] of state) if (k.startsWith('/calico/v1/config/')) await reset.put(k, v)
    } finally {
      await reset.close()
    }
    const k8s = await runCli(['config', 'set', 'DatastoreType', 'kubernetes', '--layer', 'global', ...via, '--yes', '-o', 'json'], {env})
    assert.equal(k8s.code, 0, k8s.stderr)
    const recovered = JSON.parse(k8s.stdout).impact
    assert.ok(recovered.recover.length > 150, JSON.stringify(recovered))
    const base = ['config', 'set', 'DatastoreType', 'etcdv2', '--layer', 'global', ...via]
    const dry = await runCli([...base, '--dry-run', '-o', 'json'], {env})
    assert.equal(dry.code, 3, dry.stderr)
    const doc = JSON.parse(dry.stdout)
    assert.deepEqual(doc.impact.stop, recovered.recover)
    assert.equal(doc.written, false)
    assert.match(dry.stderr, new RegExp(`would stop Felix on ${doc.impact.stop.length} of 220 hosts`))
    const text = await runCli([...base, '--dry-run'], {env})
    assert.equal(text.code, 3, text.stderr)
    assert.match(text.stdout, new RegExp(`^  stop +${doc.impact.stop.length}  ${doc.impact.stop.slice(0, 5).join(', ')}, … \\(${doc.impact.stop.length - 5} more\\)$`, 'm'))
    const r = await runCli([...base, '--yes'], {env})
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stderr, /would stop Felix on \d+ of 220 hosts \(node000, node001, .* and \d+ more\).*nothing was written/)
    assert.equal(r.stdout, '')
    const ds = await openDatastore({type: 'etcdv2', endpoints: [etcd.clientUrl], timeoutMs: 20000})
    try {
      assert.equal((await ds.get('/calico/v1/config/DatastoreType'))?.value, 'kubernetes')
    } finally {
      await ds.close()
    }
    const forced = await runCli([...base, '--yes', '--force', '-o', 'json'], {env})
    assert.equal(forced.code, 0, forced.stderr)
    assert.match(forced.stderr, /would stop Felix on \d+ of 220 hosts.*written anyway: --force/)
  })

  test('on a TTY the confirmation shows the counts and the first hosts before it asks; No writes nothing', {skip: !haveScript && 'script(1) is not installed'}, async () => {
    const via = ['--datastore-type', 'etcdv2', '--etcd-endpoints', etcd.clientUrl, '--etcd-timeout', '20s', '-c', noCfg]
    const r = await onPty(['config', 'set', 'LogPrefix', 'impact-pty', '--layer', 'global', '--host', 'felixctl-test', ...via], ['n\r'], '(y/N)')
    assert.equal(r.code, 0, r.screen)
    assert.match(r.screen, /impact on 220 host directories under \/calico\/v1\/host\//)
    assert.match(r.screen, /^ {2}restart +\d+ {2}node000, /m)
    // The question itself (a narrow terminal may wrap it).
    assert.match(r.screen, /Felix:\s+\d+\s+restart,\s+0\s+stop,\s+0\s+recover,\s+of\s+220\s+hosts\.\s+Write\s+\/calico\/v1\/config\/LogPrefix\?/)
    assert.match(r.screen, /nothing written/)
    const ds = await openDatastore({type: 'etcdv2', endpoints: [etcd.clientUrl], timeoutMs: 20000})
    try {
      assert.equal(await ds.get('/calico/v1/config/LogPrefix'), null)
    } finally {
      await ds.close()
    }
  })
})
