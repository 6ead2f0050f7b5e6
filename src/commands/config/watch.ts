import * as Flags from '@oclif/core/flags'
import {FelixctlCommand} from '../../cli/base.js'
import {configContextOptions, datastoreFlags, felixVersionFlag, localSourceFlags} from '../../cli/config-flags.js'
import {outputFlags} from '../../cli/flags.js'
import {parseOutput} from '../../render/output.js'
import {forFlagMs, untilInterrupted} from '../../cli/interrupt.js'
import {colourEnabled} from '../../render/format.js'
import {renderWatchEvent} from '../../render/watch.js'
import {configWatch} from '../../services/config-watch.js'

/** A stream of events: one line each in text, one JSON object per line with -o json. */
const WATCH_OUTPUTS = ['table', 'wide', 'json'] as const

/** A watch follows a live etcd: no --snapshot, and nothing partial to show. */
const {snapshot: _snapshot, 'allow-partial': _allowPartial, ...watchDatastoreFlags} = datastoreFlags

export default class ConfigWatch extends FelixctlCommand {
  static override summary = 'Follow the etcd config directories and show each change with its impact on every Felix.'
  static override description = `Reads the global directory (/calico/v1/config/), every host directory (/calico/v1/host/*/config/) and /calico/v1/Ready once, then follows them (v2: a recursive long-poll watch from the etcd index; v3: a watch from the revision). For each change it prints the key, the raw value before → after, the etcd index or revision, and its impact against the state just before it: which host directories' Felix restarts (its raw config map changes), stops (its configuration no longer resolves), recovers, or gets a new effective value.
The env and file layers of remote hosts are not visible: hosts are evaluated from etcd alone, or with this machine's env and config file (--with-local, FelixHostname excepted).
After a dropped connection the watch resumes from the last index it saw, without losing or repeating a change. When etcd no longer holds that history (v3: compacted; v2: more than 1000 events behind, "event index cleared") it reads the whole state again, says so (stderr, and a "resync" event with the keys that changed and their impact) and goes on.
With -o json each event is one JSON object on one line ("type": "start", "change" or "resync"). Ctrl-C (or --for) ends the watch with exit code 0; exit code 5 when etcd cannot be read at the start (afterwards a lost connection is retried until it comes back).`
  static override examples = [
    {description: 'Follow every host directory for three seconds (without --for: until Ctrl-C)', command: '<%= config.bin %> <%= command.id %> --etcd-endpoints "$ETCD" --datastore-type etcdv2 --for 3s'},
    {description: 'Only node1 and node2 (and the global directory), one JSON object per line', command: '<%= config.bin %> <%= command.id %> --etcd-endpoints "$ETCD" --datastore-type etcdv2 --host node1 --host node2 -o json --for 2s'},
  ]
  static override flags = {
    ...outputFlags(WATCH_OUTPUTS),
    host: Flags.string({summary: 'Only this host directory under /calico/v1/host/ (repeatable); the global directory and Ready always.', helpValue: 'NODE', multiple: true}),
    for: Flags.string({summary: 'End after this long (exit 0), e.g. 30s, 10m (at most 1h); default: until Ctrl-C.', helpValue: 'DURATION'}),
    'with-local': Flags.boolean({summary: "Apply this machine's env and config file to every host (FelixHostname excepted)."}),
    'felix-version': felixVersionFlag,
    ...localSourceFlags,
    ...watchDatastoreFlags,
  }

  async run() {
    const {flags} = await this.parse(ConfigWatch)
    const output = parseOutput(flags.output, flags['no-headers'], WATCH_OUTPUTS)
    const colour = colourEnabled()
    const interrupt = untilInterrupted(forFlagMs(flags.for))
    try {
      return await configWatch(
        {...configContextOptions({...flags, host: undefined}), hosts: flags.host, withLocal: flags['with-local']},
        {event: (e) => this.out(renderWatchEvent(e, output.name, colour)), notice: (text) => this.err(text)},
        interrupt.signal,
      )
    } finally {
      interrupt.dispose()
    }
  }
}
