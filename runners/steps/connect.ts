import { connectStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure } from '../errors.js'
import { matchValue } from '../matching/match-value.js'

/** CONNECT with the client's declaration (and this step's overrides), then match the CONNACK (default: success). */
export const connect = defineStepRunner(connectStep, async (args, ctx) => {
  const decl = ctx.clientDecl(args.client)
  const adapter = ctx.client(args.client)
  const properties: Record<string, unknown> = { ...(decl.properties ?? {}), ...(args.properties ?? {}) }
  const sessionExpiry = args.sessionExpiry ?? decl.sessionExpiry
  if (sessionExpiry !== undefined) properties.sessionExpiryInterval = sessionExpiry
  const auth = ctx.target.auth
  const started = ctx.now()
  const connecting = adapter.connect({
    endpoint: ctx.endpointFor(decl),
    version: decl.version,
    clientId: ctx.clientId(args.client),
    clean: args.clean ?? decl.clean,
    keepalive: args.keepalive ?? decl.keepalive,
    username: decl.username ?? auth?.username,
    password: decl.password ?? auth?.password,
    ...(decl.will ? { will: ctx.interpolate(decl.will) } : {}),
    ...(decl.version === 5 && Object.keys(properties).length ? { properties: ctx.interpolate(properties) } : {}),
    timeoutMs: ctx.budget(args.within),
    signal: ctx.signal,
  })
  if (args.closed) {
    // `closed: true`: the server must close without any CONNACK (e.g. an MQTT 3.1.1 Will QoS 2).
    const outcome = await connecting.then((connack) => ({ connack }), (err: unknown) => ({ err }))
    if ('err' in outcome) {
      if (outcome.err instanceof ExpectationFailure && adapter.inbox.closed) return { latencyMs: ctx.now() - started }
      throw outcome.err
    }
    throw new ExpectationFailure(`${args.client} got a CONNACK; expected the server to close the connection without one`, 'connection closed without CONNACK', outcome.connack)
  }
  const connack = await connecting
  const latencyMs = ctx.now() - started
  const expected = args.expect !== undefined ? ctx.interpolate(args.expect) : { reasonCode: 0 }
  const miss = matchValue(expected, connack)
  if (miss) throw new ExpectationFailure(`CONNACK for ${args.client} did not match: ${miss}`, expected, connack)
  return { latencyMs }
})
