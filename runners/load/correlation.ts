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
 * The start of request `c`'s payload: a JSON header with the correlation id
 * and the send time (epoch ms); the rest is space padding. 3.1.1 devices get
 * no MQTT 5 properties, so this is how they match requests.
 */
export function correlationHead(c: CorrelationId, sentEpochMs: number): string {
  return `{"hx":"${c.run}","s":${c.slice},"i":${c.seq},"t":${sentEpochMs}}`
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
