/**
 * felixctl's "which file wins" against the real programs: procps `sysctl --system
 * --dry-run` and systemd-sysctl, run in a private mount namespace (unshare -m) with a
 * random test tree bind-mounted over /etc/sysctl.d, /run/sysctl.d,
 * /usr/local/lib/sysctl.d, /usr/lib/sysctl.d, /etc/sysctl.conf and
 * /proc/sys/net/netfilter. The real /proc/sys is never written: systemd-sysctl only
 * sees keys under --prefix=/net/netfilter, which is the test tree's directory there.
 */
import {describe, test, after} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {applySysctl} from '../../src/services/sysctl/apply.js'
import {checkSysctl} from '../../src/services/sysctl/check.js'
import {parseKernelInt} from '../../src/formats/sysctl-conf.js'
import {SYSTEMD_SYSCTL, firstSkip, isRoot, needTool, runs} from '../helpers/tools.js'
import {mulberry32} from '../helpers/prng.js'

const procpsOk = spawnSync('sysctl', ['--version'], {encoding: 'utf8'}).stdout?.includes('procps-ng') === true
const skip = firstSkip(
  needTool('systemd-sysctl', 'systemd', SYSTEMD_SYSCTL !== undefined),
  needTool('procps sysctl', 'procps', procpsOk),
  isRoot ? false : 'needs root for unshare -m',
  needTool('unshare', 'util-linux', runs('unshare', ['--version'])),
)

const RUNNER = `
set -e
T="$1"
mount --make-rprivate /
mount --bind "$T/etc/sysctl.d" /etc/sysctl.d
mount -t tmpfs tmpfs /run && mkdir -p /run/sysctl.d && mount --bind "$T/run/sysctl.d" /run/sysctl.d
mkdir -p /usr/local/lib && mount -t tmpfs tmpfs /usr/local/lib && mkdir -p /usr/local/lib/sysctl.d && mount --bind "$T/usr/local/lib/sysctl.d" /usr/local/lib/sysctl.d
mount --bind "$T/usr/lib/sysctl.d" /usr/lib/sysctl.d
if [ -f "$T/etc/sysctl.conf" ]; then mount --bind "$T/etc/sysctl.conf" /etc/sysctl.conf; else mount --bind /dev/null /etc/sysctl.conf; fi
mount --bind "$T/proc/sys/net/netfilter" /proc/sys/net/netfilter
echo "== procps"
# procps-ng 4.0.2 writes even with --dry-run (seen here): --pattern keeps it inside the test tree's
# net/netfilter, and the file gets a marker again before systemd-sysctl runs (which skips writing a value equal to the file's).
sysctl --system --dry-run --pattern '^net\\.netfilter\\.' 2>/dev/null | grep '^net.netfilter.nf_conntrack_max =' || true
echo x > "$T/proc/sys/net/netfilter/nf_conntrack_max"
echo "== systemd"
"$2" --prefix=/net/netfilter 2>/dev/null || true
`

/** mulberry32 (test/helpers/prng.ts) with the helpers the tree generator uses. */
function rng(seed: number) {
  const next = mulberry32(seed)
  return {next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]}
}

const roots: string[] = []
after(() => {
  for (const r of roots) rmSync(r, {recursive: true, force: true})
})

const CHECK_NAMES = ['10-a.conf', '50-b.conf', '99-sysctl.conf', '99-zz-felixctl-conntrack.conf', 'zz-last.conf', '60-x.conf.disabled']

/**
 * A random tree of the shapes of issue 15. `apply` trees add a drop-in sorting after felixctl's, a live
 * value, and sometimes something that loads nf_conntrack at boot.
 */
function randomTree(seed: number, kind: 'check' | 'apply' = 'check'): {root: string; files: Record<string, string>} {
  const r = rng(seed)
  const root = mkdtempSync(join(tmpdir(), `felixctl-sysctl-real-${seed}-`))
  roots.push(root)
  const files: Record<string, string> = {}
  for (const d of ['etc/sysctl.d', 'run/sysctl.d', 'usr/local/lib/sysctl.d', 'usr/lib/sysctl.d', 'proc/sys/net/netfilter']) mkdirSync(join(root, d), {recursive: true})
  symlinkSync('usr/lib', join(root, 'lib'))
  writeFileSync(join(root, 'proc/sys/net/netfilter/nf_conntrack_max'), '')
  writeFileSync(join(root, 'proc/sys/net/netfilter/nf_conntrack_count'), '')
  const value = () => String(r.pick([65536, 262144, 1000000, 2000000, 1 + r.int(5000000)]))
  const line = (): string => {
    switch (r.int(12)) {
      case 0:
        return '# net.netfilter.nf_conntrack_max = 1'
      case 1:
        return `net.netfilter.* = ${value()}`
      case 2:
        return `net.netfilter.nf_conntrack_m?x=${value()}`
      case 3:
        return '-net.netfilter.nf_conntrack_max'
      case 4:
        return `-net.netfilter.nf_conntrack_max = ${value()}`
      case 5:
        return `- net.netfilter.nf_conntrack_max = ${value()}`
      case 6:
        return `net/netfilter/nf_conntrack_max=${value()}`
      case 7:
        return `  net.netfilter.nf_conntrack_max\t=  ${value()}  `
      case 8:
        return 'net.netfilter.nf_conntrack_max ='
      default:
        return `net.netfilter.nf_conntrack_max = ${value()}`
    }
  }
  const content = () => Array.from({length: 1 + r.int(3)}, line).join('\n') + (r.int(4) === 0 ? '' : '\n')
  const names = kind === 'check' ? CHECK_NAMES : [...CHECK_NAMES, '99-zz-late.conf']
  for (const dir of ['etc/sysctl.d', 'run/sysctl.d', 'usr/local/lib/sysctl.d', 'usr/lib/sysctl.d']) {
    for (const name of names) {
      if (r.int(4) !== 0) continue
      const p = join(root, dir, name)
      if (dir === 'etc/sysctl.d' && name === '99-sysctl.conf') symlinkSync('../sysctl.conf', p)
      else if (dir !== 'usr/lib/sysctl.d' && r.int(5) === 0) symlinkSync('/dev/null', p)
      else writeFileSync(p, (files[`/${dir}/${name}`] = content()))
    }
  }
  if (r.int(4) !== 0) writeFileSync(join(root, 'etc/sysctl.conf'), (files['/etc/sysctl.conf'] = content()))
  if (kind === 'apply') {
    writeFileSync(join(root, 'proc/sys/net/netfilter/nf_conntrack_max'), (files.live = r.pick(['', '65536\n', '262144\n', '1000000\n', '4000000\n'])))
    const moduleAt = r.pick([null, null, 'etc/modules-load.d/ct.conf', 'usr/lib/modules-load.d/ct.conf', 'etc/modules'])
    if (moduleAt) {
      mkdirSync(dirname(join(root, moduleAt)), {recursive: true})
      writeFileSync(join(root, moduleAt), (files[moduleAt] = '# boot\nnf_conntrack\n'))
    }
  }
  return {root, files}
}

function realTools(root: string): {procps: string | null; systemd: string | null} {
  const res = spawnSync('unshare', ['-m', 'bash', '-c', RUNNER, 'runner', root, SYSTEMD_SYSCTL!], {encoding: 'utf8'})
  assert.equal(res.status, 0, res.stderr)
  const [, procpsPart] = res.stdout.split('== procps\n')
  const procpsLines = procpsPart.split('== systemd')[0].trim().split('\n').filter(Boolean)
  // The kernel rejects a value that is not an integer and keeps the one before: the last valid write counts.
  const valid = procpsLines.map((l) => l.replace(/^net\.netfilter\.nf_conntrack_max = ?/, '')).filter((v) => parseKernelInt(v) !== null)
  const procps = valid.length ? valid.at(-1)! : null
  const written = readFileSync(join(root, 'proc/sys/net/netfilter/nf_conntrack_max'), 'utf8')
  // "x" is the marker put there before systemd-sysctl runs: nothing was written.
  // systemd does not truncate: what it wrote is the first line.
  const first = written.split('\n')[0]
  return {procps, systemd: first === 'x' ? null : first}
}

describe('sysctl check agrees with procps and systemd-sysctl', {skip}, () => {
  const seeds = Array.from({length: Number(process.env.SYSCTL_REAL_TREES ?? 40)}, (_, i) => 1000 + i)
  for (const seed of seeds) {
    test(`random tree, seed ${seed}`, () => {
      const {root, files} = randomTree(seed)
      const ours = checkSysctl({root})
      const theirs = realTools(root)
      const context = `seed ${seed}: ours boot=${ours.persisted.boot?.raw} system=${ours.persisted.sysctlSystem?.raw}; real systemd=${theirs.systemd} procps=${theirs.procps}\n${JSON.stringify(files, null, 1)}\n${JSON.stringify(ours.persisted.files, null, 1)}`
      assert.equal(ours.persisted.boot?.raw ?? null, theirs.systemd, `boot (systemd-sysctl): ${context}`)
      assert.equal(ours.persisted.sysctlSystem?.raw ?? null, theirs.procps, `sysctl --system (procps): ${context}`)
    })
  }

  /** Every file and link of the tree, byte for byte (the proc file too). */
  function snapshot(dir: string, out: Record<string, string> = {}, base = dir): Record<string, string> {
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n)
      const st = lstatSync(p)
      if (st.isSymbolicLink()) out[p.slice(base.length)] = `-> ${readlinkSync(p)}`
      else if (st.isDirectory()) snapshot(p, out, base)
      else out[p.slice(base.length)] = `${(st.mode & 0o7777).toString(8)} ${readFileSync(p, 'base64')}`
    }
    return out
  }
  /** What the host's own loaders read: apply --root must never touch it. */
  const hostState = () => {
    const out: Record<string, string> = {}
    for (const d of ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/etc/modules-load.d']) if (existsSync(d)) snapshot(d, out, '')
    for (const f of ['/etc/sysctl.conf', '/etc/modules']) if (existsSync(f)) out[f] = readFileSync(f, 'base64')
    return out
  }

  const applyTrees = Math.max(1, Number(process.env.FELIXCTL_SYSCTL_TREES ?? 50) || 50)
  for (let i = 0; i < applyTrees; i++) {
    const seed = 5000 + i
    test(`apply --yes on a random tree holds in both loaders, seed ${seed}`, async () => {
      const {root, files} = randomTree(seed, 'apply')
      const host = hostState()
      const first = await applySysctl({root})
      const target = first.persistValue
      const context = () => `seed ${seed}\n${JSON.stringify(files, null, 1)}\n${JSON.stringify(first.actions, null, 1)}\n${JSON.stringify(first.problems, null, 1)}`
      assert.equal(first.exitCode, 0, `apply exits 0: ${context()}`)
      assert.ok(target !== null && target >= 1000000, context())
      const after = snapshot(root)
      const second = await applySysctl({root})
      assert.equal(second.changed, false, `a second apply changes nothing: ${JSON.stringify(second.actions)} ${context()}`)
      assert.deepEqual(snapshot(root), after, `no byte changed by the second apply: ${context()}`)
      const check = checkSysctl({root})
      assert.equal(check.exitCode, 0, `check exits 0: ${JSON.stringify(check.problems, null, 1)} ${context()}`)
      assert.deepEqual(hostState(), host, 'nothing outside the tree is touched')
      assert.deepEqual(realTools(root), {procps: String(target), systemd: String(target)}, `both loaders yield the target: ${context()}`)
    })
  }

  test('the boot-vs-sysctl --system disagreement of docs/reference/host-sysctl.md §2.4, on the real tools', () => {
    const root = mkdtempSync(join(tmpdir(), 'felixctl-sysctl-real-'))
    roots.push(root)
    const put = (p: string, c: string) => {
      mkdirSync(dirname(join(root, p)), {recursive: true})
      writeFileSync(join(root, p), c)
    }
    for (const d of ['run/sysctl.d', 'usr/local/lib/sysctl.d', 'usr/lib/sysctl.d']) mkdirSync(join(root, d), {recursive: true})
    put('proc/sys/net/netfilter/nf_conntrack_max', '')
    put('etc/sysctl.conf', 'net.netfilter.nf_conntrack_max=65536\n')
    put('etc/sysctl.d/99-zz-felixctl-conntrack.conf', 'net.netfilter.nf_conntrack_max = 1000000\n')
    symlinkSync('../sysctl.conf', join(root, 'etc/sysctl.d/99-sysctl.conf'))
    symlinkSync('usr/lib', join(root, 'lib'))
    const ours = checkSysctl({root})
    assert.deepEqual(realTools(root), {procps: '65536', systemd: '1000000'})
    assert.equal(ours.persisted.boot?.value, 1000000)
    assert.equal(ours.persisted.sysctlSystem?.value, 65536)
  })
})
