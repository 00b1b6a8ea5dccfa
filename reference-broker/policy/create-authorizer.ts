import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Profile } from '../profile.js'
import { PolicyInvalidError } from '../errors.js'
import { compilePolicy, type CompiledPolicy, type ConnectAttribute } from './policy-document.js'
import { evaluatePolicies, type Decision, type IotAction } from './policy-engine.js'

export type AuthConfig = Profile['auth']

/** Who is asking: the identity policies are attached to. */
export type Principal =
  | { kind: 'certificate'; id: string }
  | { kind: 'access-key'; id: string }
  | { kind: 'anonymous' }

/** A principal as one log-friendly string (`certificate:myDevice`, `access-key:AKID...`, `anonymous`). */
export function principalName(p: Principal): string {
  return p.kind === 'anonymous' ? 'anonymous' : `${p.kind}:${p.id}`
}

/** Request context a policy can refer to (`iot:Topic`, `${iot:ClientId}`, `iot:ConnectAttributes`). */
export interface AuthorizationContext {
  topic?: string
  clientId?: string
  /** iot:Connect only: the features the CONNECT asks for (none: a plain connect) [AUTHZ-CONNECT-ATTRIBUTES]. */
  connectAttributes?: readonly ConnectAttribute[]
  /** The `connect-attributes-ignored` deviation: every iot:ConnectAttributes condition holds. */
  ignoreConnectAttributes?: boolean
}

const CONNECT_ATTRIBUTES_KEY = new Set(['iot:connectattributes'] as const)

/** Policy decisions for the MQTT hooks and the HTTP data plane. */
export interface Authorizer {
  /** True when no policies are configured: every request is allowed. */
  readonly developmentMode: boolean
  /** True when SigV4 keys are configured (signed HTTP requests are then verified). */
  readonly hasCredentials: boolean
  /** The secret of a configured SigV4 access key. */
  secretFor(accessKeyId: string): string | undefined
  /** The broker's region: a SigV4 credential scope must name it [API-SIGNING-NAME]. */
  readonly region: string
  /** `arn:aws:iot:REGION:ACCOUNT:<resource>` (resource like `client/id`, `topic/a/b`). */
  arn(resource: string): string
  /** Decides one action; `resource` is relative (`topic/a/b`) or `*` for account-wide actions. */
  authorize(principal: Principal, action: IotAction, resource: string, context?: AuthorizationContext): Decision
}

function loadDocument(name: string, value: string | Record<string, unknown>, baseDir: string): CompiledPolicy {
  if (typeof value !== 'string') return compilePolicy(name, value, `profile auth.policies.${name}`)
  const file = resolve(baseDir, value)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new PolicyInvalidError(file, [`policy ${name}: cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new PolicyInvalidError(file, [`policy ${name}: not JSON: ${(err as Error).message}`])
  }
  return compilePolicy(name, json, file)
}

/**
 * Loads and validates the `auth` section of the profile. Relative policy file
 * paths resolve against `baseDir` (the --config file's folder). Throws
 * PolicyInvalidError (HX_POLICY_INVALID) listing every problem.
 */
export function createAuthorizer(auth: AuthConfig, baseDir: string = process.cwd()): Authorizer {
  const policies = new Map<string, CompiledPolicy>()
  for (const [name, value] of Object.entries(auth.policies)) policies.set(name, loadDocument(name, value, baseDir))
  const problems: string[] = []
  const resolveNames = (where: string, names: string[]): CompiledPolicy[] => names.flatMap((n) => {
    const p = policies.get(n)
    if (!p) problems.push(`${where}: no policy named ${n} (defined: ${[...policies.keys()].join(', ') || 'none'})`)
    return p ? [p] : []
  })
  const byCertificate = new Map(Object.entries(auth.attachments.certificates).map(([cn, names]) => [cn, resolveNames(`attachments.certificates.${cn}`, names)]))
  const byAccessKey = new Map(Object.entries(auth.attachments.accessKeys).map(([id, names]) => [id, resolveNames(`attachments.accessKeys.${id}`, names)]))
  const fallback = resolveNames('attachments.default', auth.attachments.default)
  if (problems.length > 0) throw new PolicyInvalidError('profile auth section', problems)
  const secrets = new Map(auth.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]))
  const developmentMode = policies.size === 0
  const prefix = `arn:aws:iot:${auth.region}:${auth.accountId}:`

  const policiesOf = (p: Principal): CompiledPolicy[] => {
    if (p.kind === 'certificate') return byCertificate.get(p.id) ?? fallback
    if (p.kind === 'access-key') return byAccessKey.get(p.id) ?? fallback
    return fallback
  }

  return {
    developmentMode,
    hasCredentials: secrets.size > 0,
    secretFor: (id) => secrets.get(id),
    region: auth.region,
    arn: (resource) => prefix + resource,
    authorize(principal, action, resource, context = {}) {
      if (developmentMode) return { effect: 'allow', policy: '(development mode)' }
      return evaluatePolicies(policiesOf(principal), {
        action,
        resource: resource === '*' ? '*' : prefix + resource,
        context: { 'iot:topic': context.topic, 'iot:clientid': context.clientId },
        sets: { 'iot:connectattributes': context.connectAttributes ?? [] },
        ...(context.ignoreConnectAttributes ? { unchecked: CONNECT_ATTRIBUTES_KEY } : {}),
      })
    },
  }
}
