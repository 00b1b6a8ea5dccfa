import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { junitClassname, renderJunitReport } from '../junit-reporter.js'
import { escapeXmlAttr, escapeXmlText, replaceInvalidXmlChars } from '../xml-escape.js'
import { sampleReport } from './fixtures.js'
import { runReportArbitrary } from './report-arbitrary.js'
import { JUNIT_XSD, xmllint } from './xmllint.js'

describe('junit reporter', () => {
  it('validates against the JUnit XSD', () => {
    const res = xmllint(renderJunitReport(sampleReport()), JUNIT_XSD)
    expect(res.output).toContain('validates')
    expect(res.ok).toBe(true)
  })

  it('the same check rejects documents that are not JUnit or not XML', () => {
    const broken = renderJunitReport(sampleReport()).replace('</testsuites>', '')
    expect(xmllint(broken).ok).toBe(false)
    expect(xmllint(broken, JUNIT_XSD).ok).toBe(false)
    // Well-formed but not JUnit: a testcase without a name, a negative time.
    expect(xmllint('<testsuites><testsuite name="a" tests="1"><testcase time="1"/></testsuite></testsuites>', JUNIT_XSD).ok).toBe(false)
    expect(xmllint('<testsuites><testsuite name="a" tests="1"><testcase name="x" time="-1"/></testsuite></testsuites>', JUNIT_XSD).ok).toBe(false)
    // A raw control character makes XML 1.0 ill-formed: what escaping must prevent.
    expect(xmllint('<testsuites name="\u0001"/>').ok).toBe(false)
  })

  it('maps outcomes to failure, error and skipped with counts per file', () => {
    const xml = renderJunitReport(sampleReport())
    expect(xml).toMatch(/<testsuites name="mqtt-harness" tests="10" failures="1" errors="1" disabled="2" time="7\.250">/)
    expect(xml).toContain('<testsuite name="scenarios/retained-exact-match.yaml" tests="2" failures="0" errors="0" skipped="0"')
    const alias = /<testcase classname="scenarios.alias-out-of-range" name="alias-out-of-range\[version=5\]" time="([\d.]+)">([\s\S]*?)<\/testcase>/.exec(xml)
    expect(alias).not.toBeNull()
    const body = alias![2]!
    expect(body).toContain('<property name="requirement" value="ALIAS-OUT-OF-RANGE-0x94"/>')
    expect(body).toContain('<failure message="expected DISCONNECT with reason code 0x94 (Topic Alias invalid), got 0x82 (Protocol Error)" type="expect">')
    expect(body).toContain('at scenarios/alias-out-of-range.yaml:21:7 (expect)')
    expect(body).toContain('expected: {"cmd":"disconnect","reasonCode":148,"properties":{"reasonString":"&lt;any&gt;"}}')
    expect(body).toContain('actual:   {"cmd":"disconnect","reasonCode":130}')
    expect(body).toMatch(/<system-out>[\s\S]*trace of failure 1 \(5 entries\):[\s\S]*raw {2}→ publish topic=h\/7f3a\/a/)
    expect(xml).toMatch(/<error message="harness error: HTTP client timed out after 5000 ms before the broker answered \(&lt;html&gt; &amp; &quot;quotes&quot;\)" type="http">/)
    expect(xml).toContain('<skipped message="target lacks capability shared-subscriptions"/>')
    expect(xml).toContain('<skipped message="waived: C13: this broker follows the SUBACK table reading"/>')
    expect(xml).toContain('timestamp="2025-03-01T10:00:00"')
  })

  it('writes class names that survive the split at the last dot (Jenkins, GitLab)', () => {
    expect(junitClassname('scenarios/retained/exact-match.yaml')).toBe('scenarios.retained.exact-match')
    expect(junitClassname('scenarios/mqtt-3.1.1/keepalive.yml')).toBe('scenarios.mqtt-3_1_1.keepalive')
    expect(junitClassname('./a\\b.c/d.yaml')).toBe('a.b_c.d')
    const xml = renderJunitReport(sampleReport())
    for (const [, cls] of xml.matchAll(/classname="([^"]*)"/g)) {
      // The class is what follows the last dot: never a file extension.
      expect(cls!.split('.').pop()).not.toMatch(/^ya?ml$/)
    }
    // The file is still there, as a property.
    expect(xml).toContain('<property name="file" value="scenarios/alias-out-of-range.yaml"/>')
  })

  it('marks a flaky scenario in the testcase and shows its earlier attempts in system-err', () => {
    const report = sampleReport()
    const s = report.scenarios[0]!
    s.status = 'flaky'
    s.attempts = [{ status: 'failed', durationMs: 12, failures: [{ message: 'no PUBACK within 2000 ms', step: 'publish' }] }]
    const xml = renderJunitReport(report)
    const tc = xml.split('<testcase ').find((t) => t.includes(`name="${s.id}"`))!
    expect(tc).toContain('status="flaky"')
    expect(tc).toContain('<property name="flaky" value="true"/>')
    expect(tc).toContain('<property name="attempts" value="2"/>')
    expect(tc).toMatch(/<system-err>FLAKY: passed on attempt 2[\s\S]*no PUBACK within 2000 ms/)
    expect(tc).not.toContain('<failure')
    expect(xmllint(xml, JUNIT_XSD).ok).toBe(true)
  })

  it('escapes markup and writes invalid XML characters visibly', () => {
    expect(escapeXmlText('a<b>&]]>')).toBe('a&lt;b&gt;&amp;]]&gt;')
    expect(escapeXmlAttr('say "hi"\n\tnext')).toBe('say &quot;hi&quot;&#10;&#9;next')
    expect(replaceInvalidXmlChars('nul\u0000 esc\u001b ok\t\n fffe\uFFFE lone\uD800 pair😀')).toBe('nul\\u0000 esc\\u001B ok\t\n fffe\\uFFFE lone\\uD800 pair😀')
  })

  it('is well-formed and valid JUnit for any valid report', () => {
    fc.assert(fc.property(runReportArbitrary, (report) => {
      const xml = renderJunitReport(report)
      const res = xmllint(xml, JUNIT_XSD)
      if (!res.ok) throw new Error(`${res.output}\n${xml.slice(0, 2000)}`)
    }), { numRuns: 60 })
  })
})
