/**
 * The Node.js the agent runs on (DESIGN.md §2: Node 24 everywhere). Kept free of imports: main.ts
 * checks it before loading anything that an older Node could choke on.
 */
export const REQUIRED_NODE_MAJOR = 24;

/** A sentence saying what is wrong and what to do, or null when this Node will do. */
export function nodeVersionProblem(version: string, execPath: string): string | null {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  if (Number.isInteger(major) && major >= REQUIRED_NODE_MAJOR) return null;
  return (
    `Error: tya-agent needs Node ${REQUIRED_NODE_MAJOR} or newer; this is Node ${version} (${execPath}).\n` +
    `What to do: run it with Node ${REQUIRED_NODE_MAJOR} (the installer bundles it; from a checkout, "bash scripts/setup.sh" ` +
    'fetches it into .tools/ and "scripts/tya-agent …" uses it).'
  );
}
