// After `vite build`: writes a .gz beside every JS, CSS and SVG file in
// dist/assets (the Go server sends it to browsers that accept gzip), prints
// the sizes, and fails when the JavaScript is over its budget.
import { readdir, readFile, writeFile, stat } from 'node:fs/promises';
import { gzipSync, constants } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const assets = path.resolve(here, '../dist/assets');
const BUDGET_JS_GZ = 400 * 1024; // bytes, all JavaScript together

const files = (await readdir(assets)).filter((f) => /\.(js|css|svg)$/.test(f));
let jsRaw = 0;
let jsGz = 0;
const rows = [];
for (const f of files.sort()) {
  const p = path.join(assets, f);
  const buf = await readFile(p);
  const gz = gzipSync(buf, { level: constants.Z_BEST_COMPRESSION });
  await writeFile(`${p}.gz`, gz);
  if (f.endsWith('.js')) {
    jsRaw += buf.length;
    jsGz += gz.length;
  }
  rows.push(`  ${f.padEnd(40)} ${(buf.length / 1024).toFixed(1).padStart(8)} kB  ${(gz.length / 1024).toFixed(1).padStart(7)} kB gzip`);
}
console.log(`web/dist/assets:\n${rows.join('\n')}`);
console.log(`JavaScript: ${(jsRaw / 1024).toFixed(1)} kB, ${(jsGz / 1024).toFixed(1)} kB gzipped (budget ${BUDGET_JS_GZ / 1024} kB)`);
await stat(path.resolve(here, '../dist/.gitkeep')); // public/.gitkeep keeps web/dist in git
if (jsGz > BUDGET_JS_GZ) {
  console.error(`JavaScript is ${(jsGz / 1024).toFixed(1)} kB gzipped, over the ${BUDGET_JS_GZ / 1024} kB budget`);
  process.exit(1);
}
