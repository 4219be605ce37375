#!/usr/bin/env node
// Adds up the suites' reports into the closing line CI reads: "tests: N passed, N failed".
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];

const vitestFile = join(dir, 'vitest.json');
if (existsSync(vitestFile)) {
  const v = JSON.parse(readFileSync(vitestFile, 'utf8'));
  rows.push(['vitest', v.numPassedTests, v.numFailedTests, v.numPendingTests + v.numTodoTests]);
}
const goFile = join(dir, 'go.txt');
if (existsSync(goFile)) {
  const text = readFileSync(goFile, 'utf8');
  const count = (re) => (text.match(re) ?? []).length;
  rows.push(['go', count(/^\s*--- PASS/gm), count(/^\s*--- FAIL/gm), count(/^\s*--- SKIP/gm)]);
}
const pyFile = join(dir, 'pytest.xml');
if (existsSync(pyFile)) {
  const suite = /<testsuite [^>]*>/.exec(readFileSync(pyFile, 'utf8'))?.[0] ?? '';
  const attr = (name) => Number(new RegExp(`${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const bad = attr('failures') + attr('errors');
  rows.push(['pytest', attr('tests') - bad - attr('skipped'), bad, attr('skipped')]);
}
for (const [name, p, f, s] of rows) {
  console.log(`  ${name.padEnd(8)} ${p} passed, ${f} failed, ${s} skipped`);
  passed += p;
  failed += f;
  skipped += s;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
