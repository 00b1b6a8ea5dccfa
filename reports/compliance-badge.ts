import type { ComplianceCatalogue } from './compliance.js'
import { escapeXmlAttr, escapeXmlText } from './xml-escape.js'

/** A profile name or file path as a file-name part: `reference-broker/profiles/x.yaml` → `x`. */
function profileKey(profile: string): string {
  const base = profile.split(/[/\\]/).pop() ?? profile
  return base.replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-') || 'profile'
}

/** The badge's file name for a profile and catalogue: compliance-mqtt-5-mqtt-3.1.1.svg. */
export function complianceBadgeFile(profile: string, catalogueKey: string): string {
  return `compliance-${profileKey(profile)}-${catalogueKey}.svg`
}

/** Approximate width of text in 11px Verdana (what badge renderers size for). */
function textWidth(text: string): number {
  let w = 0
  for (const ch of text) w += /[mwMW@%]/.test(ch) ? 10 : /[il.,:;|!' ]/.test(ch) ? 4 : /[A-Z0-9]/.test(ch) ? 7.5 : 6.5
  return Math.ceil(w)
}

/** red: a failure; green: every checkable statement passed; yellow: some untested. */
function colour(cat: ComplianceCatalogue): string {
  const s = cat.counts.status
  if (s.failed > 0) return '#e05d44'
  if (s.untested === 0) return '#4c1'
  return '#dfb317'
}

/**
 * A flat two-part SVG badge ("MQTT 5.0 | 120/150 passed"), self-contained
 * (no fonts or links to fetch), for a README or a results page.
 */
export function renderComplianceBadge(cat: ComplianceCatalogue, profile: string): string {
  const s = cat.counts.status
  const checkable = cat.counts.statements - s['not-observable'] - s.overridden
  const label = `${cat.key === 'aws-iot-core' ? 'AWS IoT Core' : cat.title.replace(/^MQTT Version /, 'MQTT ')} (${profileKey(profile)})`
  const message = `${s.passed}/${checkable} passed${s.failed ? `, ${s.failed} failed` : ''}`
  const lw = textWidth(label) + 12
  const mw = textWidth(message) + 12
  const w = lw + mw
  const title = `${label}: ${message}; ${s.untested} untested, ${s['not-observable']} not observable, ${s.overridden} overridden`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${escapeXmlAttr(title)}">`,
    `  <title>${escapeXmlText(title)}</title>`,
    '  <linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>',
    `  <clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>`,
    '  <g clip-path="url(#r)">',
    `    <rect width="${lw}" height="20" fill="#555"/>`,
    `    <rect x="${lw}" width="${mw}" height="20" fill="${colour(cat)}"/>`,
    `    <rect width="${w}" height="20" fill="url(#s)"/>`,
    '  </g>',
    '  <g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">',
    `    <text x="${lw / 2}" y="14">${escapeXmlText(label)}</text>`,
    `    <text x="${lw + mw / 2}" y="14">${escapeXmlText(message)}</text>`,
    '  </g>',
    '</svg>',
    '',
  ].join('\n')
}
