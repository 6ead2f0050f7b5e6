/** End-to-end: config set | unset | validate on the file and env layers (etcd layers: test/integration). */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli} from '../helpers/cli.js'

let dir: string
let emptySnap: string
let n = 0
const file = (name: string, text: string) => {
  const p = join(dir, `${n++}-${name}`)
  writeFileSync(p, text)
  return p
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'felixctl-write-'))
  writeFileSync(join(dir, 'none.cfg'), '') // an explicitly named config file must exist
  emptySnap = join(dir, 'empty.json')
  writeFileSync(emptySnap, '{"/calico/v1/Ready": "true"}')
})
after(() => rmSync(dir, {recursive: true, force: true}))

const REALISTIC = `# Felix configuration
[global]
# etcd
EtcdEndpoints = http://10.0.0.1:2379

; logging below
[log]
LogSeverityScreen = INFO   # inline comment
logseverityscreen = ERROR
`

describe('config set --layer file', () => {
  test('changes the key in place, keeps comments, mode; set then get round-trips', async () => {
    const cfg = file('felix.cfg', REALISTIC)
    chmodSync(cfg, 0o640)
    const r = await runCli(['config', 'set', 'EtcdEndpoints', 'http://10.0.0.2:2379', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(readFileSync(cfg, 'utf8'), REALISTIC.replace('http://10.0.0.1:2379', 'http://10.0.0.2:2379'))
    assert.equal(statSync(cfg).mode & 0o777, 0o640)
    const g = await runCli(['config', 'get', 'EtcdEndpoints', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1', '-o', 'json'])
    const doc = JSON.parse(g.stdout)
    assert.deepEqual(doc.value, ['http://10.0.0.2:2379/'])
    assert.equal(doc.source, 'file')
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp') || f.includes('.lock')), [])
  })

  test('a non-canonical duplicate is reported, and removed only with --fix-spelling', async () => {
    const cfg = file('felix.cfg', REALISTIC)
    const r1 = await runCli(['config', 'set', 'LogSeverityScreen', 'WARNING', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1', '-o', 'json'])
    // logseverityscreen (lower-case) overrides the canonical key: the write could not take effect.
    assert.equal(r1.code, 3, r1.stderr)
    assert.match(r1.stderr, /shadowed by another spelling/)
    assert.equal(readFileSync(cfg, 'utf8'), REALISTIC)
    const r2 = await runCli(['config', 'set', 'LogSeverityScreen', 'WARNING', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1', '--fix-spelling', '-o', 'json'])
    assert.equal(r2.code, 0, r2.stderr)
    assert.equal(JSON.parse(r2.stdout).after.value, 'WARNING')
    assert.doesNotMatch(readFileSync(cfg, 'utf8'), /^logseverityscreen/m)
  })

  test('invalid values are refused with exit 3 and nothing is written', async () => {
    const cfg = file('felix.cfg', REALISTIC)
    for (const [name, value] of [['IpInIpMtu', 'abc'], ['IpInIpMtu', 'none'], ['LogSeverityFile', 'LOUD'], ['LogPrefix', 'a\nb'], ['IptablesMarkMask', '0x1']]) {
      const r = await runCli(['config', 'set', name, value, '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1'])
      assert.equal(r.code, 3, `${name}=${JSON.stringify(value)}: ${r.stderr}`)
      assert.ok(r.stderr.includes(name), r.stderr)
      assert.equal(readFileSync(cfg, 'utf8'), REALISTIC)
    }
  })

  test('a write a higher layer or another spelling shadows: exit 3, nothing written; --force writes it with a warning', async () => {
    const text = '[global]\nlogseverityfile = DEBUG\n'
    const cases: {name: string; cfg: string; env?: Record<string, string>; by: RegExp}[] = [
      {name: 'lower-case spelling in the file', cfg: file('felix.cfg', text), by: /shadowed by another spelling in the same layer \(.*felix\.cfg:2\).*stays "DEBUG"/},
      {name: 'an env variable', cfg: file('felix.cfg', '[global]\n'), env: {FELIX_LOGSEVERITYFILE: 'DEBUG'}, by: /shadowed by the environment \(FELIX_LOGSEVERITYFILE\).*stays "DEBUG"/},
    ]
    for (const c of cases) {
      const before = readFileSync(c.cfg, 'utf8')
      const args = ['config', 'set', 'LogSeverityFile', 'INFO', '--layer', 'file', '-c', c.cfg, '--snapshot', emptySnap, '--host', 'n1']
      const r = await runCli(args, {env: c.env})
      assert.equal(r.code, 3, `${c.name}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, c.by, c.name)
      assert.match(r.stderr, /nothing was written/)
      assert.doesNotMatch(r.stdout, /after:/)
      assert.equal(readFileSync(c.cfg, 'utf8'), before, c.name)
      const f = await runCli([...args, '--force', '-o', 'json'], {env: c.env})
      assert.equal(f.code, 0, `${c.name}: ${f.stderr}`)
      assert.match(f.stderr, /shadowed .*written anyway: --force/)
      const doc = JSON.parse(f.stdout)
      assert.deepEqual([doc.written, doc.after.value], [true, 'DEBUG'])
      assert.ok(doc.warnings.some((w: string) => /shadowed/.test(w)))
      assert.match(readFileSync(c.cfg, 'utf8'), /^LogSeverityFile = INFO$/m)
    }
    // Writing the value that already wins is not refused (it takes effect as far as it can).
    const same = file('felix.cfg', text)
    const ok = await runCli(['config', 'set', 'LogSeverityFile', 'debug', '--layer', 'file', '-c', same, '--snapshot', emptySnap, '--host', 'n1'])
    assert.equal(ok.code, 0, ok.stderr)
  })

  test('--force writes a value after which Felix would not start, with the warning', async () => {
    const cfg = file('felix.cfg', '[global]\n')
    const r = await runCli(['config', 'set', 'IptablesMarkMask', '0x1', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1', '--force', '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /invalid mark.*written anyway: --force/)
    assert.match(r.stderr, /after this change Felix would not start.*written anyway: --force/)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.written, true)
    assert.equal(doc.after.fatal.param, 'IptablesMarkMask')
    assert.equal(readFileSync(cfg, 'utf8'), '[global]\nIptablesMarkMask = 0x1\n')
    // A line break never passes, even with --force.
    const nl = await runCli(['config', 'set', 'LogPrefix', 'a\nb', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--force'])
    assert.equal(nl.code, 3, nl.stderr)
  })

  test('unset of a key that is not there says so (not "already has it")', async () => {
    const cfg = file('felix.cfg', '[global]\n')
    const r = await runCli(['config', 'unset', 'MetadataPort', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /nothing to remove: MetadataPort is not set in .*felix\.cfg/)
    assert.doesNotMatch(r.stdout, /already has it/)
  })

  test('-c naming a file that does not exist yet: --layer file creates it; --no-local cannot write a local layer', async () => {
    const cfg = join(dir, `${n++}-new.cfg`)
    const r = await runCli(['config', 'set', 'MetadataPort', '9001', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(readFileSync(cfg, 'utf8'), /^MetadataPort = 9001$/m)
    const nl = await runCli(['config', 'set', 'MetadataPort', '9002', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--no-local'])
    assert.equal(nl.code, 2, nl.stderr)
    assert.match(nl.stderr, /--no-local/)
  })

  test('unknown names: exit 4 with did-you-mean; --force writes them', async () => {
    const cfg = file('felix.cfg', '[global]\n')
    const r = await runCli(['config', 'set', 'LogSeverityFiel', 'DEBUG', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap])
    assert.equal(r.code, 4)
    assert.match(r.stderr, /did you mean LogSeverityFile/)
    const f = await runCli(['config', 'set', 'MyPluginSetting', 'x', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--force'])
    assert.equal(f.code, 0, f.stderr)
    assert.equal(readFileSync(cfg, 'utf8'), '[global]\nMyPluginSetting = x\n')
  })

  test('a change after which Felix would not start is refused', async () => {
    const cfg = file('felix.cfg', '[global]\n')
    // EtcdScheme `none` parses (it is not non-zero), but with no EtcdEndpoints Felix's cross check fails.
    const r = await runCli(['config', 'set', 'EtcdScheme', 'none', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1'])
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stderr, /would not start/)
    assert.equal(readFileSync(cfg, 'utf8'), '[global]\n')
  })

  test('--dry-run prints a diff and writes nothing', async () => {
    const cfg = file('felix.cfg', REALISTIC)
    const r = await runCli(['config', 'set', 'MetadataPort', '8080', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--dry-run'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^\+MetadataPort = 8080$/m)
    assert.equal(readFileSync(cfg, 'utf8'), REALISTIC)
  })

  test('unset removes the key; the default takes over', async () => {
    const cfg = file('felix.cfg', '[global]\nMetadataPort = 9000\n# keep me\n')
    const r = await runCli(['config', 'unset', 'metadataport', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.before.value, 9000)
    assert.deepEqual([doc.after.value, doc.after.source], [8775, 'default'])
    assert.equal(readFileSync(cfg, 'utf8'), '[global]\n# keep me\n')
  })

  test('a second identical set changes nothing', async () => {
    const cfg = file('felix.cfg', '[global]\nMetadataPort = 9000\n')
    const r = await runCli(['config', 'set', 'MetadataPort', '9000', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).changed, false)
  })

  test('concurrent sets on one file: both land or one is refused, none is lost', async () => {
    const cfg = file('felix.cfg', '[global]\n')
    const names = ['MetadataPort', 'IpInIpMtu', 'ReportingTTLSecs', 'MaxIpsetSize']
    const values = ['9001', '1401', '91', '2000']
    const results = await Promise.all(names.map((nm, i) => runCli(['config', 'set', nm, values[i], '--layer', 'file', '-c', cfg, '--snapshot', emptySnap])))
    const text = readFileSync(cfg, 'utf8')
    results.forEach((r, i) => {
      assert.ok(r.code === 0 || r.code === 7, `exit ${r.code}: ${r.stderr}`)
      if (r.code === 0) assert.ok(text.includes(`${names[i]} = ${values[i]}`), `${names[i]} lost:\n${text}`)
      else assert.match(r.stderr, /changed since|being edited/)
    })
  })
})

describe('config set|unset --dry-run when the write is refused: the plan, then the refusal (exit 3)', () => {
  /** The refusal of a refused dry run, as the JSON document records it. */
  const refusalOf = (doc: {diagnostics: {severity: string; code: string}[]}) => doc.diagnostics.filter((d) => d.severity === 'error')

  const shadowed: {name: string; text: string; env?: Record<string, string>; args: string[]; by: RegExp}[] = [
    {name: 'another spelling in the file', text: '[global]\nlogseverityfile = DEBUG\n', args: ['LogSeverityFile', 'INFO'], by: /shadowed by another spelling in the same layer/},
    {name: 'an env variable over the file', text: '[global]\nMetadataPort = 9000\n', env: {FELIX_METADATAPORT: '9100'}, args: ['MetadataPort', '8080'], by: /shadowed by the environment \(FELIX_METADATAPORT\)/},
  ]
  for (const c of shadowed) {
    test(`shadowed by ${c.name}: the same plan as --force --dry-run (text and JSON), the error on stderr, nothing written`, async () => {
      const cfg = file('felix.cfg', c.text)
      const args = ['config', 'set', ...c.args, '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1', '--dry-run']
      const text = await runCli(args, {env: c.env})
      assert.equal(text.code, 3, text.stdout + text.stderr)
      assert.match(text.stderr, c.by)
      assert.match(text.stderr, /^Error: .*; nothing was written\nHint: .*--force writes it anyway\n$/m)
      // The plan a dry run shows: the diff, what it would do, the values before and after.
      const forced = await runCli([...args, '--force'], {env: c.env})
      assert.equal(forced.code, 0, forced.stderr)
      const lines = (out: string) => out.trimEnd().split('\n')
      assert.deepEqual(lines(text.stdout).slice(0, -1), lines(forced.stdout).slice(0, -1))
      assert.match(text.stdout, /^\+.* = /m)
      assert.match(text.stdout, / before: .*\n.* would be: /)
      assert.equal(lines(text.stdout).at(-1), 'dry run: nothing written; the write would be refused (write-shadowed: see the error)')
      assert.equal(lines(forced.stdout).at(-1), 'dry run: nothing written')

      const json = await runCli([...args, '-o', 'json'], {env: c.env})
      assert.equal(json.code, 3, json.stderr)
      const doc = JSON.parse(json.stdout)
      const fdoc = JSON.parse((await runCli([...args, '--force', '-o', 'json'], {env: c.env})).stdout)
      // Only the refusal and --force's warning differ.
      const plan = (d: Record<string, unknown>) => ({...d, warnings: undefined, diagnostics: undefined})
      assert.deepEqual(plan(doc), plan(fdoc))
      assert.deepEqual([doc.dryRun, doc.written, doc.changed], [true, false, true])
      assert.ok(doc.diff, 'the diff is in the document')
      const [refusal, ...more] = refusalOf(doc)
      assert.deepEqual(more, [])
      assert.deepEqual(Object.keys(refusal), ['severity', 'code', 'param', 'layer', 'origin', 'message', 'hint'])
      assert.deepEqual([refusal.code, (refusal as any).param, (refusal as any).layer], ['write-shadowed', doc.param, 'file'])
      assert.match(json.stderr, new RegExp(`^Error: ${(refusal as any).message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'))
      assert.deepEqual(refusalOf(fdoc), [])
      assert.equal(readFileSync(cfg, 'utf8'), c.text, 'nothing written')
    })
  }

  test('without --dry-run nothing changes: refused, nothing on stdout, nothing written', async () => {
    const cfg = file('felix.cfg', shadowed[1].text)
    const r = await runCli(['config', 'set', 'MetadataPort', '8080', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1', '-o', 'json'], {env: shadowed[1].env})
    assert.deepEqual([r.code, r.stdout], [3, ''])
    assert.match(r.stderr, /shadowed by the environment/)
    assert.equal(readFileSync(cfg, 'utf8'), shadowed[1].text)
  })

  test('the other refusals a dry run shows (a value Felix would not start with) record the error in JSON too', async () => {
    const cfg = file('felix.cfg', '[global]\n')
    const r = await runCli(['config', 'set', 'IptablesMarkMask', '0x1', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1', '--dry-run', '-o', 'json'])
    assert.equal(r.code, 3, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(refusalOf(doc).map((d) => d.code), ['invalid-value'])
    assert.equal(doc.after.fatal.param, 'IptablesMarkMask')
    assert.equal(readFileSync(cfg, 'utf8'), '[global]\n')
  })

  test('unset of a value a higher layer shadows is not refused: the dry run shows the plan, says the value does not change, exit 0', async () => {
    const text = '[global]\nMetadataPort = 9000\n'
    const cfg = file('felix.cfg', text)
    const env = {FELIX_METADATAPORT: '9100'}
    const args = ['config', 'unset', 'MetadataPort', '--layer', 'file', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1', '--dry-run']
    const r = await runCli(args, {env})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^-MetadataPort = 9000$/m)
    assert.match(r.stdout, /MetadataPort would be: 9100 \(from env\)/)
    assert.match(r.stderr, /^note: the effective value of MetadataPort on n1 does not change \(it comes from the environment\)$/m)
    const j = await runCli([...args, '-o', 'json'], {env})
    assert.equal(j.code, 0, j.stderr)
    const doc = JSON.parse(j.stdout)
    assert.deepEqual(refusalOf(doc), [])
    assert.deepEqual([doc.before.value, doc.after.value, doc.after.source, doc.written], [9100, 9100, 'env', false])
    assert.equal(readFileSync(cfg, 'utf8'), text)
  })
})

describe('config set --layer env', () => {
  test('edits the env file in place; set then get round-trips', async () => {
    const envf = file('felix.env', '# calico-node\nFELIX_LOGSEVERITYSCREEN=INFO\nOTHER=1\n')
    const r = await runCli(['config', 'set', 'LogSeverityScreen', 'error', '--layer', 'env', '--env-file', envf, '--snapshot', emptySnap, '-c', join(dir, 'none.cfg')])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(readFileSync(envf, 'utf8'), '# calico-node\nFELIX_LOGSEVERITYSCREEN=error\nOTHER=1\n')
    const g = await runCli(['config', 'get', 'LogSeverityScreen', '--env-file', envf, '--snapshot', emptySnap, '-c', join(dir, 'none.cfg'), '-o', 'json'])
    assert.deepEqual([JSON.parse(g.stdout).value, JSON.parse(g.stdout).source], ['ERROR', 'env'])
  })
  test('--layer env without --env-file is a usage error', async () => {
    const r = await runCli(['config', 'set', 'LogSeverityScreen', 'error', '--layer', 'env', '--snapshot', emptySnap])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--env-file/)
  })
  test('no VALUE and no TTY is a usage error', async () => {
    const r = await runCli(['config', 'set', 'LogSeverityScreen', '--layer', 'file', '-c', join(dir, 'x.cfg'), '--snapshot', emptySnap])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /VALUE/)
  })
})

describe('config set on etcd layers', () => {
  test('local-only parameters are refused for etcd with exit 7', async () => {
    const r = await runCli(['config', 'set', 'EtcdEndpoints', 'http://x:1', '--layer', 'global', '--snapshot', emptySnap])
    assert.equal(r.code, 7)
    assert.match(r.stderr, /local-only/)
  })
})

describe('config validate', () => {
  test('clean configuration exits 0', async () => {
    const cfg = file('felix.cfg', '[global]\nLogSeverityScreen = INFO\n')
    const r = await runCli(['config', 'validate', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1', '-o', 'json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(JSON.parse(r.stdout).ok, true)
  })
  test('every problem at once, with codes, and exit 3', async () => {
    const cfg = file('felix.cfg', '[global]\nlogseverityscreen = INFO\nEtcdEndpoints = http://1.2.3.4:2379\nEtcdAddr = 1.2.3.4:2379\nLogSeverityFiel = x\nEtcdCaFile = /nonexistent/ca.pem\n')
    const snap = file('s.json', JSON.stringify({'/calico/v1/Ready': 'true', '/calico/v1/config/InterfacePrefix': 'bad one', '/calico/v1/config/EtcdScheme': 'https', '/calico/v1/config/IpInIpMtu': 'x'}))
    const r = await runCli(['config', 'validate', '-c', cfg, '--snapshot', snap, '--host', 'n1', '-o', 'json'], {env: {FELIX_INTERFACEPREFIX: 'tap'}})
    assert.equal(r.code, 3, r.stderr)
    const doc = JSON.parse(r.stdout)
    const codes = new Set(doc.problems.map((p: {code: string}) => p.code))
    for (const c of ['felix-would-not-start', 'shadowed-fatal', 'local-only-in-etcd', 'unknown-param', 'non-canonical-spelling', 'deprecated-etcd-setting', 'tls-file-missing', 'invalid-value']) assert.ok(codes.has(c), `missing ${c} in ${[...codes].join(',')}`)
    for (const p of doc.problems) for (const k of ['severity', 'code', 'param', 'layer', 'origin', 'message', 'hint']) assert.ok(k in p, k)
  })
  test('warnings alone exit 0, and 3 with --strict', async () => {
    const cfg = file('felix.cfg', '[global]\nSomethingUnknown = 1\n')
    const a = await runCli(['config', 'validate', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1'])
    assert.equal(a.code, 0, a.stdout)
    const b = await runCli(['config', 'validate', '-c', cfg, '--snapshot', emptySnap, '--host', 'n1', '--strict'])
    assert.equal(b.code, 3, b.stdout)
  })
})
