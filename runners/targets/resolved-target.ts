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
  /**
   * Whether the target still answers as an MQTT broker: rejects with
   * TargetUnreachableError / TargetNotMqttError when it went away. Absent for
   * the bundled broker (it lives in this process).
   */
  stillThere?(): Promise<void>
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
  if (profile.mqtt.subscriptionIdentifiersAvailable) caps.add('subscription-identifiers')
  if (profile.name === 'aws-iot-core') caps.add('aws-iot-core')
  else caps.add('mqtt-standard')
  return caps
}

/**
 * Which reading of each contradiction between the sources (catalogue section
 * O, C1..C16) the profile and the scenarios apply, as `Cn` → "topic: reading".
 * Profile values decide the ones a broker can be configured for; the others
 * are how the scenarios read the conflict, whatever the target.
 */
export function profileReadings(profile: Profile): Record<string, string> {
  const m = profile.mqtt
  const q = m.qos2
  const replay = profile.sessions.replayRatePerSecond
  return {
    C1: m.retainAvailable
      ? 'Retained messages: supported (RET-SUPPORTED); the older text saying a retain request disconnects is stale'
      : 'Retained messages: not supported by this profile (retainAvailable false)',
    C2: 'HTTPS QoS: the Publish API takes ?qos=0|1 (HTTP-QOS-PARAM); "HTTPS does not support QoS" is not followed',
    C3: profile.retained.exactMatchOnly
      ? 'Retained + wildcard: retained messages only through a filter equal to the topic; the wildcards are # and + (the "*" of one source is not an MQTT wildcard)'
      : 'Retained + wildcard: retained messages also through wildcard filters (standard MQTT)',
    C4: `Max packet size: CONNACK Maximum Packet Size ${m.maximumPacketSize} (observed), payload limit ${m.payloadMaxBytes} bytes`,
    C5: 'CONNACK Session Expiry: the value in CONNACK is recorded, not asserted; the session\'s behaviour is asserted',
    C6: `Topic depth: at most ${m.topicMaxSlashes} slashes in a topic${m.topicMaxSlashes === 7 ? ' (current quota; an older copy says 8)' : ''}`,
    C7: 'DM code samples: not a behaviour conflict; raw HTTP requests URL-encode the topic and client id',
    C8: 'Retained lifetime: the 3-year lifetime is taken as authoritative but not tested (no scenario waits for it)',
    C9: 'DM auth errors: a missing or bad SigV4 signature may get 401 or 403 (recorded); a policy denial gets 403',
    C10: 'SigV4 service name: both iotdata and iotdevicegateway are accepted',
    C11: 'SNI: not required; configuration-dependent, so never a hard failure (the bundled broker\'s TLS option requireSni)',
    C12: 'Unauthorized 3.1.1 CONNECT: a refusal or a close is expected; return code 7 (not a 3.1.1 code) is not asserted',
    C13: `QoS 2: 3.1.1 ${q.mqtt311}, MQTT 5 PUBLISH ${q.mqtt5Publish}, MQTT 5 SUBSCRIBE ${q.mqtt5Subscribe}, Will QoS 2 ${q.will}`,
    C14: `Replay vs shared queue rate: persistent-session replay ${replay > 0 ? `at most ${replay} messages/s per client` : 'unthrottled'}; shared-subscription queues 20 messages/s per member; different mechanisms, both kept`,
    C15: 'DM CLI version: informational; the AWS CLI version is not checked',
    C16: 'ConnectAttributes default: a policy without an iot:ConnectAttributes condition restricts neither persistent sessions nor Wills; only policies with an explicit condition are tested',
  }
}
