/**
 * The wait of a confirmed SendDirectMessage for its PUBACK [DM-CONFIRM-TRUE-QOS1]
 * [DM-STATUS-504]: it ends with the ack, at the timeout (never before it, at most
 * one 100 ms slot after it), when the receiver's connection closes, or when the
 * HTTP caller goes away; every outcome but the ack cancels the pending send, once.
 * Real sockets on 127.0.0.1: the receiver's socket is a TCP connection, the
 * response a real http.ServerResponse.
 */
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AckListener } from '../direct-delivery.js'
import { awaitPuback, type AwaitedSend, type PubackOutcome } from '../http/await-puback.js'
import type { WireGate } from '../wire-gate.js'

/** A sent QoS 1 message: the test acks it; counts its cancels. */
class Send implements AwaitedSend {
  listener: AckListener | null = null
  cancels = 0
  constructor(private readonly ackedAlready = false) {}
  whenAcked(listener: AckListener): void {
    if (this.ackedAlready) return listener.acked()
    this.listener = listener
  }
  cancel(): void {
    this.cancels++
  }
  ack(): void {
    this.listener?.acked()
  }
}

/** The part of a WireGate a wait reads: its state and its socket (a real TCP connection here). */
interface Receiver {
  gate: WireGate
  socket: net.Socket
  client: net.Socket
}

let tcp: net.Server
let web: http.Server
let webPort: number
const accepted: net.Socket[] = []
/** What each HTTP request (by x-test) does with its response. */
const handlers = new Map<string, (res: http.ServerResponse) => void>()

beforeAll(async () => {
  tcp = net.createServer((s) => accepted.push(s))
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  web = http.createServer((req, res) => handlers.get(String(req.headers['x-test']))!(res))
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve))
  webPort = (web.address() as AddressInfo).port
})
afterAll(async () => {
  for (const s of accepted) s.destroy()
  web.closeAllConnections()
  await new Promise<void>((resolve) => tcp.close(() => resolve()))
  await new Promise<void>((resolve) => web.close(() => resolve()))
})

/** A connected receiver: the broker's end of a TCP connection as the gate's socket. */
async function receiver(state: WireGate['state'] = 'connected'): Promise<Receiver> {
  const arrived = new Promise<net.Socket>((resolve) => tcp.once('connection', resolve))
  const client = net.connect((tcp.address() as AddressInfo).port, '127.0.0.1')
  client.on('error', () => {})
  const socket = await within(arrived, 5000, 'the TCP connection')
  return { gate: { state, socket } as unknown as WireGate, socket, client }
}

/** Starts an HTTP request whose handler gets the response; `leave()` makes the caller go away. */
async function caller(test: string): Promise<{ res: http.ServerResponse; leave: () => void }> {
  const arrived = new Promise<http.ServerResponse>((resolve) => handlers.set(test, resolve))
  const req = http.request({ host: '127.0.0.1', port: webPort, method: 'POST', path: '/', headers: { 'x-test': test } })
  req.on('error', () => {})
  req.end()
  const res = await within(arrived, 5000, `request ${test}`)
  return { res, leave: () => req.destroy() }
}

/** `p`, or a rejection after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms) })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

/** The outcome and when it came (performance.now()), or 'pending' if none within `ms`. */
async function outcomeOf(p: Promise<PubackOutcome>, ms: number): Promise<{ outcome: PubackOutcome | 'pending'; at: number }> {
  return within(p.then((outcome) => ({ outcome, at: performance.now() })), ms, 'outcome').catch(() => ({ outcome: 'pending' as const, at: performance.now() }))
}

/** Resolves once `n` more turns of the event loop have passed (lets late events fire). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

describe('awaitPuback [DM-CONFIRM-TRUE-QOS1] [DM-STATUS-504]', () => {
  it('ends with the ack without cancelling the send; later closes change nothing', async () => {
    const r = await receiver()
    const { res, leave } = await caller('acked')
    const sent = new Send()
    const wait = awaitPuback(r.gate, sent, 60_000, res)
    expect(sent.listener, 'the wait asks to be told of the ack').not.toBeNull()
    sent.ack()
    expect((await outcomeOf(wait, 2000)).outcome).toBe('acked')
    leave()
    r.client.destroy()
    await within(new Promise((resolve) => r.socket.once('close', resolve)), 5000, 'the receiver close')
    await within(new Promise((resolve) => res.once('close', resolve)), 5000, 'the response close')
    await turns(3)
    expect(sent.cancels).toBe(0)
  })

  it('ends at once when the ack came before the wait', async () => {
    const r = await receiver()
    const { res, leave } = await caller('acked-before')
    const sent = new Send(true)
    expect((await outcomeOf(awaitPuback(r.gate, sent, 60_000, res), 2000)).outcome).toBe('acked')
    expect(sent.cancels).toBe(0)
    leave()
    r.client.destroy()
  })

  it('times out no earlier than the timeout and at most one slot (100 ms) after it, cancelling once', async () => {
    const r = await receiver()
    const { res, leave } = await caller('timeout')
    const sent = new Send()
    const start = performance.now()
    const { outcome, at } = await outcomeOf(awaitPuback(r.gate, sent, 250, res), 5000)
    expect(outcome).toBe('timeout')
    expect(at - start).toBeGreaterThanOrEqual(250)
    // One slot late at most; the rest is room for a loaded machine, far less than a second slot's worth of error.
    expect(at - start).toBeLessThan(250 + 100 + 80)
    sent.ack() // too late: nothing changes
    leave()
    r.client.destroy()
    await within(new Promise((resolve) => r.socket.once('close', resolve)), 5000, 'the receiver close')
    await turns(3)
    expect(sent.cancels).toBe(1)
  })

  it('times out every wait whose deadline falls in the same slot', async () => {
    const r = await receiver()
    const { res, leave } = await caller('same-slot')
    const sends = [new Send(), new Send(), new Send()]
    const start = performance.now()
    const waits = sends.map((s) => awaitPuback(r.gate, s, 150, res))
    for (const w of waits) {
      const { outcome, at } = await outcomeOf(w, 5000)
      expect(outcome).toBe('timeout')
      expect(at - start).toBeGreaterThanOrEqual(150)
    }
    expect(sends.map((s) => s.cancels)).toEqual([1, 1, 1])
    leave()
    r.client.destroy()
  })

  it('never times out early, even for a deadline just before a slot boundary', async () => {
    // Node's timers count whole milliseconds (the start and the delay truncated), so a timer
    // set for the slot can fire up to 2 ms before it on performance.now()'s clock. A deadline
    // 0.2 ms before the slot's end must still not see its 504 before it. (The timeouts are
    // fractional so that the deadline falls there whatever the time now.)
    const r = await receiver()
    const { res, leave } = await caller('never-early')
    const early: number[] = []
    for (let i = 0; i < 12; i++) {
      const start = performance.now()
      const timeoutMs = Math.ceil((start + 100) / 100) * 100 - start - 0.2
      const { outcome, at } = await outcomeOf(awaitPuback(r.gate, new Send(), timeoutMs, res), 5000)
      expect(outcome).toBe('timeout')
      if (at - start < timeoutMs) early.push(at - start - timeoutMs)
    }
    expect(early, 'how early the waits that timed out early were (ms)').toEqual([])
    leave()
    r.client.destroy()
  })

  it('ends every wait on a receiver when its connection closes, with one close listener for all', async () => {
    const r = await receiver()
    const { res, leave } = await caller('receiver-gone')
    const before = r.socket.listenerCount('close')
    const sends = [new Send(), new Send(), new Send()]
    const waits = sends.map((s) => awaitPuback(r.gate, s, 60_000, res))
    expect(r.socket.listenerCount('close') - before).toBe(1)
    r.client.destroy()
    for (const w of waits) expect((await outcomeOf(w, 5000)).outcome).toBe('receiver-disconnected')
    expect(sends.map((s) => s.cancels)).toEqual([1, 1, 1])
    leave()
  })

  it('ends at once, without asking for the ack, when the receiver is already closed', async () => {
    const r = await receiver('closed')
    const { res, leave } = await caller('receiver-closed')
    const sent = new Send()
    const before = r.socket.listenerCount('close')
    expect((await outcomeOf(awaitPuback(r.gate, sent, 60_000, res), 2000)).outcome).toBe('receiver-disconnected')
    expect(sent.listener).toBeNull()
    expect(sent.cancels).toBe(1)
    expect(r.socket.listenerCount('close')).toBe(before)
    leave()
    r.client.destroy()
  })

  it('ends when the HTTP caller goes away, cancelling once; the receiver closing later changes nothing', async () => {
    const r = await receiver()
    const { res, leave } = await caller('caller-gone')
    const sent = new Send()
    const other = new Send()
    const wait = awaitPuback(r.gate, sent, 60_000, res)
    const { res: otherRes, leave: otherLeave } = await caller('caller-stays')
    const otherWait = awaitPuback(r.gate, other, 60_000, otherRes)
    leave()
    expect((await outcomeOf(wait, 5000)).outcome).toBe('caller-gone')
    expect(sent.cancels).toBe(1)
    r.client.destroy()
    expect((await outcomeOf(otherWait, 5000)).outcome, 'the other caller').toBe('receiver-disconnected')
    await turns(3)
    expect(sent.cancels).toBe(1)
    otherLeave()
  })

  it('ends at once, cancelling, when the HTTP caller was gone before the wait began', async () => {
    const r = await receiver()
    const { res, leave } = await caller('gone-before')
    leave()
    await within(new Promise((resolve) => res.once('close', resolve)), 5000, 'the response close')
    const sent = new Send()
    // Not the 60 s timeout: the response's close will not come again.
    expect((await outcomeOf(awaitPuback(r.gate, sent, 60_000, res), 2000)).outcome).toBe('caller-gone')
    expect(sent.listener).toBeNull()
    expect(sent.cancels).toBe(1)
    r.client.destroy()
    await turns(3)
    expect(sent.cancels).toBe(1)
  })

  it('a response whose wait is over is no longer tied to it', async () => {
    const r = await receiver()
    const { res, leave } = await caller('reused')
    const first = new Send()
    const wait = awaitPuback(r.gate, first, 60_000, res)
    first.ack()
    expect((await outcomeOf(wait, 2000)).outcome).toBe('acked')
    leave()
    await within(new Promise((resolve) => res.once('close', resolve)), 5000, 'the response close')
    await turns(3)
    expect(first.cancels).toBe(0)
    r.client.destroy()
  })
})
