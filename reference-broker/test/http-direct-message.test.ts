import { describe, expect, it } from 'vitest'
import type { MqttClient } from 'mqtt'
import { broker, client, collect, uid, until } from './helpers.js'
import { b64json, errorShape, http, memoryLogger, sendDirect } from './http-helpers.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Makes an MQTT.js client hold its PUBACKs: `release` sends them; never calling it withholds them. */
function holdAcks(c: MqttClient): { received: number[]; ackedAt: number[]; release: (afterMs: number) => void } {
  const state = { received: [] as number[], ackedAt: [] as number[], release: (_ms: number) => {} }
  const pending: (() => void)[] = []
  c.handleMessage = (packet, cb) => {
    state.received.push(Date.now())
    if (packet.qos === 0) return cb()
    pending.push(() => { state.ackedAt.push(Date.now()); cb() })
  }
  state.release = (afterMs) => { setTimeout(() => { for (const p of pending.splice(0)) p() }, afterMs) }
  return state
}

describe('SendDirectMessage: delivery', () => {
  it('[DM-API-PATH] [DM-NO-SUBSCRIPTION-REQUIRED] [DM-CONFIRM-FALSE-QOS0] 200 with message and traceId; one QoS 0 PUBLISH, RETAIN 0, on the receiver\'s connection without a subscription', async () => {
    const b = await broker()
    const id = uid('recv')
    const r = await client(b.urls.mqtt!, { clientId: id })
    const got = collect(r)
    const res = await sendDirect(b.urls.http!, id, { topic: 'commands/reboot' }, '{"action":"reboot"}')
    expect(res.status).toBe(200)
    expect(res.json.message).toBeTypeOf('string')
    expect(res.json.traceId).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.headers['x-amzn-requestid']).toBe(res.json.traceId)
    const [m] = await got.waitFor(1)
    expect(m!.topic).toBe('commands/reboot')
    expect(m!.payload.toString()).toBe('{"action":"reboot"}')
    expect(m!.packet.qos).toBe(0)
    expect(m!.packet.retain).toBe(false) // [DM-NO-RETAIN]
  })

  it('[DM-CLIENTID-VALIDATION] a client id with a space and a slash is reachable percent-encoded', async () => {
    const b = await broker()
    const id = `so 101/a-${uid()}`
    const got = collect(await client(b.urls.mqtt!, { clientId: id }))
    const res = await http(b.urls.http!, 'POST', `/connections/${encodeURIComponent(id)}/messages?topic=t%2Fx`, { body: 'x' })
    expect(res.status).toBe(200)
    expect((await got.waitFor(1))[0]!.topic).toBe('t/x')
  })

  for (const protocolVersion of [4, 5] as const) {
    it(`[DM-CONFIRM-TRUE-QOS1] [DM-BOTH-PROTOCOLS] MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}: the 200 is never sent before the receiver's PUBACK`, async () => {
      const b = await broker()
      const id = uid('recv')
      const r = await client(b.urls.mqtt!, { clientId: id, protocolVersion })
      const acks = holdAcks(r)
      const got = collect(r)
      const sent = Date.now()
      const pending = sendDirect(b.urls.http!, id, { topic: 'commands/update', confirmation: 'true', timeout: '5' })
      await got.waitFor(1)
      acks.release(500)
      const res = await pending
      expect(res.status).toBe(200)
      expect(got.messages[0]!.packet.qos).toBe(1)
      expect(got.messages[0]!.packet.messageId).toBeGreaterThan(0)
      expect(acks.ackedAt).toHaveLength(1)
      expect(res.at).toBeGreaterThanOrEqual(acks.ackedAt[0]!)
      expect(res.at - sent).toBeGreaterThanOrEqual(450)
    })
  }

  it('[DM-STATUS-504] [DM-RECEIVER-MUST-PUBACK] no PUBACK within timeout=1: 504 GatewayTimeoutException, and the receiver did get the PUBLISH', async () => {
    const b = await broker()
    const id = uid('recv')
    const r = await client(b.urls.mqtt!, { clientId: id })
    const acks = holdAcks(r) // not released before the timeout
    const got = collect(r)
    const sent = Date.now()
    const res = await sendDirect(b.urls.http!, id, { topic: 'commands/slow', confirmation: 'true', timeout: '1' })
    expect(errorShape(res)).toEqual({ status: 504, type: 'GatewayTimeoutException', hasMessage: true, traceIdMatches: true })
    expect(res.at - sent).toBeGreaterThanOrEqual(950)
    expect(res.at - sent).toBeLessThan(3000) // [DM-TIMEOUT-SLACK]
    expect(got.messages).toHaveLength(1)
    expect(got.messages[0]!.packet.qos).toBe(1)
    // A PUBACK that comes too late is harmless: the connection stays and the next message is confirmed.
    acks.release(0)
    await until(() => acks.ackedAt.length === 1, 2000, 'late PUBACK sent')
    const next = sendDirect(b.urls.http!, id, { topic: 'commands/slow', confirmation: 'true', timeout: '5' })
    await got.waitFor(2)
    acks.release(0)
    expect((await next).status).toBe(200)
    expect(b.broker.connection(id)).toBeDefined()
  })

  it('[DM-STATUS-504] a receiver that disconnects while the API waits: 504 at once, not after the timeout', async () => {
    const b = await broker()
    const id = uid('recv')
    const r = await client(b.urls.mqtt!, { clientId: id })
    holdAcks(r)
    const got = collect(r)
    const sent = Date.now()
    const pending = sendDirect(b.urls.http!, id, { topic: 'commands/x', confirmation: 'true', timeout: '10' })
    await got.waitFor(1)
    r.end(true)
    const res = await pending
    expect(res.status).toBe(504)
    expect(res.at - sent).toBeLessThan(5000)
  })

  it('[DM-NO-FANOUT] [DM-ALREADY-SUBSCRIBED-SINGLE-COPY] the target gets exactly one copy even when subscribed; other subscribers get none', async () => {
    const b = await broker()
    const id = uid('recv')
    const target = await client(b.urls.mqtt!, { clientId: id })
    const other = await client(b.urls.mqtt!)
    await target.subscribeAsync('commands/reboot', { qos: 1 })
    await other.subscribeAsync('commands/#', { qos: 1 })
    const mine = collect(target)
    const theirs = collect(other)
    expect((await sendDirect(b.urls.http!, id, { topic: 'commands/reboot', confirmation: 'true' })).status).toBe(200)
    await mine.waitFor(1)
    await sleep(500)
    expect(mine.messages).toHaveLength(1)
    expect(theirs.messages).toHaveLength(0)
  })

  it('[DM-QOS-FROM-API] QoS follows confirmation, not the subscription QoS', async () => {
    const b = await broker()
    const id = uid('recv')
    const r = await client(b.urls.mqtt!, { clientId: id })
    await r.subscribeAsync('q/1', { qos: 1 })
    await r.subscribeAsync('q/0', { qos: 0 })
    const got = collect(r)
    await sendDirect(b.urls.http!, id, { topic: 'q/1' })
    await sendDirect(b.urls.http!, id, { topic: 'q/0', confirmation: 'true' })
    const m = await got.waitFor(2)
    expect(m.find((x) => x.topic === 'q/1')!.packet.qos).toBe(0)
    expect(m.find((x) => x.topic === 'q/0')!.packet.qos).toBe(1)
  })

  it('[DM-NO-RETAIN] a direct message never becomes the retained message', async () => {
    const b = await broker()
    const id = uid('recv')
    await client(b.urls.mqtt!, { clientId: id })
    const topic = `dm/${uid()}`
    expect((await sendDirect(b.urls.http!, id, { topic })).status).toBe(200)
    const lateClient = await client(b.urls.mqtt!)
    const late = collect(lateClient)
    await lateClient.subscribeAsync(topic, { qos: 1 }) // a retained message would arrive right after the SUBACK
    await sleep(300)
    expect(late.messages).toHaveLength(0)
    expect((await http(b.urls.http!, 'GET', `/retainedMessage/${encodeURIComponent(topic)}`)).status).toBe(404)
  })

  it('[DM-MQTT5-PROPERTIES-FORWARDED] MQTT 5 receivers get content type, response topic, correlation data, payload format and user properties in order', async () => {
    const b = await broker()
    const id = uid('recv')
    const got = collect(await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5 }))
    const res = await sendDirect(b.urls.http!, id, { topic: 'req/1', contentType: 'application/json', responseTopic: 'replies/r1' }, '{"a":1}', {
      'x-amz-mqtt5-user-properties': b64json([{ deviceName: 'alpha' }, { deviceCnt: '45' }]),
      'x-amz-mqtt5-payload-format-indicator': 'UTF8_DATA',
      'x-amz-mqtt5-correlation-data': Buffer.from('corr-7').toString('base64'),
    })
    expect(res.status).toBe(200)
    const p = (await got.waitFor(1))[0]!.packet.properties!
    expect(p.contentType).toBe('application/json')
    expect(p.responseTopic).toBe('replies/r1')
    expect(Buffer.from(p.correlationData!).toString()).toBe('corr-7')
    expect(p.payloadFormatIndicator).toBe(true)
    expect(Object.entries(p.userProperties!)).toEqual([['deviceName', 'alpha'], ['deviceCnt', '45']])
  })

  it('[DM-MQTT311-PROPS-DROPPED] an MQTT 3.1.1 receiver gets the plain message; the request still succeeds', async () => {
    const b = await broker()
    const id = uid('recv')
    const got = collect(await client(b.urls.mqtt!, { clientId: id, protocolVersion: 4 }))
    const res = await sendDirect(b.urls.http!, id, { topic: 'req/2', contentType: 'text/plain', responseTopic: 'r' }, 'hi', {
      'x-amz-mqtt5-user-properties': b64json([{ k: 'v' }]),
    })
    expect(res.status).toBe(200)
    const [m] = await got.waitFor(1)
    expect(m!.payload.toString()).toBe('hi')
    expect(m!.packet.properties).toBeUndefined()
  })
})

describe('SendDirectMessage: offline targets', () => {
  it('[DM-STATUS-404] a never-connected client: 404 ResourceNotFoundException at once', async () => {
    const b = await broker()
    const sent = Date.now()
    const res = await sendDirect(b.urls.http!, uid('nobody'), { topic: 't' })
    expect(errorShape(res)).toEqual({ status: 404, type: 'ResourceNotFoundException', hasMessage: true, traceIdMatches: true })
    expect(res.json.message).not.toMatch(/persistent session/)
    expect(res.at - sent).toBeLessThan(1000)
  })

  it('[DM-404-PERSISTENT-SESSION] [DM-NO-QUEUE] offline with a session: the documented message, and nothing is delivered on resume', async () => {
    const b = await broker({ overrides: { mqtt: { connectsPerSecondPerClientId: 0 } } })
    const id = uid('persist')
    const first = await client(b.urls.mqtt!, { clientId: id, clean: false })
    await first.subscribeAsync('commands/#', { qos: 1 })
    await first.endAsync()
    await until(() => b.broker.hasPersistentSession(id), 3000, 'session kept after disconnect')
    const res = await sendDirect(b.urls.http!, id, { topic: 'commands/reboot', confirmation: 'true' })
    expect(res.status).toBe(404)
    expect(res.json.message).toBe('The target client ID is not connected, but it has an active persistent session')
    const again = await client(b.urls.mqtt!, { clientId: id, clean: false })
    const got = collect(again)
    await sleep(700)
    expect(got.messages).toHaveLength(0)
  })
})

describe('SendDirectMessage: limits and failures', () => {
  it('[DM-STATUS-413] 131073 bytes → 413 RequestEntityTooLargeException; 131072 bytes → 200', async () => {
    const b = await broker()
    const id = uid('recv')
    const got = collect(await client(b.urls.mqtt!, { clientId: id }))
    const over = await sendDirect(b.urls.http!, id, { topic: 'big' }, Buffer.alloc(131073, 1))
    expect(errorShape(over)).toEqual({ status: 413, type: 'RequestEntityTooLargeException', hasMessage: true, traceIdMatches: true })
    const at = await sendDirect(b.urls.http!, id, { topic: 'big' }, Buffer.alloc(131072, 1))
    expect(at.status).toBe(200)
    const [m] = await got.waitFor(1)
    expect(m!.payload.length).toBe(131072)
  })

  it('[DM-STATUS-429] the account rate (profile http.directMessage.requestsPerSecond) → 429 ThrottlingException', async () => {
    const b = await broker({ overrides: { http: { directMessage: { requestsPerSecond: 3 } } } })
    const id = uid('recv')
    await client(b.urls.mqtt!, { clientId: id })
    // Sent together, so the bucket cannot refill in between however slow the machine is.
    const results = await Promise.all(Array.from({ length: 6 }, () => sendDirect(b.urls.http!, id, { topic: 't' })))
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429, 429])
    const refused = results.find((r) => r.status === 429)!
    expect(errorShape(refused)).toEqual({ status: 429, type: 'ThrottlingException', hasMessage: true, traceIdMatches: true })
  })

  it('[DM-STATUS-429] [LIM-PUB-RATE-100] the receiver connection\'s publish rate → 429, then success after backing off', async () => {
    const b = await broker({ overrides: { mqtt: { publishesPerSecondPerConnection: 5 } } })
    const id = uid('recv')
    const got = collect(await client(b.urls.mqtt!, { clientId: id }))
    const results = await Promise.all(Array.from({ length: 10 }, () => sendDirect(b.urls.http!, id, { topic: 't' })))
    const throttledOnes = results.filter((r) => r.status === 429)
    expect(throttledOnes.length).toBeGreaterThanOrEqual(4)
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1)
    expect(throttledOnes[0]!.headers['x-amzn-errortype']).toBe('ThrottlingException')
    expect(throttledOnes[0]!.json.message).toContain(id) // the receiver's quota, not the account's
    await got.waitFor(results.filter((r) => r.status === 200).length)
    await sleep(1100)
    expect((await sendDirect(b.urls.http!, id, { topic: 't' })).status).toBe(200)
  })

  it('[DM-STATUS-500] a failing handler answers 500 InternalFailureException with a traceId, and the server keeps serving', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ logger })
    const id = uid('recv')
    await client(b.urls.mqtt!, { clientId: id })
    const original = b.broker.connection.bind(b.broker)
    b.broker.connection = () => { throw new Error('injected fault') }
    const res = await sendDirect(b.urls.http!, id, { topic: 't' })
    b.broker.connection = original
    expect(errorShape(res)).toEqual({ status: 500, type: 'InternalFailureException', hasMessage: true, traceIdMatches: true })
    expect(lines.some((l) => l.event === 'http-internal-error' && l.traceId === res.json.traceId)).toBe(true)
    expect((await sendDirect(b.urls.http!, id, { topic: 't' })).status).toBe(200)
  })

  it('[DM-CLOUDWATCH-REASON] one JSON log line per request, with status and a machine-readable reason', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ logger })
    const id = uid('recv')
    await client(b.urls.mqtt!, { clientId: id })
    const ok = await sendDirect(b.urls.http!, id, { topic: 't' })
    const missing = await sendDirect(b.urls.http!, uid('nobody'), { topic: 't' })
    const bad = await sendDirect(b.urls.http!, id, { topic: '$aws/things/x/shadow/update' })
    await until(() => lines.filter((l) => l.event === 'http-request').length >= 3, 2000, 'request log lines')
    const byTrace = (t: string) => lines.filter((l) => l.event === 'http-request' && l.traceId === t)
    expect(byTrace(ok.json.traceId)).toEqual([expect.objectContaining({ api: 'SendDirectMessage', status: 200, reason: 'dispatched', clientId: id, topic: 't' })])
    expect(byTrace(missing.json.traceId)).toEqual([expect.objectContaining({ status: 404, reason: 'client-not-connected', errorType: 'ResourceNotFoundException' })])
    expect(byTrace(bad.json.traceId)).toEqual([expect.objectContaining({ status: 400, reason: 'invalid-topic' })])
  })
})

describe('deliberate deviations are observable (so scenarios can prove they fail)', () => {
  it('dm-200-before-puback: a confirmed message is answered 200 although no PUBACK ever comes', async () => {
    const b = await broker({ deviations: ['dm-200-before-puback'] })
    const id = uid('recv')
    const acks = holdAcks(await client(b.urls.mqtt!, { clientId: id }))
    const res = await sendDirect(b.urls.http!, id, { topic: 't', confirmation: 'true', timeout: '1' })
    expect(res.status).toBe(200)
    expect(acks.ackedAt).toEqual([])
  })

  it('dm-404-for-connected: a connected client is reported as not connected', async () => {
    const b = await broker({ deviations: ['dm-404-for-connected'] })
    const id = uid('recv')
    await client(b.urls.mqtt!, { clientId: id })
    expect((await sendDirect(b.urls.http!, id, { topic: 't' })).status).toBe(404)
  })
})
