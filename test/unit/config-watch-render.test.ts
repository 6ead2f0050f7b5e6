/** `config watch`: which keys the watch keeps, and how one event is printed (text escapes input; JSON is one line). */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {isWatchedKey} from '../../src/datastore/watch.js'
import {impactText, renderWatchEvent} from '../../src/render/watch.js'
import type {Impact, WatchChangeEvent, WatchResyncEvent} from '../../src/services/config-watch.js'

const impact = (over: Partial<Impact> = {}): Impact => ({hosts: 0, restart: [], stop: [], recover: [], valueChanged: [], unaffected: 0, localLayers: 'hidden', ...over})

describe('isWatchedKey', () => {
  test('config keys of the global and host directories and the Ready flag; nothing else', () => {
    for (const k of ['/calico/v1/Ready', '/calico/v1/config/LogSeverityScreen', '/calico/v1/host/node1/config/IpInIpMtu', '/calico/v1/host/n/config/x y']) assert.ok(isWatchedKey(k), k)
    for (const k of [
      '/calico/v1/Ready2',
      '/calico/v1/config/',
      '/calico/v1/config/a/b',
      '/calico/v1/host/node1/workload/k8s/p/endpoint/eth0',
      '/calico/v1/host/node1/config/',
      '/calico/v1/host//config/x',
      '/calico/v1/host/node1/config/a/b',
      '/calico/v1/policy/tier/default/policy/p',
      '/calico/v1/hostx/config/x',
    ]) assert.ok(!isWatchedKey(k), k)
  })
})

describe('renderWatchEvent', () => {
  const change: WatchChangeEvent = {
    type: 'change',
    revision: '42',
    key: '/calico/v1/host/n\u001b[2J/config/Foo',
    action: 'put',
    old: null,
    new: 'a\nb',
    impact: impact({hosts: 8, restart: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], valueChanged: ['a'], unaffected: 1}),
  }

  test('text: input is escaped, values quoted, the first hosts of each group shown', () => {
    const out = renderWatchEvent(change, 'table')
    assert.ok(!out.includes('\u001b'), out)
    assert.equal(out.split('\n').length, 3, out)
    assert.match(out, /^#42 put \/calico\/v1\/host\/n\\x1b\[2J\/config\/Foo: \(none\) → "a\\nb"\n/)
    assert.match(out, /impact on 8 hosts: restart 7 \(a, b, c, d, e, … 2 more\); value changed on 1; unaffected 1/)
    assert.match(renderWatchEvent(change, 'wide'), /restart 7 \(a, b, c, d, e, f, g\)/)
  })

  test('json: one object on one line, the event as the service made it', () => {
    const out = renderWatchEvent(change, 'json')
    assert.equal(out.indexOf('\n'), out.length - 1)
    assert.deepEqual(JSON.parse(out), change)
  })

  test('a resync lists the keys that changed (up to 20 in text) and its impact', () => {
    const changes = Array.from({length: 25}, (_, i) => ({key: `/calico/v1/config/K${i}`, old: null, new: String(i)}))
    const resync: WatchResyncEvent = {type: 'resync', reason: 'compacted', message: 'etcd no longer holds revision 5', fromRevision: '5', revision: '90', changes, impact: impact({hosts: 2, stop: ['n1'], unaffected: 1})}
    const out = renderWatchEvent(resync, 'table')
    assert.match(out, /^#90 re-read: etcd no longer holds revision 5; 25 keys changed/)
    assert.match(out, /… 5 more/)
    assert.match(out, /impact on 2 hosts: stop 1 \(n1\); unaffected 1\n$/)
    assert.equal(renderWatchEvent(resync, 'wide').split('\n').filter((l) => l.includes('/calico/v1/config/K')).length, 25)
  })

  test('no affected host: "none"', () => {
    assert.equal(impactText(impact({hosts: 3, unaffected: 3})), 'impact on 3 hosts: none')
    assert.equal(impactText(impact({hosts: 1, unaffected: 1, localLayers: 'this-machine'})), "impact on 1 host, this machine's env and file applied: none")
  })
})
