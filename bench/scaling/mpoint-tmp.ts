import { benchSnapshotDiff } from '../odbc/snapshot-diff.ts';
const kind = (process.argv[2] ?? 'mariadb') as 'mariadb';
const rows = Number(process.argv[3] ?? 1000000);
const runs = Number(process.argv[4] ?? 1);
const result = await benchSnapshotDiff(kind, { rows, pageRows: 1_000, runs, log: (l: string) => process.stderr.write(l + '\n') });
console.log(JSON.stringify(result.details));
