/**
 * Queue and exchange names. Everything a bus declares starts with its namespace (oslo's
 * control_exchange), so clouds or test runs sharing a RabbitMQ never see each other.
 */
import type { Binding, QueueSpec } from './transport.ts';

const TOPIC = /^[A-Za-z0-9_-]+$/;
const SERVER = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;
const GROUP = /^[A-Za-z0-9_-]+$/;

export function checkTopic(topic: string): void {
  if (!TOPIC.test(topic))
    throw new TypeError(`invalid bus topic '${topic}': letters, digits, _ and - only`);
}

export function checkServer(server: string): void {
  if (!SERVER.test(server)) throw new TypeError(`invalid bus server '${server}': a host name`);
}

export function checkGroup(group: string): void {
  if (!GROUP.test(group))
    throw new TypeError(`invalid notification group '${group}': letters, digits, _ and - only`);
}

export class Naming {
  constructor(readonly namespace: string) {
    if (!/^[A-Za-z0-9_-]+$/.test(namespace))
      throw new TypeError(`invalid bus namespace '${namespace}'`);
  }

  topicQueue(topic: string): string {
    return `${this.namespace}.rpc.${topic}`;
  }

  serverQueue(topic: string, server: string): string {
    return `${this.namespace}.rpc.${topic}.${server}`;
  }

  fanoutExchange(topic: string): string {
    return `${this.namespace}.rpc.${topic}.fanout`;
  }

  get notificationExchange(): string {
    return `${this.namespace}.notifications`;
  }

  /** A server's queues: the topic's shared one and its own, which also gets the fanouts. */
  serverQueues(topic: string, server: string): QueueSpec[] {
    const fanout: Binding = { exchange: this.fanoutExchange(topic), type: 'fanout', pattern: '' };
    return [
      { name: this.topicQueue(topic), durable: true, bindings: [] },
      { name: this.serverQueue(topic, server), durable: true, bindings: [fanout] },
    ];
  }

  notificationQueue(pattern: string, group: string | undefined, unique: string): QueueSpec {
    return {
      name:
        group === undefined
          ? `${this.namespace}.notifications.listener.${unique}`
          : `${this.namespace}.notifications.${group}`,
      durable: group !== undefined,
      bindings: [{ exchange: this.notificationExchange, type: 'topic', pattern }],
    };
  }

  replyQueue(unique: string): string {
    return `${this.namespace}.reply.${unique}`;
  }
}
