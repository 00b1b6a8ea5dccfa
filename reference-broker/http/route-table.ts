import type { AwsBroker } from '../aws-broker.js'
import type { Logger } from '../logger.js'
import type { Profile } from '../profile.js'
import type { RateLimiter } from '../rate-limiter.js'
import type { Authorizer, Principal } from '../policy/create-authorizer.js'
import type { Exchange } from './respond.js'
import type { QueryParams } from './request-params.js'
import type { RetainedTimes } from './retained-times.js'
import type { ConnectionHistory } from './connection-history.js'

/** Everything the data-plane handlers share, built once per broker. */
export interface DataPlaneDeps {
  broker: AwsBroker
  profile: Profile
  log: Logger
  authorizer: Authorizer
  /** Unsigned callers without a trusted client certificate get 403 instead of being anonymous [DM-STATUS-401]. */
  requireSignature: boolean
  /** SendDirectMessage requests per second for the whole broker [DM-STATUS-429]. */
  directMessageRate: RateLimiter
  retainedTimes: RetainedTimes
  history: ConnectionHistory
}

/** One request as a handler sees it. */
export interface RequestContext extends Exchange {
  deps: DataPlaneDeps
  /** Decoded path parameters (`clientId`, `topic`). */
  params: Record<string, string>
  query: QueryParams
  /** The request body (empty for routes without one). */
  body: Buffer
  /** The authenticated caller (set after parse, before handle). */
  principal: Principal
  /** Extra fields for this request's log line. */
  logFields: Record<string, unknown>
}

/**
 * A data-plane operation. `parse` validates parameters and headers before the
 * body is read or the caller authenticated, so malformed requests get their
 * 400 first; `handle` does the work and writes the response.
 */
export interface Route<Input = unknown> {
  method: 'GET' | 'POST' | 'DELETE'
  /** Segments after the leading `/`: literals, `:name` (one segment) or `*name` (the rest of the path). */
  path: string
  /** Operation name for logs (`SendDirectMessage`). */
  api: string
  /** Whether the operation has a body (read up to `http.payloadMaxBytes`). */
  hasBody: boolean
  parse(ctx: RequestContext): Input
  handle(ctx: RequestContext, input: Input): Promise<void> | void
}

/** Keeps the input type between parse and handle while routes share one table. */
export function defineRoute<Input>(route: Route<Input>): Route<unknown> {
  return route as Route<unknown>
}

export type RouteMatch =
  | { kind: 'found'; route: Route<unknown>; rawParams: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'none' }

/** Route patterns split into their segments, once per pattern rather than once per request. */
const splitPatterns = new Map<string, readonly string[]>()

function matchPath(pattern: string, segments: string[]): Record<string, string> | null {
  let parts = splitPatterns.get(pattern)
  if (!parts) splitPatterns.set(pattern, (parts = pattern.split('/')))
  const params: Record<string, string> = {}
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    if (part.startsWith('*')) {
      if (i >= segments.length) return null
      params[part.slice(1)] = segments.slice(i).join('/')
      return params
    }
    const seg = segments[i]
    if (seg === undefined) return null
    if (part.startsWith(':')) params[part.slice(1)] = seg
    else if (part !== seg) return null
  }
  return parts.length === segments.length ? params : null
}

/**
 * Finds the route for a method and raw (still percent-encoded) path. Params
 * stay encoded here so that `%2F` inside a client id cannot split a segment;
 * the caller decodes them. A path that exists for other methods is a 405.
 */
export function matchRoute(routes: readonly Route<unknown>[], method: string, rawPath: string): RouteMatch {
  if (!rawPath.startsWith('/')) return { kind: 'none' }
  const segments = rawPath.slice(1).split('/')
  const allowed: string[] = []
  for (const route of routes) {
    const params = matchPath(route.path, segments)
    if (!params) continue
    if (route.method === method) return { kind: 'found', route, rawParams: params }
    allowed.push(route.method)
  }
  return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'none' }
}
