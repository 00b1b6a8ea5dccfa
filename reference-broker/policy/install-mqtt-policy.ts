import type { AwsBroker } from '../aws-broker.js'
import type { WireGate } from '../wire-gate.js'
import { gateOf, hooksOf, type AedesClient, type AedesPublish } from '../aedes-internals.js'
import type { Logger } from '../logger.js'
import type { AuthorizationContext, Authorizer, Principal } from './create-authorizer.js'
import { principalName } from './create-authorizer.js'
import type { ConnectAttribute } from './policy-document.js'
import type { IotAction } from './policy-engine.js'

/** What the policy reads of a connecting aedes client. */
export type HookClient = (Pick<AedesClient, 'id' | 'version' | '_cleanStart' | '_connectSessionExpiryInterval'> & Partial<Pick<AedesClient, '_will'>> & { conn?: { gate?: WireGate } }) | null

type PublishDone = (err?: Error | null) => void
type SubscribeDone = (err: Error | null, sub?: unknown) => void

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
  const cleanStart = gateOf(client)?.cleanStart ?? client._cleanStart !== false
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
 * The MQTT policy rules the aedes hooks apply; faults (faults/policy-faults.ts)
 * decorate them.
 */
export class MqttPolicy {
  constructor(private readonly authorizer: Authorizer, private readonly log: Logger) {}

  /** The policies' decision for one action on one resource [AUTHZ-ACTIONS]; a refusal is logged. */
  allows(client: HookClient, action: IotAction, resource: string, topic?: string, extra: AuthorizationContext = {}): boolean {
    const principal = principalOfGate(gateOf(client))
    const decision = this.authorizer.authorize(principal, action, resource, { clientId: client?.id, topic, ...extra })
    if (decision.effect === 'allow') return true
    this.log.info({ event: 'rejected', reason: 'not-authorized', clientId: client?.id, action, resource: this.authorizer.arn(resource), principal: principalName(principal), decision: decision.effect, policy: decision.policy, ...(extra.connectAttributes ? { connectAttributes: extra.connectAttributes } : {}) })
    return false
  }

  /** iot:Connect is decided with the CONNECT's iot:ConnectAttributes [AUTHZ-CONNECT-ATTRIBUTES]. */
  connectContext(client: HookClient): AuthorizationContext {
    return { connectAttributes: connectAttributesOf(client) }
  }

  /** A PUBLISH needs iot:Publish, and iot:RetainPublish when retained [RET-POLICY-RETAINPUBLISH]. */
  publishActions(packet: AedesPublish): IotAction[] {
    return packet.retain ? ['iot:Publish', 'iot:RetainPublish'] : ['iot:Publish']
  }

  /** A refused PUBLISH: PUBACK 0x87 on MQTT 5 [AUTHZ-V5-REASON-CODES], the connection closed on 3.1.1 [AUTHZ-311-DISCONNECT]. */
  refusePublish(_client: HookClient, _packet: AedesPublish, action: IotAction, done: PublishDone): void {
    done(notAuthorized(action))
  }

  /**
   * A refused SUBSCRIBE: aedes answers a null subscription with SUBACK 0x87 on MQTT 5
   * [AUTHZ-V5-REASON-CODES]; 3.1.1 has no "not authorized" code, so AWS closes the
   * connection and so do we [AUTHZ-311-DISCONNECT].
   */
  refuseSubscribe(client: HookClient, done: SubscribeDone): void {
    if (client?.version === 5) return done(null, null)
    done(notAuthorized('iot:Subscribe'))
  }
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
 * Returns the policy the hooks consult, for its faults (faults/policy-faults.ts).
 */
export function installMqttPolicy(broker: AwsBroker, authorizer: Authorizer): MqttPolicy {
  const policy = new MqttPolicy(authorizer, broker.log)
  const hooks = hooksOf(broker.aedes)

  // A refusal for the CONNECT's attributes is the same CONNACK 5 / 0x87 as any other [AUTHZ-CONNECT-ATTRIBUTES].
  hooks.authenticate = (client, _username, _password, done) => {
    if (policy.allows(client, 'iot:Connect', `client/${client?.id ?? ''}`, undefined, policy.connectContext(client))) return done(null, true)
    done(notAuthorized('iot:Connect'), false)
  }

  const authorizePublish = hooks.authorizePublish.bind(hooks)
  hooks.authorizePublish = (client, packet, done) => {
    authorizePublish(client, packet, (err) => {
      if (err) return done(err)
      const resource = `topic/${packet.topic}`
      const refused = policy.publishActions(packet).find((action) => !policy.allows(client, action, resource, packet.topic))
      if (refused) policy.refusePublish(client, packet, refused, done)
      else done(null)
    })
  }

  hooks.authorizeSubscribe = (client, sub, done) => {
    if (policy.allows(client, 'iot:Subscribe', `topicfilter/${sub.topic}`)) return done(null, sub)
    policy.refuseSubscribe(client, done)
  }

  const authorizeForward = hooks.authorizeForward.bind(hooks)
  hooks.authorizeForward = (client, packet) => {
    const forwarded = authorizeForward(client, packet)
    if (!forwarded) return forwarded
    return policy.allows(client, 'iot:Receive', `topic/${packet.topic}`, packet.topic) ? forwarded : null
  }
  return policy
}
