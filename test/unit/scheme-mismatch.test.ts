/**
 * The scheme hint of a failed attempt (src/datastore/http.ts schemeMismatch): which transport
 * failures suggest the other scheme. Table-driven over the reasons Node reports; the real
 * servers are in test/integration/datastore-diagnosis.test.ts, where the reset case is a race.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {AttemptError} from '../../src/datastore/failover.js'
import {schemeMismatch} from '../../src/datastore/http.js'

const cases: [string, string, boolean, string | null][] = [
  // [endpoint, reason, tls, the scheme suggested or null]
  ['https://127.0.0.1:2379/', 'wrong version number', true, 'http://127.0.0.1:2379/'],
  ['https://127.0.0.1:2379/', 'packet length too long', true, 'http://127.0.0.1:2379/'],
  // The plain server's close wins the race with its 400: a reset during the handshake.
  ['https://127.0.0.1:2379/', 'connection reset by peer', false, 'http://127.0.0.1:2379/'],
  ['https://127.0.0.1:2379/', 'connection refused', false, null],
  ['https://127.0.0.1:2379/', 'timed out after 5000 ms', false, null],
  ['http://127.0.0.1:2379/', 'connection reset by peer', false, 'https://127.0.0.1:2379/'],
  ['http://127.0.0.1:2379/', 'HTTP 400: the server speaks TLS', false, 'https://127.0.0.1:2379/'],
  ['http://127.0.0.1:2379/', 'connection refused', false, null],
  ['http://127.0.0.1:2379/', 'wrong version number', true, null],
]

for (const [endpoint, reason, tls, other] of cases) {
  test(`${endpoint} ${reason}: ${other ? `try ${other}` : 'no scheme hint'}`, () => {
    const error = schemeMismatch(new URL(endpoint), new AttemptError(reason, tls)) as AttemptError
    assert.ok(error instanceof AttemptError)
    if (other === null) assert.equal(error.reason, reason)
    else assert.match(error.reason, new RegExp(`^${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(etcd may (not )?(expect|speak) TLS here: try ${other.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)$`))
  })
}
