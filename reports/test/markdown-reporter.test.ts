import { describe, expect, it } from 'vitest'
import { mdCode, mdFence, mdText } from '../markdown-escape.js'
import { renderMarkdownReport } from '../markdown-reporter.js'
import { sampleReport, withScenarios } from './fixtures.js'

describe('markdown reporter', () => {
  it('writes totals, failures with requirements and locations, and the requirement matrix', () => {
    const md = renderMarkdownReport(sampleReport())
    expect(md.startsWith('## ❌ mqtt-harness: 1 failed, 1 errored of 10 scenarios\n')).toBe(true)
    expect(md).toContain('**Target** `bundled` (bundled, profile `aws-iot-core`) · **Duration** 7.25 s')
    expect(md).toContain('| ✓ passed | ✗ failed | ! errored | - skipped | ~ waived | total |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n| 6 | 1 | 1 | 1 | 1 | 10 |')
    expect(md).toContain('### Failures (2)')
    expect(md).toContain('| ✗ | `alias-out-of-range[version=5]` | `ALIAS-OUT-OF-RANGE-0x94` `ALIAS-MAX-8` | `scenarios/alias-out-of-range.yaml:21:7` | expected DISCONNECT with reason code 0x94 (Topic Alias invalid), got 0x82 (Protocol Error) |')
    expect(md).toContain('| ! | `http-direct-message-504` | `DM-504-TIMEOUT` | `scenarios/http-direct-message-504.yaml:14:5` | harness error: HTTP client timed out after 5000 ms before the broker answered (&lt;html&gt; &amp; "quotes") |')
    expect(md).toMatch(/<details><summary>✗ alias-out-of-range\[version=5\]: details<\/summary>\n\n```text\n1\) expected DISCONNECT[\s\S]*actual: {3}\{"cmd":"disconnect","reasonCode":130\}[\s\S]*← disconnect reasonCode=130[\s\S]*```\n\n<\/details>/)
    expect(md).toContain('| ~ | `qos2-publish-v5` | `QOS2-DISCONNECT-0x9B` | C13: this broker follows the SUBACK table reading |')
    expect(md).toContain('### Requirements (13: 1 errored, 2 failed, 1 waived, 1 skipped, 2 untested, 6 passed)')
    expect(md).toContain('| `LWT-ON-TAKEOVER` | ○ untested |  | not observable on the wire without a second broker |')
    // Worst first.
    expect(md.indexOf('`DM-504-TIMEOUT` | ! errored')).toBeLessThan(md.indexOf('`CLIENTID-TAKEOVER` | ✓ passed'))
  })

  it('says so when everything passed', () => {
    const md = renderMarkdownReport(withScenarios(sampleReport(), (s) => s.status === 'passed'))
    expect(md.startsWith('## ✅ mqtt-harness: 6 of 6 scenarios passed\n')).toBe(true)
    expect(md).not.toContain('### Failures')
  })

  it('escapes what would break a table, a code span or a fence', () => {
    expect(mdText('a|b\nc <x> *y*')).toBe('a\\|b<br>c &lt;x&gt; \\*y\\*')
    expect(mdCode('a|b`c')).toBe('``a\\|b`c``')
    expect(mdCode('`start')).toBe('`` `start ``')
    expect(mdFence('x\n```\ny')).toBe('````text\nx\n```\ny\n````')
  })
})
