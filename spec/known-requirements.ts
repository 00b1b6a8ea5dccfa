import { readCatalogue } from './catalogue.js'
import { readMqttStandards } from './mqtt-standard.js'

/**
 * Every id a scenario's `spec:` may name: the AWS behaviour catalogue's ids
 * and the MQTT standards' version-qualified statement ids (MQTT5-3.1.2-4).
 */
export function knownRequirementIds(): Set<string> {
  const catalogue = readCatalogue().requirements.map((r) => r.id)
  const standards = readMqttStandards(undefined, new Set(catalogue)).statements.map((s) => s.ref)
  return new Set([...catalogue, ...standards])
}
