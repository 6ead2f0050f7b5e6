#!/usr/bin/env node
// Runs the test tiers with Node's own test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [unit|integration|e2e ...]   (default: all three)
import {readdirSync, statSync} from 'node:fs'
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
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...files]
const r = spawnSync(process.execPath, args, {stdio: 'inherit', env: {...process.env, NODE_NO_WARNINGS: '1'}})
process.exit(r.status ?? 1)
