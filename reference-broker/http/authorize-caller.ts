import type { AuthorizationContext, Principal } from '../policy/create-authorizer.js'
import { principalName } from '../policy/create-authorizer.js'
import type { IotAction } from '../policy/policy-engine.js'
import { forbidden } from './api-error.js'
import type { RequestContext } from './route-table.js'

/**
 * Asks the policy engine whether `principal` (the caller unless given) may do
 * `action` on `resource`; a refusal is a 403 ForbiddenException whose log line
 * names the principal, the ARN and the deciding policy [DM-STATUS-403].
 */
export function authorizeOrThrow(
  ctx: RequestContext,
  action: IotAction,
  resource: string,
  context: AuthorizationContext = {},
  options: { principal?: Principal; reason?: string; message?: string } = {},
): void {
  const { authorizer } = ctx.deps
  const principal = options.principal ?? ctx.principal
  const decision = authorizer.authorize(principal, action, resource, context)
  if (decision.effect === 'allow') return
  ctx.logFields.denied = {
    principal: principalName(principal),
    action,
    resource: resource === '*' ? '*' : authorizer.arn(resource),
    decision: decision.effect,
    ...(decision.policy ? { policy: decision.policy } : {}),
  }
  throw forbidden(options.reason ?? 'caller-not-authorized', options.message ?? `User is not authorized to perform: ${action} on resource: ${resource === '*' ? '*' : authorizer.arn(resource)}`)
}
