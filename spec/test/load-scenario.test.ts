import { describe, expect, it } from 'vitest'
import { parseLoadScenarioText } from '../index.js'

const base = `id: t
title: test
devices: { count: 10 }
stages: [{ stage: steady, duration: 2s, rate: 10/s }]
directMessage: { confirmation: true }
`

describe('load scenario loader', () => {
  it('fills defaults and parses rates, durations and thresholds', () => {
    const { scenario, issues } = parseLoadScenarioText(base + 'thresholds: ["p(99) < 50ms", "notSent == 0"]\n', 'x.yaml')
    expect(issues).toEqual([])
    expect(scenario).toMatchObject({
      mode: 'direct-messages', arrival: 'constant', targets: 'uniform',
      devices: { count: 10, protocol: 5, transport: 'tcp', connectRate: 200, keepalive: 300 },
      stages: [{ stage: 'steady', duration: 2000, rate: 10 }],
      directMessage: { confirmation: true, timeout: 5, payloadBytes: 128 },
      http: { connections: 64, maxLag: 1000 },
    })
    expect(scenario!.parsedThresholds.map((t) => t.location)).toEqual([{ file: 'x.yaml', line: 6, col: 14 }, { file: 'x.yaml', line: 6, col: 30 }])
  })

  it('takes thresholds as { threshold, abortOnFail, delayAbortEval } mappings, with errors pointing into the expression', () => {
    const { scenario, issues } = parseLoadScenarioText(base + 'thresholds:\n  - "notSent == 0"\n  - { threshold: "p(99) < 50ms", abortOnFail: true, delayAbortEval: 10s }\n', 'x.yaml')
    expect(issues).toEqual([])
    expect(scenario!.parsedThresholds.map((t) => [t.threshold.source, t.abort, t.location.line])).toEqual([['notSent == 0', undefined, 7], ['p(99) < 50ms', { delayMs: 10_000 }, 8]])
    const bad = parseLoadScenarioText(base + 'thresholds:\n  - { threshold: "p(99) < 50 ms", abortOnFail: true }\n  - { threshold: "notSent == 0", abortOnFial: true }\n', 'x.yaml')
    expect(bad.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(/^7:30 thresholds\[0\]\.threshold: unexpected "ms"/),
      expect.stringMatching(/^8:34 thresholds\[1\]\.abortOnFial: unknown key/),
    ])
  })

  it('reports every problem with file:line:col before anything runs', () => {
    const text = `id: Bad_Id
title: test
devices:
  count: 10
  protocol: 3
  behaviours:
    - { share: 0.7, puback: sometimes }
    - { share: 0.6 }
stages:
  - { stage: warp, duration: 2s, rate: 10/s }
  - { stage: steady, duration: soon, rate: 10 per second }
directMessage: { timeout: 20, color: red }
thresholds:
  - "p(99) < 50 ms"
  - rate(504) <
`
    const { scenario, issues } = parseLoadScenarioText(text, 'bad.yaml')
    expect(scenario).toBeUndefined()
    const at = issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`)
    expect(at).toEqual(expect.arrayContaining([
      expect.stringMatching(/^1:5 id: id is lower-case kebab-case/),
      expect.stringMatching(/^5:13 devices.protocol: protocol is 3.1.1 or 5/),
      expect.stringMatching(/^7:29 devices.behaviours\[0\].puback: puback is immediate, never/),
      expect.stringMatching(/^10:14 stages\[0\].stage: /),
      expect.stringMatching(/^11:32 stages\[1\].duration: expected a duration/),
      expect.stringMatching(/^11:44 stages\[1\].rate: expected a rate/),
      expect.stringMatching(/^12:27 directMessage.timeout: timeout is 1..15 seconds/),
      expect.stringMatching(/^12:31 directMessage.color: unknown key "color"/),
      expect.stringMatching(/^14:17 thresholds\[0\]: unexpected "ms" after the comparison in "p\(99\) < 50 ms"/),
      expect.stringMatching(/^15:16 thresholds\[1\]: expected a metric or a value/),
    ]))
  })

  it('checks fields against each other', () => {
    const problems = (text: string) => parseLoadScenarioText(text, 'x.yaml').issues.map((i) => i.message)
    expect(problems(base.replace('directMessage: { confirmation: true }\n', ''))).toEqual([expect.stringContaining('give directMessage')])
    expect(problems(base.replace('devices: { count: 10 }', 'devices: { count: 10, behaviours: [{ share: 0.6 }, { share: 0.5 }] }'))).toEqual([expect.stringContaining('add up to 1.100')])
    expect(problems(base.replace('devices: { count: 10 }', 'devices: { count: 10, transport: mtls }'))).toEqual([expect.stringContaining('mtls needs devices.identities')])
    expect(problems(base + 'targets: { hot: { share: 0.5, devices: 10 } }\n')).toEqual([expect.stringContaining('must be fewer than devices.count')])
    expect(problems(base + 'http: { clientTimeout: 3s }\n')).toEqual([expect.stringContaining('must exceed the API timeout')])
    expect(problems(base.replace('devices: { count: 10 }', 'devices: {}'))).toEqual([expect.stringContaining('devices.count is required')])
    const pubsub = 'id: p\ntitle: p\nstages: [{ stage: steady, duration: 1s, rate: 10 }]\npubsub: { publishers: 2, subscribers: 3, pattern: pairs }\n'
    expect(problems(pubsub)).toEqual([expect.stringContaining('pairs needs as many subscribers as publishers')])
    expect(problems(pubsub.replace('pattern: pairs', 'pattern: fan-in') + 'thresholds: ["delivered == accepted"]\n')).toEqual([expect.stringContaining('direct-messages runs')])
  })

  it('accepts ramps, Poisson arrivals, hot targets, behaviours and mTLS identities', () => {
    const text = `id: full
title: full
devices:
  count: 100
  protocol: 3.1.1
  transport: mtls
  identities: { issueFrom: { cert: ca.crt, key: ca.key } }
  behaviours:
    - { share: 0.1, puback: never }
    - { share: 0.1, puback: { delay: 200ms }, disconnectAfter: 5s, reconnect: { after: 1s } }
stages:
  - { stage: ramp, duration: 10s, rate: 1200/m }
  - { stage: spike, duration: 1s, rate: 100 }
arrival: poisson
targets: { hot: { share: 0.3 } }
directMessage: { timeout: 2s, confirmation: true }
`
    const { scenario, issues } = parseLoadScenarioText(text, 'x.yaml')
    expect(issues).toEqual([])
    expect(scenario!.devices.protocol).toBe(4)
    expect(scenario!.stages[0]).toEqual({ stage: 'ramp', duration: 10_000, rate: 20 })
    expect(scenario!.devices.behaviours[1]).toEqual({ share: 0.1, puback: { delay: 200 }, disconnectAfter: 5000, reconnect: { after: 1000 } })
    expect(scenario!.targets).toEqual({ hot: { share: 0.3, devices: 1 } })
    expect(scenario!.directMessage!.timeout).toBe(2)
  })
})
