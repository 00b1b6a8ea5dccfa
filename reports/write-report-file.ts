import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

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
