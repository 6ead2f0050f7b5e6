/**
 * Safety on write (issue 10), against the built CLI: `config set` and `openstack apply`
 * - write through a symlink to its target and keep the link;
 * - refuse a symlink that leaves the named file's directory unless --follow-symlinks (exit 7);
 * - keep mode, owner and extended attributes; honour chattr +i (exit 6, nothing written);
 * - when killed with SIGKILL in the middle of the atomic write (a preload hook stops the process
 *   inside writeSync or just before the rename, then the test kills it), the original is intact,
 *   and the next run succeeds and leaves no temp or lock files;
 * - when the file changes between read and rename, refuse (exit 7) and leave no temp file.
 */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CLI, REPO_ROOT, runCli} from '../helpers/cli.js'
import {needTool, onPath} from '../helpers/tools.js'

let root: string
let snap: string
let n = 0
const CFG = '[global]\n# keep me\nLogSeverityFile = DEBUG\nIpInIpMtu = 1400 ; trailing\n'
const ML2 = '[ml2]\n# operator comment\ntype_drivers = local,flat\n'

/** A fresh directory for one test. */
function fresh(): string {
  const d = join(root, `t${n++}`)
  mkdirSync(d)
  return d
}

const setArgs = (cfg: string, value = 'INFO') => ['config', 'set', 'LogSeverityFile', value, '--layer', 'file', '-c', cfg, '--snapshot', snap]
const leftovers = (dir: string) => readdirSync(dir).filter((f) => /\.felixctl-|\.felixctl\.lock$/.test(f))

before(() => {
  root = mkdtempSync(join(tmpdir(), 'felixctl-wsafe-'))
  snap = join(root, 'snapshot.json')
  writeFileSync(snap, '{"/calico/v1/Ready": "true"}\n')
})
after(() => {
  spawnSync('chattr', ['-R', '-i', root], {stdio: 'ignore'})
  rmSync(root, {recursive: true, force: true})
})

describe('symbolic links', () => {
  test('config set through a link in the same directory writes the target and keeps the link', async () => {
    const d = fresh()
    writeFileSync(join(d, 'real.cfg'), CFG)
    symlinkSync('real.cfg', join(d, 'felix.cfg'))
    const r = await runCli(setArgs(join(d, 'felix.cfg')))
    assert.equal(r.code, 0, r.stderr)
    assert.ok(lstatSync(join(d, 'felix.cfg')).isSymbolicLink(), 'the link is still a link')
    assert.equal(readlinkSync(join(d, 'felix.cfg')), 'real.cfg')
    assert.equal(readFileSync(join(d, 'real.cfg'), 'utf8'), CFG.replace('DEBUG', 'INFO'))
    assert.deepEqual(leftovers(d), [])
  })

  test('config set through a link to another directory is refused (exit 7), nothing written', async () => {
    const d = fresh()
    const other = fresh()
    writeFileSync(join(other, 'real.cfg'), CFG)
    symlinkSync(join(other, 'real.cfg'), join(d, 'felix.cfg'))
    const r = await runCli(setArgs(join(d, 'felix.cfg')))
    assert.equal(r.code, 7, r.stderr)
    assert.match(r.stderr, /symbolic link .* outside its directory/)
    assert.match(r.stderr, /--follow-symlinks/)
    assert.equal(readFileSync(join(other, 'real.cfg'), 'utf8'), CFG)
    assert.deepEqual([...leftovers(d), ...leftovers(other)], [])
  })

  test('... and written to the target with --follow-symlinks, the link kept', async () => {
    const d = fresh()
    const other = fresh()
    writeFileSync(join(other, 'real.cfg'), CFG)
    symlinkSync(join(other, 'real.cfg'), join(d, 'felix.cfg'))
    const r = await runCli([...setArgs(join(d, 'felix.cfg')), '--follow-symlinks'])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(lstatSync(join(d, 'felix.cfg')).isSymbolicLink())
    assert.equal(readFileSync(join(other, 'real.cfg'), 'utf8'), CFG.replace('DEBUG', 'INFO'))
    assert.deepEqual([...leftovers(d), ...leftovers(other)], [])
  })

  test('a chain of links that ends outside the directory is refused too', async () => {
    const d = fresh()
    const other = fresh()
    writeFileSync(join(other, 'real.cfg'), CFG)
    symlinkSync(join(other, 'real.cfg'), join(d, 'hop.cfg'))
    symlinkSync('hop.cfg', join(d, 'felix.cfg'))
    const r = await runCli(setArgs(join(d, 'felix.cfg')))
    assert.equal(r.code, 7, r.stderr)
    assert.equal(readFileSync(join(other, 'real.cfg'), 'utf8'), CFG)
  })

  test('openstack apply through a link in the same directory writes the target and keeps the link', async () => {
    const d = fresh()
    writeFileSync(join(d, 'real.ini'), ML2)
    symlinkSync('real.ini', join(d, 'ml2_conf.ini'))
    const r = await runCli(['openstack', 'apply', 'ml2_conf.ini', '--file', join(d, 'ml2_conf.ini')])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(lstatSync(join(d, 'ml2_conf.ini')).isSymbolicLink())
    assert.match(readFileSync(join(d, 'real.ini'), 'utf8'), /^# operator comment$/m)
    assert.match(readFileSync(join(d, 'real.ini'), 'utf8'), /mechanism_drivers = calico/)
  })

  test('openstack apply through a link to another directory is refused (exit 7), nothing written', async () => {
    const d = fresh()
    const other = fresh()
    writeFileSync(join(other, 'real.ini'), ML2)
    symlinkSync(join(other, 'real.ini'), join(d, 'ml2_conf.ini'))
    const r = await runCli(['openstack', 'apply', 'ml2_conf.ini', '--file', join(d, 'ml2_conf.ini')])
    assert.equal(r.code, 7, r.stderr)
    assert.equal(readFileSync(join(other, 'real.ini'), 'utf8'), ML2)
  })

  test('openstack apply --follow-symlinks writes the target of an outside link', async () => {
    const d = fresh()
    const other = fresh()
    writeFileSync(join(other, 'real.ini'), ML2)
    symlinkSync(join(other, 'real.ini'), join(d, 'ml2_conf.ini'))
    const r = await runCli(['openstack', 'apply', 'ml2_conf.ini', '--file', join(d, 'ml2_conf.ini'), '--follow-symlinks'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(readFileSync(join(other, 'real.ini'), 'utf8'), /mechanism_drivers = calico/)
  })
})

describe('attributes', () => {
  for (const [name, file, content, args] of [
    ['config set', 'felix.cfg', CFG, (p: string) => setArgs(p)],
    ['openstack apply', 'ml2_conf.ini', ML2, (p: string) => ['openstack', 'apply', 'ml2_conf.ini', '--file', p]],
  ] as const) {
    test(`${name} keeps mode and owner, and replaces the file atomically (new inode)`, async () => {
      const d = fresh()
      const p = join(d, file)
      writeFileSync(p, content)
      chmodSync(p, 0o640)
      chownSync(p, 1234, 5678)
      const ino = statSync(p).ino
      const r = await runCli(args(p))
      assert.equal(r.code, 0, r.stderr)
      const st = statSync(p)
      assert.notEqual(readFileSync(p, 'utf8'), content)
      assert.equal(st.mode & 0o7777, 0o640)
      assert.equal(st.uid, 1234)
      assert.equal(st.gid, 5678)
      assert.notEqual(st.ino, ino, 'replaced by rename, not rewritten in place')
      assert.deepEqual(leftovers(d), [])
    })

    test(`${name} keeps extended attributes (user.*)`, {skip: needTool('python3', 'python3', onPath('python3'))}, async (t) => {
      const d = fresh()
      const p = join(d, file)
      writeFileSync(p, content)
      const set = spawnSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "user.felixctl", b"kept")', p], {encoding: 'utf8'})
      if (set.status !== 0) {
        t.skip(`unsupported: no user xattrs on the file system of ${d} (${set.stderr.trim().split('\n').pop()})`)
        return
      }
      const r = await runCli(args(p))
      assert.equal(r.code, 0, r.stderr)
      const get = spawnSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "user.felixctl").decode())', p], {encoding: 'utf8'})
      assert.equal(get.stdout.trim(), 'kept', get.stderr)
    })

    test(`${name} on an immutable file (chattr +i): exit 6, nothing written, no temp file`, {skip: needTool('chattr', 'e2fsprogs', onPath('chattr'))}, async (t) => {
      const d = fresh()
      const p = join(d, file)
      writeFileSync(p, content)
      const chattr = spawnSync('chattr', ['+i', p], {encoding: 'utf8'})
      if (chattr.status !== 0) {
        t.skip(`unsupported: chattr +i on the file system of ${d} (${chattr.stderr.trim()})`)
        return
      }
      try {
        const r = await runCli(args(p))
        assert.equal(r.code, 6, r.stderr)
        assert.match(r.stderr, /operation not permitted/)
        assert.doesNotMatch(r.stderr, /^\s+at /m)
        assert.equal(readFileSync(p, 'utf8'), content)
        assert.deepEqual(leftovers(d), [])
      } finally {
        spawnSync('chattr', ['-i', p])
      }
    })
  }

  test('config set as an unprivileged user in a directory it cannot write: exit 6, nothing written, no temp file', async () => {
    const d = fresh()
    chmodSync(root, 0o755)
    chmodSync(d, 0o755)
    const p = join(d, 'felix.cfg')
    writeFileSync(p, CFG)
    chmodSync(p, 0o666) // the file itself is writable: only the directory refuses the temp file
    chmodSync(snap, 0o644)
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', CLI, ...setArgs(p)], {encoding: 'utf8', cwd: REPO_ROOT, env: {PATH: process.env.PATH, NO_COLOR: '1'}})
    assert.equal(r.status, 6, r.stderr)
    assert.match(r.stderr, /permission denied/)
    assert.equal(readFileSync(p, 'utf8'), CFG)
    assert.deepEqual(leftovers(d), [])
  })
})

/**
 * A preload module that stops felixctl at a chosen point of the atomic write: `write` (after the
 * first half of the temp file's bytes), `rename` (temp file complete and fsynced, not renamed),
 * or `change` (someone else edits the target just before the rename). It tells the test by
 * creating the file named in FELIXCTL_TEST_SIGNAL, then sleeps so the test can SIGKILL it.
 */
const HOOK = `
import fs from 'node:fs'
import {syncBuiltinESMExports} from 'node:module'
const mode = process.env.FELIXCTL_TEST_STOP
const signal = process.env.FELIXCTL_TEST_SIGNAL
const sleep = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000)
const tempFds = new Set()
const openSync = fs.openSync
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(this, path, ...rest)
  if (String(path).includes('.felixctl-') && String(path).endsWith('.tmp')) tempFds.add(fd)
  return fd
}
const writeSync = fs.writeSync
fs.writeSync = function (fd, buf, off, len, ...rest) {
  if (mode === 'write' && tempFds.has(fd) && Buffer.isBuffer(buf) && (len ?? buf.length) > 1) {
    const half = Math.floor((len ?? buf.length) / 2)
    writeSync.call(this, fd, buf, off ?? 0, half)
    fs.writeFileSync(signal, 'write')
    sleep()
  }
  return writeSync.call(this, fd, buf, off, len, ...rest)
}
const renameSync = fs.renameSync
fs.renameSync = function (from, to) {
  if (String(from).includes('.felixctl-')) {
    if (mode === 'rename') {
      fs.writeFileSync(signal, 'rename')
      sleep()
    }
  }
  return renameSync.call(this, from, to)
}
const fsyncSync = fs.fsyncSync
fs.fsyncSync = function (fd, ...rest) {
  const r = fsyncSync.call(this, fd, ...rest)
  // The temp file is complete: someone else edits the target before felixctl's last check.
  if (mode === 'change' && tempFds.has(fd)) {
    fs.appendFileSync(process.env.FELIXCTL_TEST_TARGET, 'Concurrent = edit\\n')
    fs.writeFileSync(signal, 'change')
  }
  return r
}
syncBuiltinESMExports()
`

let hookPath: string

function runStopped(args: string[], stop: 'write' | 'rename' | 'change', target: string): Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string; signalled: boolean}> {
  const sig = join(root, `signal-${n++}`)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', hookPath, CLI, ...args], {
      cwd: REPO_ROOT,
      env: {PATH: process.env.PATH, NO_COLOR: '1', FELIXCTL_TEST_STOP: stop, FELIXCTL_TEST_SIGNAL: sig, FELIXCTL_TEST_TARGET: target},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    let signalled = false
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    child.stdout.resume()
    const poll = setInterval(() => {
      if (existsSync(sig)) {
        signalled = true
        clearInterval(poll)
        if (stop !== 'change') child.kill('SIGKILL')
      }
    }, 5)
    const limit = setTimeout(() => child.kill('SIGKILL'), 20000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearInterval(poll)
      clearTimeout(limit)
      resolve({code, signal, stderr, signalled})
    })
  })
}

describe('killed in the middle of a write', () => {
  before(() => {
    hookPath = join(root, 'stop-hook.mjs')
    writeFileSync(hookPath, HOOK)
  })

  for (const [name, file, content, args] of [
    ['config set', 'felix.cfg', CFG, (p: string) => setArgs(p)],
    ['openstack apply', 'ml2_conf.ini', ML2, (p: string) => ['openstack', 'apply', 'ml2_conf.ini', '--file', p]],
  ] as const) {
    for (const stop of ['write', 'rename'] as const) {
      test(`${name}: SIGKILL ${stop === 'write' ? 'half-way through writing the temp file' : 'just before the rename'}: the original is intact`, async () => {
        const d = fresh()
        const p = join(d, file)
        writeFileSync(p, content)
        chmodSync(p, 0o640)
        const r = await runStopped(args(p), stop, p)
        assert.ok(r.signalled, `the hook never reached the ${stop} point: ${r.stderr}`)
        assert.equal(r.signal, 'SIGKILL')
        assert.equal(readFileSync(p, 'utf8'), content, 'the original is byte-identical')
        assert.equal(statSync(p).mode & 0o7777, 0o640)
        // The next run takes over the dead process's lock and writes.
        const again = await runCli(args(p))
        assert.equal(again.code, 0, again.stderr)
        assert.notEqual(readFileSync(p, 'utf8'), content)
        assert.deepEqual(leftovers(d).filter((f) => f.endsWith('.lock')), [], 'the stale lock is gone')
      })
    }

    test(`${name}: the temp file of a killed run does not stay behind after the next run`, async () => {
      const d = fresh()
      const p = join(d, file)
      writeFileSync(p, content)
      const r = await runStopped(args(p), 'rename', p)
      assert.ok(r.signalled)
      const again = await runCli(args(p))
      assert.equal(again.code, 0, again.stderr)
      assert.deepEqual(leftovers(d), [])
    })

    test(`${name}: the file changes just before the rename: refused (exit 7), the other edit kept, no temp file`, async () => {
      const d = fresh()
      const p = join(d, file)
      writeFileSync(p, content)
      const r = await runStopped(args(p), 'change', p)
      assert.ok(r.signalled, `the hook never changed the file: ${r.stderr}`)
      assert.equal(r.code, 7, r.stderr)
      assert.match(r.stderr, /changed since felixctl read it/)
      assert.equal(readFileSync(p, 'utf8'), content + 'Concurrent = edit\n')
      assert.deepEqual(leftovers(d), [])
    })
  }
})
