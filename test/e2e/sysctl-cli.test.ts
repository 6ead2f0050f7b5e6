import {describe, test, after} from 'node:test'
import assert from 'node:assert/strict'
import {chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CLI, REPO_ROOT, runCli} from '../helpers/cli.js'

const FIXTURE = join(REPO_ROOT, 'test/fixtures/sysctl/debian-fresh')
const DROP_IN = 'etc/sysctl.d/99-zz-felixctl-conntrack.conf'
const MAX = 'proc/sys/net/netfilter/nf_conntrack_max'
const roots: string[] = []
after(() => {
  for (const r of roots) rmSync(r, {recursive: true, force: true})
})

function copyFixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'felixctl-sysctl-e2e-'))
  roots.push(root)
  cpSync(FIXTURE, root, {recursive: true, verbatimSymlinks: true})
  chmodSync(root, 0o755)
  return root
}

/** Run the CLI as nobody (root ignores file modes, so this is how "not root" is tested). */
function runAsNobody(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args], {cwd: REPO_ROOT, env: {PATH: process.env.PATH, NO_COLOR: '1'}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}

describe('felixctl sysctl check', () => {
  test('fresh image tree: table on stdout, exit 3', async () => {
    const r = await runCli(['sysctl', 'check', '--root', FIXTURE])
    assert.equal(r.code, 3, r.stderr)
    assert.equal(r.stderr, '')
    assert.match(r.stdout, /^key: +net\.netfilter\.nf_conntrack_max$/m)
    assert.match(r.stdout, /^live: +262144 \(recommended 1000000\)$/m)
    assert.match(r.stdout, /^usage: +1200 \/ 262144 entries \(0\.5 %\)$/m)
    assert.match(r.stdout, /^persisted \(boot\): none$/m)
    assert.match(r.stdout, /^ERROR +not-persisted: /m)
  })

  test('JSON: one document with the documented shape', async () => {
    const r = await runCli(['sysctl', 'check', '--root', FIXTURE, '-o', 'json', '--value', '200000'])
    assert.equal(r.code, 3)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(Object.keys(doc), ['root', 'key', 'live', 'recommended', 'usagePercent', 'memoryAtFullBytes', 'persisted', 'moduleAtBoot', 'problems', 'exitCode'])
    assert.deepEqual(doc.live, {max: 262144, count: 1200, buckets: 262144, moduleLoaded: true, writable: true})
    assert.equal(doc.recommended, 200000)
    assert.deepEqual(doc.persisted.boot, null)
    assert.deepEqual(doc.moduleAtBoot, {configured: false, where: []})
    assert.deepEqual(doc.problems.map((p: {code: string}) => p.code), ['not-persisted', 'boot-order-trap'])
    assert.deepEqual(Object.keys(doc.problems[0]), ['severity', 'code', 'param', 'layer', 'origin', 'message', 'hint'])
  })

  test('this machine, read-only: the live value is the real /proc/sys one', async () => {
    const live = existsSync('/proc/sys/net/netfilter/nf_conntrack_max') ? Number(readFileSync('/proc/sys/net/netfilter/nf_conntrack_max', 'utf8')) : null
    const before = live === null ? null : readFileSync('/proc/sys/net/netfilter/nf_conntrack_max', 'utf8')
    const r = await runCli(['sysctl', 'check', '-o', 'json'])
    assert.ok(r.code === 0 || r.code === 3, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.root, '/')
    assert.equal(doc.live.max, live)
    assert.equal(doc.live.moduleLoaded, live !== null)
    if (before !== null) assert.equal(readFileSync('/proc/sys/net/netfilter/nf_conntrack_max', 'utf8'), before)
  })

  test('an invalid --value is exit 3', async () => {
    const r = await runCli(['sysctl', 'check', '--root', FIXTURE, '--value', '1e6'])
    assert.equal(r.code, 3)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /--value "1e6" is not valid/)
  })

  test('a FIFO in etc/sysctl.d is exit 6 naming it, in check and in doctor (never a hang)', async () => {
    const root = copyFixture()
    execFileSync('mkfifo', [join(root, 'etc/sysctl.d/50-fifo.conf')])
    const check = await runCli(['sysctl', 'check', '--root', root])
    assert.equal(check.code, 6, check.stderr)
    assert.match(check.stderr, /50-fifo\.conf: not a regular file/)
    const doc = await runCli(['doctor', '--host', 'node2', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json', '--root', root, '-o', 'json'])
    assert.equal(doc.code, 6, doc.stderr)
    assert.equal(JSON.parse(doc.stdout).sysctl.exitCode, 6)
  })
})

describe('felixctl sysctl apply', () => {
  test('apply, then apply again: the second run changes nothing and says so', async () => {
    const root = copyFixture()
    const first = await runCli(['sysctl', 'apply', '--root', root])
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /^Applied 3 changes:$/m)
    assert.match(first.stdout, /^ {2}create \/etc\/modules-load.d\/felixctl-conntrack.conf \(load nf_conntrack at boot\)$/m)
    assert.match(first.stdout, /^ {2}set \/proc\/sys\/net\/netfilter\/nf_conntrack_max: 262144 -> 1000000$/m)
    assert.match(first.stdout, /^live +262144 +1000000$/m)
    assert.equal(readFileSync(join(root, MAX), 'utf8'), '1000000\n')
    assert.match(readFileSync(join(root, DROP_IN), 'utf8'), /^net\.netfilter\.nf_conntrack_max = 1000000$/m)
    const drop = readFileSync(join(root, DROP_IN), 'utf8')
    const second = await runCli(['sysctl', 'apply', '--root', root])
    assert.equal(second.code, 0)
    assert.match(second.stdout, /^Nothing to change/m)
    assert.equal(readFileSync(join(root, DROP_IN), 'utf8'), drop)
    const check = await runCli(['sysctl', 'check', '--root', root])
    assert.equal(check.code, 0, check.stdout)
  })

  test('--dry-run prints a diff and writes nothing', async () => {
    const root = copyFixture()
    const r = await runCli(['sysctl', 'apply', '--root', root, '--dry-run', '--value', '2000000'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /^Dry run: nothing was written/m)
    assert.match(r.stdout, /^\+net\.netfilter\.nf_conntrack_max = 2000000$/m)
    assert.equal(existsSync(join(root, DROP_IN)), false)
    assert.equal(readFileSync(join(root, MAX), 'utf8'), '262144\n')
  })

  test('JSON result carries before, after and actions', async () => {
    const root = copyFixture()
    const r = await runCli(['sysctl', 'apply', '--root', root, '--load-module', '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(doc.actions.map((a: {kind: string; purpose?: string}) => a.purpose ?? a.kind), ['live', 'module-at-boot', 'persist'])
    assert.equal(doc.before.live.max, 262144)
    assert.equal(doc.after.live.max, 1000000)
    assert.equal(doc.after.moduleAtBoot.configured, true)
    assert.equal(readFileSync(join(root, 'etc/modules-load.d/felixctl-conntrack.conf'), 'utf8').trim().split('\n').at(-1), 'nf_conntrack')
  })

  test('usage errors are exit 2', async () => {
    const root = copyFixture()
    const both = await runCli(['sysctl', 'apply', '--root', root, '--persist-to', '/etc/sysctl.conf', '--no-persist'])
    assert.equal(both.code, 2)
    const elsewhere = await runCli(['sysctl', 'apply', '--root', root, '--persist-to', '/etc/conntrack.conf'])
    assert.equal(elsewhere.code, 2)
    assert.match(elsewhere.stderr, /neither systemd-sysctl nor `sysctl --system` reads this file/)
  })

  test('an invalid --value is exit 3 and writes nothing', async () => {
    const root = copyFixture()
    for (const v of ['0', '2147483648', 'abc', '-1']) {
      const r = await runCli(['sysctl', 'apply', '--root', root, `--value=${v}`])
      assert.equal(r.code, 3, `${v}: ${r.stderr}`)
    }
    assert.equal(existsSync(join(root, DROP_IN)), false)
    assert.equal(readFileSync(join(root, MAX), 'utf8'), '262144\n')
  })

  test('not root: exit 6 with a clear error, nothing half-written', async () => {
    const root = copyFixture()
    const r = await runAsNobody(['sysctl', 'apply', '--root', root])
    assert.equal(r.code, 6, r.stderr)
    assert.match(r.stderr, /^Error: cannot write .*nf_conntrack_max: permission denied; nothing was written$/m)
    assert.match(r.stderr, /^Hint: /m)
    assert.equal(readFileSync(join(root, MAX), 'utf8'), '262144\n')
    assert.equal(existsSync(join(root, DROP_IN)), false)
    // Reading is fine for anyone.
    const check = await runAsNobody(['sysctl', 'check', '--root', root, '-o', 'json'])
    assert.equal(check.code, 3, check.stderr)
    assert.equal(JSON.parse(check.stdout).live.writable, false)
  })
})

describe('felixctl sysctl apply: issue 15', () => {
  /** Every file of a tree with its bytes (links as their target). */
  function bytes(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n)
      const st = lstatSync(p)
      if (st.isDirectory()) bytes(p, base, out)
      else out[p.slice(base.length)] = st.isSymbolicLink() ? 'link' : readFileSync(p, 'base64')
    }
    return out
  }

  test('a later /run file is shadowed in /etc/sysctl.d; the plan says why; check then exits 0', async () => {
    const root = copyFixture()
    mkdirSync(join(root, 'run/sysctl.d'), {recursive: true})
    writeFileSync(join(root, 'run/sysctl.d/zz-last.conf'), '# runtime\nnet.netfilter.nf_conntrack_max   =   65536\n')
    const r = await runCli(['sysctl', 'apply', '--root', root, '--yes'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /^ {2}create \/etc\/sysctl.d\/zz-last.conf \(shadow \/run\/sysctl.d\/zz-last.conf\)$/m)
    assert.match(r.stdout, /^ {6}why: \/run\/sysctl.d\/zz-last.conf:2 sets "65536" and wins at boot and with `sysctl --system`; not edited \(a file under \/run is gone after a reboot\)/m)
    assert.equal(readFileSync(join(root, 'etc/sysctl.d/zz-last.conf'), 'utf8'), '# runtime\nnet.netfilter.nf_conntrack_max   =   1000000\n')
    assert.equal(readFileSync(join(root, 'run/sysctl.d/zz-last.conf'), 'utf8'), '# runtime\nnet.netfilter.nf_conntrack_max   =   65536\n')
    assert.equal((await runCli(['sysctl', 'check', '--root', root])).code, 0)
    const again = await runCli(['sysctl', 'apply', '--root', root, '--yes'])
    assert.match(again.stdout, /^Nothing to change/m)
  })

  test('--persist-to a file under /run or /usr is exit 2 with the /etc override as hint', async () => {
    const root = copyFixture()
    const r = await runCli(['sysctl', 'apply', '--root', root, '--persist-to', '/usr/lib/sysctl.d/zz-last.conf'])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /^Error: --persist-to \/usr\/lib\/sysctl.d\/zz-last.conf: felixctl does not write there \(a file under \/usr belongs to a package: the next upgrade overwrites it\)$/m)
    assert.match(r.stderr, /^Hint: .*\/etc\/sysctl.d\/zz-last.conf/m)
    assert.equal(existsSync(join(root, DROP_IN)), false)
  })

  test('--no-load-module says the value will not hold after a reboot', async () => {
    const root = copyFixture()
    const r = await runCli(['sysctl', 'apply', '--root', root, '--no-load-module', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /value-lost-at-reboot: .*will not hold after a reboot/)
    assert.equal(existsSync(join(root, 'etc/modules-load.d/felixctl-conntrack.conf')), false)
    assert.equal((await runCli(['sysctl', 'check', '--root', root])).code, 3)
  })

  const unshareOk = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0
  test('a read-only /etc (a read-only mount): exit 6 and no byte of the tree changed', {skip: unshareOk ? false : 'needs root and unshare -m'}, () => {
    const root = copyFixture()
    mkdirSync(join(root, 'run/sysctl.d'), {recursive: true})
    writeFileSync(join(root, 'run/sysctl.d/zz-last.conf'), 'net.netfilter.nf_conntrack_max = 65536\n')
    const before = bytes(root)
    const script = 'mount --make-rprivate / && mount --bind "$1/etc" "$1/etc" && mount -o remount,bind,ro "$1/etc" && exec "$2" "$3" sysctl apply --root "$1" --yes'
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', root, process.execPath, CLI], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
    assert.equal(r.status, 6, r.stdout + r.stderr)
    assert.match(r.stderr, /^Error: cannot write .*: read-only file system; nothing was written$/m)
    assert.deepEqual(bytes(root), before)
  })
})
