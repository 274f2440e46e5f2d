// The roster's match on its own thread, fed through the ring it shares with packaging: whatever the chunks' sizes
// (empty, a few bytes, larger than the ring), however the files' chunks interleave and however often the ring
// wraps, the thread finds exactly the students the same files give to a match on this thread.
import { describe, expect, it } from 'vitest';
import { RosterKeys, RosterMatch } from '../infra/package/roster-matcher';
import { RosterMatchThread } from '../infra/package/roster-match-thread';
import { packRosterKeys } from '../infra/package/roster-matcher';

const MiB = 1024 * 1024;

/** A small generator of its own, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return (state >>> 0) / 2 ** 32;
  };
}

const students = Array.from({ length: 20_000 }, (_, i) => [`U-${String(i).padStart(6, '0')}`, String(700_000 + i)]);

/** A file naming every student whose index leaves `skip`'s remainder other than 0, `bytes` long or a little more. */
function returned(name: string, bytes: number, skip: number): Buffer {
  const rows: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i = (i + 1) % students.length) {
    if (i % skip === 0) continue;
    const row = name.endsWith('.csv')
      ? `${students[i]![0]},"course, ${i % 40}",${i % 100}\n`
      : `{"identifier":${students[i]![1]},"course":"c-${i % 40}","note":"é\\u00e9"}\n`;
    rows.push(row);
    length += row.length;
  }
  return Buffer.from(rows.join(''));
}

async function feed(thread: RosterMatchThread, name: string, data: Buffer, next: () => number): Promise<void> {
  const scanner = thread.scannerFor(name)!;
  for (let at = 0; at < data.length;) {
    const roll = next();
    // Now and then an empty chunk, or one larger than the ring; mostly chunks of up to 300 KiB.
    const size = roll < 0.05 ? 0 : roll > 0.97 ? 9 * MiB + 7 : Math.ceil(next() * 300 * 1024);
    const chunk = data.subarray(at, at + size);
    at += chunk.length;
    const waited = scanner.update(new Uint8Array(chunk));
    if (waited) await waited;
    if (next() < 0.3) await new Promise((go) => setImmediate(go)); // let the other files' readers run
  }
  scanner.end();
}

describe('the match thread', () => {
  it('finds the same students as a match on this thread, the ring wrapped many times by interleaved files', async () => {
    const files: [string, Buffer][] = [
      ['a.csv', returned('a.csv', 12 * MiB, 3)],
      ['b.jsonl', returned('b.jsonl', 10 * MiB, 5)],
      ['c.csv', returned('c.csv', 3 * MiB, 7)],
      ['d.bin', Buffer.from('U-000000\n')],
      ['e.jsonl', returned('e.jsonl', 20 * MiB, 2)],
    ];
    const here = new RosterMatch(RosterKeys.of(students));
    for (const [name, data] of files) {
      const scanner = here.scannerFor(name);
      scanner?.update(data);
      scanner?.end();
    }
    const thread = new RosterMatchThread(packRosterKeys(students));
    expect(thread.scannerFor('d.bin')).toBeUndefined();
    const next = random(7);
    await Promise.all(files.filter(([name]) => name !== 'd.bin').map(([name, data]) => feed(thread, name, data, next)));
    const found = await thread.finish();
    expect(found.returned).toBe(here.returned());
    expect(found.missing).toEqual(here.missing());
    // Every student but those each file skips: those with an index divisible by 2, 3, 5 and 7 at once are missing.
    expect(found.missing).toEqual(students.map((_, i) => i).filter((i) => i % 210 === 0));
  }, 60_000);

  it('says the match goes on while a reader waits for room, so packaging can heartbeat meanwhile', async () => {
    let matched = 0;
    const thread = new RosterMatchThread(packRosterKeys(students), { matched: () => (matched += 1) });
    // A chunk larger than the ring: its reader must wait for the thread to scan and free room, more than once.
    const big = returned('big.csv', 80 * MiB, 3);
    const scanner = thread.scannerFor('big.csv')!;
    const waited = scanner.update(new Uint8Array(big));
    expect(waited).toBeInstanceOf(Promise);
    await waited;
    scanner.end();
    expect(matched).toBeGreaterThan(1);
    expect((await thread.finish()).missing).toEqual(students.map((_, i) => i).filter((i) => i % 3 === 0));
  }, 60_000);

  it('ends without a result when packaging stops', async () => {
    const thread = new RosterMatchThread(packRosterKeys(students));
    const scanner = thread.scannerFor('a.csv')!;
    await scanner.update(new Uint8Array(returned('a.csv', MiB, 2)));
    await thread.close();
  });
});
