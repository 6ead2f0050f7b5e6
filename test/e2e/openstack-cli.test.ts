import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CLI, REPO_ROOT, runCli} from '../helpers/cli.js'
import {firstSkip, needTool, runs} from '../helpers/tools.js'
import OpenstackRender from '../../src/commands/openstack/render.js'
import OpenstackApply from '../../src/commands/openstack/apply.js'
import OpenstackCheck from '../../src/commands/openstack/check.js'

const FIX = join(REPO_ROOT, 'test/fixtures/openstack')
const tmp = () => mkdtempSync(join(tmpdir(), 'felixctl-os-e2e-'))
const isRoot = process.getuid?.() === 0
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0

/** Run the CLI as nobody, so that file modes apply (we run as root). */
function runAsNobody(args: string[]): {code: number | null; stdout: string; stderr: string} {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', env: {PATH: process.env.PATH, HOME: '/tmp', NO_COLOR: '1'},
  })
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

describe('openstack render (CLI)', () => {
  test('a golden snippet on stdout, nothing on stderr', async () => {
    const r = await runCli(['openstack', 'render', 'neutron.conf', '--release', 'Kilo'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, readFileSync(join(FIX, 'golden/neutron.conf-kilo.ini'), 'utf8'))
    assert.equal(r.stderr, '')
  })
  test('all, as one JSON document', async () => {
    const r = await runCli(['openstack', 'render', 'all', '--release', '2023.1', '--etcd-host', '10.0.0.5', '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.release.name, 'Antelope')
    assert.deepEqual(doc.files.map((f: {file: string}) => f.file), ['nova.conf', 'neutron.conf', 'ml2_conf.ini', 'dhcp_agent.ini'])
    assert.ok(doc.files[1].settings.some((s: {key: string; value: string}) => s.key === 'etcd_host' && s.value === '10.0.0.5'))
  })
  const bad: {name: string; args: string[]; code: number; stderr: RegExp}[] = [
    {name: 'no file kind and no TTY', args: [], code: 2, stderr: /name the file to render/},
    {name: 'unknown release lists the valid ones', args: ['nova', '--release', 'Folsom'], code: 4, stderr: /unknown OpenStack release "Folsom"[\s\S]*Havana, Icehouse, Juno/},
    {name: 'a release typo gets a did-you-mean', args: ['nova', '--release', 'Libery'], code: 4, stderr: /did you mean Liberty/},
    {name: 'unknown file kind', args: ['nova.cfg'], code: 4, stderr: /did you mean nova\.conf/},
    {name: 'non-numeric port', args: ['neutron', '--etcd-port', '23x9'], code: 2, stderr: /--etcd-port must be a port number/},
  ]
  for (const row of bad) {
    test(row.name, async () => {
      const r = await runCli(['openstack', 'render', ...row.args])
      assert.equal(r.code, row.code, r.stderr)
      assert.match(r.stderr, row.stderr)
      assert.equal(r.stdout, '')
    })
  }
  test('on a terminal it asks (release, files, etcd host and port)', {skip: needTool('script', 'bsdutils', runs('script'))}, () => {
    // script(1) gives the CLI a pseudo-terminal; the keystrokes answer the four questions:
    // files (Enter: all checked), etcd host, etcd port; the release comes from --release.
    const keys = ['\r', '10.9.9.9\r', '2379\r']
    const feeder = `sleep 3; for k in ${keys.map((k) => `'${k.replace('\r', '')}'`).join(' ')}; do sleep 1; printf '%s\\r' "$k"; done; sleep 1`
    const r = spawnSync('sh', ['-c', `(${feeder}) | script -qfec "${process.execPath} ${CLI} openstack render --release kilo" /dev/null`], {cwd: REPO_ROOT, encoding: 'utf8', timeout: 30000, env: {...process.env, NO_COLOR: '1', TERM: 'dumb'}})
    const out = r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    assert.match(out, /Files to render/)
    assert.match(out, /etcd_host = 10\.9\.9\.9/)
    assert.match(out, /etcd_port = 2379/)
    assert.match(out, /dhcp_agents_per_network = 9999/)
  })
})

describe('openstack apply (CLI)', () => {
  test('dry run, apply, second apply, backup; mode and owner kept', async () => {
    const dir = tmp()
    const path = join(dir, 'neutron.conf')
    copyFileSync(join(FIX, 'neutron.conf'), path)
    chmodSync(path, 0o640)
    if (isRoot) chownSync(path, 65534, 65534)
    const original = readFileSync(path, 'utf8')
    const dry = await runCli(['openstack', 'apply', 'neutron.conf', '--file', path, '--release', 'juno', '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /^--- .*\n\+\+\+ .*\n@@ /)
    assert.match(dry.stdout, /\n\+dhcp_agents_per_network = 9999\n/)
    assert.equal(readFileSync(path, 'utf8'), original)
    const first = await runCli(['openstack', 'apply', 'neutron.conf', '--file', path, '--release', 'juno', '--backup'])
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /changed \[DEFAULT\] core_plugin/)
    assert.equal(readFileSync(`${path}.bak`, 'utf8'), original)
    const st = statSync(path)
    assert.equal(st.mode & 0o777, 0o640)
    if (isRoot) assert.deepEqual([st.uid, st.gid], [65534, 65534])
    const second = await runCli(['openstack', 'apply', 'neutron.conf', '--file', path, '--release', 'juno'])
    assert.equal(second.code, 0)
    assert.match(second.stdout, /nothing changed/)
    assert.deepEqual(readdirSync(dir).sort(), ['neutron.conf', 'neutron.conf.bak'])
  })
  test('a missing file: exit 6 with a hint about --create; --create makes it', async () => {
    const path = join(tmp(), 'ml2_conf.ini')
    const r = await runCli(['openstack', 'apply', 'ml2_conf.ini', '--file', path])
    assert.equal(r.code, 6)
    assert.match(r.stderr, /--create/)
    assert.equal(existsSync(path), false)
    const c = await runCli(['openstack', 'apply', 'ml2', '--file', path, '--create', '-o', 'json'])
    assert.equal(c.code, 0, c.stderr)
    assert.equal(JSON.parse(c.stdout).created, true)
    assert.match(readFileSync(path, 'utf8'), /^\[ml2\]\n/)
  })
  const refused: {name: string; content: Buffer; code: number; stderr: RegExp}[] = [
    {name: 'not valid oslo ini', content: Buffer.from('[DEFAULT]\n[neutron] # proxy\nservice_metadata_proxy = true\n'), code: 3, stderr: /:2: Invalid section/},
    {name: 'a binary file', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]), code: 3, stderr: /not a text file/},
  ]
  for (const row of refused) {
    test(`refuses ${row.name}: exit ${row.code}, nothing written`, async () => {
      const path = join(tmp(), 'nova.conf')
      writeFileSync(path, row.content)
      const r = await runCli(['openstack', 'apply', 'nova.conf', '--file', path])
      assert.equal(r.code, row.code, r.stderr)
      assert.match(r.stderr, row.stderr)
      assert.deepEqual(readFileSync(path), row.content)
    })
  }
  test('an unreadable file: exit 6', {skip: firstSkip(isRoot ? false : 'needs root to drop privileges', needTool('setpriv', 'util-linux', hasSetpriv))}, () => {
    const dir = tmp()
    chmodSync(dir, 0o755)
    const path = join(dir, 'nova.conf')
    writeFileSync(path, '[DEFAULT]\n')
    chmodSync(path, 0o600)
    const r = runAsNobody(['openstack', 'apply', 'nova.conf', '--file', path])
    assert.equal(r.code, 6, r.stderr)
    assert.match(r.stderr, /permission denied/)
    const c = runAsNobody(['openstack', 'check', '--nova', path])
    assert.equal(c.code, 6, c.stderr)
  })
})

describe('openstack check (CLI)', () => {
  test("the seed page's neutron.conf: exit 3, ML2Plugin flagged with its line", async () => {
    const r = await runCli(['openstack', 'check', '--neutron', join(FIX, 'neutron-page.conf'), '--release', 'kilo', '--nova', join(FIX, 'nova.conf.sample'), '--ml2', join(FIX, 'ml2_conf.ini'), '--dhcp', join(FIX, 'dhcp_agent.ini')])
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stdout, /core-plugin-page-spelling\s+\S*neutron-page\.conf:3 \[DEFAULT\]/)
    assert.match(r.stdout, /ml2-mechanism-drivers/)
    assert.match(r.stdout, /dhcp-interface-driver/)
    assert.match(r.stdout, /requirements broken/)
  })
  test('after apply, check passes; JSON is one document', async () => {
    const dir = tmp()
    const args: string[] = []
    for (const [kind, flag, fixture] of [['nova.conf', '--nova', 'nova.conf.sample'], ['neutron.conf', '--neutron', 'neutron.conf'], ['ml2_conf.ini', '--ml2', 'ml2_conf.ini'], ['dhcp_agent.ini', '--dhcp', 'dhcp_agent.ini']]) {
      copyFileSync(join(FIX, fixture), join(dir, kind))
      const a = await runCli(['openstack', 'apply', kind, '--file', join(dir, kind), '--release', 'kilo'])
      assert.equal(a.code, 0, a.stderr)
      args.push(flag, join(dir, kind))
    }
    const r = await runCli(['openstack', 'check', ...args, '--release', 'kilo', '-o', 'json'])
    assert.equal(r.code, 0, r.stdout)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.ok, true)
    assert.equal(doc.summary.errors, 0)
    assert.equal(doc.files.length, 4)
  })
  test('a named file that does not exist: exit 6', async () => {
    const r = await runCli(['openstack', 'check', '--ml2', '/nonexistent/ml2_conf.ini'])
    assert.equal(r.code, 6)
    assert.match(r.stderr, /\/nonexistent\/ml2_conf\.ini/)
  })
})

describe('help examples run as written', () => {
  const commands = [OpenstackRender, OpenstackApply, OpenstackCheck]
  for (const C of commands) {
    for (const ex of C.examples as {command: string}[]) {
      test(ex.command, async () => {
        const argv = ex.command.replace('<%= config.bin %> <%= command.id %>', '').trim().split(/\s+/)
        const id = C === OpenstackRender ? 'render' : C === OpenstackApply ? 'apply' : 'check'
        // Examples that write (apply --create) run in an empty directory; the others from the repository.
        const cwd = id === 'apply' ? tmp() : REPO_ROOT
        const r = await runCli(['openstack', id, ...argv], {cwd})
        assert.ok(r.code === 0 || (id === 'check' && r.code === 3), `${ex.command}: exit ${r.code}\n${r.stderr}`)
        assert.ok(r.stdout.length > 0)
      })
    }
  }
})
