/**
 * A decoded packet as scenarios see it: `packet` is the type, payloads and
 * binary properties are UTF-8 text, SUBACK/UNSUBACK codes are `reasonCodes`,
 * and a 3.1.1 CONNACK's return code is also `reasonCode`.
 */
export type NormalPacket = Record<string, unknown> & { packet: string }

const DROP = new Set(['cmd', 'length', 'granted', '_consumed', 'protocolId', 'bitField'])

function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('utf8')
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v)
    return out
  }
  return value
}

/** Normalises an mqtt-packet / MQTT.js packet object for matching and traces. */
export function normalizePacket(raw: Record<string, unknown>): NormalPacket {
  const out: NormalPacket = { packet: String(raw.cmd) }
  for (const [k, v] of Object.entries(raw)) {
    if (DROP.has(k) || v === undefined) continue
    out[k] = plain(v)
  }
  if (Array.isArray(raw.granted)) out.reasonCodes = (raw.granted as unknown[]).map((g) => (typeof g === 'object' && g !== null ? (g as { qos: number }).qos : g))
  if (raw.cmd === 'connack' && out.reasonCode === undefined && typeof raw.returnCode === 'number') out.reasonCode = raw.returnCode
  if (raw.cmd === 'publish' && out.payload === undefined) out.payload = ''
  return out
}

/** A trace summary: the normalised packet with long payloads cut. */
export function traceSummary(p: NormalPacket): Record<string, unknown> {
  if (typeof p.payload === 'string' && p.payload.length > 200) return { ...p, payload: `${p.payload.slice(0, 200)}... (${p.payload.length} chars)` }
  return p
}
