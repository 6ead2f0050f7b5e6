/**
 * End-to-end: the output conventions (docs/output-formats.md) on every command, with the built
 * CLI: the same -o names, json and yaml as the same document, jsonpath and custom-columns drawn
 * from that document and its items, -o value, --no-headers, and a usage error (exit 2) for a
 * name or a JSONPath expression the command does not take.
 */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {cpSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse as parseYaml} from 'yaml'
import {runCli} from '../helpers/cli.js'

let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'felixctl-output-'))
  cpSync('test/fixtures/sysctl/sysctl-conf-lower', join(dir, 'root'), {recursive: true})
  writeFileSync(join(dir, 'felix.cfg'), '[global]\nLogSeverityScreen = WARNING\n')
})
after(() => rmSync(dir, {recursive: true, force: true}))

const S = ['--snapshot', 'examples/snapshot.json', '-c', 'examples/felix.cfg']

interface Case {
  name: string
  args: () => string[]
  /** The -o names the command takes besides jsonpath and custom-columns. */
  names: string[]
  /** The items custom-columns draws, from the JSON document. */
  items: (doc: any) => any[]
  /** A column every item has. */
  column: string
  /** -o value: the lines, from the JSON document (absent: -o value is a usage error). */
  values?: (doc: any) => string[]
  /** The first line of the table output (its header), when it has one. */
  header?: RegExp
}

const bare = (v: unknown) => (v === null ? '' : Array.isArray(v) ? v.join(',') : String(v))

const CASES: Case[] = [
  {name: 'config get', args: () => ['config', 'get', 'IpInIpMtu', '--host', 'node1', ...S], names: ['table', 'wide', 'json', 'yaml', 'value'], items: (d) => [d], column: 'name', values: (d) => [bare(d.value)]},
  {name: 'config get (several names)', args: () => ['config', 'get', 'IpInIpMtu', 'FELIX_LOGSEVERITYSCREEN', '/calico/v1/config/ChainInsertMode', '--host', 'node1', ...S], names: ['table', 'wide', 'json', 'yaml', 'value'], items: (d) => d.items, column: 'name', values: (d) => d.items.map((x: any) => bare(x.value))},
  {name: 'config list', args: () => ['config', 'list', '--host', 'node1', ...S], names: ['table', 'wide', 'json', 'yaml', 'value'], items: (d) => d.params, column: 'name', values: (d) => d.params.map((x: any) => bare(x.value)), header: /^NAME\s+VALUE\s+SOURCE\s+ORIGIN$/},
  {name: 'config list --all-hosts', args: () => ['config', 'list', '--all-hosts', ...S], names: ['table', 'wide', 'json', 'yaml'], items: (d) => d.hosts, column: 'host', header: /^HOST\s/},
  {name: 'config get --all-hosts', args: () => ['config', 'get', 'IpInIpMtu', '--all-hosts', ...S], names: ['table', 'wide', 'json', 'yaml', 'value'], items: (d) => d.groups, column: 'count', values: (d) => d.groups.map((g: any) => bare(g.value)), header: /^VALUE\s+HOSTS\s+SOURCES/},
  {name: 'config diff', args: () => ['config', 'diff', '--host', 'node1', '--host', 'node2', ...S], names: ['table', 'wide', 'json', 'yaml'], items: (d) => d.differences, column: 'name', header: /^PARAMETER\s/},
  {name: 'config validate', args: () => ['config', 'validate', '--host', 'node2', ...S], names: ['table', 'wide', 'json', 'yaml'], items: (d) => d.problems, column: 'code'},
  {name: 'config validate --all-hosts', args: () => ['config', 'validate', '--all-hosts', ...S], names: ['table', 'wide', 'json', 'yaml'], items: (d) => d.problems, column: 'code'},
  {name: 'config explain', args: () => ['config', 'explain', 'IpInIpMtu'], names: ['table', 'wide', 'json', 'yaml'], items: (d) => [d], column: 'name'},
  {name: 'config explain --all', args: () => ['config', 'explain', '--all'], names: ['table', 'wide', 'json', 'yaml'], items: (d) => d.items, column: 'name', header: /^NAME\s+KIND\s+DEFAULT\s+FLAGS$/},
  {name: 'config set --dry-run', args: () => ['config', 'set', 'LogSeverityScreen', 'ERROR', '--layer', 'file', '--host', 'node1', '--dry-run', '--snapshot', 'examples/snapshot.json', '-c', join(dir, 'felix.cfg')], names: ['table', 'wide', 'json', 'yaml', 'value'], items: (d) => [d], column: 'param', values: (d) => [bare(d.after.value)]},
  {name: 'config unset --dry-run', args: () => ['config', 'unset', 'LogSeverityScreen', '--layer', 'file', '--host', 'node1', '--dry-run', '--snapshot', 'examples/snapshot.json', '-c', join(dir, 'felix.cfg')], names: ['table', 'wide', 'json', 'yaml', 'value'], items: (d) => [d], column: 'param', values: (d) => [bare(d.after.value)]},
  {name: 'config migrate', args: () => ['config', 'migrate', '--snapshot', 'examples/snapshot.json', '--force'], names: ['yaml', 'json'], items: (d) => d, column: 'kind'},
  {name: 'datastore status', args: () => ['datastore', 'status', ...S], names: ['table', 'json', 'yaml'], items: (d) => [d], column: 'type'},
  {name: 'datastore export', args: () => ['datastore', 'export', ...S], names: ['json', 'yaml'], items: (d) => Object.entries(d).map(([key, value]) => ({key, value})), column: 'key'},
  {name: 'sysctl check', args: () => ['sysctl', 'check', '--root', join(dir, 'root')], names: ['table', 'wide', 'json', 'yaml', 'value'], items: (d) => d.persisted.files, column: 'path', values: (d) => [bare(d.live.max)]},
  {name: 'sysctl apply --dry-run', args: () => ['sysctl', 'apply', '--root', join(dir, 'root'), '--dry-run'], names: ['table', 'wide', 'json', 'yaml', 'value'], items: (d) => d.actions, column: 'kind', values: (d) => [bare(d.after.live.max)]},
  {name: 'openstack render', args: () => ['openstack', 'render', 'all', '--release', 'kilo'], names: ['ini', 'json', 'yaml'], items: (d) => d.files, column: 'file'},
  {name: 'openstack check', args: () => ['openstack', 'check', '--neutron', 'test/fixtures/openstack/neutron-page.conf'], names: ['table', 'json', 'yaml'], items: (d) => d.findings, column: 'code', header: /^SEVERITY\s+CODE\s/},
  {name: 'openstack apply --dry-run', args: () => ['openstack', 'apply', 'ml2_conf.ini', '--file', join(dir, 'ml2_conf.ini'), '--create', '--dry-run'], names: ['table', 'json', 'yaml'], items: (d) => d.changes, column: 'key'},
  {name: 'doctor', args: () => ['doctor', '--host', 'node2', ...S, '--root', join(dir, 'root')], names: ['table', 'json', 'yaml'], items: (d) => d.findings, column: 'code'},
]

/** Exit codes a command may end with while still printing its result (3: a finding). */
const printed = (code: number | null) => code === 0 || code === 3

for (const c of CASES) {
  describe(c.name, () => {
    let doc: any
    let jsonCode: number | null
    before(async () => {
      const r = await runCli([...c.args(), '-o', 'json'])
      assert.ok(printed(r.code), `${c.name} -o json: exit ${r.code}\n${r.stderr}`)
      jsonCode = r.code
      doc = JSON.parse(r.stdout)
    })

    test('-o yaml is the JSON document', async () => {
      const r = await runCli([...c.args(), '-o', 'yaml'])
      assert.equal(r.code, jsonCode, r.stderr)
      // migrate writes one YAML document per resource.
      const parsed = c.name === 'config migrate' ? r.stdout.split(/^---\n/m).filter(Boolean).map((d) => parseYaml(d)) : parseYaml(r.stdout)
      assert.deepEqual(stable(parsed), stable(doc))
    })

    test('-o jsonpath picks from the JSON document, with range and literals', async () => {
      const items = c.items(doc)
      assert.ok(items.length > 0, 'the case has items')
      const path = c.name === 'config migrate' ? `{range [*]}{.${c.column}}{"\\n"}{end}` : c.items(doc) === doc.items ? `{range .items[*]}{.${c.column}}{"\\n"}{end}` : null
      // The snapshot's items are its keys: a key is a member of the document.
      const expr = c.name === 'datastore export' ? `{['${items[0].key}']}` : path ?? `{${jsonPathOfFirstItem(c, doc)}.${c.column}}`
      const r = await runCli([...c.args(), '-o', `jsonpath=${expr}`])
      assert.equal(r.code, jsonCode, r.stderr)
      if (path) assert.equal(r.stdout, items.map((i: any) => `${bare(i[c.column])}\n`).join(''))
      else assert.equal(r.stdout, c.name === 'datastore export' ? items[0].value : bare(items[0][c.column]))
    })

    test('-o custom-columns draws one row per item; --no-headers drops the header', async () => {
      const items = c.items(doc)
      const spec = `COL:.${c.column}`
      const r = await runCli([...c.args(), '-o', `custom-columns=${spec}`])
      assert.equal(r.code, jsonCode, r.stderr)
      const lines = r.stdout.trimEnd().split('\n')
      assert.equal(lines[0], 'COL')
      // null or missing: <none>; an empty string: an empty cell (kubectl's distinction)
      assert.deepEqual(lines.slice(1), items.map((i: any) => (i[c.column] === null || i[c.column] === undefined ? '<none>' : bare(i[c.column]))))
      const n = await runCli([...c.args(), '-o', `custom-columns=${spec}`, '--no-headers'])
      assert.deepEqual(n.stdout.trimEnd().split('\n'), lines.slice(1))
    })

    test(c.values ? '-o value prints the effective value(s), one per line' : '-o value does not apply: exit 2', async () => {
      const r = await runCli([...c.args(), '-o', 'value'])
      if (!c.values) {
        assert.equal(r.code, 2, r.stderr)
        assert.equal(r.stdout, '')
        return
      }
      assert.equal(r.code, jsonCode, r.stderr)
      assert.equal(r.stdout, c.values(doc).map((v) => v + '\n').join(''))
    })

    test('every -o name of the command is accepted; an unknown one is exit 2 naming them', async () => {
      for (const name of c.names.filter((n) => n !== 'json' && n !== 'value')) {
        const r = await runCli([...c.args(), '-o', name])
        assert.ok(printed(r.code), `-o ${name}: exit ${r.code}\n${r.stderr}`)
        assert.notEqual(r.stdout, '', `-o ${name} prints`)
      }
      const bad = await runCli([...c.args(), '-o', 'tabel'])
      assert.equal(bad.code, 2)
      assert.match(bad.stderr, /-o "tabel" is not an output format of this command/)
      for (const name of [...c.names, 'jsonpath=EXPR', 'custom-columns=SPEC']) assert.ok(bad.stderr.includes(name), `the error names ${name}`)
    })

    if (c.header) {
      test('--no-headers drops the table header', async () => {
        const r = await runCli([...c.args()])
        assert.ok(printed(r.code), r.stderr)
        assert.ok(r.stdout.split('\n').some((l) => c.header!.test(l)), `the table has its header:\n${r.stdout}`)
        const n = await runCli([...c.args(), '--no-headers'])
        assert.equal(n.code, r.code)
        assert.ok(!n.stdout.split('\n').some((l) => c.header!.test(l)), `no header:\n${n.stdout}`)
      })
    }
  })
}

/** A document without the members that differ from run to run (how long a read took). */
function stable(v: any): any {
  if (Array.isArray(v)) return v.map(stable)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'elapsedMs').map(([k, x]) => [k, stable(x)]))
  return v
}

/** The JSONPath of the first item, relative to the document (the document itself when it is its own item). */
function jsonPathOfFirstItem(c: Case, doc: any): string {
  const items = c.items(doc)
  if (items.length === 1 && items[0] === doc) return ''
  for (const [k, v] of Object.entries(doc)) if (v === items) return `.${k}[0]`
  if (doc.persisted?.files === items) return '.persisted.files[0]'
  throw new Error(`${c.name}: where are the items?`)
}

describe('JSONPath and custom-columns errors', () => {
  test('an unsupported expression is a usage error (exit 2) naming it, before any work', async () => {
    for (const expr of ['{.params[?(@.name =~ /Ip/)]}', '{.a', '{range .params[*]}{.name}', '{.params.#}']) {
      const r = await runCli(['config', 'list', ...S, '-o', `jsonpath=${expr}`])
      assert.equal(r.code, 2, `${expr}: ${r.stderr}`)
      assert.ok(r.stderr.includes(JSON.stringify(expr)), `${expr} named: ${r.stderr}`)
      assert.equal(r.stdout, '')
    }
  })
  test('custom-columns without a header is a usage error; -o jsonpath without a template too', async () => {
    for (const o of ['custom-columns=.name', 'custom-columns=', 'jsonpath', 'jsonpath=', 'custom-columns']) {
      const r = await runCli(['config', 'list', ...S, '-o', o])
      assert.equal(r.code, 2, `${o}: ${r.stderr}`)
    }
  })
  test('custom-columns: a null member (fatal, a default origin\'s key) and a missing one print <none>', async () => {
    const r = await runCli(['config', 'get', 'IpInIpMtu', 'LogSeverityScreen', '--host', 'node1', ...S, '-o', 'custom-columns=NAME:.name,FATAL:.fatal,KEY:.origin.key,NOPE:.nope'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.stdout.split('\n').map((l) => l.trimEnd().split(/ {2,}/)), [
      ['NAME', 'FATAL', 'KEY', 'NOPE'],
      ['IpInIpMtu', '<none>', '/calico/v1/host/node1/config/IpInIpMtu', '<none>'],
      ['LogSeverityScreen', '<none>', '<none>', '<none>'],
      [''],
    ])
  })
  test('filters, unions and slices as kubectl users write them', async () => {
    const r = await runCli(['config', 'list', '--host', 'node1', ...S, '-o', 'jsonpath={.params[?(@.source=="host")].name}|{.params[0:2].name}|{.params[-1:].name}|{.params[0][\'name\',\'source\']}'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse((await runCli(['config', 'list', '--host', 'node1', ...S, '-o', 'json'])).stdout)
    const names = doc.params.map((p: any) => p.name)
    assert.equal(r.stdout, [doc.params.filter((p: any) => p.source === 'host').map((p: any) => p.name).join(' '), names.slice(0, 2).join(' '), names.at(-1), `${names[0]} ${doc.params[0].source}`].join('|'))
  })
})

describe('parameter names as env variables and etcd keys (config get, config explain)', () => {
  const value = async (args: string[]) => {
    const r = await runCli(['config', 'get', ...args, ...S, '-o', 'value'])
    return {code: r.code, out: r.stdout, err: r.stderr}
  }
  test('FELIX_ names in any case, as Felix lower-cases them; etcd keys global and per host', async () => {
    const want = (await value(['IpInIpMtu', '--host', 'node1'])).out
    assert.equal(want, '1420\n')
    for (const n of ['FELIX_IPINIPMTU', 'felix_ipinipmtu', 'Felix_IpInIpMtu', 'ipinipmtu']) assert.equal((await value([n, '--host', 'node1'])).out, want, n)
    // A per-host key names the host directory too.
    assert.equal((await value(['/calico/v1/host/node1/config/IpInIpMtu'])).out, want)
    assert.equal((await value(['/calico/v1/host/node1/config/IpInIpMtu', '--host', 'node1'])).out, want)
    // The global key is the parameter: evaluated for --host as usual.
    assert.equal((await value(['/calico/v1/config/IpInIpMtu', '--host', 'node2'])).out, (await value(['IpInIpMtu', '--host', 'node2'])).out)
  })
  test('keys of two host directories, or one that --host contradicts: exit 2', async () => {
    assert.equal((await value(['/calico/v1/host/node1/config/IpInIpMtu', '/calico/v1/host/node2/config/IpInIpMtu'])).code, 2)
    const r = await value(['/calico/v1/host/node1/config/IpInIpMtu', '--host', 'node2'])
    assert.equal(r.code, 2)
    assert.match(r.err, /"node1" and "node2"/)
  })
  test('a key outside the config directories is exit 2; an unknown name (also FELIX_ alone) exit 4', async () => {
    assert.equal((await value(['/calico/v1/Ready'])).code, 2)
    assert.equal((await value(['FELIX_NOSUCHTHING'])).code, 4)
    assert.equal((await value(['FELIX_'])).code, 4)
  })
  test('an unknown name: the error names what was typed, and the name it was read as; exit 4, nothing on stdout (JSON too)', async () => {
    const cases: {args: string[]; message: string; hint: RegExp}[] = [
      {args: ['config', 'get', 'FELIX_NOPE', ...S], message: 'unknown Felix 2.0.4 parameter "FELIX_NOPE" (read as the parameter name "NOPE")', hint: /^Hint: run `felixctl config list`/m},
      {args: ['config', 'get', 'felix_IpInIpMtuu', ...S], message: 'unknown Felix 2.0.4 parameter "felix_IpInIpMtuu" (read as the parameter name "IpInIpMtuu")', hint: /^Hint: did you mean IpInIpMtu\?$/m},
      {args: ['config', 'get', 'IpInIpMtu', '/calico/v1/config/Nope', ...S], message: 'unknown Felix 2.0.4 parameter "/calico/v1/config/Nope" (read as the parameter name "Nope")', hint: /^Hint: /m},
      {args: ['config', 'get', 'IpInIpMtuu', ...S], message: 'unknown Felix 2.0.4 parameter "IpInIpMtuu"', hint: /^Hint: did you mean IpInIpMtu\?$/m},
      {args: ['config', 'get', 'FELIX_NOPE', '--all-hosts', ...S], message: 'unknown Felix 2.0.4 parameter "FELIX_NOPE" (read as the parameter name "NOPE")', hint: /^Hint: /m},
      {args: ['config', 'list', '--all-hosts', '--param', 'FELIX_IPINIPMTUU', ...S], message: 'unknown Felix 2.0.4 parameter "FELIX_IPINIPMTUU" (read as the parameter name "IPINIPMTUU")', hint: /^Hint: did you mean IpInIpMtu\?$/m},
      {args: ['config', 'diff', '--host', 'node1', '--host', 'node2', '--param', 'FELIX_NOPE', ...S], message: 'unknown Felix 2.0.4 parameter "FELIX_NOPE" (read as the parameter name "NOPE")', hint: /^Hint: /m},
      {args: ['config', 'explain', 'FELIX_NOPE'], message: 'unknown Felix 2.0.4 parameter "FELIX_NOPE" (read as the parameter name "NOPE")', hint: /^Hint: /m},
      {args: ['config', 'explain', 'FELIX_LOGPREFIX', '--felix-version', '2.0.0'], message: 'LogPrefix (given as "FELIX_LOGPREFIX") is not a Felix 2.0.0 parameter: it was added in Felix 2.0.1', hint: /^Hint: felixctl config explain LogPrefix --felix-version 2\.0\.1$/m},
      // set and unset take the name as written (unset removes a key spelt exactly so): the parameter is the suggestion.
      {args: ['config', 'set', 'FELIX_IPINIPMTU', '1400', '--layer', 'file', '-c', join(dir, 'felix.cfg'), ...S.slice(0, 2)], message: 'unknown Felix 2.0.4 parameter "FELIX_IPINIPMTU"', hint: /^Hint: did you mean IpInIpMtu\? "FELIX_IPINIPMTU" is its environment variable: config set takes the parameter name \(--force writes an unknown name anyway\)$/m},
      {args: ['config', 'unset', '/calico/v1/config/IpInIpMtu', '--layer', 'file', '-c', join(dir, 'felix.cfg'), ...S.slice(0, 2)], message: 'unknown Felix 2.0.4 parameter "/calico/v1/config/IpInIpMtu"', hint: /^Hint: did you mean IpInIpMtu\? "\/calico\/v1\/config\/IpInIpMtu" is its etcd key: config unset takes the parameter name/m},
      {args: ['config', 'set', 'FELIX_NOPE', '1', '--layer', 'file', '-c', join(dir, 'felix.cfg'), ...S.slice(0, 2)], message: 'unknown Felix 2.0.4 parameter "FELIX_NOPE"', hint: /^Hint: --force writes an unknown name anyway$/m},
    ]
    for (const c of cases) {
      for (const json of [false, true]) {
        const r = await runCli([...c.args, ...(json ? ['-o', 'json'] : [])])
        const what = `${c.args.join(' ')}${json ? ' -o json' : ''}`
        assert.equal(r.code, 4, `${what}: ${r.stderr}`)
        assert.equal(r.stdout, '', what)
        assert.equal(r.stderr.split('\n')[0], `Error: ${c.message}`, what)
        assert.match(r.stderr, c.hint, what)
      }
    }
  })
  test('the fleet views take the same forms: --all-hosts and --param with FELIX_NAME or an etcd key', async () => {
    const want = await runCli(['config', 'get', 'IpInIpMtu', '--all-hosts', ...S, '-o', 'json'])
    assert.equal(want.code, 3, want.stderr) // node2's Felix would not start
    assert.ok(JSON.parse(want.stdout).groups.length > 0)
    for (const n of ['FELIX_IPINIPMTU', 'felix_ipinipmtu', '/calico/v1/config/IpInIpMtu']) {
      const r = await runCli(['config', 'get', n, '--all-hosts', ...S, '-o', 'json'])
      assert.deepEqual([r.code, r.stdout], [want.code, want.stdout], n)
    }
    const d = await runCli(['config', 'diff', '--host', 'node1', '--host', 'node2', '--param', 'FELIX_IPINIPMTU', ...S, '-o', 'jsonpath={.differences[*].name}'])
    assert.equal(d.stdout, 'IpInIpMtu', d.stderr)
  })
  test('config explain takes the same forms', async () => {
    for (const n of ['FELIX_IPINIPMTU', '/calico/v1/config/IpInIpMtu', '/calico/v1/host/node7/config/IpInIpMtu']) {
      const r = await runCli(['config', 'explain', n, '-o', 'jsonpath={.name} {.etcdKeys.host}'])
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /^IpInIpMtu \/calico\/v1\/host\/.+\/config\/IpInIpMtu$/)
    }
    const host = await runCli(['config', 'explain', '/calico/v1/host/node7/config/IpInIpMtu', '-o', 'jsonpath={.etcdKeys.host}'])
    assert.equal(host.stdout, '/calico/v1/host/node7/config/IpInIpMtu')
  })
  test('config explain with no name is --all: every parameter, and a name with --all is exit 2', async () => {
    const a = await runCli(['config', 'explain', '-o', 'jsonpath={.items[*].name}'])
    const b = await runCli(['config', 'explain', '--all', '-o', 'jsonpath={.items[*].name}'])
    assert.equal(a.code, 0, a.stderr)
    assert.equal(a.stdout, b.stdout)
    assert.ok(a.stdout.split(' ').length > 40)
    assert.equal((await runCli(['config', 'explain', 'IpInIpMtu', '--all'])).code, 2)
  })
})
