/**
 * The datastore factory. Each driver is loaded with a dynamic import so that a command
 * pays only for the driver it uses (etcd3 + gRPC cost about 80 ms to load).
 */
import {UsageError} from '../errors.js'
import {ConfigTree, Datastore, DatastoreConnection, Kv, READY_KEY, WriteOptions} from './types.js'

export type DatastoreTarget = DatastoreConnection | {type: 'snapshot'; path: string}

/**
 * DatastoreType kubernetes: Felix 2.0 has no etcd layers then (docs/reference/felix-2.0-config.md §3.5), so this driver
 * holds no configuration; callers say so. Writes are refused.
 */
export class KubernetesDatastore implements Datastore {
  readonly kind = 'kubernetes' as const
  readonly endpoints: readonly string[]

  constructor(endpoints: readonly string[] = []) {
    this.endpoints = [...endpoints]
  }

  async readConfig(): Promise<ConfigTree> {
    return {kvs: [], ready: null}
  }

  async get(_key?: string): Promise<Kv | null> {
    return null
  }

  async put(key: string, _value?: string, _options?: WriteOptions): Promise<never> {
    throw new UsageError(`cannot write ${key}: with DatastoreType kubernetes Felix 2.0 reads no configuration from etcd`, {
      hint: 'set the parameter in the environment or in felix.cfg, or use DatastoreType etcdv2',
    })
  }

  async delete(key: string, _options?: WriteOptions): Promise<never> {
    return this.put(key)
  }

  async close(): Promise<void> {}
}

export async function openDatastore(target: DatastoreTarget): Promise<Datastore> {
  switch (target.type) {
    case 'snapshot': {
      const {SnapshotDatastore} = await import('./snapshot.js')
      return new SnapshotDatastore(target.path)
    }
    case 'etcdv2': {
      const {EtcdV2Datastore} = await import('./etcdv2.js')
      return new EtcdV2Datastore(target)
    }
    case 'etcdv3': {
      const {EtcdV3Datastore} = await import('./etcdv3.js')
      return EtcdV3Datastore.open(target)
    }
    case 'kubernetes':
      return new KubernetesDatastore(target.endpoints)
    default:
      throw new UsageError(`unknown datastore type ${JSON.stringify((target as {type: unknown}).type)}`, {
        hint: 'DatastoreType is etcdv2 or kubernetes (felixctl also reads etcdv3 and snapshots)',
      })
  }
}

/**
 * Why Felix would not get going with this /calico/v1/Ready value, or null when it is
 * "true". Felix 2.0 waits (polling) until the flag is exactly "true".
 */
export function readyProblem(ready: string | null): string | null {
  if (ready === null) return `${READY_KEY} is missing: Felix would wait until it is "true"`
  if (ready === 'true') return null
  return `${READY_KEY} is ${JSON.stringify(ready)}, not "true": Felix would wait until it is "true"`
}

export type {ConfigTree, Datastore, DatastoreConnection, Kv} from './types.js'
