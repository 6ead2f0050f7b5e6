/**
 * felixctl's error hierarchy. Every error a user can cause has a class here with a
 * stable exit code (docs/exit-codes.md). Only the top-level handler (src/cli/top-level.ts)
 * turns them into a process exit; nothing else calls process.exit.
 */

export const ExitCode = {
  ok: 0,
  bug: 1,
  usage: 2,
  check: 3,
  notFound: 4,
  datastore: 5,
  localIo: 6,
  writeRefused: 7,
  cancelled: 130,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface ErrorDetails {
  /** What to do about it, shown on its own line after the message. */
  hint?: string
  /** The Felix parameter concerned, if any. */
  param?: string
  /** The layer concerned (env, file, host, global), if any. */
  layer?: string
  /** A stable kebab-case code for JSON consumers. */
  code?: string
  cause?: unknown
}

export abstract class FelixctlError extends Error {
  abstract readonly exitCode: ExitCodeValue
  readonly hint?: string
  readonly param?: string
  readonly layer?: string
  readonly code: string

  constructor(message: string, details: ErrorDetails = {}, defaultCode = 'error') {
    super(message, details.cause === undefined ? undefined : {cause: details.cause})
    this.name = new.target.name
    this.hint = details.hint
    this.param = details.param
    this.layer = details.layer
    this.code = details.code ?? defaultCode
  }
}

/** Exit 2: bad flags or arguments, or a prompt was needed but there is no TTY. */
export class UsageError extends FelixctlError {
  readonly exitCode = ExitCode.usage
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'usage')
  }
}

/** Exit 3: a check found a problem (an invalid value given to `set`, a broken requirement). */
export class CheckFailedError extends FelixctlError {
  readonly exitCode = ExitCode.check
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'check-failed')
  }
}

/** Exit 4: unknown parameter, key, file kind or release (with a did-you-mean in the hint). */
export class NotFoundError extends FelixctlError {
  readonly exitCode = ExitCode.notFound
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'not-found')
  }
}

/** Exit 5: etcd unreachable, timed out, TLS refused, no quorum. */
export class DatastoreError extends FelixctlError {
  readonly exitCode = ExitCode.datastore
  readonly endpoint?: string
  constructor(message: string, details: ErrorDetails & {endpoint?: string} = {}) {
    super(message, details, 'datastore-unreachable')
    this.endpoint = details.endpoint
  }
}

/** Exit 6: a local file or /proc/sys cannot be read or written (permission, directory, EROFS, missing). */
export class LocalIoError extends FelixctlError {
  readonly exitCode = ExitCode.localIo
  readonly path?: string
  constructor(message: string, details: ErrorDetails & {path?: string} = {}) {
    super(message, details, 'local-io')
    this.path = details.path
  }
}

/** Exit 7: a write was refused (revision conflict, file changed since read, local-only to etcd). */
export class WriteRefusedError extends FelixctlError {
  readonly exitCode = ExitCode.writeRefused
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'write-refused')
  }
}

/** Exit 130 (as for SIGINT): the user left a prompt (Ctrl-C); nothing was done. */
export class CancelledError extends FelixctlError {
  readonly exitCode = ExitCode.cancelled
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'prompt-cancelled')
  }
}

/**
 * Not an error: a command has already printed its result and wants a non-zero exit
 * (for example 3 when `config get` finds that Felix would not start).
 */
export class ResultExit extends Error {
  constructor(readonly exitCode: ExitCodeValue) {
    super(`exit ${exitCode}`)
    this.name = 'ResultExit'
  }
}

/** Map a Node fs error to a LocalIoError that names the path. */
export function localIoErrorFrom(error: unknown, path: string, action: 'read' | 'write' | 'create' | 'rename' = 'read'): LocalIoError {
  const err = error as NodeJS.ErrnoException
  const code = err?.code ?? 'EIO'
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory, not a file',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a component of the path is not a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    ELOOP: 'too many levels of symbolic links',
    EINVAL: 'invalid argument',
  }
  const reason = reasons[code] ?? (err?.message ?? String(error))
  const hints: Record<string, string> = {
    EACCES: 'run felixctl as root or as a user that may access the file',
    EPERM: 'run felixctl as root, or remove the immutable attribute (chattr -i)',
    EROFS: 'the file system is mounted read-only (in a container, /proc/sys usually is)',
    EISDIR: 'name the file, not the directory',
    ENOENT: 'check the path',
    ELOOP: 'fix the symbolic link loop',
  }
  return new LocalIoError(`cannot ${action} ${path}: ${reason}`, {path, hint: hints[code], cause: error, code: `file-${code.toLowerCase()}`})
}
