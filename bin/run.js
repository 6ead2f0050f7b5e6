#!/usr/bin/env -S node --
// ("node --": Node 20 would otherwise also act on a --env-file given to felixctl: nodejs/node#54232)
// Production entry point: runs the bundled commands (dist/felixctl.cjs, see scripts/build.mjs)
// using the oclif manifest. Only this file (through the top-level handler) decides the process exit code.
//
// CommonJS (bin/package.json): Node's ES-module loader, which an ES-module entry point starts,
// cost a few milliseconds of every command's start (issue 14). import() still works here.
//
// The bundle is compiled with V8's code cache (dist/felixctl.cjs.cache, made by the build):
// most of a command's start-up was compiling it. A cache V8 rejects (another Node) costs nothing
// but the compile it would have saved.
'use strict'
const {readFileSync, renameSync, writeFileSync} = require('node:fs')
const {createRequire} = require('node:module')
const {dirname, join} = require('node:path')
const {Script} = require('node:vm')

// The bundle's import() calls that must stay real (oclif's ESM hooks, the lazily loaded
// packages) come here: a vm.Script has no dynamic-import callback of its own.
globalThis.__felixctlImport = (specifier) => import(specifier)
const root = join(__dirname, '..')
const bundlePath = join(root, 'dist', 'felixctl.cjs')
const cachePath = `${bundlePath}.cache`
let cachedData
try {
  cachedData = readFileSync(cachePath)
} catch {
  cachedData = undefined
}
// CommonJS's own wrapper (Module.wrap), so the bundle runs as a required module would.
const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(bundlePath, 'utf8')}\n})`
const script = new Script(source, {filename: bundlePath, cachedData})
const bundle = {exports: {}}
script.runInThisContext()(bundle.exports, createRequire(bundlePath), bundle, bundlePath, dirname(bundlePath))
// dist/commands.cjs (oclif's explicit command discovery) hands oclif these same classes.
globalThis.__felixctlBundle = bundle.exports
const {run, flush, endQuietlyOnClosedPipe, handleTopLevelError} = bundle.exports

endQuietlyOnClosedPipe()
main()

async function main() {
  try {
    // The package root, not this file: oclif would take bin/package.json for felixctl's.
    await run(process.argv.slice(2), join(root, 'package.json'))
    await flush()
    // The build runs one command with this set to write the cache (after the run: it then holds
    // the functions the command compiled).
    if (process.env.FELIXCTL_WRITE_CODE_CACHE === '1') {
      writeFileSync(`${cachePath}.tmp`, script.createCachedData())
      renameSync(`${cachePath}.tmp`, cachePath)
    }
  } catch (error) {
    await handleTopLevelError(error)
  }
}
