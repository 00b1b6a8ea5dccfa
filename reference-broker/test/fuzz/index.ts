/** The protocol fuzzer (issue 10): packet generators, mutations, the child-process broker and the run loop. */
export { frame, connectFrame } from './packets.js'
export { fuzzInput, mutate, type FuzzInput } from './mutations.js'
export { ChildBroker, healthyPair, probe, sendInput, targetUrl, type FuzzTarget, type FuzzTransport, type HealthyPair } from './fuzz-env.js'
export { runFuzz, replayRegressions, loadRegressions, type FuzzOptions, type FuzzReport } from './run-fuzz.js'
