import type { FastifyRequest } from "fastify";
import { type DestinationStream, type Logger, pino } from "pino";

/** Where secrets could sit in a log line; pino replaces them before the line is written. */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["proxy-authorization"]',
  'req.headers["x-ms-token-aad-access-token"]',
  'req.headers["x-ms-token-aad-id-token"]',
  "headers.authorization",
  "authorization",
  "token",
  "*.token",
  "accessToken",
  "*.accessToken",
  "metricsToken",
  "*.metricsToken",
  "mongodbUri",
  "*.mongodbUri",
  "redisUrl",
  "*.redisUrl",
];

/** Options of {@link createServiceLogger}. */
export interface ServiceLoggerOptions {
  level?: string;
  /** Where JSON lines go; default stdout. */
  destination?: DestinationStream;
}

/**
 * The service's JSON logger (pino, as Fastify uses it): one JSON object per line, request headers
 * logged for tracing with credentials redacted, never a token, password or connection string.
 */
export function createServiceLogger(options: ServiceLoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      serializers: {
        req: (request: FastifyRequest) => ({
          id: request.id,
          method: request.method,
          url: request.url,
          ip: request.ip,
          headers: request.headers,
        }),
        err: pino.stdSerializers.err,
      },
    },
    // Synchronous writes: the last lines before process.exit (a fatal start, "stopped") are never lost.
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
