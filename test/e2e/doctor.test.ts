/** End-to-end: felixctl doctor merges the parts and exits with the worst code. */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {cpSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
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
  })
})
