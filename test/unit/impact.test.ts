/**
 * computeImpact (issue 17) against an independent computation: the full resolver on every
 * host, before and after, and Felix's RawValues() rule written out again here (canonical
 * name -> winning raw for each known parameter some layer set; raw name -> raw for unknown
 * keys; any difference restarts; a failing resolve after stops; failing before and
 * succeeding after recovers; Ready leaving "true" restarts every running Felix).
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {Kv} from '../../src/datastore/types.js'
import {RawEntry} from '../../src/layers/types.js'
import {getRegistry} from '../../src/params/index.js'
import {FileProbe, TypedValue} from '../../src/params/types.js'
import {FileLayerInput, resolveFelixConfig} from '../../src/resolve/resolve.js'
import {computeImpact, Impact, ImpactTree} from '../../src/services/impact.js'

const registry = getRegistry('2.0.4')
const probe: FileProbe = {exists: (p: string) => p === '/exists', isExecutable: () => false, felixDir: '/usr/bin', pathEnv: ''} as FileProbe

/** The reference: one full resolve per host and side. */
function reference(before: ImpactTree, after: ImpactTree, env: RawEntry[], file: FileLayerInput, hostDirs: string[]): Omit<Impact, 'localLayers'> {
  const hostSet = new Set(hostDirs)
  for (const kv of [...before.kvs, ...after.kvs]) {
    const m = /^\/calico\/v1\/host\/([^/]+)\/config\/[^/]+$/.exec(kv.key)
    if (m) hostSet.add(m[1])
  }
  const hosts = [...hostSet].sort()
  const out = {hosts: hosts.length, restart: [] as string[], stop: [] as string[], recover: [] as string[], valueChanged: [] as string[], unaffected: 0}
  const resolve = (host: string, t: ImpactTree) => {
    const r = resolveFelixConfig({registry, kernelHostname: host, env, file, datastore: {state: 'loaded', kvs: t.kvs}, probe})
    const raw = new Map<string, string>()
    for (const p of r.params) if (p.source !== 'default') raw.set(p.name, p.raw)
    for (const u of r.unknown) raw.set(u.name, u.raw)
    return {ok: r.fatal === null, raw, values: new Map<string, TypedValue>(r.params.map((p) => [p.name, p.value]))}
  }
  const same = (x: TypedValue, y: TypedValue) => JSON.stringify(x) === JSON.stringify(y) || (Number.isNaN(x) && Number.isNaN(y))
  for (const h of hosts) {
    const b = resolve(h, before)
    const a = resolve(h, after)
    if (b.ok && !a.ok) out.stop.push(h)
    else if (!b.ok && a.ok) out.recover.push(h)
    else if (!b.ok && !a.ok) out.unaffected++
    else {
      const rawSame = b.raw.size === a.raw.size && [...b.raw].every(([k, v]) => a.raw.get(k) === v)
      const readyLost = before.ready === 'true' && after.ready !== 'true'
      if (rawSame && !readyLost) out.unaffected++
      else {
        out.restart.push(h)
        if ([...b.values].some(([k, v]) => !same(v, a.values.get(k)!))) out.valueChanged.push(h)
      }
    }
  }
  return out
}

const KEYS = ['IpInIpMtu', 'ipinipmtu', 'LogSeverityScreen', 'logseverityscreen', 'ReportingIntervalSecs', 'InterfacePrefix', 'IpInIpTunnelAddr',
  'MetadataPort', 'DefaultEndpointToHostAction', 'LogSeverityFiel', 'SiteLabel', 'EtcdAddr', 'FelixHostname', 'LogFilePath', 'DatastoreType']
const VALUES = ['1400', '1420', 'none', 'NONE', 'thirty', '', 'DEBUG', 'INFO', 'info', 'warning', 'RETURN', 'BOGUS', 'cali', '10.0.0.1', 'x', '8775', 'etcdv2', 'kubernetes', '/exists']
const entry = fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES))
const change = fc.record({
  op: fc.constantFrom('set', 'unset', 'unset-existing', 'unset-existing'),
  pick: fc.nat(),
  host: fc.option(fc.integer({min: 0, max: 7}), {nil: undefined}),
  key: fc.constantFrom(...KEYS),
  value: fc.constantFrom(...VALUES),
})
const fleet = fc.record({
  global: fc.array(entry, {maxLength: 5}),
  hosts: fc.array(fc.array(entry, {maxLength: 3}), {minLength: 1, maxLength: 8}),
  env: fc.array(entry.filter(([k]) => k.toLowerCase() !== 'felixhostname'), {maxLength: 2}),
  file: fc.option(fc.array(entry.filter(([k]) => k.toLowerCase() !== 'felixhostname'), {maxLength: 2}), {nil: undefined}),
  changes: fc.array(change, {minLength: 1, maxLength: 2}),
  ready: fc.constantFrom(['true', 'true'], ['true', 'false'], [null, 'true'], ['true', null]),
})

function apply(kvs: Kv[], c: {op: string; pick: number; host?: number; key: string; value: string}): Kv[] {
  // Removing a key the fleet holds (a fatal one, often): how Felix recovers.
  if (c.op === 'unset-existing') return kvs.length ? kvs.filter((_, i) => i !== c.pick % kvs.length) : kvs
  const key = c.host === undefined ? `/calico/v1/config/${c.key}` : `/calico/v1/host/h${c.host}/config/${c.key}`
  const rest = kvs.filter((kv) => kv.key !== key)
  return c.op === 'set' ? [...rest, {key, value: c.value}] : rest
}

describe('computeImpact = the full resolver on every host, before and after', () => {
  test('random fleets and changes', () => {
    const counts = {restart: 0, stop: 0, recover: 0, valueChanged: 0, unknownOnly: 0}
    fc.assert(
      fc.property(fleet, (f) => {
        const kvs: Kv[] = f.global.map(([k, v]) => ({key: `/calico/v1/config/${k}`, value: v}))
        f.hosts.forEach((es, i) => es.forEach(([k, v]) => (kvs.push({key: `/calico/v1/host/h${i}/config/${k}`, value: v}))))
        const env: RawEntry[] = f.env.map(([k, v]) => ({layer: 'env', key: k.toLowerCase(), raw: v, origin: {type: 'env', name: `FELIX_${k.toUpperCase()}`}}))
        const file: FileLayerInput = f.file
          ? {state: 'loaded', path: '/etc/calico/felix.cfg', entries: f.file.map(([k, v], i) => ({layer: 'file', key: k, raw: v, origin: {type: 'file', path: '/etc/calico/felix.cfg', section: 'global', line: i + 2}}))}
          : {state: 'absent'}
        let after = kvs
        for (const c of f.changes) after = apply(after, c)
        const before: ImpactTree = {kvs, ready: f.ready[0]}
        const next: ImpactTree = {kvs: after, ready: f.ready[1]}
        // h8 and h9: host directories without config keys.
        const hostDirs = ['h8', 'h9']
        const expected = reference(before, next, env, file, hostDirs)
        for (const fast of [true, false]) {
          const got = computeImpact(before, next, {registry, env, file, probe, localLayers: 'hidden', hostDirs, fast})
          assert.deepEqual({...got, localLayers: undefined}, {...expected, localLayers: undefined})
          assert.equal(got.hosts, got.restart.length + got.stop.length + got.recover.length + got.unaffected)
        }
        counts.restart += expected.restart.length
        counts.stop += expected.stop.length
        counts.recover += expected.recover.length
        counts.valueChanged += expected.valueChanged.length
        counts.unknownOnly += expected.restart.length - expected.valueChanged.length
      }),
      {numRuns: 600, seed: 17, endOnFailure: true},
    )
    // The property must see every outcome.
    for (const [k, n] of Object.entries(counts)) assert.ok(n > 20, `only ${n} ${k}`)
  })

  test('a global key restarts only the hosts that do not override it with their own key', () => {
    const before: ImpactTree = {kvs: [{key: '/calico/v1/host/a/config/LogSeverityScreen', value: 'DEBUG'}, {key: '/calico/v1/host/b/config/LogSeverityScreen', value: 'INFO'}], ready: 'true'}
    const after: ImpactTree = {kvs: [...before.kvs, {key: '/calico/v1/config/LogSeverityScreen', value: 'WARNING'}], ready: 'true'}
    const got = computeImpact(before, after, {registry, env: [], file: {state: 'absent'}, probe, localLayers: 'hidden', hostDirs: ['c']})
    assert.deepEqual(got, {hosts: 3, restart: ['c'], stop: [], recover: [], valueChanged: ['c'], unaffected: 2, localLayers: 'hidden'})
  })

  test('INFO -> info restarts without changing the value; an unknown key restarts; none on a non-zero parameter stops', () => {
    const env: RawEntry[] = []
    const base = {registry, env, file: {state: 'absent'} as FileLayerInput, probe, localLayers: 'this-machine' as const}
    const t = (kvs: [string, string][], ready = 'true'): ImpactTree => ({kvs: kvs.map(([key, value]) => ({key, value})), ready})
    const g = '/calico/v1/config/'
    assert.deepEqual(computeImpact(t([[g + 'LogSeverityScreen', 'INFO']]), t([[g + 'LogSeverityScreen', 'info']]), {...base, hostDirs: ['n1']}),
      {hosts: 1, restart: ['n1'], stop: [], recover: [], valueChanged: [], unaffected: 0, localLayers: 'this-machine'})
    assert.deepEqual(computeImpact(t([]), t([[g + 'LogSeverityFiel', 'INFO']]), {...base, hostDirs: ['n1']}).restart, ['n1'])
    assert.deepEqual(computeImpact(t([]), t([[g + 'IpInIpMtu', 'none']]), {...base, hostDirs: ['n1', 'n2']}).stop, ['n1', 'n2'])
    assert.deepEqual(computeImpact(t([[g + 'IpInIpMtu', 'none']]), t([]), {...base, hostDirs: ['n1']}).recover, ['n1'])
    // Ready leaving true restarts every running Felix; a stopped one stays stopped.
    const r = computeImpact(t([['/calico/v1/host/n2/config/MetadataPort', 'x']]), t([['/calico/v1/host/n2/config/MetadataPort', 'x']], 'false'), {...base, hostDirs: ['n1']})
    assert.deepEqual([r.restart, r.unaffected], [['n1'], 1])
  })

  test('a per-host change evaluates only that host', () => {
    const kvs: Kv[] = [{key: '/calico/v1/config/IpInIpMtu', value: '1400'}]
    for (let i = 0; i < 300; i++) kvs.push({key: `/calico/v1/host/n${i}/config/IpInIpTunnelAddr`, value: `10.0.${i >> 8}.${i & 255}`})
    const after = [...kvs, {key: '/calico/v1/host/n7/config/IpInIpMtu', value: '1420'}]
    const got = computeImpact({kvs, ready: 'true'}, {kvs: after, ready: 'true'}, {registry, env: [], file: {state: 'absent'}, probe, localLayers: 'hidden'})
    assert.deepEqual(got, {hosts: 300, restart: ['n7'], stop: [], recover: [], valueChanged: ['n7'], unaffected: 299, localLayers: 'hidden'})
  })
})
