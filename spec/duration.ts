import { z } from 'zod'

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/

/** Parses `500ms`, `2s`, `1.5s`, `1m`, `1h`; a number is milliseconds. Returns undefined when invalid. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  const m = DURATION_RE.exec(value.trim())
  if (!m) return undefined
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS])
}

/** Formats milliseconds the way scenarios write them (`1.5s`, `500ms`). */
export function formatDuration(ms: number): string {
  if (ms >= 1000 && ms % 100 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

/**
 * A duration in a scenario: a string with a unit (`500ms`, `2s`, `1.5s`, `1m`)
 * or a number of milliseconds. Parsed to milliseconds.
 */
export const durationSchema = z
  .union([
    z.number().nonnegative(),
    z.string().regex(DURATION_RE, { error: 'expected a duration like 500ms, 2s, 1.5s, 1m or a number of milliseconds' }),
  ], { error: 'expected a duration like 500ms, 2s, 1.5s, 1m or a number of milliseconds' })
  .transform((v) => parseDuration(v) as number)
  .describe('A duration: `500ms`, `2s`, `1.5s`, `1m`, or a number of milliseconds')
