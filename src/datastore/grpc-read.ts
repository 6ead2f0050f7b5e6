/**
 * etcd v3 reads as one gRPC unary call over node:http2, with the few protobuf messages they
 * need encoded and decoded by hand (etcd's api/etcdserverpb/rpc.proto and
 * api/mvccpb/kv.proto, etcd 3.4).
 *
 * Why not the `etcd3` package for reads (issue 14's profile of a 10,000-host fleet view):
 * loading it (grpc-js, protobufjs parsing etcd's .proto files at start) cost 330 ms of CPU, and
 * decoding a 50,000-key range through protobufjs's reflection and toObject another 300 ms,
 * together more than the rest of the command. etcd's JSON gateway avoids the load but makes
 * etcd itself marshal the range to JSON (0.6 s for that range against etcdctl's 0.2 s).
 * A Range or a Txn of Ranges is a small fixed message set: this file reads them in one pass
 * over the response bytes. Writes (compare-and-swap transactions) keep using `etcd3`.
 *
 * Wire format: gRPC over HTTP/2 (POST /etcdserverpb.KV/<Method>, content-type
 * application/grpc, each message framed as 1 byte "compressed" flag + 4 bytes big-endian
 * length), status in the `grpc-status` trailer (or in the headers of a trailers-only answer).
 */
import * as http2 from 'node:http2'
import {AttemptError} from './failover.js'
import {TlsMaterial} from './tls.js'
import {failureReason, isTlsFailure} from './failures.js'

/** mvccpb.KeyValue, as the reads need it. */
export interface RawKv {
  key: string
  value: string
  modRevision: string
}

export interface RawRange {
  kvs: RawKv[]
}

export interface RangeRequest {
  key: string | Buffer
  rangeEnd?: Buffer
  /** At most this many keys (0 or absent: no limit). */
  limit?: number
  /** Keys without their values. */
  keysOnly?: boolean
}

/** Refuse an answer bigger than this (a range of 50,000 config keys is about 3.5 MB). */
const MAX_MESSAGE = 256 * 1024 * 1024
/** HTTP/2 flow-control window of the stream and the session. */
const WINDOW = 32 * 1024 * 1024

// ---- encoding ---------------------------------------------------------------------------

function varint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/** A length-delimited field (wire type 2). */
function field(no: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([...varint((no << 3) | 2), ...varint(bytes.length)]), bytes])
}

/** A varint field (wire type 0). */
function varintField(no: number, n: number): Buffer {
  return Buffer.from([...varint(no << 3), ...varint(n)])
}

/** etcdserverpb.RangeRequest: key = 1, range_end = 2, limit = 3, keys_only = 8 (linearizable, as etcd3's default). */
export function encodeRange(req: RangeRequest): Buffer {
  const parts = [field(1, Buffer.from(req.key))]
  if (req.rangeEnd) parts.push(field(2, req.rangeEnd))
  if (req.limit) parts.push(varintField(3, req.limit))
  if (req.keysOnly) parts.push(varintField(8, 1))
  return Buffer.concat(parts)
}

/** etcdserverpb.TxnRequest with no compare and these ranges as `success` (RequestOp.request_range = 1). */
export function encodeTxnOfRanges(ranges: RangeRequest[]): Buffer {
  return Buffer.concat(ranges.map((r) => field(2, field(1, encodeRange(r)))))
}

// ---- decoding ---------------------------------------------------------------------------

class Reader {
  pos: number
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start
  }

  done(): boolean {
    return this.pos >= this.end
  }

  /** A varint as a number (exact below 2^53; revisions and lengths are). */
  varint(): number {
    let result = 0
    let mult = 1
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint')
      const b = this.buf[this.pos++]
      result += (b & 0x7f) * mult
      if (b < 0x80) return result
      mult *= 128
      if (mult > 2 ** 63) throw new Error('varint too long')
    }
  }

  /** Skip a field of this wire type. */
  skip(wire: number): void {
    if (wire === 0) this.varint()
    else if (wire === 1) this.pos += 8
    else if (wire === 2) {
      const len = this.varint()
      this.pos += len
    }
    else if (wire === 5) this.pos += 4
    else throw new Error(`unsupported wire type ${wire}`)
    if (this.pos > this.end) throw new Error('truncated field')
  }

  /** The bounds of a length-delimited field's bytes; the reader moves past them. */
  bytes(): [number, number] {
    const len = this.varint()
    const start = this.pos
    this.pos += len
    if (this.pos > this.end) throw new Error('truncated bytes')
    return [start, this.pos]
  }
}

/** A KeyValue, or null when `keep` drops its key (then its value is never decoded). */
function decodeKv(buf: Buffer, start: number, end: number, keep?: (key: string) => boolean): RawKv | null {
  const r = new Reader(buf, start, end)
  let key = ''
  let valueStart = 0
  let valueEnd = 0
  let modRevision = 0
  while (!r.done()) {
    const tag = r.varint()
    const no = Math.floor(tag / 8)
    const wire = tag & 7
    if (no === 1 && wire === 2) {
      const [s, e] = r.bytes()
      key = buf.toString('utf8', s, e)
    } else if (no === 5 && wire === 2) [valueStart, valueEnd] = r.bytes()
    else if (no === 3 && wire === 0) modRevision = r.varint()
    else r.skip(wire)
  }
  if (keep && !keep(key)) return null
  return {key, value: valueEnd > valueStart ? buf.toString('utf8', valueStart, valueEnd) : '', modRevision: String(modRevision)}
}

/** ResponseHeader.revision (= 3). */
function decodeHeaderRevision(buf: Buffer, start: number, end: number): number {
  const r = new Reader(buf, start, end)
  let revision = 0
  while (!r.done()) {
    const tag = r.varint()
    if (tag === (3 << 3)) revision = r.varint()
    else r.skip(tag & 7)
  }
  return revision
}

/** RangeResponse: header = 1, kvs = 2. `keep` filters keys before their values are decoded. */
function decodeRangeInto(buf: Buffer, start: number, end: number, out: RawRange, keep?: (key: string) => boolean): number {
  const r = new Reader(buf, start, end)
  let revision = 0
  while (!r.done()) {
    const tag = r.varint()
    if (tag === ((1 << 3) | 2)) {
      const [s, e] = r.bytes()
      revision = decodeHeaderRevision(buf, s, e)
    } else if (tag === ((2 << 3) | 2)) {
      const [s, e] = r.bytes()
      const kv = decodeKv(buf, s, e, keep)
      if (kv) out.kvs.push(kv)
    } else r.skip(tag & 7)
  }
  return revision
}

export function decodeRange(buf: Buffer, keep?: (key: string) => boolean): {revision: string; range: RawRange} {
  const range: RawRange = {kvs: []}
  const revision = decodeRangeInto(buf, 0, buf.length, range, keep)
  return {revision: String(revision), range}
}

/** TxnResponse: header = 1, succeeded = 2, responses = 3 (ResponseOp.response_range = 1). `keep` is told which range (0-based) a key is in. */
export function decodeTxnOfRanges(buf: Buffer, keep?: (key: string, range: number) => boolean): {revision: string; ranges: RawRange[]} {
  const r = new Reader(buf, 0, buf.length)
  let revision = 0
  const ranges: RawRange[] = []
  while (!r.done()) {
    const tag = r.varint()
    if (tag === ((1 << 3) | 2)) {
      const [s, e] = r.bytes()
      revision = decodeHeaderRevision(buf, s, e)
    } else if (tag === ((3 << 3) | 2)) {
      const [s, e] = r.bytes()
      const op = new Reader(buf, s, e)
      const range: RawRange = {kvs: []}
      while (!op.done()) {
        const t = op.varint()
        if (t === ((1 << 3) | 2)) {
          const [rs, re] = op.bytes()
          const n = ranges.length
          decodeRangeInto(buf, rs, re, range, keep && ((key) => keep(key, n)))
        } else op.skip(t & 7)
      }
      ranges.push(range)
    } else r.skip(tag & 7)
  }
  return {revision: String(revision), ranges}
}

// ---- transport --------------------------------------------------------------------------

/** grpc-status codes etcd answers with, by name (for messages). */
const STATUS = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED']

/** A gRPC status other than OK from etcd: it was reached. */
export class GrpcStatusError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${STATUS[status] ?? `status ${status}`}: ${detail}`)
  }
}

/**
 * One unary call (`/etcdserverpb.KV/<method>`) to one endpoint with a hard deadline: the
 * session is destroyed when it passes. Failures to reach etcd are AttemptErrors (the caller's
 * failover moves on); a gRPC status from etcd is a GrpcStatusError.
 */
export function grpcUnary(base: URL, method: string, message: Buffer, tls: TlsMaterial, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false
    let session: http2.ClientHttp2Session | undefined
    const finish = (fn: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      session?.destroy()
      fn()
    }
    const fail = (error: unknown) => {
      // A stream that never started carries the session's error (ECONNREFUSED, ENOTFOUND, TLS) as its cause.
      const e = error as {code?: string; cause?: unknown}
      if (e?.code === 'ERR_HTTP2_STREAM_CANCEL' && e.cause) error = e.cause
      finish(() => reject(error instanceof AttemptError || error instanceof GrpcStatusError ? error : new AttemptError(failureReason(error), isTlsFailure(error), error)))
    }
    const timer = setTimeout(() => finish(() => reject(new AttemptError(`timed out after ${timeoutMs} ms`, false))), timeoutMs)
    timer.unref()
    try {
      // A 7 MB answer in 64 KiB flow-control windows is a hundred round trips of WINDOW_UPDATE.
      const options: http2.SecureClientSessionOptions = {settings: {initialWindowSize: WINDOW}}
      if (base.protocol === 'https:') {
        if (tls.ca) options.ca = tls.ca
        if (tls.cert) options.cert = tls.cert
        if (tls.key) options.key = tls.key
        options.rejectUnauthorized = true
      }
      session = http2.connect(base.origin, options)
    } catch (error) {
      fail(error)
      return
    }
    session.on('error', fail)
    session.once('connect', (s: http2.ClientHttp2Session) => s.setLocalWindowSize(WINDOW))
    const frame = Buffer.alloc(5 + message.length)
    frame.writeUInt32BE(message.length, 1)
    message.copy(frame, 5)
    const path = `${base.pathname.replace(/\/$/, '')}/etcdserverpb.KV/${method}`
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    })
    const chunks: Buffer[] = []
    let size = 0
    let headers: http2.IncomingHttpHeaders = {}
    stream.on('response', (h) => (headers = h))
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_MESSAGE + 5) fail(new AttemptError('response too large', false))
      else chunks.push(chunk)
    })
    let trailers: http2.IncomingHttpHeaders = {}
    stream.on('trailers', (t) => (trailers = t))
    stream.on('error', fail)
    stream.on('end', () => {
      const httpStatus = Number(headers[':status'] ?? 0)
      const statusText = trailers['grpc-status'] ?? headers['grpc-status']
      if (statusText === undefined) {
        const ct = String(headers['content-type'] ?? '')
        fail(new AttemptError(`HTTP ${httpStatus}${ct ? ` (${ct})` : ''}: not a gRPC answer`, false))
        return
      }
      const status = Number(statusText)
      if (status !== 0) {
        const raw = String(trailers['grpc-message'] ?? headers['grpc-message'] ?? '')
        let detail = raw
        try {
          detail = decodeURIComponent(raw)
        } catch {
          // not percent-encoded after all: keep it as sent
        }
        // UNAVAILABLE (no leader, stopping) and DEADLINE_EXCEEDED: try another member.
        if (status === 14 || status === 4) fail(new AttemptError(`${STATUS[status]}: ${detail}`, false))
        else fail(new GrpcStatusError(status, detail))
        return
      }
      const body = Buffer.concat(chunks)
      if (body.length < 5 || body[0] !== 0) {
        fail(new AttemptError(body.length < 5 ? 'empty gRPC answer' : 'compressed gRPC answer (not asked for)', false))
        return
      }
      const len = body.readUInt32BE(1)
      if (body.length < 5 + len) {
        fail(new AttemptError('truncated gRPC answer', false))
        return
      }
      finish(() => resolve(body.subarray(5, 5 + len)))
    })
    stream.end(frame)
  })
}
