import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { compareThreshold, parseThreshold } from '../index.js'

const ok = (src: string, mode?: 'direct-messages' | 'pubsub') => {
  const r = parseThreshold(src, mode)
  if ('error' in r) throw new Error(`${src}: ${r.error.message}`)
  return r.threshold
}
const err = (src: string, mode?: 'direct-messages' | 'pubsub') => {
  const r = parseThreshold(src, mode)
  if ('threshold' in r) throw new Error(`${src} parsed`)
  return r.error
}

describe('threshold expressions', () => {
  it('parses percentiles with units into milliseconds', () => {
    expect(ok('p(99) < 50ms')).toEqual({ source: 'p(99) < 50ms', left: { kind: 'percentile', percentile: 99, series: 'response' }, op: '<', right: { kind: 'literal', value: 50, unit: 'ms' } })
    expect(ok('p(99.9, receipt) <= 1.5s').right).toEqual({ kind: 'literal', value: 1500, unit: 'ms' })
    expect(ok('p(50, 504) >= 2s').left).toEqual({ kind: 'percentile', percentile: 50, series: '504' })
    expect(ok('max(lag) < 100ms').left).toEqual({ kind: 'max', series: 'lag' })
  })

  it('parses rates, percentages and counter comparisons', () => {
    expect(ok('rate(504) < 0.001').left).toEqual({ kind: 'rate', counter: '504' })
    expect(ok('rate(notSent) < 0.1%').right).toEqual({ kind: 'literal', value: 0.001, unit: 'ratio' })
    expect(ok('delivered == accepted')).toMatchObject({ left: { kind: 'counter', counter: 'delivered' }, op: '==', right: { kind: 'counter', counter: 'accepted' } })
    expect(ok('notSent == 0').right).toEqual({ kind: 'literal', value: 0, unit: 'number' })
    expect(ok('count(429) != 0').left).toEqual({ kind: 'counter', counter: '429' })
  })

  it('points at the offending token with a useful message', () => {
    expect(err('p(99) < 50 ms')).toMatchObject({ offset: 11, message: 'unexpected "ms" after the comparison' })
    expect(err('p(99, recipt) < 1s')).toMatchObject({ offset: 6, message: expect.stringContaining('did you mean receipt') })
    expect(err('rate(timout) < 1')).toMatchObject({ offset: 5, message: expect.stringContaining('unknown counter') })
    expect(err('p(99) 50ms')).toMatchObject({ offset: 6, message: expect.stringContaining('expected a comparison') })
    expect(err('p(101) < 5ms').message).toContain('between 0 and 100')
    expect(err('p(99) < 1%').message).toContain('not a percentage')
    expect(err('notSent < 5ms').message).toContain('only compares with a latency')
    expect(err('foo(1) < 2').message).toContain('unknown function')
    expect(err('p(99) < 5ms extra').message).toContain('after the comparison')
    expect(err('lost == 0', 'direct-messages').message).toContain('pubsub runs')
    expect(err('delivered == accepted', 'pubsub').message).toContain('direct-messages runs')
  })

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => { parseThreshold(s) }))
  })

  it('compares with every operator', () => {
    expect([compareThreshold(1, '<', 2), compareThreshold(2, '<=', 2), compareThreshold(3, '>', 2), compareThreshold(2, '>=', 3), compareThreshold(2, '==', 2), compareThreshold(2, '!=', 2)]).toEqual([true, true, true, false, true, false])
  })
})
