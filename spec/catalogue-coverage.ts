import { z } from 'zod'

/**
 * How one catalogue entry can be checked. Hand-maintained: the Markdown
 * catalogue says what AWS does; this file says what a harness can observe.
 *
 * - `wire: true`: a scenario can decide it from MQTT packets or HTTP data-plane
 *   exchanges (TLS handshakes to those endpoints included). It says nothing
 *   about whether the reference broker implements it yet.
 * - `wire: false`: no scenario can pass or fail a broker on it; `reason` says
 *   why and is what a report shows for the untested requirement.
 * - `soft: true`: the exact broker reaction the entry's Test line expects (an
 *   error code, a status, close vs refuse, a flag, a threshold) is inferred
 *   (INF), left to "record" or explicitly soft in the catalogue, so a mismatch
 *   on that part is a soft deviation, not a hard failure. `note` says which
 *   part; the documented rest of the entry is still a hard expectation.
 */
export const coverageEntrySchema = z.discriminatedUnion('wire', [
  z.strictObject({
    wire: z.literal(true),
    soft: z.boolean().optional(),
    note: z.string().min(1).optional(),
  }),
  z.strictObject({
    wire: z.literal(false),
    reason: z.string().min(1),
    soft: z.boolean().optional(),
    note: z.string().min(1).optional(),
  }),
])
export type CoverageEntry = z.infer<typeof coverageEntrySchema>

// Reasons shared by several entries, so the report groups them with one wording.
const PERMISSION = 'A permission ("may"), not an obligation: no observation can show a broker breaking it.'
const CLIENT_LIBRARY = 'Client-library note (section M): a harness rule for choosing and driving test clients, not a broker requirement.'
const ACCOUNT_LEVEL = 'Account-wide quota: provoking it needs account-scale traffic, and the reference broker profile has no setting that makes it small.'

/** Coverage of every catalogue entry, keyed by id, in catalogue order. */
export const catalogueCoverage: Readonly<Record<string, CoverageEntry>> = {
  // A. Direct Messaging
  'DM-API-PATH': { wire: true },
  'DM-RESPONSE-BODY': { wire: true },
  'DM-NO-SUBSCRIPTION-REQUIRED': { wire: true },
  'DM-NO-FANOUT': { wire: true },
  'DM-CONFIRM-FALSE-QOS0': { wire: true },
  'DM-CONFIRM-TRUE-QOS1': { wire: true },
  'DM-QOS-FROM-API': { wire: true },
  'DM-STATUS-504': { wire: true },
  'DM-TIMEOUT-RANGE': { wire: true, soft: true, note: 'The 504 at the default 5 s is documented; 400 for timeout=0 or 16 is INF (the range is documented, the error is not).' },
  'DM-TIMEOUT-SLACK': { wire: false, reason: `${PERMISSION} Applied as latency slack (timeout + ~2 s) in DM-STATUS-504 scenarios.` },
  'DM-STATUS-404': { wire: true },
  'DM-404-PERSISTENT-SESSION': { wire: true },
  'DM-NO-QUEUE': { wire: true },
  'DM-NO-RETAIN': { wire: true, soft: true, note: 'No retained message is created (documented); RETAIN=0 on the delivered PUBLISH is INF.' },
  'DM-NO-RULES': { wire: false, reason: 'Rules engine: not modelled by the reference broker and not visible on the MQTT or HTTP data plane unless the target has a republish rule configured.' },
  'DM-CLIENTID-VALIDATION': { wire: true },
  'DM-TOPIC-VALIDATION': { wire: true, soft: true, note: 'Missing topic and $-topics → 400 are documented; 400 for a 257-byte or 8-slash topic is INF.' },
  'DM-RESPONSE-TOPIC-NO-WILDCARD': { wire: true, soft: true, note: 'Forwarding the Response Topic is documented; 400 for a wildcard responseTopic is INF.' },
  'DM-MQTT5-PROPERTIES-FORWARDED': { wire: true },
  'DM-MQTT311-PROPS-DROPPED': { wire: true },
  'DM-STATUS-403': { wire: true, note: 'Assert the status only: the 403 body differs by cause (OBS, empty vs naming the target).' },
  'DM-RECEIVER-NEEDS-ONLY-RECEIVE': { wire: true },
  'DM-TOPIC-CONDITION': { wire: true },
  'DM-STATUS-413': { wire: true, soft: true, note: '413 itself is documented; the 131,072-byte threshold is INF (taken from the MQTT payload quota).' },
  'DM-STATUS-429': { wire: true, note: 'Provoked through the receiver’s 100 publishes/s; the account request rate has no documented value.' },
  'DM-STATUS-400': { wire: true },
  'DM-STATUS-500': { wire: false, reason: 'Internal server failure: a correct broker offers no way to provoke it; only a target with fault injection could show the 500 body with traceId.' },
  'DM-STATUS-401': { wire: true, note: 'Contradiction C9: accept 401 or 403 for a missing or bad signature and record which (the trace shows the status; the reference broker answers 403).' },
  'DM-STATUS-200-MEANING': { wire: true, note: 'Checked through DM-CONFIRM-FALSE-QOS0 and DM-CONFIRM-TRUE-QOS1.' },
  'DM-AUTH-MODES': { wire: true, note: 'Needs a target with mTLS and SigV4 on its HTTP endpoint; the ports come from the target file. No scenario yet: the http step has no client-certificate option and the bundled target has no HTTPS listener (it does verify SigV4: the sigv4 capability).' },
  'DM-BOTH-PROTOCOLS': { wire: true },
  'DM-ALREADY-SUBSCRIBED-SINGLE-COPY': { wire: true, soft: true, note: 'Delivery is documented; exactly one copy is INF (from "point-to-point").' },
  'DM-RECEIVER-MUST-PUBACK': { wire: false, reason: 'An obligation on the receiving client, not on the broker; the broker side (200 after PUBACK, 504 without) is DM-CONFIRM-TRUE-QOS1 and DM-STATUS-504.' },
  'DM-NO-MESSAGE-EXPIRY-PARAM': { wire: false, reason: 'Informational (API shape): the absence of a messageExpiry parameter; the catalogue gives no behaviour for an unknown query parameter.' },
  'DM-CLOUDWATCH-REASON': { wire: false, reason: 'CloudWatch logs: not on the MQTT or HTTP data plane (the reference broker writes the same reason to its structured log).' },
  'DM-CLI-BOTO3-SURFACE': { wire: false, reason: 'Client tooling (AWS CLI and boto3 syntax), not broker behaviour; the requests they send are checked by DM-API-PATH.' },

  // B. HTTPS Publish and other data-plane APIs
  'HTTP-PUBLISH-URL': { wire: true },
  'HTTP-QOS-PARAM': { wire: true },
  'HTTP-RESPONSE-OK-TRACEID': { wire: true, note: 'OBS: taken from captured AWS responses, not from a normative document.' },
  'HTTP-RETAIN': { wire: true },
  'HTTP-MQTT5-PROPERTIES': { wire: true },
  'HTTP-NO-CLIENTID': { wire: false, reason: 'Informational: what the HTTPS protocol lacks (client id, subscriptions, offline detection); the observable part (GET → 405) is HTTP-ERRORS.' },
  'HTTP-PORTS-ALPN': { wire: true, note: 'Transport: needs a TLS target that uses the AWS port/ALPN mapping; the bundled broker has one listener per protocol, so it lacks the capability. No scenario yet: the language has no step that opens a TLS connection on a chosen port with a chosen ALPN.' },
  'HTTP-ERRORS': { wire: true },
  'HTTP-TOPIC-ENCODING': { wire: true },
  'API-GET-RETAINED': { wire: true },
  'API-LIST-RETAINED': { wire: true },
  'API-GET-CONNECTION': { wire: true },
  'API-LIST-SUBSCRIPTIONS': { wire: true },
  'API-DELETE-CONNECTION': { wire: true, soft: true, note: 'The DISCONNECT, Will and session effects are documented; the MQTT 5 DISCONNECT reason code (0x98 likely) is INF.' },
  'API-SIGNING-NAME': { wire: true, soft: true, note: 'Contradiction C10: sign with iotdata and with iotdevicegateway and record which scopes are accepted; the scenario expects both (the emulator reading).' },

  // C. Connection, client id, keep-alive
  'CID-TAKEOVER': { wire: true },
  'CID-TAKEOVER-V5-REASON': { wire: true },
  'CID-CONNECT-RATE-1PS': { wire: true, soft: true, note: 'The 1/s quota is documented; what happens to the excess CONNECT (refusal, close, THROTTLED) is INF.' },
  'CID-MAX-128': { wire: true, soft: true, note: 'The 128-byte limit is documented; CONNACK 0x85 (v5) and the 3.1.1 refusal form are INF.' },
  'CID-DOLLAR-RESERVED': { wire: true, soft: true, note: 'The reservation is documented; the refusal form is INF.' },
  'CID-ASSIGNED-V5': { wire: true },
  'CONN-WAIT-CONNACK': { wire: true, soft: true, note: 'Mainly a harness rule (never pipeline behind CONNECT); the broker reaction to a pipelined SUBSCRIBE (close) is INF. No scenario: a connect step always waits for the CONNACK, so the scenario language cannot pipeline a packet behind CONNECT (the reference broker processes such a packet; it closes only on a packet before CONNECT).' },
  'CONN-DOUBLE-CONNECT': { wire: true },
  'CONN-SNI': { wire: true, soft: true, note: 'Contradiction C11: configuration-dependent; record whether a ClientHello without SNI is refused. Needs a TLS target. No scenario: the bundled target has no TLS listener, and SNI comes from the target file (tls.servername), so a scenario cannot leave it out; the reference broker\'s requireSni option is its own.' },
  'CONN-AUTH-FAILURE-CODES': { wire: true, note: 'Contradiction C12: on 3.1.1 expect refusal or close, never assert code 7.' },
  'CONN-WEBSOCKET-24H': { wire: false, reason: 'Long-running: a 24-hour connection limit, and the reference broker profile has no setting to shorten it.' },
  'KA-RANGE-30-1200': { wire: true },
  'KA-TIMEOUT-1.5X': { wire: true, note: 'At the 30 s minimum keep-alive the close comes after ~45 s; a profile with a lower keepAlive.minSeconds shortens it. No scenario in the corpus (45 s is too slow for it): reference-broker/test/connack.test.ts checks the 0x8D DISCONNECT, the 3.1.1 close and the Will with a 1 s keep-alive; the corpus checks the clamp (keep-alive-clamped).' },
  'KA-SERVER-KEEPALIVE-PROPERTY': { wire: true },

  // D. QoS and delivery semantics
  'QOS-LEVELS-0-1': { wire: true },
  'QOS2-NO-ACK': { wire: true, note: 'The connection close is OBS; the missing PUBACK/SUBACK is documented.' },
  'QOS2-V5-MAXIMUM-QOS': { wire: true, soft: true, note: 'CONNACK Maximum QoS 1 is observed; DISCONNECT 0x9B for a QoS 2 PUBLISH and the QoS 2 SUBSCRIBE reaction are INF (contradiction C13).' },
  'QOS-NO-PUBREC-AUTH': { wire: true, soft: true, note: 'Both reactions (close on an unsolicited PUBREL, refusal of an Authentication Method) are INF.' },
  'QOS0-ZERO-OR-MORE': { wire: false, reason: `${PERMISSION} Applied as a tolerance: QoS 0 deliveries are asserted "at least once if delivered", never "exactly once".` },
  'QOS-DUP-FLAG-UNSUPPORTED': { wire: false, reason: `${PERMISSION} Applied as a tolerance: a re-sent QoS 1 PUBLISH is not required to carry DUP=1.` },
  'QOS-RESEND-NEW-PACKET-ID': { wire: false, reason: `${PERMISSION} Applied as a tolerance: duplicates are recognised by payload or correlation data, not by packet id.` },
  'QOS1-RETRY-1H': { wire: false, reason: 'Long-running: a 1-hour retry window, and the reference broker profile has no setting to shorten it.' },
  'QOS1-INFLIGHT-100': { wire: true, soft: true, note: 'At most 100 unacked deliveries is documented; DISCONNECT 0x93 for a client exceeding Receive Maximum is INF.' },
  'ORDER-NOT-GUARANTEED': { wire: false, reason: `${PERMISSION} Applied as a harness rule: compare sets, not sequences.` },
  'SUBACK-DELIVERY-DELAY': { wire: false, reason: `${PERMISSION} Applied as a harness rule: wait after SUBACK before publishing test traffic.` },
  'PERSISTED-QOS-IS-MIN': { wire: true },

  // E. Topics, subscriptions, authorization
  'TOPIC-MAX-256': { wire: true, soft: true, note: 'The limit is documented; the rejection form (v5 0x90, 3.1.1 close, HTTP 400) is INF.' },
  'TOPIC-MAX-7-SLASHES': { wire: true, note: 'Contradiction C6: 7, not the older 8.' },
  'TOPIC-HASH-NO-PARENT': { wire: true },
  'TOPIC-PLUS-ONE-LEVEL': { wire: true },
  'TOPIC-CASE-SENSITIVE': { wire: true },
  'TOPIC-DOLLAR-RESERVED': { wire: true, soft: true, note: 'The reservation is documented; the MQTT 5 reason code (0x90 or 0x87) is INF.' },
  'TOPIC-NO-WILDCARD-PUBLISH': { wire: true },
  'SUB-MAX-50-PER-CONNECTION': { wire: true, note: 'Either a failing SUBACK (0x80/0x97) or a disconnect satisfies it.' },
  'SUB-MAX-8-PER-SUBSCRIBE': { wire: true, soft: true, note: 'The limit is documented; the reaction to 9 filters is INF.' },
  'SUB-ID-UNSUPPORTED': { wire: true },
  'SUB-WILDCARD-SHARED-AVAILABLE': { wire: true },
  'SUBACK-UNSUBACK-CODES': { wire: true, soft: true, note: 'SUBACK 0x87 for a policy-denied filter is INF, and UNSUBACK for an unknown filter is recorded (0x00 vs 0x11).' },
  'AUTHZ-311-DISCONNECT': { wire: true, soft: true, note: 'The close is OBS (an AWS engineer\'s statement); the lifecycle reason (AUTH_ERROR or FORBIDDEN_ACCESS) is INF.' },
  'AUTHZ-V5-REASON-CODES': { wire: true, soft: true, note: '0x87 is documented; which packet carries it (PUBACK, SUBACK or DISCONNECT) is INF.' },
  'AUTHZ-ACTIONS': { wire: true, note: 'Needs a target that applies policies (the reference broker has an AWS-style policy subset).' },
  'AUTHZ-CONNECT-ATTRIBUTES': { wire: true, soft: true, note: 'The refusal is documented; CONNACK 0x87 on MQTT 5 is INF (MQTT 3.1.1: any refusing return code, C12). Which MQTT 5 flags ask for PersistentConnect is INF; the scenario uses Clean Start 0 with Session Expiry 300, persistent under any reading. Contradiction C16: only policies with an explicit condition are tested.' },

  // F. Persistent sessions
  'PS-CREATE-311': { wire: true },
  'PS-CREATE-V5': { wire: true },
  'PS-SEI-DEFAULT-ZERO': { wire: true },
  'PS-SESSION-PRESENT': { wire: true },
  'PS-STORE-QOS1': { wire: true },
  'PS-DELIVER-AFTER-CONNACK': { wire: true },
  'PS-REPLAY-RATE': { wire: true },
  'PS-EXPIRY-DEFAULT-1H': { wire: true, note: 'No scenario waits for the 1-hour default (up to +30 min, never shorter). MQTT 5 expiry is checked by session-expired-new-session with a client-requested 2 s interval; the 3.1.1 (cleanSession 0) expiry by the reference broker\'s own test with a shortened profile (reference-broker/test/sessions.test.ts, sessions.expirySeconds: 1). A target whose profile shortens the expiry could run it in CI.' },
  'PS-SEI-CLAMP': { wire: true, soft: true, note: 'Contradiction C5: AWS was observed returning SEI 0 in CONNACK (PS-S002-CONNACK-SEI-0), so any CONNACK value up to the account maximum passes; an echoed 86400 or no value (the client\'s then applies) fails.' },
  'PS-S002-CONNACK-SEI-0': { wire: true, soft: true, note: 'An observation that conflicts with DOC and the MQTT 5 spec (contradiction C5): record the CONNACK SEI, never assert it.' },
  'PS-SEI-ON-DISCONNECT': { wire: true, soft: true, note: 'Ending a session with DISCONNECT SEI=0 is documented; the reaction to raising SEI from 0 (0x82 or ignored) is INF.' },
  'PS-CLEAN-ENDS-SESSION': { wire: true },
  'PS-EXPIRED-NEW-SESSION': { wire: true, note: 'MQTT 5 with a client-requested 2 s SEI; MQTT 3.1.1 needs a profile with a short session expiry (checked by reference-broker/test/sessions.test.ts).' },
  'PS-NO-CROSS-VERSION': { wire: true },
  'PS-QUEUE-RATE-ACCOUNT': { wire: false, reason: `${ACCOUNT_LEVEL} (500 queued messages/s across the account; the profile caps only each session's queue length).` },
  'PS-MEI-EXPIRED-NOT-DELIVERED': { wire: true },
  'PS-SESSION-EXPIRY-OVERRIDES-MEI': { wire: true },
  'PS-LISTED-OFFLINE': { wire: true, note: 'Also checked in detail through API-LIST-SUBSCRIPTIONS, API-DELETE-CONNECTION and DM-404-PERSISTENT-SESSION.' },

  // G. Retained messages
  'RET-SUPPORTED': { wire: true },
  'RET-ONE-PER-TOPIC': { wire: true },
  'RET-EXACT-MATCH': { wire: true },
  'RET-FLAG-ON-DELIVERY': { wire: true, note: 'MQTT 5 Retain As Published is undocumented (INF: may be ignored) and not asserted.' },
  'RET-EMPTY-DELETES': { wire: true },
  'RET-NONRETAINED-DOES-NOT-CLEAR': { wire: true },
  'RET-QOS-0-1': { wire: true },
  'RET-NOT-ON-RESERVED': { wire: true, soft: true, note: 'The prohibition is documented; the reaction (rejection or disconnect) is INF.' },
  'RET-LIFETIME-3Y': { wire: false, reason: 'Long-running: a 3-year retention cannot be observed in CI (and the source pages disagree, contradiction C8).' },
  'RET-MEI-EXPIRY': { wire: true, soft: true, note: 'No delivery after expiry is documented; GetRetainedMessage answering 404 after expiry is INF.' },
  'RET-COUNT-LIMIT-THROTTLE': { wire: true, soft: true, note: 'Needs a target with a small retained-message limit (reference broker: retained.maxCount). The limit is account-wide, so the shared bundled broker of a corpus run cannot have a small one without throttling every other retained scenario: no scenario; the reference broker\'s own test checks it (reference-broker/test/sessions-retained-limits.test.ts). The throttle form (HTTP 429, v5 PUBACK 0x97, 3.1.1 plain PUBACK) is INF.' },
  'RET-DELIVERY-ORDER': { wire: false, reason: `${PERMISSION} Applied as a harness rule: no ordering assertion between a retained message and live messages.` },
  'RET-PERSISTENT-MULTIPLE': { wire: true, note: 'The newest value must arrive; whether older ones arrive too, and in which order, is not asserted (a permission, and ORDER-NOT-GUARANTEED).' },
  'RET-WILL-RETAIN': { wire: true },
  'RET-POLICY-RETAINPUBLISH': { wire: true, soft: true, note: 'The permission is documented; the refusal form (3.1.1 close, v5 0x87) is INF.' },
  'RET-SHARED-NO-RETAINED': { wire: true },
  'RET-HTTP-AND-APIS': { wire: true, note: 'Checked through HTTP-RETAIN, API-GET-RETAINED and API-LIST-RETAINED.' },
  'RET-DM-EXCLUDED': { wire: true, note: 'Checked through DM-NO-RETAIN.' },

  // H. Last Will and Testament
  'LWT-ON-UNGRACEFUL': { wire: true },
  'LWT-NOT-ON-DISCONNECT': { wire: true, note: 'MQTT 5 DISCONNECT 0x04 (with Will) is undocumented (INF) and not asserted.' },
  'LWT-ON-TAKEOVER': { wire: true, soft: true, note: 'Entirely INF: inferred from "in all other cases the LWT is dispatched".' },
  'LWT-OUT-OF-ORDER': { wire: false, reason: `${PERMISSION} Applied as a harness rule: no ordering assertion between a Will and the same client's reconnect.` },
  'LWT-QOS2-REFUSED': { wire: true },
  'LWT-MEI-START': { wire: true },
  'LWT-DELETECONNECTION-CONTROL': { wire: true },

  // I. MQTT 5 features
  'M5-CONNACK-PROPERTIES': { wire: true, note: 'Session Expiry Interval is recorded, not asserted (contradiction C5); Maximum Packet Size 149504 (C4).' },
  'M5-CROSS-VERSION': { wire: true },
  'ALIAS-MAX-8': { wire: true },
  'ALIAS-OUT-OF-RANGE-0x94': { wire: true },
  'ALIAS-CONNECTION-SCOPE': { wire: true, soft: true, note: 'The scope is from the source document; the reaction to a stale alias (DISCONNECT 0x82) is INF.' },
  'ALIAS-RESOLVED-FOR-SUBSCRIBERS': { wire: true, soft: true, note: 'Delivery on the full topic is documented; no server→client Topic Alias is INF.' },
  'MEI-REMAINING': { wire: true },
  'MEI-ZERO-ROUNDING': { wire: true, note: 'Timing-sensitive: a message routed with under 1 s left must carry MEI 0 (queued-message-remaining-expiry delivers one ~0.8 s before its expiry); other scenarios just accept 0.' },
  'MEI-MIN-1': { wire: true },
  'MEI-MAX-7-DAYS': { wire: true },
  'MEI-ABSENT-NO-EXPIRY': { wire: true },
  'MEI-CROSS-VERSION': { wire: true },
  'MEI-UNACKED-QOS1': { wire: true },
  'MEI-OVERRIDES-RETENTION': { wire: true, note: 'Checked with PS-MEI-EXPIRED-NOT-DELIVERED (persistent-session queue) and through SHARE-QUEUE-MEI (shared-subscription queue).' },
  'M5-USER-PROPERTIES': { wire: true, soft: true, note: 'Order and forwarding are documented; the rejection form above 8 KB is INF, and so is how the 8 KB are counted: the scenarios read it as 8192 bytes of UTF-8 names and values plus 4 length-prefix bytes per pair.' },
  'M5-REQUEST-RESPONSE': { wire: true, soft: true, note: 'Forwarding is documented; the rejection of a wildcard Response Topic (0x82 or 0x90) is INF.' },
  'M5-PAYLOAD-FORMAT-CONTENT-TYPE': { wire: true, soft: true, note: 'The 256-byte Content Type limit is low confidence (an AWS SDK comment); content-type-256-bytes-edge asserts the reading of the aws-iot-core profile (256 UTF-8 bytes) and checks only closed-and-not-delivered for 257; the refusal form is INF.' },
  'M5-NO-SERVER-REDIRECT': { wire: true },
  'M5-SERVER-DISCONNECT': { wire: true, note: 'Umbrella entry: each negative MQTT 5 scenario asserts its own code.' },
  'M5-REASON-STRING-FORMAT': { wire: true, soft: true, note: 'OBS and marked soft in the catalogue: only the DISCONNECT: prefix is checked.' },
  'M5-PUBACK-NO-MATCHING-SUBSCRIBERS': { wire: true, soft: true, note: 'Entirely INF: inferred from the PUBACK reason codes AWS lists.' },
  'M5-MAX-PACKET-SIZE': { wire: true, soft: true, note: 'CONNACK 149504 is observed (C4); the reaction to an oversized packet (0x95 or 0x81) is INF.' },
  'M5-NO-AUTH-PACKET': { wire: true, soft: true, note: 'The lack of support is documented; the refusal code (0x8C or 0x87) is INF.' },
  'M5-REQUEST-PROBLEM-INFO': { wire: true, soft: true, note: 'No Reason String with Request Problem Information 0 is INF.' },

  // J. Shared subscriptions
  'SHARE-SYNTAX': { wire: true, soft: true, note: 'The syntax and slash counting are documented; SUBACK 0x8F for an invalid ShareName is INF.' },
  'SHARE-BOTH-VERSIONS': { wire: true },
  'SHARE-ONE-PER-GROUP': { wire: true, soft: true, note: 'Exactly one delivery per message per group is hard; that every member gets some (random choice) is soft.' },
  'SHARE-MULTI-GROUP-COPIES': { wire: true },
  'SHARE-QUEUE': { wire: true, note: 'Queueing when every member is offline is checked; queueing because the members exceed 100 publishes/s is not provoked.' },
  'SHARE-QOS0-DROP': { wire: true },
  'SHARE-QUEUE-MEI': { wire: true },
  'SHARE-QUEUE-LIMIT-DROP-NEW': { wire: true, note: 'AWS names the per-group quota without a value: the limit comes from the target profile (reference broker: sharedSubscriptions.queueMaximumPerGroup, 100), so a target needs a small one for a fast run; the account-wide queued-messages rate is not provokable in CI.' },
  'SHARE-MEMBERSHIP-LIFECYCLE': { wire: true },

  // K. Throughput and size quotas enforced on the wire
  'LIM-PAYLOAD-128KB': { wire: true, soft: true, note: 'The limit and the 3.1.1 disconnect are documented; the MQTT 5 reaction (DISCONNECT 0x95/0x97 or PUBACK 0x97) is INF.' },
  'LIM-PUB-RATE-100': { wire: true, soft: true, note: 'QoS 0 excess discarded (~100/s with tolerance) is documented; the QoS 1 reaction (delayed PUBACK or failure) is only recorded.' },
  'LIM-THROUGHPUT-512KIB': { wire: true },
  'LIM-INFLIGHT': { wire: true, soft: true, note: 'Cross-reference of QOS1-INFLIGHT-100 (its DISCONNECT 0x93 is INF).' },
  'LIM-SUBSCRIPTIONS': { wire: true, soft: true, note: 'Cross-reference of SUB-MAX-50-PER-CONNECTION and SUB-MAX-8-PER-SUBSCRIBE (the reaction to 9 filters is INF).' },
  'LIM-ACCOUNT-RATES': { wire: false, reason: `${ACCOUNT_LEVEL} (connects/s, publishes/s, subscriptions/s and totals per account; region-dependent and adjustable).` },
  'LIM-CONNECT-RATE-CLIENTID': { wire: true, soft: true, note: 'Cross-reference of CID-CONNECT-RATE-1PS (the reaction to excess is INF).' },

  // L. Lifecycle events
  'LC-TOPICS-PAYLOAD': { wire: true, note: 'timestamp is checked as epoch milliseconds; the ±2 min window against the harness clock is not asserted.' },
  'LC-DISCONNECT-REASONS': { wire: true, note: 'Only the reasons a scenario can provoke: client DISCONNECT, takeover, socket loss, double CONNECT and DeleteConnection run in CI; MQTT_KEEP_ALIVE_TIMEOUT needs 45 s at the 30 s minimum keep-alive and is left out; WEBSOCKET_TTL_EXPIRATION, SERVER_ERROR and the like cannot be provoked.' },
  'LC-VERSION-NUMBER': { wire: true, note: 'The reset after ~1 h disconnected is long-running; monotonicity and pairing run in CI.' },
  'LC-ORDER-DUPLICATES': { wire: false, reason: `${PERMISSION} Applied as a harness rule: order lifecycle events by versionNumber and drop duplicates.` },

  // M. Client-library notes
  'CLIB-MQTTJS': { wire: false, reason: `${CLIENT_LIBRARY} mqtt.js emits every PUBLISH and lets the harness delay or suppress PUBACK.` },
  'CLIB-PAHO-PYTHON': { wire: false, reason: `${CLIENT_LIBRARY} paho-mqtt (Python) as a DM receiver.` },
  'CLIB-AWS-CRT': { wire: false, reason: `${CLIENT_LIBRARY} AWS IoT Device SDK v2 / aws-crt as a DM receiver.` },
  'CLIB-PAHO-GO': { wire: false, reason: `${CLIENT_LIBRARY} Eclipse Paho Go needs a default handler to see unsubscribed topics.` },
  'CLIB-RULE-FOR-HARNESS': { wire: false, reason: `${CLIENT_LIBRARY} Every DM scenario observes raw PUBLISH packets, never subscription callbacks.` },
}
