/**
 * Client ids and topics on the HTTPS data plane at their limits: 128
 * characters (not bytes, not UTF-16 units) for client ids, 256 bytes and 7
 * slashes for topics [DM-CLIENTID-VALIDATION] [DM-TOPIC-VALIDATION].
 */
import { describe, expect, it } from 'vitest'
import { loadProfile } from '../index.js'
import { checkClientId, checkResponseTopic, checkTopic } from '../http/name-rules.js'
import { refusal } from './http-helpers.js'

const profile = loadProfile('aws-iot-core')
const PUB = profile.mqtt.reservedTopicsPublishAllowed

describe('checkClientId [DM-CLIENTID-VALIDATION]', () => {
  it('takes 1 to 128 characters, counted as characters', () => {
    expect(checkClientId('a')).toBe('a')
    expect(checkClientId('a'.repeat(128))).toBe('a'.repeat(128))
    expect(checkClientId('😀'.repeat(128))).toBe('😀'.repeat(128)) // 256 UTF-16 units, 512 bytes
    expect(checkClientId('é'.repeat(128))).toBe('é'.repeat(128))
    for (const id of ['a'.repeat(129), '😀'.repeat(129)]) {
      expect(refusal(() => checkClientId(id))).toEqual({ status: 400, type: 'InvalidRequestException', reason: 'invalid-client-id', message: 'clientId must be at most 128 characters' })
    }
    expect(refusal(() => checkClientId(''))).toMatchObject({ status: 400, reason: 'invalid-client-id', message: 'clientId must not be empty' })
  })

  it('refuses a client id starting with $, and only at the start', () => {
    expect(refusal(() => checkClientId('$dev'))).toMatchObject({ reason: 'invalid-client-id', message: 'clientId must not start with $' })
    expect(checkClientId('dev$')).toBe('dev$')
  })
})

describe('checkTopic [DM-TOPIC-VALIDATION] [TOPIC-MAX-256] [TOPIC-MAX-7-SLASHES]', () => {
  it('requires a topic, naming the parameter', () => {
    expect(refusal(() => checkTopic(undefined, profile, []))).toMatchObject({ status: 400, reason: 'invalid-topic', message: 'topic is required' })
    expect(refusal(() => checkTopic('', profile, [], 'name'))).toMatchObject({ reason: 'invalid-topic', message: 'name is required' })
  })

  it('takes 256 UTF-8 bytes and 7 slashes, refuses one more of either', () => {
    expect(checkTopic('é'.repeat(128), profile, [])).toBe('é'.repeat(128))
    expect(refusal(() => checkTopic('é'.repeat(128) + 'a', profile, []))).toMatchObject({ reason: 'invalid-topic', message: 'topic is invalid: topic longer than 256 bytes' })
    expect(checkTopic('a/b/c/d/e/f/g/h', profile, [])).toBe('a/b/c/d/e/f/g/h')
    expect(refusal(() => checkTopic('a/b/c/d/e/f/g/h/i', profile, []))).toMatchObject({ message: 'topic is invalid: topic has more than 7 slashes' })
    expect(refusal(() => checkTopic('a/+', profile, []))).toMatchObject({ reason: 'invalid-topic' })
  })

  it('takes the $ topics it is given and no others', () => {
    expect(checkTopic('$aws/things/t/shadow/update', profile, PUB)).toBe('$aws/things/t/shadow/update')
    expect(refusal(() => checkTopic('$aws/things/t/shadow/update', profile, []))).toMatchObject({ message: 'topic is invalid: reserved topic' })
  })
})

describe('checkResponseTopic [DM-RESPONSE-TOPIC-NO-WILDCARD]', () => {
  it('is optional, and a valid topic name when given', () => {
    expect(checkResponseTopic(undefined, profile)).toBeUndefined()
    expect(checkResponseTopic('a/reply', profile)).toBe('a/reply')
    expect(checkResponseTopic('$aws/anything/reply', profile)).toBe('$aws/anything/reply') // a $ topic the client chose itself
    for (const t of ['a/+', 'a/#', 'a+b']) {
      expect(refusal(() => checkResponseTopic(t, profile))).toMatchObject({ status: 400, reason: 'invalid-response-topic', message: 'responseTopic must not contain wildcard characters' })
    }
    expect(refusal(() => checkResponseTopic('', profile))).toMatchObject({ reason: 'invalid-response-topic', message: 'responseTopic is invalid: empty topic name' })
    expect(checkResponseTopic('a'.repeat(256), profile)).toBe('a'.repeat(256))
    expect(refusal(() => checkResponseTopic('a'.repeat(257), profile))).toMatchObject({ message: 'responseTopic is invalid: topic longer than 256 bytes' })
  })
})
