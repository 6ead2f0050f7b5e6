/**
 * The real oslo.config (Debian python3-oslo.config) is the judge: felixctl's reader must
 * see what it sees, rendered and applied files must give the intended values, and
 * Python's configparser must read the rendered snippets too.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import fc from 'fast-check'
import {OsloIniParseError, normalizeOsloSection, parseOsloBool, parseOsloInt, parseOsloIni, parseOsloList, serializeOsloIni} from '../../src/formats/oslo-ini.js'
import {OsloSource, lookupOslo} from '../../src/openstack/sources.js'
import {OPENSTACK_RELEASES, metadataProxyAliases, resolveOpenStackRelease} from '../../src/openstack/releases.js'
import {FILE_KINDS, OpenStackFileKind, requirementsFor} from '../../src/openstack/requirements.js'
import {renderOpenStackFileIni} from '../../src/render/openstack.js'
import {applySettings} from '../../src/services/openstack-apply.js'
import {needTool} from '../helpers/tools.js'

const FIXTURES = new URL('../fixtures/openstack/', import.meta.url)
const ORACLE = new URL('oslo-read.py', FIXTURES).pathname

function findPython(): string | undefined {
  for (const p of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(p, ['-c', 'import oslo_config, configparser'], {encoding: 'utf8'})
    if (r.status === 0) return p
  }
  return undefined
}
const PYTHON = findPython()
const skip = needTool('python3 with oslo_config', 'python3-oslo.config', PYTHON !== undefined)

interface OracleCase {
  files: string[]
  alias?: boolean
}
interface OracleResult {
  error: {file: number; line: number} | null
  sections: Record<string, Record<string, string[]>>[]
  opts: Record<string, unknown>
}

function oracle(cases: OracleCase[]): OracleResult[] {
  const r = spawnSync(PYTHON!, [ORACLE], {input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20})
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

type OptType = 'str' | 'int' | 'bool' | 'list'
const OPTS: {group: string; key: string; type: OptType; def: unknown}[] = [
  {group: 'DEFAULT', key: 'core_plugin', type: 'str', def: null},
  {group: 'DEFAULT', key: 'dhcp_agents_per_network', type: 'int', def: 1},
  {group: 'DEFAULT', key: 'interface_driver', type: 'str', def: null},
  {group: 'DEFAULT', key: 'enabled_apis', type: 'list', def: ['osapi_compute', 'metadata']},
  {group: 'DEFAULT', key: 'service_neutron_metadata_proxy', type: 'bool', def: false},
  {group: 'neutron', key: 'service_metadata_proxy', type: 'bool', def: false},
  {group: 'ml2', key: 'type_drivers', type: 'list', def: null},
  {group: 'ml2', key: 'tenant_network_types', type: 'list', def: ['local']},
  {group: 'ml2', key: 'mechanism_drivers', type: 'list', def: []},
  {group: 'calico', key: 'etcd_host', type: 'str', def: '127.0.0.1'},
  {group: 'calico', key: 'etcd_port', type: 'int', def: 4001},
]

/** The same document as the oracle's, computed by felixctl's reader. */
function felixctlView(c: OracleCase): OracleResult {
  const out: OracleResult = {error: null, sections: [], opts: {}}
  const sources: OsloSource[] = []
  for (const [i, text] of c.files.entries()) {
    try {
      const doc = parseOsloIni(text)
      sources.push({path: `f${i}`, doc})
      const sections: Record<string, Record<string, string[]>> = {}
      for (const s of doc.sections) sections[normalizeOsloSection(s.name)] ??= {}
      for (const a of doc.assignments) (sections[normalizeOsloSection(a.section)][a.key] ??= []).push(a.value)
      out.sections.push(sections)
    } catch (error) {
      if (!(error instanceof OsloIniParseError)) throw error
      out.error = {file: i, line: error.line}
      return out
    }
  }
  for (const o of OPTS) {
    if (c.alias && o.key === 'service_neutron_metadata_proxy') continue
    const names = [{section: o.group, key: o.key}]
    if (c.alias && o.key === 'service_metadata_proxy') names.push({section: 'DEFAULT', key: 'service_neutron_metadata_proxy'})
    const found = lookupOslo(sources, names)
    const name = `${o.group}.${o.key}`
    if (!found) {
      out.opts[name] = o.def
      continue
    }
    const v = found.assignment.value
    const parsed = o.type === 'str' ? v : o.type === 'int' ? parseOsloInt(v) : o.type === 'bool' ? parseOsloBool(v) : parseOsloList(v)
    out.opts[name] = parsed === undefined ? {invalid: true} : parsed
  }
  return out
}

function normaliseInvalid(r: OracleResult): OracleResult {
  const opts = Object.fromEntries(Object.entries(r.opts).map(([k, v]) => [k, v && typeof v === 'object' && 'invalid' in v ? {invalid: true} : v]))
  return {...r, opts}
}

/** The value oslo.config should read for a rendered setting. */
function intended(type: string, value: string): unknown {
  if (type === 'bool') return parseOsloBool(value)
  if (type === 'int') return Number(value)
  if (type === 'list') return value.split(',')
  return value
}

describe('oslo.config agrees with felixctl', {skip}, () => {
  test('rendered files: every kind × every release parses and gives the intended values', () => {
    const cases: OracleCase[] = []
    const expect: {kind: OpenStackFileKind; release: string; settings: {name: string; want: unknown}[]}[] = []
    for (const r of OPENSTACK_RELEASES) {
      for (const kind of FILE_KINDS) {
        const req = requirementsFor(kind, r, {host: '10.0.0.5', port: 2379})
        cases.push({files: [renderOpenStackFileIni(req, r.name)], alias: metadataProxyAliases(r).length > 0})
        expect.push({kind, release: r.name, settings: req.settings.map((s) => ({name: `${s.section}.${s.key}`, want: intended(s.type, s.value)}))})
      }
    }
    const got = oracle(cases)
    for (const [i, e] of expect.entries()) {
      assert.equal(got[i].error, null, `${e.kind} ${e.release}`)
      for (const s of e.settings) assert.deepEqual(got[i].opts[s.name], s.want, `${e.kind} ${e.release} ${s.name}`)
      assert.deepEqual(normaliseInvalid(got[i]), felixctlView(cases[i]))
    }
  })

  test('rendered files read with Python configparser give the intended values', () => {
    const docs = FILE_KINDS.flatMap((kind) => ['Kilo', 'Zed'].map((r) => requirementsFor(kind, resolveOpenStackRelease(r), {host: 'etcd.example', port: 2379, caCertFile: '/etc/calico/ca.pem'})))
    const script = `
import configparser, json, sys
out = []
for text in json.load(sys.stdin):
    p = configparser.ConfigParser(interpolation=None, strict=False)
    p.read_string(text)
    out.append({s: dict(p.items(s, raw=True)) if s != 'DEFAULT' else dict(p.defaults()) for s in ['DEFAULT'] + p.sections()})
json.dump(out, sys.stdout)`
    const r = spawnSync(PYTHON!, ['-c', script], {input: JSON.stringify(docs.map((d) => renderOpenStackFileIni(d, 'X'))), encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
    const got = JSON.parse(r.stdout) as Record<string, Record<string, string>>[]
    for (const [i, d] of docs.entries()) {
      for (const s of d.settings) assert.equal(got[i][s.section]?.[s.key], s.value, `${d.file} ${s.section}.${s.key}`)
    }
  })

  test('applied files: the intended values, and every other value as before', () => {
    const cases: OracleCase[] = []
    const checks: {label: string; settings: ReturnType<typeof requirementsFor>['settings']}[] = []
    const fixtures: Record<OpenStackFileKind, string> = {
      'nova.conf': 'nova.conf.sample', 'neutron.conf': 'neutron.conf', 'ml2_conf.ini': 'ml2_conf.ini', 'dhcp_agent.ini': 'dhcp_agent.ini',
    }
    for (const release of ['Icehouse', 'Kilo', 'Mitaka', 'Zed']) {
      const r = resolveOpenStackRelease(release)
      for (const kind of FILE_KINDS) {
        const text = readFileSync(new URL(fixtures[kind], FIXTURES), 'utf8')
        const req = requirementsFor(kind, r, {host: '10.1.2.3', port: 2379})
        const applied = serializeOsloIni(applySettings(parseOsloIni(text), req.settings).doc)
        cases.push({files: [text], alias: metadataProxyAliases(r).length > 0}, {files: [applied], alias: metadataProxyAliases(r).length > 0})
        checks.push({label: `${kind} ${release}`, settings: req.settings})
      }
    }
    const got = oracle(cases)
    for (const [i, c] of checks.entries()) {
      const before = got[2 * i]
      const after = got[2 * i + 1]
      assert.equal(after.error, null, c.label)
      assert.deepEqual(normaliseInvalid(after), felixctlView(cases[2 * i + 1]), c.label)
      const touched = new Set(c.settings.map((s) => `${s.section}.${s.key}`))
      for (const s of c.settings) {
        const v = after.opts[`${s.section}.${s.key}`]
        if (s.type === 'list') for (const item of s.value.split(',')) assert.ok((v as string[]).includes(item), `${c.label} ${s.key} has ${item}`)
        else if (s.type === 'plugin') assert.ok(v === 'ml2' || v === s.value, c.label)
        else if (s.match === 'at-least') assert.ok((v as number) >= Number(s.value), c.label)
        else assert.deepEqual(v, intended(s.type, s.value), `${c.label} ${s.key}`)
      }
      // Every raw value not set by felixctl is unchanged.
      for (const [section, keys] of Object.entries(before.sections[0])) {
        for (const [key, values] of Object.entries(keys)) {
          if (touched.has(`${section}.${key}`)) continue
          assert.deepEqual(after.sections[0][section][key], values, `${c.label} ${section}.${key}`)
        }
      }
    }
  })

  test('hand-written tricky files', () => {
    const files = [
      '[DEFAULT]\ncore_plugin = ml2  # use ml2\n',
      '[Neutron]\nservice_metadata_proxy = True\n[neutron]\nservice_metadata_proxy = off\n',
      '[default]\ncore_plugin = ml2\n[DEFAULT]\n',
      '[DEFAULT]\ncore_plugin = "ml2"\nenabled_apis = osapi_compute,\n  metadata\n',
      '[DEFAULT]\ndhcp_agents_per_network = 9999\ndhcp_agents_per_network = 1\n',
      '[ml2]\nmechanism_drivers: calico ,openvswitch,\n',
      '[ml2]\ntype_drivers = local\n\n  flat\n',
      '[neutron] # note\nservice_metadata_proxy = False\n',
      '[DEFAULT]\r\ncore_plugin = ml2\r\n  continued\r\n',
      '[calico]\netcd_port = 0x10\netcd_host = \'\'\n',
      '[DEFAULT]\nservice_neutron_metadata_proxy = yes\n[neutron]\nservice_metadata_proxy = no\n',
      '[DEFAULT]\nservice_neutron_metadata_proxy = sure\n',
      '\ufeff[DEFAULT]\n',
      '[DEFAULT]\nk = v\n# comment\n  oops\n',
    ]
    const cases: OracleCase[] = [...files.map((f) => ({files: [f]})), ...files.map((f) => ({files: [f], alias: true})),
      {files: ['[DEFAULT]\ncore_plugin = a\n', '[DEFAULT]\ncore_plugin = ml2\n']},
      {files: ['[neutron]\nservice_metadata_proxy = true\n', '[DEFAULT]\nservice_neutron_metadata_proxy = false\n'], alias: true},
      {files: ['[DEFAULT]\nservice_neutron_metadata_proxy = false\n[neutron]\nservice_metadata_proxy = true\n'], alias: true}]
    const got = oracle(cases)
    for (const [i, c] of cases.entries()) assert.deepEqual(felixctlView(c), normaliseInvalid(got[i]), JSON.stringify(c))
  })

  test('randomised files (fast-check)', () => {
    // Mostly lines that parse, sometimes one that does not (weighted, so most files parse).
    const broken = fc.constantFrom('[neutron] # x', '[]', '[x', '= v', 'novalue', '  # indented')
    const valid = fc.constantFrom(
      '[DEFAULT]', '[default]', '[Neutron]', '[neutron]', '[ml2]', '[ML2]', '[calico]', '[ neutron]',
      'core_plugin = ml2', 'core_plugin=neutron.plugins.ml2.plugin.Ml2Plugin', 'core_plugin: ml2 # c', "core_plugin = 'ml2'", 'core_plugin = "ml2',
      'service_metadata_proxy = True', 'service_metadata_proxy=no', 'service_metadata_proxy = maybe', 'service_neutron_metadata_proxy = 1',
      'mechanism_drivers = calico', 'mechanism_drivers = openvswitch, calico,', 'type_drivers: local,flat', 'tenant_network_types =',
      'dhcp_agents_per_network = 9999', 'dhcp_agents_per_network = 9_999', 'dhcp_agents_per_network = x', 'etcd_port = 2379', 'etcd_host = "h"',
      'enabled_apis = osapi_compute', 'a:b=c', '# comment', '; comment', '#service_metadata_proxy = true', '', '   ', '\t',
      '  flat', '\tmetadata', 'x = y  ', 'key with space = v',
    )
    const fragment = fc.oneof({arbitrary: valid, weight: 30}, {arbitrary: broken, weight: 1})
    const eol = fc.constantFrom('\n', '\r\n', '\r')
    const file = fc.tuple(fc.array(fc.tuple(fragment, eol), {minLength: 1, maxLength: 14}), fc.boolean()).map(([ls, last]) => '[DEFAULT]\n' + ls.map(([l, e], i) => l + (i === ls.length - 1 && !last ? '' : e)).join(''))
    const caseArb = fc.record({files: fc.array(file, {minLength: 1, maxLength: 2}), alias: fc.boolean()})
    const cases = fc.sample(caseArb, {numRuns: 400, seed: 42})
    const got = oracle(cases)
    let parsed = 0
    for (const [i, c] of cases.entries()) {
      assert.deepEqual(felixctlView(c), normaliseInvalid(got[i]), JSON.stringify(c))
      if (!got[i].error) parsed++
    }
    assert.ok(parsed > 150, `enough of the random files parse (${parsed})`)
  })
})
