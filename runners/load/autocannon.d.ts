// autocannon 9 ships no types; this declares the part the closed-loop runner uses.
declare module 'autocannon' {
  interface AutocannonRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
    setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest
  }
  interface HistogramObject { average: number; mean: number; stddev: number; min: number; max: number; total: number; sent: number; p50: number; p90: number; p99: number; p2_5: number; p97_5: number }
  interface AutocannonResult {
    requests: HistogramObject
    latency: HistogramObject
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats: Record<string, { count: number }>
    '2xx': number
  }
  interface AutocannonOptions {
    url: string
    connections?: number
    pipelining?: number
    duration?: number
    amount?: number
    timeout?: number
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
    requests?: AutocannonRequest[]
    overallRate?: number
    ignoreCoordinatedOmission?: boolean
  }
  function autocannon(opts: AutocannonOptions): Promise<AutocannonResult> & { stop?: () => void }
  export default autocannon
}
