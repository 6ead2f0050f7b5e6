/** The config commands against a TLS etcd, connecting with Felix's own settings; same answers as a snapshot. */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli} from '../helpers/cli.js'
import {EtcdInstance, startEtcd} from '../helpers/etcd.js'

const DATA: Record<string, string> = {
  '/calico/v1/Ready': 'true',
  '/calico/v1/config/LogSeverityFile': 'warning',
  '/calico/v1/config/IpInIpMtu': '1400',
  '/calico/v1/host/node1/config/IpInIpMtu': 'bad',
  '/calico/v1/host/node1/config/EtcdScheme': 'http',
}

let etcd: EtcdInstance
let dir: string
let snapshot: string

before(async () => {
  etcd = await startEtcd({tls: true})
  dir = mkdtempSync(join(tmpdir(), 'felixctl-tls-'))
  writeFileSync(join(dir, 'none.cfg'), '') // an explicitly named config file must exist
  snapshot = join(dir, 'snap.json')
  writeFileSync(snapshot, JSON.stringify(DATA))
  for (const [k, v] of Object.entries(DATA)) {
    const r = await etcd.v2('PUT', k, v)
    assert.ok(r.status < 300, `seed ${k}: ${r.status}`)
  }
})
after(async () => {
  await etcd?.stop()
  rmSync(dir, {recursive: true, force: true})
})

describe('TLS etcd', () => {
  test('felixctl connects with Felix\'s own TLS settings (env) and matches the snapshot', async () => {
    const felixEnv = {FELIX_ETCDENDPOINTS: etcd.clientUrl, FELIX_ETCDCAFILE: etcd.caFile!, FELIX_ETCDCERTFILE: etcd.certFile!, FELIX_ETCDKEYFILE: etcd.keyFile!}
    const args = ['config', 'list', '--host', 'node1', '-c', join(dir, 'none.cfg'), '-o', 'json']
    const live = await runCli(args, {env: felixEnv})
    const snap = await runCli([...args, '--snapshot', snapshot], {env: felixEnv})
    assert.equal(live.code, 0, live.stderr)
    assert.equal(snap.code, 0, snap.stderr)
    const strip = (s: string) => {
      const {readFrom: _r, ...rest} = JSON.parse(s)
      return rest
    }
    assert.deepEqual(strip(live.stdout), strip(snap.stdout))
    const doc = JSON.parse(live.stdout)
    assert.equal(doc.datastore.caFile, etcd.caFile)
    assert.equal(doc.params.find((p: {name: string}) => p.name === 'IpInIpMtu').source, 'host')
  })

  test('a key file that does not exist: exit 6 naming the file, key contents never printed', async () => {
    const r = await runCli(['config', 'get', 'LogSeverityFile', '-c', join(dir, 'none.cfg'), '--etcd-endpoints', etcd.clientUrl, '--etcd-ca-file', etcd.caFile!, '--etcd-cert-file', etcd.certFile!, '--etcd-key-file', join(dir, 'missing.key')])
    assert.equal(r.code, 6, r.stderr)
    assert.match(r.stderr, /missing\.key/)
  })

  test('the wrong CA: exit 5 naming the endpoint', async () => {
    const wrong = join(dir, 'wrong-ca.pem')
    // A self-signed certificate that did not sign the server's.
    writeFileSync(wrong, (await import('node:fs')).readFileSync(etcd.certFile!))
    const r = await runCli(['config', 'get', 'LogSeverityFile', '-c', join(dir, 'none.cfg'), '--etcd-endpoints', etcd.clientUrl, '--etcd-ca-file', wrong, '--etcd-cert-file', etcd.certFile!, '--etcd-key-file', etcd.keyFile!, '--etcd-timeout', '3s'])
    assert.equal(r.code, 5, r.stderr)
    assert.ok(r.stderr.includes(etcd.clientUrl.replace(/\/$/, '')), r.stderr)
    assert.doesNotMatch(r.stderr + r.stdout, /PRIVATE KEY/)
  })
})
