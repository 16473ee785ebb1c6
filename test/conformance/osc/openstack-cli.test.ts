import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CliError,
  httpStatusOf,
  lastLine,
  maskSecretFields,
  maskSecrets,
  OpenstackCli,
} from './openstack-cli.ts';

describe('CLI output helpers', () => {
  it('reads the HTTP status the CLI prints after a server message', () => {
    expect(
      httpStatusOf(
        'You are not authorized to perform the requested action: identity:list_users. (HTTP 403) (Request-ID: req-1)',
      ),
    ).toBe(403);
    expect(
      httpStatusOf(
        'The request you have made requires authentication. (HTTP 401) (Request-ID: req-2)',
      ),
    ).toBe(401);
    expect(httpStatusOf("No project with a name or ID of 'x' exists.")).toBeNull();
  });

  it('takes the last non-empty line', () => {
    expect(lastLine('warning\nthe error\n\n')).toBe('the error');
    expect(lastLine('')).toBe('');
  });

  it('masks secret and password fields of JSON output', () => {
    expect(
      maskSecretFields('{\n  "id": "x",\n  "secret": "abc",\n  "password_expires_at": null\n}'),
    ).toBe('{\n  "id": "x",\n  "secret": "***",\n  "password_expires_at": null\n}');
  });

  it('masks the value of secret options only', () => {
    expect(maskSecrets(['user', 'create', 'u', '--password', 'p4ss', '--email', 'e'])).toEqual([
      'user',
      'create',
      'u',
      '--password',
      '***',
      '--email',
      'e',
    ]);
    expect(maskSecrets(['--os-application-credential-secret', 's', 'token', 'issue'])).toEqual([
      '--os-application-credential-secret',
      '***',
      'token',
      'issue',
    ]);
  });
});

describe('OpenstackCli', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-osc-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // a stand-in `openstack`: answers by its first argument
  const fake = path.join(dir, 'openstack');
  writeFileSync(
    fake,
    `#!${process.execPath}
const [what] = process.argv.slice(2);
if (what === 'json') { console.log(JSON.stringify({ id: 'x1', who: process.env.OS_USERNAME })); }
else if (what === 'text') { console.log('not json'); }
else if (what === 'deny') { console.error('You are not authorized. (HTTP 403) (Request-ID: req-9)'); process.exit(1); }
else if (what === 'secret') { console.log(JSON.stringify({ id: 'a', secret: 's3cr3t' }, null, 2)); }
else if (what === 'args') { console.log(JSON.stringify(process.argv.slice(2))); }
`,
  );
  chmodSync(fake, 0o755);
  const log = path.join(dir, 'cli.log');
  const cli = new OpenstackCli({ OS_USERNAME: 'admin' }, log, 10_000, fake);

  it('parses -f json output and passes its environment', async () => {
    await expect(cli.json<{ id: string; who: string }>(['json'])).resolves.toEqual({
      id: 'x1',
      who: 'admin',
    });
    await expect(cli.as({ OS_USERNAME: 'member' }).json(['json'])).resolves.toMatchObject({
      who: 'member',
    });
  });

  it('appends -f json to the arguments', async () => {
    await expect(cli.json(['args', 'token', 'issue'])).resolves.toEqual([
      'args',
      'token',
      'issue',
      '-f',
      'json',
    ]);
  });

  it('fails with the CLI message when the call fails or prints no JSON', async () => {
    await expect(cli.json(['deny'])).rejects.toThrow(
      /failed \(exit 1\): You are not authorized\. \(HTTP 403\)/,
    );
    await expect(cli.json(['text'])).rejects.toBeInstanceOf(CliError);
  });

  it('reports a refusal with its HTTP status, and fails when the call was allowed', async () => {
    await expect(cli.refused(['deny'])).resolves.toEqual({
      httpStatus: 403,
      message: 'You are not authorized. (HTTP 403) (Request-ID: req-9)',
    });
    await expect(cli.refused(['json'])).rejects.toThrow(/was allowed/);
  });

  it('logs each call with its output and masks secrets', async () => {
    await cli.ok(['secret', '--password', 'hunter2']);
    const text = readFileSync(log, 'utf8');
    expect(text).toContain(`$ ${fake} secret --password ***`);
    expect(text).toContain('"secret": "***"');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('s3cr3t');
    expect(text).toContain('# exit 0');
  });
});
