/**
 * Input never drives the terminal (issue 13, item 5), and long input stays cheap to show (item 6):
 * control characters in felix.cfg, env files, snapshot values and host names, sysctl and OpenStack
 * files reach no text renderer raw, and no diagnostic or error either; long values are cut with
 * their length in text and whole in JSON. Tests run with NO_COLOR=1: only \n may be raw.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {runCli} from '../helpers/cli.js'

/** Every C0 control, DEL, every C1 control, the separators and bidi overrides, and a BOM. */
const C0 = Array.from({length: 0x20}, (_, i) => String.fromCharCode(i)).join('')
const C1 = Array.from({length: 0x20}, (_, i) => String.fromCharCode(0x80 + i)).join('')
const HOSTILE = `${C0}\x7f${C1}\u2028\u2029\u202e\u2066\ufeff`
/** Sequences that clear the screen, set the title, reset the terminal, move the cursor. */
const SEQUENCES = '\x1b[2J\x1b]0;owned\x07\x1bc\x1b[10;10H\x9b31m'
/** What must not reach the terminal raw (newline excepted: text output is lines). */
/** A host name as a flag can carry it (no NUL in argv). */
const HOST_ARG = `node${SEQUENCES}${HOSTILE.slice(1)}`
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffd]/u

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))

function assertNoRaw(what: string, r: {stdout: string; stderr: string; code: number | null}) {
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const m = RAW.exec(text)
    assert.equal(m, null, `${what}: raw U+${m?.[0].codePointAt(0)!.toString(16).padStart(4, '0')} on ${name} at ${m?.index}: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 60), (m?.index ?? 0) + 20))}`)
  }
  assert.notEqual(r.code, 1, `${what}: a felixctl bug: ${r.stderr}`)
}

let dir: string
let snap: string
let badSnapUtf8: string
let cfg: string
let badCfg: string
let envFile: string
let sysRoot: string
let nova: string

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'felixctl-escape-'))
  writeFileSync(join(dir, 'none.cfg'), '')
  // A host directory named with controls, values holding them, an unknown key spelt with them.
  const host = `node${SEQUENCES}${HOSTILE}`
  snap = join(dir, 'snapshot.json')
  writeFileSync(snap, JSON.stringify({
    '/calico/v1/Ready': `true${SEQUENCES}`,
    '/calico/v1/config/LogFilePath': `/var/log/${SEQUENCES}${HOSTILE}\ud800x`,
    '/calico/v1/config/LogSeverityScreen': `INFO${SEQUENCES}`,
    '/calico/v1/config/IptablesMarkMask': `0x1${SEQUENCES}`,
    [`/calico/v1/config/Unknown${SEQUENCES}`]: `v${HOSTILE}`,
    [`/calico/v1/host/${host}/config/IpInIpMtu`]: `1400${SEQUENCES}`,
    [`/calico/v1/host/${host}/config/LogSeverityScreen`]: 'DEBUG',
    [`/calico/v1/host/${HOST_ARG}/config/IpInIpMtu`]: `1300${HOSTILE}`,
    '/calico/v1/host/node2/config/LogSeverityScreen': `WARNING${HOSTILE}`,
  }))
  // Invalid UTF-8 in a snapshot: the bytes decode to U+FFFD, which is shown as an escape.
  badSnapUtf8 = join(dir, 'bad-utf8.json')
  writeFileSync(badSnapUtf8, Buffer.concat([Buffer.from('{"/calico/v1/config/LogFilePath": "a'), Buffer.from([0xff, 0xfe, 0xc3, 0x1b]), Buffer.from('"}')]))
  cfg = join(dir, 'felix.cfg')
  writeFileSync(cfg, `[global]\nMetadataAddr = 10.0.0.1${SEQUENCES}\nUnknownKey${SEQUENCES.replace(/[\x07]/g, '')} = x${SEQUENCES}\n`)
  // A felix.cfg go-ini rejects: its error quotes the bytes.
  badCfg = join(dir, 'bad.cfg')
  writeFileSync(badCfg, Buffer.concat([Buffer.from(`[global]\nfoo${SEQUENCES}${HOSTILE.replace(/[\n\r]/g, '')}`), Buffer.from([0xff, 0x9b]), Buffer.from('bar\n')]))
  // An env file in a directory whose name holds controls, with an unknown variable.
  const envDir = join(dir, `env${SEQUENCES.replace(/\//g, '')}`)
  mkdirSync(envDir)
  envFile = join(envDir, 'felix.env')
  writeFileSync(envFile, `FELIX_LOGSEVERITYSYS=ERROR${SEQUENCES}\nFELIX_NOSUCH${'\x1b[2J'}=1\nFELIX_X${SEQUENCES}\n`)
  // A sysctl tree whose drop-in holds controls.
  sysRoot = join(dir, 'root')
  cpSync(join(FIXTURES, 'sysctl', 'debian-fresh'), sysRoot, {recursive: true})
  writeFileSync(join(sysRoot, 'etc', 'sysctl.d', `60-${SEQUENCES.replace(/\//g, '')}.conf`), `net.netfilter.nf_conntrack_max = 12${SEQUENCES}\n`)
  nova = join(dir, 'nova.conf')
  // Values on their lines (no NUL: an oslo.config file with one is refused as binary).
  const oneLine = HOSTILE.replace(/[\x00\n\r]/g, '')
  writeFileSync(nova, `[DEFAULT]\nenabled_apis = osapi_compute${SEQUENCES}${oneLine}\n[neutron]\nservice_metadata_proxy = yes${SEQUENCES}\nurl = x${oneLine}\n`)
})
after(() => rmSync(dir, {recursive: true, force: true}))

describe('no raw control character from input reaches the terminal', {concurrency: 4}, () => {
  const cases: [string, () => string[]][] = [
    ['config get', () => ['config', 'get', 'LogFilePath', '--host', 'node2', '--snapshot', snap, '-c', cfg]],
    ['config get -o wide', () => ['config', 'get', 'IpInIpMtu', '--host', HOST_ARG, '--snapshot', snap, '-c', cfg, '-o', 'wide']],
    ['config get (diagnostics on stderr)', () => ['config', 'get', 'LogSeverityScreen', '--host', 'node2', '--snapshot', snap, '-c', cfg]],
    ['config list', () => ['config', 'list', '--host', 'node2', '--snapshot', snap, '-c', cfg, '--env-file', envFile]],
    ['config list -o wide', () => ['config', 'list', '--host', HOST_ARG, '--snapshot', snap, '-c', cfg, '--env-file', envFile, '-o', 'wide']],
    ['config list, invalid UTF-8 in the snapshot', () => ['config', 'list', '--snapshot', badSnapUtf8, '-c', cfg, '-o', 'wide']],
    ['config list with a felix.cfg that does not load', () => ['config', 'list', '--snapshot', snap, '-c', badCfg]],
    ['config list --all-hosts', () => ['config', 'list', '--all-hosts', '--snapshot', snap, '-c', cfg]],
    ['config list --all-hosts -o wide --all', () => ['config', 'list', '--all-hosts', '--all', '--snapshot', snap, '-c', cfg, '-o', 'wide']],
    ['config get --all-hosts -o wide', () => ['config', 'get', 'IpInIpMtu', '--all-hosts', '--snapshot', snap, '-c', cfg, '-o', 'wide']],
    ['config get --all-hosts (fatal hosts)', () => ['config', 'get', 'IptablesMarkMask', '--all-hosts', '--snapshot', snap, '-c', cfg]],
    ['config diff -o wide', () => ['config', 'diff', '--host', HOST_ARG, '--host', 'node2', '--snapshot', snap, '-c', cfg, '-o', 'wide']],
    ['config validate -o wide', () => ['config', 'validate', '--host', 'node2', '--snapshot', snap, '-c', cfg, '--env-file', envFile, '-o', 'wide']],
    ['config validate --all-hosts', () => ['config', 'validate', '--all-hosts', '--snapshot', snap, '-c', cfg]],
    ['config set refused on a garbage file', () => ['config', 'set', 'LogSeverityFile', 'INFO', '--layer', 'file', '-c', badCfg, '--dry-run']],
    ['config set --dry-run (diff of a file holding controls)', () => ['config', 'set', 'LogSeverityFile', 'INFO', '--layer', 'file', '-c', cfg, '--dry-run', '--snapshot', snap]],
    ['config set with a value holding controls', () => ['config', 'set', 'LogFilePath', `/x${SEQUENCES}`, '--layer', 'file', '-c', join(dir, 'new.cfg'), '--dry-run', '--snapshot', snap]],
    ['an unknown parameter named with controls', () => ['config', 'get', `Log${SEQUENCES}`, '--snapshot', snap, '-c', cfg]],
    ['a snapshot path holding controls', () => ['config', 'list', '--snapshot', join(dir, `missing${SEQUENCES.replace(/\//g, '')}.json`), '-c', cfg]],
    ['datastore status', () => ['datastore', 'status', '--snapshot', snap, '-c', cfg]],
    ['doctor', () => ['doctor', '--host', 'node2', '--snapshot', snap, '-c', cfg, '--root', sysRoot]],
    ['sysctl check -o wide', () => ['sysctl', 'check', '--root', sysRoot, '-o', 'wide']],
    ['sysctl apply --dry-run -o wide', () => ['sysctl', 'apply', '--root', sysRoot, '--dry-run', '-o', 'wide']],
    ['openstack check', () => ['openstack', 'check', '--nova', nova, '--release', 'juno']],
    ['openstack apply --dry-run', () => ['openstack', 'apply', 'nova.conf', '--file', nova, '--release', 'juno', '--dry-run']],
  ]
  for (const [what, args] of cases) {
    test(what, async () => assertNoRaw(what, await runCli(args(), {cleanEnv: true})))
  }

  // A snapshot where Felix starts, so that the value shown is the one held.
  const valueOnly = () => {
    const path = join(dir, 'value-only.json')
    writeFileSync(path, JSON.stringify({'/calico/v1/config/LogFilePath': `/var/log/${SEQUENCES}${HOSTILE}\ud800x`}))
    return path
  }

  test('the controls are shown as visible escapes', async () => {
    const r = await runCli(['config', 'get', 'LogFilePath', '--snapshot', valueOnly(), '-c', join(dir, 'none.cfg'), '-o', 'wide'], {cleanEnv: true})
    assert.match(r.stdout, /Value: +\/var\/log\/\\x1b\[2J\\x1b\]0;owned\\x07\\x1bc\\x1b\[10;10H\\u009b31m\\x00\\x01/)
    assert.ok(r.stdout.includes('\\u2028\\u2029\\u202e\\u2066\\ufeff\\ud800x'), r.stdout)
  })

  test('JSON carries the values exactly (its own escaping)', async () => {
    const r = await runCli(['config', 'get', 'LogFilePath', '--snapshot', valueOnly(), '-c', join(dir, 'none.cfg'), '-o', 'json'], {cleanEnv: true})
    assert.equal(JSON.parse(r.stdout).raw, `/var/log/${SEQUENCES}${HOSTILE}\ud800x`)
  })
})

describe('long values: cut with their length in text, whole in JSON', () => {
  const SIZE = 1024 * 1024
  let big: string
  before(() => {
    big = join(dir, 'big.json')
    writeFileSync(big, JSON.stringify({
      '/calico/v1/config/LogFilePath': 'x'.repeat(SIZE),
      // Invalid: its diagnostic quotes the whole value.
      '/calico/v1/config/LogSeverityScreen': 'Ä'.repeat(SIZE),
      [`/calico/v1/host/${'h'.repeat(SIZE)}/config/IpInIpMtu`]: '1400',
    }))
  })

  for (const format of ['table', 'wide']) {
    test(`config get -o ${format}: the value is cut and its length shown`, async () => {
      const r = await runCli(['config', 'get', 'LogFilePath', '--snapshot', big, '-c', join(dir, 'none.cfg'), '-o', format], {cleanEnv: true})
      assert.equal(r.code, 0, r.stderr)
      assert.ok(r.stdout.includes(`…(${SIZE} chars)`), r.stdout.slice(0, 2000))
      assert.ok(r.stdout.length < 5000, `${r.stdout.length} characters of output`)
    })
  }

  test('a diagnostic quoting a long value is cut on stderr, keeping its end', async () => {
    const r = await runCli(['config', 'get', 'LogSeverityScreen', '--snapshot', big, '-c', join(dir, 'none.cfg')], {cleanEnv: true})
    assert.ok(r.stderr.length < 10000, `${r.stderr.length} characters on stderr`)
    assert.match(r.stderr, /chars not shown\)….*unknown option/)
    assert.ok(r.stdout.length < 5000, `${r.stdout.length} characters of output`)
  })

  test('fleet tables cut a long host name', async () => {
    const r = await runCli(['config', 'list', '--all-hosts', '--snapshot', big, '-c', join(dir, 'none.cfg'), '-o', 'wide'], {cleanEnv: true})
    assert.ok(r.stdout.includes(`…(${SIZE} chars)`), r.stdout.slice(0, 2000))
    assert.ok(r.stdout.length < 10000, `${r.stdout.length} characters of output`)
  })

  test('JSON has the value whole', async () => {
    const r = await runCli(['config', 'get', 'LogFilePath', '--snapshot', big, '-c', join(dir, 'none.cfg'), '-o', 'json'], {cleanEnv: true})
    assert.equal(JSON.parse(r.stdout).raw.length, SIZE)
  })
})

describe('snapshots: JSON unless named .yaml, nesting bounded, one-line errors', () => {
  test('a megabyte of [ is refused at once, in one line', async () => {
    const deep = join(dir, 'deep.json')
    writeFileSync(deep, '['.repeat(1024 * 1024))
    const r = await runCli(['config', 'list', '--snapshot', deep, '-c', join(dir, 'none.cfg')], {cleanEnv: true})
    assert.equal(r.code, 6)
    const error = r.stderr.split('\n').filter((l) => l.startsWith('Error:'))
    assert.equal(error.length, 1, r.stderr)
    assert.match(error[0], /nested more than 64 levels deep/)
    assert.doesNotMatch(r.stderr, /call stack/)
    assert.equal(r.stderr.trimEnd().split('\n').length, 2, `one error line and one hint line: ${r.stderr}`)
  })

  test('YAML block nesting in a .yaml snapshot is bounded too', async () => {
    const deep = join(dir, 'deep.yaml')
    writeFileSync(deep, '- '.repeat(500000) + 'x\n')
    const r = await runCli(['config', 'list', '--snapshot', deep, '-c', join(dir, 'none.cfg')], {cleanEnv: true})
    assert.equal(r.code, 6)
    assert.match(r.stderr, /^Error: cannot parse snapshot .*nested more than 64 levels deep.*\nHint: [^\n]*\n$/)
  })

  test('a YAML document in a .json snapshot is a JSON error; the same in a .yaml file is read', async () => {
    const text = '/calico/v1/config/LogFilePath: /tmp/x\n'
    writeFileSync(join(dir, 'y.json'), text)
    writeFileSync(join(dir, 'y.yml'), text)
    const asJson = await runCli(['config', 'get', 'LogFilePath', '--snapshot', join(dir, 'y.json'), '-c', join(dir, 'none.cfg')], {cleanEnv: true})
    assert.equal(asJson.code, 6)
    assert.match(asJson.stderr, /cannot parse snapshot .*y\.json: .*JSON/)
    const asYaml = await runCli(['config', 'get', 'LogFilePath', '--snapshot', join(dir, 'y.yml'), '-c', join(dir, 'none.cfg'), '-o', 'json'], {cleanEnv: true})
    assert.equal(asYaml.code, 0, asYaml.stderr)
    assert.equal(JSON.parse(asYaml.stdout).raw, '/tmp/x')
  })
})
