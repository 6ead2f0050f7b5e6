#!/usr/bin/env node
// `npm run build`: compile src/ into dist/, bundle the CLI into dist/felixctl.js and write
// the oclif manifest.
//
// Start-up (issue 14): Node resolving and compiling hundreds of modules (oclif's and ours) was
// most of a command's cost. dist/felixctl.js is one ESM file made by esbuild (which tsx brings)
// from src/commands/** and @oclif/core: it exports the command classes as COMMANDS for oclif's
// explicit command discovery (package.json oclif.commands), plus what bin/run.js needs. The
// packages that are loaded lazily (etcd3, yaml, @inquirer/prompts) stay outside it, still
// loaded by dynamic import on the paths that need them. tsc still emits dist/** (the hook, and
// the type check of the build).
//
// Two test runs in one checkout (CI beside a developer's run, or `npm test` twice) must not
// delete each other's dist/ half-way: the build runs under a lock (flock(1) on
// .build.lock), and is skipped when dist/ was built from exactly these inputs (a hash of src/,
// the tsconfig files, package.json and this script, kept in dist/.build-stamp). FELIXCTL_REBUILD=1 forces it.
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
    process.exit(await build())
  }
  process.exit(r.status ?? 1)
} else {
  process.exit(await build())
}

function inputsHash() {
  const h = createHash('sha256')
  const files = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs']
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

async function build() {
  const hash = inputsHash()
  if (process.env.FELIXCTL_REBUILD !== '1' && readStamp() === hash && statOk(join(ROOT, 'oclif.manifest.json')) && statOk(join(ROOT, 'dist', 'felixctl.js'))) {
    process.stderr.write('build: dist/ is up to date with src/\n')
    return 0
  }
  rmSync(join(ROOT, 'dist'), {recursive: true, force: true})
  const bin = (name) => join(ROOT, 'node_modules', '.bin', name)
  if (!step(bin('tsc'), ['-p', 'tsconfig.build.json'])) return 1
  if (!(await bundle())) return 1
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

/** Command id (oclif's, `config:get`) for every file under src/commands, and its import path. */
function commandFiles() {
  const out = []
  const walk = (dir) => {
    for (const n of readdirSync(join(ROOT, dir)).sort()) {
      const rel = `${dir}/${n}`
      if (statSync(join(ROOT, rel)).isDirectory()) walk(rel)
      else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) out.push({id: rel.slice('src/commands/'.length, -3).replaceAll('/', ':'), path: `./${rel}`})
    }
  }
  walk('src/commands')
  return out
}

async function bundle() {
  const {build: esbuild} = await import('esbuild')
  const cmds = commandFiles()
  const entry = [
    ...cmds.map((c, i) => `import C${i} from ${JSON.stringify(c.path)}`),
    `export const COMMANDS = {${cmds.map((c, i) => `${JSON.stringify(c.id)}: C${i}`).join(', ')}}`,
    `export {run} from '@oclif/core/run'`,
    `export {flush} from '@oclif/core/flush'`,
    `export {endQuietlyOnClosedPipe, handleTopLevelError} from './src/cli/top-level.ts'`,
  ].join('\n')
  try {
    await esbuild({
      stdin: {contents: entry, resolveDir: ROOT, sourcefile: 'felixctl-entry.ts', loader: 'ts'},
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(ROOT, 'dist', 'felixctl.js'),
      // Loaded lazily, by dynamic import, only on the paths that need them (typescript: only
      // by oclif's ts-path when it runs from TypeScript sources, never from dist/).
      external: ['etcd3', 'yaml', '@inquirer/prompts', 'typescript'],
      // oclif is CommonJS: inside an ES module its require() calls need a real require.
      banner: {js: "import {createRequire as __felixctlRequire} from 'node:module'; const require = __felixctlRequire(import.meta.url);"},
      logLevel: 'error',
      legalComments: 'none',
      // Less to parse at every start; names kept (oclif and the error classes use them).
      minifyWhitespace: true,
      minifySyntax: true,
      keepNames: true,
    })
  } catch (e) {
    process.stderr.write(`build: esbuild failed: ${e.message}\n`)
    return false
  }
  return true
}
