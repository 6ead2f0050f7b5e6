/**
 * The CPU time this process spends in a function: user + system, median of `times` runs.
 * Used only for growth ratios with wide margins (is 10x the input at most ~10x the work?).
 * CPU time rather than the clock: another suite on the same cores does not count against it.
 */
export function cpuMs(fn: () => void, times = 3): number {
  const t: number[] = []
  for (let i = 0; i < times; i++) {
    const s = process.cpuUsage()
    fn()
    const d = process.cpuUsage(s)
    t.push((d.user + d.system) / 1000)
  }
  return t.sort((a, b) => a - b)[Math.floor(times / 2)]
}
