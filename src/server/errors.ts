/** B2 error responses: thrown anywhere in a handler, turned into `{status, code, message}` by the router. */
export class B2Fail extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = "bad_request"): B2Fail => new B2Fail(400, code, message);
export const unauthorized = (message = "not authorized"): B2Fail => new B2Fail(401, "unauthorized", message);
export const notFound = (message: string): B2Fail => new B2Fail(404, "not_found", message);
export const accessDenied = (message: string): B2Fail => new B2Fail(403, "access_denied", message);
