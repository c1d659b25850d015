import { AgentError } from '../pipeline/errors.ts';

/**
 * The OS keychain could not be used. Nothing was stored: the vault never falls back to a file or to
 * memory, so the person has to make the keychain reachable and try again.
 */
export class KeychainUnavailableError extends AgentError {
  constructor(message: string, options: { platform?: NodeJS.Platform; cause?: unknown } = {}) {
    super('keychain_unavailable', message, {
      hint: keychainHint(options.platform ?? process.platform),
      cause: options.cause,
    });
  }
}

export function keychainHint(platform: NodeJS.Platform): string {
  if (platform === 'win32') {
    return (
      'The Windows Credential Manager must be reachable by the account the agent runs as. ' +
      'Run the service as a user account with a loaded profile (not LocalService), then try again.'
    );
  }
  if (platform === 'darwin') {
    return (
      'The macOS keychain must be unlocked and reachable by the account the agent runs as. ' +
      'Unlock the login keychain (or give the service account a keychain), then try again.'
    );
  }
  return (
    'On a desktop, unlock the login keyring (Passwords and Keys) and try again. ' +
    'On a headless Linux server, install gnome-keyring and libsecret (apt-get install gnome-keyring libsecret-1-0) ' +
    'and run the agent inside a D-Bus session with an unlocked keyring: ' +
    'see the README section "Keychain on a headless server". ' +
    'For a service with no keychain, set "vault": {"backend": "service-file"} in the config (docs/service.md): ' +
    'secrets then go to a file encrypted with a key only the service user can read.'
  );
}
