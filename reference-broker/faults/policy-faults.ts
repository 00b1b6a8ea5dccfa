import type { MqttPolicy } from '../policy/install-mqtt-policy.js'
import { wrapMethod, type FaultDecorators } from './decorate.js'

/** A PUBLISH aedes drops without acknowledging it (its MQTT 5 not-authorized path). */
type Marked = { _notAuthorized?: boolean }

/** Faults of the MQTT policy: decorators of its rules. */
export const policyFaults: FaultDecorators<MqttPolicy, void> = {
  // Policies govern the HTTP data plane only: every MQTT action is allowed [AUTHZ-ACTIONS].
  'mqtt-policy-ignored': (policy) => wrapMethod(policy, 'allows', () => () => true),
  // Every iot:ConnectAttributes condition holds [AUTHZ-CONNECT-ATTRIBUTES].
  'connect-attributes-ignored': (policy) => wrapMethod(policy, 'connectContext', (context) => (client) => ({ ...context(client), ignoreConnectAttributes: true })),
  // Retained publishes need only iot:Publish [RET-POLICY-RETAINPUBLISH].
  'retain-publish-unchecked': (policy) => wrapMethod(policy, 'publishActions', () => () => ['iot:Publish']),
  // MQTT 3.1.1 refusals keep the connection open: a refused PUBLISH is dropped unacknowledged,
  // a refused SUBSCRIBE gets SUBACK 0x80 [AUTHZ-311-DISCONNECT].
  'authz-311-kept-open': (policy) => {
    wrapMethod(policy, 'refusePublish', (refuse) => (client, packet, action, done) => {
      if (client?.version === 5) return refuse(client, packet, action, done)
      ;(packet as Marked)._notAuthorized = true
      done(null)
    })
    wrapMethod(policy, 'refuseSubscribe', (refuse) => (client, done) => (client?.version === 5 ? refuse(client, done) : done(null, null)))
  },
}
