#!/usr/bin/env node
// `npm run build`: compile src/ into dist/ and write the oclif manifest.
//
// Two test runs in one checkout (CI beside a developer's run, or `npm test` twice) must not
// delete each other's dist/ half-way: the build runs under a lock (flock(1) on
// .build.lock), and is skipped when dist/ was built from exactly these inputs (a hash of src/,
// the tsconfig files and package.json, kept in dist/.build-stamp). FELIXCTL_REBUILD=1 forces it.
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const STAMP = join(ROOT, 'dist', '.build-stamp')
const LOCK = join(ROOT, '.build.lock')

if (!process.argv.includes('--locked')) {
  const r = spawnSync('flock', [LOCK, process.execPath, fileURLToPath(import.meta.url), '--locked'], {stdio: 'inherit', cwd: ROOT})
  if (r.error && r.error.code === 'ENOENT') {
    // No flock(1) (util-linux): build without the lock.
    process.exit(build())
  }
  process.exit(r.status ?? 1)
} else {
  process.exit(build())
}

function inputsHash() {
  const h = createHash('sha256')
  const files = ['package.json', 'tsconfig.json', 'tsconfig.build.json']
  const walk = (dir) => {
    for (const n of readdirSync(join(ROOT, dir)).sort()) {
      const rel = join(dir, n)
      if (statSync(join(ROOT, rel)).isDirectory()) walk(rel)
      else files.push(rel)
    }
  }
  walk('src')
  for (const f of files) {
    h.update(f + '\0')
    h.update(readFileSync(join(ROOT, f)))
    h.update('\0')
  }
  return h.digest('hex')
}

function readStamp() {
  try {
    return readFileSync(STAMP, 'utf8').trim()
  } catch {
    return null
  }
}

function step(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, {stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT, env: {...process.env, ...env}})
  if (r.status !== 0) {
    process.stderr.write(`build: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})\n`)
    return false
  }
  return true
}

function build() {
  const hash = inputsHash()
  if (process.env.FELIXCTL_REBUILD !== '1' && readStamp() === hash && statOk(join(ROOT, 'oclif.manifest.json'))) {
    process.stderr.write('build: dist/ is up to date with src/\n')
    return 0
  }
  rmSync(join(ROOT, 'dist'), {recursive: true, force: true})
  const bin = (name) => join(ROOT, 'node_modules', '.bin', name)
  if (!step(bin('tsc'), ['-p', 'tsconfig.build.json'])) return 1
  // OCLIF_SKIP_NEW_VERSION_CHECK: the oclif CLI would otherwise ask the npm registry for a newer
  // oclif and print an update notice the user need not think about.
  if (!step(bin('oclif'), ['manifest'], {OCLIF_SKIP_NEW_VERSION_CHECK: 'true'})) return 1
  writeFileSync(STAMP, hash + '\n')
  return 0
}

function statOk(p) {
  try {
    return statSync(p).isFile()
  } catch {
    return false
  }
}
