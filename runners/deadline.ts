/**
 * Resolves like `promise`, or rejects with `onTimeout()` after `ms`, or with
 * the signal's reason when it aborts. The timer never outlives the race.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, ms))
    if (signal) {
      onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    }
  })
  try {
    return await Promise.race([promise, limit])
  } finally {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
}

/** Sleeps `ms`, waking early (rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
    const onAbort = () => { clearTimeout(t); reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted')) }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
