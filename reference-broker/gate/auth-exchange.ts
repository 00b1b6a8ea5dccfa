import { answersChallenge, newChallenge } from '../hx-challenge.js'

/**
 * The enhanced authentication of one connection (MQTT 5 §4.12) with the test
 * method HX-CHALLENGE (hx-challenge.ts): the CONNECT's method, and the
 * challenge the server waits to have answered, if any.
 */
export class AuthExchange {
  private expected: string | null = null

  constructor(readonly method: string) {}

  /** A challenge was sent and its answer has not come yet. */
  get awaiting(): boolean {
    return this.expected !== null
  }

  /** A fresh challenge, awaited from now on. */
  challenge(): string {
    this.expected = newChallenge()
    return this.expected
  }

  /** The client's answer (its Authentication Data): whether it is right. The exchange ends either way. */
  answer(data: unknown): boolean {
    const right = this.expected !== null && answersChallenge(this.expected, data)
    this.expected = null
    return right
  }
}
