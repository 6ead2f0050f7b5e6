/**
 * The resolver against docs/reference/felix-2.0-config.md §2–§5, one row per rule.
 * Expected values are written from the reference's text, not from the code.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {resolveFelixConfig, FileLayerInput, DatastoreLayerInput} from '../../src/resolve/resolve.js'
import {getRegistry} from '../../src/params/index.js'
import {FileProbe} from '../../src/params/types.js'
import {RawEntry} from '../../src/layers/types.js'
import {Resolution} from '../../src/resolve/types.js'

const nothingExists: FileProbe = {exists: (p) => p.startsWith('/exists/'), isExecutable: () => false, felixDir: '/nonexistent-felix-dir', pathEnv: ''}

interface Layers {
  env?: Record<string, string>
  file?: Record<string, string> | {failed: string; line: number}
  global?: Record<string, string>
  host?: Record<string, Record<string, string>>
  kubernetes?: boolean
  kernelHostname?: string
  version?: string
}

/** A line number that depends on the key only, so that listing order cannot leak into origins. */
const lineOf = (k: string) => 2 + [...k].reduce((a, c) => a + c.charCodeAt(0), 0)

function run(l: Layers): Resolution {
  const env: RawEntry[] = Object.entries(l.env ?? {}).map(([k, v]) => ({layer: 'env', key: k.toLowerCase().replace(/^felix_/, ''), raw: v, origin: {type: 'env', name: k}}))
  let file: FileLayerInput = {state: 'absent'}
  if (l.file && 'failed' in l.file) file = {state: 'failed', path: '/etc/calico/felix.cfg', message: String(l.file.failed), line: Number(l.file.line)}
  else if (l.file) {
    file = {state: 'loaded', path: '/etc/calico/felix.cfg', entries: Object.entries(l.file).map(([k, v]) => ({layer: 'file', key: k, raw: v, origin: {type: 'file', path: '/etc/calico/felix.cfg', section: 'global', line: lineOf(k)}}))}
  }
  const kvs = [
    ...Object.entries(l.global ?? {}).map(([k, v]) => ({key: `/calico/v1/config/${k}`, value: v})),
    ...Object.entries(l.host ?? {}).flatMap(([h, m]) => Object.entries(m).map(([k, v]) => ({key: `/calico/v1/host/${h}/config/${k}`, value: v}))),
  ]
  const datastore: DatastoreLayerInput = l.kubernetes ? {state: 'kubernetes'} : {state: 'loaded', kvs}
  return resolveFelixConfig({registry: getRegistry(l.version ?? '2.0.4'), kernelHostname: l.kernelHostname ?? 'node1', env, file, datastore, probe: nothingExists})
}

const param = (r: Resolution, name: string) => {
  const p = r.params.find((x) => x.name === name)
  assert.ok(p, `param ${name} in result`)
  return p
}

interface Row {
  name: string
  layers: Layers
  param: string
  value: unknown
  source: string
  raw?: string
  fatal?: {stage: string; param?: string | null; messageIncludes?: string} | null
  ambiguous?: boolean
}

const rows: Row[] = [
  {name: '§3 defaults when no layer sets a parameter', layers: {}, param: 'LogSeverityFile', value: 'INFO', source: 'default', raw: 'INFO', fatal: null},
  {name: '§3 global etcd beats the default', layers: {global: {LogSeverityFile: 'DEBUG'}}, param: 'LogSeverityFile', value: 'DEBUG', source: 'global'},
  {name: '§3 per-host beats global', layers: {global: {LogSeverityFile: 'DEBUG'}, host: {node1: {LogSeverityFile: 'ERROR'}}}, param: 'LogSeverityFile', value: 'ERROR', source: 'host'},
  {name: '§3 another host directory does not apply', layers: {global: {LogSeverityFile: 'DEBUG'}, host: {node2: {LogSeverityFile: 'ERROR'}}}, param: 'LogSeverityFile', value: 'DEBUG', source: 'global'},
  {name: '§3 file beats per-host', layers: {file: {LogSeverityFile: 'WARNING'}, host: {node1: {LogSeverityFile: 'ERROR'}}}, param: 'LogSeverityFile', value: 'WARNING', source: 'file'},
  {name: '§3 env beats a canonically spelt file key', layers: {env: {FELIX_LOGSEVERITYFILE: 'CRITICAL'}, file: {LogSeverityFile: 'WARNING'}}, param: 'LogSeverityFile', value: 'CRITICAL', source: 'env'},
  {name: '§2 oneof is case-insensitive and canonicalised', layers: {global: {LogSeverityFile: 'debug'}}, param: 'LogSeverityFile', value: 'DEBUG', source: 'global', raw: 'debug'},
  {name: '§4 a non-canonical file spelling overrides the environment', layers: {env: {FELIX_LOGSEVERITYSCREEN: 'ERROR'}, file: {logseverityscreen: 'DEBUG'}}, param: 'LogSeverityScreen', value: 'DEBUG', source: 'file'},
  {name: '§4 a non-canonical etcd spelling overrides the file', layers: {file: {LogSeverityScreen: 'ERROR'}, global: {LOGSEVERITYSCREEN: 'DEBUG'}}, param: 'LogSeverityScreen', value: 'DEBUG', source: 'global'},
  {name: '§4 the lowest non-canonical spelling wins over a higher non-canonical one', layers: {file: {logseverityscreen: 'ERROR'}, global: {logseverityscreen: 'DEBUG'}}, param: 'LogSeverityScreen', value: 'DEBUG', source: 'global'},
  {name: '§4 a canonical global key does not beat a non-canonical file key', layers: {file: {logseverityscreen: 'ERROR'}, global: {LogSeverityScreen: 'DEBUG'}}, param: 'LogSeverityScreen', value: 'ERROR', source: 'file'},
  {name: '§4 one layer with two spellings and different values is ambiguous', layers: {file: {LogSeverityScreen: 'ERROR', logseverityscreen: 'DEBUG'}}, param: 'LogSeverityScreen', value: undefined, source: 'file', ambiguous: true},
  {name: '§2 none gives the zero value on a non-NZ parameter', layers: {global: {LogPrefix: 'none'}}, param: 'LogPrefix', value: '', source: 'global', raw: 'none'},
  {name: '§2 NONE in any case', layers: {global: {FailsafeInboundHostPorts: 'NoNe'}}, param: 'FailsafeInboundHostPorts', value: [], source: 'global'},
  {name: '§2 none on an NZ parameter is fatal even without D', layers: {global: {IpInIpMtu: 'none'}}, param: 'IpInIpMtu', value: 1440, source: 'default', fatal: {stage: 'datastore', param: 'IpInIpMtu', messageIncludes: 'Non-zero field cannot be set to none'}},
  {name: '§2 the literal 0 is accepted on an NZ parameter', layers: {global: {IpInIpMtu: '0'}}, param: 'IpInIpMtu', value: 0, source: 'global', fatal: null},
  {name: '§4.4 an invalid non-D value falls back to the default but still wins', layers: {env: {FELIX_IPINIPMTU: 'abc'}, global: {IpInIpMtu: '1400'}}, param: 'IpInIpMtu', value: 1440, source: 'env', raw: 'abc', fatal: null},
  {name: '§2 an empty value is parsed (and fails) like any other', layers: {file: {LogSeverityFile: ''}, global: {LogSeverityFile: 'DEBUG'}}, param: 'LogSeverityFile', value: 'INFO', source: 'file', raw: ''},
  {name: '§4.4 an invalid D value is fatal', layers: {env: {FELIX_INTERFACEPREFIX: 'bad prefix'}}, param: 'InterfacePrefix', value: 'cali', source: 'default', fatal: {stage: 'env', param: 'InterfacePrefix', messageIncludes: 'Failed to parse config parameter InterfacePrefix; value "bad prefix"'}},
  {name: '§4.5 an invalid D value in a shadowed layer is still fatal', layers: {env: {FELIX_INTERFACEPREFIX: 'tap'}, global: {InterfacePrefix: 'bad prefix'}}, param: 'InterfacePrefix', value: 'tap', source: 'env', fatal: {stage: 'datastore', param: 'InterfacePrefix'}},
  {name: '§4.2 local-only from etcd is ignored', layers: {global: {EtcdAddr: '10.0.0.1:2379'}}, param: 'EtcdAddr', value: '127.0.0.1:2379', source: 'default', fatal: null},
  {name: '§4.2 local-only from etcd is ignored even when invalid', layers: {host: {node1: {EtcdScheme: 'ftp'}}}, param: 'EtcdScheme', value: 'http', source: 'default', fatal: null},
  {name: '§1 FelixHostname defaults to the kernel hostname', layers: {kernelHostname: 'k8s-7'}, param: 'FelixHostname', value: 'k8s-7', source: 'default', raw: 'k8s-7'},
  {name: '§3 FelixHostname from env decides the per-host directory', layers: {env: {FELIX_FELIXHOSTNAME: 'node2'}, host: {node1: {IpInIpMtu: '1000'}, node2: {IpInIpMtu: '1300'}}}, param: 'IpInIpMtu', value: 1300, source: 'host'},
  {name: '§3/§5 an invalid FelixHostname becomes "" and start-up fails', layers: {file: {FelixHostname: 'bad host!'}}, param: 'FelixHostname', value: '', source: 'file', fatal: {stage: 'validate', param: 'FelixHostname', messageIncludes: 'Failed to determine hostname'}},
  {name: '§5.6 EtcdScheme none and no endpoints', layers: {file: {EtcdScheme: 'none'}}, param: 'EtcdScheme', value: '', source: 'file', fatal: {stage: 'validate', messageIncludes: 'EtcdEndpoints and EtcdScheme both missing'}},
  {name: '§5.6 the last failing check wins', layers: {file: {EtcdScheme: 'none', EtcdAddr: 'none'}}, param: 'EtcdAddr', value: '', source: 'file', fatal: {stage: 'validate', messageIncludes: 'EtcdEndpoints and EtcdAddr both missing'}},
  {name: '§5.6 validation replaces a datastore-stage error', layers: {file: {FelixHostname: 'bad host!'}, global: {IpInIpMtu: 'none'}}, param: 'FelixHostname', value: '', source: 'file', fatal: {stage: 'validate', messageIncludes: 'Failed to determine hostname'}},
  {name: '§5.6 endpoints make the scheme/addr checks pass', layers: {file: {EtcdScheme: 'none', EtcdEndpoints: 'http://10.0.0.1:2379'}}, param: 'EtcdEndpoints', value: ['http://10.0.0.1:2379/'], source: 'file', fatal: null},
  {name: '§5 a file that fails to load is fatal', layers: {file: {failed: 'unclosed section', line: 3}}, param: 'LogSeverityFile', value: 'INFO', source: 'default', fatal: {stage: 'file-load', messageIncludes: ':3:'}},
  {name: '§5 a fatal env value stops before the file', layers: {env: {FELIX_CHAININSERTMODE: 'sideways'}, file: {LogSeverityFile: 'DEBUG'}}, param: 'LogSeverityFile', value: 'INFO', source: 'default', fatal: {stage: 'env', param: 'ChainInsertMode'}},
  {name: '§5 a fatal file value stops before etcd', layers: {file: {DropActionOverride: 'REJECT'}, global: {LogSeverityFile: 'DEBUG'}}, param: 'LogSeverityFile', value: 'INFO', source: 'default', fatal: {stage: 'file', param: 'DropActionOverride'}},
  {name: '§5.5 the per-host fatal is the one reported when both fail', layers: {global: {DefaultEndpointToHostAction: 'nope'}, host: {node1: {ChainInsertMode: 'nope'}}}, param: 'ChainInsertMode', value: 'insert', source: 'default', fatal: {stage: 'datastore', param: 'ChainInsertMode'}},
  {name: '§3 kubernetes: the etcd layers do not exist', layers: {kubernetes: true, env: {FELIX_DATASTORETYPE: 'kubernetes'}}, param: 'DatastoreType', value: 'kubernetes', source: 'env', fatal: null},
  {name: '§1 ChainInsertMode is unknown in 2.0.0', layers: {version: '2.0.0', global: {ChainInsertMode: 'append'}}, param: 'LogSeverityFile', value: 'INFO', source: 'default', fatal: null},
]

describe('resolveFelixConfig: reference rules', () => {
  for (const row of rows) {
    test(row.name, () => {
      const r = run(row.layers)
      const p = param(r, row.param)
      if (row.value !== undefined) assert.deepEqual(p.value, row.value)
      assert.equal(p.source, row.source)
      if (row.raw !== undefined) assert.equal(p.raw, row.raw)
      if (row.ambiguous !== undefined) assert.equal(p.ambiguous, row.ambiguous)
      if (row.fatal === null) assert.equal(r.fatal, null, `unexpected fatal ${JSON.stringify(r.fatal)}`)
      else if (row.fatal) {
        assert.ok(r.fatal, 'expected a fatal error')
        assert.equal(r.fatal.stage, row.fatal.stage)
        if (row.fatal.param !== undefined) assert.equal(r.fatal.param, row.fatal.param)
        if (row.fatal.messageIncludes) assert.ok(r.fatal.message.includes(row.fatal.messageIncludes), r.fatal.message)
      }
    })
  }
})

describe('resolveFelixConfig: provenance and diagnostics', () => {
  test('statuses of every layer entry', () => {
    const r = run({env: {FELIX_IPINIPMTU: 'abc'}, file: {IpInIpMtu: '1300'}, global: {IpInIpMtu: '1400', EtcdAddr: 'x:1'}})
    const p = param(r, 'IpInIpMtu')
    assert.deepEqual(p.layers.map((l) => [l.layer, l.status]), [['env', 'invalid-default'], ['file', 'shadowed'], ['global', 'shadowed']])
    assert.equal(param(r, 'EtcdAddr').layers[0].status, 'ignored')
    assert.ok(r.diagnostics.some((d) => d.code === 'local-only-in-etcd' && d.param === 'EtcdAddr'))
    assert.ok(r.diagnostics.some((d) => d.code === 'invalid-value' && d.param === 'IpInIpMtu' && d.layer === 'env'))
  })
  test('a shadowed fatal value is reported as shadowed-fatal', () => {
    const r = run({env: {FELIX_INTERFACEPREFIX: 'tap'}, global: {InterfacePrefix: 'bad prefix'}})
    const p = param(r, 'InterfacePrefix')
    assert.deepEqual(p.layers.map((l) => l.status), ['effective', 'fatal'])
    assert.ok(r.diagnostics.some((d) => d.code === 'shadowed-fatal' && d.layer === 'global'))
  })
  test('unknown keys are kept per spelling, highest layer first, with a did-you-mean', () => {
    const r = run({env: {FELIX_LOGSEVERITYFIEL: 'a'}, file: {logseverityfiel: 'b', Foo: 'c'}, global: {Foo: 'd'}})
    const byName = Object.fromEntries(r.unknown.map((u) => [u.name, [u.raw, u.source]]))
    assert.deepEqual(byName, {logseverityfiel: ['a', 'env'], Foo: ['c', 'file']})
    const d = r.diagnostics.find((x) => x.code === 'unknown-param' && x.layer === 'env')
    assert.ok(d?.hint?.includes('LogSeverityFile'), d?.hint ?? 'no hint')
  })
  test('after an env-stage fatal, unknown keys are still listed, the highest layer\'s per spelling', () => {
    const r = run({env: {FELIX_INTERFACEPREFIX: 'a b', FELIX_FOO: '1'}, file: {foo: '2', Bar: '3'}})
    assert.equal(r.fatal?.stage, 'env')
    assert.deepEqual(r.unknown.map((u) => [u.name, u.raw, u.source]), [['foo', '1', 'env'], ['Bar', '3', 'file']])
  })
  test('several fatal values in one layer: felixctl says map order picks the one Felix reports', () => {
    const r = run({env: {FELIX_INTERFACEPREFIX: 'a b', FELIX_METADATAPORT: 'x'}})
    assert.equal(r.fatal?.stage, 'env')
    assert.ok(r.diagnostics.some((d) => d.code === 'fatal-map-order' && /InterfacePrefix/.test(d.message) && /MetadataPort/.test(d.message)))
  })
  test('after a file-stage fatal, values are those of the env pass (nothing half-applied)', () => {
    const r = run({env: {FELIX_CHAININSERTMODE: 'append'}, file: {EndpointReportingDelaySecs: 'inf', InterfacePrefix: 'a b'}})
    assert.equal(r.fatal?.stage, 'file')
    assert.deepEqual([param(r, 'ChainInsertMode').value, param(r, 'ChainInsertMode').source], ['append', 'env'])
    assert.deepEqual([param(r, 'EndpointReportingDelaySecs').value, param(r, 'EndpointReportingDelaySecs').source], [1, 'default'])
  })
  test('a file-load failure names its location once', () => {
    const r = run({file: {failed: '/etc/calico/felix.cfg:3: unclosed section: [x', line: 3}})
    assert.equal(r.fatal?.message, '/etc/calico/felix.cfg:3: unclosed section: [x')
  })
  test('names and values are lower-cased as Go does it (İ -> i, no final sigma)', async () => {
    const {goToLower} = await import('../../src/params/kinds.js')
    assert.equal(goToLower('İNSERT'), 'insert')
    assert.equal(goToLower('ΑΣ'), 'ασ')
    assert.equal(goToLower('LogSeverityFile'), 'logseverityfile')
    const r = run({env: {FELIX_CHAININSERTMODE: 'İNSERT'}, file: {'İpInIpMtu': '1400'}})
    assert.equal(r.fatal, null)
    assert.equal(param(r, 'ChainInsertMode').value, 'insert')
    assert.deepEqual([param(r, 'IpInIpMtu').value, param(r, 'IpInIpMtu').source], [1400, 'file'])
  })
  test('a non-canonical override is explained', () => {
    const r = run({env: {FELIX_LOGSEVERITYSCREEN: 'ERROR'}, file: {logseverityscreen: 'DEBUG'}})
    assert.ok(r.diagnostics.some((d) => d.code === 'non-canonical-override' && d.param === 'LogSeverityScreen'))
  })
  test('the per-host directory is the resolved FelixHostname, and datastore settings come from env + file', () => {
    const r = run({env: {FELIX_FELIXHOSTNAME: 'n9', FELIX_ETCDSCHEME: 'https'}, file: {EtcdAddr: 'etcd:4001', EtcdCaFile: '/exists/ca.pem'}})
    assert.equal(r.host, 'n9')
    assert.deepEqual(r.datastore, {type: 'etcdv2', endpoints: ['https://etcd:4001'], keyFile: '', certFile: '', caFile: '/exists/ca.pem'})
  })
  test('an empty FelixHostname merges every host directory (§3)', () => {
    const r = run({file: {FelixHostname: 'bad host!'}, host: {a: {IpInIpMtu: '1000'}}})
    assert.equal(param(r, 'IpInIpMtu').value, 1000)
    assert.equal(param(r, 'IpInIpMtu').source, 'host')
  })
  test('the result does not depend on the order keys are listed in', () => {
    const a = run({file: {LogSeverityScreen: 'ERROR', IpInIpMtu: '1300', Foo: 'x'}, global: {IpInIpMtu: 'none', LogPrefix: 'p'}})
    const b = run({file: {Foo: 'x', IpInIpMtu: '1300', LogSeverityScreen: 'ERROR'}, global: {LogPrefix: 'p', IpInIpMtu: 'none'}})
    assert.deepEqual(a, b)
  })
})
