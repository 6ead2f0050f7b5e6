/**
 * Enforces docs/architecture.md "What may import what" on every file in src/: the table is
 * read from the document, so the documented rules and the checked rules are the same rules.
 * Imports are taken from TypeScript's own emit (transpileModule), so type-only imports, which
 * TypeScript erases, do not count; static imports, re-exports, dynamic import() and modules
 * loaded through `createRequire` (or a `require` it made) do.
 *
 * A few invariants from the brief are also checked directly, so that loosening the table
 * cannot silently drop them.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {builtinModules} from 'node:module'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, posix, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import ts from 'typescript'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const SRC = join(REPO, 'src')

export interface ImportRule {
  /** `src/params` (a directory) or `src/params/kinds.ts` (a file). */
  scope: string
  /** Modules under src/ (no extension): `services`, `openstack/flags`, `datastore/types`. */
  src: string[]
  /** Packages and node: built-ins. */
  external: string[]
}

/** Reads the rules table under the "What may import what" heading. */
export function parseImportRules(markdown: string): ImportRule[] {
  const start = markdown.indexOf('## What may import what')
  assert.ok(start >= 0, 'docs/architecture.md has no "## What may import what" section')
  const section = markdown.slice(start).split('\n## ')[0]
  const rules: ImportRule[] = []
  for (const line of section.split('\n')) {
    if (!/^\|\s*`src\//.test(line)) continue
    const cells = line.split('|').slice(1, -1)
    assert.equal(cells.length, 3, `a rules row has three cells: ${line}`)
    const ticks = (c: string) => [...c.matchAll(/`([^`]+)`/g)].map((m) => m[1])
    rules.push({scope: ticks(cells[0])[0], src: ticks(cells[1]), external: ticks(cells[2])})
  }
  return rules
}

export interface SourceFile {
  /** Path relative to the repo, with `/`: `src/services/sysctl/check.ts`. */
  path: string
  text: string
}

/** The module specifiers a file loads at run time, and its emitted JS (no comments, no types). */
interface Emitted {
  specifiers: string[]
  /** The subset loaded lazily: a dynamic import(), or a createRequire load inside a function. */
  dynamic: string[]
  js: string
}

const emitted = new Map<string, Emitted>()

export function runtimeImports(file: SourceFile): Emitted {
  const key = `${file.path}\0${file.text}`
  const cached = emitted.get(key)
  if (cached) return cached
  const result = emitRuntimeImports(file)
  emitted.set(key, result)
  return result
}

function emitRuntimeImports(file: SourceFile): Emitted {
  const js = ts.transpileModule(file.text, {
    fileName: file.path,
    compilerOptions: {module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, removeComments: true},
  }).outputText
  const sf = ts.createSourceFile(file.path, js, ts.ScriptTarget.ES2022, true)
  const specifiers: string[] = []
  const dynamic: string[] = []
  // Functions made by createRequire(...): `const req = createRequire(import.meta.url)`, and `require` itself.
  const requireNames = new Set(['require'])
  const isCreateRequire = (e: ts.Expression) => ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'createRequire'
  const specOf = (call: ts.CallExpression) => {
    const arg = call.arguments[0]
    return arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed>'
  }
  const visit = (n: ts.Node, inFunction: boolean): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      specifiers.push(n.moduleSpecifier.text)
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const spec = specOf(n)
      specifiers.push(spec)
      dynamic.push(spec)
    } else if (ts.isCallExpression(n) && (isCreateRequire(n.expression) || (ts.isIdentifier(n.expression) && requireNames.has(n.expression.text)))) {
      const spec = specOf(n)
      specifiers.push(spec)
      if (inFunction) dynamic.push(spec)
    } else if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && isCreateRequire(n.initializer)) {
      requireNames.add(n.name.text)
    }
    const fn = inFunction || ts.isFunctionLike(n)
    ts.forEachChild(n, (c) => visit(c, fn))
  }
  visit(sf, false)
  return {specifiers, dynamic, js}
}

const BUILTINS = new Set(builtinModules)

/** A specifier as the rules name it: `services/config-query`, `node:fs`, `@oclif/core`, `etcd3`. */
export function classify(fromPath: string, spec: string): {kind: 'src' | 'external'; name: string} {
  if (spec.startsWith('.')) {
    const target = posix.normalize(posix.join(posix.dirname(fromPath), spec))
    return {kind: 'src', name: target.replace(/^src\//, '').replace(/\.(js|ts|mjs)$/, '')}
  }
  const bare = spec.replace(/^node:/, '')
  if (spec.startsWith('node:') || BUILTINS.has(bare) || BUILTINS.has(bare.split('/')[0])) return {kind: 'external', name: `node:${bare.split('/')[0]}`}
  const parts = spec.split('/')
  return {kind: 'external', name: spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]}
}

function ruleFor(path: string, rules: readonly ImportRule[]): ImportRule | undefined {
  return rules
    .filter((r) => path === r.scope || path.startsWith(r.scope + '/'))
    .sort((a, b) => b.scope.length - a.scope.length)[0]
}

/** Every import that the rules do not allow, as `file: message`. */
export function importViolations(files: readonly SourceFile[], rules: readonly ImportRule[]): string[] {
  const out: string[] = []
  for (const file of files) {
    const rule = ruleFor(file.path, rules)
    if (!rule) {
      out.push(`${file.path}: no row in the table covers this file`)
      continue
    }
    const inSrc = file.path.replace(/^src\//, '')
    const ownDir = inSrc.includes('/') ? inSrc.split('/')[0] : null
    for (const spec of runtimeImports(file).specifiers) {
      if (spec === '<computed>') {
        out.push(`${file.path}: a dynamic import() of a computed specifier cannot be checked`)
        continue
      }
      const {kind, name} = classify(file.path, spec)
      if (kind === 'src') {
        const ok =
          name === 'errors' ||
          (ownDir !== null && (name === ownDir || name.startsWith(ownDir + '/'))) ||
          rule.src.some((allowed) => name === allowed || name.startsWith(allowed + '/'))
        if (!ok) out.push(`${file.path}: imports src/${name} (allowed by ${rule.scope}: ${rule.src.join(', ') || 'nothing else'})`)
      } else if (!rule.external.includes(name)) {
        out.push(`${file.path}: loads ${name} (allowed by ${rule.scope}: ${rule.external.join(', ') || 'nothing'})`)
      }
    }
  }
  return out
}

function walk(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) out.push(p)
  }
  return out
}

function loadSources(): SourceFile[] {
  return walk(SRC).map((p) => ({path: relative(REPO, p).split(sep).join('/'), text: readFileSync(p, 'utf8')}))
}

// ---------------------------------------------------------------------------------------------
// The checker itself, on synthetic files: each row must produce exactly these violations.

describe('import checker', () => {
  const rules: ImportRule[] = [
    {scope: 'src/resolve', src: ['params', 'datastore/types'], external: []},
    {scope: 'src/params', src: [], external: []},
    {scope: 'src/params/kinds.ts', src: [], external: ['node:fs']},
    {scope: 'src/commands', src: ['services', 'openstack/flags'], external: ['@oclif/core']},
  ]
  const rows: Array<[string, string, string, string[]]> = [
    ['own directory and errors are free', 'src/resolve/a.ts', "import {x} from './b.js'\nimport {E} from '../errors.js'\nconsole.log(x, E)", []],
    ['an allowed directory', 'src/resolve/a.ts', "import {p} from '../params/index.js'\np()", []],
    ['a type-only import is erased', 'src/resolve/a.ts', "import type {S} from '../services/x.js'\nexport let s: S", []],
    ['an unused (type) name is erased', 'src/resolve/a.ts', "import {S} from '../services/x.js'\nexport let s: S", []],
    ['a value import from services', 'src/resolve/a.ts', "import {s} from '../services/x.js'\ns()", ['src/resolve/a.ts: imports src/services/x (allowed by src/resolve: params, datastore/types)']],
    ['datastore/types but not the drivers', 'src/resolve/a.ts', "import {K} from '../datastore/types.js'\nimport {D} from '../datastore/etcdv3.js'\nconsole.log(K, D)", ['src/resolve/a.ts: imports src/datastore/etcdv3 (allowed by src/resolve: params, datastore/types)']],
    ['node:fs in a pure layer', 'src/resolve/a.ts', "import {readFileSync} from 'node:fs'\nreadFileSync('x')", ['src/resolve/a.ts: loads node:fs (allowed by src/resolve: nothing)']],
    ['a bare builtin counts as node:', 'src/resolve/a.ts', "import * as http from 'http'\nhttp.get('x')", ['src/resolve/a.ts: loads node:http (allowed by src/resolve: nothing)']],
    ['a dynamic import counts', 'src/resolve/a.ts', "export async function f() { return import('etcd3') }", ['src/resolve/a.ts: loads etcd3 (allowed by src/resolve: nothing)']],
    ['a re-export counts', 'src/resolve/a.ts', "export {x} from 'yaml'", ['src/resolve/a.ts: loads yaml (allowed by src/resolve: nothing)']],
    [
      'a module loaded through createRequire counts',
      'src/resolve/a.ts',
      "import {createRequire} from 'node:module'\nexport function f() { return createRequire(import.meta.url)('node:child_process') }",
      ['src/resolve/a.ts: loads node:module (allowed by src/resolve: nothing)', 'src/resolve/a.ts: loads node:child_process (allowed by src/resolve: nothing)'],
    ],
    [
      'a require made by createRequire counts',
      'src/resolve/a.ts',
      "import {createRequire} from 'node:module'\nconst req = createRequire(import.meta.url)\nexport const y = req('yaml')",
      ['src/resolve/a.ts: loads node:module (allowed by src/resolve: nothing)', 'src/resolve/a.ts: loads yaml (allowed by src/resolve: nothing)'],
    ],
    ['the file row wins over its directory', 'src/params/kinds.ts', "import {statSync} from 'node:fs'\nstatSync('x')", []],
    ['the directory row still applies to siblings', 'src/params/index.ts', "import {statSync} from 'node:fs'\nstatSync('x')", ['src/params/index.ts: loads node:fs (allowed by src/params: nothing)']],
    ['a sub-path of a package', 'src/commands/a/b.ts', "import {Flags} from '@oclif/core/flags'\nimport {f} from '../../openstack/flags.js'\nconsole.log(Flags, f)", []],
    ['a file of a directory that is not allowed', 'src/commands/a/b.ts', "import {r} from '../../openstack/releases.js'\nr()", ['src/commands/a/b.ts: imports src/openstack/releases (allowed by src/commands: services, openstack/flags)']],
    ['a file no row covers', 'src/other/x.ts', 'export const x = 1', ['src/other/x.ts: no row in the table covers this file']],
  ]
  for (const [name, path, text, expected] of rows) {
    test(name, () => assert.deepEqual(importViolations([{path, text}], rules), expected))
  }

  test('static and dynamic imports are told apart', () => {
    const r = runtimeImports({path: 'src/x/a.ts', text: "import {a} from 'yaml'\nexport const f = async () => (await import('etcd3')).x + a"})
    assert.deepEqual([r.specifiers, r.dynamic], [['yaml', 'etcd3'], ['etcd3']])
  })

  test('a createRequire load is lazy inside a function, eager at the top level', () => {
    const r = runtimeImports({path: 'src/x/a.ts', text: "import {createRequire} from 'node:module'\nconst require = createRequire(import.meta.url)\nconst y = require('yaml')\nexport function f() { return require('node:child_process') }\nexport {y}"})
    assert.deepEqual([r.specifiers, r.dynamic], [['node:module', 'yaml', 'node:child_process'], ['node:child_process']])
  })

  test('the table parser reads scopes, src modules and packages', () => {
    const md = [
      '# x',
      '## What may import what',
      '| Code | may import from src/ | may load |',
      '|---|---|---|',
      '| `src/commands` | `cli`, `services` | `@oclif/core` |',
      '| `src/errors.ts` | | |',
      '## Next',
      '| `src/ignored` | `x` | `y` |',
    ].join('\n')
    assert.deepEqual(parseImportRules(md), [
      {scope: 'src/commands', src: ['cli', 'services'], external: ['@oclif/core']},
      {scope: 'src/errors.ts', src: [], external: []},
    ])
  })
})

// ---------------------------------------------------------------------------------------------
// The real tree.

describe('src/ follows docs/architecture.md', () => {
  const sources = loadSources()
  const rules = parseImportRules(readFileSync(join(REPO, 'docs', 'architecture.md'), 'utf8'))
  const byPath = new Map(sources.map((f) => [f.path, f]))
  const loads = (f: SourceFile) => runtimeImports(f).specifiers.map((s) => classify(f.path, s))

  test('every import is allowed by the table', () => {
    assert.ok(sources.length > 20, 'src/ was not found')
    assert.ok(rules.length >= 10, 'the rules table was not found')
    assert.deepEqual(importViolations(sources, rules), [])
  })

  test('every row names a file or directory that exists', () => {
    const missing = rules.filter((r) => ![...byPath.keys()].some((p) => p === r.scope || p.startsWith(r.scope + '/')))
    assert.deepEqual(missing.map((r) => r.scope), [])
  })

  test('commands load no node: built-in, etcd3, undici or formatting library', () => {
    const bad = sources
      .filter((f) => f.path.startsWith('src/commands/'))
      .flatMap((f) => loads(f).filter((i) => i.kind === 'external' && (i.name.startsWith('node:') || ['etcd3', 'undici', 'chalk', 'cli-table3', 'yaml'].includes(i.name))).map((i) => `${f.path}: ${i.name}`))
    assert.deepEqual(bad, [])
  })

  test('only src/datastore loads etcd3, and nothing loads undici', () => {
    const bad = sources.flatMap((f) =>
      loads(f)
        .filter((i) => (i.name === 'etcd3' && !f.path.startsWith('src/datastore/')) || i.name === 'undici')
        .map((i) => `${f.path}: ${i.name}`),
    )
    assert.deepEqual(bad, [])
  })

  test('resolve, layers, params and formats do no file or network I/O (except realFileProbe)', () => {
    const io = new Set(['node:fs', 'node:net', 'node:http', 'node:https', 'node:http2', 'node:tls', 'node:dgram', 'node:child_process', 'etcd3', 'undici'])
    const bad = sources
      .filter((f) => /^src\/(resolve|layers|params|formats)\//.test(f.path))
      .flatMap((f) => loads(f).filter((i) => io.has(i.name) || (i.kind === 'src' && i.name === 'lib/atomic-write')).map((i) => `${f.path}: ${i.name}`))
      .filter((v) => v !== 'src/params/kinds.ts: node:fs')
    assert.deepEqual(bad, [])
  })

  test('renderers load no service, command, datastore or file code', () => {
    const bad = sources
      .filter((f) => f.path.startsWith('src/render/'))
      .flatMap((f) => loads(f).filter((i) => (i.kind === 'src' && /^(services|commands|datastore|cli)(\/|$)/.test(i.name)) || i.name === 'node:fs').map((i) => `${f.path}: ${i.name}`))
    assert.deepEqual(bad, [])
  })

  test('services know nothing of oclif, prompts, commands or renderers', () => {
    const bad = sources
      .filter((f) => f.path.startsWith('src/services/'))
      .flatMap((f) => loads(f).filter((i) => ['@oclif/core', '@inquirer/prompts', 'chalk', 'cli-table3'].includes(i.name) || (i.kind === 'src' && /^(commands|cli|render)(\/|$)/.test(i.name))).map((i) => `${f.path}: ${i.name}`))
    assert.deepEqual(bad, [])
  })

  test('commands format nothing themselves and write only through out()/err()', () => {
    const forbidden: Array<[string, RegExp]> = [
      ['JSON.stringify', /\bJSON\.stringify\b/],
      ['console', /\bconsole\.\w+/],
      ['process.stdout.write / process.stderr.write', /\bprocess\.std(out|err)\.write\b/],
      ['a generic formatter (toJson, toYaml, renderTable, renderKeyValues)', /\b(toJson|toYaml|renderTable|renderKeyValues)\b/],
      ['padding (padEnd/padStart)', /\.pad(End|Start)\(/],
    ]
    const bad: string[] = []
    for (const f of sources.filter((s) => s.path.startsWith('src/commands/'))) {
      const {js} = runtimeImports(f)
      for (const [what, re] of forbidden) if (re.test(js)) bad.push(`${f.path}: ${what}`)
    }
    assert.deepEqual(bad, [])
  })

  test('heavy or rarely needed modules are loaded lazily (dynamic import only)', () => {
    const lazy = new Set(['etcd3', 'yaml', '@inquirer/prompts', 'node:child_process', 'datastore/etcdv2', 'datastore/etcdv3', 'openstack/prompt'])
    const bad: string[] = []
    for (const f of sources) {
      const {specifiers, dynamic} = runtimeImports(f)
      const statics = [...specifiers]
      for (const d of dynamic) statics.splice(statics.indexOf(d), 1)
      for (const s of statics) {
        const {name} = classify(f.path, s)
        if (lazy.has(name)) bad.push(`${f.path}: static import of ${name}`)
      }
    }
    assert.deepEqual(bad, [])
  })

  test('only src/cli/top-level.ts calls process.exit', () => {
    const bad = sources.filter((f) => f.path !== 'src/cli/top-level.ts' && /\bprocess\.exit\s*\(/.test(runtimeImports(f).js)).map((f) => f.path)
    assert.deepEqual(bad, [])
  })

  test('nothing in src/ imports a command module', () => {
    const bad = sources.flatMap((f) => loads(f).filter((i) => i.kind === 'src' && i.name.startsWith('commands/') && !f.path.startsWith('src/commands/')).map((i) => `${f.path}: ${i.name}`))
    assert.deepEqual(bad, [])
  })
  // One home per concern (issue 16): the removed duplicates must not come back.
  const code = (f: SourceFile) => runtimeImports(f).js
  const offenders = (re: RegExp, allowed: readonly string[]) => sources.filter((f) => !allowed.includes(f.path) && re.test(code(f))).map((f) => f.path)

  test('one datastore opener: only src/services/felix-datastore.ts reads the datastore and decides how', () => {
    // The read itself, the driver factory, the Ready check, and where to connect.
    // (config watch reads through the connection openFelixWatch left open: first, and after lost history.)
    assert.deepEqual(offenders(/\.readConfig\(/, ['src/services/felix-datastore.ts', 'src/services/config-watch.ts']).filter((p) => !p.startsWith('src/datastore/')), [])
    assert.deepEqual(offenders(/\bopenDatastore\(/, ['src/services/felix-datastore.ts', 'src/datastore/index.ts']), [])
    assert.deepEqual(offenders(/\breadyProblem\(/, ['src/services/felix-datastore.ts', 'src/datastore/index.ts']), [])
    assert.deepEqual(offenders(/\bconnectionFor\(/, ['src/services/felix-datastore.ts']), [])
    // The kubernetes check: Felix's DatastoreType (or --datastore-type) is weighed in one place.
    // (Renderers show the resolved DatastoreType; they decide nothing.)
    assert.deepEqual(offenders(/\.datastore\.type\b|\bdatastoreType\s*\?\?/, ['src/services/felix-datastore.ts']).filter((p) => !p.startsWith('src/render/')), [])
    // The write path (config set|unset) connects for get/put/delete through the same module.
    assert.deepEqual(offenders(/\bopenConfiguredDatastore\(/, ['src/services/felix-datastore.ts', 'src/services/config-write.ts']), [])
  })

  test('one prompt module: only src/cli/prompts.ts loads @inquirer/prompts and checks for a terminal', () => {
    const inquirer = sources.filter((f) => f.path !== 'src/cli/prompts.ts' && loads(f).some((i) => i.name === '@inquirer/prompts')).map((f) => f.path)
    assert.deepEqual(inquirer, [])
    // src/render/format.ts decides colour from its stream, which is not a prompt.
    assert.deepEqual(offenders(/\.isTTY\b/, ['src/cli/prompts.ts', 'src/render/format.ts']), [])
    // Cancellation is one policy: nobody else looks at inquirer's errors.
    assert.deepEqual(offenders(/ExitPromptError|AbortPromptError/, ['src/cli/prompts.ts']), [])
  })

  test('one name lookup: the lower-name map is private; names are lower-cased only by the lookup, Felix\'s readers and the editors', () => {
    assert.deepEqual(offenders(/\bbyLowerName\b/, []), [])
    assert.deepEqual(offenders(/\blowerNames\b/, ['src/params/index.ts']), [])
    // String#toLowerCase only where Go is not the model (OpenStack is Python's lower(), did-you-mean
    // is fuzzy, error codes, TLS alerts, URL schemes).
    const notGo = ['src/lib/did-you-mean.ts', 'src/openstack/releases.ts', 'src/openstack/requirements.ts', 'src/formats/oslo-ini.ts', 'src/services/openstack-render.ts', 'src/errors.ts', 'src/datastore/failures.ts', 'src/params/go/url.ts']
    assert.deepEqual(offenders(/\.toLowerCase\(\)/, ['src/lib/go-lower.ts', ...notGo]), [])
    // Go's lower-casing applied to a name (a key, a name, a variable name): the lookup
    // (lookupParam, sameParamName); Felix's env loader; the editors, which may not import params;
    // the v1 -> v3 name conversion. Everywhere else a name goes through lookupParam/sameParamName.
    const nameLowering = /\bgoToLower\((?:[\w.]*\.)?(?:key|name|keys?Raw|bare|v1Name)\b/
    assert.deepEqual(offenders(nameLowering, ['src/params/index.ts', 'src/layers/env.ts', 'src/formats/felix-cfg-edit.ts', 'src/formats/env-file-edit.ts', 'src/params/v3-convert.ts']), [])
  })

  test('the checks above can fail: each pattern finds its duplicate in a sample', () => {
    const sample = (text: string) => runtimeImports({path: 'src/services/x.ts', text}).js
    assert.match(sample('export const f = (r, k) => r.byLowerName.get(goToLower(k))'), /\bbyLowerName\b/)
    assert.match(sample('export const f = (e) => goToLower(e.key) === "felixhostname"'), /\bgoToLower\((?:[\w.]*\.)?(?:key|name|keys?Raw|bare|v1Name)\b/)
    assert.match(sample('export const t = process.stdin.isTTY'), /\.isTTY\b/)
    assert.match(sample('export const k = (o, l) => (o.datastoreType ?? l.datastore.type) === "kubernetes"'), /\.datastore\.type\b|\bdatastoreType\s*\?\?/)
    assert.match(sample('export const r = async (ds) => ds.readConfig()'), /\.readConfig\(/)
  })
})
