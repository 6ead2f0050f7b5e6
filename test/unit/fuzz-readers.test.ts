/**
 * Property-based tests of the env-file, /proc/PID/environ and snapshot readers (issue 10):
 * arbitrary bytes, invalid UTF-8, NUL bytes, CRLF line ends and BOMs either read or raise
 * felixctl's own error naming the file (and line); never another exception.
 * Runs per property: FELIXCTL_FUZZ_RUNS (default 200).
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {holds} from '../helpers/fuzz.js'
import {LocalIoError} from '../../src/errors.js'
import {envEntries, parseEnvFile, parseProcEnviron} from '../../src/layers/env.js'
import {parseSnapshot} from '../../src/datastore/snapshot.js'



/** Byte soup with the awkward pieces over-represented. */
const SPECIAL = ['\r\n', '\n', '\r', '\0', '=', '#', ' ', '\t', 'FELIX_', 'felix_LogSeverityFile=', 'FELIX_X=1', '\ufeff', 'é'].map((s) => Buffer.from(s, 'utf8'))
const INVALID = [[0xff], [0xfe], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xe2, 0x82]].map((b) => Buffer.from(b))
const bytes = fc
  .tuple(
    fc.constantFrom(Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff])),
    fc.array(fc.oneof(fc.constantFrom(...SPECIAL), fc.constantFrom(...INVALID), fc.uint8Array({maxLength: 16}).map((a) => Buffer.from(a))), {maxLength: 24}),
  )
  .map(([bom, parts]) => Buffer.concat([bom, ...parts]))

const ENV_PATH = '/etc/calico/felix.env'

describe('env-file reader: properties', () => {
  test('arbitrary bytes: variables, or a LocalIoError naming file:line', () => {
    holds(
      fc.property(bytes, (buf) => {
        let vars
        try {
          vars = parseEnvFile(buf, ENV_PATH, (n) => (n === 'FELIX_FROMENV' ? 'x' : undefined))
        } catch (error) {
          assert.ok(error instanceof LocalIoError, `threw ${(error as Error)?.name}: ${(error as Error)?.message}`)
          assert.match(error.message, new RegExp(`^${ENV_PATH.replace(/[./]/g, '\\$&')}:\\d+: `))
          return
        }
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf && !(buf[3] === 0xef && buf[4] === 0xbb && buf[5] === 0xbf)) {
          // One leading UTF-8 BOM is skipped, nothing more.
          const without = parseEnvFile(buf.subarray(3), ENV_PATH, (n) => (n === 'FELIX_FROMENV' ? 'x' : undefined))
          assert.deepEqual(vars.map((v) => [v.name, v.value]), without.map((v) => [v.name, v.value]))
        }
        for (const v of vars) {
          assert.ok(v.name.length > 0 && !/[ \t=]/.test(v.name), `bad name ${JSON.stringify(v.name)}`)
          assert.ok(!v.value.includes('\n'), 'a value never spans lines')
          assert.ok(!v.name.includes('\n'), 'a name never spans lines (a lone CR is not a line end for Docker)')
          assert.equal(v.origin.path, ENV_PATH)
          assert.ok(Number.isInteger(v.origin.line) && v.origin.line! >= 1)
        }
        // The layer built from it never throws either.
        const {entries} = envEntries(vars)
        for (const e of entries) assert.equal(e.layer, 'env')
      }),
    )
  })

  test('CRLF reads like LF; a UTF-8 BOM is ignored', () => {
    const line = fc.tuple(fc.constantFrom('FELIX_A', 'felix_b', 'OTHER', '# c', ''), fc.string({maxLength: 6}).filter((v) => !/[\r\n]/.test(v))).map(([k, v]) => (k === '' || k.startsWith('#') ? k : `${k}=${v}`))
    holds(
      fc.property(fc.array(line, {maxLength: 10}), (lines) => {
        const lf = lines.join('\n')
        const strip = (vs: ReturnType<typeof parseEnvFile>) => vs.map((v) => [v.name, v.value, v.origin.line])
        const base = strip(parseEnvFile(Buffer.from(lf), ENV_PATH, () => undefined))
        assert.deepEqual(strip(parseEnvFile(Buffer.from(lines.join('\r\n')), ENV_PATH, () => undefined)), base)
        assert.deepEqual(strip(parseEnvFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lf)]), ENV_PATH, () => undefined)), base)
      }),
    )
  })
})

describe('/proc/PID/environ reader: properties', () => {
  test('arbitrary bytes never throw; names hold no NUL and no =', () => {
    holds(
      fc.property(bytes, (buf) => {
        const vars = parseProcEnviron(buf, 4242)
        for (const v of vars) {
          assert.ok(!v.name.includes('\0') && !v.name.includes('='))
          assert.ok(!v.value.includes('\0'))
          assert.equal(v.origin.path, '/proc/4242/environ')
        }
        envEntries(vars)
      }),
    )
  })

  test('round trip: NAME=VALUE strings joined with NUL read back exactly (values may hold =, CR, LF, BOM)', () => {
    const name = fc.string({minLength: 1, maxLength: 8}).filter((s) => !/[=\0]/.test(s) && !/[\ud800-\udfff]/.test(s))
    const value = fc.string({maxLength: 10}).filter((s) => !s.includes('\0') && !/[\ud800-\udfff]/.test(s))
    holds(
      fc.property(fc.array(fc.tuple(name, value), {maxLength: 8}), fc.boolean(), (pairs, trailingNul) => {
        const buf = Buffer.from(pairs.map(([n, v]) => `${n}=${v}`).join('\0') + (trailingNul ? '\0' : ''), 'utf8')
        assert.deepEqual(parseProcEnviron(buf, 1).map((v) => [v.name, v.value]), pairs)
      }),
    )
  })
})

describe('snapshot reader: properties', () => {
  const SNAP = '/tmp/snapshot.json'
  const check = (text: string) => {
    try {
      const r = parseSnapshot(text, SNAP)
      for (const kv of r.kvs) assert.equal(typeof kv.value, 'string')
      assert.ok(r.ready === null || typeof r.ready === 'string')
    } catch (error) {
      assert.ok(error instanceof LocalIoError, `threw ${(error as Error)?.name}: ${(error as Error)?.message}`)
      assert.ok(error.message.includes(SNAP), 'the error names the snapshot file')
    }
  }

  test('arbitrary bytes (decoded as felixctl reads them): a tree or a LocalIoError naming the file', () => {
    holds(fc.property(bytes, (buf) => check(buf.toString('utf8'))))
  })

  test('arbitrary JSON values: a tree or a LocalIoError naming the file', () => {
    holds(fc.property(fc.jsonValue({maxDepth: 3}), fc.boolean(), (v, bom) => check((bom ? '\ufeff' : '') + JSON.stringify(v))))
  })

  test('objects of string values: every config key kept, nothing else', () => {
    const key = fc.oneof(
      fc.constantFrom('/calico/v1/Ready', '/calico/v1/config/LogSeverityFile', '/calico/v1/host/node1/config/IpInIpMtu', '/calico/v1/host/node1/bird_ip', '/calico/v1/host/node2/', '/calico/v1/host/node3', '/calico/v1/host//config/X', '/calico/v1/config/', '__proto__', 'constructor'),
      fc.string({maxLength: 6}).map((s) => `/calico/v1/host/${s}`),
      fc.string({maxLength: 12}).map((s) => `/calico/v1/config/${s}`),
      fc.string({maxLength: 12}),
    )
    holds(
      fc.property(fc.dictionary(key, fc.string({maxLength: 8}), {maxKeys: 8}), (obj) => {
        const text = JSON.stringify(obj)
        const r = parseSnapshot(text, SNAP)
        const parsed = JSON.parse(text) as Record<string, string>
        for (const kv of r.kvs) assert.equal(parsed[kv.key], kv.value)
        assert.equal(r.ready, Object.prototype.hasOwnProperty.call(parsed, '/calico/v1/Ready') ? parsed['/calico/v1/Ready'] : null)
        for (const k of Object.keys(parsed)) {
          const simple = /^\/calico\/v1\/config\/[^/]+$/.test(k)
          if (simple) assert.ok(r.kvs.some((kv) => kv.key === k), `config key ${k} kept`)
        }
        // Host directories: the <h> of every key under /calico/v1/host/<h>/, with or without config keys.
        const dirs = new Set(Object.keys(parsed).flatMap((k) => /^\/calico\/v1\/host\/([^/]+)\//.exec(k)?.[1] ?? []))
        assert.deepEqual(r.hostDirs, [...dirs].sort())
      }),
    )
  })
})
