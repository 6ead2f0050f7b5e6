/**
 * `sysctl check` and `sysctl apply` for the conntrack table (issue 6, host-sysctl.md).
 *
 * Everything is read through a SysctlTree rooted at `/` or at `--root DIR`; paths in
 * results are paths inside that tree ("/etc/sysctl.conf"), errors name the real file.
 * The tree can carry an overlay of planned file contents and a planned live value, so
 * `apply` evaluates its own plan with the same code as `check` before writing
 * anything (and --dry-run shows the "after" column without writing).
 */
import {accessSync, closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, realpathSync, renameSync, statSync, symlinkSync, unlinkSync, writeSync} from 'node:fs'
import {posix, resolve as resolvePath} from 'node:path'
import {CheckFailedError, LocalIoError, UsageError, WriteRefusedError, localIoErrorFrom} from '../errors.js'
import {readForEdit, writeAtomic, type FileSnapshot} from '../lib/atomic-write.js'
import {
  normalizeSysctlKey,
  parseKernelInt,
  parseModuleList,
  parseSysctlConf,
  setSysctlValue,
  sysctlKeyMatches,
} from '../formats/sysctl-conf.js'
import {fileDiff, unifiedDiff} from '../lib/diff.js'
import {readRegularFile} from '../lib/read-file.js'

interface RawDef {
  path: string
  realPath?: string
  line: number
  keyRaw: string
  key: string
  procpsKey: string | null
  value: string | null
  glob: boolean
  exclude: boolean
  /** Index in `files` of the output. */
  out: number
}

/**
 * Which definition wins, per reader. Both systemd 252 and procps 4.0.2 let an
 * explicit key beat any glob (wherever it is), and a `-key` line excludes the key
 * from globs; among explicit definitions, and among globs, the last one counts.
 * systemd keeps only the last assignment, even if the kernel rejects its value;
 * procps writes every line in turn, so a rejected last line leaves the one before.
 */
function pickWinner(defs: RawDef[], reader: 'systemd' | 'procps'): RawDef | null {
  const keyOf = (d: RawDef) => (reader === 'systemd' ? d.key : d.procpsKey)
  const assignments = defs.filter((d) => !d.exclude && d.value !== null && matchesKey(keyOf(d)))
  const explicit = assignments.filter((d) => !d.glob)
  const usable = (list: RawDef[]) => (reader === 'procps' ? list.filter((d) => parseKernelInt(d.value!) !== null) : list)
  const excludes = defs.filter((d) => d.exclude && !d.glob && matchesKey(keyOf(d)))
  if (reader === 'systemd') {
    // systemd keeps one entry per key: a later "-key" line replaces an assignment with "no value"
    // (verified with systemd 252), and any entry for the key keeps globs off it.
    const last = [...explicit, ...excludes].sort((a, b) => a.out - b.out).at(-1)
    if (last) return last.exclude ? null : last
  }
  if (explicit.length > 0) return usable(explicit).at(-1) ?? null
  const excluded = excludes.length > 0
  if (excluded) return null
  return usable(assignments.filter((d) => d.glob)).at(-1) ?? null
}

function toWinner(d: RawDef | null): SysctlWinner | null {
  if (!d) return null
  return {value: parseKernelInt(d.value!), raw: d.value!, path: d.path, ...(d.realPath ? {realPath: d.realPath} : {}), line: d.line, key: d.keyRaw}
}
