/**
 * TLS material for the etcd drivers, and the shared failure vocabulary (endpoint
 * parsing, reasons, the one-line DatastoreError). No etcd client is imported here.
 *
 * Felix 2.0 (libcalico-go's etcd backend, transport.TLSInfo) reads EtcdCaFile,
 * EtcdCertFile and EtcdKeyFile whenever they are set, whatever the scheme, so a
 * named file that cannot be read is an error even for http endpoints.
 */
import {readRegularFile} from '../lib/read-file.js'
import {DatastoreError, FelixctlError, LocalIoError, UsageError, WriteRefusedError} from '../errors.js'
import {DatastoreConnection, Kv} from './types.js'

export interface TlsMaterial {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  caFile?: string
  certFile?: string
  keyFile?: string
}

const FILE_PARAM: Record<'caFile' | 'certFile' | 'keyFile', string> = {
  caFile: 'EtcdCaFile (--etcd-ca-file)',
  certFile: 'EtcdCertFile (--etcd-cert-file)',
  keyFile: 'EtcdKeyFile (--etcd-key-file)',
}

function readTlsFile(path: string, which: 'caFile' | 'certFile' | 'keyFile'): Buffer {
  // Its message names the setting and the file, never the contents (a key file is secret).
  const data = readRegularFile(path, FILE_PARAM[which], 1024 * 1024)
  const text = data.toString('latin1')
  const wanted = which === 'keyFile' ? /-----BEGIN [A-Z ]*PRIVATE KEY-----/ : /-----BEGIN CERTIFICATE-----/
  if (!wanted.test(text)) {
    throw new LocalIoError(
      `cannot use ${FILE_PARAM[which]} ${path}: it holds no PEM ${which === 'keyFile' ? 'private key' : 'certificate'}`,
      {path, code: 'tls-file-invalid', hint: `point ${FILE_PARAM[which]} at a PEM file`},
    )
  }
  return data
}

/** Read the CA, client certificate and key named in the connection (LocalIoError, exit 6, naming the file). */
export function loadTlsMaterial(conn: Pick<DatastoreConnection, 'caFile' | 'certFile' | 'keyFile'>): TlsMaterial {
  const caFile = conn.caFile || undefined
  const certFile = conn.certFile || undefined
  const keyFile = conn.keyFile || undefined
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new UsageError(
      certFile ? `EtcdCertFile ${certFile} is set but EtcdKeyFile is not` : `EtcdKeyFile ${keyFile} is set but EtcdCertFile is not`,
      {hint: 'a client certificate needs its private key: set both --etcd-cert-file and --etcd-key-file, or neither'},
    )
  }
  return {
    caFile,
    certFile,
    keyFile,
    ca: caFile ? readTlsFile(caFile, 'caFile') : undefined,
    cert: certFile ? readTlsFile(certFile, 'certFile') : undefined,
    key: keyFile ? readTlsFile(keyFile, 'keyFile') : undefined,
  }
}

/** Describe the TLS files in use, for messages about a refused handshake. */
export function describeTlsFiles(tls: TlsMaterial): string {
  const parts = [tls.caFile ? `CA file ${tls.caFile}` : 'the system CA store']
  if (tls.certFile) parts.push(`client cert ${tls.certFile}`, `client key ${tls.keyFile}`)
  return parts.join(', ')
}

/** Parse one endpoint into a URL ("host:port" without a scheme means http). */
/** An endpoint as messages may show it: any user:password@ part replaced. */
export function redactEndpoint(endpoint: string): string {
  return endpoint.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@')
}

export function parseEndpoint(endpoint: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(`invalid etcd endpoint ${JSON.stringify(redactEndpoint(endpoint))}`, {hint: 'an endpoint looks like http://127.0.0.1:2379 or https://etcd1:2379'})
  }
  if (url.username || url.password) {
    // Felix 2.0 has no etcd authentication, and a password must never reach a message.
    throw new UsageError(`etcd endpoint ${JSON.stringify(redactEndpoint(text))} carries credentials, which Felix 2.0 (and felixctl) do not support`, {
      hint: 'remove the user:password@ part; secure etcd with TLS client certificates (--etcd-cert-file, --etcd-key-file)',
      code: 'endpoint-credentials',
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`invalid etcd endpoint ${JSON.stringify(redactEndpoint(endpoint))}: the scheme must be http or https`, {
      hint: 'an endpoint looks like http://127.0.0.1:2379 or https://etcd1:2379',
    })
  }
  return url
}

export function endpointsOf(conn: Pick<DatastoreConnection, 'endpoints'>): URL[] {
  if (conn.endpoints.length === 0) {
    throw new UsageError('no etcd endpoints given', {hint: 'set --etcd-endpoints or EtcdEndpoints (or EtcdScheme and EtcdAddr)'})
  }
  return conn.endpoints.map(parseEndpoint)
}

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

