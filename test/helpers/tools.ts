/**
 * Tools the tests need from the machine. A test that cannot run without one skips with a
 * reason that starts with "missing tool:"; scripts/run-tests.mjs lists every skip at the end,
 * and with FELIXCTL_REQUIRE_TOOLS=1 (set by .ci/run, which installs them) fails the run on one.
 */
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'

/** `false` when the tool is there, else the skip reason naming it and its Debian package. */
export function needTool(tool: string, debianPackage: string, present: boolean): string | false {
  return present ? false : `missing tool: ${tool} (Debian package ${debianPackage})`
}

/** True when `cmd args...` runs and exits 0. */
export function runs(cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, {stdio: 'ignore'})
  return !r.error && r.status === 0
}

export const isRoot = process.getuid?.() === 0

export const SYSTEMD_SYSCTL = ['/usr/lib/systemd/systemd-sysctl', '/lib/systemd/systemd-sysctl'].find((p) => existsSync(p))

/** The first of skip reasons that applies, or false. */
export function firstSkip(...reasons: (string | false)[]): string | false {
  return reasons.find((r) => r !== false) ?? false
}

/** True when `cmd` is on PATH. */
export function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], {stdio: 'ignore'}).status === 0
}
