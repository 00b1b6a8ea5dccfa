/**
 * The CONNECT and PUBLISH checks of the gate as pure functions, at the edge of
 * each limit: client id in bytes [CID-MAX-128], keep-alive clamp
 * [KA-RANGE-30-1200], Will checks, topic aliases [ALIAS-MAX-8], payload
 * [LIM-PAYLOAD-128KB], user properties in bytes of name and value
 * [M5-USER-PROPERTIES], message expiry clamp [MEI-MIN-1] [MEI-MAX-7-DAYS], and
 * the session decisions of a CONNECT [PS-SEI-DEFAULT-ZERO] [PS-NO-CROSS-VERSION].
 */
import type { Fault, Faults } from '../deviations.js'
import { describe, expect, it } from 'vitest'
import { loadProfile, type Profile } from '../index.js'
import { checkConnect, checkPublish, effectiveKeepAlive, PUBLISH_RULES, type ConnectHost, type ConnectVerdict, type PublishVerdict } from '../inbound-checks.js'
import { FrameDecoder, fastPublish, type ProtocolVersion } from '../mqtt-codec.js'
import { gateHandlers } from '../gate/registry.js'

/** The CONNECT and PUBLISH rules of a broker running with these faults (faults/gate-faults.ts installs them). */
const rulesWith = (faults: Faults) => gateHandlers(faults)

const aws = loadProfile('aws-iot-core')
const mqtt5 = loadProfile('mqtt-5')

function host(opts: { stored?: ProtocolVersion; allowed?: boolean; faults?: Fault[] } = {}): ConnectHost & { asked: string[]; faults: Faults } {
  const asked: string[] = []
  return {
    asked,
    connectAllowed: (id) => { asked.push(id); return opts.allowed ?? true },
    sessionVersion: () => opts.stored,
    faults: new Set(opts.faults ?? []),
  }
}

const connect = (fields: Record<string, any>, profile: Profile = aws, h: ConnectHost & { faults?: Faults } = host()): ConnectVerdict =>
  rulesWith(h.faults ?? new Set()).checkConnect({ protocolVersion: 5, clientId: 'dev', keepalive: 60, clean: true, ...fields }, profile, h)
const refusalOf = (v: ConnectVerdict) => v.refuse
const accepted = (v: ConnectVerdict) => {
  if (v.refuse) throw new Error(`refused: ${v.refuse.reason}`)
  return v
}

describe('effectiveKeepAlive [KA-RANGE-30-1200]', () => {
  it('clamps to 30..1200 and reads 0 as 1200 on AWS', () => {
    const ka = aws.mqtt.keepAlive
    expect([0, 1, 29, 30, 31, 1199, 1200, 1201, 65535].map((s) => effectiveKeepAlive(s, ka))).toEqual([1200, 30, 30, 30, 31, 1199, 1200, 1200, 1200])
  })
  it('keeps the requested value, 0 included, on plain MQTT 5', () => {
    const ka = mqtt5.mqtt.keepAlive
    expect([0, 1, 65535].map((s) => effectiveKeepAlive(s, ka))).toEqual([0, 1, 65535])
  })
})

describe('checkConnect', () => {
  it('takes a client id of 128 UTF-8 bytes and refuses 129, whatever the character count [CID-MAX-128]', () => {
    expect(refusalOf(connect({ clientId: 'a'.repeat(128) }))).toBeUndefined()
    expect(refusalOf(connect({ clientId: 'é'.repeat(64) }))).toBeUndefined()
    const tooLong = { reason: 'client-id-too-long', v5: 0x85, v311: 2 }
    expect(refusalOf(connect({ clientId: 'a'.repeat(129) }))).toEqual(tooLong)
    expect(refusalOf(connect({ clientId: 'é'.repeat(64) + 'a' }))).toEqual(tooLong) // 65 characters, 129 bytes
  })

  it('refuses an empty client id on MQTT 3.1, and on MQTT 3.1.1 with Clean Session 0 only [MQTT311-3.1.3-8]', () => {
    const rejected = (reason: string) => ({ reason, v5: 0x85, v311: 2 })
    expect(refusalOf(connect({ protocolVersion: 3, clientId: '' }))).toEqual(rejected('client-id-empty'))
    expect(refusalOf(connect({ protocolVersion: 3, clientId: 'dev' }))).toBeUndefined()
    expect(refusalOf(connect({ protocolVersion: 4, clientId: '', clean: false }))).toEqual(rejected('client-id-empty-persistent'))
    expect(refusalOf(connect({ protocolVersion: 4, clientId: '', clean: true }))).toBeUndefined()
    expect(refusalOf(connect({ protocolVersion: 4, clientId: 'dev', clean: false }))).toBeUndefined()
    // MQTT 5 assigns an id whatever its Clean Start [CID-ASSIGNED-V5].
    expect(refusalOf(connect({ protocolVersion: 5, clientId: '', clean: false }))).toBeUndefined()
  })

  it('refuses a client id starting with the reserved prefix only where the profile reserves one [CID-DOLLAR-RESERVED]', () => {
    expect(refusalOf(connect({ clientId: '$dev' }))).toEqual({ reason: 'client-id-reserved-prefix', v5: 0x85, v311: 2 })
    expect(refusalOf(connect({ clientId: 'dev$' }))).toBeUndefined()
    expect(refusalOf(connect({ clientId: '$dev' }, mqtt5))).toBeUndefined()
  })

  it('checks the Will: QoS 2 [LWT-QOS2-REFUSED], its topic, and its payload up to 128 KiB [LIM-PAYLOAD-128KB]', () => {
    const will = (w: Record<string, any>) => ({ will: { topic: 'dev/will', payload: Buffer.from('bye'), qos: 1, retain: false, ...w } })
    expect(refusalOf(connect(will({})))).toBeUndefined()
    expect(refusalOf(connect(will({ qos: 2 })))).toEqual({ reason: 'will-qos2', v5: 0x9b, v311: null })
    expect(refusalOf(connect(will({ qos: 2 }), mqtt5))).toBeUndefined()
    expect(refusalOf(connect(will({ topic: 'dev/+' })))).toEqual({ reason: 'will-topic-invalid: wildcard in topic name', v5: 0x90, v311: null })
    expect(refusalOf(connect(will({ topic: '$SYS/x' })))?.reason).toBe('will-topic-invalid: reserved topic')
    expect(refusalOf(connect(will({ topic: '$aws/things/t/shadow/update' })))).toBeUndefined()
    expect(refusalOf(connect(will({ payload: Buffer.alloc(131072) })))).toBeUndefined()
    expect(refusalOf(connect(will({ payload: Buffer.alloc(131073) })))).toEqual({ reason: 'will-payload-too-large', v5: 0x97, v311: null })
    expect(refusalOf(connect(will({ payload: undefined })))).toBeUndefined()
  })

  it('asks the host about the connect rate for a named client only [CID-CONNECT-RATE-1PS]', () => {
    const h = host({ allowed: false })
    expect(refusalOf(connect({ clientId: 'dev' }, aws, h))).toEqual({ reason: 'connect-rate-exceeded', v5: 0x9f, v311: 3 })
    expect(refusalOf(connect({ clientId: '' }, aws, h))).toBeUndefined()
    expect(h.asked).toEqual(['dev'])
  })

  it('runs the keep-alive itself: aedes sees 0, the verdict carries the clamped value', () => {
    const v = accepted(connect({ keepalive: 10 }))
    expect(v.keepAlive).toBe(30)
    expect(v.packet.keepalive).toBe(0)
    expect(v.rewritten).toBe(true)
    const zero = accepted(connect({ keepalive: 0 }))
    expect(zero.keepAlive).toBe(1200)
    expect(zero.rewritten).toBe(false)
  })

  it('passes the Will Delay Interval to aedes as it came, which delays the Will by it [LWT-ON-UNGRACEFUL]', () => {
    const v = accepted(connect({ keepalive: 0, will: { topic: 'w', payload: Buffer.from('x'), qos: 0, properties: { willDelayInterval: 5 } } }))
    expect(v.packet.will.properties).toEqual({ willDelayInterval: 5 })
    // Keeping it is no rewrite: with keep-alive 0 and nothing else to change, aedes gets the CONNECT as sent.
    expect(v.rewritten).toBe(false)
    const zero = accepted(connect({ keepalive: 0, will: { topic: 'w', payload: Buffer.from('x'), qos: 0, properties: { willDelayInterval: 0 } } }))
    expect(zero.packet.will.properties).toEqual({ willDelayInterval: 0 })
    expect(zero.rewritten).toBe(false)
  })

  it('on Clean Start 0 without Session Expiry, resumes a stored session but ends it at close [PS-SEI-DEFAULT-ZERO]', () => {
    const v = accepted(connect({ keepalive: 0, clean: false }, aws, host({ stored: 5 })))
    expect(v).toMatchObject({ endSessionAtClose: true, resumesSession: true, rewritten: true })
    expect(v.packet.properties.sessionExpiryInterval).toBe(1)
    const none = accepted(connect({ keepalive: 0, clean: false }, aws, host()))
    expect(none).toMatchObject({ endSessionAtClose: true, resumesSession: false })
    const kept = accepted(connect({ keepalive: 0, clean: false, properties: { sessionExpiryInterval: 300 } }, aws, host({ stored: 5 })))
    expect(kept).toMatchObject({ endSessionAtClose: false, resumesSession: true, rewritten: false })
    expect(kept.packet.properties.sessionExpiryInterval).toBe(300)
    // MQTT 3.1.1 has no Session Expiry: a persistent session is kept.
    const v311 = accepted(connect({ protocolVersion: 4, keepalive: 0, clean: false }, aws, host({ stored: 4 })))
    expect(v311).toMatchObject({ endSessionAtClose: false, resumesSession: true, rewritten: false })
    // Clean Start 1 resumes nothing.
    expect(accepted(connect({ keepalive: 0, clean: true }, aws, host({ stored: 5 })))).toMatchObject({ resumesSession: false, endSessionAtClose: false })
    // An anonymous MQTT 5 client is assigned a new id [CID-ASSIGNED-V5]: no stored session can be
    // its, so aedes sees Clean Start 1 and there is no session to end at close.
    const anon = accepted(connect({ clientId: '', keepalive: 0, clean: false }, aws, host({ stored: 5 })))
    expect(anon).toMatchObject({ resumesSession: false, endSessionAtClose: false, rewritten: true })
    expect(anon.packet.clean).toBe(true)
    expect(anon.packet.properties).toBeUndefined()
  })

  it('marks the end of the session at close on the verdict of one connection, never on its client id [PS-SEI-DEFAULT-ZERO]', () => {
    // The gate copies the verdict's mark onto its own connection (GateHost.endSessionNow(gate)):
    // the same client id connecting again with a Session Expiry gets no mark from the connection before.
    const h = host({ stored: 5 })
    expect(accepted(connect({ keepalive: 0, clean: false }, aws, h)).endSessionAtClose).toBe(true)
    const next = accepted(connect({ keepalive: 0, clean: false, properties: { sessionExpiryInterval: 300 } }, aws, h))
    expect(next).toMatchObject({ endSessionAtClose: false, resumesSession: true, rewritten: false })
    expect(next.packet.properties).toEqual({ sessionExpiryInterval: 300 })
    // Session Expiry 1 is a Session Expiry: kept as sent, no mark.
    expect(accepted(connect({ keepalive: 0, clean: false, properties: { sessionExpiryInterval: 1 } }, aws, h))).toMatchObject({ endSessionAtClose: false, rewritten: false })
    expect(accepted(connect({ keepalive: 0, clean: false }, aws, h)).endSessionAtClose).toBe(true)
  })

  it('does not resume the other protocol version\'s session unless the profile allows it [PS-NO-CROSS-VERSION]', () => {
    const v = accepted(connect({ keepalive: 0, clean: false, properties: { sessionExpiryInterval: 300 } }, aws, host({ stored: 4 })))
    expect(v).toMatchObject({ resumesSession: false, rewritten: true })
    expect(v.packet.clean).toBe(true)
    const from31 = accepted(connect({ protocolVersion: 4, keepalive: 0, clean: false }, aws, host({ stored: 5 })))
    expect(from31).toMatchObject({ resumesSession: false, rewritten: true })
    const v3 = accepted(connect({ protocolVersion: 4, keepalive: 0, clean: false }, aws, host({ stored: 3 }))) // 3.1 and 3.1.1 are one major version
    expect(v3).toMatchObject({ resumesSession: true, rewritten: false })
    const cross = { ...aws, sessions: { ...aws.sessions, crossVersionResume: true } }
    expect(accepted(connect({ keepalive: 0, clean: false, properties: { sessionExpiryInterval: 300 } }, cross, host({ stored: 4 })))).toMatchObject({ resumesSession: true, rewritten: false })
  })

  it('keeps the CONNECT\'s other properties when it sets the Session Expiry', () => {
    const v = accepted(connect({ keepalive: 0, clean: false, properties: { receiveMaximum: 10 } }, aws, host({ stored: 5 })))
    expect(v.packet.properties).toEqual({ receiveMaximum: 10, sessionExpiryInterval: 1 })
    const f = accepted(connect({ keepalive: 0, clean: false, properties: { receiveMaximum: 10 } }, aws, host({ stored: 5, faults: ['sei-absent-keeps-session'] })))
    expect(f.packet.properties).toEqual({ receiveMaximum: 10, sessionExpiryInterval: aws.sessions.expirySeconds })
  })

  it('works with a host that has no faults set at all', () => {
    const bare: ConnectHost = { connectAllowed: () => true, sessionVersion: () => 5 }
    const will = { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: true }
    expect(accepted(checkConnect({ protocolVersion: 5, clientId: 'dev', keepalive: 0, clean: true, will }, aws, bare)).packet.will.retain).toBe(true)
    expect(accepted(checkConnect({ protocolVersion: 5, clientId: 'dev', keepalive: 0, clean: false }, aws, bare))).toMatchObject({ endSessionAtClose: true, resumesSession: true })
    // A CONNECT without a client id is anonymous: the connect rate is not asked about.
    expect(refusalOf(checkConnect({ protocolVersion: 5, keepalive: 0, clean: true }, aws, { connectAllowed: () => false, sessionVersion: () => undefined }))).toBeUndefined()
  })

  it('applies the session deviations only when switched on, and only where they apply', () => {
    // clean-start-keeps-session: only for Clean Start 1 with a stored session of a named client.
    const sei = { sessionExpiryInterval: 300 }
    const keepsOn = host({ stored: 5, faults: ['clean-start-keeps-session'] })
    expect(accepted(connect({ keepalive: 0, clean: true, properties: sei }, aws, keepsOn))).toMatchObject({ resumesSession: true, rewritten: true })
    expect(accepted(connect({ keepalive: 0, clean: false, properties: sei }, aws, keepsOn))).toMatchObject({ resumesSession: true, rewritten: false })
    const anonymous = accepted(connect({ clientId: '', keepalive: 0, clean: true, properties: sei }, aws, keepsOn))
    expect(anonymous).toMatchObject({ resumesSession: false, rewritten: false })
    expect(anonymous.packet.clean).toBe(true)
    // sei-absent-keeps-session: MQTT 5 only (3.1.1 has no Session Expiry).
    const v311 = accepted(connect({ protocolVersion: 4, keepalive: 0, clean: false }, aws, host({ stored: 4, faults: ['sei-absent-keeps-session'] })))
    expect(v311).toMatchObject({ resumesSession: true, rewritten: false })
    expect(v311.packet.properties).toBeUndefined()
  })

  it('applies the session deviations only when switched on', () => {
    const seiFault = accepted(connect({ keepalive: 0, clean: false }, aws, host({ stored: 5, faults: ['sei-absent-keeps-session'] })))
    expect(seiFault).toMatchObject({ endSessionAtClose: false, resumesSession: true, rewritten: true })
    expect(seiFault.packet.properties.sessionExpiryInterval).toBe(aws.sessions.expirySeconds)
    const keeps = accepted(connect({ keepalive: 0, clean: true }, aws, host({ stored: 5, faults: ['clean-start-keeps-session'] })))
    expect(keeps).toMatchObject({ resumesSession: true, rewritten: true })
    const noSession = accepted(connect({ keepalive: 0, clean: true }, aws, host({ faults: ['clean-start-keeps-session'] })))
    expect(noSession).toMatchObject({ resumesSession: false, rewritten: false })
    const retainFault = accepted(connect({ keepalive: 0, will: { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: true } }, aws, host({ faults: ['will-retain-ignored'] })))
    expect(retainFault.packet.will.retain).toBe(false)
    expect(retainFault.rewritten).toBe(true)
    const retained = accepted(connect({ keepalive: 0, will: { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: true } }))
    expect(retained.packet.will.retain).toBe(true)
    expect(retained.rewritten).toBe(false)
  })
})

describe('checkPublish', () => {
  const publish = (packet: Record<string, any>, version: ProtocolVersion = 5, opts: { profile?: Profile; aliases?: Map<number, string>; oneMore?: boolean; faults?: Fault[] } = {}): PublishVerdict =>
    checkPublish({ cmd: 'publish', topic: 'dev/t', qos: 1, retain: false, payload: Buffer.from('x'), ...packet }, version, opts.profile ?? aws, opts.aliases ?? new Map(), rulesWith(new Set([...(opts.faults ?? []), ...(opts.oneMore ? ['alias-limit-9' as const] : [])])).publishRules)

  it('accepts topic aliases 1 to 8, or 9 when one more is accepted, and refuses 0 [ALIAS-MAX-8] [ALIAS-OUT-OF-RANGE-0x94]', () => {
    for (const alias of [1, 8]) expect(publish({ properties: { topicAlias: alias } })).toEqual({ kind: 'ok', topic: 'dev/t', rewritten: false })
    for (const alias of [0, 9]) {
      const v = publish({ properties: { topicAlias: alias } })
      expect(v).toMatchObject({ kind: 'violation', code: 0x94, reason: 'topic-alias-out-of-range' })
      expect(v.kind === 'violation' && v.reasonString).toMatch(/^DISCONNECT:Topic alias is out of range\.:[0-9a-f-]{36}$/)
    }
    expect(publish({ properties: { topicAlias: 9 } }, 5, { oneMore: true }).kind).toBe('ok')
    expect(publish({ properties: { topicAlias: 10 } }, 5, { oneMore: true }).kind).toBe('violation')
  })

  it('counts user properties as UTF-8 name + value + 4 bytes per pair, at most 8192 [M5-USER-PROPERTIES]', () => {
    const v = (n: number) => 'v'.repeat(n)
    expect(publish({ properties: { userProperties: { a: Array(8).fill(v(1019)) } } }).kind).toBe('ok')
    expect(publish({ properties: { userProperties: { a: Array(7).fill(v(1019)), ab: v(1019) } } })).toMatchObject({ kind: 'violation', code: 0x97, reason: 'user-properties-too-large' })
    expect(publish({ properties: { userProperties: { a: [...Array(7).fill(v(1019)), v(1020)] } } }).kind).toBe('violation')
    const euro = '€'.repeat(339) + 'xx' // 1019 bytes, 341 characters
    expect(publish({ properties: { userProperties: { a: Array(8).fill(euro) } } }).kind).toBe('ok')
    expect(publish({ properties: { userProperties: { a: Array(7).fill(euro), ab: euro } } }).kind).toBe('violation')
    expect(publish({ properties: { userProperties: { a: Array(7).fill(euro), ab: euro } } }, 5, { faults: ['user-properties-in-characters'] }).kind).toBe('ok')
    expect(publish({ properties: { userProperties: { a: Array(7).fill(v(1019)), ab: v(1019) } } }, 5, { faults: ['user-properties-names-not-counted'] }).kind).toBe('ok')
  })

  it('refuses a Content Type over 256 UTF-8 bytes with 0x97 [M5-PAYLOAD-FORMAT-CONTENT-TYPE]', () => {
    expect(publish({ properties: { contentType: 'c'.repeat(256) } }).kind).toBe('ok')
    expect(publish({ properties: { contentType: '€'.repeat(85) + 'e' } }).kind).toBe('ok')
    expect(publish({ properties: { contentType: 'c'.repeat(257) } })).toMatchObject({ kind: 'violation', code: 0x97, reason: 'content-type-too-large' })
    expect(publish({ properties: { contentType: '€'.repeat(85) + 'ee' } }).kind).toBe('violation')
    expect(publish({ properties: { contentType: '€'.repeat(85) + 'ee' } }, 5, { faults: ['content-type-in-characters'] }).kind).toBe('ok')
  })

  it('sets an alias with a topic and resolves it without one, on this connection only [ALIAS-CONNECTION-SCOPE]', () => {
    const aliases = new Map<number, string>()
    expect(publish({ topic: 'a/b', properties: { topicAlias: 3 } }, 5, { aliases }).kind).toBe('ok')
    expect(aliases.get(3)).toBe('a/b')
    expect(publish({ topic: '', properties: { topicAlias: 3 } }, 5, { aliases })).toEqual({ kind: 'ok', topic: 'a/b', rewritten: false })
    const unknown = publish({ topic: '', properties: { topicAlias: 4 } }, 5, { aliases })
    expect(unknown).toMatchObject({ kind: 'violation', code: 0x82, reason: 'unknown-topic-alias' })
    expect(unknown.kind === 'violation' && unknown.reasonString).toMatch(/^DISCONNECT:Topic alias 4 is not set on this connection\.:/)
    // MQTT 3.1.1 has no properties: whatever is there is not read.
    expect(publish({ properties: { topicAlias: 0 } }, 4).kind).toBe('ok')
  })

  it('refuses QoS 2 as the profile says: DISCONNECT 0x9B on MQTT 5, a close on 3.1.1 [QOS2-NO-ACK] [QOS2-V5-MAXIMUM-QOS]', () => {
    expect(publish({ qos: 2 })).toEqual({ kind: 'violation', code: 0x9b, reason: 'qos2-publish', reasonString: undefined })
    expect(publish({ qos: 2 }, 4)).toEqual({ kind: 'close', reason: 'qos2-publish' })
    expect(publish({ qos: 2 }, 5, { profile: mqtt5 }).kind).toBe('ok')
    expect(publish({ qos: 2 }, 4, { profile: mqtt5 }).kind).toBe('ok')
  })

  it('refuses invalid topic names with 0x90 and the problem as reason string [TOPIC-MAX-256]', () => {
    expect(publish({ topic: 'é'.repeat(128) }).kind).toBe('ok')
    expect(publish({ topic: 'é'.repeat(128) + 'a' })).toEqual({ kind: 'violation', code: 0x90, reason: 'topic-name-invalid', reasonString: 'topic longer than 256 bytes' })
    expect(publish({ topic: 'a/#' }, 4)).toEqual({ kind: 'close', reason: 'topic-name-invalid' })
    expect(publish({ topic: undefined })).toMatchObject({ kind: 'violation', reasonString: 'empty topic name' })
  })

  it('refuses retain where unsupported, and on reserved topics [RET-NOT-ON-RESERVED]', () => {
    const noRetain = { ...aws, mqtt: { ...aws.mqtt, retainAvailable: false } }
    expect(publish({ retain: true }, 5, { profile: noRetain })).toMatchObject({ kind: 'violation', code: 0x9a, reason: 'retain-unsupported' })
    expect(publish({ retain: false }, 5, { profile: noRetain }).kind).toBe('ok')
    const shadow = '$aws/things/t/shadow/update'
    expect(publish({ topic: shadow, retain: false }).kind).toBe('ok')
    expect(publish({ topic: shadow, retain: true })).toMatchObject({ kind: 'violation', code: 0x90, reason: 'retain-on-reserved-topic' })
    expect(publish({ topic: shadow, retain: true }, 5, { faults: ['retain-on-reserved-allowed'] }).kind).toBe('ok')
    expect(publish({ topic: '$SYS/x', retain: true }, 5, { profile: mqtt5 }).kind).toBe('ok') // no reserved prefix
  })

  it('takes a payload of 128 KiB and refuses one byte more [LIM-PAYLOAD-128KB]', () => {
    expect(publish({ payload: Buffer.alloc(131072) }).kind).toBe('ok')
    expect(publish({ payload: Buffer.alloc(131073) })).toEqual({ kind: 'violation', code: 0x97, reason: 'payload-too-large', reasonString: 'payload of 131073 bytes exceeds 131072' })
    expect(publish({ payload: Buffer.alloc(131073) }, 4)).toEqual({ kind: 'close', reason: 'payload-too-large' })
    expect(publish({ payload: undefined }).kind).toBe('ok')
  })

  it('counts user properties as UTF-8 bytes of name and value plus 4 per pair, up to 8 KiB [M5-USER-PROPERTIES]', () => {
    const up = (userProperties: Record<string, string | string[]>) => publish({ properties: { userProperties } })
    const over = { kind: 'violation', code: 0x97, reason: 'user-properties-too-large' }
    // 1 + 8187 + 4 = 8192 bytes.
    expect(up({ k: 'v'.repeat(8187) }).kind).toBe('ok')
    expect(up({ k: 'v'.repeat(8188) })).toMatchObject(over)
    expect(up({ ['k'.repeat(8188)]: 'v' })).toMatchObject(over)
    // Multi-byte: 'é' is 2 bytes. 1 + 2 x 4093 + 4 = 8191; one more é is 8193.
    expect(up({ k: 'é'.repeat(4093) }).kind).toBe('ok')
    expect(up({ k: 'é'.repeat(4094) })).toMatchObject(over)
    // Repeated names count once per value: 2 x (1 + 4092 + 4) = 8194.
    expect(up({ k: ['v'.repeat(4092), 'v'.repeat(4092)] })).toMatchObject(over)
    expect(up({ k: ['v'.repeat(4091), 'v'.repeat(4091)] }).kind).toBe('ok')
    // Pairs add up: (1 + 4091 + 4) + (1 + 4091 + 4) = 8192, one more byte is over.
    expect(up({ a: 'v'.repeat(4091), b: 'v'.repeat(4091) }).kind).toBe('ok')
    expect(up({ a: 'v'.repeat(4091), b: 'v'.repeat(4092) })).toMatchObject(over)
    // 3.1.1 has no user properties to count.
    expect(publish({ properties: { userProperties: { k: 'v'.repeat(9000) } } }, 4).kind).toBe('ok')
  })

  it('refuses a response topic with wildcards unless the deviation leaves it to aedes [M5-REQUEST-RESPONSE]', () => {
    expect(publish({ properties: { responseTopic: 'r/+' } })).toMatchObject({ kind: 'violation', code: 0x82, reason: 'response-topic-wildcard' })
    expect(publish({ properties: { responseTopic: 'r/#' } })).toMatchObject({ kind: 'violation', reason: 'response-topic-wildcard' })
    expect(publish({ properties: { responseTopic: 'r/x' } }).kind).toBe('ok')
    expect(publish({ properties: { responseTopic: 'r/+' } }, 5, { faults: ['response-topic-unchecked'] }).kind).toBe('ok')
  })

  it('clamps the Message Expiry Interval to 1 s .. 7 days, and leaves an absent one absent [MEI-MIN-1] [MEI-MAX-7-DAYS]', () => {
    const mei = (value: number | undefined, faults: Fault[] = []) => {
      const packet: Record<string, any> = { properties: value === undefined ? {} : { messageExpiryInterval: value } }
      const v = checkPublish({ cmd: 'publish', topic: 'dev/t', qos: 1, payload: Buffer.from('x'), ...packet }, 5, aws, new Map(), rulesWith(new Set(faults)).publishRules)
      return { rewritten: v.kind === 'ok' && v.rewritten, value: packet.properties.messageExpiryInterval }
    }
    expect(mei(0)).toEqual({ rewritten: true, value: 1 })
    expect(mei(1)).toEqual({ rewritten: false, value: 1 })
    expect(mei(2)).toEqual({ rewritten: false, value: 2 })
    expect(mei(604799)).toEqual({ rewritten: false, value: 604799 })
    expect(mei(604800)).toEqual({ rewritten: false, value: 604800 })
    expect(mei(604801)).toEqual({ rewritten: true, value: 604800 })
    expect(mei(undefined)).toEqual({ rewritten: false, value: undefined })
    expect(mei(5, ['mei-default-added'])).toEqual({ rewritten: false, value: 5 })
  })

  it('refuses a topic that is not well-formed UTF-8 or holds U+0000, read from the frame, as a Malformed Packet whatever the version [MQTT5-1.5.4-1] [MQTT5-1.5.4-2] [MQTT311-1.5.3-1] [MQTT311-1.5.3-2]', () => {
    /** A QoS 0 PUBLISH whose topic is these bytes, decoded as the gate decodes it. */
    const sent = (topic: Buffer, version: ProtocolVersion) => {
      const props = version === 5 ? [0] : []
      const rest = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from(props), Buffer.from('x')])
      const frame = Buffer.concat([Buffer.from([0x30, rest.length]), rest])
      const packet = fastPublish(frame, version) ?? (new FrameDecoder(version).decode(frame) as Record<string, any>)
      return checkPublish(packet, version, aws, new Map(), PUBLISH_RULES, frame)
    }
    const malformed = (reasonString: string) => ({ kind: 'violation', code: 0x81, reason: 'malformed-packet', reasonString })
    for (const version of [4, 5] as const) {
      expect(sent(Buffer.from([0x61, 0x2f, 0xc0, 0xaf]), version)).toEqual(malformed('topic is not well-formed UTF-8')) // overlong '/'
      expect(sent(Buffer.from([0x61, 0xed, 0xa0, 0x80]), version)).toEqual(malformed('topic is not well-formed UTF-8')) // a surrogate
      expect(sent(Buffer.from([0x61, 0x00, 0x62]), version)).toEqual(malformed('topic contains U+0000'))
      // U+FFFD itself, well-formed (EF BF BD), is a character like any other.
      expect(sent(Buffer.from('a/\uFFFD', 'utf8'), version)).toEqual({ kind: 'ok', topic: 'a/\uFFFD', rewritten: false })
      expect(sent(Buffer.from('a/é', 'utf8'), version)).toEqual({ kind: 'ok', topic: 'a/é', rewritten: false })
    }
    // Without the frame there are no bytes to check: the decoded topic is taken as it is.
    expect(checkPublish({ cmd: 'publish', topic: 'a/\uFFFD', qos: 0, payload: Buffer.from('x') }, 5, aws, new Map())).toEqual({ kind: 'ok', topic: 'a/\uFFFD', rewritten: false })
  })

  it('accepts no extra topic alias unless told to', () => {
    const packet = { cmd: 'publish', topic: 'dev/t', qos: 1, payload: Buffer.from('x'), properties: { topicAlias: 9 } }
    expect(checkPublish(packet, 5, aws, new Map())).toMatchObject({ kind: 'violation', reason: 'topic-alias-out-of-range' })
    expect(checkPublish({ ...packet, properties: { topicAlias: 8 } }, 5, aws, new Map())).toEqual({ kind: 'ok', topic: 'dev/t', rewritten: false })
  })

  it('gives a message without expiry a day under the mei-default-added deviation', () => {
    const packet: Record<string, any> = { cmd: 'publish', topic: 'dev/t', qos: 1, payload: Buffer.from('x'), properties: { contentType: 'text/plain' } }
    expect(checkPublish(packet, 5, aws, new Map(), rulesWith(new Set(['mei-default-added'])).publishRules)).toEqual({ kind: 'ok', topic: 'dev/t', rewritten: true })
    expect(packet.properties).toEqual({ contentType: 'text/plain', messageExpiryInterval: 86400 })
  })
})
