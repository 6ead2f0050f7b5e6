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
  writeFileSync(fatalSnap, JSON.stringify({...FLEET, '/calico/v1/host/node-b/config/DefaultEndpointToHostAction': 'BOGUS'}))
  noCfg = join(dir, 'absent.cfg')
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

  test('a host whose Felix would not start: printed, exit 3', async () => {
    const r = await runCli(['config', 'list', '--all-hosts', '--snapshot', fatalSnap, '-c', noCfg], {cleanEnv: true})
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stdout, /^node-b \(fatal\)/m)
    assert.match(r.stdout, /^node-b: Felix would not start \(stage datastore; DefaultEndpointToHostAction, host\)/m)
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
      {value: 1420, raws: ['1420'], count: 2, sources: {host: 2}, hosts: ['node-a', 'node-c']},
      {value: 1400, raws: ['1400'], count: 1, sources: {host: 1}, hosts: ['node-b']},
    ])
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
