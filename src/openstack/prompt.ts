/**
 * The interactive questions of `openstack render` with no file kind, as data: src/cli/prompts.ts
 * asks them (the one prompt module: its TTY check, its cancellation policy).
 */
import type {Question} from '../cli/prompts.js'
import {OPENSTACK_RELEASES, DEFAULT_RELEASE, releaseLabel} from './releases.js'
import {FILE_KINDS} from './requirements.js'

export interface RenderAnswers {
  file: string
  release: string
  etcdHost?: string
  etcdPort?: string
}

type Given = {release?: string; etcdHost?: string; etcdPort?: string}

/** The questions, in order; what the flags already gave is not asked. */
export function renderQuestions(given: Given): Question[] {
  const questions: Question[] = []
  if (given.release === undefined) {
    questions.push({
      kind: 'select',
      name: 'release',
      message: 'OpenStack release',
      choices: [...OPENSTACK_RELEASES].reverse().map((r) => ({name: releaseLabel(r), value: r.name})),
      default: DEFAULT_RELEASE.name,
      pageSize: 12,
    })
  }
  questions.push({kind: 'checkbox', name: 'files', message: 'Files to render', choices: FILE_KINDS.map((k) => ({name: k, value: k, checked: true})), required: true})
  if (given.etcdHost === undefined) questions.push({kind: 'input', name: 'etcdHost', message: 'etcd host for the Calico mechanism driver (empty: leave the driver default)', default: ''})
  if (given.etcdPort === undefined) {
    questions.push({
      kind: 'input',
      name: 'etcdPort',
      message: 'etcd port (empty: leave the driver default)',
      default: '',
      validate: (v) => v.trim() === '' || /^\d+$/.test(v.trim()) || 'a port number, for example 2379',
    })
  }
  return questions
}

/** The render options from the flags and the answers. */
export function renderAnswers(given: Given, answers: Record<string, string | string[]>): RenderAnswers {
  const text = (name: string) => String(answers[name] ?? '').trim() || undefined
  const files = answers.files as string[]
  return {
    file: files.length === FILE_KINDS.length ? 'all' : files.join(','),
    release: given.release ?? (answers.release as string),
    etcdHost: given.etcdHost ?? text('etcdHost'),
    etcdPort: given.etcdPort ?? text('etcdPort'),
  }
}
