export * from './control-protocol.ts';
export * from './control-server.ts';
export * from './control-client.ts';
export { controlFilePath } from './control-file.ts';
