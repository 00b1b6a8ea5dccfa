import type http from 'node:http'
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { AwsBroker } from '../aws-broker.js'
import type { Logger } from '../logger.js'
import type { Profile } from '../profile.js'
import { RateLimiter } from '../rate-limiter.js'
import { principalName, type Authorizer } from '../policy/create-authorizer.js'
import { ApiError, notFound } from './api-error.js'
import { trackConnectionHistory } from './connection-history.js'
import { deleteConnectionRoute, getConnectionRoute, listSubscriptionsRoute } from './connection-apis.js'
import { awsDataPlane, type DataPlanePolicy } from './data-plane-policy.js'
import { publishRoute } from './publish-message.js'
import { EMPTY, readBody, RequestAbortedError } from './read-body.js'
import { parseQuery, QueryParams } from './request-params.js'
import { sendError, type Exchange } from './respond.js'
import { getRetainedMessageRoute, listRetainedMessagesRoute } from './retained-messages.js'
import { trackRetainedTimes } from './retained-times.js'
import { matchRoute, type DataPlaneDeps, type RequestContext, type Route } from './route-table.js'
import { sendDirectMessageRoute } from './send-direct-message.js'

/** The data-plane operations (catalogue sections A and B) with a policy's rules. Adding one is adding a line. */
export function dataPlaneRoutesFor(policy: DataPlanePolicy): readonly Route<unknown>[] {
  return [
    sendDirectMessageRoute(policy.directMessage),
    publishRoute(policy.publish),
    getRetainedMessageRoute(policy.retained),
    listRetainedMessagesRoute(policy.retained),
    getConnectionRoute(policy.connections),
    listSubscriptionsRoute(policy.connections),
    deleteConnectionRoute(policy.connections),
  ]
}

/** The data-plane operations as AWS IoT Core documents them. */
export const dataPlaneRoutes: readonly Route<unknown>[] = dataPlaneRoutesFor(awsDataPlane)

/** What the data plane serves: the broker, its profile, the request logger and the policy decisions. */
export interface DataPlaneOptions {
  broker: AwsBroker
  profile: Profile
  log: Logger
  authorizer: Authorizer
  /**
   * Every caller must be authenticated as on AWS: SigV4-signed with a key of
   * `auth.credentials` or (HTTPS) holding a trusted client certificate; anyone
   * else gets 403 `signature-missing` instead of the anonymous policies
   * [DM-STATUS-401]. Default false.
   */
  requireSignature?: boolean
  /**
   * How the data plane behaves (default: awsDataPlane, AWS's documented
   * behaviour); the deliberate deviations pass the policy
   * reference-broker/faults/data-plane-faults.ts builds.
   */
  policy?: DataPlanePolicy
  /** Routes to serve (default: the policy's, dataPlaneRoutesFor). */
  routes?: readonly Route<unknown>[]
}

const noop = () => {}

/**
 * The HTTP data plane as a request listener for the HTTP and HTTPS listeners:
 * SendDirectMessage, HTTPS publish, the retained-message and connection APIs.
 * Every request gets a traceId (also `x-amzn-RequestId`), exactly one response
 * (a handler that throws is a 500 InternalFailureException [DM-STATUS-500],
 * never a crash) and exactly one JSON log line with its outcome and a
 * machine-readable `reason` [DM-CLOUDWATCH-REASON].
 */
export function createDataPlane(options: DataPlaneOptions): http.RequestListener {
  const deps: DataPlaneDeps = {
    broker: options.broker,
    profile: options.profile,
    log: options.log,
    authorizer: options.authorizer,
    requireSignature: options.requireSignature ?? false,
    directMessageRate: new RateLimiter(options.profile.http.directMessage.requestsPerSecond),
    retainedTimes: trackRetainedTimes(options.broker),
    history: trackConnectionHistory(options.broker),
  }
  const policy = options.policy ?? awsDataPlane
  const routes = options.routes ?? dataPlaneRoutesFor(policy)
  return (req, res) => {
    // serve() answers every failure itself and never rejects (no handler per request here).
    void serve(deps, policy, routes, req, res)
  }
}

/** The placeholders a request context starts with, shared (never written to). */
const NO_QUERY = new QueryParams(new Map())
const ANONYMOUS = Object.freeze({ kind: 'anonymous' } as const)

/** Serves one request. It answers every failure itself and never rejects: should that answer fail too, only this request ends. */
async function serve(deps: DataPlaneDeps, policy: DataPlanePolicy, routes: readonly Route<unknown>[], req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  // A reset connection must never become an unhandled 'error' event.
  req.on('error', noop)
  res.on('error', noop)
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const rawPath = q === -1 ? url : url.slice(0, q)
  // The request's context, built whole at once (one object shape for every request): the
  // response writers see it as the Exchange, the handlers as the RequestContext.
  const ctx: RequestContext = {
    req,
    res,
    traceId: randomUUID(),
    outcome: { status: 0, reason: 'caller-gone' },
    deps,
    params: {},
    query: NO_QUERY,
    body: EMPTY,
    principal: ANONYMOUS,
    logFields: {},
  }
  const ex: Exchange = ctx
  const fields = ctx.logFields
  let api = 'Unknown'
  let principal = 'anonymous'
  // [DM-CLOUDWATCH-REASON] one line per request, when info lines are wanted (a quiet broker skips the listener).
  if (deps.log.isLevelEnabled('info')) {
    const started = performance.now()
    res.once('close', () => {
      deps.log.info({
        event: 'http-request', api, method: req.method, path: rawPath, traceId: ex.traceId,
        status: ex.outcome.status, reason: ex.outcome.reason, errorType: ex.outcome.errorType,
        principal, ...fields, durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      })
    })
  }
  try {
    const match = matchRoute(routes, req.method ?? 'GET', rawPath)
    if (match.kind === 'none') throw notFound('no-such-route', `No data-plane operation at ${req.method} ${rawPath}`)
    if (match.kind === 'wrong-method') throw policy.wrongMethod(match.allowed, req.method ?? 'GET', rawPath) // [HTTP-ERRORS]
    const route = match.route
    api = route.api
    const { params } = ctx
    for (const name in match.rawParams) params[name] = policy.decodeParam(match.rawParams[name]!, name) // [DM-STATUS-400] %ZZ
    if (q !== -1) ctx.query = new QueryParams(parseQuery(url.slice(q + 1)))
    const input = route.parse(ctx)
    if (route.hasBody) ctx.body = await readBody(req, policy.bodyLimit(route.api, deps.profile)) // [DM-STATUS-413] [LIM-PAYLOAD-128KB]
    ctx.principal = policy.identify(req, ctx.body, deps.authorizer, { requireSignature: deps.requireSignature }) // [DM-AUTH-MODES]
    principal = principalName(ctx.principal)
    await route.handle(ctx, input)
    if (!res.headersSent && !res.destroyed && ex.outcome.reason !== 'caller-gone') throw new Error(`${route.api} finished without a response`)
  } catch (err) {
    try {
      answerFailure(deps, ex, api, err)
    } catch (failed) {
      deps.log.error({ event: 'http-internal-error', traceId: null, err: failed })
      res.destroy()
    }
  }
}

/** The answer to a request that failed: the ApiError's, or a logged 500 [DM-STATUS-500]. */
function answerFailure(deps: DataPlaneDeps, ex: Exchange, api: string, err: unknown): void {
  if (err instanceof RequestAbortedError) return
  if (err instanceof ApiError) return sendError(ex, err)
  // [DM-STATUS-500] a bug or an unexpected failure: log it with the traceId the caller sees.
  deps.log.error({ event: 'http-internal-error', api, traceId: ex.traceId, err })
  if (ex.res.headersSent) {
    ex.res.destroy()
    return
  }
  sendError(ex, new ApiError('InternalFailureException', 'internal-error', 'Internal failure; retry with exponential backoff, and quote the traceId if it persists'))
}
