import { describe, expect, it } from 'vitest'
import { checkBooks } from '../../../reports/index.js'
import { DmLedger } from '../dm-ledger.js'
import { SeriesRecorder } from '../series-recorder.js'

const ledger = (confirmation = true) => new DmLedger({ confirmation, series: new SeriesRecorder(0) })

describe('direct-message books', () => {
  it('settles every planned request in exactly one bucket and matches receipts', () => {
    const l = ledger()
    for (let i = 0; i < 6; i++) l.planned(i, i * 10)
    for (let i = 0; i < 5; i++) l.sent(i, i, i * 10 + 1, 1)
    l.notSent(5, 60, 'saturated')
    l.receipt(0, 0, 12)
    l.acked(0, 13)
    l.settle(0, '200', 15, 0)
    l.receipt(1, 1, 20)
    l.settle(1, '504', 2020, 10)
    l.settle(2, '404', 25, 20)
    l.settle(3, 'clientTimeout', 9000, 30)
    l.receipt(4, 4, 45)
    l.settle(4, '200', 50, 40)
    const r = l.finish()
    expect(r.planned).toBe(6)
    expect(r.buckets).toEqual({ '200': 2, '504': 1, '404': 1, '429': 0, otherStatus: 0, clientTimeout: 1, connectionError: 0, notSent: 1 })
    expect(r.notSentReasons).toEqual({ saturated: 1 })
    expect(r.receipts).toEqual({ received: 3, delivered: 2, duplicates: 0, orphans: 0, misrouted: 0, unconfirmed: 0, undelivered: 0 })
    expect(r.latency.response.count).toBe(5)
    expect(r.latency.byBucket['504']!.p50).toBeCloseTo(2010, -1)
    expect(r.latency.ack.count).toBe(1)
    expect(r.latency.ack.max).toBeCloseTo(2, 1)
    expect(checkBooks({ dm: r })).toEqual({ balanced: true, problems: [] })
  })

  it('counts duplicates, orphans and misrouted receipts; a 200 nobody received unbalances the books', () => {
    const l = ledger()
    l.planned(0, 0); l.sent(0, 3, 1, 1)
    l.planned(1, 0); l.sent(1, 4, 1, 1)
    l.receipt(0, 3, 2)
    l.receipt(0, 3, 3)
    l.receipt(null, 3, 3)
    l.receipt(99, 3, 3)
    l.receipt(1, 7, 3)
    l.settle(0, '200', 5, 0)
    l.settle(1, '200', 5, 0)
    l.settle(1, '504', 6, 0)
    const r = l.finish()
    expect(r.receipts).toMatchObject({ received: 1, duplicates: 1, orphans: 2, misrouted: 1, unconfirmed: 1 })
    expect(r.doubleBooked).toBe(1)
    const books = checkBooks({ dm: r })
    expect(books.balanced).toBe(false)
    expect(books.problems).toEqual(expect.arrayContaining([
      expect.stringContaining('1 requests settled twice'),
      expect.stringContaining('no device received them'),
      expect.stringContaining('2 device receipts match no request'),
      expect.stringContaining('reached a device other than'),
    ]))
  })

  it('a request never settled is pending and unbalances the books', () => {
    const l = ledger(false)
    l.planned(0, 0); l.sent(0, 0, 1, 1)
    l.planned(1, 0); l.sent(1, 0, 1, 1)
    l.settle(0, '200', 5, 0)
    expect(l.outstanding).toBe(1)
    const r = l.finish()
    expect(r.pending).toBe(1)
    expect(r.receipts.undelivered).toBe(1) // QoS 0: counted, not a books failure
    expect(checkBooks({ dm: r }).problems).toEqual([expect.stringContaining('1 requests never settled'), expect.stringContaining('2 requests planned but 1 settled')].reverse())
  })
})
