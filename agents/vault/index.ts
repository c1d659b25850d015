export * from './secret-store.ts';
export * from './keytar-secret-store.ts';
export * from './keychain-unavailable-error.ts';
export * from './secret-resolver.ts';
export * from './redaction.ts';
export * from './service-file-secret-store.ts';
