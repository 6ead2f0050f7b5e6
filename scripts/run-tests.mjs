#!/usr/bin/env node
// Runs the test tiers with Node's own test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [unit|integration|e2e ...]   (default: all three)
//
// The TAP stream goes to stdout as usual; at its end a summary lists every failed test (the
// stream is thousands of lines), every skipped test with its reason, and the counts.
// FELIXCTL_REQUIRE_TOOLS=1 (set by .ci/run) makes a test skipped for a missing tool (its skip
// reason starts with "missing tool:", see test/helpers/tools.ts) fail the run: CI installs them.
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'

const tiers = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'e2e']
const files = []
function walk(dir) {
  let names
  try {
    names = readdirSync(dir).sort()
  } catch {
    return
  }
  for (const n of names) {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) walk(p)
    else if (/\.test\.ts$/.test(n)) files.push(p)
  }
}
for (const t of tiers) walk(join('test', t))
if (files.length === 0) {
  console.error(`no test files under ${tiers.map((t) => 'test/' + t).join(', ')}`)
  process.exit(1)
}

const tmp = mkdtempSync(join(tmpdir(), 'felixctl-test-run-'))
const summaryFile = join(tmp, 'summary.json')
// Two test files at a time: with another suite beside it, a 2-core machine runs four.
// --test-timeout is a safety net against a hang, far above any test's run time on a busy
// machine; no test asserts how long anything took.
const args = [
  '--import', import.meta.resolve('tsx'), '--test', '--test-concurrency=2', '--test-timeout=1200000',
  '--test-reporter=tap', '--test-reporter-destination=stdout',
  `--test-reporter=${import.meta.resolve('./test-summary-reporter.mjs')}`, `--test-reporter-destination=${summaryFile}`,
  ...files,
]
const r = spawnSync(process.execPath, args, {stdio: 'inherit', env: {...process.env, NODE_NO_WARNINGS: '1'}})

let summary = null
try {
  summary = JSON.parse(readFileSync(summaryFile, 'utf8'))
} catch {
  // The runner died before its reporters finished: its exit status says so below.
}
rmSync(tmp, {recursive: true, force: true})

let status = r.status ?? 1
if (summary) {
  const where = (t) => (t.file ? ` (${t.file.replace(process.cwd() + '/', '')}${t.line ? ':' + t.line : ''})` : '')
  const lines = ['', '# summary']
  if (summary.failed.length) {
    lines.push(`# failed tests (${summary.failed.length}):`)
    for (const t of summary.failed) lines.push(`#   ${t.name}${where(t)}${t.message ? ': ' + t.message : ''}`)
  }
  if (summary.skipped.length) {
    lines.push(`# skipped tests (${summary.skipped.length}):`)
    for (const t of summary.skipped) lines.push(`#   ${t.name}${where(t)}: ${t.reason || 'no reason given'}`)
  }
  if (summary.todo.length) lines.push(`# todo: ${summary.todo.length}`)
  const missingTools = summary.skipped.filter((t) => t.reason.startsWith('missing tool:'))
  if (missingTools.length && process.env.FELIXCTL_REQUIRE_TOOLS === '1') {
    lines.push(`# ${missingTools.length} test(s) skipped for a missing tool, and FELIXCTL_REQUIRE_TOOLS=1: install them (.ci/run does)`)
    status = status || 1
  }
  lines.push(`${summary.passed} passed, ${summary.failed.length} failed, ${summary.skipped.length} skipped`)
  process.stdout.write(lines.join('\n') + '\n')
} else if (status === 0) {
  process.stdout.write('# the test summary was not written\n')
  status = 1
}
process.exit(status)
