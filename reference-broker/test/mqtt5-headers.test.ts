/**
 * The `x-amz-mqtt5-*` headers of the HTTPS APIs [DM-MQTT5-PROPERTIES-FORWARDED]
 * [HTTP-MQTT5-PROPERTIES]: the shape of the user-properties header and its size
 * limit, which counts the UTF-8 bytes of both name and value (plus the 4 bytes
 * of their two length prefixes), at the limit and one byte over it.
 */
import type http from 'node:http'
import { describe, expect, it } from 'vitest'
import { checkContentType, parseMqtt5Headers, parseUserProperties, userPropertyMap } from '../http/mqtt5-headers.js'
import { b64json, refusal } from './http-helpers.js'

const UP = 'x-amz-mqtt5-user-properties'
/** parseMqtt5Headers reads nothing of a request but its headers. */
const request = (headers: http.IncomingHttpHeaders) => ({ headers }) as http.IncomingMessage

describe('parseUserProperties', () => {
  it('reads a base64 JSON array of single-key objects, in order, duplicates kept', () => {
    expect(parseUserProperties(b64json([{ a: '1' }, { b: '2' }, { a: '3' }]), 8192)).toEqual([['a', '1'], ['b', '2'], ['a', '3']])
    expect(parseUserProperties(b64json([]), 0)).toEqual([])
    expect(parseUserProperties(`  ${b64json([{ a: '1' }])}\t`, 8192)).toEqual([['a', '1']])
  })

  it('counts name and value in UTF-8 bytes plus 4 per pair, against the limit', () => {
    // 'ké' and 'vé' are 3 bytes each (2 characters): one pair is 3 + 3 + 4 = 10 bytes.
    const one = b64json([{ 'ké': 'vé' }])
    expect(parseUserProperties(one, 10)).toEqual([['ké', 'vé']])
    expect(refusal(() => parseUserProperties(one, 9))).toEqual({ status: 400, type: 'InvalidRequestException', reason: 'invalid-mqtt5-header', message: `${UP} exceed 9 bytes` })
    // Sizes add up over the pairs: two pairs of 10 bytes are 20.
    const two = b64json([{ 'ké': 'vé' }, { 'ké': 'vé' }])
    expect(parseUserProperties(two, 20)).toHaveLength(2)
    expect(refusal(() => parseUserProperties(two, 19))).toMatchObject({ reason: 'invalid-mqtt5-header' })
    // A large value under a short name, and the other way round.
    expect(refusal(() => parseUserProperties(b64json([{ k: 'v'.repeat(8188) }]), 8192))).toMatchObject({ reason: 'invalid-mqtt5-header' })
    expect(parseUserProperties(b64json([{ k: 'v'.repeat(8187) }]), 8192)).toHaveLength(1)
    expect(refusal(() => parseUserProperties(b64json([{ ['k'.repeat(8188)]: 'v' }]), 8192))).toMatchObject({ reason: 'invalid-mqtt5-header' })
  })

  it('refuses anything but base64 of an array of objects with one string property', () => {
    const shape = `${UP}: each element must be an object with one string property`
    for (const bad of [[{ name: 'a', value: 'b' }], [{}], ['a'], [null], [['a', 'b']], [{ a: 1 }], [{ a: null }]]) {
      expect(refusal(() => parseUserProperties(b64json(bad), 8192)), JSON.stringify(bad)).toMatchObject({ reason: 'invalid-mqtt5-header', message: shape })
    }
    expect(refusal(() => parseUserProperties(b64json({ a: '1' }), 8192))).toMatchObject({ reason: 'invalid-mqtt5-header', message: `${UP} must be a JSON array of single-key objects` })
    expect(refusal(() => parseUserProperties(Buffer.from('[{"a":').toString('base64'), 8192))).toMatchObject({ reason: 'invalid-mqtt5-header', message: `${UP} must be base64 of a JSON array` })
    for (const bad of ['not base64!', 'abc', 'ab=c', 'a===', '=abc']) {
      expect(refusal(() => parseUserProperties(bad, 8192)), bad).toMatchObject({ reason: 'invalid-mqtt5-header', message: `${UP} must be base64` })
    }
  })
})

describe('checkContentType', () => {
  it('holds the contentType parameter to the Content Type quota in UTF-8 bytes [M5-PAYLOAD-FORMAT-CONTENT-TYPE]', () => {
    expect(checkContentType(undefined, 256)).toBeUndefined()
    expect(checkContentType('c'.repeat(256), 256)).toBe('c'.repeat(256))
    expect(refusal(() => checkContentType('c'.repeat(257), 256))).toEqual({ status: 400, type: 'InvalidRequestException', reason: 'invalid-content-type', message: 'contentType exceeds 256 bytes' })
    // 85 × '€' (3 bytes) + 'c': 256 bytes in 86 characters; one 'c' more is 257 bytes in 87.
    expect(checkContentType(`${'€'.repeat(85)}c`, 256)).toBe(`${'€'.repeat(85)}c`)
    expect(refusal(() => checkContentType(`${'€'.repeat(85)}cc`, 256))).toMatchObject({ reason: 'invalid-content-type' })
  })

  it('counts with the measures it is given (a deviation counting characters)', () => {
    const inCharacters = { userPropertySize: (n: string, v: string) => n.length + v.length + 4, contentTypeSize: (s: string) => s.length }
    expect(checkContentType(`${'€'.repeat(85)}cc`, 256, inCharacters)).toBe(`${'€'.repeat(85)}cc`)
    expect(parseUserProperties(b64json([{ 'ké': 'vé' }]), 8, inCharacters)).toEqual([['ké', 'vé']])
  })
})

describe('userPropertyMap', () => {
  it('groups the values of a name in order, keeps names in order, and takes __proto__ as a plain name', () => {
    const map = userPropertyMap([['a', '1'], ['b', '2'], ['a', '3'], ['a', '4'], ['__proto__', 'x']])
    expect(Object.keys(map)).toEqual(['a', 'b', '__proto__'])
    expect(map.a).toEqual(['1', '3', '4'])
    expect(map.b).toBe('2')
    expect(Object.getOwnPropertyDescriptor(map, '__proto__')?.value).toBe('x')
    expect(Object.getPrototypeOf(map)).toBeNull()
  })
})

describe('parseMqtt5Headers [HTTP-MQTT5-PROPERTIES]', () => {
  it('gives no properties for no headers, and none for an empty user-property list', () => {
    expect(parseMqtt5Headers(request({}), 8192)).toEqual({ properties: {}, userProperties: [] })
    expect(parseMqtt5Headers(request({ [UP]: b64json([]) }), 8192)).toEqual({ properties: {}, userProperties: [] })
  })

  it('maps user properties, the payload format indicator and correlation data', () => {
    const { properties, userProperties } = parseMqtt5Headers(request({
      [UP]: b64json([{ a: '1' }, { a: '2' }]),
      'x-amz-mqtt5-payload-format-indicator': 'UTF8_DATA',
      'x-amz-mqtt5-correlation-data': Buffer.from('corr').toString('base64'),
    }), 8192)
    expect(userProperties).toEqual([['a', '1'], ['a', '2']])
    expect({ ...properties.userProperties }).toEqual({ a: ['1', '2'] })
    expect(properties.payloadFormatIndicator).toBe(true)
    expect(properties.correlationData).toEqual(Buffer.from('corr'))
    expect(parseMqtt5Headers(request({ 'x-amz-mqtt5-payload-format-indicator': 'UNSPECIFIED_BYTES' }), 8192).properties).toEqual({ payloadFormatIndicator: false })
  })

  it('passes the size limit on and refuses other indicator values and non-base64 correlation data', () => {
    expect(refusal(() => parseMqtt5Headers(request({ [UP]: b64json([{ 'ké': 'vé' }]) }), 9))).toMatchObject({ reason: 'invalid-mqtt5-header' })
    for (const pfi of ['utf8_data', '1', '']) {
      expect(refusal(() => parseMqtt5Headers(request({ 'x-amz-mqtt5-payload-format-indicator': pfi }), 8192))).toMatchObject({ reason: 'invalid-mqtt5-header', message: 'x-amz-mqtt5-payload-format-indicator must be UNSPECIFIED_BYTES or UTF8_DATA' })
    }
    expect(refusal(() => parseMqtt5Headers(request({ 'x-amz-mqtt5-correlation-data': 'no!' }), 8192))).toMatchObject({ message: 'x-amz-mqtt5-correlation-data must be base64' })
    // A header given twice is read as its values joined by commas, which is not base64.
    expect(refusal(() => parseMqtt5Headers(request({ 'x-amz-mqtt5-correlation-data': ['AAAA', 'BBBB'] as unknown as string }), 8192))).toMatchObject({ message: 'x-amz-mqtt5-correlation-data must be base64' })
  })
})
