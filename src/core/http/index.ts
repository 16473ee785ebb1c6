export * from './server.ts';
export * from './routes.ts';
export * from './faults.ts';
export * from './validation.ts';
export * from './microversion.ts';
export * from './pagination.ts';
export * from './query.ts';
export * from './base-url.ts';
