#!/usr/bin/env node
// `npm run build`: compile src/ into dist/, bundle the CLI into dist/felixctl.cjs, write
// the oclif manifest and V8's code cache for the bundle.
//
// Start-up (issue 14): Node resolving and compiling hundreds of modules (oclif's and ours) was
// most of a command's cost. dist/felixctl.cjs is one CommonJS file made by esbuild (which tsx
// brings) from src/commands/** and @oclif/core: it exports the command classes as COMMANDS for
// oclif's explicit command discovery (package.json oclif.commands -> dist/commands.cjs, which
// hands oclif the bundle bin/run.js already loaded), plus what bin/run.js needs. The packages
// that are loaded lazily (etcd3, yaml, @inquirer/prompts) stay outside it, loaded (require) only
// on the paths that need them. CommonJS, not ESM: bin/run.js compiles it with vm.Script and V8's
// code cache (dist/felixctl.cjs.cache, written here by one representative run), which Node 20
// offers for scripts but not for ES modules (module.enableCompileCache is Node 22). tsc still
// emits dist/** (the hook, and the type check of the build).
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

function step(cmd, args, env = {}, {quiet = false} = {}) {
  // quiet: stderr is shown only when the step fails (the code-cache run's own warnings are not the build's).
  const r = spawnSync(cmd, args, {stdio: ['ignore', 'ignore', quiet ? 'pipe' : 'inherit'], cwd: ROOT, env: {...process.env, ...env}})
  if (r.status !== 0) {
    if (quiet && r.stderr) process.stderr.write(r.stderr)
    process.stderr.write(`build: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})\n`)
    return false
  }
  return true
}

async function build() {
  const hash = inputsHash()
  if (process.env.FELIXCTL_REBUILD !== '1' && readStamp() === hash && statOk(join(ROOT, 'oclif.manifest.json')) && statOk(join(ROOT, 'dist', 'felixctl.cjs'))) {
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
  // The code cache: V8 keeps the functions one representative command compiled (oclif's start,
  // the registry, the resolver, a renderer); bin/run.js uses it when V8 accepts it (same Node, same
  // bundle) and compiles from source otherwise.
  const cacheArgs = ['config', 'get', 'LogSeverityFile', '--host', 'node1', '-c', join(ROOT, 'examples', 'felix.cfg'), '--snapshot', join(ROOT, 'examples', 'snapshot.json')]
  if (!step(process.execPath, ['--', join(ROOT, 'bin', 'run.js'), ...cacheArgs], {FELIXCTL_WRITE_CODE_CACHE: '1', NO_COLOR: '1'}, {quiet: true})) return 1
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

/** The commands of oclif's help and autocomplete plugins, bundled as ours (see bundle()). */
function pluginCommands() {
  return [
    {id: 'help', path: 'help/lib/commands/help.js'},
    {id: 'autocomplete', path: 'autocomplete/lib/commands/autocomplete/index.js'},
    {id: 'autocomplete:create', path: 'autocomplete/lib/commands/autocomplete/create.js'},
    {id: 'autocomplete:script', path: 'autocomplete/lib/commands/autocomplete/script.js'},
  ].map((c) => ({id: c.id, path: `./node_modules/@oclif/plugin-${c.path}`})) // their package exports hide these paths
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

/**
 * esbuild plugin: in oclif's module loader and ts-path, and in our sources, an import() of
 * anything but a relative path (which esbuild bundles) calls __felixctlImport (see bundle()).
 */
function importsViaEntry() {
  return {name: 'imports-via-entry', setup(b) {
    const rewrite = (text) => text.replace(/\bawait import\((?!\s*['"]\.)/g, 'await __felixctlImport(')
    b.onLoad({filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/].*\.js$/}, (args) => {
      let text = readFileSync(args.path, 'utf8')
      if (/[\\/](module-loader|config[\\/]ts-path)\.js$/.test(args.path)) text = rewrite(text)
      // wsl-utils (child_process, fs/promises, PowerShell helpers) is loaded at every start for its
      // isWsl, which is is-wsl's (wsl-utils re-exports it).
      if (/[\\/]util[\\/]os\.js$/.test(args.path)) text = text.replace("(await import('wsl-utils')).isWsl", "(await import('is-wsl')).default")
      return {contents: lazyRequires(text), loader: 'js'}
    })
    b.onLoad({filter: /\.ts$/}, (args) => (args.path.startsWith(join(ROOT, 'src')) ? {contents: rewrite(readFileSync(args.path, 'utf8')), loader: 'ts'} : undefined))
  }}
}

/**
 * oclif's compiled modules require every module they might use at their top; most of that is
 * not used by a given command (help, the theme, tinyglobby, ...). `const x = require("m");`
 * becomes a proxy that requires m at the first use of x.
 */
function lazyRequires(text) {
  // node:fs/promises loads and compiles Node's dir, watcher and readline modules with it (~5 ms);
  // oclif reads package.json through it at every start, and uses only these four functions.
  const fsPromises = '(() => { const fs = require("node:fs"), {promisify} = require("node:util"); return {readFile: promisify(fs.readFile), stat: promisify(fs.stat), access: promisify(fs.access), readdir: promisify(fs.readdir)} })()'
  return text
    .replace('const promises_1 = require("node:fs/promises");', `const promises_1 = ${fsPromises};`)
    .replace(/^const ([A-Za-z0-9_$]+) = ((?:__importDefault\(|__importStar\()?require\("[^"]+"\)\)?);$/gm, 'const $1 = __felixctlLazy(() => $2);')
}

async function bundle() {
  const {build: esbuild} = await import('esbuild')
  const cmds = commandFiles()
  const entry = [
    // Getters: a command's module (and what only it imports) is evaluated when oclif asks for
    // that command, not at every start. The help and autocomplete commands are bundled the same
    // way instead of being loaded as plugins (oclif reads a plugin's package.json and manifest on
    // every start, --version included).
    `export const COMMANDS = {${[...cmds, ...pluginCommands()].map((c) => `get ${JSON.stringify(c.id)}() { return require(${JSON.stringify(c.path)}).default }`).join(', ')}}`,
    `export {run} from '@oclif/core/run'`,
    `export {flush} from '@oclif/core/flush'`,
    `export {endQuietlyOnClosedPipe, handleTopLevelError} from './src/cli/top-level.ts'`,
  ].join('\n')
  try {
    await esbuild({
      stdin: {contents: entry, resolveDir: ROOT, sourcefile: 'felixctl-entry.ts', loader: 'ts'},
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // A script compiled by vm.Script has no dynamic-import callback (Node 20 offers one only as
      // an experimental option that warns, and loses it with a code cache). The import() calls
      // that must stay real imports (oclif loading its ESM plugins and hooks; etcd3, yaml,
      // @inquirer/prompts, node:child_process) call __felixctlImport instead, which bin/run.js
      // (an ES module) provides; importsViaEntry rewrites them. Anything left becomes a require().
      supported: {'dynamic-import': false},
      plugins: [importsViaEntry()],
      outfile: join(ROOT, 'dist', 'felixctl.cjs'),
      // Loaded lazily, only on the paths that need them (typescript: only by oclif's ts-path when
      // it runs from TypeScript sources, never from dist/).
      external: ['etcd3', 'yaml', '@inquirer/prompts', 'typescript'],
      // import.meta.url in the sources (createRequire) is the bundle's own URL.
      define: {'import.meta.url': '__felixctlUrl'},
      // Loaded by require() (oclif's own `oclif manifest` run), import() works as in any CommonJS file.
      banner: {js: "const __felixctlLazy = (load) => { let m; const get = () => (m ??= load()); return new Proxy({}, {get: (_, k) => get()[k], set: (_, k, v) => ((get()[k] = v), true), has: (_, k) => k in get(), ownKeys: () => Reflect.ownKeys(get()), getOwnPropertyDescriptor: (_, k) => { const d = Object.getOwnPropertyDescriptor(get(), k); return d && {...d, configurable: true} }}) }; const __felixctlUrl = require('node:url').pathToFileURL(__filename).href; const __felixctlImport = globalThis.__felixctlImport ?? ((s) => import(s));"},
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
  // oclif's explicit discovery loads this file: it hands over the bundle bin/run.js loaded (one
  // copy of every class), or loads it when oclif itself runs (`oclif manifest`).
  writeFileSync(
    join(ROOT, 'dist', 'commands.cjs'),
    "'use strict'\n// Made by scripts/build.mjs: the command classes for oclif's explicit discovery.\nmodule.exports = {COMMANDS: (globalThis.__felixctlBundle ?? require('./felixctl.cjs')).COMMANDS}\n",
  )
  return true
}
