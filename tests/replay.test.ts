// Cases run for months, so a new worker must replay the histories that older code wrote. Each history in
// tests/fixtures/replay was recorded by an earlier version of the workflows (a whole case, notice to
// statement); replaying it with today's bundle fails on any change that is not behind `patched()`.
// The keyring beside it is a throwaway made for that recording: it decrypts nothing but the fixture's payloads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Keyring } from '../infra/keys/keys';
import { createDataConverter } from '../infra/keys/payload-codec';
import { bundleWorkflows } from '../worker/create-worker';

const FIXTURES = path.join(__dirname, 'fixtures', 'replay');
const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-replay-keys-'));
fs.copyFileSync(path.join(FIXTURES, 'test-only-keyring.json'), path.join(keysDir, 'keyring.json'));
afterAll(() => fs.rmSync(keysDir, { recursive: true, force: true }));

const histories = fs.readdirSync(FIXTURES).filter((name) => name.endsWith('.history.json'));

describe("histories written by earlier versions replay on today's workflows", () => {
  it('has histories to replay', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

  it.each(histories)('%s', async (name) => {
    // The JSON as `temporal workflow show --output json` prints it; the SDK converts it.
    const history: unknown = JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
    // Throws DeterminismViolationError (or a failure to decode) when today's code takes another path.
    await Worker.runReplayHistory(
      {
        workflowBundle: { codePath: inject('workflowBundlePath') },
        dataConverter: createDataConverter(Keyring.open(keysDir)),
      },
      history,
      name,
    );
  });
});

// Tracing may be turned on for cases that ran without it: the bundle then holds Temporal's OpenTelemetry
// interceptors, and the main loop runs each step within an action's trace (workflows/request-trace.ts).
describe('the same histories replay with tracing on', () => {
  let traced: { code: string };
  beforeAll(async () => {
    traced = await bundleWorkflows({ traced: true });
  }, 120_000);

  it.each(histories)('%s', async (name) => {
    const history: unknown = JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
    await Worker.runReplayHistory(
      { workflowBundle: traced, dataConverter: createDataConverter(Keyring.open(keysDir)) },
      history,
      name,
    );
  });
});
