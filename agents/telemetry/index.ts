export * from './logger.ts';
export * from './rotating-file.ts';
