/**
 * docs/parameters.md and docs/commands.md are generated (scripts/gen-docs.ts): they must equal
 * a fresh generation, and the generator must carry every parameter and command it is fed.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {
  REPO_ROOT,
  commandMeta,
  commandsFromManifest,
  generateDocs,
  loadCommandsFromSource,
  renderCommandsDoc,
  renderParametersDoc,
  renderTemplate,
  usageLine,
} from '../../scripts/gen-docs.js'
import {SUPPORTED_FELIX_VERSIONS, envVarName, getRegistry, globalKey, hostKey, kindLabel, lookupParam} from '../../src/params/index.js'

describe('generated docs are up to date', () => {
  test('docs/parameters.md and docs/commands.md equal a fresh generation', async () => {
    const docs = await generateDocs()
    assert.deepEqual([...docs.keys()].sort(), ['docs/commands.md', 'docs/parameters.md'])
    for (const [path, fresh] of docs) {
      let committed = ''
      try {
        committed = readFileSync(join(REPO_ROOT, path), 'utf8')
      } catch {
        assert.fail(`${path} is missing: run npm run docs`)
      }
      // Compare line by line first, so a failure points at the first stale line.
      const a = committed.split('\n')
      const b = fresh.split('\n')
      const first = b.findIndex((line, i) => a[i] !== line)
      assert.ok(committed === fresh, `${path} is stale (first difference at line ${first === -1 ? a.length : first + 1}): run npm run docs`)
    }
  })
})

describe('docs/parameters.md', () => {
  const doc = renderParametersDoc()
  const latest = getRegistry(SUPPORTED_FELIX_VERSIONS[SUPPORTED_FELIX_VERSIONS.length - 1])

  test('has a section for every parameter of the newest version, with its kind, env var and keys', () => {
    for (const p of latest.params) {
      const start = doc.indexOf(`\n### ${p.name}\n`)
      assert.ok(start >= 0, `no section for ${p.name}`)
      const section = doc.slice(start, doc.indexOf('\n### ', start + 1) === -1 ? undefined : doc.indexOf('\n### ', start + 1))
      assert.ok(section.includes(`\`${kindLabel(p.kind)}\``), `${p.name}: kind`)
      assert.ok(section.includes(`\`${envVarName(p.name)}\``), `${p.name}: env var`)
      assert.ok(section.includes(`\`${globalKey(p.name)}\``), `${p.name}: global key`)
      assert.ok(section.includes(`\`${hostKey('<host>', p.name)}\``), `${p.name}: host key`)
      assert.equal(section.includes('none: local-only'), p.localOnly, `${p.name}: local-only keys`)
      if (p.seedPage?.wrong) assert.ok(section.includes('Where the seed page is wrong'), `${p.name}: seed page note`)
    }
  })

  test('every supported version is named, and what the oldest lacks is listed', () => {
    for (const v of SUPPORTED_FELIX_VERSIONS) assert.ok(doc.includes(v), v)
    const oldest = getRegistry(SUPPORTED_FELIX_VERSIONS[0])
    const lacking = latest.params.filter((p) => !lookupParam(oldest, p.name)).map((p) => p.name)
    assert.ok(lacking.length > 0, 'the registries should differ (ChainInsertMode and LogPrefix arrived in 2.0.1)')
    const line = doc.split('\n').find((l) => l.startsWith(`In Felix ${oldest.felixVersion}, `))
    assert.ok(line, 'no line on what the oldest version lacks')
    for (const name of lacking) assert.ok(line.includes(`\`${name}\``), name)
  })

  test('summary table: one row per parameter, pipes inside cells escaped', () => {
    const rows = doc.split('\n').filter((l) => /^\| \[\w+\]\(#/.test(l))
    assert.equal(rows.length, latest.params.length)
    for (const r of rows) assert.equal(r.replace(/\\\|/g, '').split('|').length, 8, r)
  })
})

describe('docs/commands.md renderer', () => {
  const meta = commandMeta('demo run', {
    summary: 'Run the <%= command.id %> demo.',
    description: 'First line.\nSecond line.',
    examples: [{description: 'Plain', command: '<%= config.bin %> <%= command.id %> X -o json'}, '<%= config.bin %> <%= command.id %> --flag'],
    args: {name: {description: 'A name', required: true}, extra: {description: 'Optional'}},
    flags: {
      output: {char: 'o', type: 'option', summary: 'Output format.', options: ['table', 'json'], default: 'table'},
      flag: {type: 'boolean', summary: 'A switch.', allowNo: true},
      secret: {type: 'option', summary: 'Hidden.', hidden: true},
      when: {type: 'option', summary: 'Computed.', default: async () => 'x', env: 'DEMO_WHEN', helpValue: 'TIME'},
    },
  })
  const doc = renderCommandsDoc([meta], {demo: 'The demo topic.'})

  const rows: Array<[string, string]> = [
    ['template in the summary', 'Run the demo run demo.'],
    ['each description line is a paragraph', 'First line.\n\nSecond line.'],
    ['usage line', 'felixctl demo run NAME [EXTRA] [-o table|json] [--[no-]flag] [--when TIME]'],
    ['option flag row, pipes escaped', '| `-o, --output table\\|json` | Output format. One of `table`, `json`. | `table` |   |'],
    ['boolean flag row', '| `--[no-]flag` | A switch. |   |   |'],
    ['computed default left out, env shown', '| `--when TIME` | Computed. |   | `DEMO_WHEN` |'],
    ['example with its description as a comment', '# Plain\nfelixctl demo run X -o json\n\nfelixctl demo run --flag'],
    ['topic description', '## demo\n\nThe demo topic.'],
    ['required and optional args', '| `NAME` | yes | A name |\n| `EXTRA` | no | Optional |'],
  ]
  for (const [name, expected] of rows) {
    test(name, () => assert.ok(doc.includes(expected), `missing ${JSON.stringify(expected)} in:\n${doc}`))
  }

  test('a hidden flag is left out', () => assert.ok(!doc.includes('--secret')))
  test('usageLine matches the rendered usage', () => assert.ok(doc.includes('```\n' + usageLine(meta) + '\n```')))
  test('renderTemplate renders both oclif variables', () => assert.equal(renderTemplate('<%= config.bin %> <%- command.id %>', 'a b'), 'felixctl a b'))

  test('the manifest shape gives the same metadata as the classes', async () => {
    const fromSource = await loadCommandsFromSource()
    assert.ok(fromSource.length > 0)
    // A manifest built from the same metadata (ids with `:`) must render identically.
    const manifest = {commands: Object.fromEntries(fromSource.map((c) => [c.id.split(' ').join(':'), {...c, flags: Object.fromEntries(c.flags.map((f) => [f.name, f])), args: Object.fromEntries(c.args.map((a) => [a.name, a]))}]))}
    assert.equal(renderCommandsDoc(commandsFromManifest(manifest as never), {}), renderCommandsDoc(fromSource, {}))
  })

  test('every command under src/commands has a section in the generated reference', async () => {
    const commands = await loadCommandsFromSource()
    const text = renderCommandsDoc(commands, {})
    for (const c of commands) assert.ok(text.includes(`### \`felixctl ${c.id}\``), c.id)
  })
})
