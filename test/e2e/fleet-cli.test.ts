/** End-to-end: the built CLI's fleet views (config list|get --all-hosts, config diff) over a snapshot. */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli} from '../helpers/cli.js'

let dir: string
let snap: string
let fatalSnap: string
let globalFatalSnap: string
let noCfg: string

// node-a and node-c override the MTU; node-b pins the global value; node-c also sets the screen level.
const FLEET = {
  '/calico/v1/Ready': 'true',
  '/calico/v1/config/IpInIpMtu': '1400',
  '/calico/v1/config/LogSeverityScreen': 'WARNING',
  '/calico/v1/host/node-a/config/IpInIpMtu': '1420',
  '/calico/v1/host/node-b/config/IpInIpMtu': '1400',
  '/calico/v1/host/node-c/config/IpInIpMtu': '1420',
  '/calico/v1/host/node-c/config/LogSeverityScreen': 'debug',
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'felixctl-fleet-e2e-'))
  snap = join(dir, 'fleet.json')
  writeFileSync(snap, JSON.stringify(FLEET))
  fatalSnap = join(dir, 'fatal.json')
  // node-b: Felix would not start (BOGUS is not DROP|RETURN|ACCEPT, a D parameter). After that datastore-stage
  // failure Felix reports the global pass's values (docs/reference/felix-2.0-config.md §5.7), so only its own directory shows what it sets.
  writeFileSync(fatalSnap, JSON.stringify({...FLEET, '/calico/v1/host/node-b/config/DefaultEndpointToHostAction': 'BOGUS'}))
  // The global layer itself fatal (0x1 has one bit set; a mark needs two): every host is fatal too.
  globalFatalSnap = join(dir, 'global-fatal.json')
  writeFileSync(globalFatalSnap, JSON.stringify({...FLEET, '/calico/v1/config/IptablesMarkMask': '0x1'}))
  noCfg = join(dir, 'absent.cfg')
  // An explicitly named config file must exist (exit 6): an empty one is no configuration.
  writeFileSync(noCfg, '')
})
after(() => rmSync(dir, {recursive: true, force: true}))

const base = () => ['--snapshot', snap, '-c', noCfg]

describe('config list --all-hosts', () => {
  test('table: a host × parameter matrix of the differences, with the note on remote layers', async () => {
    const r = await runCli(['config', 'list', '--all-hosts', ...base()], {cleanEnv: true})
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.split('\n')
    assert.deepEqual(lines.slice(0, 4), [
      'HOST       LogSeverityScreen   IpInIpMtu',
      '(global)   WARNING             1400',
      'node-a     -                   1420',
      'node-c     DEBUG               1420',
    ])
    assert.match(r.stdout, /^3 host directories; 2 differ from the global value .*1 with no difference not shown/m)
    assert.match(r.stdout, /^note: the env and file layers of remote hosts are not visible/m)
  })

  test('JSON: one document listing every host, with origins and the global value', async () => {
    const r = await runCli(['config', 'list', '--all-hosts', ...base(), '-o', 'json'], {cleanEnv: true})
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.localLayers, 'hidden')
    assert.equal(doc.readFrom.kind, 'snapshot')
    assert.deepEqual(doc.hosts.map((h: {host: string}) => h.host), ['node-a', 'node-b', 'node-c'])
    assert.deepEqual(doc.hosts[2].params, [
      {name: 'LogSeverityScreen', value: 'DEBUG', raw: 'debug', source: 'host', origin: {type: 'etcd', key: '/calico/v1/host/node-c/config/LogSeverityScreen'}, global: 'WARNING'},
      {name: 'IpInIpMtu', value: 1420, raw: '1420', source: 'host', origin: {type: 'etcd', key: '/calico/v1/host/node-c/config/IpInIpMtu'}, global: 1400},
    ])
    assert.deepEqual(doc.hosts[1].params, [])
  })

  test('a host whose Felix would not start: printed with the raw values its directory holds, exit 3', async () => {
    const r = await runCli(['config', 'list', '--all-hosts', '--snapshot', fatalSnap, '-c', noCfg], {cleanEnv: true})
    assert.equal(r.code, 3, r.stderr)
    // node-b pins IpInIpMtu=1400 and holds the fatal BOGUS: both shown raw and marked, not "-".
    assert.deepEqual(r.stdout.split('\n').slice(0, 5), [
      'HOST               DefaultEndpointToHostAction   LogSeverityScreen   IpInIpMtu',
      '(global)           DROP                          WARNING             1400',
      'node-a             -                             -                   1420',
      'node-b (stopped)   !BOGUS                        -                   !1400',
      'node-c             -                             DEBUG               1420',
    ])
    assert.match(r.stdout, /^Felix is stopped \(stuck in configuration\) on 1 of 3 host directories: node-b$/m)
    assert.match(r.stdout, /^!VALUE: the raw value a directory holds where Felix is stopped/m)
    assert.match(r.stdout, /^node-b: Felix would not start \(stage datastore; DefaultEndpointToHostAction, host\)/m)
    const j = await runCli(['config', 'list', '--all-hosts', '--snapshot', fatalSnap, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.equal(j.code, 3, j.stderr)
    const doc = JSON.parse(j.stdout)
    assert.deepEqual(doc.hosts.map((h: {host: string; own: unknown}) => [h.host, h.own]), [
      ['node-a', null],
      ['node-b', {DefaultEndpointToHostAction: 'BOGUS', IpInIpMtu: '1400'}],
      ['node-c', null],
    ])
    assert.equal(doc.hosts[1].fatal.param, 'DefaultEndpointToHostAction')
    assert.deepEqual(doc.stopped, ['node-b'])
    assert.equal(doc.global.own, null)
  })

  test('a fatal global layer: (global) marked, its raw values shown', async () => {
    const r = await runCli(['config', 'list', '--all-hosts', '--snapshot', globalFatalSnap, '-c', noCfg], {cleanEnv: true})
    assert.equal(r.code, 3, r.stderr)
    assert.deepEqual(r.stdout.split('\n').slice(0, 5), [
      'HOST                 LogSeverityScreen   IpInIpMtu   IptablesMarkMask',
      '(global) (stopped)   !WARNING            !1400       !0x1',
      'node-a (stopped)     -                   !1420       -',
      'node-b (stopped)     -                   !1400       -',
      'node-c (stopped)     !debug              !1420       -',
    ])
    assert.match(r.stdout, /^global: Felix would not start \(stage datastore; IptablesMarkMask, global\)/m)
    const j = JSON.parse((await runCli(['config', 'list', '--all-hosts', '--snapshot', globalFatalSnap, '-c', noCfg, '-o', 'json'], {cleanEnv: true})).stdout)
    assert.deepEqual(j.global.own, {LogSeverityScreen: 'WARNING', IpInIpMtu: '1400', IptablesMarkMask: '0x1'})
    const d = await runCli(['config', 'diff', '--host', 'node-a', '--snapshot', globalFatalSnap, '-c', noCfg], {cleanEnv: true})
    assert.equal(d.code, 3, d.stderr)
    assert.match(d.stdout.split('\n')[0], /^PARAMETER\s+node-a \(stopped\)\s+SOURCE\s+\(global\) \(stopped\)\s+SOURCE$/)
    assert.match(d.stdout, /^IptablesMarkMask\s+4278190080\s+default\s+!0x1\s+global$/m)
    const g = await runCli(['config', 'get', 'IptablesMarkMask', '--all-hosts', '--snapshot', globalFatalSnap, '-c', noCfg], {cleanEnv: true})
    assert.equal(g.code, 3, g.stderr)
    assert.match(g.stdout, /^IptablesMarkMask: global value 4278190080 \(default\) \(fatal: Felix would not start with the global layer alone; the global directory holds !0x1\)$/m)
    assert.match(g.stdout, /^\(Felix stopped\) not set in its host directory\s+3\s+-\s+node-a, node-b, node-c$/m)
    assert.match(g.stdout, /^Felix is stopped \(stuck in configuration\) on 3 of 3 host directories: node-a, node-b, node-c$/m)
  })

  test('usage errors: --param without --all-hosts, --all-hosts with --host, a local-only --param', async () => {
    for (const args of [['--param', 'IpInIpMtu'], ['--all-hosts', '--host', 'node-a'], ['--all-hosts', '--param', 'EtcdAddr']]) {
      const r = await runCli(['config', 'list', ...args, ...base()], {cleanEnv: true})
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '')
    }
  })
})

describe('config get NAME --all-hosts', () => {
  test('grouped by value with counts (JSON)', async () => {
    const r = await runCli(['config', 'get', 'ipinipmtu', '--all-hosts', ...base(), '-o', 'json'], {cleanEnv: true})
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.name, 'IpInIpMtu')
    assert.equal(doc.global.value, 1400)
    assert.deepEqual(doc.groups, [
      {value: 1420, raws: ['1420'], count: 2, sources: {host: 2}, hosts: ['node-a', 'node-c'], fatal: false},
      {value: 1400, raws: ['1400'], count: 1, sources: {host: 1}, hosts: ['node-b'], fatal: false},
    ])
    assert.deepEqual(doc.fatal, [])
  })

  test('hosts whose Felix would not start: a group of their own with the raw value they hold', async () => {
    const r = await runCli(['config', 'get', 'IpInIpMtu', '--all-hosts', '--snapshot', fatalSnap, '-c', noCfg], {cleanEnv: true})
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stdout, /^1420\s+2\s+host:2\s+node-a, node-c$/m)
    assert.match(r.stdout, /^\(Felix stopped\) !1400\s+1\s+host:1\s+node-b$/m)
    // The fatal value itself, which Felix never reports as node-b's.
    const j = await runCli(['config', 'get', 'DefaultEndpointToHostAction', '--all-hosts', '--snapshot', fatalSnap, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.equal(j.code, 3, j.stderr)
    const doc = JSON.parse(j.stdout)
    assert.deepEqual(doc.groups, [
      {value: 'DROP', raws: ['DROP'], count: 2, sources: {default: 2}, hosts: ['node-a', 'node-c'], fatal: false},
      {value: null, raws: ['BOGUS'], count: 1, sources: {host: 1}, hosts: ['node-b'], fatal: true},
    ])
    assert.deepEqual(doc.fatal.map((f: {host: string; own: unknown}) => [f.host, f.own]), [['node-b', {DefaultEndpointToHostAction: 'BOGUS'}]])
    assert.deepEqual(doc.stopped, ['node-b'])
  })

  test('table', async () => {
    const r = await runCli(['config', 'get', 'LogSeverityScreen', '--all-hosts', ...base()], {cleanEnv: true})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^LogSeverityScreen: global value WARNING \(global, \/calico\/v1\/config\/LogSeverityScreen\)$/m)
    assert.match(r.stdout, /^WARNING\s+2\s+global:2\s+node-a, node-b$/m)
    assert.match(r.stdout, /^DEBUG\s+1\s+host:1\s+node-c$/m)
  })
})

describe('config diff', () => {
  test('two hosts: value and source per parameter', async () => {
    const r = await runCli(['config', 'diff', '--host', 'node-a', '--host', 'node-c', ...base()], {cleanEnv: true})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.stdout.split('\n').slice(0, 2), ['PARAMETER           node-a    SOURCE   node-c   SOURCE', 'LogSeverityScreen   WARNING   global   DEBUG    host'])
  })

  test('a host whose Felix would not start: a row for every parameter its directory sets, raw and marked', async () => {
    const r = await runCli(['config', 'diff', '--host', 'node-a', '--host', 'node-b', '--snapshot', fatalSnap, '-c', noCfg], {cleanEnv: true})
    assert.equal(r.code, 3, r.stderr)
    // IpInIpMtu: Felix reports 1400 (global pass) for node-b; its directory holds 1400 too, shown as its own.
    assert.deepEqual(r.stdout.split('\n').slice(0, 3), [
      'PARAMETER                     node-a   SOURCE    node-b (stopped)   SOURCE',
      'DefaultEndpointToHostAction   DROP     default   !BOGUS             host',
      'IpInIpMtu                     1420     host      !1400              host',
    ])
    const j = JSON.parse((await runCli(['config', 'diff', '--host', 'node-b', '--snapshot', fatalSnap, '-c', noCfg, '-o', 'json'], {cleanEnv: true})).stdout)
    assert.deepEqual(j.a.own, {DefaultEndpointToHostAction: 'BOGUS', IpInIpMtu: '1400'})
    assert.equal(j.b.own, null)
    assert.deepEqual(j.stopped, ['node-b'])
    assert.deepEqual(j.differences.map((d: {name: string; a: {own: unknown}; b: {own: unknown}}) => [d.name, d.a.own, d.b.own]), [
      ['DefaultEndpointToHostAction', ['BOGUS'], null],
      ['IpInIpMtu', ['1400'], null],
    ])
  })

  test('one host against global: a pinned value that equals global is still shown', async () => {
    const r = await runCli(['config', 'diff', '--host', 'node-b', ...base(), '-o', 'json'], {cleanEnv: true})
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.b.host, null)
    assert.deepEqual(doc.differences.map((d: {name: string; valueDiffers: boolean; a: {source: string}; b: {source: string}}) => [d.name, d.valueDiffers, d.a.source, d.b.source]), [['IpInIpMtu', false, 'host', 'global']])
  })

  test('an unknown host directory is exit 4 with a suggestion; three --host flags are exit 2', async () => {
    const r = await runCli(['config', 'diff', '--host', 'node-x', ...base()], {cleanEnv: true})
    assert.equal(r.code, 4, r.stderr)
    assert.match(r.stderr, /node-x/)
    assert.match(r.stderr, /did you mean node-a/)
    const three = await runCli(['config', 'diff', '--host', 'node-a', '--host', 'node-b', '--host', 'node-c', ...base()], {cleanEnv: true})
    assert.equal(three.code, 2, three.stderr)
  })
})

describe('hosts whose Felix is stopped (stuck in configuration): one name in validate and the fleet views', () => {
  test('config validate --all-hosts and config list|get --all-hosts name the same hosts, in JSON and text', async () => {
    const v = await runCli(['config', 'validate', '--all-hosts', '--snapshot', fatalSnap, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.equal(v.code, 3, v.stderr)
    assert.deepEqual(JSON.parse(v.stdout).stopped, ['node-b'])
    const l = await runCli(['config', 'list', '--all-hosts', '--snapshot', fatalSnap, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.deepEqual(JSON.parse(l.stdout).stopped, ['node-b'])
    const g = await runCli(['config', 'get', 'IpInIpMtu', '--all-hosts', '--snapshot', fatalSnap, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.deepEqual(JSON.parse(g.stdout).stopped, ['node-b'])
    const line = /^Felix is stopped \(stuck in configuration\) on 1 of 3 host directories: node-b$/m
    for (const args of [['config', 'validate', '--all-hosts'], ['config', 'list', '--all-hosts'], ['config', 'get', 'IpInIpMtu', '--all-hosts']]) {
      const t = await runCli([...args, '--snapshot', fatalSnap, '-c', noCfg], {cleanEnv: true})
      assert.equal(t.code, 3, t.stderr)
      assert.match(t.stdout, line, args.join(' '))
    }
    // No stopped host: an empty list, and no line.
    const ok = await runCli(['config', 'validate', '--all-hosts', ...base(), '-o', 'json'], {cleanEnv: true})
    assert.deepEqual(JSON.parse(ok.stdout).stopped, [])
    const one = await runCli(['config', 'validate', '--host', 'node-b', '--snapshot', fatalSnap, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.equal(one.code, 3, one.stderr)
    assert.deepEqual(JSON.parse(one.stdout).stopped, ['node-b'])
  })
})

describe('host directories without config keys, in a snapshot', () => {
  // node-d: the directory key `datastore export` writes for a directory without config keys;
  // node-e: a hand-written snapshot with some other key of the directory (BIRD's address).
  const withDirs = (extra: Record<string, string> = {}) => {
    const path = join(dir, `dirs-${Object.keys(extra).length}.json`)
    writeFileSync(path, JSON.stringify({...FLEET, '/calico/v1/host/node-d/': '', '/calico/v1/host/node-e/bird_ip': '10.0.0.5', ...extra}))
    return path
  }

  test('every fleet view lists them, with the global row; diff and completion take them', async () => {
    const s = withDirs()
    const l = await runCli(['config', 'list', '--all-hosts', '--all', '--param', 'IpInIpMtu', '--snapshot', s, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.equal(l.code, 0, l.stderr)
    const list = JSON.parse(l.stdout)
    assert.deepEqual(list.hosts.map((h: {host: string}) => h.host), ['node-a', 'node-b', 'node-c', 'node-d', 'node-e'])
    for (const h of list.hosts.slice(3)) {
      assert.deepEqual([h.fatal, h.diagnostics, h.own], [null, [], null])
      assert.deepEqual(h.params, [{name: 'IpInIpMtu', value: 1400, raw: '1400', source: 'global', origin: {type: 'etcd', key: '/calico/v1/config/IpInIpMtu'}, global: 1400}])
    }
    const t = await runCli(['config', 'list', '--all-hosts', '--snapshot', s, '-c', noCfg], {cleanEnv: true})
    assert.match(t.stdout, /^5 host directories; 2 differ from the global value/m)
    const g = await runCli(['config', 'get', 'IpInIpMtu', '--all-hosts', '--snapshot', s, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    const get = JSON.parse(g.stdout)
    assert.equal(get.hostCount, 5)
    assert.deepEqual(get.groups.map((x: {value: number; hosts: string[]; sources: object}) => [x.value, x.hosts, x.sources]), [
      [1400, ['node-b', 'node-d', 'node-e'], {host: 1, global: 2}],
      [1420, ['node-a', 'node-c'], {host: 2}],
    ])
    const d = await runCli(['config', 'diff', '--host', 'node-d', '--snapshot', s, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.equal(d.code, 0, d.stderr)
    assert.deepEqual(JSON.parse(d.stdout).differences, [])
    const ae = await runCli(['config', 'diff', '--host', 'node-a', '--host', 'node-e', '--snapshot', s, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.equal(ae.code, 0, ae.stderr)
    assert.deepEqual(JSON.parse(ae.stdout).differences.map((x: {name: string; a: {value: number}; b: {value: number; source: string}}) => [x.name, x.a.value, x.b.value, x.b.source]), [['IpInIpMtu', 1420, 1400, 'global']])
    const v = await runCli(['config', 'validate', '--all-hosts', '--snapshot', s, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.equal(v.code, 0, v.stderr)
    assert.deepEqual(JSON.parse(v.stdout).hosts, ['node-a', 'node-b', 'node-c', 'node-d', 'node-e'])
    const c = await runCli(['complete', 'hosts', '--snapshot', s])
    assert.deepEqual(c.stdout.split('\n').filter(Boolean), ['node-a', 'node-b', 'node-c', 'node-d', 'node-e'])
    // A snapshot read back and written again keeps the directory key; a directory with config keys needs none.
    const e = await runCli(['datastore', 'export', '--snapshot', s, '-c', noCfg], {cleanEnv: true})
    assert.equal(e.code, 0, e.stderr)
    const exported = JSON.parse(e.stdout)
    assert.deepEqual(Object.keys(exported).filter((k) => k.endsWith('/')), ['/calico/v1/host/node-d/', '/calico/v1/host/node-e/'])
    assert.equal(exported['/calico/v1/host/node-d/'], '')
  })

  test('behind a fatal global layer they are stopped too, in validate and the fleet views', async () => {
    const s = withDirs({'/calico/v1/config/IptablesMarkMask': '0x1'})
    const v = await runCli(['config', 'validate', '--all-hosts', '--snapshot', s, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.equal(v.code, 3, v.stderr)
    assert.deepEqual(JSON.parse(v.stdout).stopped, ['node-a', 'node-b', 'node-c', 'node-d', 'node-e'])
    const l = await runCli(['config', 'list', '--all-hosts', '--snapshot', s, '-c', noCfg, '-o', 'json'], {cleanEnv: true})
    assert.equal(l.code, 3, l.stderr)
    const list = JSON.parse(l.stdout)
    assert.deepEqual(list.stopped, ['node-a', 'node-b', 'node-c', 'node-d', 'node-e'])
    assert.deepEqual(list.hosts.slice(3).map((h: {fatal: {param: string}; own: object}) => [h.fatal.param, h.own]), [['IptablesMarkMask', {}], ['IptablesMarkMask', {}]])
  })
})
