import { z } from 'zod'

/**
 * What a target can do. A scenario lists the ones it needs under `requires:`;
 * a target without one reports the scenario `skipped` with the reason, never
 * a false failure. Clients declared with MQTT 5 or 3.1.1 add `mqtt-5` /
 * `mqtt-3.1.1` implicitly.
 */
export const CAPABILITIES = [
  'mqtt-3.1.1',
  'mqtt-5',
  'aws-iot-core',
  'http-data-plane',
  'http-publish',
  'retained',
  'shared-subscriptions',
  'persistent-sessions',
  'tls',
  'mtls',
  'websocket',
  'qos2',
  /** The target supports MQTT 5 Subscription Identifiers (CONNACK Subscription Identifier Available 1). */
  'subscription-identifiers',
  'will',
  /**
   * The target applies the harness's test policy (scenarios/fixtures/policy-fixture.json):
   * everything allowed except resources marked `hx-denied` / `hx-deny-<action>`,
   * and client ids marked `hx-plain-connect` connect without persistent session or Will.
   */
  'policy-fixture',
  /**
   * The target verifies SigV4 signatures on its HTTP data plane and refuses
   * unsigned requests, and the harness has credentials for it (the target
   * file's http.sigv4, the bundled target's test key pair): http steps sign by
   * default, and `sign:` can send a request unsigned or badly signed.
   */
  'sigv4',
  /**
   * The target's profile applies MQTT as the OASIS standards write it (any
   * profile but aws-iot-core): scenarios of standard behaviour that AWS IoT
   * Core overrides (keep-alive under 30 s, $ topics, wildcard retained) need it.
   */
  'mqtt-standard',
  /**
   * The target lacks a feature a server may leave out (MQTT 5.0 3.2.2.3; a
   * target file declares these, the bundled target derives them from its
   * profile, e.g. `mqtt-5-minimal`): scenarios of how such a server refuses
   * need them. `no-retained`: no retained messages (CONNACK Retain Available 0).
   */
  'no-retained',
  /** No wildcard subscriptions (CONNACK Wildcard Subscription Available 0). */
  'no-wildcard-subscriptions',
  /** Neither QoS 1 nor QoS 2 (CONNACK Maximum QoS 0). */
  'maximum-qos-0',
  /**
   * The target performs the harness's test method of MQTT 5 enhanced authentication,
   * HX-CHALLENGE (docs/enhanced-auth.md): a CONNECT with Authentication Method
   * `HX-CHALLENGE` gets AUTH 0x18 with a challenge as Authentication Data, the client
   * sends it back in AUTH 0x18, and re-authentication (AUTH 0x19) works the same way.
   */
  'enhanced-auth',
] as const

export const capabilitySchema = z.enum(CAPABILITIES).describe('A capability the target must have; otherwise the scenario is skipped')
export type Capability = z.infer<typeof capabilitySchema>
