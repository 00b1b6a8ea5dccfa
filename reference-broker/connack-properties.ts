import type { Profile } from './profile.js'

/**
 * The MQTT 5 CONNACK properties the broker advertises, from the profile
 * [M5-CONNACK-PROPERTIES]; aedes' own (which cannot express Maximum QoS,
 * Retain Available or Shared Subscription Available: aedes defect 5,
 * docs/aedes-defects.md) are replaced, its per-client values (assigned client id, clamped
 * Session Expiry) kept.
 */
export function connackProperties(fromAedes: Record<string, unknown> | undefined, profile: Profile, keepAlive: number, dropSessionExpiry: boolean, requestedKeepAlive: number): Record<string, unknown> {
  const m = profile.mqtt
  const props: Record<string, unknown> = { ...(fromAedes ?? {}) }
  props.receiveMaximum = m.receiveMaximum
  if (m.topicAliasMaximum > 0) props.topicAliasMaximum = m.topicAliasMaximum
  else delete props.topicAliasMaximum
  if (m.maximumQoS < 2) props.maximumQoS = m.maximumQoS
  else delete props.maximumQoS
  props.retainAvailable = m.retainAvailable
  props.maximumPacketSize = m.maximumPacketSize
  props.wildcardSubscriptionAvailable = m.wildcardSubscriptionAvailable
  props.subscriptionIdentifiersAvailable = m.subscriptionIdentifiersAvailable
  props.sharedSubscriptionAvailable = m.sharedSubscriptionsAvailable
  // [KA-SERVER-KEEPALIVE-PROPERTY] AWS always says it; a plain MQTT server only when it overrides the
  // client's, which otherwise governs [MQTT5-3.2.2-22].
  const overrides = keepAlive !== requestedKeepAlive
  if ((keepAlive > 0 || m.keepAlive.zeroMeansSeconds > 0) && (overrides || m.keepAlive.advertiseUnchanged)) props.serverKeepAlive = keepAlive
  else delete props.serverKeepAlive
  if (dropSessionExpiry) delete props.sessionExpiryInterval
  // The profile's CONNACK User Properties; the gate leaves them out past the client's Maximum Packet Size [MQTT5-3.2.2-20].
  if (Object.keys(m.connackUserProperties).length > 0) props.userProperties = { ...m.connackUserProperties }
  return props
}
