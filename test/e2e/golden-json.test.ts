/**
 * End-to-end: the outputs of `config list|get|validate|diff`, the fleet views, `datastore
 * status|export` and `doctor`, on the examples and on the test fleets in test/fixtures/golden/,
 * are byte for byte what they were before issue 16's restructuring: stdout (the JSON document),
 * stderr and the exit code. The files under test/fixtures/golden/ were generated from the code
 * before it (`node scripts/golden.mjs`); regenerate them only for a behaviour change that is
 * intended, and say so in the commit.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
// @ts-expect-error -- a plain ES module script without types
import {CASES, golden, runCase} from '../../scripts/golden.mjs'

interface GoldenCase {
  name: string
  args: string[]
}
interface Outputs {
  stdout: string
  stderr: string
  code: number | string
}

describe('golden outputs (byte for byte)', () => {
  for (const c of CASES as GoldenCase[]) {
    test(`${c.name}: felixctl ${c.args.join(' ')}`, () => {
      const want = golden(c) as Outputs | null
      assert.ok(want, `no golden output for ${c.name}: generate it (node scripts/golden.mjs) from the code before the change`)
      const got = runCase(c) as Outputs
      assert.equal(got.code, want.code, `exit code of ${c.name}; stderr: ${got.stderr}`)
      assert.equal(got.stdout, want.stdout, `stdout of ${c.name}`)
      assert.equal(got.stderr, want.stderr, `stderr of ${c.name}`)
    })
  }
  test('the cases cover every view the issue names', () => {
    const views = new Set((CASES as GoldenCase[]).map((c) => c.args.slice(0, 2).join(' ') + (c.args.includes('--all-hosts') ? ' --all-hosts' : '')))
    for (const v of ['config list', 'config get', 'config validate', 'config diff', 'config list --all-hosts', 'config get --all-hosts', 'config validate --all-hosts']) {
      assert.ok(views.has(v), v)
    }
  })
})
