/**
 * Every hint that is a command runs as printed: from a set of scenarios, collect each `felixctl ...`
 * in stderr "Hint:" lines, doctor's fixes and JSON `hint`/`fix` fields, run it, and require that it
 * does not fail with 2 (usage), 4 (unknown name) or 5 (wrong datastore): it carries the flags that
 * selected the data. Commands with a placeholder (<valid value>) are for the operator to complete;
 * writes run with --dry-run.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {runCli} from '../helpers/cli.js'

const TREE = 'test/fixtures/sysctl/debian-fresh'
const SCENARIOS: string[][] = [
  ['doctor', '--host', 'node2', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json', '--root', TREE],
  ['doctor', '--host', 'node2', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json', '--root', TREE, '-o', 'json'],
  ['config', 'validate', '--host', 'compute-02', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json'],
  ['config', 'validate', '--host', 'node2', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json', '-o', 'json'],
  ['config', 'validate', '--all-hosts', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json', '-o', 'json'],
  ['config', 'get', 'IptablesMarkMask', '--host', 'node2', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json'],
  ['sysctl', 'check', '--root', TREE, '-o', 'json'],
]

/** The `felixctl ...` commands in a text, without the prose around them. */
function commandsIn(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/felixctl ([^`;()\n]*)/g)) {
    const cmd = m[1].replace(/\s+(shows|makes|fixes|keeps|writes|loads|lists|prints|to see|and|or)\b.*$/, '').replace(/[.,:]+$/, '').trim()
    if (cmd && !cmd.includes('<') && !/^(help|[A-Z])/.test(cmd)) out.push(cmd)
  }
  return out
}

function stringsOf(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value)
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, into)
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (k === 'hint' || k === 'fix' || typeof v === 'object') stringsOf(v, into)
  return into
}

describe('hints that are commands run as printed', () => {
  test('every suggested felixctl command from the scenarios exits with neither 2, 4 nor 5', async () => {
    const commands = new Set<string>()
    for (const args of SCENARIOS) {
      const r = await runCli(args)
      const texts = [...r.stderr.split('\n').filter((l) => l.startsWith('Hint:'))]
      if (args.includes('json')) texts.push(...stringsOf(JSON.parse(r.stdout)))
      else texts.push(...r.stdout.split('\n').filter((l) => /^\s*(fix|Hint):/.test(l)))
      for (const t of texts) for (const c of commandsIn(t)) commands.add(c)
    }
    assert.ok(commands.size >= 3, `only ${[...commands].join(' | ')}`)
    for (const c of commands) {
      const argv = c.split(/\s+/)
      if (/^(config (set|unset)|sysctl apply|openstack apply)$/.test(argv.slice(0, 2).join(' ')) && !argv.includes('--dry-run')) argv.push('--dry-run')
      const r = await runCli(argv)
      assert.ok(![2, 4, 5].includes(r.code!), `felixctl ${argv.join(' ')}: exit ${r.code}\n${r.stderr}`)
    }
  })
})
