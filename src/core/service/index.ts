export * from './definition.ts';
export * from './run.ts';
export * from './process-config.ts';
