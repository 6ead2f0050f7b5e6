/** End-to-end: the built CLI for config get, list and explain; stdout, stderr and exit codes. */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli} from '../helpers/cli.js'

let dir: string
const snap = (obj: Record<string, string>) => {
  const p = join(dir, `snap-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(p, JSON.stringify(obj))
  return p
}
const cfg = (text: string) => {
  const p = join(dir, `felix-${Math.random().toString(36).slice(2)}.cfg`)
  writeFileSync(p, text)
  return p
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'felixctl-e2e-'))
  writeFileSync(join(dir, 'none.cfg'), '') // an explicitly named config file must exist
})
after(() => rmSync(dir, {recursive: true, force: true}))

describe('config get', () => {
  test('effective value and provenance across env, file and etcd (JSON)', async () => {
    const s = snap({'/calico/v1/Ready': 'true', '/calico/v1/config/LogSeverityFile': 'DEBUG', '/calico/v1/host/node1/config/LogSeverityFile': 'ERROR'})
    const c = cfg('[global]\nLogSeverityFile = WARNING\n')
    const r = await runCli(['config', 'get', 'logseverityfile', '--host', 'node1', '-c', c, '--snapshot', s, '-o', 'json'], {env: {FELIX_LOGSEVERITYFILE: 'critical'}})
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.name, 'LogSeverityFile')
    assert.equal(doc.value, 'CRITICAL')
    assert.equal(doc.raw, 'critical')
    assert.equal(doc.source, 'env')
    assert.deepEqual(doc.origin, {type: 'env', name: 'FELIX_LOGSEVERITYFILE'})
    assert.equal(doc.fatal, null)
    assert.deepEqual(doc.layers.map((l: {layer: string; status: string}) => `${l.layer}:${l.status}`), ['env:effective', 'file:shadowed', 'host:shadowed', 'global:shadowed'])
    assert.deepEqual(doc.layers[1].origin, {type: 'file', path: c, section: 'global', line: 2})
    assert.deepEqual(doc.layers[2].origin, {type: 'etcd', key: '/calico/v1/host/node1/config/LogSeverityFile'})
  })

  test('table output names value, source and origin; exit 0', async () => {
    const s = snap({'/calico/v1/Ready': 'true', '/calico/v1/host/node7/config/IpInIpMtu': '1420'})
    const r = await runCli(['config', 'get', 'IpInIpMtu', '--host', 'node7', '-c', join(dir, 'none.cfg'), '--snapshot', s])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Name:\s+IpInIpMtu$/m)
    assert.match(r.stdout, /^Value:\s+1420$/m)
    assert.match(r.stdout, /^Source:\s+host$/m)
    assert.match(r.stdout, /^Origin:\s+\/calico\/v1\/host\/node7\/config\/IpInIpMtu$/m)
    assert.match(r.stdout, /^Etcd keys:\s+\/calico\/v1\/host\/node7\/config\/IpInIpMtu, \/calico\/v1\/config\/IpInIpMtu$/m)
  })

  test('a config file named with -c (or FELIXCTL_CONFIG_FILE) that does not exist: exit 6, for every config command', async () => {
    const s = snap({'/calico/v1/Ready': 'true'})
    const typo = join(dir, 'typo.cfg')
    for (const args of [['config', 'get', 'IpInIpMtu', '-c', typo], ['config', 'list', '-c', typo], ['config', 'validate', '-c', typo], ['config', 'get', 'IpInIpMtu']]) {
      const r = await runCli([...args, '--host', 'n1', '--snapshot', s], {env: args.includes('-c') ? {} : {FELIXCTL_CONFIG_FILE: typo}})
      assert.equal(r.code, 6, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /config file .*typo\.cfg does not exist/)
      assert.equal(r.stdout, '')
    }
  })

  test('a fatal value in a shadowed layer: result printed, exit 3', async () => {
    const s = snap({'/calico/v1/Ready': 'true', '/calico/v1/config/InterfacePrefix': 'not valid!'})
    const r = await runCli(['config', 'get', 'InterfacePrefix', '--host', 'n1', '-c', join(dir, 'none.cfg'), '--snapshot', s, '-o', 'json'], {env: {FELIX_INTERFACEPREFIX: 'tap'}})
    assert.equal(r.code, 3)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.value, 'tap')
    assert.equal(doc.fatal.stage, 'datastore')
    assert.equal(doc.fatal.param, 'InterfacePrefix')
    assert.equal(doc.fatal.layer, 'global')
    assert.match(doc.fatal.message, /^Failed to parse config parameter InterfacePrefix; value "not valid!"/)
  })

  test('unknown parameter: exit 4 with a did-you-mean, nothing on stdout', async () => {
    const r = await runCli(['config', 'get', 'LogSeverityFiel', '--snapshot', snap({})])
    assert.equal(r.code, 4)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /unknown Felix 2\.0\.4 parameter "LogSeverityFiel"/)
    assert.match(r.stderr, /did you mean LogSeverityFile/)
    assert.doesNotMatch(r.stderr, / {4}at /)
  })

  test('--pid reads the environment of a running process', async () => {
    const {spawn} = await import('node:child_process')
    const child = spawn('sleep', ['30'], {env: {PATH: process.env.PATH, FELIX_LOGSEVERITYFILE: 'critical', felix_IpInIpMtu: '1300'}, stdio: 'ignore'})
    try {
      await new Promise((r) => setTimeout(r, 200))
      const r = await runCli(['config', 'get', 'IpInIpMtu', '--pid', String(child.pid), '--snapshot', snap({}), '-o', 'json'])
      assert.equal(r.code, 0, r.stderr)
      const doc = JSON.parse(r.stdout)
      assert.deepEqual([doc.value, doc.source, doc.origin.name, doc.origin.path], [1300, 'env', 'felix_IpInIpMtu', `/proc/${child.pid}/environ`])
    } finally {
      child.kill()
    }
    const gone = await runCli(['config', 'get', 'IpInIpMtu', '--pid', '999999999', '--snapshot', snap({})])
    assert.equal(gone.code, 4)
    assert.match(gone.stderr, /no such process: PID 999999999/)
  })

  test('a --host with a slash or .. is a usage error', async () => {
    for (const h of ['a/b', '..']) {
      const r = await runCli(['config', 'get', 'LogSeverityFile', '--host', h, '--snapshot', snap({})])
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, /--host/)
    }
  })

  test('a config file go-ini rejects is a result: fatal file-load, exit 3', async () => {
    const c = cfg('[global\nLogSeverityFile = DEBUG\n')
    const r = await runCli(['config', 'get', 'LogSeverityFile', '-c', c, '--snapshot', snap({}), '-o', 'json'])
    assert.equal(r.code, 3, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.fatal.stage, 'file-load')
    assert.ok(doc.fatal.message.includes(`${c}:1`), doc.fatal.message)
  })

  test('a config file that is a directory is exit 6', async () => {
    const d = join(dir, 'adir.cfg')
    mkdirSync(d, {recursive: true})
    const r = await runCli(['config', 'get', 'LogSeverityFile', '-c', d, '--snapshot', snap({})])
    assert.equal(r.code, 6)
    assert.match(r.stderr, /adir\.cfg/)
  })

  test('a malformed snapshot is exit 6 naming the file', async () => {
    const p = join(dir, 'bad.json')
    writeFileSync(p, '{"/calico/v1/config/X": 1')
    const r = await runCli(['config', 'get', 'LogSeverityFile', '--snapshot', p])
    assert.equal(r.code, 6)
    assert.match(r.stderr, /bad\.json/)
  })
})

describe('config list', () => {
  test('JSON document has the contract members and all 44 parameters', async () => {
    const s = snap({'/calico/v1/Ready': 'true', '/calico/v1/config/Bogus': 'x', '/calico/v1/config/EtcdAddr': '1.2.3.4:2379'})
    const r = await runCli(['config', 'list', '--host', 'node1', '-c', join(dir, 'none.cfg'), '--snapshot', s, '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    for (const k of ['felixVersion', 'host', 'datastore', 'fatal', 'params', 'unknown', 'diagnostics']) assert.ok(k in doc, k)
    assert.equal(doc.params.length, 44)
    assert.equal(doc.host, 'node1')
    assert.deepEqual(Object.keys(doc.datastore).sort(), ['caFile', 'certFile', 'endpoints', 'keyFile', 'type'])
    assert.deepEqual(doc.unknown, [{name: 'Bogus', raw: 'x', source: 'global', origin: {type: 'etcd', key: '/calico/v1/config/Bogus'}}])
    assert.ok(doc.diagnostics.some((d: {code: string}) => d.code === 'local-only-in-etcd'))
    for (const d of doc.diagnostics) assert.deepEqual(Object.keys(d).sort(), ['code', 'hint', 'layer', 'message', 'origin', 'param', 'severity'])
  })

  test('--changed lists only non-default parameters; diagnostics on stderr', async () => {
    const s = snap({'/calico/v1/Ready': 'true', '/calico/v1/config/IpInIpMtu': '1400', '/calico/v1/config/Bogus': 'x'})
    const r = await runCli(['config', 'list', '--changed', '--host', 'node1', '-c', join(dir, 'none.cfg'), '--snapshot', s])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.split('\n')
    assert.match(lines[0], /^NAME\s+VALUE\s+SOURCE\s+ORIGIN$/)
    assert.ok(lines.some((l) => /^IpInIpMtu\s+1400\s+global\s+\/calico\/v1\/config\/IpInIpMtu$/.test(l)))
    assert.ok(!lines.some((l) => l.startsWith('LogSeverityFile')))
    assert.match(r.stdout, /Unknown keys/)
    assert.match(r.stderr, /unknown config param "Bogus"/)
  })

  test('--changed means "set in some layer": a value set to its default is listed, and the help says so', async () => {
    const s = snap({'/calico/v1/Ready': 'true', '/calico/v1/config/IpInIpMtu': '1440'})
    const r = await runCli(['config', 'list', '--changed', '--host', 'node1', '-c', join(dir, 'none.cfg'), '--snapshot', s, '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout).params.map((p: {name: string; value: number}) => [p.name, p.value]), [['IpInIpMtu', 1440]])
    const h = await runCli(['config', 'list', '--help'])
    assert.match(h.stdout.replace(/\s+/g, ' '), /--changed Only parameters that some layer sets \(env, file or etcd\), even to their default value/)
    assert.doesNotMatch(h.stdout, /not at (their|its) default/)
  })

  test('yaml output parses to the same document as json', async () => {
    const s = snap({'/calico/v1/Ready': 'true'})
    const args = ['config', 'list', '--host', 'n', '-c', join(dir, 'none.cfg'), '--snapshot', s]
    const [j, y] = await Promise.all([runCli([...args, '-o', 'json']), runCli([...args, '-o', 'yaml'])])
    const {parse} = await import('yaml')
    assert.deepEqual(parse(y.stdout), JSON.parse(j.stdout))
  })
})

describe('config explain', () => {
  test('flags in words, keys, and where the seed page is wrong', async () => {
    const r = await runCli(['config', 'explain', 'iptablesmarkmask', '--host', 'node7'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Env var:\s+FELIX_IPTABLESMARKMASK/m)
    assert.match(r.stdout, /^Host key:\s+\/calico\/v1\/host\/node7\/config\/IptablesMarkMask$/m)
    assert.match(r.stdout, /fatal if invalid/)
    assert.match(r.stdout, /2 bits/)
  })
  test('local-only parameters have no etcd keys (JSON)', async () => {
    const r = await runCli(['config', 'explain', 'EtcdAddr', '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(doc.etcdKeys, {global: null, host: null})
    assert.equal(doc.flags.localOnly, true)
  })
})
