// Green Button (NAESB ESPI) usage feeds: an Atom feed whose entries carry a UsagePoint (the meter;
// its entry title is the meter id), a ReadingType (uom, powerOfTenMultiplier, intervalLength) and
// IntervalBlocks of IntervalReadings (start in Unix seconds, duration, integer value). The feed is
// read with the incremental tokenizer in xml-pull.ts, one entry in memory at a time; DOCTYPE and
// ENTITY declarations are refused. Values come out as whole Wh; sums stay integers to the end.

import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { formatScaled } from '../../domain/reads/ratio';
import { XmlError, XmlPullTokenizer, type XmlAttribute } from './xml-pull';

export const ATOM_NS = 'http://www.w3.org/2005/Atom';
export const ESPI_NS = 'http://naesb.org/espi';
/** ESPI unit of measure code for watt-hours. */
export const UOM_WH = 72;
/** ESPI accumulationBehaviour deltaData: each value is the use within its interval. */
export const ACCUMULATION_DELTA = 4;
/** ESPI flowDirection forward: energy delivered to the customer. */
export const FLOW_FORWARD = 1;

export interface GreenButtonReadingType {
  /** ESPI uom code; 72 = Wh (the only one accepted). */
  readonly uom: number;
  /** Values in the feed × 10^powerOfTenMultiplier = Wh. */
  readonly powerOfTenMultiplier: number;
  /** Seconds per interval, when the ReadingType states it. */
  readonly intervalLength: number | null;
  /** 1 = forward (delivered), 19 = reverse, ...; null when absent. Only forward is accepted. */
  readonly flowDirection: number | null;
  /** 4 = deltaData (use in each interval), 1 = bulkQuantity (a register), ...; null when absent. */
  readonly accumulationBehaviour: number | null;
  readonly commodity: number | null;
}

export interface GreenButtonInterval {
  /** Unix seconds. */
  readonly start: number;
  /** Seconds. */
  readonly duration: number;
  /** Whole Wh, powerOfTenMultiplier applied. */
  readonly value: number;
}

export interface GreenButtonUsage {
  /** From the UsagePoint entry's title. */
  readonly meterId: string;
  readonly readingType: GreenButtonReadingType;
  /** Sorted by start; no two overlap. */
  readonly intervals: readonly GreenButtonInterval[];
  /** The feed's line of each interval's IntervalReading, in the same order (for a rejection). */
  readonly lines: readonly number[];
}

export class GreenButtonError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'GreenButtonError';
  }
}

/** Parses a whole feed held in a string. */
export function parseGreenButton(xml: string): GreenButtonUsage {
  const p = new FeedParser();
  p.write(xml);
  return p.end();
}

/** Streams a feed from a file path or a Readable of its bytes. */
export async function readGreenButton(source: Readable | string): Promise<GreenButtonUsage> {
  const input = typeof source === 'string' ? createReadStream(source) : source;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const p = new FeedParser();
  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      p.write(typeof chunk === 'string' ? chunk : decodeChunk(decoder, chunk, false));
    }
    p.write(decodeChunk(decoder, undefined, true));
  } finally {
    input.destroy();
  }
  return p.end();
}

function decodeChunk(decoder: TextDecoder, chunk: Buffer | undefined, last: boolean): string {
  try {
    return last ? decoder.decode() : decoder.decode(chunk, { stream: true });
  } catch {
    throw new GreenButtonError('Green Button file is not valid UTF-8', null);
  }
}

export interface PeriodTotal {
  /** Unix seconds, inclusive. */
  readonly start: number;
  /** Unix seconds, exclusive. */
  readonly end: number;
  readonly intervalCount: number;
  /** Exact total, whole Wh, as decimal text. */
  readonly wh: string;
  /** The same in kWh, exactly (three decimals). */
  readonly kwh: string;
  /** Seconds of the period covered by intervals; equal to periodSeconds when nothing is missing. */
  readonly coveredSeconds: number;
  readonly periodSeconds: number;
  readonly complete: boolean;
}

/**
 * Sums the intervals inside a billing period [start, end) (Unix seconds). An interval that
 * straddles a boundary cannot be split without inventing fractions, so it is an error.
 */
export function sumIntervals(
  intervals: readonly GreenButtonInterval[],
  period: { readonly start: number; readonly end: number },
): PeriodTotal {
  if (!Number.isSafeInteger(period.start) || !Number.isSafeInteger(period.end) || period.end <= period.start)
    throw new RangeError(`Billing period ${period.start}..${period.end} is not a range of Unix seconds`);
  let wh = 0n;
  let count = 0;
  let covered = 0;
  for (const iv of intervals) {
    const ivEnd = iv.start + iv.duration;
    if (ivEnd <= period.start || iv.start >= period.end) continue;
    if (iv.start < period.start || ivEnd > period.end)
      throw new RangeError(
        `Interval ${iv.start}+${iv.duration}s straddles the billing period boundary ${period.start}..${period.end}`,
      );
    wh += BigInt(iv.value);
    count++;
    covered += iv.duration;
  }
  const periodSeconds = period.end - period.start;
  return {
    start: period.start,
    end: period.end,
    intervalCount: count,
    wh: wh.toString(),
    kwh: formatScaled(wh, 3),
    coveredSeconds: covered,
    periodSeconds,
    complete: covered === periodSeconds,
  };
}

// ---- the feed walker ----------------------------------------------------------------------------

interface Node {
  readonly ns: string;
  readonly local: string;
  readonly line: number;
  readonly children: Node[];
  text: string;
}

interface RawReading {
  readonly start: number;
  readonly duration: number;
  readonly value: bigint;
  readonly line: number;
}

class FeedParser {
  private readonly tokenizer: XmlPullTokenizer;
  /** Namespace bindings per open element (prefix → URI; '' is the default namespace). */
  private readonly scopes: Map<string, string>[] = [
    new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]),
  ];
  private depth = 0;
  /** The entry being collected, and the open nodes inside it. */
  private entryPath: Node[] = [];
  private readonly usagePoints: { title: string; line: number }[] = [];
  private readonly readingTypes: { rt: GreenButtonReadingType; line: number }[] = [];
  private readonly readings: RawReading[] = [];

  constructor() {
    this.tokenizer = new XmlPullTokenizer({
      open: (name, attrs, line) => this.open(name, attrs, line),
      close: () => this.close(),
      text: (text) => {
        const top = this.entryPath[this.entryPath.length - 1];
        if (top) top.text += text;
      },
    });
  }

  write(chunk: string): void {
    this.guard(() => this.tokenizer.write(chunk));
  }

  end(): GreenButtonUsage {
    this.guard(() => this.tokenizer.end());
    return this.result();
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (e instanceof XmlError) throw new GreenButtonError(`Green Button file: ${e.message}`, e.line);
      throw e;
    }
  }

  private open(qname: string, attrs: readonly XmlAttribute[], line: number): void {
    const parent = this.scopes[this.scopes.length - 1] ?? new Map<string, string>();
    let scope = parent;
    for (const a of attrs) {
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) {
        if (scope === parent) scope = new Map(parent);
        scope.set(a.name === 'xmlns' ? '' : a.name.slice(6), a.value);
      }
    }
    this.scopes.push(scope);
    const colon = qname.indexOf(':');
    const prefix = colon === -1 ? '' : qname.slice(0, colon);
    const local = colon === -1 ? qname : qname.slice(colon + 1);
    const ns = scope.get(prefix);
    if (ns === undefined && prefix !== '')
      throw new GreenButtonError(
        `Green Button file: line ${line}: namespace prefix "${prefix}" is not declared`,
        line,
      );
    const node: Node = { ns: ns ?? '', local, line, children: [], text: '' };
    this.depth++;

    if (this.depth === 1) {
      if (node.ns !== ATOM_NS || node.local !== 'feed')
        throw new GreenButtonError(
          `Green Button file: line ${line}: the root element is <${qname}>, not an Atom <feed>`,
          line,
        );
      return;
    }
    const top = this.entryPath[this.entryPath.length - 1];
    if (top) {
      top.children.push(node);
      this.entryPath.push(node);
    } else if (this.depth === 2 && node.ns === ATOM_NS && node.local === 'entry') {
      this.entryPath.push(node);
    }
  }

  private close(): void {
    this.scopes.pop();
    this.depth--;
    const node = this.entryPath.pop();
    if (node && this.entryPath.length === 0) this.entry(node);
  }

  private entry(entry: Node): void {
    const title = child(entry, ATOM_NS, 'title')?.text.trim() ?? '';
    const content = child(entry, ATOM_NS, 'content');
    if (!content) return;
    for (const c of content.children) {
      if (c.ns !== ESPI_NS) continue;
      if (c.local === 'UsagePoint') this.usagePoints.push({ title, line: entry.line });
      else if (c.local === 'ReadingType') this.readingTypes.push({ rt: readingType(c), line: c.line });
      else if (c.local === 'IntervalBlock') {
        for (const r of children(c, ESPI_NS, 'IntervalReading')) this.readings.push(intervalReading(r));
      }
    }
  }

  private result(): GreenButtonUsage {
    const [up, ...moreUp] = this.usagePoints;
    if (!up) throw new GreenButtonError('Green Button file has no UsagePoint entry', null);
    if (moreUp.length > 0)
      throw new GreenButtonError(
        `Green Button file has ${this.usagePoints.length} UsagePoint entries (lines ` +
          `${this.usagePoints.map((u) => u.line).join(', ')}); only single-meter feeds are supported`,
        moreUp[0]?.line ?? null,
      );
    if (up.title === '')
      throw new GreenButtonError(
        `Green Button file: the UsagePoint entry at line ${up.line} has no title (meter id)`,
        up.line,
      );
    const [first, ...others] = this.readingTypes;
    if (!first) throw new GreenButtonError('Green Button file has no ReadingType entry', null);
    const differs = others.find((o) => JSON.stringify(o.rt) !== JSON.stringify(first.rt));
    if (differs)
      throw new GreenButtonError(
        `Green Button file has differing ReadingTypes (lines ${first.line} and ${differs.line}); only one is supported`,
        differs.line,
      );
    const rt = first.rt;
    if (rt.uom !== UOM_WH)
      throw new GreenButtonError(
        `Green Button file: ReadingType uom ${rt.uom} is not Wh (${UOM_WH})`,
        first.line,
      );
    // Intervals are summed into use, so each value must be the use within its interval (deltaData)
    // of energy delivered (forward): a register reading summed, or energy sent back to the grid
    // counted as use, would bill what was never consumed. Absent means the ESPI defaults.
    if (rt.accumulationBehaviour !== null && rt.accumulationBehaviour !== ACCUMULATION_DELTA)
      throw new GreenButtonError(
        `Green Button file: line ${first.line}: ReadingType accumulationBehaviour ${rt.accumulationBehaviour} ` +
          `is not deltaData (${ACCUMULATION_DELTA}); only the use within each interval can be imported`,
        first.line,
      );
    if (rt.flowDirection !== null && rt.flowDirection !== FLOW_FORWARD)
      throw new GreenButtonError(
        `Green Button file: line ${first.line}: ReadingType flowDirection ${rt.flowDirection} ` +
          `is not forward (${FLOW_FORWARD}); only energy delivered to the customer can be imported`,
        first.line,
      );
    const negative = this.readings.find((r) => r.value < 0n);
    if (negative)
      throw new GreenButtonError(
        `Green Button file: line ${negative.line}: value ${negative.value} is negative; ` +
          'the use within an interval is never below zero',
        negative.line,
      );

    const p = rt.powerOfTenMultiplier;
    const intervals = this.readings
      .map((r) => ({ start: r.start, duration: r.duration, value: toWh(r, p) }))
      .sort((a, b) => a.start - b.start);
    const sortedLines = this.readings.slice().sort((a, b) => a.start - b.start);
    for (let i = 1; i < intervals.length; i++) {
      const prev = intervals[i - 1];
      const cur = intervals[i];
      if (prev && cur && cur.start < prev.start + prev.duration) {
        const line = sortedLines[i]?.line ?? null;
        throw new GreenButtonError(
          `Green Button file: line ${line}: interval starting ${cur.start} overlaps the one starting ${prev.start}`,
          line,
        );
      }
    }
    return { meterId: up.title, readingType: rt, intervals, lines: sortedLines.map((r) => r.line) };
  }
}

function child(n: Node, ns: string, local: string): Node | undefined {
  return n.children.find((c) => c.ns === ns && c.local === local);
}

function children(n: Node, ns: string, local: string): Node[] {
  return n.children.filter((c) => c.ns === ns && c.local === local);
}

function integer(n: Node | undefined, what: string, parent: Node): bigint {
  if (!n)
    throw new GreenButtonError(
      `Green Button file: line ${parent.line}: <${parent.local}> has no ${what}`,
      parent.line,
    );
  const t = n.text.trim();
  if (!/^-?\d+$/.test(t))
    throw new GreenButtonError(`Green Button file: line ${n.line}: ${what} "${t}" is not an integer`, n.line);
  return BigInt(t);
}

function smallInt(v: bigint, what: string, line: number, min = Number.MIN_SAFE_INTEGER): number {
  if (v < BigInt(min) || v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new GreenButtonError(`Green Button file: line ${line}: ${what} ${v} is out of range`, line);
  return Number(v);
}

function readingType(n: Node): GreenButtonReadingType {
  const opt = (local: string) => {
    const c = child(n, ESPI_NS, local);
    return c ? smallInt(integer(c, local, n), local, c.line) : null;
  };
  const p = opt('powerOfTenMultiplier') ?? 0;
  if (p < -9 || p > 9)
    throw new GreenButtonError(
      `Green Button file: line ${n.line}: powerOfTenMultiplier ${p} is out of range`,
      n.line,
    );
  return {
    uom: smallInt(integer(child(n, ESPI_NS, 'uom'), 'uom', n), 'uom', n.line),
    powerOfTenMultiplier: p,
    intervalLength: opt('intervalLength'),
    flowDirection: opt('flowDirection'),
    accumulationBehaviour: opt('accumulationBehaviour'),
    commodity: opt('commodity'),
  };
}

function intervalReading(n: Node): RawReading {
  const tp = child(n, ESPI_NS, 'timePeriod');
  if (!tp)
    throw new GreenButtonError(
      `Green Button file: line ${n.line}: IntervalReading has no timePeriod`,
      n.line,
    );
  const start = smallInt(integer(child(tp, ESPI_NS, 'start'), 'start', tp), 'start', tp.line, 0);
  const duration = smallInt(integer(child(tp, ESPI_NS, 'duration'), 'duration', tp), 'duration', tp.line, 1);
  return { start, duration, value: integer(child(n, ESPI_NS, 'value'), 'value', n), line: n.line };
}

function toWh(r: RawReading, p: number): number {
  let wh: bigint;
  if (p >= 0) wh = r.value * 10n ** BigInt(p);
  else {
    const d = 10n ** BigInt(-p);
    if (r.value % d !== 0n)
      throw new GreenButtonError(
        `Green Button file: line ${r.line}: value ${r.value} × 10^${p} is not a whole number of Wh`,
        r.line,
      );
    wh = r.value / d;
  }
  return smallInt(wh, 'value (Wh)', r.line);
}
