/**
 * @oclif/plugin-not-found offers "did you mean" only as a prompt on a TTY. Without one (scripts,
 * CI) this hook still names the closest commands on stderr; the plugin's hook, which this one
 * runs next, then warns and ends with exit 127, which the top-level handler reports as a usage
 * error (2). The plugin is not declared as an oclif plugin (oclif would read its package.json
 * and manifest at every start, --version included, for this one hook), so its hook runs from here.
 */
import type {Hook} from '@oclif/core/hooks'
import {didYouMean} from '../lib/did-you-mean.js'
import {notFoundPluginAsks} from '../cli/prompts.js'

const hook: Hook<'command_not_found'> = async function (opts) {
  if (!notFoundPluginAsks()) hint(opts)
  const {default: pluginHook} = await import('@oclif/plugin-not-found')
  return pluginHook.call(this, opts)
}

function hint(opts: Parameters<Hook<'command_not_found'>>[0]): void {
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id)
  // Compare as many words as the closest command ids have (`confg:get:X` -> `confg:get`).
  const words = opts.id.split(':')
  // The longest prefix of the typed words that is close to a command wins (trailing words are arguments).
  let found: string[] = []
  for (let n = Math.min(3, words.length); n >= 1 && found.length === 0; n--) found = didYouMean(words.slice(0, n).join(':'), ids, 3)
  const list = found.map((c) => `${opts.config.bin} ${c.replaceAll(':', ' ')}`)
  if (list.length) process.stderr.write(`Did you mean ${list.join(', or ')}?\n`)
}

export default hook
