import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout, one object per event, the shape Fluent Bit and Loki ingest.
 * Secrets never reach a log line: the redaction paths cover the places a password or
 * token can appear in what we log.
 */
export function createLogger(opts: { name: string; level?: string; destination?: pino.DestinationStream }): Logger {
  const options: LoggerOptions = {
    name: opts.name,
    level: opts.level ?? 'info',
    base: { service: opts.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'message',
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'password',
        '*.password',
        '*.*.password',
        'original_password',
        'secret',
        '*.secret',
        'req.headers["x-auth-token"]',
        'req.headers["x-subject-token"]',
        'req.headers["x-service-token"]',
        'req.headers.authorization',
      ],
      censor: '***',
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
