import { defineSection, opt } from '../config/index.ts';

/** Options of the process itself, shared by every service it runs. */
export const serverConfig = defineSection('server', 'HTTP listeners of this process.', {
  bind_host: opt.string('127.0.0.1', 'Address every API listens on (0.0.0.0 for all interfaces).'),
  public_host: opt.string('', 'Host name clients use in catalog URLs; empty uses bind_host (or 127.0.0.1 when binding all interfaces).'),
  body_limit: opt.int(1_048_576, 'Largest JSON request body accepted, in bytes; larger ones get 413.', { min: 1024 }),
  trust_proxy: opt.bool(false, 'Trust X-Forwarded-* headers from an ingress in front of the APIs.'),
  region: opt.string('RegionOne', 'Region name of this cloud in the service catalog.'),
});

export const databaseConfig = defineSection('database', 'Where services store their data.', {
  url: opt.url('', 'Database URL (sqlite:///path, postgres://..., mysql://...); empty uses sqlite in the data directory.', { secret: true }),
  pool_size: opt.int(10, 'Connections per service pool (PostgreSQL, MariaDB).', { min: 1, max: 500 }),
});

export const loggingConfig = defineSection('logging', 'Log output (JSON lines on stdout).', {
  level: opt.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info', 'Lowest level written.'),
});

export const policyConfig = defineSection('policy', 'API access policy.', {
  file: opt.string('', 'oslo.policy-style YAML or JSON file overriding default rules of any service.'),
});

export const authConfig = defineSection('auth', 'Token validation for services other than identity.', {
  token_cache_seconds: opt.float(300, 'How long a validated token is trusted without asking identity again (keystonemiddleware token_cache_time).', { min: 0, max: 3600 }),
  identity_url: opt.url('', 'Identity endpoint to validate tokens against when identity runs in another process.'),
});

export const processSections = [serverConfig, databaseConfig, loggingConfig, policyConfig, authConfig] as const;
