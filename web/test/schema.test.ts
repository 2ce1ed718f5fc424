// @vitest-environment node
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generate, schemaPath } from '../scripts/gen-api.mjs';

describe('generated API types', () => {
  it('src/api/schema.ts is up to date with internal/server/openapi.json (run npm run gen:api)', async () => {
    const want = await generate();
    const have = await readFile(schemaPath, 'utf8');
    expect(have === want, 'src/api/schema.ts is out of date: run `npm run gen:api` in web/').toBe(true);
  }, 30_000);
});

