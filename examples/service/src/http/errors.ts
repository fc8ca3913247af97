import { type DriftErrorCode, isDriftError } from "@azure-drift/core";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string };
}

const STATUS: Partial<Record<DriftErrorCode, number>> = {
  E_INPUT: 400,
  E_NOT_FOUND: 404,
  E_NETWORK: 503,
  E_STORE: 503,
  E_STORE_CLOSED: 503,
  E_STORE_LOCKED: 503,
  E_ABORTED: 503,
};

/** The realm named in every `WWW-Authenticate` challenge. */
export const REALM = "azure-drift";

/** RFC 6750 §3: the challenge for a missing token names no error; a bad one says which. */
export function bearerChallenge(
  error?: "invalid_token" | "insufficient_scope",
  description?: string,
): string {
  const parts = [`realm="${REALM}"`];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${description.replace(/["\\]/g, "")}"`);
  return `Bearer ${parts.join(", ")}`;
}

/**
 * Turns what a handler threw into an answer: DriftErrors by code (their messages say what to do),
 * schema failures as 400, anything else as a 500 whose details stay in the log.
 */
export function replyWithError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.validation) {
    return reply.code(400).send(body("E_INPUT", `Bad request: ${error.message}.`));
  }
  if (isDriftError(error)) {
    if (error.code === "E_AUTH") {
      const forbidden = error.details?.reason === "forbidden";
      reply
        .code(forbidden ? 403 : 401)
        .header(
          "www-authenticate",
          error.details?.reason === "missing"
            ? bearerChallenge()
            : bearerChallenge(forbidden ? "insufficient_scope" : "invalid_token", error.message),
        );
      return reply.send(body("E_AUTH", error.message));
    }
    const status = STATUS[error.code] ?? 500;
    if (status < 500) return reply.code(status).send(body(error.code, error.message));
    // The message is for the operator (it may name hosts); the caller gets what to do and where to look.
    request.log.error({ err: error }, "request failed");
    return reply.code(status).send(body(error.code, unavailable(error.code, String(request.id))));
  }
  if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.code(error.statusCode).send(body("E_INPUT", error.message));
  }
  request.log.error({ err: error }, "request failed");
  return reply
    .code(500)
    .send(body("E_INTERNAL", `Internal error; the service log has the details (request ${request.id}).`));
}

/** What a caller is told of a failure of the service's own parts. */
export function unavailable(code: string, requestId: string): string {
  const what =
    code === "E_NETWORK"
      ? "A service this API depends on (the token issuer's keys or the job queue) did not answer"
      : code === "E_ABORTED"
        ? "The request was cancelled"
        : "The store did not answer";
  return `${what}; try again later. The service log has the details (request ${requestId}).`;
}

function body(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}
