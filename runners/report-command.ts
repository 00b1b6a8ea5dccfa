import type { Command } from 'commander'
import { EXIT } from '../spec/index.js'
import {
  BUILTIN_REPORTERS, ReportError, cleanReportFolder, createReporters, diffReports, fanOut, hasRegressions, mergeReports, readReport,
  renderDiffMarkdown, renderDiffText, writeCompliance,
} from '../reports/index.js'
import type { RunReport } from '../spec/index.js'

/** `--reporter json,html --reporter junit` → ['json', 'html', 'junit']. */
function collectNames(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)]
}

/** The exit code a run with this report would have had: failures before errors. */
function verdict(report: RunReport): number {
  if (report.summary.failed > 0) return EXIT.FAILED
  if (report.summary.errored > 0) return EXIT.ERRORED
  return EXIT.PASSED
}

/** A user error (bad file, unknown reporter...) → stderr with its code, exit 2; anything else is a bug. */
function userError(err: unknown, command: string, setExit: (code: number) => void): void {
  if (err instanceof ReportError) {
    process.stderr.write(`mqtt-harness report ${command}: ${err.message} (${err.code})\n`)
    return setExit(EXIT.INVALID_INPUT)
  }
  throw err
}

/**
 * `mqtt-harness report merge|diff`: join the report.json of several shards
 * and render them in any format; compare a run with a baseline for CI.
 */
export function registerReportCommand(program: Command, setExit: (code: number) => void): void {
  const report = program.command('report').description('merge shard reports, diff a report against a baseline, or judge a report against the MQTT standards')

  report
    .command('merge')
    .description('join the report.json of several shards and write the chosen formats; exits like the merged run (0 passed, 1 failed, 5 errored)')
    .argument('<files...>', 'report.json files of the shards')
    .requiredOption('--out <dir>', 'folder to write the merged reports into (required); the report files this tool writes are removed from it first, nothing else')
    .option('--reporter <names>', `formats to write, comma-separated or repeated: ${BUILTIN_REPORTERS.join(', ')} (default: json)`, collectNames)
    .action(async (files: string[], opts: { out: string; reporter?: string[] }) => {
      try {
        // Checked first so a typo in --reporter fails before any file is read.
        const reporters = createReporters(opts.reporter?.length ? opts.reporter : ['json'], { outDir: opts.out, stream: process.stdout })
        const reports: RunReport[] = []
        for (const file of files) reports.push(await readReport(file))
        const merged = mergeReports(reports, { sources: files })
        await cleanReportFolder(opts.out)
        await fanOut(reporters).onRunEnd?.(merged)
        const written = reporters.flatMap((r) => (r.outputFile ? [r.outputFile] : []))
        if (written.length) process.stderr.write(`merged ${files.length} report${files.length === 1 ? '' : 's'} (${merged.summary.total} scenarios): ${written.join(', ')}\n`)
        setExit(verdict(merged))
      } catch (err) {
        userError(err, 'merge', setExit)
      }
    })

  report
    .command('diff')
    .description('compare a report with a baseline: regressions, fixes, new and removed scenarios, requirement changes; exits 1 on regressions')
    .argument('<baseline>', 'baseline report.json')
    .argument('<current>', 'current report.json')
    .option('--format <format>', 'text or markdown', 'text')
    .action(async (baselineFile: string, currentFile: string, opts: { format: string }) => {
      if (opts.format !== 'text' && opts.format !== 'markdown') {
        process.stderr.write(`mqtt-harness report diff: --format must be text or markdown, not "${opts.format}" (HX_CLI_USAGE)\n`)
        return setExit(EXIT.INVALID_INPUT)
      }
      try {
        const diff = diffReports(await readReport(baselineFile), await readReport(currentFile))
        process.stdout.write(opts.format === 'markdown' ? renderDiffMarkdown(diff) : renderDiffText(diff))
        setExit(hasRegressions(diff) ? EXIT.FAILED : EXIT.PASSED)
      } catch (err) {
        userError(err, 'diff', setExit)
      }
    })

  report
    .command('compliance')
    .description('write the standards compliance page (compliance.md) and one SVG badge per catalogue for a report.json, judged by the profile it ran with; exits 0')
    .argument('<file>', 'report.json of a run (or of merged shards)')
    .requiredOption('--out <dir>', 'folder to write compliance.md and the badges into')
    .action(async (file: string, opts: { out: string }) => {
      try {
        const { files } = await writeCompliance(await readReport(file), opts.out)
        process.stderr.write(`compliance: ${files.join(', ')}\n`)
        setExit(EXIT.PASSED)
      } catch (err) {
        userError(err, 'compliance', setExit)
      }
    })
}
