export * from './json.ts';
export * from './records.ts';
export * from './cloud.ts';
export * from './config.ts';
export * from './status.ts';
export * from './dashboard.ts';
