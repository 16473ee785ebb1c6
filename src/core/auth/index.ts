export * from './context.ts';
export * from './token-validator.ts';
export * from './policy/index.ts';
