#!/usr/bin/env -S node --
// ("node --": Node 20 would otherwise also act on a --env-file given to felixctl: nodejs/node#54232)
// Production entry point: runs the bundled commands (dist/felixctl.cjs, see scripts/build.mjs)
// using the oclif manifest. Only this file (through the top-level handler) decides the process exit code.
//
// The bundle is compiled with V8's code cache (dist/felixctl.cjs.cache, made by the build):
// most of a command's start-up was compiling it. A cache V8 rejects (another Node) costs nothing
// but the compile it would have saved.
import {readFileSync, renameSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Script} from 'node:vm'

// The bundle's import() calls that must stay real (oclif's ESM plugins and hooks, the lazily
// loaded packages) come here: a vm.Script has no dynamic-import callback of its own.
globalThis.__felixctlImport = (specifier) => import(specifier)
const bundlePath = fileURLToPath(new URL('../dist/felixctl.cjs', import.meta.url))
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
try {
  await run(process.argv.slice(2), import.meta.url)
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
