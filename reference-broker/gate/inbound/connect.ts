import type { GateConnection, InboundHandler } from '../connection.js'
import { FrameDecoder, encode, peekConnect } from '../../mqtt-codec.js'
import { RC, RC311 } from '../../reason-codes.js'
import { shapeProblem } from '../../packet-shape.js'
import { propertyBytesProblem } from '../../property-bytes.js'
import { decoded } from './decode.js'
import { AUTH_RC } from './auth.js'
import { CHALLENGE_METHOD } from '../../hx-challenge.js'

/**
 * The first frame of a connection, a CONNECT: checked against the profile
 * (inbound-checks.ts), then passed to aedes, which answers with the CONNACK
 * (gate/outbound/connack.ts). A refused CONNECT gets the CONNACK AWS sends.
 */
export const connect: InboundHandler = (conn, frame) => {
  let packet: Record<string, any>
  try {
    packet = new FrameDecoder(4).decode(frame) as Record<string, any>
  } catch (err) {
    // An MQTT CONNECT of a protocol level we do not speak: a 3.1.1 CONNACK with return code 0x01
    // (the client's level has no CONNACK of its own), then close [MQTT311-3.1.2-2] [MQTT5-3.1.2-2].
    const head = peekConnect(frame)
    if (head?.name === 'MQTT' && ![3, 4, 5].includes(head.level)) {
      conn.identify(4, null, true, 0)
      return conn.refuseConnect({ reason: 'unsupported-protocol-level', detail: `level ${head.level}`, v5: RC.UNSUPPORTED_PROTOCOL_VERSION, v311: RC311.UNACCEPTABLE_PROTOCOL_VERSION })
    }
    return conn.closeNow(`malformed-connect: ${(err as Error).message}`)
  }
  // A CONNECT mqtt-packet decodes but the standard calls malformed: MQTT 5 CONNACK 0x81/0x82, 3.1.1 a close.
  const problem = shapeProblem(packet) ?? propertyBytesProblem(frame)
  if (problem) {
    conn.identify(packet.protocolVersion === 5 ? 5 : 4, null, true, 0)
    return conn.refuseConnect({ reason: `${problem.reason}: ${problem.detail}`, v5: problem.code, v311: null })
  }
  const asks = { problemInformation: packet.properties?.requestProblemInformation !== false, maximumPacketSize: packet.properties?.maximumPacketSize as number | undefined }
  conn.identify(packet.protocolVersion === 5 ? 5 : packet.protocolVersion === 3 ? 3 : 4, packet.clientId as string, packet.clean !== false, Number(packet.keepalive ?? 0), asks)
  const verdict = conn.handlers.checkConnect(packet, conn.profile, conn.host)
  if (verdict.refuse) return conn.refuseConnect(verdict.refuse)
  const accepted = {
    keepAlive: verdict.keepAlive,
    endSessionAtClose: verdict.endSessionAtClose,
    resumesSession: verdict.resumesSession,
    problemInformation: asks.problemInformation, // [MQTT5-3.1.2-28] absent means 1
    shaper: conn.handlers.shaperOptions(conn, packet),
  }
  const method: unknown = conn.version === 5 ? verdict.packet.properties?.authenticationMethod : undefined
  if (method === CHALLENGE_METHOD && conn.profile.mqtt.enhancedAuth) {
    // aedes refuses any Authentication Method (0x8C, as for every other method [MQTT5-4.12.0-1]): it gets
    // the CONNECT without one, once the AUTH exchange succeeded (gate/inbound/auth.ts) [MQTT5-4.12.0-2].
    const { authenticationMethod: _m, authenticationData: _d, ...properties } = verdict.packet.properties as Record<string, unknown>
    conn.awaitAuth(method, accepted, encode({ ...verdict.packet, properties }, 5))
    return conn.writeOut(conn.handlers.authFrame(conn, AUTH_RC.CONTINUE, conn.auth!.challenge()))
  }
  conn.acceptConnect(accepted)
  conn.forward(verdict.rewritten ? encode(verdict.packet, conn.version) : frame)
}

/** How the outbound shaper of an accepted CONNECT is set up: the profile's limits and the client's own. */
export function shaperOptions(conn: GateConnection, packet: Record<string, any>): ReturnType<GateConnection['handlers']['shaperOptions']> {
  const p = conn.profile
  return {
    inflightMaximum: Math.min(p.mqtt.outboundInflightMaximum, packet.properties?.receiveMaximum ?? 65535), // [QOS1-INFLIGHT-100]
    replayRatePerSecond: p.sessions.replayRatePerSecond, // [PS-REPLAY-RATE]
    softBytes: p.server.slowClientSoftBytes,
    hardBytes: p.server.slowClientHardBytes,
    stallMs: p.server.slowClientStallMs,
    // [M5-MAX-PACKET-SIZE] never more than the client accepts.
    clientMaximumPacketSize: conn.version === 5 ? packet.properties?.maximumPacketSize : undefined,
    throughputBytesPerSecond: p.mqtt.throughputBytesPerSecond, // [LIM-THROUGHPUT-512KIB]
    publishRate: conn.rate, // [LIM-PUB-RATE-100] deliveries count with the client's own publishes
  }
}

/** A second CONNECT on a connection is a protocol error [CONN-DOUBLE-CONNECT]. */
export const secondConnect: InboundHandler = decoded((conn) => conn.violation(RC.PROTOCOL_ERROR, 'second-connect'))
