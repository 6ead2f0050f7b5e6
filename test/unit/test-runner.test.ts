/**
 * scripts/run-tests.mjs (issue 13, item 18): after the TAP stream it lists the failed tests and
 * the skipped ones with their reasons and ends with `N passed, N failed, N skipped`; a test
 * skipped for a missing tool fails the run under FELIXCTL_REQUIRE_TOOLS=1 (as .ci/run sets).
 * The runner is run on a throwaway tree of test files.
 */
import {test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const RUNNER = fileURLToPath(new URL('../../scripts/run-tests.mjs', import.meta.url))
let dir: string

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(dir, 'tree-'))
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), {recursive: true})
    writeFileSync(join(root, rel), text)
  }
  return root
}

function runner(cwd: string, env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'FELIXCTL_REQUIRE_TOOLS' && !k.startsWith('NODE_TEST')))
  return spawnSync(process.execPath, [RUNNER, 'unit'], {cwd, encoding: 'utf8', env: {...clean, ...env}})
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'felixctl-runner-'))
})
after(() => rmSync(dir, {recursive: true, force: true}))

test('a failing test is listed with its suite path, file and message; exit non-zero', () => {
  const root = tree({
    'test/unit/a.test.ts': `import {describe, test} from 'node:test'\nimport assert from 'node:assert/strict'\ndescribe('outer', () => {\n  test('breaks', () => assert.equal(1 as number, 2))\n  test('holds', () => {})\n})\n`,
    'test/unit/b.test.ts': `import {test} from 'node:test'\ntest('fine', () => {})\ntest('later', {skip: 'unsupported: no xattrs here'}, () => {})\n`,
  })
  const r = runner(root)
  assert.notEqual(r.status, 0, r.stdout)
  const tail = r.stdout.slice(r.stdout.lastIndexOf('# summary'))
  assert.match(tail, /# failed tests \(1\):\n# {3}outer > breaks \(test\/unit\/a\.test\.ts:\d+\): /)
  assert.match(tail, /# skipped tests \(1\):\n# {3}later \(test\/unit\/b\.test\.ts:\d+\): unsupported: no xattrs here/)
  assert.match(tail, /\n2 passed, 1 failed, 1 skipped\n$/)
})

test('a skip for a missing tool passes by default and fails under FELIXCTL_REQUIRE_TOOLS=1', () => {
  const root = tree({'test/unit/c.test.ts': `import {test} from 'node:test'\ntest('ok', () => {})\ntest('needs it', {skip: 'missing tool: frobnicate (Debian package frob)'}, () => {})\n`})
  const plain = runner(root)
  assert.equal(plain.status, 0, plain.stdout)
  assert.match(plain.stdout, /\n1 passed, 0 failed, 1 skipped\n$/)
  const strict = runner(root, {FELIXCTL_REQUIRE_TOOLS: '1'})
  assert.equal(strict.status, 1, strict.stdout)
  assert.match(strict.stdout, /1 test\(s\) skipped for a missing tool/)
})

test('.ci/run installs a package for every tool a test names, and sets FELIXCTL_REQUIRE_TOOLS', async () => {
  const {readFileSync, readdirSync, statSync} = await import('node:fs')
  const repo = fileURLToPath(new URL('../..', import.meta.url))
  const ci = readFileSync(join(repo, '.ci/run'), 'utf8')
  assert.match(ci, /^export FELIXCTL_REQUIRE_TOOLS=1$/m)
  const packages = new Set([...ci.matchAll(/\]=([a-z0-9.+-]+)/g)].map((m) => m[1]))
  const named = new Set<string>()
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n)
      if (statSync(p).isDirectory()) walk(p)
      else if (p.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/needTool\('[^']+', '([^']+)'/g)) named.add(m[1])
    }
  }
  walk(join(repo, 'test'))
  assert.ok(named.size >= 5, `needTool calls found: ${[...named]}`)
  for (const pkg of named) assert.ok(packages.has(pkg), `.ci/run does not install ${pkg}`)
})

test('npm finds no dependency install script left unreviewed (npm ci prints no install-scripts warning)', () => {
  const repo = fileURLToPath(new URL('../..', import.meta.url))
  const r = spawnSync('npm', ['install-scripts', 'ls'], {cwd: repo, encoding: 'utf8'})
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /No packages with unreviewed install scripts/)
})
