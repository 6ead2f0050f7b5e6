import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import fc from 'fast-check'
import {unifiedDiff} from '../../src/lib/diff.js'
import {needTool} from '../helpers/tools.js'

const hasPatch = spawnSync('patch', ['--version']).status === 0
const hasDiff = spawnSync('diff', ['--version']).status === 0

describe('unifiedDiff', () => {
  const rows: {name: string; a: string; b: string; want: string}[] = [
    {name: 'equal texts give nothing', a: 'x\ny\n', b: 'x\ny\n', want: ''},
    {name: 'one changed line', a: 'a\nb\nc\n', b: 'a\nB\nc\n', want: '--- o\n+++ n\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n'},
    {name: 'insert into an empty file', a: '', b: 'a\n', want: '--- o\n+++ n\n@@ -0,0 +1 @@\n+a\n'},
    {name: 'missing final newline', a: 'a\nb', b: 'a\nb\nc\n', want: '--- o\n+++ n\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n'},
    {
      name: 'far apart changes make two hunks',
      a: 'c\n1\n2\n3\n4\n5\n6\n7\n8\nd\n', b: 'C\n1\n2\n3\n4\n5\n6\n7\n8\nD\n',
      want: '--- o\n+++ n\n@@ -1,4 +1,4 @@\n-c\n+C\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-d\n+D\n',
    },
  ]
  for (const row of rows) test(row.name, () => assert.equal(unifiedDiff(row.a, row.b, 'o', 'n'), row.want))

  test('matches diff -u on the fixed cases', {skip: needTool('diff', 'diffutils', hasDiff)}, () => {
    const dir = mkdtempSync(join(tmpdir(), 'felixctl-diff-'))
    for (const row of rows.filter((r) => r.a !== r.b)) {
      writeFileSync(join(dir, 'o'), row.a)
      writeFileSync(join(dir, 'n'), row.b)
      const r = spawnSync('diff', ['-u', 'o', 'n'], {cwd: dir, encoding: 'utf8'})
      assert.equal(r.stdout.replace(/^(---|\+\+\+) (\S+).*$/gm, '$1 $2'), row.want, row.name)
    }
  })

  test('patch(1) turns the old text into the new one (random texts)', {skip: needTool('patch', 'patch', hasPatch)}, () => {
    const dir = mkdtempSync(join(tmpdir(), 'felixctl-diff-'))
    const text = fc.array(fc.constantFrom('a\n', 'b\n', 'c\n', '[x]\n', '\n', 'k = v\n'), {maxLength: 30}).map((l) => l.join(''))
    for (const [a, b] of fc.sample(fc.tuple(text, text), {numRuns: 60, seed: 7})) {
      const d = unifiedDiff(a, b, 'f', 'f')
      if (a === b) {
        assert.equal(d, '')
        continue
      }
      writeFileSync(join(dir, 'f'), a)
      const r = spawnSync('patch', ['-s', '-p0', 'f'], {cwd: dir, input: d, encoding: 'utf8'})
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}\n${d}`)
      assert.equal(readFileSync(join(dir, 'f'), 'utf8'), b, d)
    }
  })
})
