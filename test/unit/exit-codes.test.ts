/** The exit code of a result is computed in one place (src/services/exit-codes.ts); doctor's worst follows the documented order. */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {ExitCode} from '../../src/errors.js'
import {EXIT_CODES_WORST_FIRST, checkExit, problemExit, reachExit, worstExit} from '../../src/services/exit-codes.js'
import {REPO_ROOT} from '../helpers/cli.js'

describe('exit codes from results', () => {
  test('a finding is 3; a check that could not look is 5 (datastore) or 3 (nothing to look at)', () => {
    assert.equal(problemExit(false), 0)
    assert.equal(problemExit(true), 3)
    assert.equal(checkExit('ok', 'datastore'), 0)
    assert.equal(checkExit('failed', 'datastore'), 3)
    assert.equal(checkExit('not-checked', 'datastore'), 5)
    assert.equal(checkExit('not-checked', 'nothing-to-check'), 3)
    assert.equal(reachExit(true), 0)
    assert.equal(reachExit(false), 5)
  })

  test('worst: the documented order, not the largest number', () => {
    assert.equal(worstExit([]), 0)
    assert.equal(worstExit([0, 3, 0]), 3)
    assert.equal(worstExit([3, 5]), 5)
    assert.equal(worstExit([5, 6]), 6)
    assert.equal(worstExit([4, 3]), 4)
    // A usage error means the run itself was wrong: it is not hidden behind a finding (Math.max would say 3).
    assert.equal(worstExit([2, 2, 3, 0]), 2)
    assert.equal(worstExit([2, 7]), 2)
    assert.equal(worstExit([130, 2]), 130)
    assert.equal(worstExit([1, 130]), 1)
  })

  test('the order lists every exit code once, and docs/exit-codes.md gives the same order', () => {
    assert.deepEqual([...EXIT_CODES_WORST_FIRST].sort((a, b) => a - b), Object.values(ExitCode).sort((a, b) => a - b))
    const doc = readFileSync(join(REPO_ROOT, 'docs/exit-codes.md'), 'utf8')
    const line = doc.split('\n').find((l) => l.startsWith('- `doctor` exits with the worst code of its parts'))
    assert.ok(line, 'docs/exit-codes.md states the order for doctor')
    assert.deepEqual(line.match(/\b\d+\b/g)?.map(Number), [...EXIT_CODES_WORST_FIRST])
  })

  test('no command or service computes an exit code itself (`? 3 : 0`, Math.max of codes)', () => {
    const found: string[] = []
    const walk = (d: string) => {
      for (const n of readdirSync(join(REPO_ROOT, d))) {
        const rel = `${d}/${n}`
        if (statSync(join(REPO_ROOT, rel)).isDirectory()) walk(rel)
        else if (rel.endsWith('.ts') && rel !== 'src/services/exit-codes.ts') {
          const text = readFileSync(join(REPO_ROOT, rel), 'utf8')
          for (const m of text.matchAll(/.*(\?\s*[3-7]\s*:\s*0\b|\?\s*0\s*:\s*[3-7]\b|Math\.max\([^)]*exitCode|exitCode:\s*[1-7]\b).*/g)) found.push(`${rel}: ${m[0].trim()}`)
        }
      }
    }
    walk('src')
    assert.deepEqual(found, [])
  })
})
