/**
 * `tya-agent init`: writes a starting config, so a first install does not begin by copying JSON out
 * of a README. What it knows (the cloud, the entity, a name) is set; what it cannot know (the
 * databases, the folders, where alerts go) is there as commented examples, each valid once its `//`
 * are removed. It checks the file it wrote as the agent will read it, and says what to do next.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { parseConfigText } from '../../engine/load-config.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

export interface InitOptions {
  output?: string;
  url: string;
  entity: string;
  name?: string;
  dataDir?: string;
  force?: boolean;
}

export function initCommand(options: InitOptions, io: CliIo): ExitCodeValue {
  const file = path.resolve(options.output ?? 'tya-agent.json');
  if (existsSync(file) && !options.force) {
    throw new CliError(ExitCode.usage, 'config_exists', `${file} exists already; nothing was written.`, {
      hint: 'Edit it, pass another file with -o, or --force to replace it.',
    });
  }
  const text = starterConfig({ name: options.name ?? hostname(), url: options.url, entity: options.entity, dataDir: options.dataDir ?? 'data' });
  // Checked before anything is written: a wrong --url or --entity is named like any config error.
  parseConfigText(text, file);
  writeFileSync(file, text, { mode: 0o640 });
  const config = path.relative(process.cwd(), file) || file;
  io.out(`Wrote ${file}. Next:`);
  io.out(`  1. Add your sources: uncomment and edit the examples under "sources" (tya-agent discover --config ${config} lists an ODBC source's tables).`);
  io.out(`  2. Store each database password: printf %s 'PASSWORD' | tya-agent secret set pos-db/password --config ${config}`);
  io.out(`  3. Say where alerts go ("notify"), then: tya-agent alerts test --config ${config}`);
  io.out(`  4. Check everything: tya-agent doctor --config ${config}`);
  io.out(`  5. Enroll with the key from the portal: tya-agent enroll --url ${options.url} --key - --config ${config}`);
  io.out(`  6. Run it as a service (sudo tya-agent service install --config ${config}) or in the foreground (tya-agent run --config ${config}).`);
  return ExitCode.ok;
}

/** The file's text: JSON with comments, values escaped by JSON itself. */
export function starterConfig(values: { name: string; url: string; entity: string; dataDir: string }): string {
  const j = (value: string) => JSON.stringify(value);
  return `// TYA Sync Agent configuration, written by "tya-agent init". JSON with // comments.
// Every key, with its default, is in the README section "Configuration".
{
  "agent": {
    "name": ${j(values.name)},       // shown in the cloud and in status
    "dataDir": ${j(values.dataDir)}  // queue, logs, control token; relative to this file ("service install" moves it)
  },
  "cloud": {
    "url": ${j(values.url)},
    "entity": ${j(values.entity)}    // the books this agent's data belongs to
  },
  // Where alerts go when nobody looks at the dashboard (a server has no tray). Uncomment what applies,
  // store the mail password with "tya-agent secret set smtp/password", then run "tya-agent alerts test".
  // "notify": {
  //   "webhook": { "url": "https://hooks.example.com/tya" },  // a URL with a token in it: "urlSecret": { "secretRef": "alerts/webhook-url" }
  //   "email": {
  //     "host": "smtp.example.com", "from": "tya-agent@example.com", "to": ["it@example.com"],
  //     "username": "tya-agent@example.com", "password": { "secretRef": "smtp/password" }, "minSeverity": "critical"
  //   }
  // },
  "sources": [
    // A database read over ODBC (postgresql, mariadb or sqlite). Never put Pwd= in the connection string:
    // store the password with "tya-agent secret set pos-db/password" and name it here.
    // {
    //   "type": "odbc",
    //   "name": "pos-db",
    //   "dialect": "postgresql",
    //   "connectionString": "Driver={PostgreSQL Unicode};Server=10.0.0.5;Port=5432;Database=pos;Uid=tya_reader",
    //   "password": { "secretRef": "pos-db/password" },
    //   "timeZone": "Europe/Berlin",
    //   "streams": [
    //     { "name": "receipts", "table": "public.receipts", "keyColumns": ["receipt_id"], "cursorColumn": "updated_at" }
    //   ]
    // },
    // A watched folder for bank statements (CAMT.053, MT940, bank CSV) and shift-close (Z) reports.
    // { "type": "folder", "name": "bank", "path": "/srv/bank-inbox" }
  ]
}
`;
}
