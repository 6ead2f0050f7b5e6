import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {openstackCheck} from '../../src/services/openstack-check.js'
import {renderOpenStackCheck} from '../../src/render/openstack.js'
import {LocalIoError} from '../../src/errors.js'
import type {OpenStackFileKind} from '../../src/openstack/requirements.js'

const GOOD: Record<OpenStackFileKind, string> = {
  'nova.conf': '[DEFAULT]\nenabled_apis = osapi_compute,metadata\n',
  'neutron.conf': '[DEFAULT]\ncore_plugin = ml2\ndhcp_agents_per_network = 9999\n',
  'ml2_conf.ini': '[ml2]\ntype_drivers = local, flat\ntenant_network_types = local,flat\nmechanism_drivers = calico\n',
  'dhcp_agent.ini': '[DEFAULT]\ninterface_driver = neutron.agent.linux.interface.RoutedInterfaceDriver\n',
}

interface Row {
  name: string
  release: string
  files: Partial<Record<OpenStackFileKind, string>>
  /** Extra files under <file>.d/ (name -> text) for nova.conf / neutron.conf. */
  confd?: Partial<Record<OpenStackFileKind, Record<string, string>>>
  /** Expected findings other than info: "severity code file:line". */
  want: string[]
  ok: boolean
}

const rows: Row[] = [
  {name: 'all good, Kilo', release: 'kilo', files: GOOD, want: [], ok: true},
  {name: 'all good, Zed (the old interface driver is now a warning)', release: 'zed', files: GOOD, want: ['warning dhcp-interface-driver-obsolete dhcp_agent.ini:2'], ok: true},
  {name: 'Zed: metadata proxy on', release: 'zed', files: {'nova.conf': '[DEFAULT]\n[neutron]\nservice_metadata_proxy = True\n'}, want: ['error metadata-proxy-enabled nova.conf:3'], ok: false},
  {name: '[Neutron] section is [neutron]; yes is true', release: 'zed', files: {'nova.conf': '[Neutron]\nservice_metadata_proxy = yes\n'}, want: ['error metadata-proxy-enabled nova.conf:2'], ok: false},
  {name: 'last occurrence wins', release: 'zed', files: {'nova.conf': '[neutron]\nservice_metadata_proxy = True\nservice_metadata_proxy = False\n'}, want: [], ok: true},
  {name: 'Zed ignores the old spelling: warning only', release: 'zed', files: {'nova.conf': '[DEFAULT]\nservice_neutron_metadata_proxy = True\n'}, want: ['warning metadata-proxy-ignored-spelling nova.conf:2'], ok: true},
  {name: 'Icehouse reads the old spelling', release: 'icehouse', files: {'nova.conf': '[DEFAULT]\nservice_neutron_metadata_proxy = 1\n'}, want: ['error metadata-proxy-enabled nova.conf:2'], ok: false},
  {name: 'Icehouse ignores [neutron] service_metadata_proxy', release: 'icehouse', files: {'nova.conf': '[neutron]\nservice_metadata_proxy = on\n'}, want: ['warning metadata-proxy-ignored-spelling nova.conf:2'], ok: true},
  {name: 'Kilo honours the deprecated alias', release: 'kilo', files: {'nova.conf': '[DEFAULT]\nservice_neutron_metadata_proxy = true\n'}, want: ['error metadata-proxy-enabled nova.conf:2'], ok: false},
  {name: 'Kilo: the new name wins over the alias', release: 'kilo', files: {'nova.conf': '[DEFAULT]\nservice_neutron_metadata_proxy = true\n[neutron]\nservice_metadata_proxy = false\n'}, want: [], ok: true},
  {name: 'not a boolean', release: 'zed', files: {'nova.conf': '[neutron]\nservice_metadata_proxy = True # on\n'}, want: ['error metadata-proxy-invalid nova.conf:2'], ok: false},
  {name: 'metadata API not enabled: a warning', release: 'zed', files: {'nova.conf': '[DEFAULT]\nenabled_apis = osapi_compute\n'}, want: ['warning metadata-api-not-enabled nova.conf:2'], ok: true},
  {name: "the page's ML2Plugin", release: 'zed', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = neutron.plugins.ml2.plugin.ML2Plugin\n'}, want: ['error core-plugin-page-spelling neutron.conf:2'], ok: false},
  {name: 'core_plugin class path is fine', release: 'zed', files: {'neutron.conf': "[DEFAULT]\ncore_plugin = 'neutron.plugins.ml2.plugin.Ml2Plugin'\n"}, want: [], ok: true},
  {name: 'core_plugin with an inline comment', release: 'zed', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = ml2 # ML2\n'}, want: ['error core-plugin-not-ml2 neutron.conf:2'], ok: false},
  {name: 'core_plugin missing', release: 'zed', files: {'neutron.conf': '[DEFAULT]\n'}, want: ['error core-plugin-missing neutron.conf'], ok: false},
  {name: 'core_plugin only in [default]', release: 'zed', files: {'neutron.conf': '[default]\ncore_plugin = ml2\n'}, want: ['warning ignored-section neutron.conf:2', 'error core-plugin-missing neutron.conf'], ok: false},
  {name: 'Kilo needs dhcp_agents_per_network', release: 'kilo', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = ml2\n'}, want: ['error dhcp-agents-per-network neutron.conf'], ok: false},
  {name: 'Kilo: dhcp_agents_per_network too low', release: 'kilo', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = ml2\ndhcp_agents_per_network = 3\n'}, want: ['error dhcp-agents-per-network neutron.conf:3'], ok: false},
  {name: 'Kilo: dhcp_agents_per_network not an int', release: 'kilo', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = ml2\ndhcp_agents_per_network = lots\n'}, want: ['error dhcp-agents-per-network-invalid neutron.conf:3'], ok: false},
  {name: 'Liberty does not need dhcp_agents_per_network', release: 'liberty', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = ml2\n'}, want: [], ok: true},
  {name: '[calico] etcd_port not an int', release: 'zed', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = ml2\n[calico]\netcd_port = two\n'}, want: ['error calico-etcd-port-invalid neutron.conf:4'], ok: false},
  {name: 'ml2 lists compared as lists', release: 'zed', files: {'ml2_conf.ini': '[ML2]\ntype_drivers = vlan ,flat,local\ntenant_network_types = flat,\n  local\nmechanism_drivers = openvswitch,calico\n'}, want: [], ok: true},
  {name: 'ml2 lists missing items', release: 'zed', files: {'ml2_conf.ini': '[ml2]\ntype_drivers = flat\ntenant_network_types = vxlan\nmechanism_drivers = openvswitch\n'}, want: ['error ml2-type-drivers ml2_conf.ini:2', 'error ml2-tenant-network-types ml2_conf.ini:3', 'error ml2-mechanism-drivers ml2_conf.ini:4'], ok: false},
  {name: 'ml2 lists unset', release: 'zed', files: {'ml2_conf.ini': '[ml2]\n'}, want: ['warning ml2-type-drivers ml2_conf.ini', 'error ml2-tenant-network-types ml2_conf.ini', 'error ml2-mechanism-drivers ml2_conf.ini'], ok: false},
  {name: "Kilo: the page's short driver name", release: 'kilo', files: {'dhcp_agent.ini': '[DEFAULT]\ninterface_driver = RoutedInterfaceDriver\n'}, want: ['error dhcp-interface-driver dhcp_agent.ini:2'], ok: false},
  {name: 'a file oslo.config cannot read', release: 'zed', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = ml2\n[calico] # etcd\n'}, want: ['error file-unparsable neutron.conf:3'], ok: false},
  {
    name: 'conf.d overrides the main file', release: 'zed',
    files: {'nova.conf': '[neutron]\nservice_metadata_proxy = false\n'},
    confd: {'nova.conf': {'10-a.conf': '[neutron]\nservice_metadata_proxy = true\n', '20-b.txt': '[neutron]\nservice_metadata_proxy = false\n'}},
    want: ['error metadata-proxy-enabled 10-a.conf:2'], ok: false,
  },
  {
    name: 'conf.d files in name order, the last wins', release: 'zed',
    files: {'neutron.conf': '[DEFAULT]\ncore_plugin = neutron.plugins.ml2.plugin.ML2Plugin\n'},
    confd: {'neutron.conf': {'20-b.conf': '[DEFAULT]\ncore_plugin = ml2\n', '10-a.conf': '[DEFAULT]\ncore_plugin = other\n'}},
    want: [], ok: true,
  },
]

function setUp(row: Row): Partial<Record<OpenStackFileKind, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'felixctl-os-check-'))
  const paths: Partial<Record<OpenStackFileKind, string>> = {}
  for (const [kind, text] of Object.entries(row.files) as [OpenStackFileKind, string][]) {
    const p = join(dir, kind)
    writeFileSync(p, text)
    paths[kind] = p
  }
  for (const [kind, files] of Object.entries(row.confd ?? {}) as [OpenStackFileKind, Record<string, string>][]) {
    mkdirSync(join(dir, `${kind}.d`))
    for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, `${kind}.d`, n), t)
  }
  return paths
}

describe('openstack check: one row per requirement', () => {
  for (const row of rows) {
    test(row.name, () => {
      const r = openstackCheck({release: row.release, paths: setUp(row)})
      const got = r.findings.filter((f) => f.severity !== 'info' && !f.file.startsWith('/etc/')).map((f) => `${f.severity} ${f.code} ${f.file.split('/').pop()}${f.line !== null ? `:${f.line}` : ''}`)
      assert.deepEqual(got.sort(), [...row.want].sort())
      assert.equal(r.ok, row.ok)
      for (const f of r.findings) {
        assert.ok(f.fix.length > 0 && f.message.length > 0, 'every finding says what to do')
        assert.deepEqual(f.hint, f.fix)
      }
    })
  }
  test('the inline-comment hint', () => {
    const r = openstackCheck({release: 'zed', paths: setUp({name: '', release: 'zed', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = ml2 # ML2\n'}, want: [], ok: false})})
    assert.match(r.findings.find((f) => f.code === 'core-plugin-not-ml2')!.message, /no inline comments/)
  })
  test("the page's localhost is pointed out", () => {
    const r = openstackCheck({release: 'zed', paths: setUp({name: '', release: 'zed', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = ml2\n[calico]\netcd_host = localhost\n'}, want: [], ok: true})})
    assert.match(r.findings.find((f) => f.code === 'calico-etcd-option')!.message, /code default is 127\.0\.0\.1/)
  })
  test('a password is never printed', async () => {
    const r = openstackCheck({release: 'zed', paths: setUp({name: '', release: 'zed', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = ml2\n[calico]\netcd_password = hunter2\n'}, want: [], ok: true})})
    assert.doesNotMatch(JSON.stringify(r), /hunter2/)
    assert.doesNotMatch(await renderOpenStackCheck(r, 'table'), /hunter2/)
  })
  test('a named file that does not exist: LocalIoError', () => {
    assert.throws(() => openstackCheck({paths: {'nova.conf': '/nonexistent/nova.conf'}}), LocalIoError)
  })
  test('binary file: file-unparsable without a line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'felixctl-os-check-'))
    writeFileSync(join(dir, 'ml2_conf.ini'), Buffer.from([0, 1, 2, 0xff]))
    const r = openstackCheck({paths: {'ml2_conf.ini': join(dir, 'ml2_conf.ini')}})
    const f = r.findings.find((x) => x.code === 'file-unparsable')!
    assert.equal(f.line, null)
    assert.match(f.message, /not a text file/)
    assert.equal(r.ok, false)
  })
  test('JSON shape', async () => {
    const r = openstackCheck({release: 'zed', paths: setUp({name: '', release: 'zed', files: {'neutron.conf': '[DEFAULT]\ncore_plugin = neutron.plugins.ml2.plugin.ML2Plugin\n'}, want: [], ok: false})})
    const doc = JSON.parse(await renderOpenStackCheck(r, 'json'))
    const f = doc.findings.find((x: {code: string}) => x.code === 'core-plugin-page-spelling')
    assert.deepEqual(Object.keys(f).sort(), ['code', 'file', 'fix', 'hint', 'layer', 'line', 'message', 'origin', 'param', 'section', 'severity'])
    assert.deepEqual(f.origin, {type: 'file', path: f.file, section: 'DEFAULT', line: 2})
    assert.equal(f.param, 'core_plugin')
    assert.equal(doc.ok, false)
    assert.deepEqual(Object.keys(doc).sort(), ['exitCode', 'files', 'findings', 'ok', 'release', 'status', 'summary'])
  })
})
