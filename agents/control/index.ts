export * from './control-protocol.ts';
export * from './control-server.ts';
export * from './control-client.ts';
export { controlFilePath, readControlFileSync } from './control-file.ts';
export { groupId, ROLE_SOCKET_FILES, roleSocketPath } from './role-sockets.ts';
export { defaultRendererDir } from './static-files.ts';
