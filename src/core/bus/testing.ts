/**
 * Helpers for tests that use the machine's RabbitMQ: start it when it is not running,
 * and remove what a test run declared.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import type { MessageDefinition } from './message.ts';
import { checkSchemaPins, pinSchemas, type SchemaPins } from './schema-pins.ts';

export const TEST_TRANSPORT_URL =
  process.env.STRATA_TEST_TRANSPORT_URL ?? 'rabbit://guest:guest@127.0.0.1:5672/';

const run = promisify(execFile);

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Starts the local RabbitMQ (as the machine does at boot) when nothing listens on 5672. */
export async function ensureRabbitMq(timeoutMs = 90_000): Promise<void> {
  if (await reachable('127.0.0.1', 5672)) return;
  await run('rabbitmq-server', ['-detached']).catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await reachable('127.0.0.1', 5672)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('RabbitMQ did not start on 127.0.0.1:5672 (rabbitmq-server -detached)');
}

/** `rabbitmqctl` with its output; the broker's own CLI, for what AMQP cannot show. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

/** Deletes queues and exchanges named `queue:NAME` / `exchange:NAME` (AmqpTransport.declaredNames()). */
export async function deleteDeclared(
  names: Iterable<string>,
  url = 'amqp://guest:guest@127.0.0.1:5672/',
): Promise<void> {
  const list = [...new Set(names)];
  if (list.length === 0) return;
  const model = await connect(url);
  const failures: string[] = [];
  try {
    for (const entry of list) {
      const kind = entry.slice(0, entry.indexOf(':'));
      const name = entry.slice(entry.indexOf(':') + 1);
      // a failed delete closes the channel: one channel per delete
      const ch = await model.createChannel();
      ch.on('error', () => undefined);
      try {
        if (kind === 'queue') await ch.deleteQueue(name);
        else await ch.deleteExchange(name);
        await ch.close();
      } catch (err) {
        // exclusive queues are gone with their connection already
        if ((err as { code?: unknown }).code !== 404) failures.push(`${entry}: ${String(err)}`);
      }
    }
  } finally {
    await model.close().catch(() => undefined);
  }
  if (failures.length > 0) throw new Error(`could not delete ${failures.join('; ')}`);
}

/**
 * The test every service with bus messages has: its declarations match its pin file. With
 * STRATA_UPDATE_BUS_PINS=1 the file is rewritten instead, unless a schema changed without
 * the version bump it needs.
 */
export function expectSchemasPinned(messages: readonly MessageDefinition[], pinFile: string): void {
  const pins: SchemaPins = existsSync(pinFile)
    ? (JSON.parse(readFileSync(pinFile, 'utf8')) as SchemaPins)
    : {};
  const problems = checkSchemaPins(messages, pins);
  if (process.env.STRATA_UPDATE_BUS_PINS === '1') {
    const blocking = problems.filter((p) => p.kind !== 'unpinned' && p.kind !== 'removed');
    if (blocking.length === 0) {
      writeFileSync(pinFile, `${JSON.stringify(pinSchemas(messages), null, 2)}\n`);
      return;
    }
    throw new Error(blocking.map((p) => p.detail).join('\n'));
  }
  if (problems.length > 0) {
    throw new Error(
      `bus message schemas differ from ${pinFile}:\n${problems.map((p) => `- ${p.detail}`).join('\n')}`,
    );
  }
}
