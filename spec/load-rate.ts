import { z } from 'zod'

const RATE_RE = /^(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)$/
const PER_SECOND = { s: 1, m: 1 / 60, h: 1 / 3600 } as const

/** Parses `200/s`, `1200/m`, `36000/h`; a bare number is per second. Undefined when invalid. */
export function parseRate(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  const m = RATE_RE.exec(value.trim())
  return m ? Number(m[1]) * PER_SECOND[m[2] as keyof typeof PER_SECOND] : undefined
}

/** A rate in a load scenario: `200/s`, `1200/m`, or a number per second. Parsed to per second. */
export const rateSchema = z
  .union([
    z.number().nonnegative(),
    z.string().regex(RATE_RE, { error: 'expected a rate like 200/s, 1200/m or a number per second' }),
  ], { error: 'expected a rate like 200/s, 1200/m or a number per second' })
  .transform((v) => parseRate(v) as number)
  .describe('A rate: `200/s`, `1200/m`, or a number per second')
