/**
 * Errors of the HTTP data plane in the AWS REST JSON shape: the status, the
 * exception name sent as `x-amzn-ErrorType`, a human `message`, and a
 * machine-readable `reason` for the request log (the counterpart of the
 * `reason` field in AWS's CloudWatch events [DM-CLOUDWATCH-REASON]).
 */
export type ErrorType =
  | 'InvalidRequestException'
  | 'UnauthorizedException'
  | 'ForbiddenException'
  | 'ResourceNotFoundException'
  | 'MethodNotAllowedException'
  | 'RequestEntityTooLargeException'
  | 'ThrottlingException'
  | 'InternalFailureException'
  | 'GatewayTimeoutException'

const STATUS: Record<ErrorType, number> = {
  InvalidRequestException: 400,
  UnauthorizedException: 401,
  ForbiddenException: 403,
  ResourceNotFoundException: 404,
  MethodNotAllowedException: 405,
  RequestEntityTooLargeException: 413,
  ThrottlingException: 429,
  InternalFailureException: 500,
  GatewayTimeoutException: 504,
}

/** A data-plane error the client is told about; anything else thrown by a handler becomes a 500. */
export class ApiError extends Error {
  readonly status: number
  constructor(readonly type: ErrorType, readonly reason: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = STATUS[type]
  }
}

/** 400: a parameter, header or path segment is invalid [DM-STATUS-400]. */
export const invalidRequest = (reason: string, message: string) => new ApiError('InvalidRequestException', reason, message)
/** 403: a policy denies the action, or the signature / certificate is not accepted [DM-STATUS-403]. */
export const forbidden = (reason: string, message: string) => new ApiError('ForbiddenException', reason, message)
/** 404: no such client, retained message or route [DM-STATUS-404]. */
export const notFound = (reason: string, message: string) => new ApiError('ResourceNotFoundException', reason, message)
/** 413: the body is larger than the payload quota [DM-STATUS-413]. */
export const tooLarge = (reason: string, message: string) => new ApiError('RequestEntityTooLargeException', reason, message)
/** 429: a request or publish rate was exceeded [DM-STATUS-429]. */
export const throttled = (reason: string, message: string) => new ApiError('ThrottlingException', reason, message)
/** 504: no PUBACK within the timeout [DM-STATUS-504]. */
export const gatewayTimeout = (reason: string, message: string) => new ApiError('GatewayTimeoutException', reason, message)
/** 405: the path exists but not for this method [HTTP-ERRORS]; `allowed` goes in the Allow header. */
export const methodNotAllowed = (allowed: string[]) =>
  new ApiError('MethodNotAllowedException', 'method-not-allowed', `Method not allowed; this resource accepts ${allowed.join(', ')}`, { allow: allowed.join(', ') })
