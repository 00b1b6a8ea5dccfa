/**
 * Reports say which reading of each contradiction between the sources
 * (catalogue section O) was applied: target.readings in report.json, a table
 * in summary.md and in report.html.
 */
import { describe, expect, it } from 'vitest'
import { bundledProfileNames, loadProfile } from '../../reference-broker/index.js'
import { buildReport, profileReadings, startBundledTarget } from '../../runners/index.js'
import { renderHtmlReport, renderJsonReport, renderMarkdownReport } from '../../reports/index.js'
import { readCatalogue } from '../../spec/index.js'

const contradictions = readCatalogue().contradictions

describe('profile readings of the section O contradictions', () => {
  it.each([...bundledProfileNames])('the %s profile has a reading for every contradiction the catalogue lists', (name) => {
    const readings = profileReadings(loadProfile(name))
    expect(Object.keys(readings).sort()).toEqual(contradictions.map((c) => c.id).sort())
    for (const [id, text] of Object.entries(readings)) expect(text, id).toMatch(/^[^:]+: \S/)
  })

  it('follows the profile where the profile decides the reading', () => {
    const aws = profileReadings(loadProfile('aws-iot-core'))
    const plain = profileReadings(loadProfile('mqtt-5'))
    expect(aws.C3).toMatch(/only through a filter equal to the topic/)
    expect(plain.C3).toMatch(/also through wildcard filters/)
    expect(aws.C4).toBe('Max packet size: CONNACK Maximum Packet Size 149504 (observed), payload limit 131072 bytes')
    expect(aws.C6).toMatch(/at most 7 slashes/)
    expect(aws.C13).toBe('QoS 2: 3.1.1 close, MQTT 5 PUBLISH disconnect, MQTT 5 SUBSCRIBE downgrade, Will QoS 2 refuse')
    expect(plain.C13).toMatch(/3\.1\.1 support/)
    expect(aws.C14).toMatch(/at most 10 messages\/s per client/)
  })

  it('are in the JSON, Markdown and HTML reports of a run against the bundled broker', async () => {
    const target = await startBundledTarget({ logLevel: 'error' })
    let report
    try {
      const now = new Date()
      report = buildReport({ version: '0.0.0-test', startedAt: now, finishedAt: now, target: target.info, results: [] })
    } finally {
      await target.teardown()
    }
    const json = JSON.parse(renderJsonReport(report)) as { target: { readings: Record<string, string> } }
    expect(Object.keys(json.target.readings).sort()).toEqual(contradictions.map((c) => c.id).sort())
    const md = renderMarkdownReport(report)
    expect(md).toContain('Readings of contradictory sources (16)')
    expect(md).toContain('| `C13` | QoS 2: 3.1.1 close, MQTT 5 PUBLISH disconnect, MQTT 5 SUBSCRIBE downgrade, Will QoS 2 refuse |')
    const html = await renderHtmlReport(report, { chartJs: '' })
    expect(html).toContain('<section id="readings">')
    for (const c of contradictions) expect(html).toContain(`<code>${c.id}</code>`)
  })
})
