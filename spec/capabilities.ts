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
  'will',
  /**
   * The target applies the harness's test policy (scenarios/fixtures/policy-fixture.json):
   * everything allowed except resources marked `hx-denied` / `hx-deny-<action>`.
   */
  'policy-fixture',
] as const

export const capabilitySchema = z.enum(CAPABILITIES).describe('A capability the target must have; otherwise the scenario is skipped')
export type Capability = z.infer<typeof capabilitySchema>
