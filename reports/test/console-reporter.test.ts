import { describe, expect, it } from 'vitest'
import { createConsoleReporter } from '../console-reporter.js'
import { CaptureStream } from './capture-stream.js'
import { sampleReport } from './fixtures.js'

async function play(stream: CaptureStream, opts: { tty?: boolean; color?: boolean } = {}) {
  const report = sampleReport()
  const reporter = createConsoleReporter({ stream, ...opts })
  await reporter.onRunStart?.({ total: report.scenarios.length, target: report.target, startedAt: report.startedAt })
  for (const s of report.scenarios) {
    await reporter.onScenarioStart?.({ id: s.id, title: s.title, file: s.file })
    await reporter.onScenarioEnd?.(s)
  }
  await reporter.onRunEnd?.(report)
  return report
}

describe('console reporter', () => {
  it('prints one line per scenario with symbol, duration and a running count, then the failures', async () => {
    const stream = new CaptureStream(false)
    await play(stream)
    const lines = stream.text.split('\n')
    expect(lines[0]).toBe('mqtt-harness: 10 scenarios against bundled (bundled, profile aws-iot-core)')
    expect(lines[1]).toMatch(/^✓ retained-exact-match\[version=5\] {2}Retained messages go only to exact-match filters \(\d+ ms\) {2}\[1\/10\]$/)
    expect(lines.find((l) => l.startsWith('✗ alias-out-of-range'))).toMatch(/\[4\/10\]$/)
    expect(lines.find((l) => l.startsWith('! http-direct-message-504'))).toBeDefined()
    expect(lines.find((l) => l.startsWith('- shared-subscription-balance'))).toContain('— target lacks capability shared-subscriptions')
    expect(lines.find((l) => l.startsWith('~ qos2-publish-v5'))).toContain('— C13: this broker follows the SUBACK table reading')
    // No terminal control sequences when the stream is not a TTY (CI logs).
    expect(stream.text).not.toMatch(/\x1b|\r/)

    const summary = stream.text.slice(stream.text.indexOf('Failures (2)'))
    expect(summary).toContain('✗ alias-out-of-range[version=5] — Topic alias above the maximum gets DISCONNECT 0x94')
    expect(summary).toContain('  requirements: ALIAS-OUT-OF-RANGE-0x94, ALIAS-MAX-8')
    expect(summary).toContain('     at scenarios/alias-out-of-range.yaml:21:7 (expect)')
    expect(summary).toContain('     expected: {"cmd":"disconnect","reasonCode":148,"properties":{"reasonString":"<any>"}}')
    expect(summary).toContain('     actual:   {"cmd":"disconnect","reasonCode":130}')
    expect(summary).toContain('     trace (last 5 of 5):')
    expect(summary).toMatch(/ {6}5\.1 ms {2}raw {2}→ publish topic=h\/7f3a\/a qos=0 properties=\{"topicAlias":9\}/)
    expect(summary).toMatch(/ {6}6\.0 ms {2}raw {2}← disconnect reasonCode=130/)
    expect(summary).toContain('! http-direct-message-504')
    expect(summary).toContain('     at scenarios/http-direct-message-504.yaml:14:5 (http)')
    expect(summary).toContain('Scenarios:    6 passed, 1 failed, 1 errored, 1 skipped, 1 waived (10 total) in 7.25 s')
    expect(summary).toContain('Requirements: 6 passed, 2 failed, 1 errored, 1 skipped, 1 waived, 2 untested (13 total)')
  })

  it('shows only the last packets of a long trace', async () => {
    const report = sampleReport()
    const failure = report.scenarios.find((s) => s.status === 'failed')!.failures[0]!
    failure.trace = Array.from({ length: 30 }, (_, i) => ({ t: i, client: 'c', dir: 'in' as const, summary: { cmd: 'publish', n: i } }))
    const stream = new CaptureStream(false)
    await createConsoleReporter({ stream, traceTail: 3 }).onRunEnd?.(report)
    expect(stream.text).toContain('trace (last 3 of 30):')
    expect(stream.text).toContain('n=29')
    expect(stream.text).not.toContain('n=26')
  })

  it('keeps an updating status line on a TTY and clears it before each result line', async () => {
    const stream = new CaptureStream(true, 80)
    await play(stream, { color: false })
    expect(stream.text).toContain('\r\x1b[2K[0/10] · running retained-exact-match[version=5]')
    expect(stream.text).toContain('\r\x1b[2K✓ retained-exact-match[version=5]')
    expect(stream.text).toContain('\r\x1b[2K[10/10] 6 passed 1 failed 1 errored 1 skipped 1 waived')
    // Status lines fit the terminal so \r can clear them.
    const statusLines = stream.text.split('\r\x1b[2K').filter((seg) => seg !== '' && !seg.includes('\n'))
    expect(statusLines.length).toBeGreaterThan(10)
    for (const status of statusLines) expect(status.length).toBeLessThan(80)
    // The final summary starts on a clean line.
    expect(stream.text).toMatch(/\r\x1b\[2K\nFailures \(2\)/)
  })

  it('colours outcomes on a TTY unless told not to', async () => {
    const coloured = new CaptureStream(true)
    await play(coloured, { color: true })
    expect(coloured.text).toContain('\x1b[31m✗\x1b[0m alias-out-of-range')
    const plain = new CaptureStream(true)
    await play(plain, { color: false })
    expect(plain.text).not.toContain('\x1b[31m')
  })
})
