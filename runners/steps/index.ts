import { createStepRegistryFrom, type StepRegistry } from '../step-registry.js'
import { connect } from './connect.js'
import { disconnect } from './disconnect.js'
import { subscribe } from './subscribe.js'
import { unsubscribe } from './unsubscribe.js'
import { publish } from './publish.js'
import { send } from './send.js'
import { expect } from './expect.js'
import { expectNothing } from './expect-nothing.js'
import { expectClosed } from './expect-closed.js'
import { expectHandshake } from './expect-handshake.js'
import { http } from './http.js'
import { expectHttp } from './expect-http.js'
import { wait } from './wait.js'
import { waitFor } from './wait-for.js'

/** The built-in step implementations, one file per YAML key. */
export const BUILTIN_STEPS = [connect, disconnect, subscribe, unsubscribe, publish, send, expect, expectNothing, expectClosed, expectHandshake, http, expectHttp, wait, waitFor] as const

/** The registry pairing every spec step kind with its implementation. */
export function createStepRegistry(): StepRegistry {
  return createStepRegistryFrom(BUILTIN_STEPS as never)
}
