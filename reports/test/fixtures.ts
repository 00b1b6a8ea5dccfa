import { runReportSchema, type Outcome, type RunReport, type ScenarioResult, type TraceEntry } from '../../spec/index.js'
import { resolveRequirements } from '../resolve-requirements.js'
import { summarizeScenarios } from '../summarize-scenarios.js'

/** A deterministic pseudo-random sequence so fixtures are the same on every run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0
  return () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

function connectTrace(client: string, t: number): TraceEntry[] {
  return [
    { t, client, dir: 'out', summary: { cmd: 'connect', clientId: `${client}-7f3a`, protocolVersion: 5, clean: true } },
    { t: t + 2.4, client, dir: 'in', summary: { cmd: 'connack', reasonCode: 0, properties: { topicAliasMaximum: 8, receiveMaximum: 100 } } },
  ]
}

/** Scenario with `n` steps of each kind, latencies drawn around `base` ms. */
function scenario(partial: Partial<ScenarioResult> & Pick<ScenarioResult, 'id' | 'title' | 'status' | 'requirements'>, rnd: () => number, base = 3): ScenarioResult {
  const file = partial.file ?? `scenarios/${partial.id.replace(/\[.*$/, '')}.yaml`
  const kinds = ['connect', 'subscribe', 'publish', 'expect', 'http']
  const steps = kinds.map((kind, index) => ({
    index, kind, status: 'passed' as Outcome, durationMs: +(base * (1 + rnd() * 3)).toFixed(2),
    ...(kind === 'expect' ? {} : { latencyMs: +(base * (kind === 'http' ? 4 : kind === 'connect' ? 2 : 1) * (0.5 + rnd() * 2.5)).toFixed(3) }),
    location: { file, line: 8 + index * 4, col: 5 },
  }))
  return {
    file, location: { file, line: 1, col: 1 }, durationMs: steps.reduce((t, s) => t + s.durationMs, 0), failures: [], steps,
    ...partial,
  }
}

/**
 * A realistic run: passes, a failure with expected/actual and a trace, an
 * errored scenario, skipped and waived ones, step latencies of several kinds,
 * a replay timeline with its rate limit, and untested requirements with reasons.
 */
export function sampleReport(): RunReport {
  const rnd = lcg(42)
  // The windows as the runner's rate check records them, by brute force: one per arrival, in time order.
  const bruteForceWindows = (points: number[], per: number) => [...points].sort((a, b) => a - b).map((t) => ({ start: t, count: points.filter((u) => u >= t && u < t + per).length }))
  const bruteForcePeak = (points: number[], per: number) => {
    let peak = { start: 0, count: 0 }
    for (const w of bruteForceWindows(points, per)) if (w.count > peak.count) peak = w
    return peak
  }
  const replay = Array.from({ length: 24 }, (_, i) => +(120 + i * 100 + rnd() * 15).toFixed(1))
  const scenarios: ScenarioResult[] = [
    scenario({ id: 'retained-exact-match[version=5]', title: 'Retained messages go only to exact-match filters', status: 'passed', requirements: ['RET-EXACT-MATCH'], matrix: { version: 5 } }, rnd),
    scenario({ id: 'retained-exact-match[version=3.1.1]', title: 'Retained messages go only to exact-match filters', status: 'passed', requirements: ['RET-EXACT-MATCH'], matrix: { version: '3.1.1' } }, rnd),
    scenario({ id: 'retained-empty-deletes', title: 'An empty retained payload deletes the retained message', status: 'passed', requirements: ['RET-EMPTY-DELETES'] }, rnd),
    scenario({
      id: 'alias-out-of-range[version=5]', title: 'Topic alias above the maximum gets DISCONNECT 0x94', status: 'failed', requirements: ['ALIAS-OUT-OF-RANGE-0x94', 'ALIAS-MAX-8'],
      matrix: { version: 5 },
      failures: [{
        message: 'expected DISCONNECT with reason code 0x94 (Topic Alias invalid), got 0x82 (Protocol Error)',
        expected: { cmd: 'disconnect', reasonCode: 148, properties: { reasonString: '<any>' } },
        actual: { cmd: 'disconnect', reasonCode: 130 },
        location: { file: 'scenarios/alias-out-of-range.yaml', line: 21, col: 7 },
        step: 'expect',
        trace: [
          ...connectTrace('raw', 0),
          { t: 5.1, client: 'raw', dir: 'out', summary: { cmd: 'publish', topic: 'h/7f3a/a', qos: 0, properties: { topicAlias: 9 } } },
          { t: 6.0, client: 'raw', dir: 'in', summary: { cmd: 'disconnect', reasonCode: 130 } },
          { t: 6.2, client: 'raw', dir: 'event', summary: { cmd: 'closed', by: 'broker' } },
        ],
      }],
    }, rnd),
    scenario({
      id: 'session-replay-rate', title: 'Queued QoS 1 messages are replayed at 10 msg/s after CONNACK', status: 'passed', requirements: ['SESSION-REPLAY-RATE', 'SESSION-PERSIST-QOS1'],
      timelines: [{ name: 'replayed PUBLISH arrivals', client: 'device', points: replay, assertion: 'at most 10 per 1000 ms (+1)', rate: { max: 10, perMs: 1000, tolerance: 1, peak: bruteForcePeak(replay, 1000), passed: true, windows: bruteForceWindows(replay, 1000) } }],
    }, rnd, 4),
    scenario({
      id: 'http-direct-message-504', title: 'SendDirectMessage answers 504 when the device never PUBACKs', status: 'errored', requirements: ['DM-504-TIMEOUT'],
      failures: [{ message: 'harness error: HTTP client timed out after 5000 ms before the broker answered (<html> & "quotes")', step: 'http', location: { file: 'scenarios/http-direct-message-504.yaml', line: 14, col: 5 } }],
    }, rnd, 8),
    scenario({ id: 'shared-subscription-balance', title: 'Shared subscriptions spread messages across members', status: 'skipped', requirements: ['SHARED-SUB'], reason: 'target lacks capability shared-subscriptions', steps: [], durationMs: 0 }, rnd),
    scenario({ id: 'qos2-publish-v5', title: 'QoS 2 PUBLISH on MQTT 5 gets DISCONNECT 0x9B', status: 'waived', requirements: ['QOS2-DISCONNECT-0x9B'], reason: 'C13: this broker follows the SUBACK table reading' }, rnd),
    scenario({ id: 'client-id-takeover', title: 'A second CONNECT with the same client id takes over', status: 'passed', requirements: ['CLIENTID-TAKEOVER'] }, rnd),
    scenario({ id: 'payload-limit-128k', title: 'A payload above 128 KiB is refused', status: 'passed', requirements: ['PAYLOAD-128K'] }, rnd, 6),
  ]
  const requirements = resolveRequirements(scenarios, [
    { id: 'LWT-ON-TAKEOVER', status: 'untested', reason: 'not observable on the wire without a second broker' },
    { id: 'SESSION-EXPIRY-1H', status: 'untested', reason: 'needs a 1 hour wait; covered by the short-expiry profile test' },
  ])
  return runReportSchema.parse({
    schemaVersion: 1,
    tool: { name: 'mqtt-harness', version: '0.1.0' },
    startedAt: '2025-03-01T10:00:00.000Z',
    finishedAt: '2025-03-01T10:00:07.250Z',
    durationMs: 7250,
    target: { kind: 'bundled', name: 'bundled', profile: 'aws-iot-core', urls: { mqtt: 'mqtt://127.0.0.1:40123' }, readings: { C13: 'v5 SUBACK table', C4: '128 KiB payload' } },
    summary: summarizeScenarios(scenarios),
    scenarios,
    requirements,
  })
}

/** A copy of `report` restricted to some scenarios, with summary and requirements recomputed. */
export function withScenarios(report: RunReport, keep: (s: ScenarioResult) => boolean, patch: Partial<RunReport> = {}): RunReport {
  const scenarios = report.scenarios.filter(keep)
  return { ...report, ...patch, scenarios, summary: summarizeScenarios(scenarios), requirements: resolveRequirements(scenarios, report.requirements.filter((r) => r.status === 'untested')) }
}
