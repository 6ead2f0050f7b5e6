import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'
import {openstackApply} from '../../src/services/openstack-apply.js'
import {CheckFailedError, LocalIoError, NotFoundError, UsageError} from '../../src/errors.js'

const hasPatch = spawnSync('patch', ['--version']).status === 0
const FIX = new URL('../fixtures/openstack/', import.meta.url)
const fixture = (name: string) => readFileSync(new URL(name, FIX), 'utf8')

function tmpFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'felixctl-os-apply-'))
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}

/** The lines a diff removes and adds, in order (no headers, no context). */
function changedLines(diff: string): string[] {
  return diff.split('\n').filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l))
}

/** A deployed nova.conf: the sample with a few options set, one of them repeated. */
function deployedNova(): string {
  return fixture('nova.conf.sample')
    .replace('#debug = false\n', '#debug = false\ndebug = true\ndebug = false\n')
    .replace('#service_metadata_proxy = false\n', '#service_metadata_proxy = false\nservice_metadata_proxy = True\n')
    .replace('[vnc]\n', '[vnc]\nenabled = true\n')
}

describe('apply on large realistic files: only the intended lines change, a second apply is a no-op', () => {
  const rows: {name: string; file: string; fixture: () => string; release: string; etcd?: {host?: string; port?: number}; changed: string[]}[] = [
    {
      name: 'pristine sample nova.conf (3400 lines), Zed: the key goes under its commented sample line',
      file: 'nova.conf', fixture: () => fixture('nova.conf.sample'), release: 'zed',
      changed: [
        "+# Calico (felixctl): Calico serves metadata from the Nova metadata API on each compute node, with no Neutron proxy (False is the default; Zed reads it as [neutron] service_metadata_proxy).",
        '+service_metadata_proxy = False',
      ],
    },
    {
      name: 'deployed nova.conf with the proxy on, Zed: one line changes',
      file: 'nova.conf', fixture: deployedNova, release: 'zed',
      changed: ['-service_metadata_proxy = True', '+service_metadata_proxy = False'],
    },
    {
      name: 'sample nova.conf, Icehouse: the [DEFAULT] spelling',
      file: 'nova.conf', fixture: () => fixture('nova.conf.sample'), release: 'icehouse',
      changed: [
        "+# Calico (felixctl): Calico serves metadata from the Nova metadata API on each compute node, with no Neutron proxy (False is the default; Icehouse reads it as [DEFAULT] service_neutron_metadata_proxy).",
        '+service_neutron_metadata_proxy = False',
      ],
    },
    {
      name: 'neutron.conf, Kilo, with an etcd host: change core_plugin, add dhcp_agents_per_network, append [calico]',
      file: 'neutron.conf', fixture: () => fixture('neutron.conf'), release: 'kilo', etcd: {host: '10.0.0.5', port: 2379},
      changed: [
        '-core_plugin = neutron.plugins.openvswitch.ovs_neutron_plugin.OVSNeutronPluginV2',
        '+core_plugin = neutron.plugins.ml2.plugin.Ml2Plugin',
        "+# Calico (felixctl): Before Liberty every compute node's DHCP agent must serve every network: allow unlimited DHCP agents per network.",
        '+dhcp_agents_per_network = 9999',
        '+',
        '+[calico]',
        '+# Calico (felixctl): The hostname or IP of the etcd node or proxy the Calico mechanism driver uses (the seed page says the default is localhost; the code says 127.0.0.1).',
        '+etcd_host = 10.0.0.5',
        '+# Calico (felixctl): The etcd port the Calico mechanism driver uses (the default was 4001 in the Calico 2.x era, 2379 later).',
        '+etcd_port = 2379',
      ],
    },
    {
      name: 'ml2_conf.ini: lists keep their items and gain Calico\'s',
      file: 'ml2_conf.ini', fixture: () => fixture('ml2_conf.ini'), release: 'zed',
      changed: [
        '-type_drivers = flat,vlan, gre,vxlan',
        '+type_drivers = flat,vlan, gre,vxlan, local',
        '-tenant_network_types = vxlan',
        '+tenant_network_types = vxlan,local,flat',
        '-mechanism_drivers = openvswitch,',
        '-\tl2population',
        '+mechanism_drivers = openvswitch,l2population,calico',
      ],
    },
    {
      name: 'dhcp_agent.ini, Kilo: the routed interface driver',
      file: 'dhcp_agent.ini', fixture: () => fixture('dhcp_agent.ini'), release: 'kilo',
      changed: ['-interface_driver = neutron.agent.linux.interface.OVSInterfaceDriver', '+interface_driver = neutron.agent.linux.interface.RoutedInterfaceDriver'],
    },
    {name: 'dhcp_agent.ini, Zed: nothing to set', file: 'dhcp_agent.ini', fixture: () => fixture('dhcp_agent.ini'), release: 'zed', changed: []},
  ]
  for (const row of rows) {
    test(row.name, () => {
      const original = row.fixture()
      const path = tmpFile(row.file, original)
      const dry = openstackApply({file: row.file, path, release: row.release, etcd: row.etcd, dryRun: true})
      assert.deepEqual(changedLines(dry.diff), row.changed)
      assert.equal(readFileSync(path, 'utf8'), original, 'dry run writes nothing')
      const first = openstackApply({file: row.file, path, release: row.release, etcd: row.etcd})
      assert.equal(first.changed, row.changed.length > 0)
      assert.equal(first.written, row.changed.length > 0)
      assert.equal(first.diff, dry.diff)
      // Every line outside the diff is byte for byte the same: patch(1) undoes the diff exactly.
      const after = readFileSync(path, 'utf8')
      if (hasPatch && first.diff) {
        const r = spawnSync('patch', ['-R', '-s', '-o', '-', path], {input: first.diff, encoding: 'utf8', maxBuffer: 16 << 20})
        assert.equal(r.status, 0, r.stderr)
        assert.equal(r.stdout, original)
      }
      const second = openstackApply({file: row.file, path, release: row.release, etcd: row.etcd})
      assert.equal(second.changed, false, 'second apply changes nothing')
      assert.equal(second.written, false)
      assert.equal(second.diff, '')
      assert.equal(readFileSync(path, 'utf8'), after)
    })
  }
})

describe('apply: files and failures', () => {
  test('keeps the mode, writes a backup, leaves no temp files', () => {
    const path = tmpFile('neutron.conf', fixture('neutron.conf'))
    chmodSync(path, 0o640)
    const r = openstackApply({file: 'neutron.conf', path, release: 'zed', backup: true})
    assert.equal(r.written, true)
    assert.equal(statSync(path).mode & 0o777, 0o640)
    assert.equal(r.backupPath, `${path}.bak`)
    assert.equal(readFileSync(`${path}.bak`, 'utf8'), fixture('neutron.conf'))
    assert.deepEqual(readdirSync(join(path, '..')).sort(), ['neutron.conf', 'neutron.conf.bak'])
  })
  test('a missing file: LocalIoError with a hint about --create, nothing written', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'felixctl-os-apply-')), 'ml2_conf.ini')
    assert.throws(() => openstackApply({file: 'ml2', path}), (e: unknown) => e instanceof LocalIoError && /--create/.test(e.hint!))
    assert.equal(existsSync(path), false)
  })
  test('--create makes a file with only Calico settings', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'felixctl-os-apply-')), 'ml2_conf.ini')
    const r = openstackApply({file: 'ml2', path, create: true})
    assert.equal(r.created, true)
    assert.equal(readFileSync(path, 'utf8'), [
      '[ml2]',
      "# Calico (felixctl): Allow 'local' and 'flat' networks.",
      'type_drivers = local,flat',
      "# Calico (felixctl): Allow 'local' and 'flat' networks for tenants.",
      'tenant_network_types = local,flat',
      '# Calico (felixctl): Use the Calico mechanism driver.',
      'mechanism_drivers = calico',
      '',
    ].join('\n'))
  })
  const refused: {name: string; content: string | Buffer; message: RegExp}[] = [
    {name: 'a header with a trailing comment', content: '[DEFAULT]\ncore_plugin = ml2\n[calico] # etcd\n', message: /:3: Invalid section/},
    {name: 'a binary file', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), message: /not a text file/},
    {name: 'an assignment before any section', content: 'core_plugin = ml2\n', message: /Section must be started/},
  ]
  for (const row of refused) {
    test(`refuses ${row.name}: exit 3, nothing written`, () => {
      const path = tmpFile('neutron.conf', '')
      writeFileSync(path, row.content)
      assert.throws(() => openstackApply({file: 'neutron.conf', path}), (e: unknown) => e instanceof CheckFailedError && row.message.test(e.message))
      assert.deepEqual(readFileSync(path), Buffer.from(row.content))
    })
  }
  test('unknown release and kind: NotFoundError before touching the file', () => {
    const path = tmpFile('nova.conf', '[DEFAULT]\n')
    assert.throws(() => openstackApply({file: 'nova.conf', path, release: 'Folsom'}), NotFoundError)
    assert.throws(() => openstackApply({file: 'keystone.conf', path}), NotFoundError)
    assert.equal(readFileSync(path, 'utf8'), '[DEFAULT]\n')
  })
  test('the kind: "all" is a usage error that does not suggest itself; a kind-named path needs no --file', () => {
    const path = tmpFile('nova.conf', '[DEFAULT]\n')
    assert.throws(() => openstackApply({file: 'all', path}), (e: unknown) => e instanceof UsageError && !/did you mean/.test(e.hint!) && /render all/.test(e.hint!))
    assert.throws(() => openstackApply({file: 'al', path}), (e: unknown) => e instanceof NotFoundError && !/\ball\b/.test(e.hint!))
    const r = openstackApply({file: path, dryRun: true})
    assert.deepEqual([r.file, r.path], ['nova.conf', path])
    // A bare kind without --file, or a path whose name is no kind, says what to give.
    assert.throws(() => openstackApply({file: 'nova.conf'}), (e: unknown) => e instanceof UsageError && /--file/.test(e.message))
    assert.throws(() => openstackApply({file: join(path, '..', 'nova-compute.conf')}), (e: unknown) => e instanceof NotFoundError && /--file/.test(e.hint!))
    assert.equal(readFileSync(path, 'utf8'), '[DEFAULT]\n')
  })
  test('a value already right in another accepted spelling is left alone', () => {
    const text = '[DEFAULT]\ncore_plugin = ml2\n[neutron]\nservice_metadata_proxy = no\n'
    for (const file of ['neutron.conf', 'nova.conf']) {
      const path = tmpFile(file, text)
      assert.equal(openstackApply({file, path, release: 'liberty'}).changed, false, file)
    }
  })
  test('conf.d overrides are not edited, and apply says so', () => {
    const path = tmpFile('nova.conf', '[DEFAULT]\n')
    mkdirSync(`${path}.d`)
    writeFileSync(join(`${path}.d`, '50-proxy.conf'), '[neutron]\nservice_metadata_proxy = true\n')
    const r = openstackApply({file: 'nova.conf', path})
    assert.ok(r.notes.some((n) => n.includes('nova.conf.d holds 1 file')))
    assert.equal(readFileSync(join(`${path}.d`, '50-proxy.conf'), 'utf8'), '[neutron]\nservice_metadata_proxy = true\n')
  })
})
