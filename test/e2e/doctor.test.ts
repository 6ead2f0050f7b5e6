/** End-to-end: felixctl doctor merges the parts and exits with the worst code. */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {cpSync, existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type AddressInfo, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {REPO_ROOT, runCli} from '../helpers/cli.js'

let dir: string
let root: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'felixctl-doctor-'))
  writeFileSync(join(dir, 'none.cfg'), '') // an explicitly named config file must exist
  root = join(dir, 'root')
  cpSync(join(REPO_ROOT, 'test/fixtures/sysctl/debian-fresh'), root, {recursive: true, verbatimSymlinks: true})
})
after(() => rmSync(dir, {recursive: true, force: true}))

describe('doctor', () => {
  test('problems in config and sysctl: exit 3, a fix per finding, JSON merges the parts', async () => {
    const r = await runCli(['doctor', '--host', 'node2', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json', '--root', root, '-o', 'json'])
    assert.equal(r.code, 3, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.exitCode, 3)
    assert.equal(doc.config.exitCode, 3)
    assert.equal(doc.datastore.exitCode, 0)
    assert.equal(doc.sysctl.exitCode, 3)
    assert.ok(doc.config.result.problems.length > 0)
    assert.ok(doc.findings.some((f: {part: string; fix: string | null}) => f.part === 'sysctl' && f.fix?.startsWith('felixctl sysctl apply')))
    assert.ok(doc.findings.some((f: {part: string; code: string}) => f.part === 'config' && f.code === 'felix-would-not-start'))
  })
  test('after sysctl apply and with a clean config, everything passes (exit 0)', async () => {
    const a = await runCli(['sysctl', 'apply', '--root', root, '--yes'])
    assert.equal(a.code, 0, a.stdout + a.stderr)
    // The boot-order trap is a warning: load the module at boot too.
    writeFileSync(join(root, 'etc/modules-load.d/nf_conntrack.conf'), 'nf_conntrack\n')
    const snap = join(dir, 'clean.json')
    writeFileSync(snap, '{"/calico/v1/Ready": "true"}')
    const r = await runCli(['doctor', '--host', 'n1', '-c', join(dir, 'none.cfg'), '--snapshot', snap, '--root', root])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /All checks passed/)
  })
  test('an unreachable etcd makes the worst code 5, and local checks still run', async () => {
    const r = await runCli(['doctor', '--host', 'n1', '-c', 'examples/felix.cfg', '--etcd-endpoints', 'http://127.0.0.1:1', '--etcd-timeout', '1s', '--root', root, '-o', 'json'])
    assert.equal(r.code, 5, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.datastore.exitCode, 5)
    assert.ok(doc.config.result.problems.some((p: {code: string}) => p.code === 'datastore-unavailable'))
    // The config was not checked against etcd: not "ok".
    assert.equal(doc.config.exitCode, 5)
    assert.equal(doc.config.result.status, 'not-checked')
  })

  test('a hung etcd is read once (one timeout for the whole run), and config is not reported ok', async () => {
    // Accepts connections and never answers: every read attempt is one connection that times out.
    let connections = 0
    const sockets: Socket[] = []
    const server = createServer((s) => (connections++, sockets.push(s)))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as AddressInfo).port
      const r = await runCli(['doctor', '--host', 'n1', '-c', 'examples/felix.cfg', '--etcd-endpoints', `http://127.0.0.1:${port}`, '--etcd-timeout', '1s', '--root', root])
      assert.equal(r.code, 5, r.stderr)
      assert.match(r.stdout, /^config +exit 5$/m)
      assert.match(r.stdout, /^datastore +exit 5$/m)
      assert.equal(connections, 1)
    } finally {
      for (const s of sockets) s.destroy()
      server.close()
    }
  })

  test('--openstack with no file found is not a pass', async () => {
    const r = await runCli(['doctor', '--host', 'node2', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json', '--root', root, '--openstack', '-o', 'json'])
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.openstack.exitCode, 3)
    assert.equal(doc.openstack.result.status, 'not-checked')
    assert.ok(doc.findings.some((f: {code: string}) => f.code === 'not-checked'))
  })
})

describe('a check that could not look says so and does not exit 0', () => {
  test('config validate --allow-partial without etcd: NOT CHECKED, exit 5', async () => {
    const r = await runCli(['config', 'validate', '--host', 'n1', '-c', 'examples/felix.cfg', '--etcd-endpoints', 'http://127.0.0.1:1', '--etcd-timeout', '1s', '--allow-partial'])
    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stdout, /NOT CHECKED/)
    assert.doesNotMatch(r.stdout, /\bOK\b/)
    const j = await runCli(['config', 'validate', '--host', 'n1', '-c', 'examples/felix.cfg', '--etcd-endpoints', 'http://127.0.0.1:1', '--etcd-timeout', '1s', '--allow-partial', '-o', 'json'])
    assert.equal(j.code, 5, j.stderr)
    assert.equal(JSON.parse(j.stdout).status, 'not-checked')
  })

  const openstackHere = ['/etc/nova/nova.conf', '/etc/neutron/neutron.conf', '/etc/neutron/plugins/ml2/ml2_conf.ini', '/etc/neutron/dhcp_agent.ini'].some((p) => existsSync(p))
  test('openstack check with none of the files present: not checked, exit 3', {skip: openstackHere ? 'an OpenStack file exists at its usual location here' : false}, async () => {
    const r = await runCli(['openstack', 'check', '-o', 'json'])
    assert.equal(r.code, 3, r.stderr)
    assert.equal(JSON.parse(r.stdout).status, 'not-checked')
    const t = await runCli(['openstack', 'check'])
    assert.equal(t.code, 3)
    assert.match(t.stdout, /not checked/)
  })

  test('the worst code follows the documented order: a usage error (2) is not hidden behind a finding (3)', async () => {
    // The fixture itself (doctor only reads it): a fresh Debian host, below the recommendation.
    const r = await runCli(['doctor', '--host', 'a b', '-c', join(dir, 'none.cfg'), '--snapshot', 'examples/snapshot.json', '--root', 'test/fixtures/sysctl/debian-fresh', '-o', 'json'])
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.config.exitCode, 2)
    assert.equal(doc.sysctl.exitCode, 3)
    assert.equal(doc.exitCode, 2)
    assert.equal(r.code, 2, r.stderr)
  })
})
