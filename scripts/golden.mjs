#!/usr/bin/env node
// Golden outputs of the built CLI (issue 16: restructuring without behaviour changes).
// Each case in test/fixtures/golden/cases.json is run with bin/run.js from the repository root,
// in a clean environment (PATH and HOME only), and its stdout, stderr (the repository root
// replaced by <ROOT>; datastore status's elapsedMs by a placeholder) and exit code are kept under test/fixtures/golden/out/.
// test/e2e/golden-json.test.ts compares the current outputs against them byte for byte.
//
// Usage: node scripts/golden.mjs            write the files (only on purpose: they are the baseline)
//        node scripts/golden.mjs --check    compare, print the differing cases, exit 1 if any
import {mkdirSync, readFileSync, writeFileSync, existsSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {join} from 'node:path'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const GOLDEN = join(ROOT, 'test/fixtures/golden')
export const CASES = JSON.parse(readFileSync(join(GOLDEN, 'cases.json'), 'utf8'))

/** Run one case; the result as the text kept in the golden file. */
export function runCase(c) {
  const r = spawnSync(process.execPath, ['--', join(ROOT, 'bin/run.js'), ...c.args], {
    cwd: ROOT,
    env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'},
    encoding: 'utf8',
    timeout: 60000,
  })
  const root = ROOT.replace(/\/$/, '')
  return {
    // The one field that measures time (datastore status) is not a behaviour.
    stdout: r.stdout.replace(/"elapsedMs": \d+/g, '"elapsedMs": "<elapsed>"'),
    stderr: r.stderr.split(root).join('<ROOT>'),
    code: String(r.status ?? r.signal) + '\n',
  }
}

export function goldenPaths(c) {
  const base = join(GOLDEN, 'out', c.name)
  return {stdout: base + '.stdout.json', stderr: base + '.stderr.txt', code: base + '.code'}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check')
  mkdirSync(join(GOLDEN, 'out'), {recursive: true})
  let bad = 0
  for (const c of CASES) {
    const got = runCase(c)
    const paths = goldenPaths(c)
    for (const k of ['stdout', 'stderr', 'code']) {
      if (check) {
        const want = existsSync(paths[k]) ? readFileSync(paths[k], 'utf8') : null
        if (want !== got[k]) {
          bad++
          console.log(`differs: ${c.name} ${k}`)
        }
      } else writeFileSync(paths[k], got[k])
    }
  }
  if (check) process.exit(bad ? 1 : 0)
}
