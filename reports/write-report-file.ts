import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunReport } from '../spec/index.js'
import type { Reporter } from './reporter.js'

/**
 * Writes `content` to `outDir/name`, creating the folder. Written to a
 * temporary name and renamed, so a CI step never picks up half a report.
 * Resolves to the file's path.
 */
export async function writeReportFile(outDir: string, name: string, content: string): Promise<string> {
  await mkdir(outDir, { recursive: true })
  const file = join(outDir, name)
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, content, 'utf8')
  await rename(tmp, file)
  return file
}

/** A reporter that renders the finished run into one file in `outDir`. */
export function createFileReporter(name: string, outDir: string, fileName: string, render: (report: RunReport, outputFile: string) => string | Promise<string>): Reporter {
  const outputFile = join(outDir, fileName)
  return {
    name,
    outputFile,
    async onRunEnd(report) {
      await writeReportFile(outDir, fileName, await render(report, outputFile))
    },
  }
}
