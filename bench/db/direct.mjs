// The same query on the store directly: better-sqlite3 on the project's database file, the
// statement prepared once, each row read and serialised as JSON (what a caller of the API gets),
// in a loop for BENCH_SECONDS. Prints one line of JSON: { queries, seconds }.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require(process.env.BENCH_SQLITE_MODULE);
const db = new Database(process.env.BENCH_DB_FILE, { readonly: true, fileMustExist: true });
const statement = db.prepare(process.env.BENCH_SQL);
const params = JSON.parse(process.env.BENCH_PARAMS);
const seconds = Number(process.env.BENCH_SECONDS);
const until = performance.now() + seconds * 1000;
let queries = 0;
let bytes = 0;
while (performance.now() < until) {
  for (let i = 0; i < 100; i++) {
    bytes += JSON.stringify({ rows: statement.all(...params) }).length;
    queries++;
  }
}
db.close();
console.log(JSON.stringify({ queries, seconds, bytes }));
