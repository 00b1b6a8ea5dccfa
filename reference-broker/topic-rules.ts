/**
 * Topic names and filters as AWS IoT Core checks and matches them
 * (catalogue section E). Pure functions: no broker state.
 */
import { AWS_MEASURES, type Measures } from './measures.js'

export interface TopicLimits {
  topicMaxBytes: number
  topicMaxSlashes: number
  reservedTopicPrefix: string
  hashMatchesParent: boolean
}

const BASIC_INGEST = /^\$aws\/rules\/[^/]+\//

/** A shared subscription `$share/{group}/{filter}` split into its parts, or null. */
export function parseShared(filter: string): { group: string; filter: string } | null {
  if (!filter.startsWith('$share/')) return null
  const rest = filter.slice('$share/'.length)
  const slash = rest.indexOf('/')
  if (slash <= 0) return { group: slash === 0 ? '' : rest, filter: slash === 0 ? rest.slice(1) : '' }
  return { group: rest.slice(0, slash), filter: rest.slice(slash + 1) }
}

function slashCount(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 47) n++
  return n
}

/** The part of a topic the size quotas apply to: Basic Ingest's `$aws/rules/<rule>/` prefix is not counted [TOPIC-MAX-256] [TOPIC-MAX-7-SLASHES]. */
function quotaPart(topic: string, measures: Measures): string {
  if (topic.charCodeAt(0) !== 36) return topic // no `$`: no prefix to leave out
  const m = measures.basicIngestPrefixCounted ? null : BASIC_INGEST.exec(topic)
  return m ? topic.slice(m[0].length) : topic
}

/** Why a PUBLISH topic name is refused, or null when it is acceptable [TOPIC-MAX-256] [TOPIC-MAX-7-SLASHES] [TOPIC-NO-WILDCARD-PUBLISH]. */
export function topicNameProblem(topic: string, limits: TopicLimits, reservedAllowed: readonly string[], measures: Measures = AWS_MEASURES): string | null {
  if (topic.length === 0) return 'empty topic name'
  if (topic.includes('+') || topic.includes('#')) return 'wildcard in topic name'
  if (topic.includes('\u0000')) return 'null character in topic name'
  const counted = quotaPart(topic, measures)
  if (measures.topicSize(counted) > limits.topicMaxBytes) return `topic longer than ${limits.topicMaxBytes} bytes`
  if (slashCount(counted) > limits.topicMaxSlashes) return `topic has more than ${limits.topicMaxSlashes} slashes`
  if (limits.reservedTopicPrefix && topic.startsWith(limits.reservedTopicPrefix) && !reservedAllowed.some((f) => matches(f, topic, true))) {
    return 'reserved topic' // [TOPIC-DOLLAR-RESERVED]
  }
  return null
}

/** Why a SUBSCRIBE filter is refused, or null [SHARE-SYNTAX] [TOPIC-PLUS-ONE-LEVEL]. */
export function topicFilterProblem(filter: string, limits: TopicLimits, reservedAllowed: readonly string[], measures: Measures = AWS_MEASURES): string | null {
  let f = filter
  const shared = parseShared(filter)
  if (shared) {
    if (shared.group.length === 0) return 'empty share name'
    if (/[/+#]/.test(shared.group)) return 'share name contains / + or #'
    // ShareName: at most 128 characters (code points) [SHARE-SYNTAX].
    if (measures.shareNameLength(shared.group) > 128) return 'share name longer than 128 characters'
    if (shared.filter.length === 0) return 'empty filter after the share name'
    f = shared.filter // the two slashes of $share/{name}/ are not counted [TOPIC-MAX-7-SLASHES]
  }
  if (f.length === 0) return 'empty topic filter'
  const levels = f.split('/')
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '# must be the last level, alone'
    if (level.includes('+') && level !== '+') return '+ must occupy a whole level'
  }
  const counted = quotaPart(f, measures)
  // A shared filter's TopicFilter, without `$share/{ShareName}/`, counts against the 256 bytes [SHARE-SYNTAX].
  if (measures.topicSize(shared && measures.sharePrefixCounted ? filter : counted) > limits.topicMaxBytes) return `topic filter longer than ${limits.topicMaxBytes} bytes`
  if (slashCount(counted) > limits.topicMaxSlashes) return `topic filter has more than ${limits.topicMaxSlashes} slashes`
  if (limits.reservedTopicPrefix && f.startsWith(limits.reservedTopicPrefix) && !reservedAllowed.some((a) => matches(a, f, true) || a === f)) {
    return 'reserved topic filter'
  }
  return null
}

/**
 * Whether `filter` matches `topic`. With hashMatchesParent false (AWS), `a/#`
 * does not match `a` [TOPIC-HASH-NO-PARENT]. Wildcards at the first level never
 * match topics that start with `$` (MQTT 4.7.2).
 */
export function matches(filter: string, topic: string, hashMatchesParent: boolean): boolean {
  if (filter === topic) return true
  const f = filter.split('/')
  const t = topic.split('/')
  if ((f[0] === '+' || f[0] === '#') && topic.startsWith('$')) return false
  for (let i = 0; i < f.length; i++) {
    const level = f[i]
    if (level === '#') return hashMatchesParent ? true : i < t.length
    if (i >= t.length) return false
    if (level !== '+' && level !== t[i]) return false
  }
  return f.length === t.length
}

/** True when a filter has no wildcard, so it can select a retained message exactly [RET-EXACT-MATCH]. */
export function isExactFilter(filter: string): boolean {
  return !filter.includes('+') && !filter.includes('#')
}
