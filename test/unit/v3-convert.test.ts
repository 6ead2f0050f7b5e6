/**
 * config migrate's conversion rules (issue 18), one table per rule, and calico-upgrade's own
 * rules (transcribed from libcalico-go v3.4.0-0.dev) run next to felixctl's on canonical input.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {getRegistry, defaultValue} from '../../src/params/index.js'
import {parseKind} from '../../src/params/kinds.js'
import type {FileProbe} from '../../src/params/types.js'
import {
  calicoUpgradeLogLevel,
  calicoUpgradeValue,
  convertNodeName,
  felix3Default,
  goDuration,
  toV3Value,
  v3TargetOf,
  validateV3Resource,
  V3Resource,
} from '../../src/params/v3-convert.js'

const registry = getRegistry('2.0.4')
const probe: FileProbe = {exists: () => true, isExecutable: () => true, felixDir: '/usr/bin', pathEnv: '/usr/bin'}
const def = (name: string) => registry.params.find((p) => p.name === name)!

/** felixctl's v3 value for NAME=RAW: parsed as Felix 2.0 parses it, then converted. */
function felixctl(name: string, raw: string) {
  const d = def(name)
  const t = v3TargetOf(name)!
  const parsed = raw.toLowerCase() === 'none' ? {ok: true as const, value: d.kind.type === 'port-list' ? [] : d.kind.type === 'bool' ? false : d.kind.type === 'int' || d.kind.type === 'float' ? 0 : ''} : parseKind(d.kind, raw, probe)
  assert.ok(parsed.ok, `${name}=${raw} parses`)
  return toV3Value(d, t.field, parsed.value, raw)
}

describe('goDuration (Go time.Duration.String)', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [30_000_000_000n, '30s'],
    [1_500_000_000n, '1.5s'],
    [50_000_000n, '50ms'],
    [1500n, '1.5µs'],
    [999n, '999ns'],
    [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'],
    [-2_000_000_000n, '-2s'],
    [86_400_000_000_000n, '24h0m0s'],
  ]
  for (const [ns, s] of cases) test(`${ns} ns -> ${s}`, () => assert.equal(goDuration(ns), s))
})

describe('ConvertNodeName (names.go)', () => {
  const cases: [string, string][] = [
    ['node1', 'node1'],
    ['Node1.Example.COM', 'node1.example.com'],
    ['a/b', 'a.b'],
    ['my_host', 'my-host'],
    ['-.-host-.-', 'host'],
    ['a..b', 'a.b'],
    ['a-.-b', 'a.b'],
    ['a  b', 'a-b'],
    ['---', ''],
  ]
  for (const [v1, v3] of cases) test(`${JSON.stringify(v1)} -> ${JSON.stringify(v3)}`, () => assert.equal(convertNodeName(v1), v3))
})

describe('conversion rules', () => {
  const cases: [string, string, unknown][] = [
    // durations from ...Secs (int and float) into v3 durations
    ['ReportingIntervalSecs', '30', '30s'],
    ['ReportingTTLSecs', '3600', '1h0m0s'],
    ['EndpointReportingDelaySecs', '1.5', '1.5s'],
    ['EndpointReportingDelaySecs', '0.05', '50ms'],
    ['IptablesRefreshInterval', '0x10', '16s'],
    // ints as Felix parsed them (octal, hex)
    ['IpInIpMtu', '010', 8],
    ['MaxIpsetSize', '0x100', 256],
    // bools in Felix's spellings
    ['Ipv6Support', 'yes', true],
    ['IpInIpEnabled', 'N', false],
    // port lists
    ['FailsafeInboundHostPorts', '22,80', [{protocol: 'TCP', port: 22}, {protocol: 'TCP', port: 80}]],
    ['FailsafeOutboundHostPorts', '022', [{protocol: 'TCP', port: 22}]],
    // the mark mask as its number
    ['IptablesMarkMask', '0xff000000', 4278190080],
    // log levels
    ['LogSeverityScreen', 'debug', 'Debug'],
    ['LogSeverityFile', 'CRITICAL', 'Fatal'],
    ['LogSeveritySys', 'Warning', 'Warning'],
    // oneof into calicoctl's spelling
    ['DefaultEndpointToHostAction', 'accept', 'Accept'],
    ['ChainInsertMode', 'APPEND', 'append'],
    // none: the zero value in v3
    ['FailsafeInboundHostPorts', 'none', []],
    ['IpInIpEnabled', 'none', false],
    ['MetadataPort', 'none', 0],
    ['LogPrefix', 'none', 'none'],
    ['LogFilePath', 'none', 'none'],
    ['LogPrefix', '', 'none'],
    ['ReportingIntervalSecs', 'none', '0s'],
    // file kinds keep the raw path
    ['DataplaneDriver', 'my-plugin', 'my-plugin'],
  ]
  for (const [name, raw, want] of cases) {
    test(`${name}=${JSON.stringify(raw)} -> ${JSON.stringify(want)}`, () => {
      const r = felixctl(name, raw)
      assert.ok(r.ok, JSON.stringify(r))
      assert.deepEqual(r.value, want)
    })
  }
  test('an empty log level has no v3 value', () => {
    const r = felixctl('LogSeverityScreen', 'none')
    assert.equal(r.ok, false)
    assert.equal(!r.ok && r.code, 'none-not-representable')
  })
  test('an infinite delay has no v3 duration', () => {
    const r = felixctl('EndpointReportingDelaySecs', 'inf')
    assert.equal(!r.ok && r.code, 'value-not-representable')
  })
  test('parameters without a v3 field', () => {
    for (const n of ['DropActionOverride', 'StartupCleanupDelay', 'PeriodicResyncInterval', 'HostInterfacePollInterval', 'IpInIpTunnelAddr', 'DataplaneDriverPrometheusMetricsPort', 'EtcdDriverLogFilePath', 'DatastoreType']) {
      assert.equal(v3TargetOf(n), null, n)
    }
    assert.equal(v3TargetOf('ClusterGUID')?.resource, 'ClusterInformation')
  })
  test('Felix 3.4.0 defaults in v3 form', () => {
    assert.equal(felix3Default('IptablesRefreshInterval'), '1m30s')
    assert.equal(felix3Default('IptablesMarkMask'), 0xffff0000)
    assert.equal(felix3Default('LogPrefix'), 'calico-packet')
    assert.equal(felix3Default('LogSeverityScreen'), 'Info')
    assert.deepEqual(felix3Default('FailsafeInboundHostPorts'), [22, 68, 179, 2379, 2380, 6666, 6667].map((port, i) => ({protocol: i === 1 ? 'UDP' : 'TCP', port})))
  })
})

/**
 * calico-upgrade next to felixctl on canonical input (canonical names, values Felix 2.0
 * accepted). Where they differ, the expected difference is listed with the report code that
 * explains it; everywhere else they must agree.
 */
describe('calico-upgrade (transcribed) vs felixctl on canonical input', () => {
  const canonical: [string, string][] = [
    ['DataplaneDriver', 'calico-iptables-plugin'],
    ['Ipv6Support', 'true'],
    ['IgnoreLooseRPF', 'false'],
    ['IptablesRefreshInterval', '60'],
    ['MetadataAddr', '127.0.0.1'],
    ['MetadataPort', '8775'],
    ['InterfacePrefix', 'tap'],
    ['ChainInsertMode', 'append'],
    ['DefaultEndpointToHostAction', 'DROP'],
    ['LogPrefix', 'calico-drop'],
    ['LogFilePath', '/var/log/calico/felix.log'],
    ['LogSeverityFile', 'INFO'],
    ['LogSeverityScreen', 'WARNING'],
    ['LogSeveritySys', 'CRITICAL'],
    ['IpInIpEnabled', 'true'],
    ['IpInIpMtu', '1440'],
    ['ReportingIntervalSecs', '30'],
    ['ReportingTTLSecs', '90'],
    ['EndpointReportingEnabled', 'false'],
    ['EndpointReportingDelaySecs', '1.5'],
    ['MaxIpsetSize', '1048576'],
    ['IptablesMarkMask', '0xff000000'],
    ['IptablesMarkMask', '4278190080'],
    ['PrometheusMetricsEnabled', 'true'],
    ['PrometheusMetricsPort', '9091'],
    ['FailsafeInboundHostPorts', '22'],
    ['FailsafeOutboundHostPorts', '2379,2380,4001,7001'],
    ['FailsafeOutboundHostPorts', 'none'],
    ['UsageReportingEnabled', 'true'],
    ['ClusterGUID', 'baddecaf'],
    ['ClusterType', 'k8s,bgp'],
  ]
  /** The differences, each with the report code config-migrate gives it. */
  const expectedDifferences: Record<string, string> = {
    'DefaultEndpointToHostAction=DROP': 'calico-upgrade-differs',
    'LogSeveritySys=CRITICAL': 'log-level-to-info',
    'IptablesMarkMask=0xff000000': 'calico-upgrade-differs',
  }
  for (const [name, raw] of canonical) {
    test(`${name}=${raw}`, () => {
      const mine = felixctl(name, raw)
      assert.ok(mine.ok)
      const target = v3TargetOf(name)!
      const theirs = calicoUpgradeValue(name, raw, target.resource)
      const agree = theirs.kind === 'set' && JSON.stringify(theirs.value) === JSON.stringify(mine.value)
      const key = `${name}=${raw}`
      if (expectedDifferences[key]) assert.ok(!agree, `${key}: expected a difference`)
      else assert.ok(agree, `${key}: calico-upgrade ${JSON.stringify(theirs)} vs felixctl ${JSON.stringify(mine.value)}`)
    })
  }
  test("calico-upgrade's name table is exact: a non-canonical spelling is dropped", () => {
    assert.deepEqual(calicoUpgradeValue('logseverityfile', 'DEBUG', 'FelixConfiguration'), {kind: 'no-field'})
  })
  test('convertLogLevel turns what it does not know into Info', () => {
    assert.equal(calicoUpgradeLogLevel('CRITICAL'), 'Info')
    assert.equal(calicoUpgradeLogLevel('panic'), 'Fatal')
    assert.equal(calicoUpgradeLogLevel(''), '')
  })
  test('timescales: milliseconds for IptablesLockProbeIntervalMillis, seconds otherwise', () => {
    assert.deepEqual(calicoUpgradeValue('IptablesLockProbeIntervalMillis', '50', 'FelixConfiguration'), {kind: 'set', resource: 'FelixConfiguration', json: 'iptablesLockProbeInterval', value: '50ms'})
    assert.deepEqual(calicoUpgradeValue('NetlinkTimeoutSecs', '10', 'FelixConfiguration'), {kind: 'set', resource: 'FelixConfiguration', json: 'netlinkTimeout', value: '10s'})
  })
  test('proto ports', () => {
    assert.deepEqual(calicoUpgradeValue('FailsafeInboundHostPorts', 'udp:68, tcp:22', 'FelixConfiguration'), {kind: 'set', resource: 'FelixConfiguration', json: 'failsafeInboundHostPorts', value: [{protocol: 'UDP', port: 68}, {protocol: 'TCP', port: 22}]})
    assert.equal(calicoUpgradeValue('FailsafeInboundHostPorts', 'sctp:1', 'FelixConfiguration').kind, 'error')
  })
})

describe('schema validation', () => {
  const base = (spec: V3Resource['spec'], name = 'default', kind: V3Resource['kind'] = 'FelixConfiguration'): V3Resource => ({apiVersion: 'projectcalico.org/v3', kind, metadata: {name}, spec})
  test('every Felix 2.0 default, converted, validates', () => {
    const spec: V3Resource['spec'] = {}
    for (const p of registry.params) {
      const t = v3TargetOf(p.name)
      if (!t || t.resource !== 'FelixConfiguration') continue
      const r = toV3Value(p, t.field, defaultValue(p, probe), p.default)
      if (r.ok) spec[t.field.json] = r.value
    }
    assert.deepEqual(validateV3Resource(base(spec)), [])
  })
  const bad: [string, V3Resource, RegExp][] = [
    ['a string where an integer goes', base({ipipMTU: '1440'}), /expected integer/],
    ['an unknown field', base({logSeverity: 'Info'}), /not a field/],
    ['calico-upgrade\'s DROP', base({defaultEndpointToHostAction: 'DROP'}), /validator/],
    ['a level calicoctl refuses', base({logSeverityScreen: 'none'}), /validator/],
    ['a port without protocol', base({failsafeInboundHostPorts: [{port: 22} as never]}), /protocol is required/],
    ['an invalid name', base({}, 'node.'), /metadata.name/],
    ['ClusterInformation type', base({datastoreReady: 'true'}, 'default', 'ClusterInformation'), /expected boolean/],
  ]
  for (const [what, r, re] of bad) test(`refuses ${what}`, () => assert.match(validateV3Resource(r).join('\n'), re))
})
