/**
 * Escaping for GitHub-flavoured Markdown, where the summary is shown. Values
 * come from brokers under test (topics, reason strings, payloads), so any
 * character may occur; a stray `|` or newline would break a table row.
 */

/** Text inside raw HTML (a `<summary>`), where Markdown escapes would show literally. */
export function htmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r\n|\r|\n/g, ' ')
}

/** Plain text for a table cell: HTML and Markdown punctuation escaped, line breaks as `<br>`. */
export function mdText(text: string): string {
  return text
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]#|~])/g, '\\$1')
    .replace(/\r\n|\r|\n/g, '<br>')
}

/**
 * Inline code, safe in a table cell: the fence is one backtick longer than
 * any run inside, line breaks become spaces and `|` is escaped (GFM splits
 * cells before it parses code spans).
 */
export function mdCode(text: string): string {
  const flat = text.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|')
  if (flat === '') return ''
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length))
  const fence = '`'.repeat(longest + 1)
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat.startsWith(' ') ? ' ' : ''
  return `${fence}${pad}${flat}${pad}${fence}`
}

/** A fenced block that the content cannot close early. */
export function mdFence(text: string, lang = 'text'): string {
  const longest = Math.max(0, ...(text.match(/`{3,}/g) ?? []).map((r) => r.length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}${lang}\n${text}\n${fence}`
}

/** A table; every cell must already be escaped. */
export function mdTable(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const sep = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'))
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(sep), ...rows.map(line)].join('\n')
}
