import { readCatalogue, readMqttStandards, type RunReport } from '../spec/index.js'
import { buildCompliance, type ComplianceInput, type ComplianceView } from './compliance.js'
import { complianceBadgeFile, renderComplianceBadge } from './compliance-badge.js'
import { COMPLIANCE_MARKDOWN_FILE, renderComplianceMarkdown } from './compliance-markdown.js'
import type { Reporter } from './reporter.js'
import { writeReportFile } from './write-report-file.js'
import { join } from 'node:path'

/** Options for {@link createComplianceReporter}. */
export interface ComplianceReporterOptions {
  outDir: string
  /** The catalogues to judge against; default: spec/mqtt-standard.json and spec/catalogue.json. */
  input?: ComplianceInput
}

/** The two catalogues as the compliance page needs them. */
export function defaultComplianceInput(): ComplianceInput {
  const catalogue = readCatalogue()
  const standards = readMqttStandards(undefined, new Set(catalogue.requirements.map((r) => r.id)))
  return { standards: standards.standards, catalogue: catalogue.requirements, areas: catalogue.areas }
}

/** Writes compliance.md and one SVG badge per catalogue; resolves to the files written. */
export async function writeCompliance(report: RunReport, outDir: string, input: ComplianceInput = defaultComplianceInput()): Promise<{ view: ComplianceView; files: string[] }> {
  const view = buildCompliance(report, input)
  const files = [await writeReportFile(outDir, COMPLIANCE_MARKDOWN_FILE, renderComplianceMarkdown(view))]
  for (const cat of view.catalogues) files.push(await writeReportFile(outDir, complianceBadgeFile(view.profile, cat.key), renderComplianceBadge(cat, view.profile)))
  return { view, files }
}

/**
 * `--reporter compliance`: the standards compliance page (compliance.md) and a
 * badge per catalogue, judged by the run's profile (aws-iot-core applies the
 * AWS overrides; mqtt-5 and mqtt-3.1.1 check the standards as written).
 */
export function createComplianceReporter(opts: ComplianceReporterOptions): Reporter {
  return {
    name: 'compliance',
    outputFile: join(opts.outDir, COMPLIANCE_MARKDOWN_FILE),
    async onRunEnd(report) {
      await writeCompliance(report, opts.outDir, opts.input)
    },
  }
}
