/** Which sysctl.d line sets the conntrack key, and which definition wins for systemd-sysctl and for procps (pure). */
import {parseKernelInt, sysctlKeyMatches} from '../../formats/sysctl-conf.js'
import {KEY_PATH, ALIAS_PATH, SysctlWinner} from './model.js'

export function matchesKey(key: string | undefined | null): boolean {
  if (!key) return false
  return sysctlKeyMatches(key, KEY_PATH) || sysctlKeyMatches(key, ALIAS_PATH)
}

export interface RawDef {
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
export function pickWinner(defs: RawDef[], reader: 'systemd' | 'procps'): RawDef | null {
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

export function toWinner(d: RawDef | null): SysctlWinner | null {
  if (!d) return null
  return {value: parseKernelInt(d.value!), raw: d.value!, path: d.path, ...(d.realPath ? {realPath: d.realPath} : {}), line: d.line, key: d.keyRaw}
}
