/**
 * End-to-end: the outputs of `config list|get|validate|diff`, the fleet views and `datastore
 * status|export`, on the examples and on the test fleets in test/fixtures/golden/, are byte for
 * byte what they were before issue 16's restructuring. The files under test/fixtures/golden/out/
 * were generated from the code before it (`node scripts/golden.mjs`); regenerate them only for a
 * behaviour change that is intended, and say so in the commit.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
// @ts-expect-error -- a plain ES module script without types
import {CASES, goldenPaths, runCase} from '../../scripts/golden.mjs'

interface GoldenCase {
  name: string
  args: string[]
}

describe('golden outputs (byte for byte)', () => {
  for (const c of CASES as GoldenCase[]) {
    test(`${c.name}: felixctl ${c.args.join(' ')}`, () => {
      const got = runCase(c) as {stdout: string; stderr: string; code: string}
      const want = goldenPaths(c) as {stdout: string; stderr: string; code: string}
      assert.equal(got.code, readFileSync(want.code, 'utf8'), `exit code of ${c.name}; stderr: ${got.stderr}`)
      assert.equal(got.stdout, readFileSync(want.stdout, 'utf8'), `stdout of ${c.name}`)
      assert.equal(got.stderr, readFileSync(want.stderr, 'utf8'), `stderr of ${c.name}`)
    })
  }
  test('the cases cover every view the issue names', () => {
    const views = new Set((CASES as GoldenCase[]).map((c) => c.args.slice(0, 2).join(' ') + (c.args.includes('--all-hosts') ? ' --all-hosts' : '')))
    for (const v of ['config list', 'config get', 'config validate', 'config diff', 'config list --all-hosts', 'config get --all-hosts', 'config validate --all-hosts']) {
      assert.ok(views.has(v), v)
    }
  })
})
