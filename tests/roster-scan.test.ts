// The roster match's fast path is committed compiled (infra/package/roster-scan-kernel.ts), so that an install
// without the compiler runs it: the committed bytes must be what its source compiles to today.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernel, KERNEL_MODULE, kernelModuleText } from '../scripts/build-wasm';

describe('the committed scan kernel', () => {
  it('is what wasm/roster-scan.ts compiles to (npm run build:wasm writes it)', () => {
    expect(fs.readFileSync(KERNEL_MODULE, 'utf8')).toBe(kernelModuleText(compileKernel()));
  }, 60_000);
});
