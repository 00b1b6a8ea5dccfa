/** A device's client id from the scenario's template: `${i}` device index, `${run}` run id. */
export function deviceClientId(template: string, runId: string, i: number): string {
  return template.replaceAll('${i}', String(i)).replaceAll('${run}', runId)
}
