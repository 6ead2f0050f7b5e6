/**
 * Secrets (issue 10): the contents of TLS key files and credentials given through FELIXCTL_*
 * variables (or flags) never appear in felixctl's output, diagnostics or errors, also with
 * FELIXCTL_DEBUG=1, on success and on every kind of failure. Against a real TLS etcd.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli, type CliResult} from '../helpers/cli.js'
import {closedPort, makeCerts, startEtcd, type CertSet, type EtcdInstance} from '../helpers/etcd.js'

let etcd: EtcdInstance
let certs: CertSet
let other: CertSet
let tmp: string
const PASSWORD = 'S3cretPassw0rd-felixctl'
const MARKER = 'TOPSECRETKEYMATERIAL'

/** Every distinctive piece of a PEM private key: its base64 lines (longer than 16 characters). */
function secretPieces(pemFile: string): string[] {
  return readFileSync(pemFile, 'utf8').split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))
}

function assertNoSecrets(r: CliResult, secrets: string[], what: string): void {
  const all = r.stdout + r.stderr
  for (const s of secrets) assert.ok(!all.includes(s), `${what}: a secret (${s.slice(0, 8)}...) appears in the output:\n${all.slice(0, 3000)}`)
  assert.doesNotMatch(all, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, `${what}: a PEM private key header in the output`)
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'felixctl-secrets-'))
  writeFileSync(join(tmp, 'no-felix.cfg'), '') // an explicitly named config file must exist
  certs = await makeCerts()
  other = await makeCerts()
  etcd = await startEtcd({tls: true, certs})
  const put = await etcd.v2('PUT', '/calico/v1/Ready', 'true')
  assert.ok(put.status < 300, put.body)
  await etcd.v2('PUT', '/calico/v1/config/LogSeverityFile', 'WARNING')
  await etcd.etcdctl(['put', '/calico/v1/Ready', 'true'])
})

after(async () => {
  await etcd?.stop()
  for (const d of [tmp, certs?.dir, other?.dir]) if (d) rmSync(d, {recursive: true, force: true})
})

const base = () => ['-c', join(tmp, 'no-felix.cfg'), '--host', 'node1', '--etcd-timeout', '3s']

describe('TLS key material never appears in output', () => {
  const secrets = () => [...secretPieces(certs.clientKeyFile), ...secretPieces(certs.serverKeyFile), ...secretPieces(other.clientKeyFile)]

  for (const driver of ['etcdv2', 'etcdv3']) {
    test(`${driver}: success, table and JSON, flags and FELIXCTL_* variables`, async () => {
      const flags = ['--datastore-type', driver, '--etcd-endpoints', etcd.clientUrl, '--etcd-ca-file', certs.caFile, '--etcd-cert-file', certs.clientCertFile, '--etcd-key-file', certs.clientKeyFile]
      for (const args of [
        ['config', 'get', 'LogSeverityFile', ...base(), ...flags],
        ['config', 'get', 'EtcdKeyFile', ...base(), ...flags, '-o', 'json'],
        ['config', 'list', ...base(), ...flags, '-o', 'json'],
      ]) {
        const r = await runCli(args)
        assert.equal(r.code, 0, r.stderr)
        assertNoSecrets(r, secrets(), args.slice(0, 3).join(' '))
      }
      const viaEnv = await runCli(['config', 'list', ...base(), '-o', 'yaml'], {
        env: {FELIXCTL_DATASTORE_TYPE: driver, FELIXCTL_ETCD_ENDPOINTS: etcd.clientUrl, FELIXCTL_ETCD_CA_FILE: certs.caFile, FELIXCTL_ETCD_CERT_FILE: certs.clientCertFile, FELIXCTL_ETCD_KEY_FILE: certs.clientKeyFile},
      })
      assert.equal(viaEnv.code, 0, viaEnv.stderr)
      assertNoSecrets(viaEnv, secrets(), 'FELIXCTL_* variables')
    })

    test(`${driver}: failures (untrusted client, key that does not match, not a key, a certificate as the key) name the file, never its contents`, async () => {
      const notAKey = join(tmp, `not-a-key-${driver}.pem`)
      writeFileSync(notAKey, `-----BEGIN PRIVATE KEY-----\n${MARKER}${MARKER}${MARKER}\n-----END PRIVATE KEY-----\n`)
      const cases: Array<{what: string; key: string; cert?: string; codes: number[]}> = [
        {what: 'a key that does not match the certificate', key: other.clientKeyFile, codes: [5, 6]},
        {what: 'a client certificate the server does not trust', key: other.clientKeyFile, cert: other.clientCertFile, codes: [5]},
        {what: 'a file that is not a key', key: notAKey, codes: [5, 6]},
        {what: 'the CA certificate as the key', key: certs.caFile, codes: [5, 6]},
      ]
      for (const c of cases) {
        for (const debug of ['0', '1']) {
          const r = await runCli(
            ['config', 'get', 'LogSeverityFile', ...base(), '--datastore-type', driver, '--etcd-endpoints', etcd.clientUrl, '--etcd-ca-file', certs.caFile, '--etcd-cert-file', c.cert ?? certs.clientCertFile, '--etcd-key-file', c.key],
            {env: {FELIXCTL_DEBUG: debug}},
          )
          assert.ok(c.codes.includes(r.code ?? -1), `${c.what} (debug ${debug}): exit ${r.code}\n${r.stderr}`)
          assertNoSecrets(r, [...secrets(), MARKER], `${c.what} (debug ${debug})`)
        }
      }
    })
  }
})

describe('credentials in FELIXCTL_* variables and flags never appear in output', () => {
  test('a password in an etcd endpoint URL is not echoed in errors (flag and FELIXCTL_ETCD_ENDPOINTS, both drivers, debug on)', async () => {
    const port = await closedPort()
    const url = `https://felix:${PASSWORD}@127.0.0.1:${port}`
    for (const driver of ['etcdv2', 'etcdv3']) {
      for (const via of ['flag', 'env']) {
        const args = ['config', 'get', 'LogSeverityFile', ...base(), '--datastore-type', driver, ...(via === 'flag' ? ['--etcd-endpoints', url] : [])]
        const r = await runCli(args, {env: {FELIXCTL_DEBUG: '1', ...(via === 'env' ? {FELIXCTL_ETCD_ENDPOINTS: url} : {})}})
        assert.ok(r.code === 5 || r.code === 2, `${driver} via ${via}: exit ${r.code}\n${r.stderr}`)
        assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), `${driver} via ${via}: the password appears:\n${r.stderr}`)
      }
    }
  })

  // Felix's endpoint kind rejects a URL with user info, so Felix (and felixctl) fall back to the default endpoint.
  test('a password in EtcdEndpoints from felix.cfg is not echoed in the connection error', async () => {
    const port = await closedPort()
    const cfg = join(tmp, 'felix-with-password.cfg')
    writeFileSync(cfg, `[global]\nEtcdEndpoints = http://felix:${PASSWORD}@127.0.0.1:${port}\n`)
    const r = await runCli(['config', 'get', 'LogSeverityFile', '-c', cfg, '--host', 'node1', '--etcd-timeout', '2s'])
    assert.equal(r.code, 5, r.stderr)
    assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), `the password appears:\n${r.stderr}`)
  })
})
