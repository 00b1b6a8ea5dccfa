import { StepDefinitionRegistry, type StepDefinition } from '../step-definition.js'
import { connectStep } from './connect.js'
import { disconnectStep } from './disconnect.js'
import { subscribeStep } from './subscribe.js'
import { unsubscribeStep } from './unsubscribe.js'
import { publishStep } from './publish.js'
import { sendStep } from './send.js'
import { expectStep } from './expect.js'
import { expectNothingStep } from './expect-nothing.js'
import { expectClosedStep } from './expect-closed.js'
import { expectHandshakeStep } from './expect-handshake.js'
import { httpStep } from './http.js'
import { expectHttpStep } from './expect-http.js'
import { waitStep } from './wait.js'
import { waitForStep } from './wait-for.js'

export { connectStep, disconnectStep, subscribeStep, unsubscribeStep, publishStep, sendStep, expectStep, expectNothingStep, expectClosedStep, expectHandshakeStep, httpStep, expectHttpStep, waitStep, waitForStep }
export { expectRateSchema, type ExpectRate } from './expect.js'
export { signSchema, type SignOption, type HttpExpectation } from './http.js'
export type { Subscription } from './subscribe.js'
export { packetPatternSchema, patternOf, PACKET_NAMES, type PacketPattern } from './common.js'

/** Every step kind of the language, one file each under spec/steps/. */
export const STEP_DEFINITIONS: readonly StepDefinition[] = [
  connectStep, disconnectStep, subscribeStep, unsubscribeStep, publishStep, sendStep,
  expectStep, expectNothingStep, expectClosedStep, expectHandshakeStep, httpStep, expectHttpStep, waitStep, waitForStep,
] as StepDefinition[]

/** The registry of the built-in step kinds (refuses duplicates). */
export function createStepDefinitionRegistry(extra: readonly StepDefinition[] = []): StepDefinitionRegistry {
  return new StepDefinitionRegistry([...STEP_DEFINITIONS, ...extra])
}
