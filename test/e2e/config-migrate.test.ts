/**
 * `config migrate` end to end (issue 18): a real etcd seeded through the v2 API (what Felix 2.0
 * reads) with 50 host directories, misspellings, invalid values, unknown keys and odd host
 * names; the built CLI writes YAML and JSON, and the report (stderr and --report FILE).
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseAllDocuments} from 'yaml'
import {EtcdInstance, startEtcd} from '../helpers/etcd.js'
import {runCli} from '../helpers/cli.js'
import {validateV3Resource, V3Resource} from '../../src/params/v3-convert.js'

const KEYS: Record<string, string> = {
  '/calico/v1/Ready': 'true',
  '/calico/v1/config/LogSeverityFile': 'INFO',
  // Spelt non-canonically: Felix 2.0 uses it, and it overrides every host's LogSeverityScreen (docs/reference/felix-2.0-config.md §4.6).
  '/calico/v1/config/logseverityscreen': 'WARNING',
  '/calico/v1/config/LogSeveritySys': 'CRITICAL',
  '/calico/v1/config/IpInIpMtu': '1400',
  '/calico/v1/config/ReportingIntervalSecs': 'thirty',
  '/calico/v1/config/EtcdAddr': '10.0.0.1:2379',
  '/calico/v1/config/NoSuchParam': '1',
  '/calico/v1/config/IptablesMarkMask': '0xff000000',
  '/calico/v1/config/FailsafeInboundHostPorts': '22,80',
  '/calico/v1/config/ClusterGUID': 'c0ffee',
}
// 43 ordinary hosts: each its own MTU; every 5th also enables IP-in-IP with "yes", every 7th
// spells the MTU in lower case, every 11th sets LogSeverityScreen (overridden by the global key).
for (let i = 0; i < 43; i++) {
  const h = `/calico/v1/host/node${String(i).padStart(2, '0')}/config/`
  KEYS[h + (i % 7 === 0 ? 'ipinipmtu' : 'IpInIpMtu')] = String(1300 + i)
  if (i % 5 === 0) KEYS[h + 'IpInIpEnabled'] = 'yes'
  if (i % 11 === 0) KEYS[h + 'LogSeverityScreen'] = 'DEBUG'
}
// Odd names, an invalid value, a host with only an unknown key, a die-on-fail value, a collision.
Object.assign(KEYS, {
  '/calico/v1/host/Node.Example.COM/config/EndpointReportingDelaySecs': '0.05',
  '/calico/v1/host/my_host--x/config/IptablesRefreshInterval': '0x10',
  '/calico/v1/host/node-invalid/config/IpInIpMtu': 'big',
  '/calico/v1/host/node-unknown/config/Frobnicate': 'on',
  '/calico/v1/host/node-fatal/config/DefaultEndpointToHostAction': 'BOGUS',
  '/calico/v1/host/Node-A/config/IpInIpMtu': '1450',
})
const COLLIDING = '/calico/v1/host/node-a/config/IpInIpMtu'
KEYS[COLLIDING] = '1460'
const HOSTS = new Set(Object.keys(KEYS).filter((k) => k.startsWith('/calico/v1/host/')).map((k) => k.split('/')[4]))

let etcd: EtcdInstance
let dir: string
const via = () => ['--datastore-type', 'etcdv2', '--etcd-endpoints', etcd.clientUrl, '--etcd-timeout', '10s']

before(async () => {
  assert.equal(HOSTS.size, 50)
  etcd = await startEtcd()
  dir = mkdtempSync(join(tmpdir(), 'felixctl-migrate-'))
  for (const [k, v] of Object.entries(KEYS)) {
    const r = await etcd.v2('PUT', k, v)
    assert.ok(r.status < 300, r.body)
  }
})

after(async () => {
  await etcd?.stop()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

interface ReportDoc {
  refused: string[] | null
  hostDirectories: number
  items: {code: string; host: string | null; key: string | null; param: string | null}[]
}

describe('config migrate from etcd v2', () => {
  test('refuses (exit 3) on a die-on-fail value and on two host directories with one v3 name; nothing on stdout', async () => {
    const report = join(dir, 'refused.json')
    const r = await runCli(['config', 'migrate', ...via(), '--report', report])
    assert.equal(r.code, 3, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /node-name-collision: host directories "Node-A", "node-a" all become "node\.node-a"/)
    assert.match(r.stderr, /die-on-fail-invalid: \/calico\/v1\/host\/node-fatal\/config\/DefaultEndpointToHostAction/)
    const doc = JSON.parse(readFileSync(report, 'utf8')) as ReportDoc
    assert.deepEqual([...(doc.refused ?? [])].sort(), ['die-on-fail-invalid', 'node-name-collision'])
    assert.equal(doc.hostDirectories, 50)
    // --force does not override a collision.
    const forced = await runCli(['config', 'migrate', ...via(), '--force'])
    assert.equal(forced.code, 3)
    assert.equal(forced.stdout, '')
  })

  test('YAML and JSON: the same resources, each valid against the v3 schema; the report names every item', async () => {
    const del = await etcd.v2('DELETE', COLLIDING)
    assert.ok(del.status < 300, del.body)
    const report = join(dir, 'report.json')
    const y = await runCli(['config', 'migrate', ...via(), '--force', '--report', report])
    assert.equal(y.code, 0, y.stderr)
    const j = await runCli(['config', 'migrate', ...via(), '--force', '-o', 'json'])
    assert.equal(j.code, 0, j.stderr)
    const fromYaml = parseAllDocuments(y.stdout).map((d) => d.toJS()) as V3Resource[]
    const fromJson = JSON.parse(j.stdout) as V3Resource[]
    assert.deepEqual(fromYaml, fromJson)
    for (const r of fromJson) assert.deepEqual(validateV3Resource(r), [], `${r.kind}/${r.metadata.name}`)

    const byName = new Map(fromJson.map((r) => [`${r.kind}/${r.metadata.name}`, r.spec]))
    // default + 43 nodes + 4 odd ones (node-unknown and node-fatal have nothing to carry over) + ClusterInformation
    assert.equal(fromJson.length, 1 + 43 + 4 + 1, [...byName.keys()].join(' '))
    assert.deepEqual(byName.get('FelixConfiguration/default'), {
      logSeverityFile: 'Info',
      logSeverityScreen: 'Warning',
      logSeveritySys: 'Fatal',
      ipipMTU: 1400,
      iptablesMarkMask: 4278190080,
      failsafeInboundHostPorts: [{protocol: 'TCP', port: 22}, {protocol: 'TCP', port: 80}],
    })
    assert.deepEqual(byName.get('FelixConfiguration/node.node00'), {ipipEnabled: true, ipipMTU: 1300})
    assert.deepEqual(byName.get('FelixConfiguration/node.node07'), {ipipMTU: 1307})
    assert.deepEqual(byName.get('FelixConfiguration/node.node.example.com'), {endpointReportingDelay: '50ms'})
    assert.deepEqual(byName.get('FelixConfiguration/node.my-host--x'), {iptablesRefreshInterval: '16s'})
    assert.deepEqual(byName.get('FelixConfiguration/node.node-a'), {ipipMTU: 1450})
    assert.equal(byName.has('FelixConfiguration/node.node-unknown'), false)
    // Felix 2.0 replaced the invalid MTU with its default 1440, not with the global 1400.
    assert.deepEqual(byName.get('FelixConfiguration/node.node-invalid'), {ipipMTU: 1440})
    assert.deepEqual(byName.get('ClusterInformation/default'), {clusterGUID: 'c0ffee', datastoreReady: true})

    const doc = JSON.parse(readFileSync(report, 'utf8')) as ReportDoc
    assert.equal(doc.refused, null)
    const codes = (code: string) => doc.items.filter((i) => i.code === code)
    assert.equal(codes('non-canonical-spelling').length, 1 + 7, 'the global logseverityscreen and 7 hosts spelling ipinipmtu')
    assert.deepEqual(codes('host-value-overridden').map((i) => i.host), ['node00', 'node11', 'node22', 'node33'])
    assert.deepEqual(codes('invalid-value-default').map((i) => i.key), ['ReportingIntervalSecs', 'IpInIpMtu'])
    assert.deepEqual(codes('unknown-key').map((i) => i.key), ['NoSuchParam', 'Frobnicate'])
    assert.deepEqual(codes('local-only-in-etcd').map((i) => i.key), ['EtcdAddr'])
    assert.deepEqual(codes('invalid-value-pinned').map((i) => i.host), ['node-invalid'])
    assert.deepEqual(codes('log-level-to-info').map((i) => i.param), ['LogSeveritySys'])
    assert.deepEqual(codes('die-on-fail-invalid').map((i) => i.host), ['node-fatal'])
    assert.ok(codes('calico-upgrade-differs').some((i) => i.param === 'IptablesMarkMask'))
    assert.ok(codes('calico-upgrade-differs').some((i) => i.param === 'IpInIpEnabled'))
    assert.deepEqual(codes('default-changed').map((i) => i.param), ['IptablesRefreshInterval', 'LogPrefix', 'FailsafeOutboundHostPorts'])
    // The stderr report says the same.
    assert.match(y.stderr, /warning host-value-overridden: host directory "node11" sets LogSeverityScreen/)
    assert.match(y.stderr, /49 host directories read; 48 FelixConfiguration and 1 ClusterInformation resource; /)
  })

  test('--pin-defaults writes Felix 2.0 defaults into default; --diff exits 3 when a value changes', async () => {
    const p = await runCli(['config', 'migrate', ...via(), '--force', '--pin-defaults', '-o', 'json'])
    assert.equal(p.code, 0, p.stderr)
    const def = (JSON.parse(p.stdout) as V3Resource[])[0].spec
    assert.equal(def.iptablesRefreshInterval, '1m0s')
    assert.equal(def.logPrefix, 'calico-drop')
    const d = await runCli(['config', 'migrate', ...via(), '--force', '--pin-defaults', '--diff', '--host', 'node01', '-o', 'json'])
    assert.equal(d.code, 0, d.stdout)
    const changed = await runCli(['config', 'migrate', ...via(), '--force', '--diff', '--host', 'node01'])
    assert.equal(changed.code, 3)
    assert.match(changed.stdout, /"node01" -> FelixConfiguration\/node\.node01: 3 parameters differ/)
    assert.match(changed.stdout, /LogPrefix\s+calico-drop \(default\)\s+calico-packet \(default\)/)
  })
})
