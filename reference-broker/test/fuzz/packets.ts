import fc from 'fast-check'
import mqtt from 'mqtt-packet'

export type Version = 4 | 5

/** A frame from its first byte and body parts (the remaining length is computed). */
export function frame(first: number, ...parts: (Buffer | number[])[]): Buffer {
  const body = Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))))
  return Buffer.concat([Buffer.from([first]), varInt(body.length), body])
}

export function varInt(n: number): Buffer {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return Buffer.from(out)
}

const str = (s: string | Buffer): Buffer => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s)
  return Buffer.concat([Buffer.from([(b.length >> 8) & 0xff, b.length & 0xff]), b])
}

/** Client ids from a small pool: sessions are reused (memory stays bounded) and take each other over. */
const clientId = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 63 }).map((i) => `fz-${i}`) }, { weight: 1, arbitrary: fc.constantFrom('', '$x', 'a'.repeat(129)) })
const topic = fc.constantFrom('fz/a', 'fz/b/c', 'fz/+', 'fz/#', '#', '+', '', '$aws/things/t/shadow/update', '$share/g/fz/a', 'fz//a', 'a/b/c/d/e/f/g/h/i', 'é/😀', 'fz/\u0000')
const payload = fc.oneof(fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)), fc.constant(Buffer.alloc(0)))
const messageId = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 20 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 65535) })
const userProperties = fc.dictionary(fc.constantFrom('a', 'k', ''), fc.oneof(fc.string({ maxLength: 5 }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 })), { maxKeys: 3 })

/** MQTT 5 properties a packet of any type might carry (the broker must cope with misplaced ones too). */
const properties = fc.record({
  sessionExpiryInterval: fc.constantFrom(0, 1, 60, 0xffffffff),
  receiveMaximum: fc.constantFrom(1, 10, 65535),
  maximumPacketSize: fc.constantFrom(20, 1000, 268435455),
  topicAliasMaximum: fc.constantFrom(0, 5),
  requestProblemInformation: fc.boolean(),
  userProperties,
  topicAlias: fc.integer({ min: 1, max: 9 }),
  messageExpiryInterval: fc.constantFrom(0, 1, 700000),
  responseTopic: fc.constantFrom('r/t', 'r/#'),
  correlationData: payload,
  contentType: fc.constantFrom('text/plain', ''),
  payloadFormatIndicator: fc.boolean(),
  subscriptionIdentifier: fc.integer({ min: 1, max: 5 }),
  reasonString: fc.constantFrom('why'),
  // HX-CHALLENGE is the bundled broker's test method under plain-MQTT profiles (docs/enhanced-auth.md).
  authenticationMethod: fc.constantFrom('SCRAM', 'HX-CHALLENGE'),
  willDelayInterval: fc.constantFrom(0, 5),
}, { requiredKeys: [] })

const noProps = fc.constant(undefined)
const propsFor = (v: Version) => (v === 5 ? fc.option(properties, { nil: undefined, freq: 2 }) : noProps)

/** Valid packet objects (as mqtt-packet encodes them) of every type a client may send, and some it may not. */
export function packetObject(v: Version): fc.Arbitrary<Record<string, unknown>> {
  const p = propsFor(v)
  return fc.oneof(
    fc.record({ cmd: fc.constant('connect'), protocolId: fc.constant('MQTT'), protocolVersion: fc.constant(v), clean: fc.boolean(), keepalive: fc.constantFrom(0, 1, 30, 1300), clientId, properties: p,
      will: fc.option(fc.record({ topic, payload, qos: fc.constantFrom(0, 1, 2), retain: fc.boolean(), properties: p }), { nil: undefined }),
      username: fc.option(fc.constantFrom('u', ''), { nil: undefined }), password: fc.option(fc.constant(Buffer.from('p')), { nil: undefined }) }),
    fc.record({ cmd: fc.constant('publish'), topic, payload, qos: fc.constantFrom(0, 1, 1, 2), retain: fc.boolean(), dup: fc.boolean(), messageId, properties: p }),
    fc.record({ cmd: fc.constant('subscribe'), messageId, properties: p,
      subscriptions: fc.array(fc.record({ topic, qos: fc.constantFrom(0, 1, 2), nl: fc.boolean(), rap: fc.boolean(), rh: fc.constantFrom(0, 1, 2) }), { minLength: 1, maxLength: 9 }) }),
    fc.record({ cmd: fc.constant('unsubscribe'), messageId, properties: p, unsubscriptions: fc.array(topic, { minLength: 1, maxLength: 4 }) }),
    fc.record({ cmd: fc.constantFrom('puback', 'pubrec', 'pubrel', 'pubcomp'), messageId, reasonCode: v === 5 ? fc.constantFrom(0, 0x10, 0x80, 0x92) : fc.constant(undefined), properties: p }),
    fc.constant({ cmd: 'pingreq' }),
    fc.record({ cmd: fc.constant('disconnect'), reasonCode: v === 5 ? fc.constantFrom(0, 4, 0x80) : fc.constant(undefined), properties: p }),
    ...(v === 5 ? [fc.record({ cmd: fc.constant('auth'), reasonCode: fc.constantFrom(0, 0x18, 0x19), properties: p })] : []),
  )
}

/** Encodes a packet object; mqtt-packet refuses some combinations, which then become a PINGREQ. */
export function encodeOrPing(packet: Record<string, unknown>, v: Version): Buffer {
  try {
    const b = mqtt.generate(packet as never, { protocolVersion: v })
    return b.length > 0 ? b : Buffer.from([0xc0, 0])
  } catch {
    return Buffer.from([0xc0, 0])
  }
}

/** A valid CONNECT for version v. */
export function connectFrame(v: Version, id: string): Buffer {
  return mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: v, clean: true, keepalive: 30, clientId: id } as never, { protocolVersion: v })
}

// ---- MQTT 5 properties built byte by byte: repeated, unknown, cut short, bad UTF-8 ----------

const badUtf8 = fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x61, 0x00], [0xf4, 0x90, 0x80, 0x80]).map((b) => Buffer.from(b))
const int32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b }
const rawProperty: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(0x11, 0x02, 0x18, 0x27).chain((id) => fc.constantFrom(0, 1, 60, 0xffffffff).map((n) => Buffer.concat([Buffer.from([id]), int32(n)]))),
  fc.constantFrom(0x21, 0x22, 0x23, 0x13).chain((id) => fc.integer({ min: 0, max: 0xffff }).map((n) => Buffer.from([id, n >> 8, n & 0xff]))),
  fc.constantFrom(0x01, 0x17, 0x19, 0x24, 0x25).chain((id) => fc.integer({ min: 0, max: 3 }).map((n) => Buffer.from([id, n]))),
  fc.constantFrom(0x03, 0x08, 0x15, 0x1f, 0x1a, 0x12).chain((id) => fc.oneof(fc.constant(str('x/y')), badUtf8.map(str)).map((s) => Buffer.concat([Buffer.from([id]), s]))),
  fc.tuple(fc.oneof(fc.constant(Buffer.from('k')), badUtf8), fc.oneof(fc.constant(Buffer.from('v')), badUtf8)).map(([k, val]) => Buffer.concat([Buffer.from([0x26]), str(k), str(val)])),
  // A string or binary value whose length runs past the packet.
  fc.constantFrom(0x26, 0x03, 0x09, 0x16, 0x1c).map((id) => Buffer.from([id, 0x00, 0xff, 0x61])),
  fc.constantFrom(0x0b).chain((id) => fc.constantFrom([0x00], [0x01], [0x80, 0x80, 0x80, 0x80], [0xff, 0xff, 0xff, 0x7f]).map((n) => Buffer.from([id, ...n]))),
  // Unknown identifiers.
  fc.constantFrom([0x00], [0x04], [0x7f], [0x80, 0x01], [0xff]).map((b) => Buffer.from(b)),
)
/** A property section: a list of properties (repeats allowed) and a length that is true or a lie. */
export const rawProperties: fc.Arbitrary<Buffer> = fc.tuple(fc.array(rawProperty, { maxLength: 4 }), fc.integer({ min: -3, max: 3 }), fc.boolean())
  .map(([list, lie, honest]) => {
    const body = Buffer.concat(list)
    return Buffer.concat([varInt(honest ? body.length : Math.max(0, body.length + lie)), body])
  })

/** MQTT 5 frames of each type with a hand-built property section. */
export const rawV5Frame: fc.Arbitrary<Buffer> = fc.tuple(rawProperties, fc.integer({ min: 0, max: 7 }), fc.constantFrom(0, 1, 2), clientId).map(([props, kind, qos, id]) => {
  switch (kind) {
    case 0: return frame(0x10, str('MQTT'), [5, 0x02, 0, 30], props, str(id))
    case 1: return frame(0x30 | (qos << 1), str('fz/a'), qos > 0 ? [0, 1] : [], props, Buffer.from('x'))
    case 2: return frame(0x82, [0, 2], props, str('fz/a'), [1])
    case 3: return frame(0xa2, [0, 3], props, str('fz/a'))
    case 4: return frame(0x40, [0, 1, 0], props)
    case 5: return frame(0xe0, [0], props)
    case 6: return frame(0xf0, [0x18], props)
    default: return frame(0x10, str('MQTT'), [5, 0x06, 0, 30], [0], str(id), props, str('w/t'), str('p'))
  }
})
