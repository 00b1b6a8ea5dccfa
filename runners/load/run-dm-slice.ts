import { DM_BUCKETS } from '../../spec/index.js'
import { TargetUnreachableError } from '../errors.js'
import { LoadSetupError } from './load-errors.js'
import { createArrivalPlan, planStages, seededRandom } from './arrival-plan.js'
import { runAutocannonClosedLoop } from './closed-loop.js'
import { readCorrelation } from './correlation.js'
import { DeviceFleet } from './device-fleet.js'
import { createDmDriver } from './dm-driver.js'
import { DmLedger } from './dm-ledger.js'
import { createDmRequestFactory, createDmWireFactory } from './dm-request.js'
import { deviceEndpoint } from './load-endpoints.js'
import { createOpenModelScheduler } from './open-model-scheduler.js'
import { SeriesRecorder } from './series-recorder.js'
import { createTargetSelector } from './target-selector.js'
import { sliceRange, type ProgressSink, type SliceInput, type SliceOutput } from './slice-context.js'
import { SliceWatch } from './slice-watch.js'
import type { SliceControl } from './slice-control.js'
import { lateStartWarning, waitForStart } from './start-gate.js'
import { deviceClientId } from './device-client-id.js'

/**
 * One slice of a direct-message run: connect this slice's devices, drive
 * SendDirectMessage at this slice's share of the rate (open model), wait for
 * every response and late receipt, optionally run the closed-loop phase, and
 * hand back the books.
 */
export async function runDmSlice(input: SliceInput, progress?: ProgressSink, control?: SliceControl): Promise<SliceOutput> {
  const { scenario: sc, slice, runId } = input
  const dm = sc.directMessage!
  if (!input.endpoints.http) throw new LoadSetupError('direct-message load needs the target\'s HTTP data plane')
  const startedAt = new Date().toISOString()
  const warnings: string[] = []
  const range = sliceRange(sc.devices.count!, slice)
  const deviceCount = range.end - range.start
  if (deviceCount === 0) throw new LoadSetupError(`slice ${slice.index + 1}/${slice.count} has no devices: use fewer workers/shards than devices`)
  const closedLoopRun = `${runId}c`
  let closedLoopReceipts = 0
  let ledger: DmLedger | undefined
  const fleet = new DeviceFleet<number | null>({
    endpoint: deviceEndpoint(input.endpoints, (local) => range.start + local),
    range,
    clientId: (g) => deviceClientId(sc.devices.clientId, runId, g),
    version: sc.devices.protocol,
    keepaliveSeconds: sc.devices.keepalive,
    connectTimeoutMs: sc.devices.connectTimeout,
    connectRate: Math.max(1e-3, sc.devices.connectRate / slice.count),
    behaviours: sc.devices.behaviours,
    onPublish(device, packet, at) {
      const c = readCorrelation(packet)
      if (c?.run === closedLoopRun) { closedLoopReceipts++; return null }
      const seq = c && c.run === runId && c.slice === slice.index ? c.seq : null
      ledger?.receipt(seq, device.index, at)
      return seq
    },
    onAck(_device, seq, at) { if (seq !== null) ledger?.acked(seq, at) },
  })
  let phase: 'connecting' | 'running' | 'draining' | 'closed-loop' | 'done' = 'connecting'
  let driver: ReturnType<typeof createDmDriver> | undefined
  let series: SeriesRecorder | undefined
  const watch = new SliceWatch({
    thresholds: sc.parsedThresholds, slice, control,
    running: () => phase === 'running' && ledger !== undefined,
    metrics: () => ({ dm: ledger!.finish(), fleet: fleet.result() }),
    tick: () => progress?.(snapshot()),
  })
  const snapshot = () => {
    const s = ledger?.snapshot()
    return {
      phase, devices: deviceCount, connected: fleet.connected,
      planned: s?.planned ?? 0, sent: s?.sent ?? 0, notSent: s?.buckets.notSent ?? 0,
      outcomes: s ? Object.fromEntries(DM_BUCKETS.filter((b) => b !== 'notSent' && s.buckets[b] > 0).map((b) => [b, s.buckets[b]])) : {},
      inFlight: driver?.inFlight ?? 0, received: s?.received ?? 0,
      ...(series ? { latency: series.liveLatency() } : {}),
    }
  }
  try {
    await fleet.connectAll()
    if (fleet.connectFailures === deviceCount) throw new TargetUnreachableError(`no device could connect: ${fleet.result().connectErrorSamples.join('; ')}`)
    if (fleet.connectFailures > 0) warnings.push(`${fleet.connectFailures} of ${deviceCount} devices failed to connect (requests to them count as 404)`)
    const http = input.endpoints.http
    const requestOptions = { httpUrl: http.url, dm, runId, ...(http.sigv4 ? { sigv4: http.sigv4 } : {}) }
    const makeRequest = createDmRequestFactory(requestOptions)
    const makeWire = createDmWireFactory(requestOptions)
    const clientIds = fleet.devices.map((d) => d.clientId)
    const connections = Math.max(1, Math.floor(sc.http.connections / slice.count))
    const gate = await waitForStart(input.startAt)
    const late = lateStartWarning(gate.lateMs)
    if (late) warnings.push(late)
    const scheduleStartedAt = new Date().toISOString()
    series = new SeriesRecorder(performance.now())
    const theLedger = new DmLedger({ confirmation: dm.confirmation, series })
    ledger = theLedger
    const random = seededRandom(sc.seed * 31 + slice.index)
    driver = createDmDriver({
      httpUrl: http.url,
      connections,
      clientTimeoutMs: sc.http.clientTimeout ?? (dm.confirmation ? dm.timeout * 1000 + 5000 : 10_000),
      ...(http.ca ? { ca: Buffer.from(http.ca) } : {}),
      ledger: theLedger,
      build: (seq, device) => makeWire(clientIds[device]!, { run: runId, slice: slice.index, seq }),
      selectDevice: createTargetSelector(sc.targets, deviceCount, random),
    })
    const plan = createArrivalPlan(planStages(sc.stages, input.durationScale), { arrival: sc.arrival, seed: sc.seed, slice })
    const scheduler = createOpenModelScheduler({ plan, maxLagMs: sc.http.maxLag }, driver.hooks)
    driver.onRelease(() => scheduler.release())
    phase = 'running'
    series.startAt(watch.planStarts(() => scheduler.stop()))
    await scheduler.run()
    phase = 'draining'
    await driver.drain()
    // QoS 0 receipts may trail their 200; wait for them, at most `drain`.
    const drainEnd = performance.now() + sc.drain
    while (performance.now() < drainEnd && theLedger.awaitingReceipts() > 0) await new Promise((r) => setTimeout(r, 50))
    let closedLoop: SliceOutput['closedLoop']
    if (sc.closedLoop && slice.index === 0 && !watch.aborted) {
      phase = 'closed-loop'
      let k = 0
      closedLoop = await runAutocannonClosedLoop({
        url: new URL(http.url).origin,
        connections: sc.closedLoop.connections,
        durationMs: sc.closedLoop.duration * input.durationScale,
        next: () => makeRequest(clientIds[Math.floor(random() * deviceCount)]!, { run: closedLoopRun, slice: slice.index, seq: k++ }),
      })
    }
    phase = 'done'
    progress?.(snapshot())
    await driver.close()
    const fleetResult = (await fleet.close(), fleet.result())
    const dmResult = theLedger.finish()
    if ([...fleetResult.connectErrorSamples, ...(dmResult.samples.connectionError ?? [])].some((x) => x.includes('EMFILE'))) {
      warnings.push('the process ran out of file descriptors (EMFILE): raise `ulimit -n` (each device and HTTP connection is one; a bundled broker in the same process needs as many again), or spread the fleet with --shard')
    }
    if (closedLoopReceipts > 0) warnings.push(`closed-loop phase: devices received ${closedLoopReceipts} messages (not part of the open-model books)`)
    return {
      slice, startedAt, finishedAt: new Date().toISOString(), scheduleStartedAt, fleet: fleetResult, dm: dmResult, series: series.finish(),
      ...(closedLoop ? { closedLoop } : {}), ...(watch.aborted ? { aborted: watch.aborted } : {}), warnings,
    }
  } finally {
    watch.close()
    await fleet.close(1000)
    await driver?.close().catch(() => {})
  }
}
