/**
 * The tree: everything is read through a SysctlTree rooted at `/` or at `--root DIR`; paths in
 * results are paths inside that tree ("/etc/sysctl.conf"), errors name the real file.
 * The tree can carry an overlay of planned file contents and a planned live value, so
 * `apply` evaluates its own plan with the same code as `check` before writing
 * anything (and --dry-run shows the "after" column without writing).
 */
import {lstatSync, readdirSync, readlinkSync, realpathSync, statSync} from 'node:fs'
import {posix, resolve as resolvePath} from 'node:path'
import {LocalIoError, localIoErrorFrom} from '../../errors.js'
import {readRegularFile} from '../../lib/read-file.js'
import {CONF_DIR_BASES} from './model.js'

// ---------------------------------------------------------------------------------------------
// The tree: root-aware reads with an overlay of planned writes.

export type ReadOutcome = {kind: 'file'; text: string; realPath: string} | {kind: 'masked'; realPath: string} | {kind: 'missing'} | {kind: 'dir'}

export class SysctlTree {
  readonly root: string
  readonly overlay = new Map<string, string>()
  liveOverride: number | null = null
  moduleOverride = false

  constructor(root = '/') {
    const abs = resolvePath(root)
    try {
      if (!statSync(abs).isDirectory()) throw Object.assign(new Error('ENOTDIR'), {code: 'ENOTDIR'})
      // Real path, so that "is this link inside the tree" compares like with like.
      this.root = realpathSync(abs)
    } catch (error) {
      throw localIoErrorFrom(error, abs, 'read')
    }
  }

  /** Host path of a path inside the tree. */
  abs(p: string): string {
    return this.root === '/' ? p : posix.join(this.root, p)
  }

  /** Read a file inside the tree, following symbolic links inside the tree (absolute targets are re-rooted). */
  read(p: string): ReadOutcome {
    let cur = posix.normalize(p)
    for (let hops = 0; hops < 40; hops++) {
      if (this.overlay.has(cur)) return {kind: 'file', text: this.overlay.get(cur)!, realPath: cur}
      if (cur === '/dev/null') return {kind: 'masked', realPath: cur}
      let st
      try {
        st = lstatSync(this.abs(cur))
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        // A dangling link still takes the name (it hides lower files), like a masked one.
        if (code === 'ENOENT' || code === 'ENOTDIR') return hops > 0 ? {kind: 'masked', realPath: cur} : {kind: 'missing'}
        throw localIoErrorFrom(error, this.abs(cur), 'read')
      }
      if (st.isSymbolicLink()) {
        const target = readlinkSync(this.abs(cur))
        cur = posix.normalize(target.startsWith('/') ? target : posix.join(posix.dirname(cur), target))
        continue
      }
      if (st.isDirectory()) return {kind: 'dir'}
      if (st.isCharacterDevice() || st.isBlockDevice()) return {kind: 'masked', realPath: cur}
      // The guarded reader: a FIFO or socket in a conf.d directory is exit 6, never a hang.
      return {kind: 'file', text: readRegularFile(this.abs(cur), 'sysctl file').toString('utf8'), realPath: cur}
    }
    throw new LocalIoError(`cannot read ${this.abs(p)}: too many levels of symbolic links`, {path: this.abs(p), hint: 'fix the symbolic link loop', code: 'file-eloop'})
  }

  /** Names in a directory of the tree (plus planned new files); [] when it does not exist. */
  list(dir: string): string[] {
    const names = new Set<string>()
    try {
      for (const n of readdirSync(this.abs(dir))) names.add(n)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw localIoErrorFrom(error, this.abs(dir), 'read')
    }
    for (const p of this.overlay.keys()) if (posix.dirname(p) === dir) names.add(posix.basename(p))
    return [...names]
  }

  /** Is `<root>/lib` the same directory as `<root>/usr/lib` (merged /usr)? */
  libIsUsrLib(): boolean {
    try {
      const st = lstatSync(this.abs('/lib'))
      if (!st.isSymbolicLink()) return false
      const target = posix.normalize(readlinkSync(this.abs('/lib')))
      return target === 'usr/lib' || target === '/usr/lib' || target === './usr/lib'
    } catch {
      return false
    }
  }

  confDirs(kind: string): string[] {
    return CONF_DIR_BASES.filter((b) => b !== '/lib' || !this.libIsUsrLib()).map((b) => `${b}/${kind}`)
  }
}

interface ConfFile {
  name: string
  path: string
  outcome: ReadOutcome
  hiddenBy?: string
}

/**
 * The files of a systemd conf.d directory set: `*.conf` (not hidden dot-files), a
 * name in a higher-priority directory hides the same name lower down, the rest is
 * sorted by file name (byte order) regardless of directory.
 */
export function collectConfFiles(tree: SysctlTree, dirs: string[], suffix: string): {active: ConfFile[]; hidden: ConfFile[]} {
  const byName = new Map<string, ConfFile>()
  const hidden: ConfFile[] = []
  for (const dir of dirs) {
    for (const name of tree.list(dir)) {
      if (!name.endsWith(suffix) || name.length <= suffix.length || name.startsWith('.')) continue
      const path = `${dir}/${name}`
      const outcome = tree.read(path)
      if (outcome.kind === 'dir' || outcome.kind === 'missing') continue
      const winner = byName.get(name)
      if (winner) hidden.push({name, path, outcome, hiddenBy: winner.path})
      else byName.set(name, {name, path, outcome})
    }
  }
  const active = [...byName.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
  return {active, hidden}
}

