// Record counts of returned files, as the return package reports them against the expected counts.
import { describe, expect, it } from 'vitest';
import { RecordCounter, recordFormatOf, type RecordFormat } from '../infra/package/record-counter';

function count(format: RecordFormat, text: string | Buffer, pieces?: number[]): number {
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  const counter = new RecordCounter(format);
  if (!pieces) {
    counter.update(data);
  } else {
    let at = 0;
    for (const size of pieces) {
      counter.update(data.subarray(at, at + size));
      at += size;
    }
    counter.update(data.subarray(at));
  }
  return counter.result();
}

/** Every way of cutting `text` in two, and byte by byte: the count must never change. */
function countsAcrossSplits(format: RecordFormat, text: string): Set<number> {
  const data = Buffer.from(text);
  const results = new Set<number>();
  for (let cut = 0; cut <= data.length; cut += 1) results.add(count(format, data, [cut]));
  results.add(count(format, data, Array(data.length).fill(1)));
  return results;
}

describe('recordFormatOf', () => {
  it('knows CSV and JSON Lines by extension, whatever the case', () => {
    expect(recordFormatOf('students.csv')).toBe('csv');
    expect(recordFormatOf('STUDENTS.CSV')).toBe('csv');
    expect(recordFormatOf('export.2026-11-30.Csv')).toBe('csv');
    expect(recordFormatOf('events.jsonl')).toBe('jsonl');
    expect(recordFormatOf('events.ndjson')).toBe('jsonl');
    expect(recordFormatOf('EVENTS.NDJSON')).toBe('jsonl');
  });

  it('has no format for other files', () => {
    for (const name of [
      'report.pdf',
      'events.json',
      'students.csv.gz',
      'students.tsv',
      'csv',
      'notes.txt',
      '',
      'archive.csv.zip',
    ]) {
      expect(recordFormatOf(name), name).toBeUndefined();
    }
  });
});

describe('CSV', () => {
  it('does not count the header row', () => {
    expect(count('csv', 'id,name\n')).toBe(0);
    expect(count('csv', 'id,name')).toBe(0);
    expect(count('csv', '')).toBe(0);
    expect(count('csv', 'id,name\n1,Ana\n2,Ben\n')).toBe(2);
  });

  it('counts a last row without a newline', () => {
    expect(count('csv', 'id,name\n1,Ana\n2,Ben')).toBe(2);
  });

  it('keeps quoted newlines inside their row', () => {
    expect(count('csv', 'id,notes\n1,"two\nlines"\n2,"three\n\nlines"\n3,ok\n')).toBe(3);
    expect(count('csv', 'id,"multi\nline header"\n1,x\n')).toBe(1);
  });

  it('reads an escaped quote "" as part of the field, not the end of it', () => {
    expect(count('csv', 'id,quote\n1,"she said ""hi"""\n2,"a ""quoted\nnewline"" here"\n3,""\n')).toBe(3);
    // an open quote left by a "" miscount would swallow the rows after it
    expect(count('csv', 'id,q\n1,""""\n2,x\n3,y\n')).toBe(3);
  });

  it('counts CRLF rows once, quoted CRLF inside a row included', () => {
    expect(count('csv', 'id,name\r\n1,Ana\r\n2,"Ben\r\nOkafor"\r\n3,Chen\r\n')).toBe(3);
    expect(count('csv', 'id,name\r\n1,Ana\r\n2,Ben')).toBe(2);
  });

  it('ignores blank and whitespace-only lines, before the header too', () => {
    expect(count('csv', '\n\nid,name\n\n1,Ana\n   \n\t\n\r\n2,Ben\n\n\n')).toBe(2);
    expect(count('csv', '\n \r\n\t')).toBe(0);
  });

  it('counts a row of empty fields as a row', () => {
    expect(count('csv', 'a,b,c\n,,\n""\n')).toBe(2);
  });

  it('gives the same count wherever the chunks are cut, and fed byte by byte', () => {
    const text = 'id,notes\r\n1,"she said ""hi""\r\nthen left"\r\n\r\n2,"a,b"\n3,  \n4,"""quoted"""\n5,last';
    expect(count('csv', text)).toBe(5);
    expect(countsAcrossSplits('csv', text)).toEqual(new Set([5]));
  });

  it('counts multi-byte characters split across chunks without harm', () => {
    const text = 'nom,ville\nZoë,"Montréal\n"\n李,北京\n';
    expect(count('csv', text)).toBe(2);
    expect(countsAcrossSplits('csv', text)).toEqual(new Set([2]));
  });
});

describe('JSON Lines', () => {
  it('counts non-empty lines, with no header', () => {
    expect(count('jsonl', '{"a":1}\n{"a":2}\n')).toBe(2);
    expect(count('jsonl', '{"a":1}')).toBe(1);
    expect(count('jsonl', '')).toBe(0);
  });

  it('ignores blank and whitespace-only lines, and a missing final newline does not lose a record', () => {
    expect(count('jsonl', '\n{"a":1}\n\n  \n\t\r\n{"a":2}\r\n{"a":3}')).toBe(3);
  });

  it('does not treat quotes as CSV quoting: a stray quote does not join lines', () => {
    expect(count('jsonl', '{"text":"an odd \\" quote"}\n"\n{"b":2}\n')).toBe(3);
  });

  it('gives the same count wherever the chunks are cut', () => {
    const text = '{"event":"login","student":1001}\n\n{"event":"read","note":"a\\nb"}\r\n  {"x":1}';
    expect(countsAcrossSplits('jsonl', text)).toEqual(new Set([3]));
  });
});
