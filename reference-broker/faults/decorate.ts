import type { Fault, Faults } from '../deviations.js'

/**
 * A fault installed as a decorator: it wraps methods of the object that
 * implements the rule it breaks, and is installed only when its deviation is on.
 */
export type Decorator<T, C> = (target: T, context: C) => void

/** Decorators by the fault they install; a fault without one here is applied elsewhere. */
export type FaultDecorators<T, C> = { readonly [F in Fault]?: Decorator<T, C> }

/** Installs the decorators of the faults switched on, in the registry's order. */
export function installFaults<T, C>(registry: FaultDecorators<T, C>, faults: Faults, target: T, context: C): void {
  for (const [fault, decorate] of Object.entries(registry) as [Fault, Decorator<T, C>][]) {
    if (faults.has(fault)) decorate(target, context)
  }
}

type Method<T, K extends keyof T> = T[K] extends (...args: never[]) => unknown ? T[K] : never

/** Replaces `target[name]` with `wrap(original)`, the original bound to the target. */
export function wrapMethod<T extends object, K extends keyof T>(target: T, name: K, wrap: (original: Method<T, K>) => Method<T, K>): void {
  const original = (target[name] as Method<T, K> & { bind(self: T): Method<T, K> }).bind(target)
  target[name] = wrap(original) as T[K]
}
