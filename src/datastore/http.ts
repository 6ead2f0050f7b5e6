/**
 * One HTTP request with a hard deadline, over node:http / node:https: the etcd v2 keys API
 * (etcdv2.ts) and the v3 reads through etcd's JSON gateway (etcdv3.ts). Why not fetch: see
 * etcdv2.ts. Every request uses `agent: false` (a fresh socket, closed after the response), so
 * nothing keeps the process alive after a command.
 */
import * as http from 'node:http'
import * as https from 'node:https'
import {AttemptError} from './failover.js'
import {TlsMaterial} from './tls.js'
import {failureReason, isTlsFailure} from './failures.js'

export interface HttpResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

const MAX_BODY = 512 * 1024 * 1024

/** One HTTP request with a hard deadline: the socket is destroyed when it passes. */
export function httpRequest(
  url: URL,
  method: string,
  tls: TlsMaterial,
  timeoutMs: number,
  body?: string,
  contentType = 'application/x-www-form-urlencoded',
  signal?: AbortSignal,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let settled = false
    const finish = (fn: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      fn()
    }
    // A watch's long poll (etcdv2.ts) ends when the watch does.
    const onAbort = () => {
      finish(() => reject(new AttemptError('aborted', false)))
      req.destroy()
    }
    const headers: http.OutgoingHttpHeaders = {accept: 'application/json'}
    if (body !== undefined) {
      headers['content-type'] = contentType
      headers['content-length'] = Buffer.byteLength(body)
    }
    let req: http.ClientRequest
    try {
      const options: https.RequestOptions = {method, headers, agent: false}
      if (url.protocol === 'https:') {
        if (tls.ca) options.ca = tls.ca
        if (tls.cert) options.cert = tls.cert
        if (tls.key) options.key = tls.key
        options.rejectUnauthorized = true
        req = https.request(url, options)
      } else {
        req = http.request(url, options)
      }
    } catch (error) {
      // A bad key/cert pair is detected when the secure context is built.
      reject(new AttemptError(failureReason(error), isTlsFailure(error), error))
      return
    }
    const timer = setTimeout(() => {
      finish(() => reject(new AttemptError(`timed out after ${timeoutMs} ms`, false)))
      req.destroy()
    }, timeoutMs)
    timer.unref()
    if (signal) {
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, {once: true})
    }
    req.on('error', (error) => finish(() => reject(new AttemptError(failureReason(error), isTlsFailure(error), error))))
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY) {
          finish(() => reject(new AttemptError('response too large', false)))
          req.destroy()
          return
        }
        chunks.push(chunk)
      })
      res.on('error', (error) => finish(() => reject(new AttemptError(failureReason(error), false, error))))
      res.on('end', () => finish(() => resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8')})))
    })
    req.end(body)
  })
}

/**
 * A wrong scheme looks like a broken server: plain HTTP to a TLS port is reset (or answered with 400),
 * TLS to a plain port fails the handshake. Say which scheme to try instead.
 */
export function schemeMismatch(base: URL, error: unknown): unknown {
  if (!(error instanceof AttemptError)) return error
  const other = new URL(base.href)
  other.protocol = base.protocol === 'https:' ? 'http:' : 'https:'
  const plainToTls = base.protocol === 'http:' && /connection reset|closed by peer|speaks TLS/.test(error.reason)
  // A plain-HTTP etcd answers a TLS ClientHello with a 400 and closes: the client sees that answer
  // as a bad TLS record, or, when the close wins the race, a reset before the handshake ends.
  const tlsToPlain =
    base.protocol === 'https:' &&
    ((error.tls && /wrong version number|packet length too long|unexpected eof|record layer failure|http request|disconnected before secure TLS/i.test(error.reason)) || /connection reset|closed by peer/.test(error.reason))
  if (!plainToTls && !tlsToPlain) return error
  const why = plainToTls ? 'etcd may expect TLS here' : 'etcd may not speak TLS here'
  return new AttemptError(`${error.reason} (${why}: try ${other.href})`, error.tls, error.original)
}

