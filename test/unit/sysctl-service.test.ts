import {describe, test, after} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {applySysctl} from '../../src/services/sysctl/apply.js'
import {checkSysctl} from '../../src/services/sysctl/check.js'
import {DEFAULT_DROP_IN, MODULES_LOAD_ENTRY} from '../../src/services/sysctl/model.js'
import {CheckFailedError, LocalIoError, UsageError} from '../../src/errors.js'

const roots: string[] = []
after(() => {
  for (const r of roots) {
    spawnSync('chattr', ['-R', '-i', r])
    rmSync(r, {recursive: true, force: true})
  }
})

type Spec = Record<string, string | {link: string}>
const MAX = '/proc/sys/net/netfilter/nf_conntrack_max'

/** A --root tree: a Debian-like layout (merged /usr, 99-sysctl.conf -> ../sysctl.conf) plus `spec`. */
function tree(spec: Spec, base: 'debian' | 'bare' = 'debian', live: Record<string, string> | null = {nf_conntrack_max: '262144', nf_conntrack_count: '1000', nf_conntrack_buckets: '262144'}): string {
  const root = mkdtempSync(join(tmpdir(), 'felixctl-sysctl-'))
  roots.push(root)
  const all: Spec = base === 'debian' ? {'/lib': {link: 'usr/lib'}, '/etc/sysctl.d/99-sysctl.conf': {link: '../sysctl.conf'}, '/etc/sysctl.conf': '# debian\n', '/usr/lib/sysctl.d/50-pid-max.conf': 'kernel.pid_max = 4194304\n'} : {}
  if (live) for (const [k, v] of Object.entries(live)) all[`/proc/sys/net/netfilter/${k}`] = v + '\n'
  Object.assign(all, spec)
  for (const [p, c] of Object.entries(all)) {
    const abs = join(root, p)
    mkdirSync(dirname(abs), {recursive: true})
    rmSync(abs, {force: true})
    if (typeof c === 'string') writeFileSync(abs, c)
    else symlinkSync(c.link, abs)
  }
  return root
}

const read = (root: string, p: string) => readFileSync(join(root, p), 'utf8')
const codes = (problems: {code: string}[]) => problems.map((p) => p.code).sort()

describe('sysctl check on --root trees', () => {
  test('fresh host: below recommendation, not persisted, exit 3', () => {
    const r = checkSysctl({root: tree({})})
    assert.deepEqual(r.live, {max: 262144, count: 1000, buckets: 262144, moduleLoaded: true, writable: true})
    assert.equal(r.usagePercent, 0.4)
    assert.equal(r.persisted.boot, null)
    assert.deepEqual(r.persisted.bootOrder, ['/usr/lib/sysctl.d/50-pid-max.conf', '/etc/sysctl.d/99-sysctl.conf'])
    assert.deepEqual(codes(r.problems), ['boot-order-trap', 'live-below-recommended', 'not-persisted'])
    assert.equal(r.exitCode, 3)
  })

  test('already set live and at boot, module loaded at boot: exit 0', () => {
    const root = tree({'/etc/sysctl.d/60-ct.conf': 'net.netfilter.nf_conntrack_max = 1000000\n', '/etc/modules-load.d/ct.conf': 'nf_conntrack\n'}, 'debian', {nf_conntrack_max: '1000000', nf_conntrack_count: '900000'})
    const r = checkSysctl({root})
    assert.deepEqual(r.persisted.boot, {value: 1000000, raw: '1000000', path: '/etc/sysctl.d/60-ct.conf', line: 1, key: 'net.netfilter.nf_conntrack_max'})
    assert.deepEqual(r.moduleAtBoot, {configured: true, where: ['/etc/modules-load.d/ct.conf:1']})
    assert.equal(r.usagePercent, 90)
    assert.deepEqual(codes(r.problems), ['conntrack-usage-high'])
    assert.equal(r.exitCode, 0)
  })

  test('lower in sysctl.conf, higher in a later drop-in: boot and sysctl --system disagree', () => {
    const root = tree({'/etc/sysctl.conf': 'net.netfilter.nf_conntrack_max=65536\n', '/etc/sysctl.d/99-zz-local.conf': 'net.netfilter.nf_conntrack_max = 2000000\n', '/etc/modules': 'nf_conntrack\n'}, 'debian', {nf_conntrack_max: '2000000'})
    const r = checkSysctl({root})
    assert.equal(r.persisted.boot?.value, 2000000)
    assert.equal(r.persisted.boot?.path, '/etc/sysctl.d/99-zz-local.conf')
    assert.deepEqual(r.persisted.sysctlSystem, {value: 65536, raw: '65536', path: '/etc/sysctl.conf', line: 1, key: 'net.netfilter.nf_conntrack_max'})
    assert.deepEqual(r.persisted.files.map((f) => [f.path, f.status]), [
      ['/etc/sysctl.d/99-sysctl.conf', 'shadowed'],
      ['/etc/sysctl.d/99-zz-local.conf', 'effective'],
      ['/etc/sysctl.conf', 'not-at-boot'],
    ])
    assert.equal(r.persisted.files[0].realPath, '/etc/sysctl.conf')
    assert.ok(codes(r.problems).includes('sysctl-system-disagrees'))
    assert.equal(r.exitCode, 0, 'the persisted value is the boot one')
  })

  test('a drop-in named before 99-sysctl.conf loses to /etc/sysctl.conf at boot', () => {
    const r = checkSysctl({root: tree({'/etc/sysctl.conf': 'net.netfilter.nf_conntrack_max=65536\n', '/etc/sysctl.d/60-ct.conf': 'net.netfilter.nf_conntrack_max = 1000000\n'})})
    assert.equal(r.persisted.boot?.value, 65536)
    assert.ok(codes(r.problems).includes('persisted-below-recommended'))
  })

  test('module not loaded: reported, nothing fails obscurely', () => {
    const r = checkSysctl({root: tree({'/etc/sysctl.d/60-ct.conf': 'net.netfilter.nf_conntrack_max = 1000000\n'}, 'debian', null)})
    assert.equal(r.live.moduleLoaded, false)
    assert.equal(r.live.max, null)
    assert.deepEqual(codes(r.problems), ['boot-order-trap', 'module-not-loaded'])
    assert.equal(r.problems.find((p) => p.code === 'boot-order-trap')?.severity, 'error', 'issue 15: the persisted value is worth nothing after a reboot')
    assert.equal(r.exitCode, 3)
  })

  test('duplicate lines: the last counts, reported', () => {
    const line = 'net.netfilter.nf_conntrack_max=1000000\n'
    const r = checkSysctl({root: tree({'/etc/sysctl.conf': line + line + 'net.netfilter.nf_conntrack_max=5\n'})})
    assert.equal(r.persisted.boot?.line, 3)
    assert.equal(r.persisted.boot?.value, 5)
    assert.ok(codes(r.problems).includes('duplicate-definitions'))
  })

  test('a higher-priority directory hides the same name; /dev/null masks', () => {
    const root = tree({
      '/usr/lib/sysctl.d/70-vendor.conf': 'net.netfilter.nf_conntrack_max = 5\n',
      '/etc/sysctl.d/70-vendor.conf': {link: '/dev/null'},
      '/usr/lib/sysctl.d/80-other.conf': 'net.netfilter.nf_conntrack_max = 6\n',
      '/run/sysctl.d/80-other.conf': 'net.netfilter.nf_conntrack_max = 1500000\n',
    })
    const r = checkSysctl({root})
    assert.deepEqual(r.persisted.files.map((f) => [f.path, f.status]), [
      ['/usr/lib/sysctl.d/70-vendor.conf', 'hidden'],
      ['/run/sysctl.d/80-other.conf', 'effective'],
      ['/usr/lib/sysctl.d/80-other.conf', 'hidden'],
    ])
    assert.match(r.persisted.files[0].note ?? '', /masked/)
    assert.equal(r.persisted.boot?.value, 1500000)
  })

  test('/lib/sysctl.d is read only when /lib is not a link to usr/lib', () => {
    const spec = {'/lib/sysctl.d/90-lib.conf': 'net.netfilter.nf_conntrack_max = 3000000\n'}
    assert.equal(checkSysctl({root: tree(spec, 'bare')}).persisted.boot?.value, 3000000)
    const merged = tree({'/usr/lib/sysctl.d/10-x.conf': 'net.netfilter.nf_conntrack_max = 7\n'})
    // Same directory through the link: listed once, under /usr/lib.
    assert.deepEqual(checkSysctl({root: merged}).persisted.files.map((f) => f.path), ['/usr/lib/sysctl.d/10-x.conf'])
  })

  test('globs: an explicit key wins wherever it is; "-key" excludes it from globs', () => {
    const g = tree({'/etc/sysctl.d/90-glob.conf': 'net.netfilter.* = 4000000\n', '/etc/sysctl.d/10-x.conf': 'net/netfilter/nf_conntrack_max = 1200000\n'})
    const r = checkSysctl({root: g})
    assert.equal(r.persisted.boot?.value, 1200000)
    assert.equal(r.persisted.files.find((f) => f.glob)?.status, 'ignored')
    const onlyGlob = checkSysctl({root: tree({'/etc/sysctl.d/90-glob.conf': 'net.netfilter.nf_conntrack_* = 4000000\n'})})
    assert.equal(onlyGlob.persisted.boot?.value, 4000000)
    const excluded = checkSysctl({root: tree({'/etc/sysctl.d/90-glob.conf': 'net.netfilter.* = 4000000\n', '/usr/lib/sysctl.d/10-ex.conf': '-net.netfilter.nf_conntrack_max\n'})})
    assert.equal(excluded.persisted.boot, null)
  })

  test('"- key = v": systemd applies it, procps never does', () => {
    const r = checkSysctl({root: tree({'/etc/sysctl.d/10-a.conf': 'net.netfilter.nf_conntrack_max=1000000\n', '/etc/sysctl.d/20-b.conf': '- net.netfilter.nf_conntrack_max = 12\n'})})
    assert.equal(r.persisted.boot?.value, 12)
    assert.equal(r.persisted.sysctlSystem?.value, 1000000)
  })

  test('an invalid last value: boot keeps the kernel default, procps keeps the one before', () => {
    const r = checkSysctl({root: tree({'/etc/sysctl.d/10-a.conf': 'net.netfilter.nf_conntrack_max=1000000\nnet.netfilter.nf_conntrack_max=1e6\n'})})
    assert.equal(r.persisted.boot?.value, null)
    assert.equal(r.persisted.boot?.raw, '1e6')
    assert.equal(r.persisted.sysctlSystem?.value, 1000000)
    assert.ok(codes(r.problems).includes('persisted-invalid'))
  })

  test('module at boot via /etc/modules, or a udev rule, disarms the boot-order trap', () => {
    const conf = {'/etc/sysctl.d/60-ct.conf': 'net.netfilter.nf_conntrack_max = 1000000\n'}
    const viaModules = checkSysctl({root: tree({...conf, '/etc/modules': '# modules\nnf_conntrack\n'})})
    assert.deepEqual(viaModules.moduleAtBoot.where, ['/etc/modules:2'])
    assert.ok(!codes(viaModules.problems).includes('boot-order-trap'))
    const viaUdev = checkSysctl({root: tree({...conf, '/etc/udev/rules.d/90-ct.rules': 'ACTION=="add", SUBSYSTEM=="module", KERNEL=="nf_conntrack", RUN+="/usr/lib/systemd/systemd-sysctl --prefix=/net/netfilter"\n'})})
    assert.deepEqual(viaUdev.udevRule, {path: '/etc/udev/rules.d/90-ct.rules', line: 1})
    assert.ok(!codes(viaUdev.problems).includes('boot-order-trap'))
  })

  test('a recommendation given is validated', () => {
    for (const bad of ['0', '-1', '1e6', '2147483648', 'abc', '']) assert.throws(() => checkSysctl({root: tree({}), recommended: bad}), CheckFailedError, bad)
  })

  test('a missing --root is exit 6', () => {
    assert.throws(() => checkSysctl({root: '/nonexistent/felixctl-root'}), LocalIoError)
  })
})

describe('sysctl apply on --root trees', () => {
  test('fresh host: live write, drop-in created; a second run changes nothing', async () => {
    const root = tree({})
    const r = await applySysctl({root})
    assert.equal(r.changed, true)
    assert.deepEqual(r.actions.map((a) => (a.kind === 'file' ? a.purpose : a.kind)), ['live', 'module-at-boot', 'persist'])
    assert.equal(read(root, MAX), '1000000\n')
    assert.equal(read(root, DEFAULT_DROP_IN), '# Written by felixctl sysctl apply: the conntrack table size Calico recommends.\n# Edit with `felixctl sysctl apply --value N`.\nnet.netfilter.nf_conntrack_max = 1000000\n')
    assert.equal(read(root, '/etc/sysctl.conf'), '# debian\n')
    assert.equal(r.after.persisted.boot?.value, 1000000)
    assert.equal(r.after.persisted.sysctlSystem?.value, 1000000)
    assert.equal(r.exitCode, 0)
    const again = await applySysctl({root})
    assert.equal(again.changed, false)
    assert.deepEqual(again.actions, [])
    assert.deepEqual(readdirSync(join(root, 'etc/sysctl.d')).sort(), ['99-sysctl.conf', '99-zz-felixctl-conntrack.conf'])
  })

  test('lower in sysctl.conf (with duplicates): fixed there too, so boot and sysctl --system agree', async () => {
    const line = 'net.netfilter.nf_conntrack_max=65536\n'
    const root = tree({'/etc/sysctl.conf': '# keep me\n' + line + 'vm.swappiness = 10\n' + line})
    const r = await applySysctl({root})
    assert.equal(read(root, '/etc/sysctl.conf'), '# keep me\nvm.swappiness = 10\nnet.netfilter.nf_conntrack_max=1000000\n')
    const agree = r.actions.find((a) => a.kind === 'file' && a.purpose === 'agree')
    assert.deepEqual(agree && agree.kind === 'file' ? agree.removedDuplicateLines : null, [2])
    // Fewest edits: /etc/sysctl.conf is read at boot through the Debian link, so no drop-in is needed.
    assert.equal(r.after.persisted.boot?.path, '/etc/sysctl.d/99-sysctl.conf')
    assert.equal(existsSync(join(root, DEFAULT_DROP_IN)), false)
    assert.equal(r.after.persisted.sysctlSystem?.value, 1000000)
    assert.ok(!codes(r.after.problems).includes('sysctl-system-disagrees'))
    assert.equal((await applySysctl({root})).changed, false)
  })

  test('--persist-to /etc/sysctl.conf replaces the line instead of appending', async () => {
    const root = tree({'/etc/sysctl.conf': '# a\nnet.netfilter.nf_conntrack_max = 65536\n# b\n'})
    await applySysctl({root, persistTo: '/etc/sysctl.conf'})
    assert.equal(read(root, '/etc/sysctl.conf'), '# a\nnet.netfilter.nf_conntrack_max = 1000000\n# b\n')
    assert.equal(existsSync(join(root, DEFAULT_DROP_IN)), false)
    assert.equal((await applySysctl({root, persistTo: '/etc/sysctl.conf'})).changed, false)
  })

  test('never lowers a higher value unless --force', async () => {
    const root = tree({'/etc/sysctl.d/60-ct.conf': 'net.netfilter.nf_conntrack_max = 3000000\n', '/etc/modules-load.d/ct.conf': 'nf_conntrack\n'}, 'debian', {nf_conntrack_max: '3000000'})
    const r = await applySysctl({root, value: 1000000})
    assert.equal(r.changed, false)
    assert.deepEqual(codes(r.problems), ['live-not-lowered', 'persisted-not-lowered'])
    assert.equal(read(root, MAX), '3000000\n')
    const forced = await applySysctl({root, value: 1000000, force: true})
    assert.equal(forced.changed, true)
    assert.equal(read(root, MAX), '1000000\n')
    // The drop-in sorts after 60-ct.conf: it wins at boot.
    assert.equal(forced.after.persisted.boot?.value, 1000000)
  })

  test('--dry-run writes nothing and shows diffs', async () => {
    const root = tree({'/etc/sysctl.conf': 'net.netfilter.nf_conntrack_max=65536\n'})
    const r = await applySysctl({root, dryRun: true})
    assert.equal(r.dryRun, true)
    assert.equal(read(root, MAX), '262144\n')
    assert.equal(read(root, '/etc/sysctl.conf'), 'net.netfilter.nf_conntrack_max=65536\n')
    assert.equal(existsSync(join(root, DEFAULT_DROP_IN)), false)
    const diffs = r.actions.flatMap((a) => (a.kind === 'file' ? [a.diff] : []))
    assert.deepEqual(diffs, [
      '--- /dev/null\n+++ /etc/modules-load.d/felixctl-conntrack.conf\n@@ -0,0 +1,2 @@\n+# Written by felixctl: load nf_conntrack at boot, before systemd-sysctl applies net.netfilter.nf_conntrack_max.\n+nf_conntrack\n',
      '--- /etc/sysctl.conf\n+++ /etc/sysctl.conf\n@@ -1 +1 @@\n-net.netfilter.nf_conntrack_max=65536\n+net.netfilter.nf_conntrack_max=1000000\n',
    ])
    assert.equal(r.after.persisted.boot?.value, 1000000, 'planned state')
  })

  test('--no-persist only sets the live value', async () => {
    const root = tree({})
    const r = await applySysctl({root, noPersist: true, value: '1500000'})
    assert.deepEqual(r.actions.map((a) => a.kind), ['live'])
    assert.equal(read(root, MAX), '1500000\n')
    assert.equal(existsSync(join(root, DEFAULT_DROP_IN)), false)
  })

  test('module not loaded: --load-module under --root writes modules-load.d only, never modprobe', async () => {
    const root = tree({}, 'debian', null)
    let probed = false
    const without = await applySysctl({root, dryRun: true, modprobe: () => void (probed = true)})
    assert.ok(codes(without.problems).includes('module-not-loaded'))
    const r = await applySysctl({root, loadModule: true, modprobe: () => void (probed = true)})
    assert.equal(probed, false)
    assert.match(r.actions.find((a) => a.kind === 'modprobe' && a.skipped) ? 'skipped' : '', /skipped/)
    assert.equal(read(root, MODULES_LOAD_ENTRY).split('\n').filter((l) => l && !l.startsWith('#')).join(), 'nf_conntrack')
    assert.equal(r.after.moduleAtBoot.configured, true)
    assert.ok(!codes(r.after.problems).includes('boot-order-trap'))
    assert.equal((await applySysctl({root, loadModule: true})).changed, false)
  })

  test('invalid values are exit 3 and write nothing', async () => {
    const root = tree({})
    for (const bad of ['0', '-5', '1e6', '0x10', '2147483648', '99999999999', ' ', 'lots']) {
      await assert.rejects(applySysctl({root, value: bad}), CheckFailedError, bad)
    }
    assert.equal((await applySysctl({root, value: '2147483647', noPersist: true})).exitCode, 0)
    assert.equal(read(root, MAX), '2147483647\n')
  })

  test('usage errors: --persist-to a file nobody reads, or with --no-persist', async () => {
    const root = tree({})
    await assert.rejects(applySysctl({root, persistTo: '/etc/conntrack.conf'}), UsageError)
    await assert.rejects(applySysctl({root, persistTo: '/etc/sysctl.d/x.txt'}), UsageError)
    await assert.rejects(applySysctl({root, persistTo: '/etc/sysctl.conf', noPersist: true}), UsageError)
  })

  test('read-only /proc/sys file (immutable): exit 6 and nothing half-written', async () => {
    const root = tree({})
    assert.equal(spawnSync('chattr', ['+i', join(root, MAX)]).status, 0)
    await assert.rejects(applySysctl({root}), (e: unknown) => e instanceof LocalIoError && /nothing was written/.test(e.message))
    assert.equal(existsSync(join(root, DEFAULT_DROP_IN)), false)
    spawnSync('chattr', ['-i', join(root, MAX)])
  })

  test('read-only sysctl.conf (immutable): exit 6, the live value is untouched', async () => {
    const root = tree({'/etc/sysctl.conf': 'net.netfilter.nf_conntrack_max=65536\n'})
    assert.equal(spawnSync('chattr', ['+i', join(root, '/etc/sysctl.conf')]).status, 0)
    await assert.rejects(applySysctl({root}), LocalIoError)
    assert.equal(read(root, MAX), '262144\n')
    assert.equal(existsSync(join(root, DEFAULT_DROP_IN)), false)
    spawnSync('chattr', ['-i', join(root, '/etc/sysctl.conf')])
  })

  test('a failure after the live write undoes it', async () => {
    const root = tree({})
    // The drop-in directory is immutable: the pre-flight sees it; make the rename fail later instead.
    const r = applySysctl({
      root,
      confirm: async () => {
        mkdirSync(join(root, 'etc/sysctl.d'), {recursive: true})
        spawnSync('chattr', ['+i', join(root, 'etc/sysctl.d')])
        return true
      },
    })
    await assert.rejects(r, (e: unknown) => e instanceof LocalIoError && /undone/.test(e.message))
    spawnSync('chattr', ['-i', join(root, 'etc/sysctl.d')])
    assert.equal(read(root, MAX), '262144\n')
    assert.equal(existsSync(join(root, DEFAULT_DROP_IN)), false)
  })

  test('a declined confirmation writes nothing', async () => {
    const root = tree({})
    const r = await applySysctl({root, confirm: async () => false})
    assert.equal(r.aborted, true)
    assert.equal(read(root, MAX), '262144\n')
  })
})

describe('issue 15: apply plans against both loaders and leaves vendor files alone', () => {
  const CT = (v: number | string) => `net.netfilter.nf_conntrack_max = ${v}\n`
  const AT_BOOT = {'/etc/modules-load.d/ct.conf': 'nf_conntrack\n'}
  type Row = {name: string; spec: Spec; base?: 'debian' | 'bare'; actions: [string, string, string?][]; files?: Record<string, string | null>}
  const rows: Row[] = [
    {
      name: 'a later file in /etc/sysctl.d is edited in place, comments kept',
      spec: {...AT_BOOT, '/etc/sysctl.d/zz-local.conf': '# mine\nvm.swappiness = 1\nnet.netfilter.nf_conntrack_max=65536 \n'},
      actions: [['agree', '/etc/sysctl.d/zz-local.conf']],
      files: {'/etc/sysctl.d/zz-local.conf': '# mine\nvm.swappiness = 1\nnet.netfilter.nf_conntrack_max=1000000 \n'},
    },
    {
      name: 'a later file in /run/sysctl.d is shadowed by the same name in /etc/sysctl.d, every other line kept',
      spec: {...AT_BOOT, '/run/sysctl.d/zz-last.conf': '# runtime\nkernel.x = 1\nnet.netfilter.nf_conntrack_max   =   65536\n; end'},
      actions: [['shadow', '/etc/sysctl.d/zz-last.conf']],
      files: {'/etc/sysctl.d/zz-last.conf': '# runtime\nkernel.x = 1\nnet.netfilter.nf_conntrack_max   =   1000000\n; end', '/run/sysctl.d/zz-last.conf': '# runtime\nkernel.x = 1\nnet.netfilter.nf_conntrack_max   =   65536\n; end'},
    },
    {
      name: '/usr/local/lib/sysctl.d is shadowed',
      spec: {...AT_BOOT, '/usr/local/lib/sysctl.d/zz.conf': CT(5)},
      actions: [['shadow', '/etc/sysctl.d/zz.conf']],
      files: {'/etc/sysctl.d/zz.conf': CT(1000000), '/usr/local/lib/sysctl.d/zz.conf': CT(5)},
    },
    {
      name: 'a vendor file in /usr/lib/sysctl.d is shadowed, never edited',
      spec: {...AT_BOOT, '/usr/lib/sysctl.d/zz-vendor.conf': 'net.netfilter.nf_conntrack_max = 5000\n'},
      actions: [['shadow', '/etc/sysctl.d/zz-vendor.conf']],
      files: {'/usr/lib/sysctl.d/zz-vendor.conf': 'net.netfilter.nf_conntrack_max = 5000\n'},
    },
    {
      name: '/lib/sysctl.d (not merged /usr) is shadowed',
      base: 'bare',
      spec: {...AT_BOOT, '/lib/sysctl.d/zz.conf': CT(7)},
      actions: [['shadow', '/etc/sysctl.d/zz.conf']],
      files: {'/lib/sysctl.d/zz.conf': CT(7)},
    },
    {
      name: 'same-name mask: the /run file that hides /usr/lib is the one shadowed',
      spec: {...AT_BOOT, '/usr/lib/sysctl.d/zz.conf': CT(3000000), '/run/sysctl.d/zz.conf': '# run\n' + CT(10)},
      actions: [['shadow', '/etc/sysctl.d/zz.conf']],
      files: {'/etc/sysctl.d/zz.conf': '# run\n' + CT(1000000)},
    },
    {
      name: 'a /dev/null mask on a low vendor file: nothing to fix there',
      spec: {...AT_BOOT, '/usr/lib/sysctl.d/zz.conf': CT(10), '/etc/sysctl.d/zz.conf': {link: '/dev/null'}},
      actions: [['persist', DEFAULT_DROP_IN]],
    },
    {
      name: "a /dev/null mask on felixctl's drop-in is replaced by the drop-in",
      spec: {...AT_BOOT, [DEFAULT_DROP_IN]: {link: '/dev/null'}},
      actions: [['persist', DEFAULT_DROP_IN]],
    },
    {
      name: 'the Debian link: a lower /etc/sysctl.conf that wins with sysctl --system is edited through it',
      spec: {...AT_BOOT, '/etc/sysctl.conf': '# debian\n' + CT(65536)},
      actions: [['agree', '/etc/sysctl.conf']],
      files: {'/etc/sysctl.conf': '# debian\n' + CT(1000000)},
    },
    {
      name: 'a later vendor "-key" line that cancels the key at boot is shadowed with the value',
      spec: {...AT_BOOT, '/usr/lib/sysctl.d/zz.conf': '-net.netfilter.nf_conntrack_max\n'},
      actions: [['shadow', '/etc/sysctl.d/zz.conf']],
      files: {'/etc/sysctl.d/zz.conf': '-net.netfilter.nf_conntrack_max = 1000000\n'},
    },
    {
      name: "the issue's tree: /etc, /run and /usr/lib",
      spec: {
        ...AT_BOOT,
        '/etc/sysctl.d/99-zz-late.conf': 'net.netfilter.nf_conntrack_max=1000000\n',
        '/run/sysctl.d/zz-last.conf': 'net.netfilter.nf_conntrack_max   =   65536\n',
        '/usr/lib/sysctl.d/10-base.conf': CT(5) + CT(6) + CT(1000000),
      },
      actions: [['shadow', '/etc/sysctl.d/zz-last.conf']],
    },
    {
      name: 'nothing loads nf_conntrack at boot: apply adds the modules-load.d entry',
      spec: {'/etc/sysctl.d/60-ct.conf': CT(1000000)},
      actions: [['module-at-boot', MODULES_LOAD_ENTRY]],
      files: {[MODULES_LOAD_ENTRY]: '# Written by felixctl: load nf_conntrack at boot, before systemd-sysctl applies net.netfilter.nf_conntrack_max.\nnf_conntrack\n'},
    },
    {
      name: 'an already higher persisted value that wins in both loaders counts as done',
      spec: {'/etc/modules': 'nf_conntrack\n', '/etc/sysctl.d/zz.conf': CT(4000000)},
      actions: [],
    },
  ]
  for (const row of rows) {
    test(row.name, async () => {
      const root = tree(row.spec, row.base ?? 'debian', {nf_conntrack_max: '1000000'})
      const vendor = Object.keys(row.spec).filter((p) => !p.startsWith('/etc/'))
      const vendorBefore = vendor.map((p) => read(root, p))
      const r = await applySysctl({root})
      assert.deepEqual(
        r.actions.flatMap((a) => (a.kind === 'file' ? [[a.purpose, a.path, ...(a.realPath !== a.path ? [a.realPath] : [])]] : [])),
        row.actions.map(([purpose, path, real]) => [purpose, path, ...(real ? [real] : [])]),
      )
      for (const [p, c] of Object.entries(row.files ?? {})) assert.equal(existsSync(join(root, p)) ? read(root, p) : null, c, p)
      assert.deepEqual(vendor.map((p) => read(root, p)), vendorBefore, 'files outside /etc are never written')
      assert.equal(r.after.persisted.boot?.value, 1000000 * (row.actions.length === 0 && row.name.includes('higher') ? 4 : 1))
      assert.equal(r.after.persisted.sysctlSystem?.value, r.after.persisted.boot?.value)
      assert.equal(r.exitCode, 0, JSON.stringify(r.problems))
      assert.equal(checkSysctl({root}).exitCode, 0)
      const again = await applySysctl({root})
      assert.equal(again.changed, false, JSON.stringify(again.actions))
      for (const a of r.actions) if (a.kind === 'file') assert.ok(a.reason.length > 0)
    })
  }

  test('the shadow says why and shows the one line it changes', async () => {
    const root = tree({...AT_BOOT, '/usr/lib/sysctl.d/zz-vendor.conf': '# vendor\nnet.netfilter.nf_conntrack_max = 5000\n'})
    const r = await applySysctl({root, dryRun: true})
    const shadow = r.actions.find((a) => a.kind === 'file' && a.purpose === 'shadow')
    assert.ok(shadow && shadow.kind === 'file')
    assert.equal(shadow.shadows, '/usr/lib/sysctl.d/zz-vendor.conf')
    assert.match(shadow.reason, /^\/usr\/lib\/sysctl.d\/zz-vendor.conf:2 sets "5000" and wins at boot and with `sysctl --system`; not edited \(a file under \/usr belongs to a package: the next upgrade overwrites it\): \/etc\/sysctl.d\/zz-vendor.conf has the same name, hides it and keeps every other line$/)
    assert.equal(shadow.diff, '--- /usr/lib/sysctl.d/zz-vendor.conf\n+++ /etc/sysctl.d/zz-vendor.conf\n@@ -1,2 +1,2 @@\n # vendor\n-net.netfilter.nf_conntrack_max = 5000\n+net.netfilter.nf_conntrack_max = 1000000\n')
  })

  test('--no-load-module: no modules-load.d entry, a warning that the value will not hold after a reboot', async () => {
    const root = tree({})
    const r = await applySysctl({root, loadModule: false})
    assert.equal(existsSync(join(root, MODULES_LOAD_ENTRY)), false)
    assert.ok(codes(r.problems).includes('value-lost-at-reboot'))
    assert.ok(codes(r.after.problems).includes('boot-order-trap'))
    assert.equal(r.exitCode, 0, 'the operator opted out')
  })

  test('--persist-to a file under /usr or /run is refused (exit 2) with the /etc override as hint', async () => {
    const root = tree({'/run/sysctl.d/zz-last.conf': CT(5)})
    for (const p of ['/run/sysctl.d/zz-last.conf', '/usr/lib/sysctl.d/zz-last.conf', '/usr/local/lib/sysctl.d/zz-last.conf']) {
      await assert.rejects(applySysctl({root, persistTo: p}), (e: unknown) => e instanceof UsageError && /felixctl does not write there/.test(e.message) && /\/etc\/sysctl.d\/zz-last.conf/.test(e.hint ?? ''))
    }
    assert.equal(read(root, '/run/sysctl.d/zz-last.conf'), CT(5))
  })

  test('read-only /etc (immutable directories): exit 6, nothing half-written', async () => {
    const root = tree({'/run/sysctl.d/zz-last.conf': CT(5), '/etc/sysctl.conf': CT(65536)})
    for (const d of ['etc', 'etc/sysctl.d']) assert.equal(spawnSync('chattr', ['+i', join(root, d)]).status, 0)
    try {
      await assert.rejects(applySysctl({root}), (e: unknown) => e instanceof LocalIoError && e.exitCode === 6 && /nothing was written/.test(e.message))
    } finally {
      for (const d of ['etc/sysctl.d', 'etc']) spawnSync('chattr', ['-i', join(root, d)])
    }
    assert.equal(read(root, MAX), '1000000\n'.replace('1000000', '262144'))
    assert.deepEqual(readdirSync(join(root, 'etc/sysctl.d')), ['99-sysctl.conf'])
    assert.equal(existsSync(join(root, 'etc/modules-load.d')), false)
  })
})

describe('systemd "-key" without a value', () => {
  test('cancels an earlier assignment at boot; procps ignores it', () => {
    const r = checkSysctl({root: tree({'/etc/sysctl.d/10-a.conf': 'net.netfilter.nf_conntrack_max = 1000000\n', '/etc/sysctl.d/20-b.conf': '-net.netfilter.nf_conntrack_max\n'})})
    assert.equal(r.persisted.boot, null)
    assert.equal(r.persisted.sysctlSystem?.value, 1000000)
    assert.match(r.persisted.files[0].note ?? '', /cancelled at boot by \/etc\/sysctl.d\/20-b.conf:1/)
    assert.ok(codes(r.problems).includes('not-persisted'))
  })
})
