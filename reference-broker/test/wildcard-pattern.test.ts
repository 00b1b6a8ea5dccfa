/**
 * IAM wildcard patterns of the policy engine: `*` and `?` (one character, a
 * whole code point), policy variables substituted literally, the `${*}`
 * escapes, text that only looks like a variable, and the compiled-pattern
 * cache, which must never hand one pattern's expression to another.
 */
import { describe, expect, it } from 'vitest'
import { substituteVariables, wildcardMatch } from '../policy/wildcard-pattern.js'

const vars = { 'iot:clientid': 'dev', 'iot:topic': 'x' }

describe('wildcardMatch', () => {
  it('? is exactly one character, counted as a code point', () => {
    expect(wildcardMatch('a?b', 'a😀b')).toBe(true)
    expect(wildcardMatch('a?b', 'ab')).toBe(false)
    expect(wildcardMatch('a?b', 'axyb')).toBe(false)
    expect(wildcardMatch('a*b', 'a😀/xb')).toBe(true)
  })

  it('substitutes variables literally and matches nothing when one has no value', () => {
    expect(wildcardMatch('t/${iot:ClientId}/*', 't/dev/in', vars)).toBe(true)
    expect(wildcardMatch('}/${iot:ClientId}', '}/dev', vars)).toBe(true) // a } before the variable is not its end
    expect(wildcardMatch('${iot:ClientId}', 'null', {})).toBe(false)
    expect(wildcardMatch('${iot:ClientId}', 'undefined', {})).toBe(false)
    expect(wildcardMatch('a${*}b${?}c${$}', 'a*b?c$', vars)).toBe(true)
    expect(wildcardMatch('a${*}b', 'axb', vars)).toBe(false)
  })

  it('takes text that only looks like a variable literally', () => {
    expect(wildcardMatch('a{b}', 'a{b}')).toBe(true)
    expect(wildcardMatch('a$b}', 'a$b}')).toBe(true)
    expect(wildcardMatch('x}', 'x}')).toBe(true)
    expect(wildcardMatch('a${b', 'a${b', vars)).toBe(true)
    expect(wildcardMatch('a$', 'a$')).toBe(true)
  })

  it('keeps the compiled patterns of fixed and variable patterns, and of either case mode, apart', () => {
    // Each pair would share a cache entry if the key prefixes were lost.
    expect(wildcardMatch('i:x', 'i:x', {}, true)).toBe(true)
    expect(wildcardMatch('${iot:topic}', 'X', vars, true)).toBe(true)
    expect(wildcardMatch('s:x', 's:x')).toBe(true)
    expect(wildcardMatch('${iot:topic}', 'x', vars)).toBe(true)
    expect(wildcardMatch('x', 'x')).toBe(true)
    expect(wildcardMatch('ps:${iot:topic}', 'ps:x', vars)).toBe(true)
    expect(wildcardMatch('x', 'X', {}, true)).toBe(true)
    expect(wildcardMatch('pi:${iot:topic}', 'PI:X', vars, true)).toBe(true)
    // Same pattern, both modes.
    expect(wildcardMatch('iot:Publish', 'IOT:PUBLISH', {}, true)).toBe(true)
    expect(wildcardMatch('iot:Publish', 'IOT:PUBLISH')).toBe(false)
  })
})

describe('substituteVariables', () => {
  it('replaces variables by their values and escapes by their characters', () => {
    expect(substituteVariables('t/${iot:ClientId}', vars)).toBe('t/dev')
    expect(substituteVariables('}/${iot:ClientId}', vars)).toBe('}/dev')
    expect(substituteVariables('${*}${?}${$}', vars)).toBe('*?$')
  })

  it('is null when a variable has no value', () => {
    expect(substituteVariables('t/${iot:ClientId}', {})).toBeNull()
  })

  it('keeps text that only looks like a variable', () => {
    expect(substituteVariables('a{b}', vars)).toBe('a{b}')
    expect(substituteVariables('a$b}', vars)).toBe('a$b}')
    expect(substituteVariables('x}', vars)).toBe('x}')
    expect(substituteVariables('a${b', vars)).toBe('a${b')
  })
})
