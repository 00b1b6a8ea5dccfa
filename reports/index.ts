/**
 * reports: the reporter interface, one reporter per format (console, JSON,
 * JUnit, Markdown, HTML, standards compliance), merging shards and diffing against a baseline.
 * Imports only spec. This is the folder's only entry.
 */
export { fanOut, type Reporter, type ReporterOptions, type RunStartInfo, type ScenarioStartInfo } from './reporter.js'
export { BUILTIN_REPORTERS, ReporterRegistry, createDefaultReporterRegistry, createReporters, type ReporterFactory } from './reporter-registry.js'
export { createConsoleReporter, renderConsoleSummary, type ConsoleReporterOptions, type ConsoleSummaryOptions } from './console-reporter.js'
export { JSON_REPORT_FILE, createJsonReporter, renderJsonReport, type JsonReporterOptions } from './json-reporter.js'
export { JUNIT_REPORT_FILE, createJunitReporter, renderJunitReport, type JunitReporterOptions } from './junit-reporter.js'
export { MARKDOWN_REPORT_FILE, createMarkdownReporter, renderMarkdownReport, type MarkdownReporterOptions } from './markdown-reporter.js'
export { HTML_REPORT_FILE, createHtmlReporter, renderHtmlReport, type HtmlReporterOptions, type RenderHtmlOptions } from './html-reporter.js'
export { buildHtmlViewModel, type HtmlViewModel, type LatencyStats, type TimelineView } from './html-view-model.js'
export { mergeReports, type MergeOptions } from './merge.js'
export { buildCompliance, cellVersion, complianceMode, COMPLIANCE_STATUSES, type ComplianceCatalogue, type ComplianceCounts, type ComplianceInput, type ComplianceMode, type ComplianceRow, type ComplianceSection, type ComplianceStatus, type ComplianceView } from './compliance.js'
export { COMPLIANCE_MARKDOWN_FILE, complianceHeadline, renderComplianceMarkdown } from './compliance-markdown.js'
export { complianceBadgeFile, renderComplianceBadge } from './compliance-badge.js'
export { createComplianceReporter, defaultComplianceInput, writeCompliance, type ComplianceReporterOptions } from './compliance-reporter.js'
export { diffReports, hasRegressions, type ReportDiff, type RequirementChange, type ScenarioChange, type ScenarioRef } from './diff.js'
export { renderDiffMarkdown, renderDiffText } from './render-diff.js'
export { parseReport, readReport } from './read-report.js'
export { summarizeScenarios } from './summarize-scenarios.js'
export { resolveRequirements, worstOutcome, type DeclaredRequirement } from './resolve-requirements.js'
export { OUTCOME_ORDER, STATUS_SYMBOL, formatDuration } from './text-format.js'
export { writeReportFile } from './write-report-file.js'
export { REPORT_FILES, cleanReportFolder } from './clean-report-folder.js'
export {
  ReportError, ReportInvalidError, ReportMergeConflictError, ReportVersionError, ReporterDuplicateError, ReporterUnknownError,
  type ReportProblem,
} from './errors.js'
export { createLatencyHistogram, recordMs, encodeHistogram, decodeHistogram, addEncodedHistograms, percentileOf, emptyHistogram, type Histogram } from './load/latency-histogram.js'
export { mergeFleet, mergeDm, mergePubsub, mergeSeries, earliestAbort } from './load/merge-load-parts.js'
export { checkBooks } from './load/check-books.js'
export { finalizeLoadReport, type LocatedThreshold } from './load/finalize-load-report.js'
export { evaluateThresholds, type ThresholdMetrics } from './load/evaluate-thresholds.js'
export { mergeLoadReports, readLoadReport } from './load/merge-load-reports.js'
export { LOAD_JSON_FILE, renderLoadJson } from './load/render-load-json.js'
export { LOAD_MARKDOWN_FILE, renderLoadMarkdown } from './load/render-load-markdown.js'
export { LOAD_HTML_FILE, renderLoadHtml } from './load/render-load-html.js'
export { latencyRows, buildLoadChartData, type LoadChartData, type LatencyRow } from './load/load-view-model.js'
