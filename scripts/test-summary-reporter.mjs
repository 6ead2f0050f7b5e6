// A node:test reporter that writes one JSON document at the end of the run: the failed tests
// (with their suite path and file), the skipped ones with their reasons, and the counts.
// scripts/run-tests.mjs reads it to print a short summary after the TAP stream.
export default async function* summaryReporter(source) {
  const stacks = new Map() // file -> names by nesting level
  const failed = []
  const skipped = []
  const todo = []
  let passed = 0
  const path = (data) => {
    const stack = stacks.get(data.file) ?? []
    return [...stack.slice(0, data.nesting), data.name]
  }
  for await (const event of source) {
    const data = event.data
    if (event.type === 'test:start') {
      const stack = stacks.get(data.file) ?? []
      stack[data.nesting] = data.name
      stack.length = data.nesting + 1
      stacks.set(data.file, stack)
      continue
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    // Suites are counted through their tests; a suite's own failure (a hook, a timeout) is listed.
    const isSuite = data.details?.type === 'suite'
    const entry = {name: path(data).join(' > '), file: data.file ?? null, line: data.line ?? null}
    if (data.todo !== undefined && data.todo !== false) todo.push({...entry, reason: data.todo === true ? '' : String(data.todo)})
    else if (data.skip !== undefined && data.skip !== false) skipped.push({...entry, reason: data.skip === true ? '' : String(data.skip)})
    else if (event.type === 'test:fail') {
      if (!isSuite || failed.every((f) => !f.name.startsWith(entry.name + ' > '))) {
        const err = data.details?.error
        const message = String(err?.cause?.message ?? err?.message ?? '').split('\n').slice(0, 3).join(' ').slice(0, 300)
        failed.push({...entry, message})
      }
    } else if (!isSuite) passed++
  }
  yield JSON.stringify({passed, failed, skipped, todo}) + '\n'
}
