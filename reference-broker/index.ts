/**
 * The reference broker: AWS IoT Core's message broker on aedes, usable in
 * process (tests), as a library and through `mqtt-harness broker`.
 * This is the folder's only entry; other folders import from here.
 */
export { startReferenceBroker, type ReferenceBroker, type ReferenceBrokerOptions } from './start-reference-broker.js'
export { loadProfile, profileSchema, bundledProfileNames, resolveProfileFile, type Profile, type ProfileOverrides } from './profile.js'
export { BrokerError, ProfileInvalidError, ListenError, PolicyInvalidError, type BrokerErrorCode } from './errors.js'
export { createLogger, type LogLevel, type Logger } from './logger.js'
export type { TlsListenerOptions } from './listeners.js'
export type { AwsBroker } from './aws-broker.js'
export { matches as topicMatches } from './topic-rules.js'
export { deviations, resolveDeviations, type Deviation } from './deviations.js'
export { createDataPlane, dataPlaneRoutes, type DataPlaneOptions } from './http/create-data-plane.js'
export { createAuthorizer, type Authorizer, type Principal } from './policy/create-authorizer.js'
export { compilePolicy, type CompiledPolicy } from './policy/policy-document.js'
export { evaluatePolicies, IOT_ACTIONS, type IotAction, type Decision } from './policy/policy-engine.js'
