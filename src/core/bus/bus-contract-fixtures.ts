/** Messages and helpers shared by the parts of the bus contract suite. */
import { Type } from 'typebox';
import { expect } from 'vitest';
import { handle } from './bus.ts';
import { BusError } from './errors.ts';
import { defineMessage } from './message.ts';

export const WAIT = { timeout: 20_000, interval: 20 };

export const Echo = defineMessage({
  name: 'echo',
  version: '1.0',
  schema: Type.Object(
    { text: Type.String(), times: Type.Optional(Type.Integer({ minimum: 1 })) },
    { additionalProperties: false },
  ),
  reply: Type.Object({ text: Type.String(), server: Type.String() }),
});

export const Record = defineMessage({
  name: 'record',
  version: '1.0',
  schema: Type.Object({ id: Type.String() }),
});

export const Boot = (version: string, extra = {}) =>
  defineMessage({
    name: 'boot',
    version,
    schema: Type.Object({ server_id: Type.String({ format: 'uuid' }), ...extra }),
    reply: Type.Object({ accepted: Type.Boolean() }),
  });

export const InstanceCreated = defineMessage({
  name: 'compute.instance.create.end',
  version: '1.0',
  schema: Type.Object({ instance_id: Type.String() }),
});
export const InstanceDeleted = defineMessage({
  name: 'compute.instance.delete.end',
  version: '1.0',
  schema: Type.Object({ instance_id: Type.String() }),
});
export const VolumeCreated = defineMessage({
  name: 'volume.create.end',
  version: '1.0',
  schema: Type.Object({ volume_id: Type.String() }),
});

export const UUID = '6f1c9a8e-2b7d-4c1e-9f0a-3d5b7c9e1a2b';

export function echoOn(server: string) {
  return handle(Echo, (p) => ({ text: p.text.repeat(p.times ?? 1), server }));
}

export async function rejection(p: Promise<unknown>): Promise<BusError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BusError);
  return err as BusError;
}
