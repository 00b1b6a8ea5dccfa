import type { Profile } from '../profile.js'
import { methodNotAllowed, type ApiError } from './api-error.js'
import { callerIdentity } from './caller-identity.js'
import { awsConnections, type ConnectionRules } from './connection-apis.js'
import { awsPublish, type PublishRules } from './publish-message.js'
import { decodeComponent } from './request-params.js'
import { awsRetained, type RetainedRules } from './retained-messages.js'
import { awsDirectMessage, type DirectMessageRules } from './send-direct-message.js'

/**
 * How the data plane behaves, built once per broker: the request rules every
 * operation shares and each operation's own rules. `awsDataPlane` is AWS IoT
 * Core's documented behaviour; the deliberate deviations build another
 * instance (reference-broker/faults/data-plane-faults.ts), so no handler checks
 * a fault.
 */
export interface DataPlanePolicy {
  /** [HTTP-ERRORS] a data-plane path with a method it does not take: 405 with `Allow`. */
  wrongMethod(allowed: string[], method: string, rawPath: string): ApiError
  /** [DM-STATUS-400] a path parameter, percent-decoded; a malformed escape is a 400. */
  decodeParam(raw: string, name: string): string
  /** [DM-AUTH-MODES] [DM-STATUS-401] [API-SIGNING-NAME] who is calling. */
  identify: typeof callerIdentity
  /** [DM-STATUS-413] [LIM-PAYLOAD-128KB] the largest request body an operation reads. */
  bodyLimit(api: string, profile: Profile): number
  directMessage: DirectMessageRules
  publish: PublishRules
  retained: RetainedRules
  connections: ConnectionRules
}

/** AWS IoT Core's data plane. */
export const awsDataPlane: DataPlanePolicy = {
  wrongMethod: (allowed) => methodNotAllowed(allowed),
  decodeParam: decodeComponent,
  identify: callerIdentity,
  bodyLimit: (_api, profile) => profile.http.payloadMaxBytes,
  directMessage: awsDirectMessage,
  publish: awsPublish,
  retained: awsRetained,
  connections: awsConnections,
}
