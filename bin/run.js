#!/usr/bin/env -S node --
// ("node --": Node 20 would otherwise also act on a --env-file given to felixctl: nodejs/node#54232)
// Production entry point: runs the compiled commands in dist/ using the oclif manifest.
// Only this file (through the top-level handler) decides the process exit code.
import {run} from '@oclif/core/run'
import {flush} from '@oclif/core/flush'
import {endQuietlyOnClosedPipe, handleTopLevelError} from '../dist/cli/top-level.js'

endQuietlyOnClosedPipe()
try {
  await run(process.argv.slice(2), import.meta.url)
  await flush()
} catch (error) {
  await handleTopLevelError(error)
}
