export * from './options.ts';
export * from './load.ts';
export * from './help.ts';
