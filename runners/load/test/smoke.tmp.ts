import { startReferenceBroker } from '../../../reference-broker/index.js'
import { loadLoadScenarioText } from '../../../spec/index.js'
import { runDmSlice } from '../run-dm-slice.js'
const b = await startReferenceBroker({ wsPort: false })
const { scenario, issues } = loadLoadScenarioText(`
id: smoke
title: smoke
devices: { count: 50, connectRate: 500, behaviours: [{ share: 0.1, puback: never }] }
stages: [{ stage: steady, duration: 3s, rate: 50 }]
directMessage: { confirmation: true, timeout: 1 }
`, 'x.yaml')
if (!scenario) { console.log(issues); process.exit(1) }
const u = new URL(b.urls.mqtt!)
const t = performance.now()
const out = await runDmSlice({ scenario, endpoints: { target: { kind: 'bundled', name: 'bundled', profile: 'aws', urls: {}, readings: {} }, mqtt: { host: u.hostname, port: Number(u.port) }, http: { url: b.urls.http! } }, slice: { index: 0, count: 1 }, runId: 'r1', durationScale: 1 }, (p) => console.log(JSON.stringify(p)))
console.log('took', performance.now() - t)
const { latency, samples, ...rest } = out.dm!
console.log(JSON.stringify(rest), JSON.stringify(samples))
console.log(latency.response.p50, latency.byBucket['504']?.p50, latency.byBucket['200']?.p50, latency.receipt.p50, latency.ack.p50, latency.lag.p99)
console.log(out.fleet.connack.p50, out.series.length, out.warnings)
await b.close()
