// AssemblyScript, compiled to infra/package/roster-scan-kernel.ts by `npm run build:wasm`: the fast path of the
// roster's match (infra/package/roster-matcher.ts), run on every byte of CSV and JSON returns that reach several
// GiB. It finds the values of a chunk sixteen bytes at a time (WebAssembly SIMD) and keeps for the JavaScript side
// only those that could be a key of a student not seen yet: trimmed of ASCII blanks, a length and first byte some
// key has (`shapes`), and a hash whose bucket holds an unseen student's key (`filter`); a value with a byte beyond
// ASCII is kept unhashed, for the JavaScript side to normalize. Whatever is not plain (a CSV cell with a quote
// inside, a JSON string with an escape, a value cut by the chunk's end) stops the scan at its start: the JavaScript
// side reads that one value and calls again.
//
// The memory is the JavaScript side's (imported): it writes the tables and the chunk, and reads the kept values.

/** `shapes[length * 256 + first byte]` is 1 when a value of that length starting with that byte could be a key. */
export let shapes: usize = 0;
export let maxLength: u32 = 0;
/** A bit per bucket, in 32-bit words: set while the bucket holds the hash of an unseen student's key. */
export let filter: usize = 0;
/** A hash's bucket is its top bits after a multiply: `(hash * 0x9e3779b1) >>> shift`. */
export let shift: u32 = 0;
/** The kept values, three numbers each: start, end (with NON_ASCII set for a value to normalize), FNV-1a hash. */
export let out: usize = 0;
export let outCapacity: u32 = 0;
/** How many values the last call kept. */
export let found: u32 = 0;

const NON_ASCII: u32 = 0x80000000;
const TAB: u32 = 0x09;
const LF: u8 = 0x0a;
const CR: u8 = 0x0d;
const QUOTE: u8 = 0x22;
const COMMA: u8 = 0x2c;
const DASH: u8 = 0x2d;
const COLON: u8 = 0x3a;
const BACKSLASH: u8 = 0x5c;

/** ASCII whitespace: tab, line feed, vertical tab, form feed, carriage return, space. */
function blank(b: u32): bool {
  return b == 0x20 || b - TAB < 5;
}

/** Bytes a JSON number is made of. */
function numberByte(b: u32): bool {
  return b - 0x30 < 10 || b == DASH || b == 0x2b || b == 0x2e || b == 0x45 || b == 0x65;
}

function keep(start: u32, end: u32, hash: u32): void {
  const at = out + <usize>found * 12;
  store<u32>(at, start);
  store<u32>(at, end, 4);
  store<u32>(at, hash, 8);
  found += 1;
}

/**
 * Whether bytes [start, end) are no key at a glance: no blank at either end, and a length and first byte no key has.
 * Most values are passed over by this test alone, written out where it is used (a call costs more than the test).
 */
function plainlyNoKey(base: usize, start: u32, end: u32): bool {
  if (end == start) return true;
  const first = <u32>load<u8>(base + start);
  const length = end - start;
  return (
    !blank(first) &&
    !blank(load<u8>(base + end - 1)) &&
    (length > maxLength || load<u8>(shapes + ((<usize>length) << 8) + first) == 0)
  );
}

/** Whether bytes [start, end), trimmed, have a key's length and first byte. */
function shaped(base: usize, start: u32, end: u32): bool {
  while (start < end && blank(load<u8>(base + start))) start += 1;
  while (end > start && blank(load<u8>(base + end - 1))) end -= 1;
  const length = end - start;
  return length != 0 && length <= maxLength && load<u8>(shapes + ((<usize>length) << 8) + load<u8>(base + start)) != 0;
}

/** The word with its ASCII capitals lower-cased, four bytes at once. */
function lowered(word: u32): u32 {
  const low7 = word & 0x7f7f7f7f;
  const capital = ((low7 + 0x3f3f3f3f) ^ (low7 + 0x25252525)) & ~word & 0x80808080;
  return word | (capital >>> 2);
}

/** One more word into the hash: its multiply is off the chain from one word to the next, so words go in apace. */
function mixed(hash: u32, word: u32): u32 {
  return rotl<u32>(hash, 5) + word * 0x9e3779b1;
}

/**
 * A value at bytes [start, end): kept when it could be the key of a student not seen yet. Its hash is
 * roster-matcher.ts's hashOf: four bytes at a time, lower-cased, the last group padded with zeros.
 */
function value(base: usize, start: u32, end: u32): void {
  while (start < end && blank(load<u8>(base + start))) start += 1;
  while (end > start && blank(load<u8>(base + end - 1))) end -= 1;
  const length = end - start;
  if (length == 0 || length > maxLength) return;
  if (load<u8>(shapes + ((<usize>length) << 8) + load<u8>(base + start)) == 0) return;
  let hash: u32 = 0x811c9dc5 ^ length;
  let high: u32 = 0;
  let k = start;
  for (; k + 4 <= end; k += 4) {
    const word = load<u32>(base + k);
    high |= word;
    hash = mixed(hash, lowered(word));
  }
  if (k < end) {
    // The bytes past the value are read and masked off: the piece is followed by at least 16 bytes of memory.
    const word = load<u32>(base + k) & (0xffffffff >>> ((4 - (end - k)) << 3));
    high |= word;
    hash = mixed(hash, lowered(word));
  }
  if ((high & 0x80808080) != 0) {
    keep(start, end | NON_ASCII, 0);
    return;
  }
  hash = (hash ^ (hash >>> 15)) * 0x85ebca6b;
  hash = (hash ^ (hash >>> 13)) * 0xc2b2ae35;
  hash ^= hash >>> 16;
  const bucket = (hash * 0x9e3779b1) >>> shift;
  if ((load<u32>(filter + (((<usize>bucket) >>> 5) << 2)) & (1 << (bucket & 31))) == 0) return;
  keep(start, end, hash);
}

/** Bit k set when byte k of the sixteen at `at` is a comma, a line feed or a quote. */
function delimiters(at: usize): u32 {
  const v = v128.load(at);
  return i8x16.bitmask(
    v128.or(v128.or(i8x16.eq(v, i8x16.splat(COMMA)), i8x16.eq(v, i8x16.splat(LF))), i8x16.eq(v, i8x16.splat(QUOTE))),
  );
}

/** The first byte at or after `at` that is a comma, a line feed or a quote, or n. */
function cellEnd(base: usize, at: u32, n: u32): u32 {
  while (at + 16 <= n) {
    const mask = delimiters(base + at);
    if (mask != 0) return at + ctz(mask);
    at += 16;
  }
  while (at < n) {
    const b = load<u8>(base + at);
    if (b == COMMA || b == LF || b == QUOTE) return at;
    at += 1;
  }
  return n;
}

/** The first byte at or after `at` that is `a` or `b`, or n. */
function either(base: usize, at: u32, n: u32, a: u8, b: u8): u32 {
  const va = i8x16.splat(a);
  const vb = i8x16.splat(b);
  while (at + 16 <= n) {
    const v = v128.load(base + at);
    const mask = i8x16.bitmask(v128.or(i8x16.eq(v, va), i8x16.eq(v, vb)));
    if (mask != 0) return at + ctz(mask);
    at += 16;
  }
  while (at < n) {
    const c = load<u8>(base + at);
    if (c == a || c == b) return at;
    at += 1;
  }
  return n;
}

/** The first byte at or after `at` that may begin a JSON value (a quote, a digit, a minus), or n. */
function valueStart(base: usize, at: u32, n: u32): u32 {
  const quote = i8x16.splat(QUOTE);
  const dash = i8x16.splat(DASH);
  const zero = i8x16.splat(0x30);
  const ten = i8x16.splat(10);
  while (at + 16 <= n) {
    const v = v128.load(base + at);
    const digit = i8x16.lt_u(i8x16.sub(v, zero), ten);
    const mask = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, dash)), digit));
    if (mask != 0) return at + ctz(mask);
    at += 16;
  }
  while (at < n) {
    const b = <u32>load<u8>(base + at);
    if (b == QUOTE || b == DASH || b - 0x30 < 10) return at;
    at += 1;
  }
  return n;
}

/** The first byte at or after `at` that is not part of a JSON number, or n. */
function numberEnd(base: usize, at: u32, n: u32): u32 {
  const zero = i8x16.splat(0x30);
  const ten = i8x16.splat(10);
  const dash = i8x16.splat(DASH);
  const plus = i8x16.splat(0x2b);
  const dot = i8x16.splat(0x2e);
  const e = i8x16.splat(0x65);
  const capitalBit = i8x16.splat(0x20);
  while (at + 16 <= n) {
    const v = v128.load(base + at);
    const digit = i8x16.lt_u(i8x16.sub(v, zero), ten);
    const sign = v128.or(i8x16.eq(v, dash), i8x16.eq(v, plus));
    const rest = v128.or(i8x16.eq(v, dot), i8x16.eq(v128.or(v, capitalBit), e));
    const mask = ~i8x16.bitmask(v128.or(v128.or(digit, sign), rest)) & 0xffff;
    if (mask != 0) return at + ctz(mask);
    at += 16;
  }
  while (at < n && numberByte(load<u8>(base + at))) at += 1;
  return at;
}

/**
 * CSV cells from `at` (the start of a cell) to n, read as RFC 4180 reads them when they are plain: unquoted without a
 * quote, or quoted whole with no quote inside and a comma or line break after. Returns the start of the first cell
 * that is not, or that the chunk cuts, or that found no room to be kept; n when all were read.
 */
export function csvCells(base: usize, at: u32, n: u32): u32 {
  found = 0;
  while (at < n) {
    if (found == outCapacity) return at;
    if (load<u8>(base + at) == QUOTE) {
      const close = either(base, at + 1, n, QUOTE, QUOTE);
      if (close + 1 >= n) return at;
      const after = load<u8>(base + close + 1);
      if (after == COMMA || after == LF) {
        value(base, at + 1, close);
        at = close + 2;
      } else if (after == CR && close + 2 < n && load<u8>(base + close + 2) == LF) {
        value(base, at + 1, close);
        at = close + 3;
      } else return at;
      continue;
    }
    if (at + 16 <= n) {
      // The cells that end in the sixteen bytes from here, from one look at them (most cells are short).
      let mask = delimiters(base + at);
      if (mask != 0) {
        let start = at;
        do {
          const end = at + ctz(mask);
          if (load<u8>(base + end) == QUOTE) {
            if (end != start) return start; // a quote inside a cell: read on the JavaScript side
            break; // a quoted cell: read above
          }
          if (!plainlyNoKey(base, start, end)) value(base, start, end);
          start = end + 1;
          mask &= mask - 1;
        } while (mask != 0 && found < outCapacity);
        at = start;
        continue;
      }
    }
    const end = cellEnd(base, at, n);
    if (end == n || load<u8>(base + end) == QUOTE) return at;
    if (!plainlyNoKey(base, at, end)) value(base, at, end);
    at = end + 1;
  }
  return n;
}

/** Set by jsonBlock when it stopped at a value that runs past its sixteen bytes. */
let crossing = false;
/** Set by jsonBlock when it stopped at a string with an escape. */
let escaped = false;

/**
 * The values that lie whole in the sixteen bytes from `at` (outside a string), from one look at them: most values
 * are short. Returns where it stopped: past the block, or (with `crossing`) at a value that runs past it, or (with
 * `escaped`) at a string with an escape, or where the kept values filled their room.
 */
function jsonBlock(base: usize, at: u32, n: u32): u32 {
  crossing = false;
  escaped = false;
  const v = v128.load(base + at);
  const digit = i8x16.lt_u(i8x16.sub(v, i8x16.splat(0x30)), i8x16.splat(10));
  const dash = i8x16.eq(v, i8x16.splat(DASH));
  const rest = v128.or(
    v128.or(i8x16.eq(v, i8x16.splat(0x2b)), i8x16.eq(v, i8x16.splat(0x2e))),
    i8x16.eq(v128.or(v, i8x16.splat(0x20)), i8x16.splat(0x65)),
  );
  const quotes = <u32>i8x16.bitmask(i8x16.eq(v, i8x16.splat(QUOTE)));
  const closers = quotes | i8x16.bitmask(i8x16.eq(v, i8x16.splat(BACKSLASH)));
  const starts = quotes | i8x16.bitmask(v128.or(digit, dash));
  const numeric = <u32>i8x16.bitmask(v128.or(v128.or(digit, dash), rest));
  let p: u32 = 0;
  for (;;) {
    if (found == outCapacity) {
      crossing = true;
      return at + p;
    }
    const pending = starts & (0xffff << p);
    if (pending == 0) return at + 16;
    const k = ctz(pending);
    if (((quotes >> k) & 1) == 0) {
      const ends = ~numeric & 0xffff & (0xffff << (k + 1));
      if (ends == 0) {
        crossing = true;
        return at + k;
      }
      const e = ctz(ends);
      if (!plainlyNoKey(base, at + k, at + e)) value(base, at + k, at + e);
      p = e;
      continue;
    }
    const closing = closers & 0xffff & (0xffff << (k + 1));
    if (closing == 0) {
      crossing = true;
      return at + k;
    }
    const c = ctz(closing);
    if (((quotes >> c) & 1) == 0) {
      crossing = true;
      escaped = true;
      return at + k;
    }
    const start = at + k + 1;
    const close = at + c;
    if (plainlyNoKey(base, start, close) || !shaped(base, start, close)) {
      p = c + 1;
      continue;
    }
    let next = close + 1;
    while (next < n && blank(load<u8>(base + next))) next += 1;
    if (next == n) {
      crossing = true;
      return at + k;
    }
    if (load<u8>(base + next) != COLON) value(base, start, close);
    if (next >= at + 16) return next;
    p = next - at;
  }
  return at + 16; // not reached: the loop returns
}

/**
 * JSON strings and numbers from `at` (outside a string) to n; a string followed by a colon is an object's key, not
 * a value. Returns the start of the first value that has an escape, that the chunk cuts (or whose colon it may
 * cut), or that found no room to be kept; n when all were read.
 */
export function jsonValues(base: usize, at: u32, n: u32): u32 {
  found = 0;
  while (at < n) {
    if (found == outCapacity) return at;
    if (at + 16 <= n) {
      at = jsonBlock(base, at, n);
      if (at >= n || !crossing) continue;
      if (found == outCapacity || escaped) return at;
    }
    at = valueStart(base, at, n);
    if (at == n) return n;
    if (load<u8>(base + at) != QUOTE) {
      const end = numberEnd(base, at + 1, n);
      if (end == n) return at;
      if (!plainlyNoKey(base, at, end)) value(base, at, end);
      at = end;
      continue;
    }
    const close = either(base, at + 1, n, QUOTE, BACKSLASH);
    if (close == n || load<u8>(base + close) == BACKSLASH) return at;
    if (plainlyNoKey(base, at + 1, close) || !shaped(base, at + 1, close)) {
      at = close + 1;
      continue;
    }
    let next = close + 1;
    while (next < n && blank(load<u8>(base + next))) next += 1;
    if (next == n) return at;
    if (load<u8>(base + next) != COLON) value(base, at + 1, close);
    at = next;
  }
  return n;
}
