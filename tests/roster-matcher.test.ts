// Which roster students the returned files mention, read while the package streams past.
import { describe, expect, it } from 'vitest';
import { RosterKeys, RosterMatch, scannedFormatOf } from '../infra/package/roster-matcher';
import { csvRecords } from '../domain/csv';

type Roster = string[][];

function scanned(keys: RosterKeys, files: [name: string, pieces: Uint8Array[]][]): RosterMatch {
  const match = new RosterMatch(keys);
  for (const [name, pieces] of files) {
    const scanner = match.scannerFor(name);
    if (!scanner) throw new Error(`${name} is not scanned`);
    for (const piece of pieces) scanner.update(piece);
    scanner.end();
  }
  return match;
}

/**
 * The students `text` leaves missing, fed whole, cut in two at every byte, and byte by byte (as plain Uint8Arrays):
 * every way must give the same answer.
 */
function missing(roster: Roster, name: string, text: string | Buffer): number[] {
  const keys = RosterKeys.of(roster);
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  const answers = new Set<string>();
  const run = (pieces: Uint8Array[]): void => {
    const match = scanned(keys, [[name, pieces]]);
    expect(match.returned()).toBe(roster.length - match.missing().length);
    answers.add(JSON.stringify(match.missing()));
  };
  run([data]);
  for (let cut = 0; cut <= data.length; cut += 1) run([data.subarray(0, cut), data.subarray(cut)]);
  run(Array.from(data, (b) => Uint8Array.of(b)));
  expect([...answers], `cut somewhere, ${name} gave another answer`).toHaveLength(1);
  return JSON.parse([...answers][0]!) as number[];
}

/** Students with one key each: S-001 is student 0, S-002 student 1, … */
const numbered = (count: number): Roster => Array.from({ length: count }, (_, i) => [`S-00${i + 1}`]);

describe('scannedFormatOf', () => {
  it('knows CSV, JSON Lines, JSON and XML by extension, whatever the case', () => {
    expect(scannedFormatOf('students.csv')).toBe('csv');
    expect(scannedFormatOf('STUDENTS.CSV')).toBe('csv');
    expect(scannedFormatOf('events.jsonl')).toBe('jsonl');
    expect(scannedFormatOf('events.NDJSON')).toBe('jsonl');
    expect(scannedFormatOf('export.2026.json')).toBe('json');
    expect(scannedFormatOf('roster.Xml')).toBe('xml');
  });

  it('scans no other file', () => {
    for (const name of ['report.pdf', 'students.csv.gz', 'students.tsv', 'notes.txt', 'json', 'xml', '', 'a.json5']) {
      expect(scannedFormatOf(name), name).toBeUndefined();
      expect(new RosterMatch(RosterKeys.of([['S-001']])).scannerFor(name), name).toBeUndefined();
    }
  });
});

describe('RosterKeys', () => {
  it('finds a student by any of its keys, trimmed and in any case', () => {
    const keys = RosterKeys.of([['S-001', 'Ana.Lima@example.org', '9001'], ['S-002']]);
    expect(keys.students).toBe(2);
    expect(keys.lookup('S-001')).toBe(0);
    expect(keys.lookup(' s-001\t\r\n')).toBe(0);
    expect(keys.lookup('ANA.LIMA@EXAMPLE.ORG')).toBe(0);
    expect(keys.lookup('9001')).toBe(0);
    expect(keys.lookup('s-002')).toBe(1);
    expect(keys.lookup('S-003')).toBeUndefined();
    expect(keys.lookup('S-0011')).toBeUndefined();
    expect(keys.lookup('XS-001')).toBeUndefined();
    expect(keys.lookup('')).toBeUndefined();
  });

  it('gives a key two students share to the first', () => {
    const keys = RosterKeys.of([['S-001'], ['s-001 ', 'S-002']]);
    expect(keys.lookup('S-001')).toBe(0);
    expect(keys.lookup('S-002')).toBe(1);
  });

  it('compares keys in any script, case-insensitively where the script has case', () => {
    const keys = RosterKeys.of([['学生-07'], ['طالب-3'], ['Ученик-5'], ['Μαθητής-9'], ['Zoë-4']]);
    expect(keys.lookup('学生-07')).toBe(0);
    expect(keys.lookup(' طالب-3 ')).toBe(1);
    expect(keys.lookup('УЧЕНИК-5')).toBe(2);
    expect(keys.lookup('ученик-5')).toBe(2);
    expect(keys.lookup('ΜΑΘΗΤΉΣ-9')).toBe(3);
    expect(keys.lookup('ZOË-4')).toBe(4);
    expect(keys.lookup('学生-7')).toBeUndefined();
    expect(keys.lookup('Zoe-4')).toBeUndefined();
  });
});

describe('CSV', () => {
  it('matches unquoted and quoted cells, trimmed and in any case, the header row too', () => {
    const csv = 'S-001,name\n  s-002 ,"S-003"\n"  s-004\t",x\n';
    expect(missing(numbered(5), 'a.csv', csv)).toEqual([4]);
  });

  it('reads commas, quotes and line breaks inside quotes as part of the cell', () => {
    const roster = [['S-001'], ['S-002'], ['S-003'], ['a,b'], ['Q"1'], ['two\nlines']];
    const csv = 'id,notes\n1,"S-001, S-002"\n2,"line\nS-003"\n3,"A,B"\n4,"q""1"\n5,"TWO\nLINES"\n';
    expect(missing(roster, 'a.csv', csv)).toEqual([0, 1, 2]);
  });

  it('reads CRLF line ends, and a last row without one', () => {
    const csv = 'id,name\r\nS-001,Ana\r\n"S-002"\r\nx,"Ben\r\nOkafor"\r\n7,S-003';
    expect(missing(numbered(4), 'a.csv', csv)).toEqual([3]);
  });

  it('skips a byte-order mark, so the first cell matches', () => {
    expect(missing(numbered(2), 'a.csv', '\uFEFFS-001,x\n')).toEqual([1]);
    expect(missing(numbered(2), 'a.csv', '\uFEFF"S-001",x\n')).toEqual([1]);
    // only at the start: elsewhere it is a character of the cell
    expect(missing(numbered(2), 'a.csv', 'S-002,\uFEFFS-001\n')).toEqual([0]);
  });

  it('keeps an escaped quote "" as one quote in the cell, not the end of it', () => {
    const roster = [['S-001'], ['S-002'], ['"S-003"']];
    const csv = 'a,b\n"S-001""",x\n""""S-003"""","S-002"\n';
    expect(missing(roster, 'a.csv', csv)).toEqual([0]);
  });

  it('matches only whole cells: a longer cell holding a key is not the key', () => {
    const long = `${'S-001 '.repeat(50)}S-001`;
    const csv = `XS-001,S-0011,S-001x,"S-001 S-002",${long},"${long}"\n S-00 2,S_003\n`;
    expect(missing(numbered(3), 'a.csv', csv)).toEqual([0, 1, 2]);
  });

  it('matches keys in any script, and a multi-byte character cut by a chunk', () => {
    const roster = [['学生-07'], ['طالب-3'], ['Ученик-5'], ['Élève-8'], ['学生-08']];
    const csv = 'id,x\n学生-07,"طالب-3"\n УЧЕНИК-5 ,ÉLÈVE-8\n学生-0８\n';
    expect(missing(roster, 'a.csv', csv)).toEqual([4]);
  });
});

describe('JSON and JSON Lines', () => {
  it('matches string values and bare numbers, not true, false or null', () => {
    const roster = [['123456'], ['-5'], ['S-001'], ['true'], ['null'], ['false'], ['1.5e3'], ['77']];
    const jsonl = '{"id":123456,"delta":-5,"ok":true,"none":null,"s":" s-001 ","f":"false","x":1.5e3,"y":770}\n';
    expect(missing(roster, 'a.jsonl', jsonl)).toEqual([3, 4, 7]);
  });

  it('does not take an object key for a value, whatever the blanks before its colon', () => {
    const roster = [['S-001'], ['S-002'], ['S-003'], ['S-004']];
    const json = '{"S-001": "x", "S-002"\n\t : {"S-003" :1}, "k": ["S-004"]}';
    expect(missing(roster, 'a.json', json)).toEqual([0, 1, 2]);
  });

  it('finds values at any depth of arrays and objects', () => {
    const json = '[{"a":[{"b":[["S-001",[[[ "S-002" ]]]]]}]},{"c":{"d":{"e":{"f":"S-003"}}}}, [[]], {}, "S-004"]';
    expect(missing(numbered(5), 'a.json', json)).toEqual([4]);
  });

  it('decodes escapes: \\", \\\\, \\u with surrogate pairs, escaped blanks', () => {
    const roster = [['S-001'], ['S-002'], ['Q"1'], ['a\\b'], ['😀-7'], ['S-005'], ['S-006'], ['S/009']];
    const json =
      '{"a":"\\u0053-001","b":"S-\\u0030\\u00302","c":"q\\"1","d":"A\\\\B","e":"\\ud83d\\ude00-7",' +
      '"f":"\\tS-005\\n","g":"S\\\\-006","h":"S\\/009","i":"\\u0053-001 and more"}';
    expect(missing(roster, 'a.json', json)).toEqual([6]);
  });

  it('reads JSON Lines record by record, pretty-printed JSON alike', () => {
    const jsonl = '{"student":"S-001","event":"login"}\r\n\n{"student":"s-002"}\n{"student":\n"S-003"}';
    expect(missing(numbered(4), 'a.ndjson', jsonl)).toEqual([3]);
    const json = '{\n  "students": [\n    {\n      "id": "S-001"\n    },\n    {\n      "id": 4\n    }\n  ]\n}\n';
    expect(missing([['S-001'], ['4'], ['id']], 'a.json', `\uFEFF${json}`)).toEqual([2]);
  });

  it('matches a bare string or number that ends the file', () => {
    expect(missing(numbered(3), 'a.jsonl', '"S-001"\n"S-002"')).toEqual([2]);
    expect(missing([['123456'], ['S-001']], 'a.jsonl', '"x"\n123456')).toEqual([1]);
  });

  it('matches only whole values', () => {
    const json = `["XS-001", "S-0011", 10012, "${'S-002 '.repeat(40)}", "S-001 S-002"]`;
    expect(missing([['S-001'], ['S-002'], ['1001']], 'a.json', json)).toEqual([0, 1, 2]);
  });

  it('matches keys in any script', () => {
    const roster = [['学生-07'], ['طالب-3'], ['Ученик-5']];
    expect(missing(roster, 'a.jsonl', '{"学生-07":"x","n":"طالب-3"}\n{"n":"\\u0423ЧЕНИК-5"}\n')).toEqual([0]);
  });
});

describe('XML', () => {
  it('matches text and attribute values in either quote, not element or attribute names', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<students>\n  <S-001 S-002="x">\n    <id>  S-003\n</id>\n' +
      '    <ref a=\'s-004\' b="S-005"/>\n  </S-001>\n</students>\n';
    expect(missing(numbered(5), 'a.xml', xml)).toEqual([0, 1]);
  });

  it('decodes entities in values', () => {
    const roster = [['a&b'], ['<S-002>'], ['S-003'], ['"Q\'4"'], ['S-005'], ['x&nbsp;y'], ['S-007']];
    const xml =
      '<r><a>A&amp;B</a><b v="&lt;S-002&gt;"/><c>&#83;-00&#x33;</c><d v=\'&quot;Q&apos;4&quot;\'/>' +
      '<e>S&#45;005</e><f>x&nbsp;y</f><g>S-007&amp;</g></r>';
    expect(missing(roster, 'a.xml', xml)).toEqual([6]);
  });

  it('does not match comments, processing instructions or declarations; reads CDATA as text', () => {
    const xml =
      '<!DOCTYPE r [ <!ENTITY e "S-001"> ]>\n<r><!-- S-002 <x>S-002</x> --><?pi x>S-003</x>?><a><![CDATA[S-004]]></a>' +
      '<b>S-<!-- a comment -->005</b><c> <![CDATA[ S-006 ]]> </c><d><![CDATA[S-00]]>7</d><e><!---->S-008<!-- - -> --></e></r>';
    expect(missing(numbered(8), 'a.xml', xml)).toEqual([0, 1, 2]);
  });

  it('ends a CDATA section at the first ]]> however many brackets come before', () => {
    const roster = [['a]b'], ['c]]'], ['d]]]'], ['e]]']];
    // the element's text goes on after the section: e]]x
    const xml = '<r><x><![CDATA[a]b]]></x><y><![CDATA[c]]]]></y><z><![CDATA[d]]]]]></z><w><![CDATA[e]]]]>x</w></r>';
    expect(missing(roster, 'a.xml', xml)).toEqual([3]);
  });

  it('matches only whole values', () => {
    const xml = `<r a="XS-001"><b>S-0011</b><c>S-001 S-002</c><d>${'S-002'.repeat(30)}</d><e><f>S-002</f>x</e></r>`;
    expect(missing(numbered(2), 'a.xml', xml)).toEqual([0]);
  });

  it('matches keys in any script, after a byte-order mark', () => {
    const roster = [['学生-07'], ['طالب-3'], ['Ученик-5'], ['学生-08']];
    const xml = '\uFEFF<r><a n="学生-07">طالب-3</a><b>УЧЕНИК-5</b><学生-08/></r>';
    expect(missing(roster, 'a.xml', xml)).toEqual([3]);
  });
});

describe('long keys', () => {
  const roster = [[`${'L'.repeat(60)}-1`], [`${'M'.repeat(100)}`], [`${'N'.repeat(70)}`]];
  const [l, m] = [roster[0]![0]!.toLowerCase(), roster[1]![0]!];

  it('finds keys longer than the bytes looked at one by one, in every format', () => {
    expect(missing(roster, 'a.csv', `${l}\n"${m}",${'N'.repeat(69)}\n`)).toEqual([2]);
    expect(missing(roster, 'a.json', `{"a":"${l}","b":["  ${m}  "],"${'N'.repeat(70)}":1}`)).toEqual([2]);
    expect(missing(roster, 'a.xml', `<r a="${l}"><b>\n  ${m}\n</b><c>${'N'.repeat(71)}</c></r>`)).toEqual([2]);
  });
});

describe('RosterMatch', () => {
  it('counts a student once however often and by however many keys it is seen, across files', () => {
    const keys = RosterKeys.of([['S-001', 'ana@example.org', '9001'], ['S-002'], ['S-003'], ['S-004']]);
    const match = scanned(keys, [
      ['a.csv', [Buffer.from('S-001,ANA@example.org,9001\nS-001,S-001,S-003\n')]],
      ['b.jsonl', [Buffer.from('{"id":9001,"mail":"ana@example.org"}\n{"id":"S-003"}\n')]],
      ['c.xml', [Buffer.from('<r id="S-001"><s>9001</s></r>')]],
    ]);
    expect(match.returned()).toBe(2);
    expect(match.missing()).toEqual([1, 3]);
  });

  it('lists the missing students exactly and in ascending order', () => {
    const roster = numbered(9);
    const csv = 'S-009\nS-002\nS-007\nS-004\n';
    const keys = RosterKeys.of(roster);
    const match = scanned(keys, [['a.csv', [Buffer.from(csv)]]]);
    expect(match.missing()).toEqual([0, 2, 4, 5, 7]);
    expect(match.returned()).toBe(4);
    const none = new RosterMatch(keys);
    expect(none.missing()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(none.returned()).toBe(0);
  });

  it('has nothing missing for an empty roster', () => {
    const match = scanned(RosterKeys.of([]), [['a.csv', [Buffer.from('S-001\n')]]]);
    expect(match.returned()).toBe(0);
    expect(match.missing()).toEqual([]);
  });
});

describe('the fast path (wasm/roster-scan.ts) against a plain reading of the same files', () => {
  /** A small generator of its own, so a failure can be replayed from its seed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
      return (state >>> 0) / 2 ** 32;
    };
  }

  // Keys short and long (past one and two blocks of sixteen bytes), in several scripts. Far more students than the
  // files name, so that most who are found are found once: a value the fast path misses changes the answer.
  const roster: Roster = Array.from({ length: 1000 }, (_, i) => [
    i % 7 === 0
      ? `Ученик-${i}`
      : i % 5 === 0
        ? `student-with-a-long-identifier-${String(i).padStart(6, '0')}`
        : `S${i}`,
    String(900_000 + i),
  ]);
  const pick = <T>(next: () => number, xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;

  /** A value as a file may hold it: a key (some of them in another case, blanks around), or something else. */
  function someValue(next: () => number): string {
    const roll = next();
    if (roll < 0.3) {
      const key = pick(next, pick(next, roster));
      const cased = next() < 0.3 ? key.toUpperCase() : key;
      const blanks = next();
      return blanks < 0.1 ? `  ${cased}` : blanks < 0.2 ? `${cased}\t` : blanks < 0.25 ? ` ${cased} ` : cased;
    }
    if (roll < 0.4) return `${pick(next, pick(next, roster))}x`; // a key's neighbour: no match
    if (roll < 0.5) return 'x'.repeat(Math.floor(next() * 40));
    return pick(next, ['', 'course-1', '2026-05-01', 'Zoë', 'naïve café', '学生', '7', '-3.5e2', 'true']);
  }

  /** The students a plain reading finds: every CSV cell, every JSON string or number that is not an object key. */
  function plainlyFound(csv: string, jsonl: string): number[] {
    const keys = RosterKeys.of(roster);
    const found = new Set<number>();
    const see = (value: string): void => {
      const student = keys.lookup(value);
      if (student !== undefined) found.add(student);
    };
    for (const record of csvRecords(csv)) record.cells.forEach(see);
    const walk = (v: unknown): void => {
      if (typeof v === 'string') see(v);
      else if (typeof v === 'number') see(String(v));
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    for (const line of jsonl.split('\n')) if (line.trim()) walk(JSON.parse(line));
    return [...found].sort((a, b) => a - b);
  }

  it.each([1, 2, 3, 4, 5])('finds exactly the students a plain reading finds (seed %i)', (seed) => {
    const next = random(seed);
    const rows: string[] = [];
    for (let r = 0; r < 300; r += 1) {
      const cells = Array.from({ length: 1 + Math.floor(next() * 6) }, () => {
        const value = someValue(next);
        return next() < 0.25 || /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
      });
      rows.push(cells.join(',') + (next() < 0.3 ? '\r\n' : '\n'));
    }
    const csv = rows.join('');
    const lines: string[] = [];
    for (let r = 0; r < 300; r += 1) {
      const record: Record<string, unknown> = {};
      for (let f = 0; f < 1 + Math.floor(next() * 5); f += 1) {
        const value = someValue(next);
        // Object keys that are student keys must not count: a value only counts as a value.
        const name = next() < 0.2 ? `${pick(next, pick(next, roster))}` : `field${f}`;
        record[name] = /^-?\d+(\.\d+)?(e\d+)?$/i.test(value) && next() < 0.5 ? Number(value) : value;
      }
      if (next() < 0.2) record.list = [someValue(next), { inner: someValue(next) }];
      lines.push(JSON.stringify(record, null, next() < 0.1 ? 1 : undefined).replace(/\n/g, next() < 0.5 ? '\n' : ' '));
    }
    const jsonl = lines.map((line) => line.replace(/\n/g, ' ')).join('\n') + '\n';
    const keys = RosterKeys.of(roster);
    const whole = scanned(keys, [
      ['a.csv', [Buffer.from(csv)]],
      ['b.jsonl', [Buffer.from(jsonl)]],
    ]);
    const expected = plainlyFound(csv, jsonl);
    expect(expected.length).toBeGreaterThan(100);
    expect(roster.map((_, i) => i).filter((i) => !whole.missing().includes(i))).toEqual(expected);
    // Chunks of every size from one byte on, so values are cut everywhere the fast path must hand over.
    for (const size of [1, 7, 16, 17, 100]) {
      const pieces = (text: string): Uint8Array[] => {
        const bytes = Buffer.from(text);
        return Array.from({ length: Math.ceil(bytes.length / size) }, (_, k) =>
          bytes.subarray(k * size, (k + 1) * size),
        );
      };
      const cut = scanned(keys, [
        ['a.csv', pieces(csv)],
        ['b.jsonl', pieces(jsonl)],
      ]);
      expect(cut.missing(), `chunks of ${size}`).toEqual(whole.missing());
    }
  });
});
