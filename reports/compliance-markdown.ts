import type { ComplianceCatalogue, ComplianceCounts, ComplianceStatus, ComplianceView } from './compliance.js'
import { complianceBadgeFile } from './compliance-badge.js'
import { mdCode, mdTable, mdText } from './markdown-escape.js'

/** File name of the compliance page in the report folder. */
export const COMPLIANCE_MARKDOWN_FILE = 'compliance.md'

const STATUS_TEXT: Record<ComplianceStatus, string> = {
  passed: '✔ passed',
  failed: '✖ failed',
  untested: '○ untested',
  'not-observable': '· not observable',
  overridden: '↷ overridden',
}

function countCells(c: ComplianceCounts, withLevels: boolean): string[] {
  const tested = c.status.passed + c.status.failed
  return [
    String(c.statements),
    ...(withLevels ? [String(c.levels.MUST), String(c.levels.SHOULD), String(c.levels.MAY)] : []),
    String(tested), String(c.status.passed), String(c.status.failed),
    String(c.status.untested), String(c.status['not-observable']), String(c.status.overridden),
  ]
}

function header(first: string, withLevels: boolean): string[] {
  return [first, 'Statements', ...(withLevels ? ['MUST', 'SHOULD', 'MAY'] : []), 'Tested', 'Passed', 'Failed', 'Untested', 'Not observable', 'Overridden']
}

function isStandard(cat: ComplianceCatalogue): boolean {
  return cat.key !== 'aws-iot-core'
}

/** One line a reader can quote: how much of the observable part was checked and how it went. */
export function complianceHeadline(cat: ComplianceCatalogue): string {
  const c = cat.counts.status
  const checkable = cat.counts.statements - c['not-observable'] - c.overridden
  return `${c.passed} of ${checkable} checkable statements passed` + (c.failed ? `, ${c.failed} failed` : '') + (c.untested ? `, ${c.untested} untested` : '')
}

function catalogueBlock(cat: ComplianceCatalogue, profile: string): string[] {
  const levels = isStandard(cat)
  const align = header('', levels).map((_, i) => (i === 0 ? 'l' : 'r') as 'l' | 'r')
  const lines = [
    `## ${cat.title}`,
    '',
    `![${cat.title}: ${complianceHeadline(cat)}](${complianceBadgeFile(profile, cat.key)})`,
    '',
    `Source: ${mdText(cat.source)}. ${mdText(complianceHeadline(cat))}.`,
    '',
    mdTable(header('Section', levels), [
      ...cat.sections.map((s) => [`${mdText(s.number)} ${mdText(s.name)}`, ...countCells(s.counts, levels)]),
      ['**Total**', ...countCells(cat.counts, levels).map((x) => `**${x}**`)],
    ], align),
    '',
  ]
  for (const s of cat.sections) {
    lines.push(`<details><summary>${mdText(s.number)} ${mdText(s.name)}: ${s.counts.status.passed} passed, ${s.counts.status.failed} failed, ${s.counts.status.untested} untested</summary>`, '')
    lines.push(mdTable(
      levels ? ['Statement', 'Level', 'Binds', 'Requirement (paraphrased)', 'Result', 'Scenarios or note'] : ['Behaviour', 'Requirement', 'Result', 'Scenarios or note'],
      s.rows.map((r) => {
        const detail = r.note ? mdText(r.note) : r.scenarios.map(mdCode).join(', ')
        return levels
          ? [mdCode(r.id), r.level ?? '', r.binds ?? '', mdText(r.statement), STATUS_TEXT[r.status], detail]
          : [mdCode(r.id), mdText(r.statement), STATUS_TEXT[r.status], detail]
      }),
    ), '', '</details>', '')
  }
  return lines
}

/**
 * The compliance page, in the manner of a certification kit's results page:
 * per catalogue and section the MUST/SHOULD/MAY counts and how many statements
 * were tested (passed, failed), untested, not observable or overridden, then
 * every statement with its verdict.
 */
export function renderComplianceMarkdown(view: ComplianceView): string {
  const lines = [
    `# MQTT compliance: ${mdText(view.targetName)}, profile ${mdCode(view.profile)}`,
    '',
    `Run started ${mdText(view.startedAt)}. ` + (view.mode === 'aws'
      ? 'Profile aws-iot-core: a statement AWS IoT Core replaces by a documented behaviour is reported *overridden* and checked as that behaviour (its verdict is in the AWS IoT Core table, counted once there).'
      : 'Statements are checked as the standards write them.'),
    '',
    '*Tested* statements were decided by at least one scenario cell of their protocol version (passed, or failed if any cell failed, errored or was waived); *untested* ones are observable but no cell ran; *not observable* ones bind the client or the transport, so no broker passes or fails them. Statements are paraphrased, not quoted; the ids are the OASIS ones.',
    '',
    mdTable(['Catalogue', 'Statements', 'Tested', 'Passed', 'Failed', 'Untested', 'Not observable', 'Overridden'], view.catalogues.map((c) => {
      const s = c.counts.status
      return [mdText(c.title), String(c.counts.statements), String(s.passed + s.failed), String(s.passed), String(s.failed), String(s.untested), String(s['not-observable']), String(s.overridden)]
    }), ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
  ]
  for (const cat of view.catalogues) lines.push(...catalogueBlock(cat, view.profile))
  return lines.join('\n')
}
