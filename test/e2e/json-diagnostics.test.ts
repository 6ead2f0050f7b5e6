/**
 * Every JSON result carries its diagnostics (issue 13, item 11): what text output writes to
 * stderr (the resolver's diagnostics, warnings and notes) is in the document's `diagnostics`
 * list too, in the shared shape.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli} from '../helpers/cli.js'

let dir: string
let cfg: string
let snap: string
const SHAPE = ['severity', 'code', 'param', 'layer', 'origin', 'message', 'hint']

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'felixctl-json-diag-'))
  cfg = join(dir, 'felix.cfg')
  // A misspelt key: it overrides the env variable (Felix's precedence quirk), a diagnostic in text mode.
  writeFileSync(cfg, '[global]\nlogseverityscreen = DEBUG\n')
  snap = join(dir, 'snapshot.json')
  writeFileSync(snap, JSON.stringify({'/calico/v1/Ready': 'true', '/calico/v1/config/LogSeverityScreen': 'INFO', '/calico/v1/host/node1/config/IpInIpMtu': '1400', '/calico/v1/host/node2/config/IpInIpMtu': '1300'}))
})
after(() => rmSync(dir, {recursive: true, force: true}))

function diagnosticsOf(stdout: string): Record<string, unknown>[] {
  const doc = JSON.parse(stdout) as {diagnostics?: Record<string, unknown>[]}
  assert.ok(Array.isArray(doc.diagnostics), `no diagnostics list in ${stdout.slice(0, 500)}`)
  for (const d of doc.diagnostics) assert.deepEqual(Object.keys(d), SHAPE)
  return doc.diagnostics
}

describe('JSON results carry the diagnostics text output prints', {concurrency: 4}, () => {
  test('config get: a misspelt key overriding an env variable', async () => {
    const env = {FELIX_LOGSEVERITYSCREEN: 'WARNING'}
    const text = await runCli(['config', 'get', 'LogSeverityScreen', '-c', cfg, '--snapshot', snap], {env})
    assert.match(text.stderr, /error: logseverityscreen in .* overrides FELIX_LOGSEVERITYSCREEN/)
    const json = await runCli(['config', 'get', 'LogSeverityScreen', '-c', cfg, '--snapshot', snap, '-o', 'json'], {env})
    assert.equal(json.code, 0, json.stderr)
    const d = diagnosticsOf(json.stdout)
    assert.deepEqual(d.map((x) => [x.severity, x.code, x.param]), [['error', 'non-canonical-override', 'LogSeverityScreen']])
    assert.match(String(d[0].message), /overrides FELIX_LOGSEVERITYSCREEN/)
  })

  // A note every command writes to stderr: the datastore is kubernetes, so there are no etcd layers (none is read).
  const env = {FELIX_DATASTORETYPE: 'kubernetes'}
  const commands: [string, string[], Record<string, string>][] = [
    ['config get', ['config', 'get', 'IpInIpMtu', '-c', cfg], env],
    ['config list', ['config', 'list', '-c', cfg], env],
    ['config validate', ['config', 'validate', '-c', cfg], env],
    ['config set --dry-run', ['config', 'set', 'IpInIpMtu', '1400', '--layer', 'file', '-c', cfg, '--dry-run'], env],
    ['config list --all-hosts', ['config', 'list', '--all-hosts', '-c', cfg], env],
    ['config get --all-hosts', ['config', 'get', 'IpInIpMtu', '--all-hosts', '-c', cfg], env],
  ]
  for (const [what, args, e] of commands) {
    test(`${what}: the stderr notes are in the document`, async () => {
      const r = await runCli([...args, '-o', 'json'], {env: e})
      assert.match(r.stderr, /note: DatastoreType is kubernetes/)
      const d = diagnosticsOf(r.stdout)
      const note = d.find((x) => /DatastoreType is kubernetes/.test(String(x.message)))
      assert.ok(note, JSON.stringify(d))
      assert.equal(note.severity, 'info')
      assert.equal(note.code, 'note')
    })
  }

  test('config diff: the document has a diagnostics list', async () => {
    const r = await runCli(['config', 'diff', '--host', 'node1', '--host', 'node2', '-c', cfg, '--snapshot', snap, '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    diagnosticsOf(r.stdout)
  })
})
