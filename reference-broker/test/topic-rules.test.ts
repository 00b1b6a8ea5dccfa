/**
 * Unit tests of the topic rules (catalogue section E) at their boundaries:
 * just inside and just outside each limit, in bytes and in characters. Written
 * against the surviving mutants of docs/mutation.md.
 */
import { describe, expect, it } from 'vitest'
import { loadProfile } from '../index.js'
import { AWS_MEASURES } from '../measures.js'
import { isExactFilter, matches, parseShared, topicFilterProblem, topicNameProblem } from '../topic-rules.js'

const aws = loadProfile('aws-iot-core').mqtt
const PUB = aws.reservedTopicsPublishAllowed
const SUB = aws.reservedTopicsSubscribeAllowed
const name = (t: string, allowed: readonly string[] = PUB) => topicNameProblem(t, aws, allowed)
const filter = (f: string, allowed: readonly string[] = SUB) => topicFilterProblem(f, aws, allowed)

/** `levels` levels joined by `/`: levels - 1 slashes. */
const depth = (levels: number) => Array.from({ length: levels }, (_, i) => `l${i}`).join('/')

describe('topic names [TOPIC-MAX-256] [TOPIC-MAX-7-SLASHES] [TOPIC-NO-WILDCARD-PUBLISH]', () => {
  it('takes 256 bytes and refuses 257, counting UTF-8 bytes, not characters', () => {
    expect(name('a'.repeat(256))).toBeNull()
    expect(name('a'.repeat(257))).toMatch(/longer than 256 bytes/)
    // 128 two-byte characters are 256 bytes; one more ASCII character is 257 bytes but only 129 characters.
    expect(name('é'.repeat(128))).toBeNull()
    expect(name('é'.repeat(128) + 'a')).toMatch(/longer than 256 bytes/)
    // 64 four-byte characters (128 UTF-16 units) are 256 bytes; 65 are 260.
    expect(name('😀'.repeat(64))).toBeNull()
    expect(name('😀'.repeat(65))).toMatch(/longer than 256 bytes/)
  })

  it('takes 7 slashes and refuses 8', () => {
    expect(name(depth(8))).toBeNull()
    expect(name(depth(9))).toMatch(/more than 7 slashes/)
    expect(name('/'.repeat(7))).toBeNull()
    expect(name('/'.repeat(8))).toMatch(/more than 7 slashes/)
  })

  it('does not count the Basic Ingest prefix $aws/rules/<rule>/ against either quota', () => {
    const prefix = '$aws/rules/my_rule/'
    expect(name(prefix + 'a'.repeat(256))).toBeNull()
    expect(name(prefix + 'a'.repeat(257))).toMatch(/longer than 256 bytes/)
    expect(name(prefix + depth(8))).toBeNull()
    expect(name(prefix + depth(9))).toMatch(/more than 7 slashes/)
    // Not the prefix: no rule name, or the prefix not at the start, counts in full.
    expect(name('$aws/rules//' + depth(6), [...PUB, '$aws/#'])).toMatch(/more than 7 slashes/)
    expect(name('x$aws/rules/r/' + depth(6))).toMatch(/more than 7 slashes/)
    expect(name('x$aws/rules/r/' + 'a'.repeat(243))).toMatch(/longer than 256 bytes/)
  })

  it('counts the Basic Ingest prefix in full under measures that count it (the basic-ingest-prefix-counted deviation)', () => {
    const counted = { ...AWS_MEASURES, basicIngestPrefixCounted: true }
    expect(topicNameProblem('$aws/rules/r/' + 'a'.repeat(256), aws, PUB, counted)).toMatch(/longer than 256 bytes/)
    expect(topicNameProblem('$aws/rules/r/' + depth(8), aws, PUB, counted)).toMatch(/more than 7 slashes/)
    expect(topicFilterProblem('$aws/rules/r/' + depth(8), aws, [...SUB, '$aws/rules/#'], counted)).toMatch(/more than 7 slashes/)
  })

  it('refuses empty names, wildcards and the null character', () => {
    expect(name('')).toBe('empty topic name')
    expect(name('a/+')).toBe('wildcard in topic name')
    expect(name('a/#')).toBe('wildcard in topic name')
    expect(name('a+b')).toBe('wildcard in topic name')
    expect(name('a#b')).toBe('wildcard in topic name')
    expect(name('a\u0000b')).toBe('null character in topic name')
    expect(name('a/b c/d')).toBeNull()
  })

  it('refuses $ topics outside the allowed list [TOPIC-DOLLAR-RESERVED]', () => {
    expect(name('$aws/things/t1/shadow/update')).toBeNull()
    expect(name('$aws/things/t1/shadow')).toBeNull() // the allowed filter's # covers its parent here
    expect(name('$aws/things/t1/other')).toBe('reserved topic')
    expect(name('$SYS/x')).toBe('reserved topic')
    expect(name('$SYS/x', [])).toBe('reserved topic')
    expect(name('$SYS/x', ['$SYS/+'])).toBeNull()
    // A broker without a reserved prefix takes any $ topic.
    expect(topicNameProblem('$SYS/x', { ...aws, reservedTopicPrefix: '' }, [])).toBeNull()
    // The reserved prefix is only a prefix.
    expect(name('a/$SYS')).toBeNull()
  })
})

describe('topic filters [SHARE-SYNTAX] [TOPIC-PLUS-ONE-LEVEL]', () => {
  it('takes # only as the whole last level and + only as a whole level', () => {
    for (const ok of ['#', 'a/#', '+', '+/+', 'a/+/b', '+/#']) expect(filter(ok), ok).toBeNull()
    for (const bad of ['a/#/b', '#/a', 'a#', 'a/b#', '#a']) expect(filter(bad), bad).toBe('# must be the last level, alone')
    for (const bad of ['a+', 'a/+b', '+a/b']) expect(filter(bad), bad).toBe('+ must occupy a whole level')
    expect(filter('')).toBe('empty topic filter')
  })

  it('takes 256 bytes and 7 slashes, refuses 257 bytes and 8 slashes, in UTF-8 bytes', () => {
    expect(filter('é'.repeat(128))).toBeNull()
    expect(filter('é'.repeat(128) + 'a')).toMatch(/filter longer than 256 bytes/)
    expect(filter('a'.repeat(257))).toMatch(/filter longer than 256 bytes/)
    expect(filter(depth(8))).toBeNull()
    expect(filter(depth(9))).toMatch(/filter has more than 7 slashes/)
    expect(filter('+/+/+/+/+/+/+/#')).toBeNull()
    expect(filter('+/+/+/+/+/+/+/+/#')).toMatch(/more than 7 slashes/)
    expect(filter('$aws/rules/r/' + depth(8), [...SUB, '$aws/rules/#'])).toBeNull()
    expect(filter('$aws/rules/r/' + depth(9), [...SUB, '$aws/rules/#'])).toMatch(/more than 7 slashes/)
  })

  it('checks a shared subscription: a share name of 1 to 128 characters without / + #, then a filter', () => {
    expect(filter('$share/g/a/b')).toBeNull()
    expect(filter('$share//a')).toBe('empty share name')
    expect(filter('$share/g+/a')).toBe('share name contains / + or #')
    expect(filter('$share/g#/a')).toBe('share name contains / + or #')
    expect(filter('$share/g')).toBe('empty filter after the share name')
    expect(filter('$share/g/')).toBe('empty filter after the share name')
    // 128 characters, counted as characters: 128 astral characters are 256 UTF-16 units and 512 bytes.
    expect(filter(`$share/${'😀'.repeat(128)}/a`)).toBeNull()
    expect(filter(`$share/${'😀'.repeat(129)}/a`)).toBe('share name longer than 128 characters')
    expect(filter(`$share/${'g'.repeat(128)}/a`)).toBeNull()
    expect(filter(`$share/${'g'.repeat(129)}/a`)).toBe('share name longer than 128 characters')
  })

  it('does not count $share/<name>/ against the quotas, and checks the filter after it', () => {
    expect(filter(`$share/g/${depth(8)}`)).toBeNull()
    expect(filter(`$share/g/${depth(9)}`)).toMatch(/more than 7 slashes/)
    expect(filter(`$share/${'g'.repeat(100)}/${'a'.repeat(256)}`)).toBeNull()
    expect(filter(`$share/g/${'a'.repeat(257)}`)).toMatch(/longer than 256 bytes/)
    expect(filter('$share/g/a/#/b')).toBe('# must be the last level, alone')
    expect(filter('$share/g/$SYS/x')).toBe('reserved topic filter')
    expect(filter('$share/g/$aws/events/x')).toBeNull()
  })

  it('counts $share/<name>/ against the 256 bytes under measures that count it (the share-prefix-counted-in-length deviation)', () => {
    const counted = { ...AWS_MEASURES, sharePrefixCounted: true }
    const shared = (f: string) => topicFilterProblem(f, aws, SUB, counted)
    // `$share/g/` is 9 bytes: 247 bytes after it make 256 in all, 248 make 257.
    expect(shared(`$share/g/${'a'.repeat(247)}`)).toBeNull()
    expect(shared(`$share/g/${'a'.repeat(248)}`)).toMatch(/filter longer than 256 bytes/)
    // Only a shared filter has a prefix to count; the slashes of the prefix still are not counted.
    expect(shared('a'.repeat(256))).toBeNull()
    expect(shared(`$share/g/${depth(8)}`)).toBeNull()
  })

  it('refuses $ filters outside the allowed list', () => {
    expect(filter('$aws/events/#')).toBeNull()
    expect(filter('$aws/events')).toBeNull() // the allowed filter's # covers its parent, as for names
    expect(filter('$aws/events/presence/connected/c1')).toBeNull()
    expect(filter('$aws/things/+/shadow/update')).toBeNull()
    expect(filter('$aws/rules/r/x')).toBe('reserved topic filter')
    expect(filter('$SYS/#')).toBe('reserved topic filter')
    expect(filter('$SYS/#', ['$SYS/#'])).toBeNull()
    expect(topicFilterProblem('$SYS/#', { ...aws, reservedTopicPrefix: '' }, [])).toBeNull()
    expect(filter('a/$SYS')).toBeNull()
  })
})

describe('parseShared', () => {
  it('splits $share/{group}/{filter} at the first slash after the prefix', () => {
    expect(parseShared('$share/g/a/b')).toEqual({ group: 'g', filter: 'a/b' })
    expect(parseShared('$share//a')).toEqual({ group: '', filter: 'a' })
    expect(parseShared('$share/grp')).toEqual({ group: 'grp', filter: '' })
    expect(parseShared('$share/')).toEqual({ group: '', filter: '' })
    expect(parseShared('$share/g/')).toEqual({ group: 'g', filter: '' })
    expect(parseShared('$sharex/g/a')).toBeNull()
    expect(parseShared('share/g/a')).toBeNull()
    expect(parseShared('a/$share/g/a')).toBeNull()
  })
})

describe('matches [TOPIC-HASH-NO-PARENT] [TOPIC-PLUS-ONE-LEVEL]', () => {
  it('matches exact names, + for one level and # for the rest', () => {
    expect(matches('a/b', 'a/b', false)).toBe(true)
    expect(matches('a/b', 'a/c', false)).toBe(false)
    expect(matches('a/+/c', 'a/b/c', false)).toBe(true)
    expect(matches('a/+/c', 'a/b/d', false)).toBe(false)
    expect(matches('a/+', 'a/b/c', false)).toBe(false)
    expect(matches('a/+', 'a', false)).toBe(false)
    expect(matches('a/b', 'a/b/c', false)).toBe(false)
    expect(matches('a/b/c', 'a/b', false)).toBe(false)
    expect(matches('a/#', 'a/b/c', false)).toBe(true)
    expect(matches('a/#', 'b/c', false)).toBe(false)
    expect(matches('#', 'a', false)).toBe(true)
    expect(matches('+', '', false)).toBe(true)
    expect(matches('+/+', '/', false)).toBe(true)
  })

  it('lets a/# match its parent a only when hashMatchesParent', () => {
    expect(matches('a/#', 'a', false)).toBe(false)
    expect(matches('a/#', 'a', true)).toBe(true)
    expect(matches('a/b/#', 'a', true)).toBe(false)
    expect(matches('a/+/#', 'a', true)).toBe(false)
    expect(matches('a/+/#', 'a/b', true)).toBe(true)
    expect(matches('a/+/#', 'a/b', false)).toBe(false)
  })

  it('never matches a $ topic with a wildcard at the first level (MQTT 4.7.2)', () => {
    expect(matches('#', '$SYS/x', true)).toBe(false)
    expect(matches('+/x', '$SYS/x', false)).toBe(false)
    expect(matches('+/x', 'a/x', false)).toBe(true)
    expect(matches('$SYS/#', '$SYS/x', false)).toBe(true)
    expect(matches('$SYS/+', '$SYS/x', false)).toBe(true)
    expect(matches('a/#', 'a/$x', false)).toBe(true)
  })

  it('isExactFilter is true only without wildcards [RET-EXACT-MATCH]', () => {
    expect(isExactFilter('a/b')).toBe(true)
    expect(isExactFilter('a/+')).toBe(false)
    expect(isExactFilter('a/#')).toBe(false)
  })
})
