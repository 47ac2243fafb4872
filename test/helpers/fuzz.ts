// Request generators for the API fuzzing suite: arbitraries built from each route's own JSON Schema
// (the same one the OpenAPI document publishes), then bent with hostile values — wrong types, huge
// strings, negative and fractional cents, far-future dates, unicode, SQL and template injection,
// path traversal — so most requests are *almost* valid and reach deep into the handlers.
import fc from 'fast-check';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
};

export const HOSTILE_STRINGS = [
  "'; DROP TABLE account; --",
  "1' OR '1'='1",
  '{{constructor.constructor("return process")()}}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '\u0000',
  'Ω≈ç√∫˜µ≤≥÷ 田中さん 👨‍👩‍👧 \u202e',
  '=HYPERLINK("http://x")',
  ' ',
  '',
  'x'.repeat(100_000),
  '9999-12-31',
  '0000-00-00',
  '2026-02-30',
  '2999-01-01T00:00:00Z',
  'NaN',
  '-0',
  '1e309',
  '__proto__',
];

export const HOSTILE_NUMBERS = [
  -1,
  -0.5,
  0.1,
  1.005,
  2 ** 53,
  -(2 ** 53),
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  -2_147_483_649,
  2_147_483_648,
];

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom(null, true, false, [], {}, [1, 2], { a: { b: { c: 1 } } }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
);

function formatted(s: Schema): fc.Arbitrary<string> {
  switch (s.format) {
    case 'date':
      return fc.oneof(
        fc
          .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
        fc.constantFrom('2026-11-30', '9999-12-31', '1800-01-01', '2026-13-01'),
      );
    case 'date-time':
      return fc
        .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress();
    default:
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 30, 60) });
  }
}

/** An arbitrary for values that (mostly) satisfy the schema. */
export function fromSchema(s: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 4) return fc.constant(undefined);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return fc.oneof(...alts.map((a) => fromSchema(a, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const props = s.properties ?? {};
      const req = new Set(s.required ?? []);
      const rec: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) rec[k] = fromSchema(v, depth + 1);
      return fc.record(rec, { requiredKeys: Object.keys(props).filter((k) => req.has(k)) });
    }
    case 'array':
      return fc.array(fromSchema(s.items, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 3, 3),
      });
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -1000, -1e9), max: Math.min(s.maximum ?? 1e6, 1e9) });
    case 'number':
      return fc.double({
        min: Math.max(s.minimum ?? -1000, -1e9),
        max: Math.min(s.maximum ?? 1e6, 1e9),
        noNaN: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string':
      if (s.pattern) {
        try {
          return fc.oneof(fc.stringMatching(new RegExp(s.pattern)), formatted(s));
        } catch {
          return formatted(s);
        }
      }
      return formatted(s);
    default:
      return hostileValue;
  }
}

/** A (mostly) valid value with one field, or the whole thing, replaced by something hostile. */
export function hostile(s: Schema | undefined): fc.Arbitrary<unknown> {
  const base = fromSchema(s);
  const keys = Object.keys(s?.properties ?? {});
  return fc.oneof(
    { weight: 3, arbitrary: base },
    {
      weight: 5,
      arbitrary: fc
        .tuple(base, keys.length ? fc.constantFrom(...keys) : fc.constant('x'), hostileValue)
        .map(([v, k, h]) =>
          v && typeof v === 'object' && !Array.isArray(v) ? { ...(v as object), [k]: h } : h,
        ),
    },
    { weight: 1, arbitrary: hostileValue },
    {
      weight: 1,
      arbitrary: fc
        .tuple(base, fc.string({ maxLength: 8 }), hostileValue)
        .map(([v, k, h]) =>
          v && typeof v === 'object' && !Array.isArray(v) ? { ...(v as object), [`extra_${k}`]: h } : v,
        ),
    },
  );
}
