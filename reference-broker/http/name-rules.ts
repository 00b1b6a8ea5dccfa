import type { Profile } from '../profile.js'
import { topicNameProblem } from '../topic-rules.js'
import { invalidRequest } from './api-error.js'

/** The data-plane APIs limit client ids to 128 characters [DM-CLIENTID-VALIDATION]. */
const CLIENT_ID_MAX_CHARS = 128

const NO_FAULTS: ReadonlySet<string> = new Set()

/**
 * A client id from the path: 1–128 characters, not starting with `$`
 * [DM-CLIENTID-VALIDATION] [API-DELETE-CONNECTION]. The caller has decoded it.
 */
export function checkClientId(clientId: string, faults: ReadonlySet<string> = NO_FAULTS): string {
  if (clientId.length === 0) throw invalidRequest('invalid-client-id', 'clientId must not be empty')
  // UTF-16 units never undercount characters: only a long id needs counting code points.
  if (clientId.length > CLIENT_ID_MAX_CHARS && [...clientId].length > CLIENT_ID_MAX_CHARS) throw invalidRequest('invalid-client-id', `clientId must be at most ${CLIENT_ID_MAX_CHARS} characters`)
  if (clientId.startsWith('$')) throw invalidRequest('invalid-client-id', 'clientId must not start with $')
  return clientId
}

/**
 * A topic a message is sent to: required, no wildcards, within the size and
 * depth quotas [TOPIC-MAX-256] [TOPIC-MAX-7-SLASHES]. `reservedAllowed` lists the
 * `$` topics the API may use: none for direct messages [DM-TOPIC-VALIDATION],
 * the profile's publishable reserved topics for HTTPS publish.
 */
export function checkTopic(topic: string | undefined, profile: Profile, reservedAllowed: readonly string[], param = 'topic'): string {
  if (topic === undefined || topic === '') throw invalidRequest('invalid-topic', `${param} is required`)
  const problem = topicNameProblem(topic, profile.mqtt, reservedAllowed)
  if (problem) throw invalidRequest('invalid-topic', `${param} is invalid: ${problem}`)
  return topic
}

/** A response topic: a valid topic name, so no wildcards [DM-RESPONSE-TOPIC-NO-WILDCARD]. */
export function checkResponseTopic(topic: string | undefined, profile: Profile): string | undefined {
  if (topic === undefined) return undefined
  if (/[+#]/.test(topic)) throw invalidRequest('invalid-response-topic', 'responseTopic must not contain wildcard characters')
  const problem = topic === '' ? 'empty topic name' : topicNameProblem(topic, profile.mqtt, [topic])
  if (problem) throw invalidRequest('invalid-response-topic', `responseTopic is invalid: ${problem}`)
  return topic
}
