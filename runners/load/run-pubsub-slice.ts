import type { Packet } from 'mqtt-packet'
import { createLatencyHistogram, encodeHistogram, mergeFleet, recordMs } from '../../reports/index.js'
import { createArrivalPlan, peakRate, planStages } from './arrival-plan.js'
import { DeviceFleet } from './device-fleet.js'
import { deviceEndpoint } from './load-endpoints.js'
import { createOpenModelScheduler } from './open-model-scheduler.js'
import { StreamTracker } from './pubsub-streams.js'
import { TargetUnreachableError } from '../errors.js'
import { LoadSetupError } from './load-errors.js'
import { deviceClientId } from './device-client-id.js'
import { SeriesRecorder } from './series-recorder.js'
import { sliceRange, type ProgressSink, type SliceInput, type SliceOutput } from './slice-context.js'
import { SliceWatch } from './slice-watch.js'
import type { SliceControl } from './slice-control.js'
import { lateStartWarning, waitForStart } from './start-gate.js'
import type { PubsubResult } from '../../spec/index.js'

const PAYLOAD_RE = /^\{"hx":"([^"]+)","s":(\d+),"p":(\d+),"q":(\d+),"t":([\d.]+)\}/
const SOCKET_BUFFER_LIMIT = 1 << 20

/**
 * One slice of an MQTT pub/sub run: subscribers connect and subscribe, then
 * publishers publish at this slice's share of the planned aggregate rate
 * (open model, round-robin over publishers), each message carrying its
 * publisher's sequence number and due time. Subscribers count loss,
 * duplicates, reordering and due→receive latency. Topics are scoped per
 * slice, so slices (workers, shards) never hear each other.
 */
export async function runPubsubSlice(input: SliceInput, progress?: ProgressSink, control?: SliceControl): Promise<SliceOutput> {
  const { scenario: sc, slice, runId } = input
  const ps = sc.pubsub!
  const startedAt = new Date().toISOString()
  const warnings: string[] = []
  const pr = sliceRange(ps.publishers, slice)
  const sr = sliceRange(ps.subscribers, slice)
  const P = pr.end - pr.start
  const S = sr.end - sr.start
  if (P === 0 || S === 0) throw new LoadSetupError(`slice ${slice.index + 1}/${slice.count} has no ${P === 0 ? 'publishers' : 'subscribers'}: use fewer workers/shards`)
  const base = `${ps.topic.replaceAll('${run}', runId)}/s${slice.index}`
  const topicOf = (p: number) => (ps.pattern === 'fan-out' ? `${base}/all` : `${base}/p${p}`)
  const filterOf = (s: number) => (ps.pattern === 'fan-in' ? `${base}/+` : ps.pattern === 'fan-out' ? `${base}/all` : `${base}/p${s}`)
  // Only subscribers whose SUBACK came count as listeners: one that never connected is a connect failure, not loss.
  const subscribedOk = new Array<boolean>(S).fill(false)
  const listeners = (p: number) => (ps.pattern === 'pairs' ? (subscribedOk[p] ? 1 : 0) : subscribedOk.filter(Boolean).length)
  const stages = planStages(sc.stages, input.durationScale)
  const perPublisher = peakRate(stages) / ps.publishers
  if (perPublisher > 100) warnings.push(`each publisher publishes up to ${perPublisher.toFixed(0)}/s; AWS IoT Core allows 100 publishes/s per connection [LIM-PUB-RATE-100]`)

  const tracker = new StreamTracker(P)
  const latency = createLatencyHistogram()
  const lag = createLatencyHistogram()
  let series: SeriesRecorder | undefined
  let orphans = 0
  const subscribed = new Map<number, () => void>()
  const common = {
    version: sc.devices.protocol, keepaliveSeconds: sc.devices.keepalive, connectTimeoutMs: sc.devices.connectTimeout,
    connectRate: Math.max(1e-3, sc.devices.connectRate / slice.count), behaviours: [],
    clientId: (g: number) => deviceClientId(sc.devices.clientId, runId, g),
  }
  const subs = new DeviceFleet<null>({
    ...common,
    endpoint: deviceEndpoint(input.endpoints, (local) => ps.publishers + sr.start + local),
    range: { start: ps.publishers + sr.start, end: ps.publishers + sr.end },
    onPublish(device, packet, at) {
      const head = typeof packet.payload === 'string' ? packet.payload.slice(0, 120) : packet.payload.subarray(0, 120).toString('latin1')
      const m = PAYLOAD_RE.exec(head)
      if (!m || m[1] !== runId || Number(m[2]) !== slice.index || Number(m[3]) >= P) { orphans++; return null }
      const fresh = tracker.record(device.index, Number(m[3]), Number(m[4]))
      const ms = at - Number(m[5])
      if (fresh) recordMs(latency, ms)
      series?.outcome(fresh ? 'received' : 'duplicate', at, fresh ? ms : undefined)
      return null
    },
    onOther(device, p: Packet) { if (p.cmd === 'suback') subscribed.get(device.index)?.() },
  })
  const inflight: Map<number, number>[] = Array.from({ length: P }, () => new Map())
  const nextId = new Array<number>(P).fill(0)
  const sentBy = new Array<number>(P).fill(0)
  let publishErrors = 0
  let release = () => {}
  const pubs = new DeviceFleet<null>({
    ...common,
    endpoint: deviceEndpoint(input.endpoints, (local) => pr.start + local),
    range: pr,
    onPublish() { return null },
    onOther(device, p: Packet) {
      if (p.cmd !== 'puback') return
      if (!inflight[device.index]!.delete(p.messageId!)) return
      if ((p.reasonCode ?? 0) >= 0x80) publishErrors++
      release()
    },
  })
  let phase: 'connecting' | 'running' | 'draining' | 'done' = 'connecting'
  let planned = 0, sent = 0, notSent = 0
  const expected = () => sentBy.reduce((n, c, p) => n + c * listeners(p), 0)
  const resultNow = (): PubsubResult => {
    const exp = expected()
    return {
      publishers: P, subscribers: S, qos: ps.qos, pattern: ps.pattern,
      planned, sent, notSent, publishErrors,
      expected: exp, received: tracker.received, lost: Math.max(0, exp - tracker.totalUnique()), duplicates: tracker.duplicates, reordered: tracker.reordered, orphans,
      latency: { pubsub: encodeHistogram(latency), lag: encodeHistogram(lag) },
    }
  }
  const snapshot = () => ({
    phase, devices: P + S, connected: subs.connected + pubs.connected, planned, sent, notSent,
    outcomes: { received: tracker.received }, inFlight: inflight.reduce((s, m) => s + m.size, 0), received: tracker.received,
    ...(series ? { latency: series.liveLatency() } : {}),
  })
  // abortOnFail: judged once a second while the plan runs (mid-run, in-flight deliveries count as lost).
  const watch = new SliceWatch({
    thresholds: sc.parsedThresholds, slice, control,
    running: () => phase === 'running',
    metrics: () => ({ pubsub: resultNow(), fleet: mergeFleet([subs.result(), pubs.result()]) }),
    tick: () => progress?.(snapshot()),
  })
  try {
    await subs.connectAll()
    if (subs.connectFailures === S) throw new TargetUnreachableError(`no subscriber could connect: ${subs.result().connectErrorSamples.join('; ')}`)
    await Promise.all(subs.devices.map((d, i) => d.state !== 'connected' ? undefined : new Promise<void>((resolve) => {
      const t = setTimeout(() => { warnings.push(`subscriber ${d.clientId}: no SUBACK within 10 s (not counted as a listener)`); resolve() }, 10_000)
      subscribed.set(i, () => { clearTimeout(t); subscribedOk[i] = true; resolve() })
      d.subscribe(1, filterOf(i), ps.qos)
    })))
    await pubs.connectAll()
    if (subs.connectFailures + pubs.connectFailures > 0) warnings.push(`${subs.connectFailures + pubs.connectFailures} clients failed to connect`)
    const gate = await waitForStart(input.startAt)
    const late = lateStartWarning(gate.lateMs)
    if (late) warnings.push(late)
    const scheduleStartedAt = new Date().toISOString()
    series = new SeriesRecorder(performance.now())
    const s = series
    let rr = 0
    const plan = createArrivalPlan(stages, { arrival: sc.arrival, seed: sc.seed, slice })
    const scheduler = createOpenModelScheduler({ plan, maxLagMs: sc.http.maxLag }, {
      hasCapacity: () => {
        const d = pubs.devices[rr]!
        if (d.state !== 'connected') return true // fire() counts it notSent at once
        return ps.qos === 1 ? inflight[rr]!.size < ps.inflight : (d.socket?.writableLength ?? 0) < SOCKET_BUFFER_LIMIT
      },
      fire(_seq, due, lagMs) {
        planned++
        s.count('planned', due)
        const p = rr
        rr = (rr + 1) % P
        const d = pubs.devices[p]!
        const q = sentBy[p]!
        const head = `{"hx":"${runId}","s":${slice.index},"p":${p},"q":${q},"t":${due.toFixed(3)}}`
        const payload = Buffer.alloc(Math.max(ps.payloadBytes, head.length), 0x20)
        payload.write(head, 0, 'latin1')
        let messageId: number | undefined
        if (ps.qos === 1) {
          messageId = nextId[p] = (nextId[p]! % 65535) + 1
          inflight[p]!.set(messageId, due)
        }
        if (!d.publish({ topic: topicOf(p), payload, qos: ps.qos, ...(messageId ? { messageId } : {}) })) {
          if (messageId) inflight[p]!.delete(messageId)
          notSent++
          s.count('notSent', performance.now())
          return
        }
        sentBy[p]!++
        sent++
        recordMs(lag, lagMs)
        s.count('sent', performance.now())
      },
      skip(_seq, due) {
        planned++
        notSent++
        s.count('planned', due)
        s.count('notSent', performance.now())
      },
    })
    release = () => scheduler.release()
    phase = 'running'
    series.startAt(watch.planStarts(() => scheduler.stop()))
    await scheduler.run()
    phase = 'draining'
    const end = performance.now() + sc.drain
    while (performance.now() < end && (tracker.totalUnique() < expected() || inflight.some((m) => m.size > 0))) await new Promise((r) => setTimeout(r, 50))
    const unacked = inflight.reduce((n, m) => n + m.size, 0)
    publishErrors += unacked
    if (unacked) warnings.push(`${unacked} QoS 1 publishes never got a PUBACK within the drain time`)
    phase = 'done'
    const result = resultNow()
    progress?.(snapshot())
    await Promise.all([subs.close(), pubs.close()])
    return {
      slice, startedAt, finishedAt: new Date().toISOString(), scheduleStartedAt,
      fleet: mergeFleet([subs.result(), pubs.result()]),
      pubsub: result, series: s.finish(), ...(watch.aborted ? { aborted: watch.aborted } : {}), warnings,
    }
  } finally {
    watch.close()
    await Promise.all([subs.close(1000), pubs.close(1000)])
  }
}
