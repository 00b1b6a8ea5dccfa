import { startBundledTarget } from './bundled-target.js'
import { resolveExternalTarget } from './external-target.js'
import type { ResolvedTarget } from './resolved-target.js'

export interface ResolveTargetOptions {
  /** `bundled` (default) or a target YAML file. */
  target?: string
  /** Profile for the bundled broker (a target file names its own). */
  profile?: string
  /** Profile override file for the bundled broker. */
  config?: string
  /** Deliberate deviations of the bundled broker (harness self-tests). */
  deviations?: string[]
}

/**
 * `--target bundled` starts the reference broker in process; anything else is
 * a target file. The caller owns `teardown()` (run it in finally).
 */
export async function resolveTarget(opts: ResolveTargetOptions = {}): Promise<ResolvedTarget> {
  const target = opts.target ?? 'bundled'
  if (target === 'bundled') return startBundledTarget({ profile: opts.profile, config: opts.config, deviations: opts.deviations })
  return resolveExternalTarget(target)
}
