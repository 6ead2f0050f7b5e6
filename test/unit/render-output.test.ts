/** The shared output formats (src/render/output.ts): kubectl's JSONPath subset, custom-columns, -o value. */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {UsageError} from '../../src/errors.js'
import {bareValue, executeTemplate, parseOutput, parseTemplate, renderView, OUTPUTS} from '../../src/render/output.js'

const DOC = {
  kind: 'List',
  items: [
    {name: 'IpInIpMtu', value: 1440, source: 'host', origin: {type: 'etcd', key: '/calico/v1/host/n1/config/IpInIpMtu'}, ports: [{protocol: 'tcp', port: 22}]},
    {name: 'LogSeverityScreen', value: 'INFO', source: 'default', origin: {type: 'default'}, ports: []},
    {name: 'EtcdEndpoints', value: ['http://a:2379', 'http://b:2379'], source: 'env', origin: {type: 'env', name: 'FELIX_ETCDENDPOINTS'}, empty: null},
  ],
}

const run = (t: string, doc: unknown = DOC) => executeTemplate(parseTemplate(t), doc)

describe('JSONPath (kubectl templates)', () => {
  const rows: [string, string][] = [
    ['{.kind}', 'List'],
    ['{.items[0].name}', 'IpInIpMtu'],
    ['{.items[-1].name}', 'EtcdEndpoints'],
    ['{.items[*].name}', 'IpInIpMtu LogSeverityScreen EtcdEndpoints'],
    ['{.items[0:2].name}', 'IpInIpMtu LogSeverityScreen'],
    ['{.items[::2].name}', 'IpInIpMtu EtcdEndpoints'],
    ['{.items[0,2].source}', 'host env'],
    ["{.items[0]['name','source']}", 'IpInIpMtu host'],
    ['{$.items[1].origin.type}', 'default'],
    ['{.items[?(@.source=="env")].origin.name}', 'FELIX_ETCDENDPOINTS'],
    ["{.items[?(@.source!='default')].name}", 'IpInIpMtu EtcdEndpoints'],
    ['{.items[?(@.value>1000)].name}', 'IpInIpMtu'],
    ['{.items[?(@.origin.key)].name}', 'IpInIpMtu'],
    ['{..port}', '22'],
    ['{.items[2].value}', 'http://a:2379,http://b:2379'],
    ['{.items[0].ports[0]}', '{"protocol":"tcp","port":22}'],
    ['{.items[2].empty}', ''],
    ['{.items[5].name}', ''],
    ['{.nothing.at.all}', ''],
    ['{range .items[*]}{.name}={.value}{"\\n"}{end}', 'IpInIpMtu=1440\nLogSeverityScreen=INFO\nEtcdEndpoints=http://a:2379,http://b:2379\n'],
    ['{range .items[?(@.source=="host")]}[{.name}]{end}', '[IpInIpMtu]'],
    ['name: {.items[0].name}\t!', 'name: IpInIpMtu\t!'],
    ["{'literal'}", 'literal'],
    ['{.}', JSON.stringify(DOC)],
  ]
  for (const [t, want] of rows) test(t, () => assert.equal(run(t), want))

  test('values from input are escaped (one value stays on one line); the template\'s own text is not', () => {
    assert.equal(run('{.a}{"\\n"}', {a: 'x\u001b[2Jy\nz'}), 'x\\x1b[2Jy\\nz\n')
  })

  const bad = ['{.a', '{range .a}', '{end}', '{.a[?(@.b =~ /x/)]}', '{.a.#}', '{.a[foo]}', '{}', '{.a[1:2:0]}']
  for (const t of bad) {
    test(`unsupported: ${t} is a usage error naming it`, () => {
      assert.throws(() => parseTemplate(t), (e: unknown) => e instanceof UsageError && e.message.includes(JSON.stringify(t)))
    })
  }
})

describe('parseOutput', () => {
  test('the names a command takes; kubectl spellings with "="', () => {
    assert.equal(parseOutput(undefined, false, OUTPUTS.values).name, 'table')
    assert.equal(parseOutput('wide', true, OUTPUTS.values).noHeaders, true)
    assert.equal(parseOutput('jsonpath={.name}', false, OUTPUTS.values).name, 'jsonpath')
    assert.deepEqual(parseOutput('custom-columns=NAME:.name,VALUE:{.value},SRC:source', false, OUTPUTS.values).columns!.map((c) => c.header), ['NAME', 'VALUE', 'SRC'])
    assert.equal(parseOutput('text', false, OUTPUTS.table, {text: 'table'}).name, 'table')
  })
  for (const [o, names] of [['value', OUTPUTS.wide], ['wide', OUTPUTS.table], ['ini', OUTPUTS.values], ['jsonpath', OUTPUTS.values], ['json=x', OUTPUTS.values], ['custom-columns=NAME', OUTPUTS.values], ['custom-columns=', OUTPUTS.values]] as const) {
    test(`-o ${o} is a usage error where it does not apply`, () => assert.throws(() => parseOutput(o, false, names), UsageError))
  }
})

describe('renderView', () => {
  const view = {doc: DOC, items: DOC.items, values: DOC.items.map((i) => i.value)}
  test('custom-columns: one row per item, <none> for a missing field, --no-headers', async () => {
    const o = parseOutput('custom-columns=NAME:.name,KEY:.origin.key', false, OUTPUTS.values)
    assert.equal(await renderView(o, view), ['NAME                KEY', 'IpInIpMtu           /calico/v1/host/n1/config/IpInIpMtu', 'LogSeverityScreen   <none>', 'EtcdEndpoints       <none>', ''].join('\n'))
    const n = parseOutput('custom-columns=NAME:.name', true, OUTPUTS.values)
    assert.equal(await renderView(n, view), 'IpInIpMtu\nLogSeverityScreen\nEtcdEndpoints\n')
  })
  test('custom-columns: null and undefined show <none> like a missing member; an empty string shows nothing', async () => {
    const items = [
      {name: 'a', v: null, s: ''},
      {name: 'b', v: undefined, s: 'x'},
      {name: 'c', s: ''},
      {name: 'd', v: 0, s: 'false', list: ['p', null, 'q']},
    ]
    const view = {doc: {items}, items}
    const o = parseOutput('custom-columns=NAME:.name,V:.v,S:.s,L:.list[*]', false, OUTPUTS.values)
    assert.equal(
      await renderView(o, view),
      ['NAME   V        S       L', 'a      <none>           <none>', 'b      <none>   x       <none>', 'c      <none>           <none>', 'd      0        false   p,<none>,q', ''].join('\n'),
    )
    // The empty string is a blank cell of its column's width, never <none>.
    const s = parseOutput('custom-columns=NAME:.name,S:.s,END:.name', true, OUTPUTS.values)
    assert.equal(await renderView(s, view), 'a           a\nb   x       b\nc           c\nd   false   d\n')
  })
  test('value: one line per value; lists joined with ","; null is an empty line', async () => {
    assert.equal(await renderView(parseOutput('value', false, OUTPUTS.values), {...view, values: [...view.values, null]}), '1440\nINFO\nhttp://a:2379,http://b:2379\n\n')
  })
  test('value where the command has none: usage error', async () => {
    await assert.rejects(renderView(parseOutput('value', false, OUTPUTS.values), {doc: DOC, items: []}), UsageError)
  })
  test('json and yaml: the document', async () => {
    assert.deepEqual(JSON.parse(await renderView(parseOutput('json', false, OUTPUTS.values), view)), DOC)
    assert.match(await renderView(parseOutput('yaml', false, OUTPUTS.values), view), /^kind: List\nitems:\n {2}- name: IpInIpMtu/)
  })
  test('bareValue: numbers JSON cannot carry exactly as the JSON output writes them', () => {
    assert.equal(bareValue(Infinity), '+Inf')
    assert.equal(bareValue(2n ** 64n), '18446744073709551616')
    assert.equal(bareValue(true), 'true')
  })
})
