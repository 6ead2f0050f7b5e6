#!/usr/bin/env -S node --
// ("node --": Node 20 would otherwise also act on a --env-file given to felixctl: nodejs/node#54232)
// Production entry point: runs the bundled commands (dist/felixctl.js, see scripts/build.mjs)
// using the oclif manifest. Only this file (through the top-level handler) decides the process exit code.
import {run, flush, endQuietlyOnClosedPipe, handleTopLevelError} from '../dist/felixctl.js'

endQuietlyOnClosedPipe()
try {
  await run(process.argv.slice(2), import.meta.url)
  await flush()
} catch (error) {
  await handleTopLevelError(error)
}
