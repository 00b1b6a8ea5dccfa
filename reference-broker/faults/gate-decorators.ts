import type { GateHandlers, InboundHandler, OutboundHandler } from '../gate/connection.js'
import type { PublishRule } from '../inbound-checks.js'
import { peekInbound } from '../gate/inbound/decode.js'

/** Installs one deviation: the gate's handlers with some of them replaced by decorated ones. */
export type GateDecorator = (h: GateHandlers) => GateHandlers

/** Wraps the inbound handlers of these packet types. */
export function wrapInbound(types: readonly number[], wrap: (next: InboundHandler) => InboundHandler): GateDecorator {
  return (h) => {
    const inbound = h.inbound.slice()
    for (const t of types) inbound[t] = wrap(inbound[t]!)
    return { ...h, inbound }
  }
}

/** Wraps the outbound handlers of these packet types. */
export function wrapOutbound(types: readonly number[], wrap: (next: OutboundHandler) => OutboundHandler): GateDecorator {
  return (h) => {
    const outbound = h.outbound.slice()
    for (const t of types) outbound[t] = wrap(outbound[t]!)
    return { ...h, outbound }
  }
}

const hasId = (rule: PublishRule, id: string) => rule.id.split(' ').includes(id)

/** Leaves out the PUBLISH rule tagged with this id. */
export function withoutPublishRule(id: string): GateDecorator {
  return (h) => ({ ...h, publishRules: h.publishRules.filter((r) => !hasId(r, id)) })
}

/** Wraps the PUBLISH rule tagged with this id. */
export function wrapPublishRule(id: string, wrap: (next: PublishRule['check']) => PublishRule['check']): GateDecorator {
  return (h) => ({ ...h, publishRules: h.publishRules.map((r) => hasId(r, id) ? { id: r.id, check: wrap((ctx) => r.check(ctx)) } : r) })
}

/** Wraps one named entry of the handlers. */
export function wrapEntry<K extends keyof GateHandlers>(key: K, wrap: (next: GateHandlers[K]) => GateHandlers[K]): GateDecorator {
  return (h) => ({ ...h, [key]: wrap(h[key]) })
}

/** State a decorator keeps per connection (or per broker), created on first use. */
export function perKey<K extends object, V>(create: () => V): (key: K) => V {
  const map = new WeakMap<K, V>()
  return (key) => {
    let v = map.get(key)
    if (v === undefined) map.set(key, (v = create()))
    return v
  }
}

/** Drops a well-formed frame; a malformed one still ends the connection. */
export const dropWellFormed = (next: InboundHandler) => (c: Parameters<InboundHandler>[0], f: Buffer) => {
  if (!peekInbound(c, f)) next(c, f)
}
