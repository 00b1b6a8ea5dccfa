import { describe, expect, it } from 'vitest'
import { broker, client, collect, uid } from './helpers.js'
import { b64json, errorShape, http } from './http-helpers.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('HTTPS publish', () => {
  it('[HTTP-PUBLISH-URL] [HTTP-TOPIC-ENCODING] [HTTP-RESPONSE-OK-TRACEID] subscribers of a/b get the message; %2F and / both separate levels', async () => {
    const b = await broker()
    const prefix = uid('p')
    const sub = await client(b.urls.mqtt!)
    await sub.subscribeAsync(`${prefix}/+`, { qos: 1 })
    const got = collect(sub)
    const res = await http(b.urls.http!, 'POST', `/topics/${prefix}%2Fb?qos=1`, { body: 'one' })
    expect(res.status).toBe(200)
    expect(res.json.message).toBe('OK')
    expect(res.headers['x-amzn-requestid']).toBe(res.json.traceId)
    expect(res.headers['content-type']).toBe('application/json')
    expect((await http(b.urls.http!, 'POST', `/topics/${prefix}/c`, { body: 'two' })).status).toBe(200)
    const m = await got.waitFor(2)
    expect(m.map((x) => [x.topic, x.payload.toString(), x.packet.qos])).toEqual([[`${prefix}/b`, 'one', 1], [`${prefix}/c`, 'two', 0]])
  })

  it('[HTTP-QOS-PARAM] [HTTP-ERRORS] qos=2 and other values are 400; GET is 405', async () => {
    const b = await broker()
    for (const q of ['2', '-1', 'x', '01']) {
      expect(errorShape(await http(b.urls.http!, 'POST', `/topics/t?qos=${q}`, { body: 'x' }))).toEqual({ status: 400, type: 'InvalidRequestException', hasMessage: true, traceIdMatches: true })
    }
    expect((await http(b.urls.http!, 'GET', '/topics/t')).status).toBe(405)
    for (const bad of ['/topics/a%2F%2B', '/topics/%24custom%2Fx', `/topics/${'t'.repeat(257)}`, '/topics/a?retain=maybe', '/topics/a?messageExpiry=-5']) {
      expect({ bad, status: (await http(b.urls.http!, 'POST', bad, { body: 'x' })).status }).toEqual({ bad, status: 400 })
    }
  })

  it('[HTTP-MQTT5-PROPERTIES] MQTT 5 subscribers get the properties; 3.1.1 subscribers the plain message', async () => {
    const b = await broker()
    const topic = `props/${uid()}`
    const v5 = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const v4 = await client(b.urls.mqtt!, { protocolVersion: 4 })
    await v5.subscribeAsync(topic, { qos: 1 })
    await v4.subscribeAsync(topic, { qos: 1 })
    const got5 = collect(v5)
    const got4 = collect(v4)
    const res = await http(b.urls.http!, 'POST', `/topics/${encodeURIComponent(topic)}?qos=1&contentType=text%2Fplain&responseTopic=r%2F1&messageExpiry=60`, {
      body: 'hello',
      headers: {
        'x-amz-mqtt5-user-properties': b64json([{ a: '1' }, { b: '2' }]),
        'x-amz-mqtt5-payload-format-indicator': 'UTF8_DATA',
        'x-amz-mqtt5-correlation-data': Buffer.from('c1').toString('base64'),
      },
    })
    expect(res.status).toBe(200)
    const p = (await got5.waitFor(1))[0]!.packet.properties!
    expect(p.contentType).toBe('text/plain')
    expect(p.responseTopic).toBe('r/1')
    expect(Buffer.from(p.correlationData!).toString()).toBe('c1')
    expect(p.payloadFormatIndicator).toBe(true)
    expect(p.userProperties).toEqual({ a: '1', b: '2' })
    expect(p.messageExpiryInterval).toBeGreaterThan(55)
    const plain = (await got4.waitFor(1))[0]!
    expect(plain.payload.toString()).toBe('hello')
    expect(plain.packet.properties).toBeUndefined()
  })
})

describe('retained messages over HTTP', () => {
  it('[HTTP-RETAIN] [API-GET-RETAINED] retain=true stores; GetRetainedMessage returns it; an empty body deletes it (then 404)', async () => {
    const b = await broker()
    const topic = `state/${uid()}`
    const before = Date.now()
    const res = await http(b.urls.http!, 'POST', `/topics/${encodeURIComponent(topic)}?retain=true&qos=1`, {
      body: 'on',
      headers: { 'x-amz-mqtt5-user-properties': b64json([{ room: 'kitchen' }]) },
    })
    expect(res.status).toBe(200)
    const got = await http(b.urls.http!, 'GET', `/retainedMessage/${encodeURIComponent(topic)}`)
    expect(got.status).toBe(200)
    expect(got.json.topic).toBe(topic)
    expect(Buffer.from(got.json.payload, 'base64').toString()).toBe('on')
    expect(got.json.qos).toBe(1)
    expect(got.json.lastModifiedTime).toBeGreaterThanOrEqual(before)
    expect(got.json.lastModifiedTime).toBeLessThanOrEqual(Date.now())
    expect(JSON.parse(Buffer.from(got.json.userProperties, 'base64').toString())).toEqual([{ room: 'kitchen' }])
    // [RET-EXACT-MATCH] an MQTT subscriber to the exact topic gets it as retained
    const sub = await client(b.urls.mqtt!)
    const seen = collect(sub)
    await sub.subscribeAsync(topic, { qos: 1 })
    const [m] = await seen.waitFor(1)
    expect(m!.packet.retain).toBe(true)
    expect((await http(b.urls.http!, 'POST', `/topics/${encodeURIComponent(topic)}?retain=true`, { body: '' })).status).toBe(200)
    const gone = await http(b.urls.http!, 'GET', `/retainedMessage/${encodeURIComponent(topic)}`)
    expect(errorShape(gone)).toEqual({ status: 404, type: 'ResourceNotFoundException', hasMessage: true, traceIdMatches: true })
  })

  it('[HTTP-RETAIN] retain=false does not store; a $ topic cannot be retained', async () => {
    const b = await broker()
    const topic = `state/${uid()}`
    expect((await http(b.urls.http!, 'POST', `/topics/${encodeURIComponent(topic)}`, { body: 'x' })).status).toBe(200)
    expect((await http(b.urls.http!, 'GET', `/retainedMessage/${encodeURIComponent(topic)}`)).status).toBe(404)
    expect((await http(b.urls.http!, 'POST', '/topics/%24aws%2Fthings%2Fa%2Fshadow%2Fupdate?retain=true', { body: 'x' })).status).toBe(400)
    expect((await http(b.urls.http!, 'GET', '/retainedMessage/a%2F%2B')).status).toBe(400)
  })

  it('[API-LIST-RETAINED] summaries without payloads, paginated with nextToken, in topic order', async () => {
    const b = await broker()
    const prefix = uid('list')
    for (const t of ['c', 'a', 'b']) {
      expect((await http(b.urls.http!, 'POST', `/topics/${prefix}%2F${t}?retain=true`, { body: `payload-${t}` })).status).toBe(200)
    }
    const first = await http(b.urls.http!, 'GET', '/retainedMessage?maxResults=2')
    expect(first.status).toBe(200)
    expect(first.json.retainedTopics.map((x: { topic: string }) => x.topic)).toEqual([`${prefix}/a`, `${prefix}/b`])
    expect(first.json.retainedTopics[0]).toEqual({ topic: `${prefix}/a`, payloadSize: 9, qos: 0, lastModifiedTime: expect.any(Number) })
    expect(first.json.nextToken).toBeTypeOf('string')
    const second = await http(b.urls.http!, 'GET', `/retainedMessage?maxResults=2&nextToken=${first.json.nextToken}`)
    expect(second.json.retainedTopics.map((x: { topic: string }) => x.topic)).toEqual([`${prefix}/c`])
    expect(second.json.nextToken).toBeUndefined()
    expect((await http(b.urls.http!, 'GET', '/retainedMessage?maxResults=0')).status).toBe(400)
    expect((await http(b.urls.http!, 'GET', '/retainedMessage?nextToken=%%%')).status).toBe(400)
    expect((await http(b.urls.http!, 'GET', '/retainedMessage?nextToken=not-a-token!')).status).toBe(400)
  })

  it('[RET-DM-EXCLUDED] MQTT-published retained messages are visible to the APIs too', async () => {
    const b = await broker()
    const topic = `mqtt/${uid()}`
    const pub = await client(b.urls.mqtt!)
    await pub.publishAsync(topic, 'from-mqtt', { qos: 1, retain: true })
    await sleep(50)
    const got = await http(b.urls.http!, 'GET', `/retainedMessage/${encodeURIComponent(topic)}`)
    expect(Buffer.from(got.json.payload, 'base64').toString()).toBe('from-mqtt')
  })
})
