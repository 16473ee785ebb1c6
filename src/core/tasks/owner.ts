import { randomUUID } from 'node:crypto';
import os from 'node:os';

/**
 * Names this worker in lease columns: readable for an operator (`host:pid:...`), unique per
 * queue or lease holder, so two in one process (tests, the all-in-one) never share one.
 */
export function newOwnerId(): string {
  return `${os.hostname().slice(0, 40)}:${process.pid}:${randomUUID().slice(0, 8)}`;
}
