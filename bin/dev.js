#!/usr/bin/env -S node --import tsx --no-warnings
// Development entry point: runs the TypeScript sources directly through tsx (no build needed).
import {run, flush, settings} from '@oclif/core'
import {endQuietlyOnClosedPipe, handleTopLevelError} from '../src/cli/top-level.ts'

settings.enableAutoTranspile = true
endQuietlyOnClosedPipe()
try {
  await run(process.argv.slice(2), {root: new URL('..', import.meta.url).pathname, development: true})
  await flush()
} catch (error) {
  await handleTopLevelError(error)
}
