import type { Fault } from '../deviations.js'
import { filterFailure } from '../gate/subscriptions.js'
import { wrapEntry, type GateDecorator } from './gate-decorators.js'

/**
 * The gate's deviations of a server lacking an optional feature (the
 * `mqtt-5-minimal` profile: no retained messages, no wildcard subscriptions,
 * Maximum QoS 0): what it advertises is not what it does.
 */
export const FEATURE_FAULTS: Partial<Record<Fault, GateDecorator>> = {
  // A wildcard filter is granted although Wildcard Subscription Available is 0 [MQTT311-3.8.3-2].
  'wildcard-unavailable-granted': wrapEntry('filterVerdict', (next) => (c, s, shared, held) => {
    const verdict = next(c, s, shared, held)
    const refusedForWildcard = verdict && 'refuse' in verdict && !verdict.problem && !c.profile.mqtt.wildcardSubscriptionAvailable && /[+#]/.test(s.topic)
    return refusedForWildcard ? undefined : verdict
  }),
  // A retained Will is accepted (stored as a plain one) although Retain Available is 0 [MQTT5-3.2.2-13].
  'retained-will-accepted-unavailable': wrapEntry('checkConnect', (next) => (p, profile, host) => {
    if (!p.will?.retain || profile.mqtt.retainAvailable) return next(p, profile, host)
    p.will.retain = false
    const verdict = next(p, profile, host)
    if (!verdict.refuse) verdict.rewritten = true
    return verdict
  }),
  // A filter asking a QoS above Maximum QoS is refused (0x80) instead of granted at the maximum [MQTT5-3.2.2-10].
  'subscribe-above-maximum-qos-refused': wrapEntry('filterVerdict', (next) => (c, s, shared, held) =>
    s.qos > c.profile.mqtt.maximumQoS ? { refuse: filterFailure(c.version, 0x80) } : next(c, s, shared, held)),
}
