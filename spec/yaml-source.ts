import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml'
import type { SourceLocation } from './report-schema.js'

/** A problem in a YAML document: where it is (file:line:col and the path in the document) and what is wrong. */
export interface SourceIssue {
  file: string
  line: number
  col: number
  /** Path in the document, e.g. `steps[3].expect.within`; empty for the whole document. */
  path: string
  message: string
}

export type DocPath = readonly (string | number)[]

/** Formats a document path the way errors show it: `steps[3].expect.within`. */
export function formatPath(path: DocPath): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? key : `.${key}`
  }
  return out
}

/** A parsed YAML file that can say where any path of its document is. */
export interface YamlSource {
  file: string
  /** The document as plain data (null for an empty file). */
  data: unknown
  /**
   * The position of the node at `path`, or of its deepest existing ancestor
   * (a missing required key points at the mapping that lacks it). With
   * `key: true` the position of the last key itself (unknown keys).
   */
  locate(path: DocPath, opts?: { key?: boolean }): SourceLocation
  /** An issue at `path`. */
  issue(path: DocPath, message: string, opts?: { key?: boolean }): SourceIssue
}

/**
 * Parses YAML text keeping a line counter, so every later problem can name
 * file:line:col. Syntax errors come back as issues, never thrown.
 */
export function parseYamlSource(text: string, file: string): { source: YamlSource | null; issues: SourceIssue[] } {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const pos = (offset: number): { line: number; col: number } => {
    const p = lineCounter.linePos(offset)
    return { line: p.line, col: p.col }
  }
  if (doc.errors.length > 0) {
    return {
      source: null,
      issues: doc.errors.map((e) => ({ file, ...pos(e.pos[0]), path: '', message: `invalid YAML: ${e.message.split('\n')[0] ?? e.message}` })),
    }
  }
  const locate = (path: DocPath, opts: { key?: boolean } = {}): SourceLocation => {
    const at = nodeAt(doc, path, opts.key ?? false)
    return { file, ...pos(at?.range?.[0] ?? 0) }
  }
  return {
    source: {
      file,
      data: doc.toJS({ maxAliasCount: 100 }),
      locate,
      issue: (path, message, opts) => ({ ...locate(path, opts), path: formatPath(path), message }),
    },
    issues: [],
  }
}

function nodeAt(doc: Document, path: DocPath, wantKey: boolean): YamlNode | undefined {
  let node: unknown = doc.contents
  let last = node as YamlNode | undefined
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key || String(isScalar(p.key) ? p.key.value : p.key) === String(key))
      if (!pair) return last
      if (wantKey && i === path.length - 1 && isScalar(pair.key)) return pair.key
      node = pair.value ?? pair.key
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key]
    } else {
      return last
    }
    if (node && typeof node === 'object' && 'range' in (node as object)) last = node as YamlNode
    else return last
  }
  return last
}
