import type { OutboundShaper } from '../outbound-shaper.js'
import { isOneQos0Publish } from '../chunked-frame.js'
import { splitPublish } from '../split-frame.js'
import type { ConnectionState, GateHandlers, GateInfo } from './connection.js'

/** What an aedes write needs of its connection before it is joined into frames. */
export interface UnjoinedTarget {
  readonly info: GateInfo
  readonly shaper: OutboundShaper | null
  readonly state: ConnectionState
  readonly handlers: GateHandlers
  /** The outbound splitter holds no part of a frame: `pieces` start a new one. */
  atFrameStart(): boolean
  internalError(where: 'outbound', err: unknown): void
}

/**
 * Takes one aedes write (`pieces`: usually one packet in several chunks) before it is joined,
 * on a connected connection without deviations (as gate/outbound/publish.ts would, for PUBLISH):
 * a QoS 0 PUBLISH for a reader over its slow-consumer limit is dropped before its payload is
 * copied (with many stalled readers the copies alone would cost the healthy ones); a PUBLISH
 * with a large payload goes to the shaper as a split frame, keeping the payload Buffer aedes
 * shares between subscribers (TCP and TLS only: over WebSocket each write is its own message,
 * and every packet stays in one). False: the caller joins them and goes the usual way.
 */
export function takeUnjoined(t: UnjoinedTarget, pieces: readonly Buffer[]): boolean {
  const shaper = t.shaper
  if (shaper === null || !t.handlers.dropsQos0Early || t.state !== 'connected' || !t.atFrameStart()) return false
  if (shaper.overSoftLimit() && isOneQos0Publish(pieces) && shaper.dropQos0()) return true
  if (t.info.transport === 'ws') return false
  const frame = splitPublish(pieces)
  if (frame === null) return false
  try {
    shaper.publish(frame)
  } catch (err) {
    t.internalError('outbound', err)
  }
  return true
}
