/**
 * calicoctl's own settings (ETCD_* variables, calicoctl.cfg) reach a TLS etcd where Felix's are
 * absent, and `datastore status` names the source of each part (text and JSON). Temp files only:
 * `--calicoctl-config ''` keeps /etc/calico/calicoctl.cfg out of the tests that use the variables.
 */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli} from '../helpers/cli.js'
import {EtcdInstance, closedPort, startEtcd} from '../helpers/etcd.js'

let etcd: EtcdInstance
let dir: string
let noCfg: string
let calicoctlCfg: string

before(async () => {
  etcd = await startEtcd({tls: true})
  dir = mkdtempSync(join(tmpdir(), 'felixctl-calicoctl-'))
  noCfg = join(dir, 'felix.cfg')
  writeFileSync(noCfg, '')
  calicoctlCfg = join(dir, 'calicoctl.cfg')
  writeFileSync(
    calicoctlCfg,
    `apiVersion: v1\nkind: calicoApiConfig\nmetadata:\nspec:\n  datastoreType: "etcdv2"\n  etcdEndpoints: "${etcd.clientUrl}"\n  etcdCACertFile: ${etcd.caFile}\n  etcdCertFile: ${etcd.certFile}\n  etcdKeyFile: ${etcd.keyFile}\n`,
  )
  const r = await etcd.v2('PUT', '/calico/v1/config/LogSeverityFile', 'DEBUG')
  assert.ok(r.status < 300)
})
after(async () => {
  await etcd?.stop()
  rmSync(dir, {recursive: true, force: true})
})

// Nothing from the runner's own environment decides where felixctl connects.
const CLEAR = {ETCD_ENDPOINTS: undefined, ETCD_AUTHORITY: undefined, ETCD_SCHEME: undefined, ETCD_CA_CERT_FILE: undefined, ETCD_CERT_FILE: undefined, ETCD_KEY_FILE: undefined}

describe("calicoctl's settings where Felix's are absent", () => {
  test('calicoctl.cfg: status connects and names spec.<field> of the file for each part (JSON)', async () => {
    const r = await runCli(['datastore', 'status', '-c', noCfg, '--calicoctl-config', calicoctlCfg, '-o', 'json'], {env: CLEAR})
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.reachable, true)
    assert.deepEqual(doc.connection.endpoints, {value: [etcd.clientUrl], origin: {source: 'calicoctl-file', name: 'spec.etcdEndpoints', path: calicoctlCfg}})
    assert.deepEqual(doc.connection.caFile, {value: etcd.caFile, origin: {source: 'calicoctl-file', name: 'spec.etcdCACertFile', path: calicoctlCfg}})
    assert.equal(doc.connection.certFile.origin.name, 'spec.etcdCertFile')
    assert.equal(doc.connection.keyFile.origin.name, 'spec.etcdKeyFile')
  })

  test('calicoctl.cfg also serves config get (one place decides the connection)', async () => {
    const r = await runCli(['config', 'get', 'LogSeverityFile', '-c', noCfg, '--calicoctl-config', calicoctlCfg, '-o', 'json'], {env: CLEAR})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).source, 'global')
  })

  test('ETCD_* variables when there is no calicoctl.cfg (text output names each variable)', async () => {
    const env = {...CLEAR, ETCD_ENDPOINTS: etcd.clientUrl, ETCD_CA_CERT_FILE: etcd.caFile!, ETCD_CERT_FILE: etcd.certFile!, ETCD_KEY_FILE: etcd.keyFile!}
    const r = await runCli(['datastore', 'status', '-c', noCfg, '--calicoctl-config', ''], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Endpoints from: +env ETCD_ENDPOINTS\n/)
    assert.match(r.stdout, new RegExp(`CA file: +${etcd.caFile!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(from env ETCD_CA_CERT_FILE\\)`))
    assert.match(r.stdout, /Client key: +.* \(from env ETCD_KEY_FILE\)/)
    assert.match(r.stdout, /Reachable: +yes/)
  })

  test('a calicoctl.cfg that exists hides the ETCD_* variables, as in calicoctl', async () => {
    const env = {...CLEAR, ETCD_ENDPOINTS: `http://127.0.0.1:${await closedPort()}`}
    const r = await runCli(['datastore', 'status', '-c', noCfg, '--calicoctl-config', calicoctlCfg, '-o', 'json'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).connection.endpoints.origin.source, 'calicoctl-file')
  })

  test("Felix's own settings win over calicoctl's; a flag over Felix's; FELIXCTL_ variables are named", async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`
    const felix = await runCli(['datastore', 'status', '-c', noCfg, '--calicoctl-config', calicoctlCfg, '-o', 'json'], {env: {...CLEAR, FELIX_ETCDENDPOINTS: dead}})
    assert.equal(felix.code, 5, felix.stderr)
    const fdoc = JSON.parse(felix.stdout)
    assert.deepEqual(fdoc.connection.endpoints.origin, {source: 'felix', name: 'FELIX_ETCDENDPOINTS'})
    // The TLS files Felix does not set still come from calicoctl.cfg.
    assert.equal(fdoc.connection.caFile.origin.source, 'calicoctl-file')

    const flag = await runCli(['datastore', 'status', '-c', noCfg, '--calicoctl-config', calicoctlCfg, '--etcd-endpoints', etcd.clientUrl, '-o', 'json'], {env: {...CLEAR, FELIX_ETCDENDPOINTS: dead}})
    assert.equal(flag.code, 0, flag.stderr)
    assert.deepEqual(JSON.parse(flag.stdout).connection.endpoints.origin, {source: 'flag', name: '--etcd-endpoints'})

    const viaEnv = await runCli(['datastore', 'status', '-c', noCfg, '--calicoctl-config', calicoctlCfg, '-o', 'json'], {env: {...CLEAR, FELIX_ETCDENDPOINTS: dead, FELIXCTL_ETCD_ENDPOINTS: etcd.clientUrl}})
    assert.equal(viaEnv.code, 0, viaEnv.stderr)
    assert.deepEqual(JSON.parse(viaEnv.stdout).connection.endpoints.origin, {source: 'felixctl-env', name: 'FELIXCTL_ETCD_ENDPOINTS'})
  })

  test('no setting anywhere: the default, named as such', async () => {
    const r = await runCli(['datastore', 'status', '-c', noCfg, '--calicoctl-config', '', '--etcd-timeout', '1s', '-o', 'json'], {env: CLEAR})
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(doc.connection.endpoints.origin, {source: 'default', name: 'EtcdScheme://EtcdAddr'})
    assert.equal(doc.connection.caFile, null)
  })
})
