import { waitStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ScenarioTimeoutError } from '../errors.js'
import { sleep } from '../deadline.js'

/** Lets documented time pass; refuses a wait that cannot end before the scenario's deadline. */
export const wait = defineStepRunner(waitStep, async (args, ctx) => {
  // budget() gives the full duration only when it fits before the scenario's deadline.
  if (ctx.budget(args.duration, args.duration) !== args.duration) throw new ScenarioTimeoutError(`wait of ${args.duration} ms (${args.reason}) does not fit in the scenario timeout; raise timeout:`)
  await sleep(args.duration, ctx.signal)
})
