/**
 * Atomic, surgical file replacement shared by every writer (felix.cfg, env files,
 * sysctl.d drop-ins, OpenStack files): temp file in the same directory, fsync,
 * keep mode and owner, rename over the target. Nothing is left behind on failure.
 */
import {closeSync, constants, fchownSync, fsyncSync, lstatSync, openSync, readFileSync, readdirSync, realpathSync, renameSync, statSync, unlinkSync, writeSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {randomBytes} from 'node:crypto'
import {createRequire} from 'node:module'
import {LocalIoError, WriteRefusedError, localIoErrorFrom} from '../errors.js'

export interface FileSnapshot {
  /** The path as named by the user. */
  path: string
  /** The path actually written: the symlink target when `path` is a link. */
  realPath: string
  exists: boolean
  content: Buffer
  mode?: number
  uid?: number
  gid?: number
  mtimeMs?: number
}

export interface ReadForEditOptions {
  /** Allow a symlink whose target lies outside the link's directory (issue 10). */
  followSymlinks?: boolean
  /** A missing file is an empty document instead of an error. */
  allowMissing?: boolean
}

/** Read a file that is about to be edited, remembering what is needed to detect a concurrent change. */
export function readForEdit(path: string, options: ReadForEditOptions = {}): FileSnapshot {
  let realPath = path
  try {
    const l = lstatSync(path)
    if (l.isSymbolicLink()) {
      realPath = realpathSync(path)
      if (!options.followSymlinks && dirname(realPath) !== realpathSync(dirname(path))) {
        throw new WriteRefusedError(`${path} is a symbolic link to ${realPath}, outside its directory`, {
          hint: 'pass --follow-symlinks to edit the target anyway',
          code: 'symlink-outside-directory',
        })
      }
    }
  } catch (error) {
    if (error instanceof WriteRefusedError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && options.allowMissing) return {path, realPath: path, exists: false, content: Buffer.alloc(0)}
    throw localIoErrorFrom(error, path, 'read')
  }
  try {
    const st = statSync(realPath)
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), {code: 'EISDIR'})
    // A FIFO or device would block or never end: only regular files are edited.
    if (!st.isFile()) throw new LocalIoError(`cannot edit ${path}: not a regular file`, {path, hint: 'name a regular file (not a FIFO, socket or device)', code: 'file-not-regular'})
    const content = readFileSync(realPath)
    return {path, realPath, exists: true, content, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs}
  } catch (error) {
    if (error instanceof LocalIoError) throw error
    throw localIoErrorFrom(error, path, 'read')
  }
}

export interface AtomicWriteOptions {
  /** Mode for a file that does not exist yet (default 0644). */
  newFileMode?: number
  /** Test hook: called after the temp file is written and before the rename. */
  beforeRename?: () => void
}

/**
 * Replace `snapshot.realPath` with `content`, refusing when the file changed since
 * `snapshot` was read (exit 7). Mode and owner of the original are kept.
 */
export function writeAtomic(snapshot: FileSnapshot, content: string | Buffer, options: AtomicWriteOptions = {}): void {
  const unlock = lockFor(snapshot.realPath)
  try {
    writeLocked(snapshot, content, options)
  } finally {
    unlock()
  }
}

function writeLocked(snapshot: FileSnapshot, content: string | Buffer, options: AtomicWriteOptions): void {
  const target = snapshot.realPath
  const dir = dirname(target)
  assertUnchanged(snapshot)
  removeStaleTemps(dir, basename(target))
  const tmp = join(dir, `.${basename(target)}.felixctl-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  let fd: number | undefined
  try {
    const mode = snapshot.mode ?? options.newFileMode ?? 0o644
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode)
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
    let off = 0
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
    if (snapshot.uid !== undefined && snapshot.gid !== undefined) {
      try {
        fchownSync(fd, snapshot.uid, snapshot.gid)
      } catch (error) {
        // Only root may give a file away; a non-root editor of its own file keeps its owner anyway.
        if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error
      }
    }
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    if (snapshot.exists) copyExtendedAttributes(target, tmp)
    options.beforeRename?.()
    // Re-check right before the rename: narrows the window for a lost concurrent update.
    assertUnchanged(snapshot)
    renameSync(tmp, target)
    try {
      const dfd = openSync(dir, constants.O_RDONLY)
      try {
        fsyncSync(dfd)
      } finally {
        closeSync(dfd)
      }
    } catch {
      // Directory fsync is best effort (not supported on every file system).
    }
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {}
    }
    try {
      unlinkSync(tmp)
    } catch {}
    if (error instanceof WriteRefusedError || error instanceof LocalIoError) throw error
    throw localIoErrorFrom(error, snapshot.path, 'write')
  }
}

/**
 * A run killed between creating its temp file and the rename leaves `.NAME.felixctl-PID-X.tmp`
 * behind; the next writer (holding the lock) removes those whose process is gone.
 */
function removeStaleTemps(dir: string, name: string): void {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return
  }
  const prefix = `.${name}.felixctl-`
  for (const e of entries) {
    if (!e.startsWith(prefix) || !e.endsWith('.tmp')) continue
    const pid = Number.parseInt(e.slice(prefix.length), 10)
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) {
      try {
        unlinkSync(join(dir, e))
      } catch {}
    }
  }
}

/**
 * Node has no xattr API: GNU cp copies the original's extended attributes (user.*, POSIX ACLs,
 * security labels) onto the temp file without touching its data, so the replacement keeps them.
 * Best effort: where cp or the attributes are unavailable the file is still replaced.
 */
function copyExtendedAttributes(from: string, to: string): void {
  try {
    // Loaded only on the write path (start-up of read-only commands stays lean).
    const {spawnSync} = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process')
    spawnSync('cp', ['--attributes-only', '--no-dereference', '--preserve=xattr', '--', from, to], {stdio: 'ignore', timeout: 5000})
  } catch {
    // best effort
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/**
 * A lock file beside the target, so that two felixctl processes editing one file
 * serialise their check-and-rename: one of two concurrent edits is refused (exit 7),
 * none is lost. A lock left by a killed process (its pid is gone) is taken over.
 */
function lockFor(target: string): () => void {
  const lock = join(dirname(target), `.${basename(target)}.felixctl.lock`)
  const deadline = Date.now() + 3000
  for (;;) {
    try {
      const fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => {
        try {
          unlinkSync(lock)
        } catch {}
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw localIoErrorFrom(error, target, 'write')
    }
    let holder = NaN
    try {
      holder = Number.parseInt(readFileSync(lock, 'utf8'), 10)
    } catch {}
    if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
      // The holder may have just finished and another process taken the lock since we read
      // it: only remove the lock when it still names the dead process.
      let again = NaN
      try {
        again = Number.parseInt(readFileSync(lock, 'utf8'), 10)
      } catch {}
      if (again === holder) {
        try {
          unlinkSync(lock)
        } catch {}
      }
      continue
    }
    if (Date.now() > deadline) {
      throw new WriteRefusedError(`${target} is being edited by another felixctl (lock ${lock}); nothing was written`, {
        hint: `wait for it to finish, or remove ${lock} if no felixctl is running`,
        code: 'file-locked',
      })
    }
    Atomics.wait(sleeper, 0, 0, 20)
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function assertUnchanged(snapshot: FileSnapshot): void {
  let current: Buffer | null = null
  try {
    current = readFileSync(snapshot.realPath)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw localIoErrorFrom(error, snapshot.path, 'read')
  }
  const changed = snapshot.exists ? current === null || !current.equals(snapshot.content) : current !== null
  if (changed) {
    throw new WriteRefusedError(`${snapshot.path} changed since felixctl read it; nothing was written`, {
      hint: 'someone else edited the file at the same time: run the command again',
      code: 'file-changed',
    })
  }
}
