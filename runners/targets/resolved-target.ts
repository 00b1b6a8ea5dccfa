import type { Capability, TargetInfo, VarValue } from '../../spec/index.js'
import type { Profile } from '../../reference-broker/index.js'
import type { MqttEndpoint } from '../adapters/mqtt-adapter.js'
import type { HttpEndpoint } from '../adapters/http-client.js'

/** A target ready for scenarios: endpoints, profile limits, capabilities, and its teardown. */
export interface ResolvedTarget {
  info: TargetInfo
  profile: Profile
  /** The profile's limits, flat, for `${limits.*}`. */
  limits: Record<string, VarValue>
  capabilities: ReadonlySet<Capability>
  endpoints: { tcp?: MqttEndpoint; tls?: MqttEndpoint; ws?: MqttEndpoint }
  http?: HttpEndpoint
  auth?: { username?: string; password?: string }
  /** Prepended to every generated client id (a shared endpoint's policy may demand one). */
  clientIdPrefix: string
  /** Prepended to `${prefix}` (a shared endpoint's policy may allow only some topics). */
  topicPrefix: string
  /** Stops what resolving started (the bundled broker); safe to call twice. */
  teardown(): Promise<void>
}

/**
 * The profile as `${limits.*}` names: every scalar by its dotted path
 * (`sessions.expirySeconds`, `mqtt.keepAlive.minSeconds`) and, when unique,
 * by its last segment (`topicAliasMaximum`, `replayRatePerSecond`).
 */
export function flattenLimits(profile: Profile): Record<string, VarValue> {
  const full: Record<string, VarValue> = {}
  const walk = (v: unknown, path: string[]) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') full[path.join('.')] = v
    else if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k])
  }
  walk(profile, [])
  const byLeaf = new Map<string, string[]>()
  for (const key of Object.keys(full)) {
    const leaf = key.slice(key.lastIndexOf('.') + 1)
    byLeaf.set(leaf, [...(byLeaf.get(leaf) ?? []), key])
  }
  const out: Record<string, VarValue> = { ...full }
  for (const [leaf, keys] of byLeaf) {
    if (keys.length === 1 && !(leaf in out)) out[leaf] = full[keys[0]!]!
    else {
      // Ambiguous leaves resolve to the mqtt section's, which is what scenarios mostly mean.
      const mqttKey = keys.find((k) => k === `mqtt.${leaf}`)
      if (mqttKey && !(leaf in out)) out[leaf] = full[mqttKey]!
    }
  }
  return out
}

/** Capabilities a profile implies (a target file may declare its own instead). */
export function profileCapabilities(profile: Profile): Set<Capability> {
  const caps = new Set<Capability>(['mqtt-3.1.1', 'mqtt-5', 'persistent-sessions', 'will'])
  if (profile.mqtt.retainAvailable) caps.add('retained')
  if (profile.mqtt.sharedSubscriptionsAvailable) caps.add('shared-subscriptions')
  if (profile.mqtt.maximumQoS === 2) caps.add('qos2')
  if (profile.name === 'aws-iot-core') caps.add('aws-iot-core')
  return caps
}

/** Which reading of the catalogue's contradictions (section O) the profile applies. */
export function profileReadings(profile: Profile): Record<string, string> {
  const m = profile.mqtt
  return {
    C4: `CONNACK Maximum Packet Size ${m.maximumPacketSize}, payload limit ${m.payloadMaxBytes} bytes`,
    C6: `at most ${m.topicMaxSlashes} slashes in a topic`,
    C13: `QoS 2: 3.1.1 ${m.qos2.mqtt311}, MQTT 5 PUBLISH ${m.qos2.mqtt5Publish}, MQTT 5 SUBSCRIBE ${m.qos2.mqtt5Subscribe}`,
  }
}
