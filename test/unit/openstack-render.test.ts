import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {openstackRender, parseEtcdPort} from '../../src/services/openstack-render.js'
import {renderOpenStackRender} from '../../src/render/openstack.js'
import {FILE_KINDS} from '../../src/openstack/requirements.js'
import {parseOsloIni, getOsloValue} from '../../src/formats/oslo-ini.js'
import {NotFoundError, UsageError} from '../../src/errors.js'

const GOLDEN = new URL('../fixtures/openstack/golden/', import.meta.url)
// UPDATE_GOLDEN=1 rewrites the golden files; review the diff before committing.
const update = process.env.UPDATE_GOLDEN === '1'

function golden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN)
  if (update || !existsSync(file)) {
    if (!update) assert.fail(`missing golden file ${file.pathname} (run with UPDATE_GOLDEN=1)`)
    mkdirSync(GOLDEN, {recursive: true})
    writeFileSync(file, actual)
  }
  assert.equal(actual, readFileSync(file, 'utf8'))
}

describe('render golden files: every file kind × a pre-Liberty and a current release', () => {
  for (const release of ['kilo', 'zed']) {
    for (const kind of FILE_KINDS) {
      test(`${kind} ${release}`, async () => golden(`${kind}-${release}.ini`, await renderOpenStackRender(openstackRender({file: kind, release}), 'ini')))
    }
    test(`all ${release} with etcd TLS options, as JSON`, async () => {
      const r = openstackRender({file: 'all', release, etcd: {host: 'etcd.example', port: 2379, keyFile: '/etc/calico/key.pem', certFile: '/etc/calico/cert.pem', caCertFile: '/etc/calico/ca.pem'}})
      golden(`all-${release}-tls.json`, await renderOpenStackRender(r, 'json'))
    })
  }
  test('Icehouse names the metadata proxy option [DEFAULT] service_neutron_metadata_proxy', async () => golden('nova.conf-icehouse.ini', await renderOpenStackRender(openstackRender({file: 'nova', release: 'Icehouse'}), 'ini')))
})

describe('render rules', () => {
  const rows: {release: string; file: string; has: string[]; hasNot: string[]}[] = [
    {release: 'havana', file: 'nova.conf', has: ['DEFAULT.service_neutron_metadata_proxy'], hasNot: ['neutron.service_metadata_proxy']},
    {release: 'icehouse', file: 'nova.conf', has: ['DEFAULT.service_neutron_metadata_proxy'], hasNot: ['neutron.service_metadata_proxy']},
    {release: 'juno', file: 'nova.conf', has: ['neutron.service_metadata_proxy'], hasNot: ['DEFAULT.service_neutron_metadata_proxy']},
    {release: 'kilo', file: 'neutron.conf', has: ['DEFAULT.core_plugin', 'DEFAULT.dhcp_agents_per_network'], hasNot: ['calico.etcd_host', 'calico.etcd_port']},
    {release: 'liberty', file: 'neutron.conf', has: ['DEFAULT.core_plugin'], hasNot: ['DEFAULT.dhcp_agents_per_network']},
    {release: 'kilo', file: 'dhcp_agent.ini', has: ['DEFAULT.interface_driver'], hasNot: []},
    {release: 'liberty', file: 'dhcp_agent.ini', has: [], hasNot: ['DEFAULT.interface_driver']},
    {release: '2025.2', file: 'ml2_conf.ini', has: ['ml2.mechanism_drivers', 'ml2.type_drivers', 'ml2.tenant_network_types'], hasNot: []},
  ]
  for (const row of rows) {
    test(`${row.file} ${row.release}`, async () => {
      const text = await renderOpenStackRender(openstackRender({file: row.file, release: row.release}), 'ini')
      const doc = parseOsloIni(text)
      for (const k of row.has) assert.ok(getOsloValue(doc, k.split('.')[0], k.split('.')[1]), `${k} rendered`)
      for (const k of row.hasNot) assert.equal(getOsloValue(doc, k.split('.')[0], k.split('.')[1]), undefined, `${k} not rendered`)
      // oslo.config has no inline comments: every comment is a line of its own.
      for (const a of doc.assignments) assert.doesNotMatch(a.value, /#/)
    })
  }
  test('[calico] options appear when given', () => {
    const r = openstackRender({file: 'neutron.conf', etcd: {host: '127.0.0.1'}})
    assert.deepEqual(r.files[0].settings.filter((s) => s.section === 'calico').map((s) => `${s.key}=${s.value}`), ['etcd_host=127.0.0.1'])
  })
  test('kinds: aliases and comma lists', () => {
    assert.deepEqual(openstackRender({file: 'ml2,nova'}).files.map((f) => f.file), ['ml2_conf.ini', 'nova.conf'])
    assert.equal(openstackRender({file: 'ALL'}).files.length, 4)
    assert.equal(openstackRender({file: 'nova,all'}).files.length, 4)
  })
  test('releases: names any case, YYYY.N numbers, default newest', () => {
    assert.equal(openstackRender({file: 'nova', release: 'KILO'}).release.name, 'Kilo')
    assert.equal(openstackRender({file: 'nova', release: '2023.1'}).release.name, 'Antelope')
    assert.equal(openstackRender({file: 'nova', release: '2024.2 Dalmatian'}).release.name, 'Dalmatian')
    // Yoga and Zed have official numbers too.
    assert.equal(openstackRender({file: 'nova', release: '2022.1'}).release.name, 'Yoga')
    assert.equal(openstackRender({file: 'nova', release: '2022.2-zed'}).release.name, 'Zed')
    assert.equal(openstackRender({file: 'nova'}).release.name, 'Flamingo')
  })
  test('unknown release: NotFoundError with did-you-mean and the list', () => {
    assert.throws(() => openstackRender({file: 'nova', release: 'Kilos'}), (e: unknown) => {
      assert.ok(e instanceof NotFoundError)
      assert.match(e.hint!, /did you mean Kilo/)
      assert.match(e.hint!, /Havana, Icehouse/)
      return true
    })
  })
  test('unknown file kind: NotFoundError with did-you-mean', () => {
    assert.throws(() => openstackRender({file: 'nova.cfg'}), (e: unknown) => e instanceof NotFoundError && /nova\.conf/.test(e.hint!))
  })
  test('ports and values', () => {
    assert.equal(parseEtcdPort('2379'), 2379)
    for (const bad of ['abc', '', '0', '70000', '23 79', '-1']) assert.throws(() => parseEtcdPort(bad), UsageError, bad)
    assert.throws(() => openstackRender({file: 'neutron', etcd: {host: 'a\nb'}}), UsageError)
    assert.throws(() => openstackRender({file: 'neutron', etcd: {host: 'h # c'}}), UsageError)
  })
})
