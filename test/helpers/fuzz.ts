/** What the property-based tests share: the run count (FELIXCTL_FUZZ_RUNS) and a readable failure. */
import fc from 'fast-check'

/** Runs per property: modest in `npm test`, more with `npm run fuzz`. */
export const RUNS = Math.max(1, Number(process.env.FELIXCTL_FUZZ_RUNS ?? 200) || 200)

/** Check a property; on failure, throw with the seed, the path and the counterexample to replay it. */
export function holds(property: fc.IProperty<unknown>, numRuns = RUNS): void {
  const d = fc.check(property, {numRuns})
  if (d.failed) {
    const inner = d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance)
    throw new Error(`property failed after ${d.numRuns} runs (seed ${d.seed}, path ${JSON.stringify(d.counterexamplePath)})\ncounterexample: ${fc.stringify(d.counterexample)}\n${inner}`)
  }
}
