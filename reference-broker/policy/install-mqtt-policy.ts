import type { AwsBroker } from '../aws-broker.js'
import type { WireGate } from '../wire-gate.js'
import type { AuthorizationContext, Authorizer, Principal } from './create-authorizer.js'
import { principalName } from './create-authorizer.js'
import type { ConnectAttribute } from './policy-document.js'
import type { IotAction } from './policy-engine.js'

type HookClient = {
  id: string
  version: number
  conn?: { gate?: WireGate }
  /** aedes: the CONNECT's Will, as sent. */
  _will?: unknown
  /** aedes: the CONNECT's Clean Start / Clean Session flag. */
  _cleanStart?: boolean
  /** aedes: the Session Expiry Interval of the CONNECT before aedes clamps it. */
  _connectSessionExpiryInterval?: number
} | null
type PublishPacket = { topic: string; retain?: boolean }
type Callback = (err?: Error | null, value?: unknown) => void

/** The policy principal of an MQTT connection: its client certificate's CN, or anonymous. */
export function principalOfGate(gate: WireGate | undefined): Principal {
  const cn = gate?.info.certificateSubject
  return cn ? { kind: 'certificate', id: cn } : { kind: 'anonymous' }
}

/**
 * The attribute set of a CONNECT, for `iot:ConnectAttributes` [AUTHZ-CONNECT-ATTRIBUTES]:
 * `LastWill` when it carries a Will, `PersistentConnect` when the client asks for a
 * persistent session. The sources name the attribute without mapping it to the MQTT 5
 * flags, so this is the harness's reading (INF): MQTT 3.1.1 cleanSession 0; MQTT 5
 * Clean Start 0 (resume a stored session) or a Session Expiry Interval above 0 (keep
 * the session after the connection). S003 describes PersistentConnect as keeping the
 * subscriptions across an interrupted connection and resuming them, so either half is
 * the feature; only the exact equivalent of a 3.1.1 clean session (Clean Start 1, no or
 * a 0 Session Expiry) is the default connection, which "passes no attributes".
 * Read from what the client sent: the gate records the Clean Start flag before it
 * rewrites the CONNECT (no cross-version resume [PS-NO-CROSS-VERSION], deviations), it
 * changes the Session Expiry only of a Clean Start 0 CONNECT (PersistentConnect either
 * way; the `clean-start-keeps-session` deviation aside), and aedes keeps the Will as sent.
 */
export function connectAttributesOf(client: HookClient): ConnectAttribute[] {
  if (!client) return []
  const attributes: ConnectAttribute[] = []
  const cleanStart = client.conn?.gate?.cleanStart ?? client._cleanStart !== false
  const keepsSession = client.version === 5 && (client._connectSessionExpiryInterval ?? 0) > 0
  if (!cleanStart || keepsSession) attributes.push('PersistentConnect')
  if (client._will) attributes.push('LastWill')
  return attributes
}

function notAuthorized(what: string): Error & { returnCode: number } {
  // returnCode 5 = CONNACK "not authorized" (aedes maps it to 0x87 for MQTT 5).
  return Object.assign(new Error(`not authorized: ${what}`), { returnCode: 5 })
}

/**
 * Puts the policy engine in front of aedes [AUTHZ-ACTIONS]: iot:Connect on the
 * client ARN at CONNECT, with the CONNECT's iot:ConnectAttributes
 * [AUTHZ-CONNECT-ATTRIBUTES], iot:Publish (+ iot:RetainPublish for retained
 * messages [RET-POLICY-RETAINPUBLISH]) on the topic ARN, iot:Subscribe on the
 * topicfilter ARN, and iot:Receive on the topic ARN before each delivery.
 * Refusals follow aedes' forms, which are the documented ones: CONNACK
 * 5 / 0x87; MQTT 3.1.1 publish or subscribe closes the connection
 * [AUTHZ-311-DISCONNECT]; MQTT 5 gets PUBACK 0x87 / SUBACK 0x87
 * [AUTHZ-V5-REASON-CODES]. Hooks are plain aedes handler properties, so the
 * broker's own authorizeForward (exact-parent `#` rule) keeps running first.
 */
export function installMqttPolicy(broker: AwsBroker, authorizer: Authorizer): void {
  // The `mqtt-policy-ignored` deviation: policies govern the HTTP data plane only.
  if (broker.faults.has('mqtt-policy-ignored')) return
  // The `authz-311-kept-open` deviation: 3.1.1 refusals keep the connection open.
  const keepOpen311 = broker.faults.has('authz-311-kept-open')
  const aedes = broker.aedes as unknown as Record<string, any>
  const log = broker.log
  const check = (client: HookClient, action: IotAction, resource: string, topic?: string, extra: AuthorizationContext = {}): boolean => {
    const principal = principalOfGate(client?.conn?.gate)
    const decision = authorizer.authorize(principal, action, resource, { clientId: client?.id, topic, ...extra })
    if (decision.effect === 'allow') return true
    log.info({ event: 'rejected', reason: 'not-authorized', clientId: client?.id, action, resource: authorizer.arn(resource), principal: principalName(principal), decision: decision.effect, policy: decision.policy, ...(extra.connectAttributes ? { connectAttributes: extra.connectAttributes } : {}) })
    return false
  }
  // The `connect-attributes-ignored` deviation: every iot:ConnectAttributes condition holds [AUTHZ-CONNECT-ATTRIBUTES].
  const ignoreConnectAttributes = broker.faults.has('connect-attributes-ignored')

  // A refusal for the CONNECT's attributes is the same CONNACK 5 / 0x87 as any other [AUTHZ-CONNECT-ATTRIBUTES].
  aedes.authenticate = (client: HookClient, _username: unknown, _password: unknown, done: Callback) => {
    const context: AuthorizationContext = { connectAttributes: connectAttributesOf(client), ...(ignoreConnectAttributes ? { ignoreConnectAttributes } : {}) }
    if (check(client, 'iot:Connect', `client/${client?.id ?? ''}`, undefined, context)) return done(null, true)
    done(notAuthorized('iot:Connect'), false)
  }

  const originalPublish = aedes.authorizePublish as (c: HookClient, p: PublishPacket, cb: Callback) => void
  aedes.authorizePublish = (client: HookClient, packet: PublishPacket, done: Callback) => {
    originalPublish.call(aedes, client, packet, (err) => {
      if (err) return done(err)
      const resource = `topic/${packet.topic}`
      let refused: IotAction | null = null
      if (!check(client, 'iot:Publish', resource, packet.topic)) refused = 'iot:Publish'
      // The `retain-publish-unchecked` deviation skips iot:RetainPublish [RET-POLICY-RETAINPUBLISH].
      else if (packet.retain && !broker.faults.has('retain-publish-unchecked') && !check(client, 'iot:RetainPublish', resource, packet.topic)) refused = 'iot:RetainPublish'
      if (!refused) return done(null)
      if (keepOpen311 && client?.version !== 5) {
        // aedes drops a packet marked so without acknowledging it (its MQTT 5 path).
        ;(packet as PublishPacket & { _notAuthorized?: boolean })._notAuthorized = true
        return done(null)
      }
      done(notAuthorized(refused))
    })
  }

  aedes.authorizeSubscribe = (client: HookClient, sub: { topic: string }, done: Callback) => {
    if (check(client, 'iot:Subscribe', `topicfilter/${sub.topic}`)) return done(null, sub)
    // aedes answers a null subscription with SUBACK 0x87 on MQTT 5; 3.1.1 has no
    // "not authorized" code, so AWS closes the connection and so do we.
    if (client?.version === 5 || keepOpen311) return done(null, null)
    done(notAuthorized('iot:Subscribe'))
  }

  const originalForward = aedes.authorizeForward as (c: HookClient, p: PublishPacket) => unknown
  aedes.authorizeForward = (client: HookClient, packet: PublishPacket) => {
    const forwarded = originalForward.call(aedes, client, packet)
    if (!forwarded) return forwarded
    return check(client, 'iot:Receive', `topic/${packet.topic}`, packet.topic) ? forwarded : null
  }
}
