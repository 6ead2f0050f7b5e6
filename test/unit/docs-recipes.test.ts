/**
 * The recipes of docs/architecture.md ("Recipes for common changes"): each change touches several
 * files, and each test here fails when one of them is forgotten.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {REPO_ROOT} from '../../scripts/gen-docs.js'
import {getRegistry, kindLabel, SUPPORTED_FELIX_VERSIONS} from '../../src/params/index.js'
import {isPreLiberty, metadataProxyAliases, metadataProxyOption, OPENSTACK_RELEASES, releaseLabel, resolveOpenStackRelease} from '../../src/openstack/releases.js'
import {doctor} from '../../src/services/doctor.js'

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8')

/** The body of a markdown section: from its heading to the next heading of the same or a higher level. */
function section(text: string, heading: RegExp): string {
  const lines = text.split('\n')
  const start = lines.findIndex((l) => /^#{1,6} /.test(l) && heading.test(l))
  assert.ok(start >= 0, `no heading ${heading}`)
  const level = /^#+/.exec(lines[start]!)![0].length
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}} `).test(l))
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n')
}

const RECIPES = section(read('docs/architecture.md'), /^## Recipes for common changes$/)

describe('recipe: add a Felix parameter', () => {
  // docs/reference/felix-2.0-config.md §1.1's table, parsed: name, kind, default, flags.
  const table = section(read('docs/reference/felix-2.0-config.md'), /^### 1\.1 /)
  const rows = table
    .split('\n')
    .filter((l) => /^\| [A-Z]/.test(l) && !l.startsWith('| Name'))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()))
  const byName = new Map(rows.map((r) => [r[0]!, r]))
  const kindOf = (name: string): string => {
    const k = byName.get(name)![1]!
    const as = /^as (\w+)$/.exec(k)
    return as ? kindOf(as[1]!) : k
  }
  // `calico-iptables-plugin` (…), empty; … , empty (Go nil): the default is the first code span, else empty.
  const defaultOf = (name: string) => /^`([^`]*)`/.exec(byName.get(name)![2]!)?.[1] ?? ''

  test('every parameter of the newest registry has its row in docs/reference/felix-2.0-config.md §1.1, in order', () => {
    const newest = SUPPORTED_FELIX_VERSIONS[SUPPORTED_FELIX_VERSIONS.length - 1]!
    assert.deepEqual(rows.map((r) => r[0]), getRegistry(newest).params.map((p) => p.name))
  })
  test('each row agrees with the registry: kind, default, flags; each parameter has its doc', () => {
    for (const p of getRegistry().params) {
      assert.equal(kindOf(p.name), kindLabel(p.kind), `${p.name}: kind`)
      assert.equal(defaultOf(p.name), p.default, `${p.name}: default`)
      const flags = byName.get(p.name)![3]!.split(' ').filter(Boolean)
      assert.deepEqual(flags, [p.localOnly && 'L', p.nonZero && 'NZ', p.dieOnFail && 'D'].filter(Boolean), `${p.name}: flags`)
      assert.ok(p.doc.trim().length > 0, `${p.name}: doc`)
    }
  })
  test('the generated docs/parameters.md has every parameter', () => {
    const doc = read('docs/parameters.md')
    for (const p of getRegistry().params) assert.match(doc, new RegExp(`\\b${p.name}\\b`), p.name)
  })
})

describe('recipe: add an OpenStack release', () => {
  // What each release means for the requirements; a release added to releases.ts needs its row.
  const RELEASES: [string, {preLiberty: boolean; proxy: 'DEFAULT' | 'neutron'; alias: boolean}][] = [
    ['Havana', {preLiberty: true, proxy: 'DEFAULT', alias: false}],
    ['Icehouse', {preLiberty: true, proxy: 'DEFAULT', alias: false}],
    ['Juno', {preLiberty: true, proxy: 'neutron', alias: true}],
    ['Kilo', {preLiberty: true, proxy: 'neutron', alias: true}],
    ['Liberty', {preLiberty: false, proxy: 'neutron', alias: true}],
    ['Mitaka', {preLiberty: false, proxy: 'neutron', alias: true}],
    ...['Newton', 'Ocata', 'Pike', 'Queens', 'Rocky', 'Stein', 'Train', 'Ussuri', 'Victoria', 'Wallaby', 'Xena', 'Yoga', 'Zed', 'Antelope', 'Bobcat', 'Caracal', 'Dalmatian', 'Epoxy', 'Flamingo'].map(
      (name): [string, {preLiberty: boolean; proxy: 'DEFAULT' | 'neutron'; alias: boolean}] => [name, {preLiberty: false, proxy: 'neutron', alias: false}],
    ),
  ]
  test("this test's table has every release of releases.ts, in order, and no other", () => {
    assert.deepEqual(RELEASES.map(([n]) => n), OPENSTACK_RELEASES.map((r) => r.name))
  })
  for (const [name, want] of RELEASES) {
    test(`${name}: requirements as the table says`, () => {
      const r = resolveOpenStackRelease(name)
      assert.equal(isPreLiberty(r), want.preLiberty)
      assert.equal(metadataProxyOption(r).section, want.proxy)
      assert.equal(metadataProxyAliases(r).length > 0, want.alias)
      if (r.number) assert.equal(resolveOpenStackRelease(r.number), r)
    })
  }
  test('every release is in the --release help (generated docs/commands.md) and in docs/reference/openstack.md §3', () => {
    const commands = read('docs/commands.md')
    const reference = section(read('docs/reference/openstack.md'), /^## 3\. /)
    for (const r of OPENSTACK_RELEASES) {
      assert.ok(commands.includes(releaseLabel(r)), `${releaseLabel(r)} missing from docs/commands.md: run npm run docs`)
      assert.match(reference, new RegExp(`\\b${r.name}\\b`), `${r.name} missing from docs/reference/openstack.md §3`)
    }
  })
})

describe('recipe: add an output format', () => {
  test('every -o value any command offers is in the recipe\'s list of formats', async () => {
    const listed = section(RECIPES, /^### Add an output format$/)
    // -o takes free-form values (jsonpath=EXPR): the names each command offers are its OUTPUTS set.
    const {OUTPUTS} = await import('../../src/render/output.js')
    const formats = new Set<string>(Object.values(OUTPUTS).flat())
    assert.ok(formats.size >= 4, [...formats].join(','))
    for (const f of formats) assert.match(listed, new RegExp(`\`${f}\` \\(`), `-o ${f} is not described in docs/architecture.md, "Add an output format"`)
  })
})

describe('recipe: add a check to doctor', () => {
  test('every part a doctor run returns is in the doctor -o json block and in the recipe', async () => {
    const root = mkdtempSync(join(tmpdir(), 'felixctl-recipes-'))
    // Every input named inside the temp dir: nothing of this machine's /etc is read.
    const openstackPaths = Object.fromEntries(['nova.conf', 'neutron.conf', 'ml2_conf.ini', 'dhcp_agent.ini'].map((k) => [k, join(root, k)]))
    const r = await doctor({snapshot: join(REPO_ROOT, 'examples/snapshot.json'), configFile: '/dev/null', processEnv: {}, host: 'node1', root, openstack: true, openstackPaths})
    const names = r.parts.map((p) => p.name)
    assert.ok(names.length >= 4, names.join(','))
    const block = section(read('docs/json-output.md'), /^## `doctor -o json`$/)
    const recipe = section(RECIPES, /^### Add a check to `doctor`$/)
    for (const name of names) {
      assert.match(block, new RegExp(`"${name}": \\{`), `doctor part ${name} is not in docs/json-output.md`)
      assert.match(recipe, new RegExp(`\`${name}\` \\(`), `doctor part ${name} is not listed in docs/architecture.md, "Add a check to doctor"`)
    }
  })
})
