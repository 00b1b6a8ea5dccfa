import type { ProfileOverrides } from './profile.js'
import { mergeProfile } from './profile.js'
import { DeviationUnknownError } from './errors.js'

/**
 * A deliberately broken behaviour: the reference broker run with one documented
 * behaviour switched off, so the harness can show that the scenarios for that
 * behaviour (and only a few others) turn red. A deviation is a profile change
 * where the profile can express it, otherwise a named fault the code checks.
 */
export interface Deviation {
  name: string
  description: string
  /** Catalogue ids, or MQTT standard statement ids (MQTT5-3.12.4-1), whose scenarios must fail under this deviation. */
  breaks: readonly string[]
  /**
   * When the deviation breaks only one aspect of a requirement that several
   * scenarios check from different sides: the ids of the scenarios of that
   * aspect (each tagged with one of `breaks`). Only these must fail; the other
   * scenarios tagged with `breaks` may pass.
   */
  scenarios?: readonly string[]
  /**
   * Scenarios that do not check the broken behaviour but rely on it to set up
   * what they check (e.g. every SendDirectMessage scenario needs a 200 for a
   * connected receiver first): catalogue ids, or a prefix ending in `*`, with
   * why. They may fail too and are reported apart from the other failures.
   */
  dependents?: { ids: readonly string[]; why: string }
  /**
   * For a requirement no corpus scenario can check against the shared bundled
   * broker (its reason is in spec/catalogue-coverage.ts): the test file that
   * runs the broker with this deviation and shows the failure.
   */
  checkedBy?: string
  /**
   * For a deviation of standard MQTT behaviour that the aws-iot-core profile
   * overrides anyway (keep-alive under 30 s, QoS 2, retained through wildcards):
   * the plain-MQTT profile it is run with. The aws-iot-core deviation sweep
   * leaves it out; `checkedBy` names the test that runs it with that profile.
   */
  profile?: string
  overrides?: ProfileOverrides
  /**
   * The deviation is a fault the broker's code applies, not a profile change:
   * `true` when the fault is named as the deviation, or the name of another
   * deviation's fault that this one runs under a different profile.
   */
  fault?: true | string
}

const list = [
  { name: 'retained-through-wildcards', description: 'retained messages also reach wildcard filters (standard MQTT)', breaks: ['RET-EXACT-MATCH'], overrides: { retained: { exactMatchOnly: false } } },
  { name: 'replay-unthrottled', description: 'stored messages are replayed at once after a resumed CONNACK', breaks: ['PS-REPLAY-RATE'], overrides: { sessions: { replayRatePerSecond: 0 } } },
  { name: 'alias-limit-9', description: 'topic alias 9 is accepted while CONNACK still advertises 8', breaks: ['ALIAS-OUT-OF-RANGE-0x94'], fault: true },
  { name: 'hash-matches-parent', description: 'a/# also matches a (standard MQTT)', breaks: ['TOPIC-HASH-NO-PARENT'], overrides: { mqtt: { hashMatchesParent: true } } },
  { name: 'qos2-accepted', description: 'QoS 2 is supported and advertised', breaks: ['QOS2-NO-ACK', 'QOS2-V5-MAXIMUM-QOS', 'LWT-QOS2-REFUSED', 'M5-CONNACK-PROPERTIES', 'QOS-NO-PUBREC-AUTH'], overrides: { mqtt: { maximumQoS: 2, qos2: { mqtt311: 'support', mqtt5Publish: 'support', mqtt5Subscribe: 'support', will: 'support' } } } },
  { name: 'keepalive-unclamped', description: 'the requested keep-alive is used as is', breaks: ['KA-RANGE-30-1200'], overrides: { mqtt: { keepAlive: { minSeconds: 0, maxSeconds: 65535, zeroMeansSeconds: 0 } } } },
  { name: 'takeover-silent', description: 'a displaced MQTT 5 connection is closed without DISCONNECT 0x8E', breaks: ['CID-TAKEOVER-V5-REASON'], fault: true },
  { name: 'will-on-disconnect', description: 'the Will is published even after a clean DISCONNECT', breaks: ['LWT-NOT-ON-DISCONNECT'], fault: true },
  { name: 'topic-quotas-off', description: 'topics may be longer than 256 bytes and deeper than 7 slashes', breaks: ['TOPIC-MAX-256', 'TOPIC-MAX-7-SLASHES', 'DM-TOPIC-VALIDATION'], overrides: { mqtt: { topicMaxBytes: 65535, topicMaxSlashes: 1000 } } },
  { name: 'filters-per-subscribe-off', description: 'a SUBSCRIBE may carry any number of filters', breaks: ['SUB-MAX-8-PER-SUBSCRIBE'], overrides: { mqtt: { filtersPerSubscribe: 100000 } } },
  { name: 'payload-limit-off', description: 'payloads up to the packet size limit are accepted', breaks: ['LIM-PAYLOAD-128KB'], overrides: { mqtt: { payloadMaxBytes: 149504 } }, scenarios: ['payload-128-kib'] },
  { name: 'receive-maximum-65535', description: 'CONNACK advertises Receive Maximum 65535', breaks: ['M5-CONNACK-PROPERTIES'], overrides: { mqtt: { receiveMaximum: 65535 } } },
  { name: 'shared-fanout', description: 'every member of a shared group gets every message', breaks: ['SHARE-ONE-PER-GROUP'], fault: true },
  { name: 'expiry-not-decremented', description: 'replayed messages carry their original Message Expiry Interval', breaks: ['MEI-REMAINING', 'PS-MEI-EXPIRED-NOT-DELIVERED', 'MEI-ZERO-ROUNDING', 'MEI-CROSS-VERSION', 'MEI-MIN-1', 'MEI-UNACKED-QOS1', 'LWT-MEI-START'], fault: true },
  { name: 'dm-200-before-puback', description: 'SendDirectMessage with confirmation answers 200 before the PUBACK', breaks: ['DM-CONFIRM-TRUE-QOS1', 'DM-STATUS-504', 'DM-TIMEOUT-RANGE'], fault: true },
  { name: 'dm-404-for-connected', description: 'SendDirectMessage answers 404 for a connected client', breaks: ['DM-API-PATH'], fault: true , dependents: { ids: ['DM-*'], why: 'every SendDirectMessage scenario first needs a 200 for a connected receiver' } },
  { name: 'dm-200-empty-body', description: 'SendDirectMessage answers 200 with no body (no message, no traceId)', breaks: ['DM-RESPONSE-BODY'], fault: true },
  { name: 'dm-needs-subscription', description: 'a direct message reaches a client that holds subscriptions only through a matching one (200 either way)', breaks: ['DM-NO-SUBSCRIPTION-REQUIRED'], fault: true },
  { name: 'dm-fanout-to-subscribers', description: 'a direct message is also published to every subscriber of its topic', breaks: ['DM-NO-FANOUT', 'DM-ALREADY-SUBSCRIBED-SINGLE-COPY'], fault: true },
  { name: 'dm-confirmation-default-true', description: 'SendDirectMessage without confirmation waits for a PUBACK (QoS 1)', breaks: ['DM-CONFIRM-FALSE-QOS0'], fault: true },
  { name: 'dm-qos-from-subscription', description: 'a direct message takes the QoS of the receiver\'s matching subscription', breaks: ['DM-QOS-FROM-API'], fault: true },
  { name: 'dm-timeout-range-off', description: 'SendDirectMessage accepts a timeout of up to an hour, not 15 seconds', breaks: ['DM-TIMEOUT-RANGE'], overrides: { http: { directMessage: { timeoutMaxSeconds: 3600 } } } },
  { name: 'dm-200-for-unknown-client', description: 'SendDirectMessage to a client that is not connected answers 200', breaks: ['DM-STATUS-404'], fault: true },
  { name: 'dm-404-without-session-hint', description: 'the 404 for an offline client with a persistent session does not say so', breaks: ['DM-404-PERSISTENT-SESSION', 'PS-LISTED-OFFLINE'], fault: true },
  { name: 'dm-queued-for-offline', description: 'a direct message to an offline persistent session is queued for it (still 404)', breaks: ['DM-NO-QUEUE'], fault: true },
  { name: 'dm-retained', description: 'a direct message is stored as its topic\'s retained message', breaks: ['DM-NO-RETAIN', 'RET-DM-EXCLUDED'], fault: true },
  { name: 'dm-validation-off', description: 'SendDirectMessage does not check the client id, topic and response topic', breaks: ['DM-CLIENTID-VALIDATION', 'DM-TOPIC-VALIDATION', 'DM-RESPONSE-TOPIC-NO-WILDCARD'], fault: true },
  { name: 'dm-properties-dropped-for-v5', description: 'direct messages reach MQTT 5 receivers without their MQTT 5 properties', breaks: ['DM-MQTT5-PROPERTIES-FORWARDED', 'DM-RESPONSE-TOPIC-NO-WILDCARD'], fault: true },
  { name: 'dm-mqtt5-receivers-only', description: 'SendDirectMessage answers 404 for a client connected with MQTT 3.1.1', breaks: ['DM-BOTH-PROTOCOLS', 'DM-MQTT311-PROPS-DROPPED'], fault: true , dependents: { ids: ['DM-*'], why: 'the MQTT 3.1.1 cells of the SendDirectMessage scenarios need a 200 for a 3.1.1 receiver' } },
  { name: 'dm-413-limit-off', description: 'HTTP bodies up to 1 MiB are accepted', breaks: ['DM-STATUS-413'], overrides: { http: { payloadMaxBytes: 1048576 } } },
  { name: 'dm-receiver-rate-unlimited', description: 'direct messages ignore the receiver connection\'s 100 publishes per second', breaks: ['DM-STATUS-429'], fault: true },
  { name: 'http-lenient-decoding', description: 'a malformed percent escape in a data-plane path is kept as it is', breaks: ['DM-STATUS-400'], fault: true },
  { name: 'dm-policy-off', description: 'SendDirectMessage checks neither the sender\'s nor the receiver\'s policy', breaks: ['DM-STATUS-403', 'DM-TOPIC-CONDITION'], fault: true },
  { name: 'dm-topic-condition-ignored', description: 'the iot:Topic condition key is not set for SendDirectMessage', breaks: ['DM-TOPIC-CONDITION'], fault: true },
  { name: 'dm-receiver-needs-subscribe', description: 'a direct message receiver also needs iot:Subscribe on the topic', breaks: ['DM-RECEIVER-NEEDS-ONLY-RECEIVE'], fault: true },
  { name: 'http-publish-qos-ignored', description: 'HTTPS publish always publishes at QoS 0', breaks: ['HTTP-QOS-PARAM', 'HTTP-PUBLISH-URL', 'HTTP-RETAIN'], fault: true },
  { name: 'http-publish-empty-200', description: 'HTTPS publish answers 200 with no body', breaks: ['HTTP-RESPONSE-OK-TRACEID'], fault: true },
  { name: 'http-retain-ignored', description: 'HTTPS publish ignores retain=true', breaks: ['HTTP-RETAIN'], fault: true },
  { name: 'http-publish-properties-dropped', description: 'HTTPS publish forwards no MQTT 5 property', breaks: ['HTTP-MQTT5-PROPERTIES'], fault: true },
  { name: 'http-wrong-method-404', description: 'a data-plane path with the wrong method answers 404, not 405', breaks: ['HTTP-ERRORS'], fault: true },
  { name: 'http-topic-not-decoded', description: 'HTTPS publish takes the topic from the path without decoding %2F', breaks: ['HTTP-TOPIC-ENCODING', 'HTTP-PUBLISH-URL', 'HTTP-QOS-PARAM', 'HTTP-RETAIN', 'HTTP-MQTT5-PROPERTIES'], fault: true },
  { name: 'get-retained-payload-raw', description: 'GetRetainedMessage returns the payload as text, not base64', breaks: ['API-GET-RETAINED', 'HTTP-RETAIN'], fault: true },
  { name: 'list-retained-unpaginated', description: 'ListRetainedMessages ignores maxResults', breaks: ['API-LIST-RETAINED'], fault: true },
  { name: 'get-connection-no-disconnect-reason', description: 'GetConnection of a disconnected client has no disconnectReason or disconnectedSince', breaks: ['API-GET-CONNECTION'], fault: true },
  { name: 'list-subscriptions-offline-empty', description: 'ListSubscriptions lists nothing for an offline persistent session', breaks: ['API-LIST-SUBSCRIPTIONS', 'PS-LISTED-OFFLINE'], fault: true },
  { name: 'delete-connection-will-inverted', description: 'DeleteConnection publishes the Will only when preventWillMessage=true', breaks: ['API-DELETE-CONNECTION', 'LWT-DELETECONNECTION-CONTROL'], fault: true },
  { name: 'mqtt-policy-ignored', description: 'policies govern the HTTP data plane only: every MQTT CONNECT, PUBLISH, SUBSCRIBE and delivery is allowed', breaks: ['AUTHZ-ACTIONS', 'AUTHZ-V5-REASON-CODES', 'AUTHZ-311-DISCONNECT', 'SUBACK-UNSUBACK-CODES', 'DM-RECEIVER-NEEDS-ONLY-RECEIVE', 'RET-POLICY-RETAINPUBLISH', 'AUTHZ-CONNECT-ATTRIBUTES'], fault: true },
  { name: 'authz-311-kept-open', description: 'an unauthorized MQTT 3.1.1 SUBSCRIBE gets SUBACK 0x80 and an unauthorized PUBLISH is dropped unacknowledged; the connection stays open', breaks: ['AUTHZ-311-DISCONNECT', 'RET-POLICY-RETAINPUBLISH'], fault: true },
  { name: 'takeover-refused', description: 'a CONNECT with the id of a connected client is refused; the first connection stays', breaks: ['CID-TAKEOVER', 'CID-TAKEOVER-V5-REASON', 'M5-NO-SERVER-REDIRECT'], fault: true, dependents: { ids: ['LWT-ON-TAKEOVER', 'LC-DISCONNECT-REASONS'], why: 'these scenarios need a takeover to happen before they check the Will or the lifecycle reason it causes (their refused CONNECT is set-up, so they are inconclusive, not caught)' } },
  { name: 'connect-rate-unlimited', description: 'any number of CONNECTs per second per client id', breaks: ['CID-CONNECT-RATE-1PS', 'LIM-CONNECT-RATE-CLIENTID'], overrides: { mqtt: { connectsPerSecondPerClientId: 0 } } },
  { name: 'client-id-length-unlimited', description: 'client ids longer than 128 bytes are accepted', breaks: ['CID-MAX-128'], overrides: { mqtt: { clientIdMaxBytes: 65535 } } },
  { name: 'client-id-dollar-allowed', description: 'client ids may start with $', breaks: ['CID-DOLLAR-RESERVED'], overrides: { mqtt: { clientIdReservedPrefix: '' } } },
  { name: 'assigned-client-id-missing', description: 'a CONNECT with an empty client id is refused (MQTT 5: 0x85 instead of getting an assigned id; MQTT 3.1.1: 0x02 even with CleanSession 1)', breaks: ['CID-ASSIGNED-V5', 'MQTT311-3.1.3-6'], fault: true },
  { name: 'double-connect-ignored', description: 'a second CONNECT on a connection is ignored; the connection stays open', breaks: ['CONN-DOUBLE-CONNECT', 'MQTT311-3.1.0-2', 'MQTT5-3.1.0-2'], fault: true },
  { name: 'server-keepalive-omitted', description: 'the MQTT 5 CONNACK leaves Server Keep Alive out when it equals the requested keep-alive', breaks: ['KA-SERVER-KEEPALIVE-PROPERTY', 'KA-RANGE-30-1200', 'M5-CONNACK-PROPERTIES'], fault: true },
  { name: 'qos2-flow-ignored', description: 'unsolicited PUBREC, PUBREL and PUBCOMP are dropped silently; the connection stays open', breaks: ['QOS-NO-PUBREC-AUTH'], fault: true },
  { name: 'outbound-inflight-unlimited', description: 'any number of unacknowledged QoS 1 messages are sent to a client', breaks: ['QOS1-INFLIGHT-100', 'LIM-INFLIGHT'], overrides: { mqtt: { outboundInflightMaximum: 65535 } }, scenarios: ['inflight-100-unacked'] },
  { name: 'subscription-qos-raised', description: 'a persistent session\'s QoS 0 subscriptions are kept as QoS 1, so QoS 1 messages are stored for them while offline', breaks: ['PERSISTED-QOS-IS-MIN', 'API-LIST-SUBSCRIPTIONS'], fault: true },
  { name: 'filter-case-folded', description: 'topic filters are folded to lower case', breaks: ['TOPIC-CASE-SENSITIVE'], fault: true },
  { name: 'trailing-plus-multi-level', description: 'a filter ending in /+ matches any number of levels, like /#', breaks: ['TOPIC-PLUS-ONE-LEVEL', 'API-LIST-SUBSCRIPTIONS'], fault: true },
  { name: 'dollar-topics-open', description: 'clients may publish and subscribe to any $ topic', breaks: ['TOPIC-DOLLAR-RESERVED', 'RET-NOT-ON-RESERVED', 'DM-TOPIC-VALIDATION'], overrides: { mqtt: { reservedTopicPrefix: '' } } },
  { name: 'wildcard-publish-dropped', description: 'a PUBLISH to a topic with + or # is acknowledged and dropped; the connection stays open', breaks: ['TOPIC-NO-WILDCARD-PUBLISH'], fault: true },
  { name: 'connack-wildcard-unavailable', description: 'the MQTT 5 CONNACK says Wildcard Subscription Available 0 (wildcard filters are still granted)', breaks: ['SUB-WILDCARD-SHARED-AVAILABLE', 'M5-CONNACK-PROPERTIES'], fault: true },
  { name: 'subscriptions-per-connection-off', description: 'a connection may hold any number of subscriptions', breaks: ['SUB-MAX-50-PER-CONNECTION'], overrides: { mqtt: { subscriptionsPerConnection: 100000 } } },
  { name: 'publish-rate-unlimited', description: 'no limit on publishes per second per connection', breaks: ['LIM-PUB-RATE-100', 'DM-STATUS-429'], overrides: { mqtt: { publishesPerSecondPerConnection: 0 } } },
  { name: 'disconnect-expiry-ignored', description: 'the Session Expiry Interval of an MQTT 5 DISCONNECT is ignored', breaks: ['PS-SEI-ON-DISCONNECT'], fault: true },
  { name: 'session-expiry-unclamped', description: 'an MQTT 5 Session Expiry Interval above the 1-hour account maximum is kept as requested', breaks: ['PS-SEI-CLAMP'], overrides: { sessions: { expirySeconds: 4294967295 } } },
  { name: 'sei-absent-keeps-session', description: 'MQTT 5 Clean Start 0 without Session Expiry keeps the session for the account maximum', breaks: ['PS-SEI-DEFAULT-ZERO', 'PS-SEI-ON-DISCONNECT'], fault: true },
  { name: 'clean-start-keeps-session', description: 'cleanSession / Clean Start 1 resumes a stored session', breaks: ['PS-CLEAN-ENDS-SESSION', 'MQTT311-3.2.2-1', 'MQTT5-3.2.2-2'], fault: true },
  { name: 'session-never-expires', description: 'persistent sessions never expire', breaks: ['PS-EXPIRED-NEW-SESSION', 'PS-SESSION-EXPIRY-OVERRIDES-MEI'], fault: true },
  { name: 'offline-queue-off', description: 'no message is kept for a persistent session while it is offline: neither new QoS 1 messages nor unacknowledged ones (the session keeps its subscriptions)', breaks: ['PS-STORE-QOS1', 'PS-DELIVER-AFTER-CONNACK', 'PS-REPLAY-RATE', 'PS-MEI-EXPIRED-NOT-DELIVERED', 'MEI-REMAINING', 'MEI-ZERO-ROUNDING', 'MEI-ABSENT-NO-EXPIRY', 'MEI-CROSS-VERSION', 'MEI-UNACKED-QOS1', 'RET-PERSISTENT-MULTIPLE', 'MEI-MIN-1', 'PERSISTED-QOS-IS-MIN', 'MQTT5-4.8.2-4'], fault: true, dependents: { ids: ['MQTT5-4.4.0-2'], why: 'receive-maximum-flow-control ends by checking which of its unacknowledged PUBLISHes come again after a resume' } },
  { name: 'subscriptions-not-restored', description: 'a resumed session says Session Present 1 but has lost its subscriptions (its stored messages are still replayed)', breaks: ['PS-SESSION-PRESENT'], fault: true },
  { name: 'session-present-needs-subscriptions', description: 'Session Present 1 only for a resumed session that holds subscriptions (aedes\' own rule)', breaks: ['PS-CREATE-311', 'PS-CREATE-V5', 'MQTT5-3.1.2-6', 'MQTT311-3.1.3-2', 'MQTT5-3.1.3-2'], fault: true },
  { name: 'retain-unsupported', description: 'retained messages are not supported (the stale reading of contradiction C1): Retain Available 0, a retained publish is refused', breaks: ['RET-SUPPORTED', 'RET-QOS-0-1', 'RET-NOT-ON-RESERVED', 'RET-POLICY-RETAINPUBLISH', 'M5-CONNACK-PROPERTIES'], overrides: { mqtt: { retainAvailable: false } }, dependents: { ids: ['RET-*', 'API-GET-RETAINED', 'API-LIST-RETAINED', 'MQTT5-3.3.1-10', 'MQTT5-3.3.1-12', 'MQTT311-3.3.1-7'], why: 'the other retained-message scenarios (the standard\'s Retain Handling, Retain As Published and retained-replacement ones included) first store a retained message: its refused publish is their set-up, so they are inconclusive for what they check, not caught' } },
  { name: 'retained-not-replaced', description: 'a topic keeps its first retained message; later retained publishes do not replace it', breaks: ['RET-ONE-PER-TOPIC', 'MQTT311-3.3.1-7'], fault: true },
  { name: 'retain-flag-on-live', description: 'live deliveries on a topic that has a retained message carry RETAIN 1', breaks: ['RET-FLAG-ON-DELIVERY'], fault: true },
  { name: 'empty-retained-kept', description: 'an empty retained publish does not delete the retained message', breaks: ['RET-EMPTY-DELETES'], fault: true },
  { name: 'nonretained-replaces-retained', description: 'a publish without RETAIN replaces the topic\'s retained message', breaks: ['RET-NONRETAINED-DOES-NOT-CLEAR'], fault: true },
  { name: 'retained-delivered-qos0', description: 'retained messages are sent at QoS 0 on subscribe whatever their QoS', breaks: ['RET-QOS-0-1'], fault: true },
  { name: 'retain-on-reserved-allowed', description: 'retained publishes to the allowed $aws topics are accepted', breaks: ['RET-NOT-ON-RESERVED'], fault: true },
  { name: 'retained-never-expires', description: 'retained messages ignore their Message Expiry Interval', breaks: ['RET-MEI-EXPIRY'], fault: true },
  { name: 'retained-to-shared', description: 'a new shared subscription gets the retained message of its topic', breaks: ['RET-SHARED-NO-RETAINED'], fault: true },
  { name: 'will-retain-ignored', description: 'a Will with Will Retain is not retained', breaks: ['RET-WILL-RETAIN'], fault: true },
  { name: 'retained-limit-ignored', description: 'retained publishes are never throttled at retained.maxCount', breaks: ['RET-COUNT-LIMIT-THROTTLE'], fault: true , checkedBy: 'reference-broker/test/sessions-retained-limits.test.ts' },
  { name: 'will-not-on-connection-loss', description: 'a connection that drops without DISCONNECT is treated as a clean disconnect: no Will', breaks: ['LWT-ON-UNGRACEFUL', 'RET-WILL-RETAIN', 'LWT-MEI-START'], fault: true },
  { name: 'will-not-on-takeover', description: 'the Will of a connection displaced by a client-id takeover is dropped', breaks: ['LWT-ON-TAKEOVER'], fault: true },
  { name: 'mei-min-unclamped', description: 'a Message Expiry Interval of 0 is kept as 0 (no expiry), not raised to 1', breaks: ['MEI-MIN-1'], overrides: { mqtt: { messageExpiryMinSeconds: 0 } } },
  { name: 'mei-max-unclamped', description: 'Message Expiry Intervals above 7 days are kept as sent', breaks: ['MEI-MAX-7-DAYS'], overrides: { mqtt: { messageExpiryMaxSeconds: 4294967295 } } },
  { name: 'mei-default-added', description: 'an MQTT 5 message without Message Expiry is given a 1-day interval', breaks: ['MEI-ABSENT-NO-EXPIRY'], fault: true },
  { name: 'alias-maximum-7', description: 'CONNACK advertises Topic Alias Maximum 7 and alias 8 gets DISCONNECT 0x94', breaks: ['ALIAS-MAX-8', 'M5-CONNACK-PROPERTIES'], overrides: { mqtt: { topicAliasMaximum: 7 } }, scenarios: ['topic-alias-max-8', 'topic-alias-out-of-range', 'connack-properties'] },
  { name: 'aliases-outlive-connection', description: 'topic aliases are kept per client id, so a new connection can use an alias set by an earlier one', breaks: ['ALIAS-CONNECTION-SCOPE'], fault: true },
  { name: 'server-topic-aliases', description: 'messages go to MQTT 5 subscribers that accept topic aliases with server-assigned aliases (topic left empty after the first)', breaks: ['ALIAS-RESOLVED-FOR-SUBSCRIBERS'], fault: true },
  { name: 'subscription-ids-available', description: 'Subscription Identifiers are supported and advertised', breaks: ['SUB-ID-UNSUPPORTED', 'M5-CONNACK-PROPERTIES'], overrides: { mqtt: { subscriptionIdentifiersAvailable: true } } },
  { name: 'server-redirect', description: 'the MQTT 5 CONNACK carries a Server Reference', breaks: ['M5-NO-SERVER-REDIRECT'], fault: true },
  { name: 'auth-method-accepted', description: 'a CONNECT with an Authentication Method is accepted (the method is ignored)', breaks: ['M5-NO-AUTH-PACKET'], fault: true },
  { name: 'user-properties-dropped', description: 'MQTT 5 subscribers get messages without their user properties', breaks: ['M5-USER-PROPERTIES'], fault: true, scenarios: ['user-properties-forwarded', 'user-properties-over-8kb-refused', 'user-properties-8192-bytes-edge', 'http-publish-property-limits'] }, // direct messages bypass it: dm-properties-dropped-for-v5
  { name: 'content-type-dropped', description: 'MQTT 5 subscribers get messages without Content Type and Payload Format Indicator', breaks: ['M5-PAYLOAD-FORMAT-CONTENT-TYPE'], fault: true, scenarios: ['content-type-forwarded', 'content-type-256-bytes-edge', 'http-publish-property-limits'] }, // direct messages bypass it: dm-properties-dropped-for-v5
  { name: 'response-properties-dropped', description: 'MQTT 5 subscribers get messages without Response Topic and Correlation Data', breaks: ['M5-REQUEST-RESPONSE'], fault: true , scenarios: ['request-response-round-trip'] },
  { name: 'response-topic-unchecked', description: 'the gate does not check a Response Topic for wildcards; aedes then closes the connection without DISCONNECT 0x82', breaks: ['M5-SERVER-DISCONNECT'], fault: true , scenarios: ['response-topic-wildcard-refused'] },
  { name: 'user-properties-limit-off', description: 'user properties of any size are accepted', breaks: ['M5-USER-PROPERTIES'], overrides: { mqtt: { userPropertiesMaxBytes: 268435455 } } , scenarios: ['user-properties-over-8kb-refused', 'user-properties-8192-bytes-edge'] },
  { name: 'client-packet-size-ignored', description: 'messages, acknowledgements and DISCONNECTs larger than the Maximum Packet Size a client advertised are sent to it', breaks: ['M5-MAX-PACKET-SIZE', 'MQTT5-3.4.2-2', 'MQTT5-3.9.2-1', 'MQTT5-3.14.2-3'], fault: true , scenarios: ['client-maximum-packet-size-respected', 'client-maximum-packet-size-edge', 'acks-fit-client-maximum-packet-size', 'suback-fits-client-maximum-packet-size'] },
  { name: 'packet-size-limit-raised', description: 'CONNACK advertises and the broker accepts packets up to 268,435,455 bytes (the payload quota still applies)', breaks: ['M5-MAX-PACKET-SIZE', 'M5-CONNACK-PROPERTIES'], overrides: { mqtt: { maximumPacketSize: 268435455 } } , scenarios: ['connack-properties', 'packet-too-large-refused'] },
  { name: 'puback-no-matching-subscribers', description: 'an MQTT 5 QoS 1 PUBLISH nobody subscribes to gets PUBACK 0x10 No matching subscribers', breaks: ['M5-PUBACK-NO-MATCHING-SUBSCRIBERS'], fault: true },
  { name: 'problem-info-ignored', description: 'a failing MQTT 5 SUBACK carries a Reason String even when the client set Request Problem Information 0', breaks: ['M5-REQUEST-PROBLEM-INFO'], fault: true },
  { name: 'reason-string-plain', description: 'server DISCONNECT reason strings lack the DISCONNECT: prefix', breaks: ['M5-REASON-STRING-FORMAT'], fault: true },
  { name: 'cross-version-isolated', description: 'MQTT 3.1.1 and MQTT 5 clients do not receive each other\'s messages', breaks: ['M5-CROSS-VERSION', 'ALIAS-RESOLVED-FOR-SUBSCRIBERS'], fault: true , dependents: { ids: ['LIM-PAYLOAD-128KB', 'TOPIC-MAX-256', 'TOPIC-MAX-7-SLASHES', 'RET-POLICY-RETAINPUBLISH'], why: 'these scenarios watch what an MQTT 3.1.1 publisher got through from an MQTT 5 subscriber' } },
  { name: 'share-prefix-counted', description: 'the slashes of $share/{ShareName}/ count against the 7-slash quota', breaks: ['SHARE-SYNTAX', 'TOPIC-MAX-7-SLASHES'], fault: true, scenarios: ['shared-subscription-syntax', 'shared-filter-slash-quota'] },
  { name: 'shared-v5-only', description: 'MQTT 3.1.1 clients cannot subscribe to shared subscriptions (SUBACK 0x80)', breaks: ['SHARE-BOTH-VERSIONS'], fault: true, scenarios: ['shared-group-mixed-versions'], dependents: { ids: ['SHARE-ONE-PER-GROUP', 'SHARE-QOS0-DROP', 'SHARE-QUEUE'], why: 'the 3.1.1 cells of these scenarios set up a shared subscription from a 3.1.1 client before they check anything' } },
  { name: 'shared-single-group', description: 'a message matching several shared groups reaches only one of them', breaks: ['SHARE-MULTI-GROUP-COPIES'], fault: true },
  { name: 'shared-queue-unthrottled', description: 'messages queued for a shared group are released at once, not at 20 per second per member', breaks: ['SHARE-QUEUE'], overrides: { sharedSubscriptions: { dequeueRatePerSecond: 0 } } , scenarios: ['shared-queue-for-offline-persistent-member', 'shared-queue-two-members'] },
  { name: 'shared-queue-expiry-ignored', description: 'messages queued for a shared group are delivered after their Message Expiry Interval ran out', breaks: ['SHARE-QUEUE-MEI'], fault: true },
  { name: 'shared-queue-limit-off', description: 'a shared group queues any number of messages', breaks: ['SHARE-QUEUE-LIMIT-DROP-NEW'], overrides: { sharedSubscriptions: { queueMaximumPerGroup: 1000000 } } },
  { name: 'shared-qos0-queued', description: 'QoS 0 messages are queued for an offline shared group like QoS 1', breaks: ['SHARE-QOS0-DROP'], fault: true },
  { name: 'shared-clean-member-kept', description: 'a clean-session member stays in its shared groups after it disconnects and is a member again when its id reconnects', breaks: ['SHARE-MEMBERSHIP-LIFECYCLE'], fault: true , scenarios: ['shared-membership-lifecycle'] },
  { name: 'lifecycle-payload-incomplete', description: 'lifecycle events lack sessionIdentifier, principalIdentifier and ipAddress', breaks: ['LC-TOPICS-PAYLOAD'], fault: true },
  { name: 'lifecycle-reason-connection-lost', description: 'every disconnected event says disconnectReason CONNECTION_LOST', breaks: ['LC-DISCONNECT-REASONS'], fault: true },
  { name: 'lifecycle-version-per-event', description: 'each lifecycle event gets its own versionNumber, so a connection\'s pair differs', breaks: ['LC-VERSION-NUMBER'], fault: true },
  { name: 'retain-publish-unchecked', description: 'retained publishes (MQTT and HTTPS) need only iot:Publish, not iot:RetainPublish', breaks: ['RET-POLICY-RETAINPUBLISH'], fault: true },
  { name: 'cross-version-resume', description: 'an MQTT 3.1.1 persistent session can be resumed by MQTT 5 and the other way round', breaks: ['PS-NO-CROSS-VERSION'], overrides: { sessions: { crossVersionResume: true } } },
  { name: 'qos1-delivered-at-qos0', description: 'QoS 1 messages are delivered at QoS 0', breaks: ['QOS-LEVELS-0-1', 'MQTT311-4.3.2-1', 'MQTT5-4.3.2-2', 'MQTT311-3.3.5-1', 'MQTT5-3.3.4-2'], fault: true, scenarios: ['qos0-qos1-round-trip', 'qos1-delivery-format', 'overlapping-subscriptions-max-qos'], dependents: { ids: ['HTTP-PUBLISH-URL', 'HTTP-QOS-PARAM', 'M5-CROSS-VERSION', 'QOS1-INFLIGHT-100', 'PERSISTED-QOS-IS-MIN', 'RET-QOS-0-1', 'PS-STORE-QOS1', 'SHARE-QUEUE', 'LWT-ON-UNGRACEFUL', 'MQTT5-3.8.4-3', 'MQTT5-3.9.3-1', 'MQTT5-3.3.4-9', 'MEI-REMAINING', 'MQTT5-4.9.0-1', 'MQTT5-4.8.2-4', 'MQTT5-4.8.2-3'], why: 'these scenarios assert that what they receive (HTTPS and cross-version publishes, in-flight windows, Receive Maximum\'s send quota, replays with their remaining expiry, shared queues and members, Wills, a replaced or multi-filter subscription\'s granted QoS) arrives at QoS 1' } },
  { name: 'qos0-delivered-at-qos1', description: 'QoS 0 messages are delivered at QoS 1', breaks: ['QOS-LEVELS-0-1', 'MQTT311-4.3.1-1', 'MQTT5-4.3.1-1'], fault: true, scenarios: ['qos0-qos1-round-trip', 'qos0-delivery-format'], dependents: { ids: ['HTTP-PUBLISH-URL', 'HTTP-QOS-PARAM', 'RET-QOS-0-1', 'MQTT5-3.9.3-1'], why: 'these scenarios check the QoS at which HTTPS, retained and multi-filter-subscription deliveries arrive' } },
  { name: 'throughput-unlimited', description: 'no limit on the bytes per second one connection sends or receives', breaks: ['LIM-THROUGHPUT-512KIB'], overrides: { mqtt: { throughputBytesPerSecond: 0 } } },
  { name: 'sigv4-unchecked', description: 'SigV4 signatures are not verified: a request with a missing or wrong signature is served like a signed one', breaks: ['DM-STATUS-401'], fault: true, dependents: { ids: ['API-SIGNING-NAME'], why: 'api-signing-name makes its 200s meaningful by expecting a request signed for another service (execute-api) to be refused' } },
  { name: 'signing-name-iotdata-only', description: 'SigV4 signatures are accepted for the signing name iotdata only; a request signed for iotdevicegateway gets 403 (contradiction C10)', breaks: ['API-SIGNING-NAME'], fault: true },
  { name: 'connect-attributes-ignored', description: 'iot:ConnectAttributes conditions always hold: a policy cannot forbid persistent sessions or Wills, and a Deny conditioned on them applies to every CONNECT', breaks: ['AUTHZ-CONNECT-ATTRIBUTES'], fault: true },
  // MQTT standard behaviour (scenarios/standard/), named by statement id.
  { name: 'pingreq-unanswered', description: 'PINGREQ gets no PINGRESP', breaks: ['MQTT311-3.12.4-1', 'MQTT5-3.12.4-1'], fault: true, dependents: { ids: ['MQTT5-3.3.4-10', 'MQTT5-4.9.0-1', 'MQTT311-3.1.3-6', 'MQTT5-1.5.5-1', 'MQTT311-6.0.0-2', 'MQTT5-6.0.0-2', 'MQTT311-6.0.0-4', 'MQTT5-6.0.0-4'], why: 'these scenarios use a PINGREQ as the probe that the connection still answers (at a full Receive Maximum, after an empty 3.1.1 client id, over WebSocket, for the encoding of a server packet)' } },
  { name: 'suback-codes-reversed', description: 'a SUBACK lists its codes in the reverse order of the SUBSCRIBE\'s filters', breaks: ['MQTT311-3.9.3-1', 'MQTT5-3.9.3-1'], fault: true },
  { name: 'unsubscribe-ignored', description: 'an UNSUBSCRIBE is acknowledged but removes no subscription', breaks: ['MQTT311-3.10.4-2', 'MQTT5-3.10.4-2'], fault: true },
  { name: 'resubscribe-ignored', description: 'a SUBSCRIBE to a filter the connection holds is acknowledged but the old subscription stays', breaks: ['MQTT311-3.8.4-3', 'MQTT5-3.8.4-3'], fault: true },
  { name: 'qos3-publish-downgraded', description: 'a PUBLISH with both QoS bits set is read as QoS 1 instead of closing the connection', breaks: ['MQTT311-3.3.1-4', 'MQTT5-3.3.1-4'], fault: true },
  { name: 'reserved-flags-ignored', description: 'SUBSCRIBE, UNSUBSCRIBE and PUBREL with wrong fixed-header flags are accepted', breaks: ['MQTT311-3.8.1-1', 'MQTT5-3.8.1-1'], fault: true },
  // Standard behaviour aws-iot-core overrides: run with a plain-MQTT profile by test/corpus/standard-scenarios.test.ts.
  { name: 'keepalive-timeout-slow', description: 'a silent connection is closed after 6, not 1.5, keep-alive periods', breaks: ['MQTT311-3.1.2-24', 'MQTT5-3.1.2-22', 'MQTT5-3.2.2-22'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', overrides: { mqtt: { keepAlive: { timeoutFactor: 6 } } } },
  { name: 'qos2-release-dropped', description: 'PUBREC and PUBREL from a client are dropped, so the QoS 2 exchange never completes', breaks: ['MQTT311-4.3.3-1', 'MQTT311-4.3.3-2', 'MQTT5-4.3.3-4', 'MQTT5-4.3.3-11', 'MQTT311-3.10.4-3', 'MQTT5-3.10.4-3', 'MQTT5-4.3.3-13'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'retained-exact-match-only', description: 'retained messages reach only a filter equal to their topic (the AWS reading)', breaks: ['MQTT311-3.3.1-6', 'MQTT5-3.3.1-9'], scenarios: ['retained-via-wildcard-filter'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', overrides: { retained: { exactMatchOnly: true } } },
  { name: 'subscription-options-ignored', description: 'the MQTT 5 subscription options No Local, Retain As Published and Retain Handling are ignored', breaks: ['MQTT5-3.8.3-3', 'MQTT5-3.3.1-10', 'MQTT5-3.3.1-11', 'MQTT5-3.3.1-13'], fault: true },
  { name: 'utf8-unchecked', description: 'PUBLISH topics with ill-formed UTF-8 or U+0000 are accepted (aedes\' own behaviour)', breaks: ['MQTT311-1.5.3-1', 'MQTT5-1.5.4-1', 'MQTT311-3.3.2-1', 'MQTT5-3.3.2-1'], fault: true },
  { name: 'puback-wrong-packet-id', description: 'a PUBACK carries the next packet id instead of the PUBLISH\'s (every QoS 1 publisher stalls, so it is left out of the aws-iot-core sweep)', breaks: ['MQTT311-2.3.1-6', 'MQTT5-2.2.1-5'], scenarios: ['puback-same-packet-id'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  // Sections 3.4 to 4 of the standards (scenarios/standard/).
  { name: 'malformed-packets-ignored', description: 'a malformed packet other than PUBLISH (reserved flags, a SUBSCRIBE without filters or with reserved option bits) is dropped and the connection stays open', breaks: ['MQTT311-3.8.3-3', 'MQTT311-3.8.3-4', 'MQTT311-3.10.3-2', 'MQTT311-3.14.1-1', 'MQTT311-2.2.2-2', 'MQTT5-3.8.3-5', 'MQTT5-3.14.1-1', 'MQTT5-2.1.3-1'], fault: true, dependents: { ids: ['MQTT5-3.14.2-3'], why: 'acks-fit-client-maximum-packet-size provokes the server DISCONNECT it checks with a malformed DISCONNECT' } },
  { name: 'inflight-forgotten-on-resume', description: 'a session that goes offline loses its unacknowledged QoS 1 and 2 PUBLISHes and PUBRELs, and gets no message while offline (the offline-queue-off fault, run with a plain-MQTT profile)', breaks: ['MQTT311-4.4.0-1', 'MQTT5-4.4.0-1', 'MQTT5-4.3.2-3', 'MQTT5-4.3.3-3', 'MQTT5-4.3.3-5', 'MQTT311-4.5.0-1', 'MQTT5-4.5.0-1', 'MQTT311-4.1.0-1'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: 'offline-queue-off' },
  { name: 'client-receive-maximum-ignored', description: 'the Receive Maximum of an MQTT 5 CONNECT is ignored: QoS 1 and 2 PUBLISHes go out past it, up to the server\'s own in-flight limit', breaks: ['MQTT5-3.3.4-9', 'MQTT5-4.9.0-1', 'MQTT5-4.9.0-2'], fault: true },
  { name: 'malformed-qos2-auth-ignored', description: 'the malformed-packets-ignored fault run with a plain-MQTT profile, where PUBREL and AUTH reach the checks: a PUBREL or AUTH with wrong flags is dropped, the connection stays open', breaks: ['MQTT311-3.6.1-1', 'MQTT5-3.6.1-1', 'MQTT5-3.15.1-1'], scenarios: ['qos2-and-auth-packets-checked'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: 'malformed-packets-ignored' },
  { name: 'deliveries-reordered', description: 'deliveries to a client go out swapped in pairs: the second message before the first', breaks: ['MQTT311-4.6.0-5', 'MQTT311-4.6.0-6', 'MQTT5-4.6.0-5', 'MQTT5-4.6.0-6'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'client-packet-size-ignored-qos2', description: 'the client-packet-size-ignored fault run with a plain-MQTT profile, where QoS 2 acknowledgements exist: a PUBREC with a Reason String too large for the client is sent as is', breaks: ['MQTT5-3.5.2-2'], scenarios: ['qos2-acks-fit-client-maximum-packet-size'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: 'client-packet-size-ignored' },
  { name: 'connect-reserved-flag-ignored', description: 'a CONNECT with the reserved connect flag set is accepted as if the flag were 0', breaks: ['MQTT311-3.1.2-3', 'MQTT311-3.1.4-1', 'MQTT311-3.2.2-6', 'MQTT5-3.1.2-3', 'MQTT5-3.1.4-1'], fault: true },
  { name: 'protocol-name-unchecked', description: 'a CONNECT with any 4-byte protocol name is read as MQTT and accepted', breaks: ['MQTT311-3.1.2-1', 'MQTT5-3.1.2-1'], fault: true },
  { name: 'unsupported-level-accepted', description: 'a CONNECT with an unknown protocol level is read as MQTT 3.1.1 and accepted, and what follows it is processed', breaks: ['MQTT311-3.1.2-2', 'MQTT5-3.1.2-2', 'MQTT311-3.1.4-5', 'MQTT5-3.1.4-6'], fault: true },
  { name: 'session-present-on-new-session', description: 'every CleanSession / Clean Start 0 CONNECT gets Session Present 1, even without a stored session (fails most persistent-session scenarios, so it is left out of the aws-iot-core sweep)', breaks: ['MQTT311-3.2.2-3', 'MQTT5-3.2.2-3'], scenarios: ['persistent-session-created'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'server-topic-aliases-unchecked', description: 'messages go to MQTT 5 subscribers that advertised a Topic Alias Maximum with server topic aliases counted from 0 and past that maximum', breaks: ['MQTT5-3.1.2-26', 'MQTT5-3.3.2-11', 'MQTT5-3.3.2-8'], fault: true },
  { name: 'refused-connect-left-open', description: 'a CONNECT the gate refuses (a client id, a quota, a malformed property) gets its CONNACK, but the connection is left open', breaks: ['MQTT5-3.1.3-8'], fault: true, scenarios: ['client-id-longer-than-128-bytes-refused'], dependents: { ids: ['CID-MAX-128', 'CID-DOLLAR-RESERVED', 'CID-CONNECT-RATE-1PS', 'MQTT311-3.1.3-8', 'LWT-QOS2-REFUSED'], why: 'these scenarios assert that a refused CONNECT (an id too long, a $ id, a CONNECT too soon, an empty 3.1.1 id with CleanSession 0, a QoS 2 Will) is followed by the close' } },
  { name: 'receive-maximum-holds-everything', description: 'while an MQTT 5 client\'s Receive Maximum is used up by unacknowledged QoS 1 messages, its SUBACKs, UNSUBACKs and PINGRESPs wait too', breaks: ['MQTT5-3.3.4-10'], fault: true, scenarios: ['receive-maximum-respected'] },
  { name: 'retained-dropped-with-session', description: 'retained messages are kept as their publisher\'s session state: once its connection has ended they are no longer sent on SUBSCRIBE', breaks: ['MQTT311-3.1.2-7'], fault: true, scenarios: ['retained-qos0-replaces-and-outlives-session'], dependents: { ids: ['RET-WILL-RETAIN'], why: 'a retained Will is published after its client\'s connection ended, so this fault withholds it from later subscribers too' } },
  { name: 'response-information-unrequested', description: 'the MQTT 5 CONNACK carries Response Information though the client did not request it', breaks: ['MQTT5-3.1.2-28'], fault: true },
  { name: 'user-properties-reordered', description: 'MQTT 5 subscribers get user properties in reverse order (names and the values of a repeated name)', breaks: ['MQTT5-3.1.3-10'], fault: true },
  { name: 'bom-stripped', description: 'U+FEFF is dropped from topic filters, so a subscription to a topic holding it never matches', breaks: ['MQTT311-1.5.3-3', 'MQTT5-1.5.4-3'], fault: true },
  { name: 'empty-client-id-persistent-accepted', description: 'the gate lets an MQTT 3.1.1 CONNECT with an empty client id and CleanSession 0 through to aedes, which closes the connection without CONNACK 0x02', breaks: ['MQTT311-3.1.3-8'], fault: true },
  { name: 'will-delay-not-cancelled', description: 'a delayed Will is published when its client id connects again to the session, instead of being cancelled', breaks: ['MQTT5-3.1.3-9'], fault: true },
  // MQTT over WebSocket (section 6), on the bundled broker's WebSocket listener.
  { name: 'ws-text-frames-accepted', description: 'a text WebSocket frame is read as MQTT bytes instead of closing the connection', breaks: ['MQTT311-6.0.0-1', 'MQTT5-6.0.0-1'], scenarios: ['ws-text-frame-closes'], fault: true },
  { name: 'ws-frame-aligned-only', description: 'each WebSocket frame is taken to hold one whole packet: a packet split over frames is lost, a second packet in a frame is dropped', breaks: ['MQTT311-6.0.0-2', 'MQTT5-6.0.0-2'], scenarios: ['ws-packets-across-frames'], fault: true },
  { name: 'ws-subprotocol-not-returned', description: 'the WebSocket handshake returns no subprotocol although the client offers mqtt', breaks: ['MQTT311-6.0.0-4', 'MQTT5-6.0.0-4'], scenarios: ['ws-subprotocol-mqtt'], fault: true },
  // Boundaries (docs/boundaries.md): each side of a limit, in each unit it is counted in.
  { name: 'user-properties-limit-8000', description: 'the 8 KB user-property quota is read as 8,000 bytes', breaks: ['M5-USER-PROPERTIES'], overrides: { mqtt: { userPropertiesMaxBytes: 8000 } }, scenarios: ['user-properties-8192-bytes-edge', 'http-publish-property-limits', 'dm-property-limits'] },
  { name: 'user-properties-names-not-counted', description: 'the user-property quota counts the values (and length prefixes) only, not the names', breaks: ['M5-USER-PROPERTIES'], fault: true, scenarios: ['user-properties-8192-bytes-edge'] },
  { name: 'user-properties-in-characters', description: 'the user-property quota counts characters (UTF-16 units), not UTF-8 bytes', breaks: ['M5-USER-PROPERTIES'], fault: true, scenarios: ['user-properties-8192-bytes-edge'] },
  { name: 'content-type-limit-off', description: 'a Content Type of any length is accepted', breaks: ['M5-PAYLOAD-FORMAT-CONTENT-TYPE'], overrides: { mqtt: { contentTypeMaxBytes: 65535 } }, scenarios: ['content-type-256-bytes-edge', 'http-publish-property-limits', 'dm-property-limits'] },
  { name: 'content-type-in-characters', description: 'the Content Type limit counts characters (UTF-16 units), not UTF-8 bytes', breaks: ['M5-PAYLOAD-FORMAT-CONTENT-TYPE'], fault: true, scenarios: ['content-type-256-bytes-edge'] },
  { name: 'topic-length-in-characters', description: 'the 256-byte topic limit counts characters (UTF-16 units), not UTF-8 bytes', breaks: ['TOPIC-MAX-256'], fault: true, scenarios: ['topic-256-bytes-multibyte'] },
  { name: 'share-name-in-bytes', description: 'the 128-character ShareName limit counts UTF-8 bytes', breaks: ['SHARE-SYNTAX'], fault: true, scenarios: ['shared-subscription-lengths'] },
  { name: 'share-prefix-counted-in-length', description: '$share/{ShareName}/ counts against the 256-byte TopicFilter limit', breaks: ['SHARE-SYNTAX'], fault: true, scenarios: ['shared-subscription-lengths'] },
  { name: 'dm-client-id-in-utf16-units', description: 'the 128-character clientId limit of the data-plane APIs counts UTF-16 units (JavaScript length), not characters', breaks: ['DM-CLIENTID-VALIDATION'], fault: true, scenarios: ['dm-client-id-length-edge'] },
  { name: 'http-publish-body-unlimited', description: 'HTTPS publish takes bodies up to 1 MiB (SendDirectMessage keeps its 128 KiB)', breaks: ['LIM-PAYLOAD-128KB'], fault: true, scenarios: ['http-publish-payload-128-kib'] },
  { name: 'packet-size-limit-off-by-one', description: 'a packet of exactly the advertised Maximum Packet Size is refused (the limit is enforced as exclusive)', breaks: ['M5-MAX-PACKET-SIZE'], fault: true, scenarios: ['packet-of-maximum-size-accepted'] },
  { name: 'client-packet-size-off-by-one', description: 'a PUBLISH of exactly the Maximum Packet Size a client advertised is not sent to it (the client\'s limit is enforced as exclusive)', breaks: ['M5-MAX-PACKET-SIZE'], fault: true, scenarios: ['client-maximum-packet-size-edge'] },
  { name: 'subscription-limit-per-connection', description: 'the 50-subscription quota counts only the filters subscribed on the current connection, not those a resumed persistent session brings back', breaks: ['SUB-MAX-50-PER-CONNECTION'], fault: true, scenarios: ['fifty-subscriptions-across-resume'] },
  { name: 'publish-rate-inbound-only', description: 'only the publishes a client sends are held to 100 per second; deliveries to it count in the window but are never dropped or delayed', breaks: ['LIM-PUB-RATE-100'], fault: true, scenarios: ['publish-rate-outbound-100', 'publish-rate-combined-100'] },
  { name: 'publish-rate-outbound-only', description: 'only deliveries to a client are held to 100 per second; the publishes it sends count in the window but are never refused', breaks: ['LIM-PUB-RATE-100'], fault: true, scenarios: ['publish-rate-inbound-100', 'publish-rate-combined-100'] },
  { name: 'publish-rate-per-direction', description: 'the publishes a client sends and the deliveries to it each have their own window of 100 per second, not one shared window', breaks: ['LIM-PUB-RATE-100'], fault: true, scenarios: ['publish-rate-combined-100'] },
  { name: 'publish-rate-limit-50', description: 'the connection\'s publish quota is 50 per second (100 read as 50 each way)', breaks: ['LIM-PUB-RATE-100'], overrides: { mqtt: { publishesPerSecondPerConnection: 50 } }, scenarios: ['publish-rate-inbound-100', 'publish-rate-outbound-100', 'publish-rate-combined-100'], dependents: { ids: ['QOS1-INFLIGHT-100', 'LIM-INFLIGHT'], why: 'inflight-100-inbound sends 100 QoS 1 PUBLISHes in one write (exactly a second\'s publish quota) and inflight-100-unacked publishes 120 at up to 83 per second' } },
  { name: 'inflight-limit-outbound-only', description: 'only deliveries to a client are capped at 100 unacknowledged QoS 1 messages; a client may leave any number of its own unacknowledged (CONNACK still advertises Receive Maximum 100)', breaks: ['QOS1-INFLIGHT-100', 'LIM-INFLIGHT'], fault: true, scenarios: ['inflight-100-inbound'] },
  { name: 'throughput-sent-only', description: 'only the bytes a client sends are held to 512 KiB/s; deliveries to it are not', breaks: ['LIM-THROUGHPUT-512KIB'], fault: true, scenarios: ['throughput-512-kib-received'] },
  { name: 'throughput-received-only', description: 'only the bytes delivered to a client are held to 512 KiB/s; what it sends is read as fast as it comes', breaks: ['LIM-THROUGHPUT-512KIB'], fault: true, scenarios: ['throughput-512-kib-sent'] },
  { name: 'alias-zero-accepted', description: 'topic alias 0 is accepted and set like aliases 1 to 8', breaks: ['ALIAS-MAX-8'], fault: true, scenarios: ['topic-alias-zero-refused'] },
  { name: 'connect-refusal-restarts-window', description: 'a CONNECT refused by the 1-per-second rate restarts the client id\'s window', breaks: ['CID-CONNECT-RATE-1PS', 'LIM-CONNECT-RATE-CLIENTID'], fault: true, scenarios: ['connect-rate-window-edges'] },
  { name: 'content-type-limit-255', description: 'the 256-byte Content Type limit is enforced as exclusive: 256 bytes are refused', breaks: ['M5-PAYLOAD-FORMAT-CONTENT-TYPE'], overrides: { mqtt: { contentTypeMaxBytes: 255 } }, scenarios: ['content-type-256-bytes-edge', 'http-publish-property-limits', 'dm-property-limits'] },
  { name: 'http-property-limits-off', description: 'the x-amz-mqtt5-user-properties header and the contentType parameter of HTTPS publish and SendDirectMessage are not held to the MQTT quotas', breaks: ['M5-USER-PROPERTIES', 'M5-PAYLOAD-FORMAT-CONTENT-TYPE'], fault: true, scenarios: ['http-publish-property-limits', 'dm-property-limits'] },
  { name: 'http-property-sizes-in-characters', description: 'the data-plane APIs count x-amz-mqtt5-user-properties and contentType in characters (UTF-16 units), not UTF-8 bytes', breaks: ['M5-USER-PROPERTIES', 'M5-PAYLOAD-FORMAT-CONTENT-TYPE'], fault: true, scenarios: ['http-publish-property-limits', 'dm-property-limits'] },
  { name: 'basic-ingest-prefix-counted', description: 'Basic Ingest\'s $aws/rules/<rule>/ counts against the 256-byte and 7-slash topic quotas', breaks: ['TOPIC-MAX-256', 'TOPIC-MAX-7-SLASHES'], fault: true, scenarios: ['basic-ingest-prefix-not-counted'] },
  { name: 'mei-max-exclusive', description: 'the 7-day Message Expiry maximum is exclusive: 604800 s is lowered to 604799', breaks: ['MEI-MAX-7-DAYS'], overrides: { mqtt: { messageExpiryMaxSeconds: 604799 } } },
  { name: 'mei-max-one-second-late', description: 'Message Expiry Intervals up to 604801 s are kept (the 7-day maximum one second late)', breaks: ['MEI-MAX-7-DAYS'], overrides: { mqtt: { messageExpiryMaxSeconds: 604801 } } },
  { name: 'mei-min-2', description: 'Message Expiry Intervals under 2 s are raised to 2 (1 is not kept)', breaks: ['MEI-MIN-1'], overrides: { mqtt: { messageExpiryMinSeconds: 2 } }, scenarios: ['message-expiry-minimum-one-second'] },
  { name: 'mei-zero-below-two-seconds', description: 'a queued message with under 2 s (not 1 s) left is delivered with Message Expiry Interval 0', breaks: ['MEI-ZERO-ROUNDING'], fault: true, scenarios: ['queued-message-remaining-expiry'] },
  { name: 'session-expiry-maximum-exclusive', description: 'the 1-hour Session Expiry maximum is exclusive: 3600 s is lowered to 3599', breaks: ['PS-SEI-CLAMP'], overrides: { sessions: { expirySeconds: 3599 } }, scenarios: ['session-expiry-clamp-edges'] },
  { name: 'session-expiry-maximum-one-second-late', description: 'Session Expiry Intervals up to 3601 s are kept (the 1-hour maximum one second late)', breaks: ['PS-SEI-CLAMP'], overrides: { sessions: { expirySeconds: 3601 } } },
  { name: 'shared-queue-rate-per-group', description: 'messages queued for a shared group are released at 20 per second for the group, not per online member', breaks: ['SHARE-QUEUE'], fault: true, scenarios: ['shared-queue-two-members'] },
  { name: 'resubscribe-retained-withheld', description: 'an MQTT 5 SUBSCRIBE that replaces a subscription is handled as Retain Handling 2: no retained messages are sent again', breaks: ['MQTT5-3.8.4-4'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'shared-member-qos-ignored', description: 'a shared subscription delivers at the message\'s QoS, ignoring the QoS granted to the member', breaks: ['MQTT5-4.8.2-3'], fault: true },
  { name: 'second-connect-acknowledged', description: 'a second CONNECT on a connection gets a CONNACK before the connection is closed', breaks: ['MQTT5-3.2.0-2'], fault: true },
  { name: 'connack-reserved-flag-set', description: 'the MQTT 5 CONNACK has acknowledge-flag bit 1 set (no MQTT 5 client connects, so it is left out of the aws-iot-core sweep)', breaks: ['MQTT5-3.2.2-1'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'client-id-max-22', description: 'client ids longer than 22 bytes are refused (every generated id is, so it is left out of the aws-iot-core sweep)', breaks: ['MQTT311-3.1.3-5', 'MQTT5-3.1.3-5'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', overrides: { mqtt: { clientIdMaxBytes: 22 } } },
  { name: 'dup-flag-forwarded', description: 'a PUBLISH goes to subscribers with the DUP flag its publisher set (aedes\' own behaviour)', breaks: ['MQTT311-3.3.1-3', 'MQTT5-3.3.1-3'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'redelivery-dup-cleared', description: 'messages re-sent to a resumed session carry DUP 0', breaks: ['MQTT311-3.3.1-1', 'MQTT5-3.3.1-1'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'client-id-refusal-accepted-311', description: 'the gate lets an MQTT 3.1.1 CONNECT with an empty client id and CleanSession 0 through to aedes, which closes the connection without CONNACK 0x02 (as empty-client-id-persistent-accepted, run on a plain-MQTT profile)', breaks: ['MQTT311-3.1.3-9'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: 'empty-client-id-persistent-accepted' },
  { name: 'subscription-identifiers-dropped', description: 'deliveries carry no Subscription Identifier, though Subscription Identifiers are advertised and accepted', breaks: ['MQTT5-3.3.4-3', 'MQTT5-3.3.4-4', 'MQTT5-3.3.4-5'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'subscription-identifier-single', description: 'a message matching several subscriptions goes out once with only one of their Subscription Identifiers (aedes\' own behaviour)', breaks: ['MQTT5-3.3.4-4'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true, scenarios: ['subscription-identifiers-overlapping'] },
  { name: 'shared-rerouted-at-session-end', description: 'the QoS 1 messages sent to a shared-subscription member go to another member of its group when the member\'s session ends', breaks: ['MQTT5-4.8.2-5'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'sent-qos2-expires', description: 'a QoS 2 PUBLISH sent but not acknowledged is dropped on resume once its Message Expiry ran out (aedes\' own behaviour)', breaks: ['MQTT5-4.3.3-7'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'connack-v5-codes-311', description: 'an MQTT 5 CONNECT refused for a reason MQTT 3.1.1 has a return code for gets that code (0x05 Not authorized, 0x02 Identifier rejected), which MQTT 5 does not define', breaks: ['MQTT5-3.2.2-8', 'CONN-AUTH-FAILURE-CODES'], fault: true, scenarios: ['authz-connect-refused'], dependents: { ids: ['CID-DOLLAR-RESERVED', 'CID-CONNECT-RATE-1PS', 'LIM-CONNECT-RATE-CLIENTID', 'CID-MAX-128'], why: 'these scenarios expect the MQTT 5 refusal code of their rule (0x85, 0x9F), which this deviation replaces with a 3.1.1 return code' } },
  { name: 'maximum-qos-unadvertised', description: 'the MQTT 5 CONNACK leaves Maximum QoS out (QoS 2 is still refused)', breaks: ['MQTT5-3.2.2-9', 'QOS2-V5-MAXIMUM-QOS', 'M5-CONNACK-PROPERTIES'], overrides: { mqtt: { maximumQoS: 2 } }, scenarios: ['qos2-mqtt5-maximum-qos-1', 'connack-properties'], dependents: { ids: ['LWT-QOS2-REFUSED'], why: 'will-qos2-refused reads the server\'s Maximum QoS before it sends a Will with QoS 2' } },
  { name: 'will-qos2-accepted', description: 'a Will with QoS 2 is accepted though CONNACK advertises Maximum QoS 1', breaks: ['MQTT5-3.2.2-12', 'LWT-QOS2-REFUSED'], overrides: { mqtt: { qos2: { will: 'support' } } } },
  { name: 'share-name-unchecked', description: 'a $share filter whose ShareName holds + or #, or with no topic filter after the ShareName, is granted (and delivers nothing)', breaks: ['MQTT5-4.8.2-2'], fault: true, scenarios: ['share-name-syntax'], dependents: { ids: ['SHARE-SYNTAX', 'M5-REQUEST-PROBLEM-INFO', 'MQTT5-3.9.2-1'], why: 'these scenarios provoke their failing SUBACK with a ShareName holding +' } },
  { name: 'hash-anywhere-granted', description: 'a filter with # before its last level or inside a level (a/#/b, a#) is granted', breaks: ['MQTT311-4.7.1-2', 'MQTT5-4.7.1-1'], fault: true },
  { name: 'empty-topic-accepted', description: 'an empty topic filter is granted, and a PUBLISH with an empty topic name (and no Topic Alias) is acknowledged and dropped; the connection stays open', breaks: ['MQTT311-4.7.3-1', 'MQTT5-4.7.3-1'], fault: true },
  { name: 'dollar-topics-to-wildcards', description: 'messages on topics starting with $ also reach filters that start with a wildcard (#, +/...)', breaks: ['MQTT311-4.7.2-1', 'MQTT5-4.7.2-1'], fault: true },
  { name: 'will-reused', description: 'a CONNECT without the Will flag gets the Will of its client id\'s last CONNECT that had one, published when the connection drops', breaks: ['MQTT311-3.1.2-12'], fault: true },
  { name: 'session-expiry-while-connected', description: 'the Session Expiry Interval is counted from the CONNECT: a session whose interval (here at most 2 s) passes while its connection is open loses its subscriptions and the messages in flight to it', breaks: ['MQTT311-4.1.0-2', 'MQTT5-4.1.0-1'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true, overrides: { sessions: { expirySeconds: 2 } } },
  { name: 'suback-length-padded', description: 'SUBACKs encode their Remaining Length in two bytes when one would do', breaks: ['MQTT5-1.5.5-1'], fault: true },
  { name: 'suback-property-length-omitted', description: 'MQTT 5 SUBACKs without properties leave out the Property Length (no MQTT 5 client can read a SUBACK, so it is left out of the aws-iot-core sweep)', breaks: ['MQTT5-2.2.2-1'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'suback-flags-set', description: 'SUBACKs go out with the reserved fixed-header flags 0010 instead of 0000 (no client can read a SUBACK, so it is left out of the aws-iot-core sweep)', breaks: ['MQTT311-2.2.2-1'], profile: 'mqtt-5', checkedBy: 'test/corpus/standard-scenarios.test.ts', fault: true },
  { name: 'user-property-utf8-unchecked', description: 'a PUBLISH whose user property name or value is ill-formed UTF-8 is accepted, the property read with U+FFFD in place of the bad bytes', breaks: ['MQTT5-1.5.7-1'], fault: true },
] as const satisfies readonly Deviation[]

/** The name of a deviation the broker's code applies as a fault: a misspelt fault does not compile. */
export type Fault = Extract<(typeof list)[number], { fault: true }>['name']

/** The faults switched on for one broker; empty in normal use. */
export type Faults = ReadonlySet<Fault>

/** Every deviation, by name. */
export const deviations: ReadonlyMap<string, Deviation> = new Map(list.map((d): [string, Deviation] => [d.name, d]))

/** Profile overrides and fault names for a set of deviation names; throws on an unknown name. */
export function resolveDeviations(names: readonly string[]): { overrides: ProfileOverrides; faults: Faults } {
  let overrides: Record<string, unknown> = {}
  const faults = new Set<Fault>()
  for (const name of names) {
    const d = deviations.get(name)
    if (!d) throw new DeviationUnknownError(name, [...deviations.keys()])
    if (d.overrides) overrides = mergeProfile(overrides, d.overrides as Record<string, unknown>)
    if (d.fault) faults.add((d.fault === true ? d.name : d.fault) as Fault)
  }
  return { overrides: overrides as ProfileOverrides, faults }
}
