/**
 * The shared failure vocabulary of the etcd drivers: why an attempt failed (TLS or not), the
 * one-line DatastoreError naming every endpoint tried, the deadline, the exit-7 conflict.
 */
import {DatastoreError, FelixctlError, WriteRefusedError} from '../errors.js'
import {describeTlsFiles, type TlsMaterial} from './tls.js'
import type {Kv} from './types.js'

/** Error codes that mean the TLS handshake (or certificate checks) failed. */
const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|ERR_OSSL_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|HOSTNAME_MISMATCH|ERR_SSL)/

export function isTlsFailure(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException
  if (typeof e?.code === 'string' && TLS_CODES.test(e.code)) return true
  const msg = String(e?.message ?? '')
  return /certificate|ssl|tls|handshake|self[- ]signed|unable to verify|alert/i.test(msg)
}

/**
 * A readable reason for a TLS failure: OpenSSL's raw strings
 * ("8040...:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:...")
 * become "the server rejected the client certificate (TLS alert: bad certificate)".
 */
export function tlsReason(message: string): string {
  const text = message.replace(/\s*Resolution note:.*$/s, '').trim().replace(/\.$/, '')
  const alert = /alert ([a-z ]+?)(?::|$)/i.exec(text)?.[1]
  if (alert) {
    const which = /bad certificate|certificate required|unknown ca|certificate expired|certificate unknown|handshake failure/i.test(alert)
      ? 'the server rejected the client certificate'
      : 'the server ended the handshake'
    return `TLS handshake failed: ${which} (TLS alert: ${alert.toLowerCase()})`
  }
  if (/key values mismatch/i.test(text)) return 'TLS set-up failed: the client key does not match the client certificate'
  const reason = /error:[0-9A-F]+:[^:]*:[^:]*:(.*?)(?::\.\.\/|$)/.exec(text)?.[1] ?? text
  return `TLS handshake failed: ${reason}`
}

/** One short reason for a failed attempt, from a Node/undici/grpc error. */
export function failureReason(error: unknown): string {
  const e = error as NodeJS.ErrnoException & {hostname?: string}
  if (isTlsFailure(error)) return tlsReason(String(e?.message ?? error))
  switch (e?.code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ECONNRESET':
      return 'connection reset by peer'
    case 'ENOTFOUND':
      return `DNS lookup failed${e.hostname ? ` for ${e.hostname}` : ''} (no such host)`
    case 'EAI_AGAIN':
      return `DNS lookup failed${e.hostname ? ` for ${e.hostname}` : ''} (temporary failure)`
    case 'EHOSTUNREACH':
      return 'no route to host'
    case 'ENETUNREACH':
      return 'network is unreachable'
    case 'EPIPE':
      return 'connection closed by peer'
  }
  return String(e?.message ?? error).split('\n')[0]
}

export interface AttemptFailure {
  endpoint: string
  reason: string
  tls?: boolean
}

/** The one-line DatastoreError naming every endpoint that was tried and why it failed. */
export function unreachableError(failures: AttemptFailure[], tls: TlsMaterial, timeoutMs: number, cause?: unknown): DatastoreError {
  const list = failures.map((f) => (failures.length === 1 ? `${f.endpoint}: ${f.reason}` : `${f.endpoint} (${f.reason})`)).join(', ')
  const anyTls = failures.some((f) => f.tls)
  const message = anyTls
    ? `TLS refused by etcd at ${list} [${describeTlsFiles(tls)}]`
    : `cannot reach etcd at ${list}`
  const hint = anyTls
    ? 'check --etcd-ca-file / EtcdCaFile (the CA that signed the server certificate), --etcd-cert-file / EtcdCertFile and --etcd-key-file / EtcdKeyFile'
    : `check --etcd-endpoints / EtcdEndpoints (or EtcdScheme + EtcdAddr) and that etcd is running; --etcd-timeout is ${timeoutMs} ms` +
      (failures.some((f) => /timed out/.test(f.reason)) ? ' (a member that has lost quorum does not answer reads either)' : '')
  return new DatastoreError(message, {
    endpoint: failures[0]?.endpoint,
    hint,
    code: anyTls ? 'datastore-tls' : failures.every((f) => /timed out/.test(f.reason)) ? 'datastore-timeout' : 'datastore-unreachable',
    cause,
  })
}

/** Remaining milliseconds before the overall deadline (never negative). */
export function remaining(deadline: number): number {
  return Math.max(0, deadline - Date.now())
}

/** Errors of our own classes pass through the endpoint loops untouched. */
export function isFelixctlError(error: unknown): error is FelixctlError {
  return error instanceof FelixctlError
}

function describeCurrent(current: Kv | null | undefined): string {
  if (current === undefined) return ''
  if (current === null) return 'it does not exist now'
  return `it is now ${JSON.stringify(current.value)} at revision ${current.revision}`
}

/** The exit-7 error of a failed compare-and-swap; `current` undefined = could not be read. */
export function conflictError(key: string, ifRevision: string, current: Kv | null | undefined): WriteRefusedError {
  const now = describeCurrent(current)
  if (ifRevision === '0') {
    return new WriteRefusedError(`${key} already exists (--if-revision 0 creates it only when absent)${now ? `: ${now}` : ''}`, {
      code: 'revision-conflict',
      hint: 'give its current revision with --if-revision instead of 0',
    })
  }
  return new WriteRefusedError(`${key} is not at revision ${ifRevision}${now ? `: ${now}` : ''}; nothing was written`, {
    code: 'revision-conflict',
    hint: 'read its current revision again (etcdctl get KEY -w json, or the v2 keys API) and retry',
  })
}
