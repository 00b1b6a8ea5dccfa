/**
 * Strict decoding of the data plane's path and query [DM-STATUS-400]: every
 * malformed escape is a 400, `+` is a space only where form encoding applies,
 * a repeated parameter is refused, and numbers are checked at both ends of
 * their range.
 */
import { describe, expect, it } from 'vitest'
import { decodeComponent, parseQuery, QueryParams } from '../http/request-params.js'
import { refusal } from './http-helpers.js'

const query = (raw: string) => new QueryParams(parseQuery(raw))

describe('decodeComponent', () => {
  it('decodes percent escapes as UTF-8, + as a space only when asked', () => {
    expect(decodeComponent('a%2Fb%C3%A9', 'x')).toBe('a/bé')
    expect(decodeComponent('a+b+c', 'x')).toBe('a+b+c')
    expect(decodeComponent('a+b+c', 'x', true)).toBe('a b c')
    expect(decodeComponent('a%2Bb', 'x', true)).toBe('a+b')
  })

  it('refuses a malformed escape, a cut escape and bytes that are not UTF-8', () => {
    for (const raw of ['%ZZ', 'a%4', '%C3', '%FF%FE']) {
      expect(refusal(() => decodeComponent(raw, 'the topic'))).toEqual({ status: 400, type: 'InvalidRequestException', reason: 'malformed-encoding', message: 'the topic is not correctly URL-encoded' })
    }
  })
})

describe('parseQuery', () => {
  it('splits name=value pairs, decoding both; a name without = has an empty value', () => {
    expect([...parseQuery('')]).toEqual([])
    expect([...parseQuery('a=1&b=x%20y')]).toEqual([['a', '1'], ['b', 'x y']])
    expect([...parseQuery('a+b=c+d')]).toEqual([['a b', 'c d']])
    expect([...parseQuery('flag&v=')]).toEqual([['flag', ''], ['v', '']])
    expect([...parseQuery('a=b=c')]).toEqual([['a', 'b=c']])
    expect([...parseQuery('&&a=1&')]).toEqual([['a', '1']])
    expect([...parseQuery('=v')]).toEqual([['', 'v']])
  })

  it('refuses a parameter given twice, and malformed names and values', () => {
    expect(refusal(() => parseQuery('qos=1&qos=1'))).toMatchObject({ status: 400, reason: 'duplicate-parameter', message: 'Query parameter qos is given more than once' })
    expect(refusal(() => parseQuery('a%20b=1&a+b=2'))).toMatchObject({ reason: 'duplicate-parameter' })
    expect(refusal(() => parseQuery('%ZZ=1'))).toMatchObject({ reason: 'malformed-encoding', message: 'a query parameter name is not correctly URL-encoded' })
    expect(refusal(() => parseQuery('topic=%ZZ'))).toMatchObject({ reason: 'malformed-encoding', message: 'query parameter topic is not correctly URL-encoded' })
  })
})

describe('QueryParams', () => {
  it('has and string read what was given', () => {
    const q = query('a=1&empty=')
    expect(q.has('a')).toBe(true)
    expect(q.has('empty')).toBe(true)
    expect(q.has('b')).toBe(false)
    expect(q.string('a')).toBe('1')
    expect(q.string('empty')).toBe('')
    expect(q.string('b')).toBeUndefined()
  })

  it('bool takes exactly true or false, the fallback when absent', () => {
    expect(query('retain=true').bool('retain', false)).toBe(true)
    expect(query('retain=false').bool('retain', true)).toBe(false)
    expect(query('').bool('retain', true)).toBe(true)
    expect(query('').bool('retain', false)).toBe(false)
    for (const v of ['TRUE', '1', '', 'yes']) {
      expect(refusal(() => query(`retainFlag=${v}`).bool('retainFlag', false))).toMatchObject({ status: 400, reason: 'invalid-retain-flag', message: 'retainFlag must be true or false' })
    }
  })

  it('int takes decimal integers from min to max, refuses one below and one above', () => {
    const at = (v: string) => query(`qos=${v}`).int('qos', 1, 10, 7)
    expect(at('1')).toBe(1)
    expect(at('10')).toBe(10)
    expect(at('0000000005')).toBe(5) // ten digits
    expect(query('').int('qos', 1, 10, 7)).toBe(7)
    expect(query('').int('qos', 1, 10)).toBeUndefined()
    for (const v of ['0', '11', '-1', '1.5', '', ' 5', '5 ', '1e1', '0x5', 'abc', '00000000005']) {
      expect(refusal(() => at(v)), v).toMatchObject({ status: 400, reason: 'invalid-qos', message: 'qos must be an integer from 1 to 10' })
    }
    expect(query('messageExpiry=4294967295').int('messageExpiry', 0, 4294967295)).toBe(4294967295)
    expect(refusal(() => query('messageExpiry=4294967296').int('messageExpiry', 0, 4294967295))).toMatchObject({ reason: 'invalid-message-expiry' })
  })
})
