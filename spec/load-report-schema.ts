import { z } from 'zod'
import { sourceLocationSchema, targetInfoSchema } from './report-schema.js'

/** What a load scenario drives: SendDirectMessage requests, or publishes to subscribers. */
export const loadModeSchema = z.enum(['direct-messages', 'pubsub'])
export type LoadMode = z.infer<typeof loadModeSchema>

/**
 * The versioned JSON load report: what a load run (or one shard of it)
 * writes, what `load-merge` reads back and adds up, and what the Markdown and
 * HTML load reports render. Schema first; types inferred.
 */
export const LOAD_REPORT_FORMAT = 'mqtt-harness/load-report'
export const LOAD_REPORT_VERSION = 1

/** Where every planned direct message ends: exactly one bucket each. */
export const DM_BUCKETS = ['200', '504', '404', '429', 'otherStatus', 'clientTimeout', 'connectionError', 'notSent'] as const
export type DmBucket = (typeof DM_BUCKETS)[number]

/**
 * A latency histogram: the HDR histogram itself (microseconds, compressed
 * base64, so shards add exactly) and a summary in milliseconds for readers.
 */
export const histogramSchema = z.object({
  encoded: z.string(),
  count: z.number().int().min(0),
  min: z.number(), mean: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number(),
})
export type EncodedHistogram = z.infer<typeof histogramSchema>

const counts = <K extends readonly string[]>(keys: K) => z.object(Object.fromEntries(keys.map((k) => [k, z.number().int().min(0)])) as { [P in K[number]]: z.ZodNumber })

export const dmResultSchema = z.object({
  planned: z.number().int().min(0),
  sent: z.number().int().min(0),
  buckets: counts(DM_BUCKETS),
  /** Statuses counted in `otherStatus`, by code. */
  otherStatuses: z.record(z.string(), z.number().int()),
  /** Why requests were not sent: `behind` (the generator was late by more than maxLag), `saturated` (no free connection within maxLag). */
  notSentReasons: z.record(z.string(), z.number().int()),
  receipts: z.object({
    /** Requests whose PUBLISH the target device received (any status). */
    received: z.number().int().min(0),
    /** 200 and received. */
    delivered: z.number().int().min(0),
    duplicates: z.number().int().min(0),
    orphans: z.number().int().min(0),
    misrouted: z.number().int().min(0),
    /** confirmation=true, 200, never received: the API claimed a PUBACK that no device sent. */
    unconfirmed: z.number().int().min(0),
    /** confirmation=false, 200, never received (QoS 0 may be lost). */
    undelivered: z.number().int().min(0),
  }),
  /** Requests never settled (0 when the books balance). */
  pending: z.number().int().min(0),
  /** Requests settled twice (0 when the books balance). */
  doubleBooked: z.number().int().min(0),
  latency: z.object({
    response: histogramSchema,
    byBucket: z.record(z.string(), histogramSchema),
    sent: histogramSchema,
    receipt: histogramSchema,
    ack: histogramSchema,
    lag: histogramSchema,
  }),
  /** Up to a few response bodies or error messages per bucket, to see why. */
  samples: z.record(z.string(), z.array(z.string())),
})
export type DmResult = z.infer<typeof dmResultSchema>

export const pubsubResultSchema = z.object({
  publishers: z.number().int(), subscribers: z.number().int(), qos: z.number().int(), pattern: z.string(),
  planned: z.number().int().min(0), sent: z.number().int().min(0), notSent: z.number().int().min(0),
  publishErrors: z.number().int().min(0),
  expected: z.number().int().min(0), received: z.number().int().min(0),
  lost: z.number().int().min(0), duplicates: z.number().int().min(0), reordered: z.number().int().min(0), orphans: z.number().int().min(0),
  latency: z.object({ pubsub: histogramSchema, lag: histogramSchema }),
})
export type PubsubResult = z.infer<typeof pubsubResultSchema>

/** One second of the run (index from the first stage's start). */
export const seriesPointSchema = z.object({
  t: z.number().int().min(0),
  planned: z.number().int().min(0),
  sent: z.number().int().min(0),
  notSent: z.number().int().min(0),
  /** Responses (DM: by bucket) or deliveries (pub/sub: `received`) completed in this second. */
  outcomes: z.record(z.string(), z.number().int()),
  /** Latency of what completed in this second (DM: due→response; pub/sub: publish→receive). */
  latency: histogramSchema,
})
export type SeriesPoint = z.infer<typeof seriesPointSchema>

export const closedLoopResultSchema = z.object({
  /** Always "closed-loop": each connection waits for its reply, so latency hides queueing. */
  model: z.literal('closed-loop'),
  tool: z.string(),
  connections: z.number().int(),
  durationMs: z.number(),
  requests: z.number().int(),
  throughputPerSecond: z.number(),
  statuses: z.record(z.string(), z.number().int()),
  errors: z.number().int(),
  /** autocannon's own latency (ms), ignoreCoordinatedOmission: true: not comparable with open-model latency. */
  latency: z.object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number(), mean: z.number() }),
})
export type ClosedLoopResult = z.infer<typeof closedLoopResultSchema>

export const thresholdResultSchema = z.object({
  expression: z.string(),
  passed: z.boolean(),
  /** The measured side(s), e.g. `p(99) = 12.3ms`. */
  actual: z.string(),
  location: sourceLocationSchema.optional(),
})
export type ThresholdResult = z.infer<typeof thresholdResultSchema>

/**
 * A run stopped early by an abortOnFail threshold (or told to stop by another
 * shard that was): which threshold, what it measured, and when.
 */
export const loadAbortSchema = z.object({
  threshold: z.string(),
  /** The measured side(s) when it fired, e.g. `p(99) = 1.002s (12 samples)`. */
  actual: z.string(),
  /** Milliseconds from the first stage's start. */
  atMs: z.number(),
  /** ISO time it fired. */
  at: z.string(),
  /** The slice whose own numbers failed it, 0-based `index` of `count`. */
  slice: z.object({ index: z.number().int().min(0), count: z.number().int().min(1) }),
})
export type LoadAbort = z.infer<typeof loadAbortSchema>

export const fleetResultSchema = z.object({
  devices: z.number().int().min(0),
  connected: z.number().int().min(0),
  connectFailures: z.number().int().min(0),
  /** Disconnects the scenario did not plan (broker closed, network). */
  disconnects: z.number().int().min(0),
  plannedDisconnects: z.number().int().min(0),
  reconnects: z.number().int().min(0),
  connack: histogramSchema,
  /**
   * Heap growth per connected device around the fleet's connect (bytes), when
   * run with --expose-gc. With the bundled broker in the same process it
   * includes the broker's per-connection state.
   */
  heapBytesPerDevice: z.number().optional(),
  connectErrorSamples: z.array(z.string()),
})
export type FleetResult = z.infer<typeof fleetResultSchema>

export const loadReportSchema = z.object({
  format: z.literal(LOAD_REPORT_FORMAT),
  version: z.literal(LOAD_REPORT_VERSION),
  tool: z.object({ name: z.literal('mqtt-harness'), version: z.string() }),
  scenario: z.object({
    id: z.string(), title: z.string(), file: z.string(), mode: loadModeSchema,
    thresholds: z.array(z.object({
      expression: z.string(), location: sourceLocationSchema.optional(),
      /** abortOnFail: the run stops when it fails, checked from `delayMs` after the first stage began. */
      abortOnFail: z.object({ delayMs: z.number() }).optional(),
    })),
  }),
  target: targetInfoSchema,
  run: z.object({
    id: z.string(),
    startedAt: z.string(), finishedAt: z.string(), durationMs: z.number(),
    /** The slices (worker or shard of a multi-machine run) this report adds up, 0-based `index` of `count`. */
    slices: z.array(z.object({
      index: z.number().int().min(0), count: z.number().int().min(1),
      /** When this slice's first stage began (ISO time): shards started with --start-at line up here. */
      scheduleStartedAt: z.string().optional(),
    })),
    durationScale: z.number(),
    /** The common start time the shards waited for (--start-at or a barrier), ISO. */
    startAt: z.string().optional(),
  }),
  plan: z.object({
    arrival: z.enum(['constant', 'poisson']),
    stages: z.array(z.object({ stage: z.string(), durationMs: z.number(), from: z.number(), rate: z.number() })),
    peakRate: z.number(),
    httpConnections: z.number().int(),
  }),
  fleet: fleetResultSchema,
  dm: dmResultSchema.optional(),
  pubsub: pubsubResultSchema.optional(),
  series: z.array(seriesPointSchema),
  closedLoop: closedLoopResultSchema.optional(),
  books: z.object({ balanced: z.boolean(), problems: z.array(z.string()) }),
  thresholds: z.array(thresholdResultSchema),
  /** Set when an abortOnFail threshold stopped the run before its plan ended (the verdict is then thresholds-failed). */
  aborted: loadAbortSchema.optional(),
  warnings: z.array(z.string()),
  verdict: z.enum(['passed', 'thresholds-failed', 'books-unbalanced']),
})
export type LoadReport = z.infer<typeof loadReportSchema>
