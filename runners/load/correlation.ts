import type { IPublishPacket } from 'mqtt-packet'

/** A request's identity on the wire: run id, slice, sequence number. */
export interface CorrelationId {
  run: string
  slice: number
  seq: number
}

/** `run/slice/seq`: what goes (base64) into `x-amz-mqtt5-correlation-data`. */
export function correlationText(c: CorrelationId): string {
  return `${c.run}/${c.slice}/${c.seq}`
}

/**
 * The payload of request `c`: a JSON header with the correlation id and the
 * send time (epoch ms), padded with spaces to `bytes`, so 3.1.1 devices
 * (which get no MQTT 5 properties) can still match it.
 */
export function correlationPayload(c: CorrelationId, sentEpochMs: number, bytes: number): Buffer {
  const head = `{"hx":"${c.run}","s":${c.slice},"i":${c.seq},"t":${Math.round(sentEpochMs)}}`
  const buf = Buffer.alloc(Math.max(bytes, head.length), 0x20)
  buf.write(head, 0, 'latin1')
  return buf
}

const PAYLOAD_RE = /^\{"hx":"([^"]+)","s":(\d+),"i":(\d+)/
const TEXT_RE = /^([^/]+)\/(\d+)\/(\d+)$/

/** The correlation id a received PUBLISH carries: MQTT 5 Correlation Data first, else the payload header. */
export function readCorrelation(p: IPublishPacket): CorrelationId | null {
  const cd = p.properties?.correlationData
  if (cd && cd.length > 0) {
    const m = TEXT_RE.exec(cd.toString('latin1'))
    if (m) return { run: m[1]!, slice: Number(m[2]), seq: Number(m[3]) }
  }
  const payload = p.payload
  const head = typeof payload === 'string' ? payload.slice(0, 120) : payload.subarray(0, 120).toString('latin1')
  const m = PAYLOAD_RE.exec(head)
  return m ? { run: m[1]!, slice: Number(m[2]), seq: Number(m[3]) } : null
}
