import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {NotFoundError} from '../../src/errors.js'
import {didYouMean, editDistance} from '../../src/lib/did-you-mean.js'
import {
  DEFAULT_FELIX_VERSION,
  SUPPORTED_FELIX_VERSIONS,
  defaultValue,
  envVarName,
  lookupParam,
  getRegistry,
  globalKey,
  hostKey,
  kindLabel,
  parseKind,
  requireParam,
} from '../../src/params/index.js'
import type {FileProbe} from '../../src/params/types.js'

const NOTHING: FileProbe = {exists: () => false, isExecutable: () => false, felixDir: '/nonexistent', pathEnv: ''}

/**
 * docs/reference/felix-2.0-config.md §1.1's table, written out independently of src/params/felix-2.0.ts:
 * name, kind label, default, flags (L = local-only, NZ = non-zero, D = die-on-fail).
 */
const SECTION_1: [string, string, string, string][] = [
  ['DataplaneDriver', 'file(must-exist,executable)', 'calico-iptables-plugin', 'NZ D'],
  ['DatastoreType', 'oneof(kubernetes,etcdv2)', 'etcdv2', 'NZ D'],
  ['FelixHostname', 'hostname', '', 'L NZ'],
  ['EtcdAddr', 'authority', '127.0.0.1:2379', 'L'],
  ['EtcdScheme', 'oneof(http,https)', 'http', 'L'],
  ['EtcdKeyFile', 'file(must-exist)', '', 'L'],
  ['EtcdCertFile', 'file(must-exist)', '', 'L'],
  ['EtcdCaFile', 'file(must-exist)', '', 'L'],
  ['EtcdEndpoints', 'endpoint-list', '', 'L'],
  ['Ipv6Support', 'bool', 'true', ''],
  ['IgnoreLooseRPF', 'bool', 'false', ''],
  ['StartupCleanupDelay', 'int', '30', ''],
  ['PeriodicResyncInterval', 'int', '3600', ''],
  ['HostInterfacePollInterval', 'int', '10', ''],
  ['IptablesRefreshInterval', 'int', '60', ''],
  ['MetadataAddr', 'hostname', '127.0.0.1', 'D'],
  ['MetadataPort', 'int(0,65535)', '8775', 'D'],
  ['InterfacePrefix', 'iface-list', 'cali', 'NZ D'],
  ['ChainInsertMode', 'oneof(insert,append)', 'insert', 'NZ D'],
  ['DefaultEndpointToHostAction', 'oneof(DROP,RETURN,ACCEPT)', 'DROP', 'NZ D'],
  ['DropActionOverride', 'oneof(DROP,ACCEPT,LOG-and-DROP,LOG-and-ACCEPT)', 'DROP', 'NZ D'],
  ['LogPrefix', 'string', 'calico-drop', ''],
  ['LogFilePath', 'file', '/var/log/calico/felix.log', 'D'],
  ['EtcdDriverLogFilePath', 'file', '/var/log/calico/felix-etcd.log', ''],
  ['LogSeverityFile', 'oneof(DEBUG,INFO,WARNING,ERROR,CRITICAL)', 'INFO', ''],
  ['LogSeverityScreen', 'oneof(DEBUG,INFO,WARNING,ERROR,CRITICAL)', 'INFO', ''],
  ['LogSeveritySys', 'oneof(DEBUG,INFO,WARNING,ERROR,CRITICAL)', 'INFO', ''],
  ['IpInIpEnabled', 'bool', 'false', ''],
  ['IpInIpMtu', 'int', '1440', 'NZ'],
  ['IpInIpTunnelAddr', 'ipv4', '', ''],
  ['ReportingIntervalSecs', 'int', '30', ''],
  ['ReportingTTLSecs', 'int', '90', ''],
  ['EndpointReportingEnabled', 'bool', 'false', ''],
  ['EndpointReportingDelaySecs', 'float', '1.0', ''],
  ['MaxIpsetSize', 'int', '1048576', 'NZ'],
  ['IptablesMarkMask', 'mark-bitmask', '0xff000000', 'NZ D'],
  ['PrometheusMetricsEnabled', 'bool', 'false', ''],
  ['PrometheusMetricsPort', 'int(0,65535)', '9091', ''],
  ['DataplaneDriverPrometheusMetricsPort', 'int(0,65535)', '9092', ''],
  ['FailsafeInboundHostPorts', 'port-list', '22', 'D'],
  ['FailsafeOutboundHostPorts', 'port-list', '2379,2380,4001,7001', 'D'],
  ['UsageReportingEnabled', 'bool', 'true', ''],
  ['ClusterGUID', 'string', 'baddecaf', ''],
  ['ClusterType', 'string', '', ''],
]
const SINCE_2_0_1 = new Set(['ChainInsertMode', 'LogPrefix'])

describe('versions', () => {
  test('supported versions and default', () => {
    assert.deepEqual([...SUPPORTED_FELIX_VERSIONS], ['2.0.0', '2.0.1', '2.0.2', '2.0.3', '2.0.4'])
    assert.equal(DEFAULT_FELIX_VERSION, '2.0.4')
    assert.equal(getRegistry().felixVersion, '2.0.4')
    assert.equal(getRegistry(), getRegistry('2.0.4'), 'cached')
  })
  for (const version of SUPPORTED_FELIX_VERSIONS) {
    test(`${version}: parameter names and order follow §1`, () => {
      const reg = getRegistry(version)
      const expected = SECTION_1.map(([name]) => name).filter((name) => version !== '2.0.0' || !SINCE_2_0_1.has(name))
      assert.deepEqual(
        reg.params.map((p) => p.name),
        expected,
      )
      assert.equal(reg.params.length, version === '2.0.0' ? 42 : 44)
      assert.equal(new Set(reg.params.map((p) => lookupParam(reg, p.name.toUpperCase()))).size, reg.params.length, 'names unique case-insensitively')
    })
  }
  test('2.0.0 does not know ChainInsertMode and LogPrefix', () => {
    assert.equal(lookupParam(getRegistry('2.0.0'), 'ChainInsertMode'), undefined)
    assert.equal(lookupParam(getRegistry('2.0.0'), 'logprefix'), undefined)
    assert.equal(lookupParam(getRegistry('2.0.1'), 'chaininsertmode')?.name, 'ChainInsertMode')
  })
  for (const bad of ['2.1.0', '1.4.4', '', 'latest', '2.0']) {
    test(`unknown version ${JSON.stringify(bad)} is NotFoundError listing the supported ones`, () => {
      assert.throws(
        () => getRegistry(bad),
        (error: unknown) => error instanceof NotFoundError && error.exitCode === 4 && /2\.0\.0, 2\.0\.1, 2\.0\.2, 2\.0\.3, 2\.0\.4/.test(error.message),
      )
    })
  }
})

describe('§1 table: kind, default and flags of every parameter', () => {
  const reg = getRegistry('2.0.4')
  for (const [name, kind, def, flags] of SECTION_1) {
    test(name, () => {
      const p = lookupParam(reg, name)
      assert.ok(p, `${name} missing`)
      assert.equal(p.name, name)
      assert.equal(kindLabel(p.kind), kind)
      assert.equal(p.default, def)
      const f = flags.split(' ').filter(Boolean)
      assert.equal(p.localOnly, f.includes('L'), 'L')
      assert.equal(p.nonZero, f.includes('NZ'), 'NZ')
      assert.equal(p.dieOnFail, f.includes('D'), 'D')
      assert.equal(p.defaultValidated, name !== 'DataplaneDriver')
      assert.equal(p.since, SINCE_2_0_1.has(name) ? '2.0.1' : undefined)
      assert.ok(p.doc.length > 20, 'has a doc')
    })
  }
})

describe('defaults', () => {
  const reg = getRegistry()
  test('every validated non-empty default parses', () => {
    for (const p of reg.params) {
      if (!p.defaultValidated || p.default === '') continue
      const r = parseKind(p.kind, p.default, NOTHING)
      assert.ok(r.ok, `${p.name}: ${JSON.stringify(r)}`)
    }
  })
  const rows: [string, unknown][] = [
    ['DataplaneDriver', 'calico-iptables-plugin'],
    ['DatastoreType', 'etcdv2'],
    ['FelixHostname', ''],
    ['EtcdEndpoints', []],
    ['EtcdCaFile', ''],
    ['Ipv6Support', true],
    ['MetadataPort', 8775],
    ['IpInIpTunnelAddr', null],
    ['EndpointReportingDelaySecs', 1],
    ['IptablesMarkMask', 0xff000000],
    ['FailsafeInboundHostPorts', [22]],
    ['FailsafeOutboundHostPorts', [2379, 2380, 4001, 7001]],
    ['LogSeverityScreen', 'INFO'],
    ['ClusterType', ''],
    ['ClusterGUID', 'baddecaf'],
  ]
  for (const [name, value] of rows) {
    test(`defaultValue(${name})`, () => assert.deepEqual(defaultValue(requireParam(reg, name), NOTHING), value))
  }
})

describe('seed page notes (§1.2)', () => {
  const reg = getRegistry()
  const note = (name: string) => requireParam(reg, name).seedPage ?? {}
  test('DataplaneDriver row describes DatastoreType', () => assert.match(note('DataplaneDriver').wrong ?? '', /DatastoreType/))
  test('log severity defaults', () => {
    assert.match(note('LogSeveritySys').wrong ?? '', /INFO/)
    assert.match(note('LogSeverityScreen').wrong ?? '', /INFO/)
  })
  test('IptablesMarkMask needs 2 bits', () => assert.match(note('IptablesMarkMask').wrong ?? '', /2 bits/))
  test('EtcdCaFile has no default', () => assert.match(note('EtcdCaFile').wrong ?? '', /no default/))
  const omitted = ['ChainInsertMode', 'LogPrefix', 'Ipv6Support', 'IgnoreLooseRPF', 'PeriodicResyncInterval', 'HostInterfacePollInterval', 'InterfacePrefix',
    'DropActionOverride', 'EtcdDriverLogFilePath', 'IpInIpEnabled', 'IpInIpMtu', 'IpInIpTunnelAddr', 'EndpointReportingEnabled', 'EndpointReportingDelaySecs', 'ClusterGUID', 'ClusterType']
  for (const name of omitted) {
    test(`${name} is marked as omitted by the page`, () => {
      assert.equal(note(name).says, undefined)
      assert.match(note(name).wrong ?? '', /does not list/)
    })
  }
})

describe('names and keys', () => {
  const rows: [string, string, string, string][] = [
    ['LogSeverityScreen', 'FELIX_LOGSEVERITYSCREEN', '/calico/v1/config/LogSeverityScreen', '/calico/v1/host/node1/config/LogSeverityScreen'],
    ['EtcdAddr', 'FELIX_ETCDADDR', '/calico/v1/config/EtcdAddr', '/calico/v1/host/node1/config/EtcdAddr'],
  ]
  for (const [name, env, global, host] of rows) {
    test(name, () => {
      assert.equal(envVarName(name), env)
      assert.equal(globalKey(name), global)
      assert.equal(hostKey('node1', name), host)
    })
  }
  test('lookup is case-insensitive; unknown names get a did-you-mean', () => {
    const reg = getRegistry()
    assert.equal(lookupParam(reg, 'logseverityscreen')?.name, 'LogSeverityScreen')
    assert.equal(lookupParam(reg, 'NoSuchThing'), undefined)
    assert.throws(
      () => requireParam(reg, 'LogSeverityScren'),
      (error: unknown) => error instanceof NotFoundError && error.exitCode === 4 && /LogSeverityScreen/.test(error.hint ?? ''),
    )
  })
  test('an unknown name read out of what was typed (FELIX_NAME, an etcd key): the message names both, the did-you-mean stays', () => {
    const reg = getRegistry()
    assert.throws(
      () => requireParam(reg, 'LOGSEVERITYSCREN', 'FELIX_LOGSEVERITYSCREN'),
      (error: unknown) =>
        error instanceof NotFoundError &&
        error.message === 'unknown Felix 2.0.4 parameter "FELIX_LOGSEVERITYSCREN" (read as the parameter name "LOGSEVERITYSCREN")' &&
        error.hint === 'did you mean LogSeverityScreen?' &&
        error.code === 'unknown-param',
    )
    assert.throws(() => requireParam(reg, 'Nope'), (error: unknown) => error instanceof NotFoundError && error.message === 'unknown Felix 2.0.4 parameter "Nope"')
    assert.equal(requireParam(reg, 'ipinipmtu', 'FELIX_IPINIPMTU').name, 'IpInIpMtu')
  })
})

describe('didYouMean', () => {
  const names = getRegistry().params.map((p) => p.name)
  const rows: [string, readonly string[], string[]][] = [
    ['LogSeverityScren', names, ['LogSeverityScreen']],
    ['logseverityscreen', names, ['LogSeverityScreen']],
    ['EtcdAdr', names, ['EtcdAddr']],
    ['IptablesMarkMaks', names, ['IptablesMarkMask']],
    ['Metadata', names, ['MetadataAddr', 'MetadataPort']],
    ['zzzzzzzz', names, []],
    ['', names, []],
    ['gte', ['get', 'list', 'set'], ['get']],
    ['lst', ['get', 'list', 'set'], ['list']],
    ['LogSeverity', names, ['LogSeveritySys', 'LogSeverityFile', 'LogSeverityScreen']],
    ['2.0.5', SUPPORTED_FELIX_VERSIONS, ['2.0.0', '2.0.1', '2.0.2']],
  ]
  for (const [input, candidates, expected] of rows) {
    test(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => assert.deepEqual(didYouMean(input, candidates), expected))
  }
  test('max limits the list', () => {
    assert.equal(didYouMean('Log', names, 2).length, 2)
    assert.ok(didYouMean('Log', names, 10).every((n) => n.toLowerCase().includes('log')))
  })
  test('editDistance counts a transposition as one edit', () => {
    assert.equal(editDistance('ab', 'ba'), 1)
    assert.equal(editDistance('kitten', 'sitting'), 3)
    assert.equal(editDistance('', 'abc'), 3)
  })
})
