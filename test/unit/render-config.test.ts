/** Exact output of the config renderers, for a fixed resolution (table, wide, JSON). */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {resolveFelixConfig} from '../../src/resolve/resolve.js'
import {getRegistry} from '../../src/params/index.js'
import {FileProbe} from '../../src/params/types.js'
import {renderConfigGet, renderConfigList, formatValue, formatOrigin} from '../../src/render/config.js'
import {ConfigGetResult, ConfigListResult} from '../../src/services/config-query.js'

const probe: FileProbe = {exists: () => false, isExecutable: () => false, felixDir: '/x', pathEnv: ''}

function resolution() {
  return resolveFelixConfig({
    registry: getRegistry('2.0.4'),
    kernelHostname: 'node1',
    env: [{layer: 'env', key: 'ipinipmtu', raw: 'abc', origin: {type: 'env', name: 'FELIX_IPINIPMTU'}}],
    file: {state: 'loaded', path: '/etc/calico/felix.cfg', entries: [{layer: 'file', key: 'LogSeverityScreen', raw: 'warning', origin: {type: 'file', path: '/etc/calico/felix.cfg', section: 'global', line: 3}}]},
    datastore: {state: 'loaded', kvs: [{key: '/calico/v1/config/IpInIpMtu', value: '1400'}, {key: '/calico/v1/host/node1/config/LogSeverityScreen', value: 'DEBUG'}]},
    probe,
  })
}

const readFrom = {kind: 'snapshot' as const, endpoints: ['s.json'], ready: 'true'}
const hostSel = {kernelHostname: 'node1', fromFlag: true, directory: 'node1', setBy: null, localLayers: 'applied' as const, note: null}

describe('config renderers', () => {
  test('config get, table', async () => {
    const r = resolution()
    const res: ConfigGetResult = {param: r.params.find((p) => p.name === 'LogSeverityScreen')!, keys: {host: '/calico/v1/host/node1/config/LogSeverityScreen', global: '/calico/v1/config/LogSeverityScreen'}, fatal: r.fatal, host: r.host, hostSelection: hostSel, datastoreRead: readFrom, warnings: [], resolution: r}
    assert.equal(
      await renderConfigGet(res, 'table'),
      [
        'Name:      LogSeverityScreen',
        'Value:     WARNING',
        'Source:    file',
        'Origin:    /etc/calico/felix.cfg:3 [global]',
        'Etcd keys: /calico/v1/host/node1/config/LogSeverityScreen, /calico/v1/config/LogSeverityScreen',
        '',
        'LAYER   RAW         STATUS      NOTE',
        'file    "warning"   effective',
        'host    "DEBUG"     shadowed    shadowed by LogSeverityScreen in /etc/calico/felix.cfg:3',
        '',
      ].join('\n'),
    )
  })

  test('config get, JSON: the parameter object with fatal and its diagnostics (and the warnings) as members', async () => {
    const r = resolution()
    const res: ConfigGetResult = {param: r.params.find((p) => p.name === 'IpInIpMtu')!, keys: {host: null, global: null}, fatal: r.fatal, host: r.host, hostSelection: hostSel, datastoreRead: readFrom, warnings: ['note: a note'], resolution: r}
    const doc = JSON.parse(await renderConfigGet(res, 'json'))
    assert.deepEqual(doc, {
      name: 'IpInIpMtu',
      value: 1440,
      raw: 'abc',
      source: 'env',
      origin: {type: 'env', name: 'FELIX_IPINIPMTU'},
      ambiguous: false,
      layers: [
        {layer: 'env', key: 'ipinipmtu', raw: 'abc', status: 'invalid-default', message: 'Failed to parse config parameter IpInIpMtu; value "abc": invalid int; Felix uses the default, and this layer still hides lower ones', origin: {type: 'env', name: 'FELIX_IPINIPMTU'}},
        {layer: 'global', key: 'IpInIpMtu', raw: '1400', status: 'shadowed', message: 'shadowed by FELIX_IPINIPMTU', origin: {type: 'etcd', key: '/calico/v1/config/IpInIpMtu'}},
      ],
      fatal: null,
      hostDirectory: {name: 'node1', kernelHostname: 'node1', kernelHostnameFrom: '--host', setBy: null, localLayers: 'applied', note: null},
      diagnostics: [
        {
          severity: 'error', code: 'invalid-value', param: 'IpInIpMtu', layer: 'env', origin: {type: 'env', name: 'FELIX_IPINIPMTU'},
          message: 'Failed to parse config parameter IpInIpMtu; value "abc": invalid int (in the environment): Felix replaces it with the default', hint: 'fix or remove FELIX_IPINIPMTU',
        },
        {severity: 'info', code: 'note', param: null, layer: null, origin: null, message: 'a note', hint: null},
      ],
    })
  })

  test('config list --changed, table', async () => {
    const res: ConfigListResult = {resolution: resolution(), hostSelection: hostSel, datastoreRead: readFrom, warnings: [], changedOnly: true}
    assert.equal(
      await renderConfigList(res, 'table'),
      [
        'NAME                VALUE     SOURCE   ORIGIN',
        'LogSeverityScreen   WARNING   file     /etc/calico/felix.cfg:3 [global]',
        'IpInIpMtu           1440      env      env FELIX_IPINIPMTU',
        '',
        "FelixHostname (per-host keys): node1   Felix's datastore: etcdv2 http://127.0.0.1:2379   read: snapshot s.json",
        '',
      ].join('\n'),
    )
  })

  const values: [Parameters<typeof formatValue>[0], string][] = [
    [null, '<nil>'],
    [[], '[]'],
    [[22, 80], '22,80'],
    ['', '""'],
    [Infinity, '+Inf'],
    [Number.NaN, 'NaN'],
    [true, 'true'],
  ]
  for (const [v, s] of values) test(`formatValue(${JSON.stringify(v)})`, () => assert.equal(formatValue(v), s))

  test('formatOrigin for every origin type', () => {
    assert.equal(formatOrigin({type: 'env', name: 'FELIX_X'}), 'env FELIX_X')
    assert.equal(formatOrigin({type: 'env', name: 'FELIX_X', path: '/e', line: 2}), 'FELIX_X (/e:2)')
    assert.equal(formatOrigin({type: 'file', path: '/f', section: 's', line: 4}), '/f:4 [s]')
    assert.equal(formatOrigin({type: 'etcd', key: '/calico/v1/config/X'}), '/calico/v1/config/X')
    assert.equal(formatOrigin({type: 'default'}), 'default')
  })
})
