/**
 * `sysctl check` and `sysctl apply` for the conntrack table (issue 6, docs/reference/host-sysctl.md): the
 * constants and the result types (the JSON documents of `sysctl check|apply -o json`).
 *
 * The capability is split by concern: tree.ts (the filesystem view, through the guarded reader),
 * precedence.ts (the pure rules of systemd-sysctl and procps), check.ts, apply.ts (plan,
 * execute, roll back).
 */


export const CONNTRACK_MAX_KEY = 'net.netfilter.nf_conntrack_max'
export const KEY_PATH = 'net/netfilter/nf_conntrack_max'
/** The old alias in the initial network namespace: the same kernel variable. */
export const ALIAS_PATH = 'net/nf_conntrack_max'
export const RECOMMENDED_CONNTRACK_MAX = 1_000_000
/** nf_conntrack_max is an int written through proc_dointvec(_minmax). */
export const KERNEL_INT_MAX = 2_147_483_647
export const DEFAULT_DROP_IN = '/etc/sysctl.d/99-zz-felixctl-conntrack.conf'
export const MODULES_LOAD_ENTRY = '/etc/modules-load.d/felixctl-conntrack.conf'
export const SYSCTL_CONF = '/etc/sysctl.conf'
export const PROC_DIR = '/proc/sys/net/netfilter'
export const USAGE_WARN_PERCENT = 80
export const BYTES_PER_ENTRY = 300

/** host-sysctl.md §2.1: priority order; /lib only when it is not the same directory as /usr/lib. */
export const CONF_DIR_BASES = ['/etc', '/run', '/usr/local/lib', '/usr/lib', '/lib']
/** Modules that are nf_conntrack or pull it in as a dependency when loaded at boot. */
export const CONNTRACK_MODULES = new Set(['nf_conntrack', 'nf_conntrack_ipv4', 'nf_conntrack_ipv6', 'xt_conntrack', 'nf_nat'])

// ---------------------------------------------------------------------------------------------
// Result types (the JSON document of `sysctl check -o json` and `sysctl apply -o json`).

export interface SysctlProblem {
  severity: 'error' | 'warning' | 'info'
  code: string
  param: string
  layer: 'live' | 'persisted' | 'module' | 'apply'
  origin: {type: 'file'; path: string; line?: number} | {type: 'live'; path: string} | null
  message: string
  hint: string | null
}

export interface SysctlLive {
  max: number | null
  count: number | null
  buckets: number | null
  moduleLoaded: boolean
  /** The key can be written (false inside most containers' network namespaces); null when absent. */
  writable: boolean | null
}

export interface SysctlWinner {
  value: number | null
  /** The value as written in the file. */
  raw: string
  path: string
  /** Set when `path` is a symbolic link. */
  realPath?: string
  line: number
  key: string
}

export type SysctlDefinitionStatus = 'effective' | 'shadowed' | 'ignored' | 'hidden' | 'not-at-boot'

export interface SysctlDefinition {
  path: string
  /** Set when `path` is a symbolic link (Debian's 99-sysctl.conf -> ../sysctl.conf). */
  realPath?: string
  line: number
  key: string
  value: string | null
  glob: boolean
  exclude: boolean
  status: SysctlDefinitionStatus
  /** Why the status: the file:line that shadows it, the directory that hides the file, ... */
  note?: string
}

export interface SysctlCheckResult {
  root: string
  key: string
  live: SysctlLive
  recommended: number
  usagePercent: number | null
  /** Kernel memory at full use of the live maximum, in bytes (about 300 bytes per entry). */
  memoryAtFullBytes: number | null
  persisted: {
    boot: SysctlWinner | null
    sysctlSystem: SysctlWinner | null
    files: SysctlDefinition[]
    /** Files read at boot, in order (for `--cat-config`-like output). */
    bootOrder: string[]
  }
  moduleAtBoot: {configured: boolean; where: string[]}
  udevRule?: {path: string; line: number}
  problems: SysctlProblem[]
  exitCode: 0 | 3
}

export interface SysctlCheckOptions {
  /** The tree to inspect; default "/". */
  root?: string
  /** The recommended value to compare with; default 1000000. */
  recommended?: number | string
}
