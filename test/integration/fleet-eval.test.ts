/**
 * The fleet evaluator's fast path (one-parameter resolves, cached) against the full
 * resolver on every host, on random fleets: valid, invalid, `none`, fatal and local-only
 * values, non-canonical spellings, unknown keys, in the global and per-host layers, with
 * and without local env and file layers, and host directories without config keys (workloads
 * only: Felix there runs on the global layer alone). They must agree on every cell, fatal and diagnostic.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {Kv} from '../../src/datastore/types.js'
import {RawEntry} from '../../src/layers/types.js'
import {getRegistry} from '../../src/params/index.js'
import {FileLayerInput} from '../../src/resolve/resolve.js'
import {fleetParams, groupFleetKvs} from '../../src/services/config-fleet.js'
import {FleetEvaluator, HostEvaluation} from '../../src/services/fleet-eval.js'
import {FileProbe, TypedValue} from '../../src/params/types.js'
import {Origin} from '../../src/layers/types.js'

const registry = getRegistry('2.0.4')
const probe: FileProbe = {exists: (p) => p === '/exists', isExecutable: () => false, felixDir: '/usr/bin', pathEnv: ''} as FileProbe

// Spellings: canonical, lower-case (non-canonical), and unknown names.
const KEYS = ['IpInIpMtu', 'ipinipmtu', 'LogSeverityScreen', 'logseverityscreen', 'DefaultEndpointToHostAction', 'ReportingIntervalSecs',
  'InterfacePrefix', 'EtcdAddr', 'FelixHostname', 'DatastoreType', 'IpInIpTunnelAddr', 'LogFilePath', 'MetadataAddr', 'SiteLabel', 'ipinipMTU']
const VALUES = ['1400', '1420', 'none', 'NONE', 'thirty', '', 'DEBUG', 'warning', 'RETURN', 'BOGUS', 'cali', 'tap', 'etcdv2', 'kubernetes',
  '10.0.0.1', 'not-an-ip', '/exists', '/missing', 'x y', '0']

// Mostly entries the fast path serves (known keys, no fatal values), some of anything.
const BENIGN_KEYS = ['IpInIpMtu', 'ipinipmtu', 'LogSeverityScreen', 'logseverityscreen', 'ReportingIntervalSecs', 'InterfacePrefix', 'IpInIpTunnelAddr', 'MetadataAddr', 'EtcdAddr', 'LogFilePath']
const BENIGN_VALUES = ['1400', '1420', 'DEBUG', 'warning', 'thirty', 'cali', '10.0.0.1', '/exists', '/missing', '']
// Values of a host's own (as calico/node writes IpInIpTunnelAddr): mostly distinct from host to host.
const OWN_VALUE = fc.oneof(
  fc.tuple(fc.constant('IpInIpTunnelAddr'), fc.integer({min: 0, max: 999}).map((n) => `10.1.${n >> 8}.${n & 255}`)),
  fc.tuple(fc.constant('IpInIpMtu'), fc.integer({min: 1000, max: 1500}).map(String)),
)
const entryArb = fc.oneof(
  {arbitrary: fc.tuple(fc.constantFrom(...BENIGN_KEYS), fc.constantFrom(...BENIGN_VALUES)), weight: 4},
  {arbitrary: OWN_VALUE, weight: 2},
  {arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)), weight: 1},
)
/** A host directory: mostly config keys, sometimes none at all (a directory of workloads only). */
const hostArb = (entry: fc.Arbitrary<[string, string]>, maxLength: number) =>
  fc.oneof({arbitrary: fc.array(entry, {minLength: 1, maxLength}), weight: 3}, {arbitrary: fc.constant([] as [string, string][]), weight: 1})
const fleetArb = fc.record({
  global: fc.array(entryArb, {maxLength: 6}),
  hosts: fc.array(hostArb(entryArb, 4), {minLength: 1, maxLength: 10}),
  // The service drops a local FelixHostname (each host directory is its own FelixHostname).
  env: fc.array(entryArb.filter(([k]) => k !== 'FelixHostname'), {maxLength: 2}),
  file: fc.option(fc.array(entryArb.filter(([k]) => k !== 'FelixHostname'), {maxLength: 2}), {nil: undefined}),
})

type Fleet = {global: [string, string][]; hosts: [string, string][][]; env: [string, string][]; file?: [string, string][]}

function build(f: Fleet) {
  const kvs: Kv[] = f.global.map(([k, v]) => ({key: `/calico/v1/config/${k}`, value: v}))
  f.hosts.forEach((entries, i) => entries.forEach(([k, v]) => kvs.push({key: `/calico/v1/host/h${i}/config/${k}`, value: v})))
  const env: RawEntry[] = f.env.map(([k, v]) => ({layer: 'env', key: k.toLowerCase(), raw: v, origin: {type: 'env', name: `FELIX_${k.toUpperCase()}`}}))
  const file: FileLayerInput = f.file
    ? {state: 'loaded', path: '/etc/calico/felix.cfg', entries: f.file.map(([k, v], i) => ({layer: 'file', key: k, raw: v, origin: {type: 'file', path: '/etc/calico/felix.cfg', section: 'global', line: i + 2}}))}
    : {state: 'absent'}
  // Every host directory h<i>, those without config keys included (the fleet views list them all).
  return {kvs, env, file, hostDirs: f.hosts.map((_, i) => `h${i}`)}
}

/** The fast path and the full resolver agree on the baseline and on every host; returns the fast evaluator. */
function agree({kvs, env, file, hostDirs}: {kvs: Kv[]; env: RawEntry[]; file: FileLayerInput; hostDirs?: string[]}, params: ReturnType<typeof fleetParams>, seen?: (a: HostEvaluation) => unknown): FleetEvaluator {
  const {globalKvs, byHost} = groupFleetKvs(kvs)
  const fast = new FleetEvaluator({registry, params, env, file, globalKvs, probe})
  const full = new FleetEvaluator({registry, params, env, file, globalKvs, probe, fast: false})
  const strip = ({changed: _, ...rest}: HostEvaluation) => rest
  assert.deepEqual(strip(fast.baseline), strip(full.baseline))
  const hosts = [...new Set([...(hostDirs ?? []), ...byHost.keys()])]
  for (const [host, entries] of hosts.map((h) => [h, byHost.get(h) ?? []] as const)) {
    const a = fast.evaluate(host, entries)
    assert.deepEqual(strip(a), strip(full.evaluate(host, entries)), `host ${host}`)
    // Cells outside `changed` are the baseline's own objects (the list view skips them).
    if (a.changed) a.cells.forEach((c, i) => a.changed!.includes(i) || assert.equal(c, fast.baseline.cells[i]))
    seen?.(a)
  }
  return fast
}

describe('fleet evaluator: fast path = full resolver', () => {
  test('random fleets agree host by host', () => {
    const params = fleetParams(registry, undefined)
    let fastHosts = 0
    let parsed = 0
    let empty = 0
    let emptyBehindFatal = 0
    fc.assert(
      fc.property(fleetArb, (f) => {
        const fast = agree(build(f), params)
        fastHosts += fast.stats.fast
        parsed += fast.stats.parsed
        empty += fast.stats.empty
        if (fast.baseline.fatal) emptyBehindFatal += fast.stats.empty
      }),
      {numRuns: 400, seed: 8, endOnFailure: true},
    )
    // The property must exercise the fast path, not only its fallbacks.
    assert.ok(fastHosts > 500, `only ${fastHosts} hosts took the fast path`)
    assert.ok(parsed > 100, `only ${parsed} host values took the parse-only shortcut`)
    // Host directories without config keys: the shared empty result, behind a fatal env or file layer too.
    assert.ok(empty > 200, `only ${empty} host directories without config keys`)
    assert.ok(emptyBehindFatal > 10, `only ${emptyBehindFatal} host directories without config keys behind a fatal baseline`)
  })

  test('broken fleets agree host by host: fatal global, fatal hosts, unknown and misspelt keys, FelixHostname ""', () => {
    // Die-on-fail values (MetadataPort, DefaultEndpointToHostAction, InterfacePrefix), the
    // non-zero `none`, misspellings Felix does not know and spellings it does, local-only keys in etcd.
    const FATAL = fc.constantFrom<[string, string]>(['MetadataPort', 'INFO'], ['metadataport', 'x'], ['DefaultEndpointToHostAction', 'BOGUS'], ['InterfacePrefix', ''], ['IpInIpMtu', 'none'])
    const UNKNOWN = fc.constantFrom<[string, string]>(['LogSeverityFiel', 'INFO'], ['IpInIpMTU2', '1400'], ['Site0Label', 'rack-0'], ['MetadatePort', '8775'], ['xyz', ''])
    const ODD = fc.constantFrom<[string, string]>(['FelixHostname', ''], ['felixhostname', 'h0'], ['ipinipmtu', '1420'], ['IPINIPMTU', '1480'], ['metadataPort', '8775'], ['logseverityfile', 'DEBUG'], ['LogSeverityFile', 'warning'], ['ReportingIntervalSecs', 'thirty'])
    const brokenEntry = fc.oneof({arbitrary: entryArb, weight: 4}, {arbitrary: UNKNOWN, weight: 2}, {arbitrary: ODD, weight: 2}, {arbitrary: FATAL, weight: 1})
    const brokenArb = fc.record({
      global: fc.tuple(fc.array(FATAL, {minLength: 0, maxLength: 2}), fc.array(brokenEntry, {maxLength: 8})).map(([f, rest]) => [...f, ...rest]),
      hosts: fc.array(hostArb(brokenEntry, 5), {minLength: 1, maxLength: 12}),
      env: fc.array(entryArb.filter(([k]) => k !== 'FelixHostname'), {maxLength: 2}),
      file: fc.option(fc.array(entryArb.filter(([k]) => k !== 'FelixHostname'), {maxLength: 2}), {nil: undefined}),
    })
    const params = fleetParams(registry, undefined)
    let brokenFast = 0
    let brokenParsed = 0
    let fatalHosts = 0
    let emptyBehindBroken = 0
    fc.assert(
      fc.property(brokenArb, (f) => {
        for (const ps of [params, fleetParams(registry, ['IpInIpMtu']), fleetParams(registry, ['MetadataPort'])]) {
          const fast = agree(build(f), ps, (a) => a.fatal?.layer === 'host' && fatalHosts++)
          if (fast.baseline.fatal) {
            brokenFast += fast.stats.fast
            brokenParsed += fast.stats.parsed
            emptyBehindBroken += fast.stats.empty
          }
        }
      }),
      {numRuns: 400, seed: 14, endOnFailure: true},
    )
    // Hosts behind a broken global layer must mostly take the fast path, shortcut included.
    assert.ok(brokenFast > 500, `only ${brokenFast} hosts behind a fatal global layer took the fast path`)
    assert.ok(brokenParsed > 50, `only ${brokenParsed} values behind a fatal global layer took the parse-only shortcut`)
    assert.ok(fatalHosts > 100, `only ${fatalHosts} hosts with a fatal value of their own`)
    assert.ok(emptyBehindBroken > 100, `only ${emptyBehindBroken} host directories without config keys behind a fatal global layer`)
  })

  test('behind a broken global layer, a host value equal to what the global layer gives teaches nothing', () => {
    // IPINIPMTU sorts before MetadataPort, so Felix applies it after the host layer in the
    // datastore pass that stops at MetadataPort: h0's 1480 only looks like the host's value.
    const kvs: Kv[] = [{key: '/calico/v1/config/IPINIPMTU', value: '1480'}, {key: '/calico/v1/config/MetadataPort', value: 'INFO'}]
    for (const [h, v] of [['h0', '1480'], ['h1', '1400'], ['h2', '1300'], ['h3', '1480']]) kvs.push({key: `/calico/v1/host/${h}/config/IpInIpMtu`, value: v})
    const {byHost} = groupFleetKvs(kvs)
    const params = fleetParams(registry, undefined)
    const fast = agree({kvs, env: [], file: {state: 'absent'}}, params)
    const i = params.findIndex((p) => p.name === 'IpInIpMtu')
    assert.equal(fast.evaluate('h1', byHost.get('h1')!).cells[i].value, 1480)
    assert.equal(fast.stats.full, 0)
  })

  test('a value of its own on every host: one resolve per spelling, then parsed; anything unclean resolved again', () => {
    const kvs: Kv[] = [{key: '/calico/v1/config/IpInIpTunnelAddr', value: '10.0.0.1'}, {key: '/calico/v1/config/LogSeverityScreen', value: 'INFO'}]
    const hostValues: [string, string, string][] = [
      ['h0', 'IpInIpTunnelAddr', '192.168.0.1'],
      ['h1', 'IpInIpTunnelAddr', '192.168.0.2'],
      ['h2', 'IpInIpTunnelAddr', '192.168.0.3'],
      ['h3', 'IpInIpTunnelAddr', 'not-an-ip'],
      ['h4', 'IpInIpTunnelAddr', 'NONE'],
      ['h5', 'ipinipTunnelAddr', '192.168.0.5'],
      ['h6', 'IpInIpTunnelAddr', '192.168.0.6'],
    ]
    for (const [h, k, v] of hostValues) kvs.push({key: `/calico/v1/host/${h}/config/${k}`, value: v})
    const {byHost} = groupFleetKvs(kvs)
    const params = fleetParams(registry, undefined)
    const fast = agree({kvs, env: [], file: {state: 'absent'}}, params)
    // h0 resolves; h1, h2, h6 parse; h3 (invalid), h4 (none) and h5 (another spelling, a diagnostic of its own) resolve.
    assert.deepEqual([fast.stats.miniResolves, fast.stats.parsed], [4, 3])
    const i = params.findIndex((p) => p.name === 'IpInIpTunnelAddr')
    const h6 = fast.evaluate('h6', byHost.get('h6')!)
    assert.deepEqual(h6.cells[i], {name: 'IpInIpTunnelAddr', value: '192.168.0.6', raw: '192.168.0.6', source: 'host', origin: {type: 'etcd', key: '/calico/v1/host/h6/config/IpInIpTunnelAddr'}})
  })

  test('DatastoreType in a host directory feeds Validate (docs/reference/felix-2.0-config.md §5.6): the full resolver decides', () => {
    // Global says kubernetes; env empties EtcdAddr; h0 switches back to etcdv2 -> "EtcdEndpoints and EtcdAddr both missing".
    const {globalKvs, byHost} = groupFleetKvs([
      {key: '/calico/v1/config/DatastoreType', value: 'kubernetes'},
      {key: '/calico/v1/host/h0/config/DatastoreType', value: 'etcdv2'},
    ])
    const env: RawEntry[] = [{layer: 'env', key: 'etcdaddr', raw: 'none', origin: {type: 'env', name: 'FELIX_ETCDADDR'}}]
    const make = (fast: boolean) => new FleetEvaluator({registry, params: fleetParams(registry, undefined), env, file: {state: 'absent'}, globalKvs, probe, fast})
    const fast = make(true).evaluate('h0', byHost.get('h0')!)
    assert.equal(make(true).baseline.fatal, null)
    assert.deepEqual(fast.fatal, {stage: 'validate', param: 'EtcdEndpoints', layer: null, message: 'EtcdEndpoints and EtcdAddr both missing'})
    assert.deepEqual(fast, make(false).evaluate('h0', byHost.get('h0')!))
  })

  test('the cache serves hosts that share a key and value; origins still name each host', () => {
    const {globalKvs, byHost} = groupFleetKvs([
      {key: '/calico/v1/config/IpInIpMtu', value: '1400'},
      {key: '/calico/v1/host/a/config/IpInIpMtu', value: '1420'},
      {key: '/calico/v1/host/b/config/IpInIpMtu', value: '1420'},
    ])
    const ev = new FleetEvaluator({registry, params: fleetParams(registry, ['IpInIpMtu']), env: [], file: {state: 'absent'}, globalKvs, probe})
    const a = ev.evaluate('a', byHost.get('a')!)
    const b = ev.evaluate('b', byHost.get('b')!)
    assert.deepEqual([ev.stats.miniResolves, ev.stats.cacheHits], [1, 1])
    assert.deepEqual(a.cells[0].origin, {type: 'etcd', key: '/calico/v1/host/a/config/IpInIpMtu'})
    assert.deepEqual(b.cells[0].origin, {type: 'etcd', key: '/calico/v1/host/b/config/IpInIpMtu'})
    assert.equal(b.cells[0].value, 1420)
  })

  test('groupFleetKvs follows parseHostConfigKey: config keys only, non-empty host and name', () => {
    const {globalKvs, byHost} = groupFleetKvs([
      {key: '/calico/v1/config/A', value: '1'},
      {key: '/calico/v1/host/n1/config/B', value: '2'},
      {key: '/calico/v1/host/n1/config/', value: 'x'},
      {key: '/calico/v1/host//config/B', value: 'x'},
      {key: '/calico/v1/host/n1/config/B/C', value: 'x'},
      {key: '/calico/v1/host/n1/workload/B', value: 'x'},
      {key: '/calico/v1/host/n2/configX/B', value: 'x'},
      {key: '/calico/v1/host/n3/config/D', value: '3'},
    ])
    assert.deepEqual(globalKvs.map((k) => k.key), ['/calico/v1/config/A'])
    assert.deepEqual([...byHost].map(([h, e]) => [h, e.map((x) => x.name)]), [['n1', ['B']], ['n3', ['D']]])
  })
})

describe('fleet list JSON written in pieces', () => {
  test('the pieces join to exactly JSON.stringify of the whole document', async () => {
    const {fleetListJson, fleetListJsonChunks} = await import('../../src/render/fleet.js')
    const {globalKvs, byHost} = groupFleetKvs([
      {key: '/calico/v1/config/IpInIpMtu', value: '1400'},
      ...['a', 'b', 'c', 'd', 'e'].flatMap((h, i) => [
        {key: `/calico/v1/host/${h}/config/IpInIpMtu`, value: String(1400 + 10 * i)},
        {key: `/calico/v1/host/${h}/config/ReportingIntervalSecs`, value: i % 2 ? 'thirty' : '45'},
      ]),
    ])
    const params = fleetParams(registry, undefined)
    const ev = new FleetEvaluator({registry, params, env: [], file: {state: 'absent'}, globalKvs, probe})
    const hosts = [...byHost].map(([host, entries]) => {
      const r = ev.evaluate(host, entries)
      // One host with its own keys listed (as for a host whose Felix would not start).
      const own = host === 'b' ? entries.map((e) => ({name: e.name, key: e.name, raw: e.kv.value, origin: {type: 'etcd' as const, key: e.kv.key}})) : null
      return {host, fatal: r.fatal, diagnostics: r.diagnostics, own, cells: r.cells.map((c, i) => ({...c, global: ev.baseline.cells[i].value})).filter((c) => c.source === 'host')}
    })
    // Every cell of host c (global and default origins), and shapes the direct writer hands to JSON.stringify.
    const c = hosts.find((h) => h.host === 'c')!
    c.cells = ev.evaluate('c', byHost.get('c')!).cells.map((x, i) => ({...x, global: ev.baseline.cells[i].value}))
    const odd = (name: string, value: TypedValue, origin: Origin, global: TypedValue = 'g') => ({name, value, raw: 'r "q" \u00e9\n', source: 'file' as const, origin, global})
    hosts.push({
      host: 'z "odd" \u2028',
      fatal: {stage: 'datastore', param: 'IpInIpMtu', layer: 'host', message: 'Failed to parse "x"'},
      diagnostics: [{severity: 'error', code: 'fatal-value', param: 'IpInIpMtu', layer: 'host', origin: {type: 'etcd', key: '/k'}, message: 'm', hint: null}],
      own: [{name: 'IpInIpMtu', key: 'ipinipmtu', raw: '', origin: {type: 'etcd', key: '/calico/v1/host/z/config/ipinipmtu'}}],
      cells: [
        odd('A', ['a', 'b'], {type: 'file', path: '/etc/calico/felix.cfg', section: 'global', line: 3}),
        odd('B', [], {type: 'env', name: 'FELIX_B'}, NaN),
        odd('C', Number.NaN, {type: 'etcd', key: '/k', name: undefined}, 2 ** 60),
        odd('D', Infinity, {type: 'default'}, -Infinity),
        odd('E', null, {type: 'etcd', key: '/k'}, true),
        odd('F', -0, {type: 'etcd', key: '/k'}, 1e21),
      ],
    })
    const res = {
      felixVersion: '2.0.4', readFrom: {kind: 'snapshot' as const, endpoints: ['x'], ready: 'true'}, localLayers: 'hidden' as const, note: 'n', all: false,
      params: params.map((p) => p.name), global: {fatal: null, cells: ev.baseline.cells, diagnostics: [], own: null}, warnings: [],
    }
    for (const n of [0, 1, 4, 5, 6]) {
      const r = {...res, hosts: hosts.slice(0, n)}
      const whole = JSON.stringify(fleetListJson(r), null, 2) + '\n'
      for (const per of [1, 2, 500]) assert.equal([...fleetListJsonChunks(r, per)].join(''), whole, `${n} hosts, ${per} per piece`)
    }
  })
})
