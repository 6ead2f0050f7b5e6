#!/usr/bin/env node
// Golden outputs of the built CLI (issue 16: restructuring without behaviour changes).
// Each case in test/fixtures/golden/cases.json is run with bin/run.js from the repository root,
// in a clean environment (PATH and HOME only). Its stdout (the JSON document) is kept as
// test/fixtures/golden/out/<name>.json; its exit code and stderr (the repository root replaced by
// <ROOT>) in test/fixtures/golden/exits.json. datastore status's elapsedMs, the one field that
// measures time, is replaced by a placeholder. test/e2e/golden-json.test.ts compares the current
// outputs against these files byte for byte.
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
const EXITS = join(GOLDEN, 'exits.json')

/** Run one case: {stdout, stderr, code} as kept in the golden files. */
export function runCase(c) {
  const r = spawnSync(process.execPath, ['--', join(ROOT, 'bin/run.js'), ...c.args], {
    cwd: ROOT,
    env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'},
    encoding: 'utf8',
    timeout: 60000,
  })
  const root = ROOT.replace(/\/$/, '')
  return {
    // The checkout's path appears in sysctl's --root hints: the golden files hold <ROOT> instead.
    stdout: r.stdout.replace(/"elapsedMs": \d+/g, '"elapsedMs": "<elapsed>"').split(root).join('<ROOT>'),
    stderr: r.stderr.split(root).join('<ROOT>'),
    code: r.status ?? r.signal,
  }
}

/** The kept outputs of one case, or null for a case that has none yet. */
export function golden(c) {
  const path = join(GOLDEN, 'out', `${c.name}.json`)
  const exits = existsSync(EXITS) ? JSON.parse(readFileSync(EXITS, 'utf8')) : {}
  if (!existsSync(path) || !exits[c.name]) return null
  return {stdout: readFileSync(path, 'utf8'), stderr: exits[c.name].stderr, code: exits[c.name].code}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check')
  let bad = 0
  const exits = {}
  mkdirSync(join(GOLDEN, 'out'), {recursive: true})
  for (const c of CASES) {
    const got = runCase(c)
    if (check) {
      const want = golden(c)
      for (const k of ['stdout', 'stderr', 'code']) {
        if (want?.[k] !== got[k]) {
          bad++
          console.log(`differs: ${c.name} ${k}`)
        }
      }
    } else {
      writeFileSync(join(GOLDEN, 'out', `${c.name}.json`), got.stdout)
      exits[c.name] = {code: got.code, stderr: got.stderr}
    }
  }
  if (check) process.exit(bad ? 1 : 0)
  writeFileSync(EXITS, JSON.stringify(exits, null, 1) + '\n')
}
