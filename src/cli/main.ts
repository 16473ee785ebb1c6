import path from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, describeOptions } from '../core/config/index.ts';
import { rotateKeys } from '../services/identity/token/index.ts';
import { configSections, startCloud, type CloudOptions } from './cloud.ts';

const program = new Command();
program.name('strata').description('A private cloud that speaks the OpenStack APIs.');

function commonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data-dir <dir>', 'where databases, keys, clouds.yaml and openrc live').env('STRATA_DATA_DIR').default('data'))
    .addOption(new Option('--config <file>', 'YAML config file (sections and options below)').env('STRATA_CONFIG'))
    .option('--host <address>', 'bind address of every API (server.bind_host)')
    .option('--public-host <name>', 'host name put in catalog URLs (server.public_host)')
    .option('--database-url <url>', 'database URL: sqlite:///path, postgres://..., mysql://... (database.url)')
    .option('--identity-port <port>', 'identity API port, default 5000 (identity.port)')
    .option('--log-level <level>', 'trace|debug|info|warn|error|silent (logging.level)')
    .addOption(new Option('--admin-password <password>', 'admin password to bootstrap with (generated on first run otherwise)').env('STRATA_ADMIN_PASSWORD'));
}

interface CommonFlags {
  dataDir: string;
  config?: string;
  host?: string;
  publicHost?: string;
  databaseUrl?: string;
  identityPort?: string;
  logLevel?: string;
  adminPassword?: string;
}

function cloudOptions(flags: CommonFlags, services?: string[]): CloudOptions {
  const overrides: Record<string, Record<string, unknown>> = { server: {}, database: {}, identity: {}, logging: {} };
  if (flags.host) overrides.server!.bind_host = flags.host;
  if (flags.publicHost) overrides.server!.public_host = flags.publicHost;
  if (flags.databaseUrl) overrides.database!.url = flags.databaseUrl;
  if (flags.identityPort) overrides.identity!.port = flags.identityPort;
  if (flags.logLevel) overrides.logging!.level = flags.logLevel;
  return {
    dataDir: path.resolve(flags.dataDir),
    configFile: flags.config,
    overrides,
    adminPassword: flags.adminPassword,
    ...(services ? { services } : {}),
    progress: (line) => process.stderr.write(`strata: ${line}\n`),
  };
}

async function run(opts: CloudOptions): Promise<void> {
  const cloud = await startCloud(opts);
  const rel = (p: string) => path.relative(process.cwd(), p) || p;
  process.stderr.write(
    [
      '',
      `strata is up. Identity (Keystone v3) at ${cloud.authUrl}`,
      `Admin credentials are in ${rel(cloud.cloudsYaml)} (cloud "strata") and ${rel(cloud.openrc)}.`,
      'Try:',
      `  export OS_CLIENT_CONFIG_FILE=${cloud.cloudsYaml} OS_CLOUD=strata`,
      '  openstack token issue',
      '  openstack catalog list',
      'Metrics at <service URL>/metrics, health at /healthcheck. Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
  const stop = async (signal: string) => {
    process.stderr.write(`strata: ${signal} received, stopping\n`);
    await cloud.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

commonOptions(program.command('up'))
  .description('run the whole cloud in one process on the embedded defaults (first run bootstraps it)')
  .addHelpText('after', () => `\nConfiguration options (file sections, or STRATA_<SECTION>__<OPTION> variables):\n\n${describeOptions(configSections(), 'text')}`)
  .action(async (flags: CommonFlags) => run(cloudOptions(flags)));

commonOptions(program.command('serve <service>'))
  .description('run one service (by type, e.g. identity) in this process')
  .action(async (service: string, flags: CommonFlags) => run(cloudOptions(flags, [service])));

program
  .command('config-docs')
  .description('print every configuration option as Markdown')
  .action(() => {
    process.stdout.write(describeOptions(configSections(), 'markdown'));
  });

const identity = program.command('identity').description('identity service maintenance');
identity
  .command('rotate-keys')
  .description('rotate the token key repository (staged key becomes primary), like keystone-manage fernet_rotate')
  .option('--key-repository <dir>', 'key directory', 'data/identity/fernet-keys')
  .option('--max-active-keys <n>', 'keys to keep', '3')
  .action((o: { keyRepository: string; maxActiveKeys: string }) => {
    const result = rotateKeys(o.keyRepository, Number(o.maxActiveKeys));
    process.stdout.write(`primary key is now ${result.primary}; purged ${result.purged.join(', ') || 'none'}\n`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`strata: configuration error: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`strata: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
