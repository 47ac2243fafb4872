import { Readable } from 'node:stream';
import { GreenButtonError, parseGreenButton, readGreenButton, sumIntervals } from './green-button';
import { XmlError, XmlPullTokenizer } from './xml-pull';

const reading = (start: number, value: string | number, duration = 3600) =>
  `<espi:IntervalReading><espi:timePeriod><espi:duration>${duration}</espi:duration>` +
  `<espi:start>${start}</espi:start></espi:timePeriod><espi:value>${value}</espi:value></espi:IntervalReading>`;

function feed(
  opts: {
    p?: number;
    uom?: number;
    /** More ReadingType elements (ESPI order is not checked). */
    readingType?: string;
    title?: string;
    readings?: string;
    extraEntries?: string;
    prolog?: string;
  } = {},
) {
  return `${opts.prolog ?? '<?xml version="1.0" encoding="UTF-8"?>\n'}<feed xmlns="http://www.w3.org/2005/Atom" xmlns:espi="http://naesb.org/espi">
  <title>test &amp; feed</title>
  <entry>
    <title>${opts.title ?? 'E1'}</title>
    <content><espi:UsagePoint><espi:ServiceCategory><espi:kind>0</espi:kind></espi:ServiceCategory></espi:UsagePoint></content>
  </entry>
  <entry>
    <title>Hourly Wh</title>
    <content><espi:ReadingType><espi:intervalLength>3600</espi:intervalLength><espi:powerOfTenMultiplier>${opts.p ?? 0}</espi:powerOfTenMultiplier><espi:uom>${opts.uom ?? 72}</espi:uom>${opts.readingType ?? ''}</espi:ReadingType></content>
  </entry>${opts.extraEntries ?? ''}
  <entry>
    <title/>
    <content><espi:IntervalBlock><espi:interval><espi:duration>7200</espi:duration><espi:start>1000</espi:start></espi:interval>${
      opts.readings ?? reading(1000, 170) + reading(4600, 194)
    }</espi:IntervalBlock></content>
  </entry>
</feed>
`;
}

const errorOf = (f: () => unknown): GreenButtonError => {
  try {
    f();
  } catch (e) {
    if (e instanceof GreenButtonError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('parseGreenButton', () => {
  it('reads the meter, the reading type and the intervals', () => {
    expect(parseGreenButton(feed())).toEqual({
      meterId: 'E1',
      readingType: {
        uom: 72,
        powerOfTenMultiplier: 0,
        intervalLength: 3600,
        flowDirection: null,
        accumulationBehaviour: null,
        commodity: null,
      },
      intervals: [
        { start: 1000, duration: 3600, value: 170 },
        { start: 4600, duration: 3600, value: 194 },
      ],
      lines: [14, 14],
    });
  });

  it.each([
    [3, '2', 2000],
    [-3, '5000', 5],
    [0, '12', 12],
    [0, '0', 0],
  ])('applies powerOfTenMultiplier %i to %s → %i Wh', (p, raw, wh) => {
    expect(parseGreenButton(feed({ p, readings: reading(1000, raw) })).intervals).toEqual([
      { start: 1000, duration: 3600, value: wh },
    ]);
  });

  it('accepts a ReadingType stating deltaData and forward flow', () => {
    const rt =
      '<espi:accumulationBehaviour>4</espi:accumulationBehaviour><espi:flowDirection>1</espi:flowDirection>';
    expect(parseGreenButton(feed({ readingType: rt })).readingType).toMatchObject({
      accumulationBehaviour: 4,
      flowDirection: 1,
    });
  });

  it('accepts other prefixes and a default ESPI namespace, comments, CDATA and a BOM', () => {
    const xml =
      '\uFEFF<?xml version="1.0"?><!-- hi --><a:feed xmlns:a="http://www.w3.org/2005/Atom">' +
      '<a:entry><a:title><![CDATA[E7]]></a:title><a:content><UsagePoint xmlns="http://naesb.org/espi"/></a:content></a:entry>' +
      '<a:entry><a:content><ReadingType xmlns="http://naesb.org/espi"><uom>72</uom></ReadingType></a:content></a:entry>' +
      '<a:entry><a:content><IntervalBlock xmlns="http://naesb.org/espi"><IntervalReading><timePeriod>' +
      "<duration>900</duration><start>60</start></timePeriod><value attr='x&gt;y'> 42 </value></IntervalReading></IntervalBlock></a:content></a:entry></a:feed>";
    expect(parseGreenButton(xml)).toMatchObject({
      meterId: 'E7',
      readingType: { uom: 72, powerOfTenMultiplier: 0, intervalLength: null },
      intervals: [{ start: 60, duration: 900, value: 42 }],
    });
  });

  const refusals: [string, string, RegExp][] = [
    [
      'a DOCTYPE',
      feed({ prolog: '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY a "aaaa">]>\n' }),
      /XML error at line 2: DOCTYPE declarations are not allowed/,
    ],
    [
      'an ENTITY declaration',
      feed({ prolog: '<!ENTITY a "x">\n' }),
      /line 1: ENTITY declarations are not allowed/,
    ],
    ['an undefined entity', feed({ title: 'E&lol;' }), /line 5: undefined entity &lol;/],
    ['a bare ampersand', feed({ title: 'E & F' }), /line 5: "&" must start a reference/],
    [
      'a mismatched end tag',
      feed().replace(
        '</content>\n  </entry>\n  <entry>\n    <title>Hourly',
        '</contents>\n  </entry>\n  <entry>\n    <title>Hourly',
      ),
      /line 6: expected <\/content> \(opened at line 6\) but found <\/contents>/,
    ],
    [
      'a truncated document',
      feed().slice(0, -20),
      /line 14: the document ends inside <entry> opened at line 12/,
    ],
    ['text after the root', `${feed()}junk`, /text after the root element/],
    [
      'an undeclared prefix',
      feed().replace('<title>E1</title>', '<x:title>E1</x:title>'),
      /line 5: namespace prefix "x" is not declared/,
    ],
    ['a non-integer value', feed({ readings: reading(1000, '1.5') }), /value "1\.5" is not an integer/],
    [
      'a fractional Wh after the multiplier',
      feed({ p: -3, readings: reading(1000, '1500') }),
      /1500 × 10\^-3 is not a whole number of Wh/,
    ],
    ['a unit other than Wh', feed({ uom: 38 }), /uom 38 is not Wh \(72\)/],
    [
      'a register reading (accumulationBehaviour bulkQuantity)',
      feed({ readingType: '<espi:accumulationBehaviour>1</espi:accumulationBehaviour>' }),
      /line 10: ReadingType accumulationBehaviour 1 is not deltaData \(4\)/,
    ],
    [
      'energy sent back to the grid (flowDirection reverse)',
      feed({ readingType: '<espi:flowDirection>19</espi:flowDirection>' }),
      /line 10: ReadingType flowDirection 19 is not forward \(1\)/,
    ],
    ['a negative value', feed({ readings: reading(1000, '-12') }), /line 14: value -12 is negative/],
    ['no meter id', feed({ title: ' ' }), /UsagePoint entry at line 4 has no title/],
    [
      'overlapping intervals',
      feed({ readings: reading(1000, 1) + reading(2000, 2) }),
      /interval starting 2000 overlaps the one starting 1000/,
    ],
    [
      'two meters',
      feed({ extraEntries: '<entry><title>E2</title><content><espi:UsagePoint/></content></entry>' }),
      /2 UsagePoint entries.*only single-meter feeds/,
    ],
    ['not Atom', '<rss><channel/></rss>', /root element is <rss>, not an Atom <feed>/],
  ];
  it.each(refusals)('refuses %s, with the line', (_name, xml, message) => {
    const e = errorOf(() => parseGreenButton(xml));
    expect(e.message).toMatch(message);
  });

  it('names the line of broken markup', () => {
    const xml = feed().replace('<espi:uom>72</espi:uom>', '<espi:uom>72</espi:uom');
    const e = errorOf(() => parseGreenButton(xml));
    expect(e).toMatchObject({ line: 10 });
    expect(e.message).toMatch(/^Green Button file: XML error at line 10: "<" inside a tag/);
  });
});

describe('readGreenButton', () => {
  it('streams any chunking to the same result, multi-byte characters split across chunks too', async () => {
    const xml = feed({ title: 'É1—ü' });
    const bytes = Buffer.from(xml, 'utf8');
    for (const size of [1, 2, 3, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      await expect(readGreenButton(Readable.from(chunks))).resolves.toEqual(parseGreenButton(xml));
    }
  });

  it('refuses bytes that are not UTF-8', async () => {
    await expect(readGreenButton(Readable.from([Buffer.from([0x3c, 0xff, 0xfe])]))).rejects.toThrow(
      /not valid UTF-8/,
    );
  });
});

describe('sumIntervals', () => {
  const intervals = [
    { start: 0, duration: 3600, value: 1500 },
    { start: 3600, duration: 3600, value: 250 },
    { start: 7200, duration: 3600, value: 1 },
  ];
  it.each([
    [{ start: 0, end: 10800 }, 3, '1751', '1.751', true],
    [{ start: 3600, end: 7200 }, 1, '250', '0.250', true],
    [{ start: 0, end: 14400 }, 3, '1751', '1.751', false],
    [{ start: 20000, end: 30000 }, 0, '0', '0.000', false],
  ])('%o', (period, count, wh, kwh, complete) => {
    expect(sumIntervals(intervals, period)).toMatchObject({ intervalCount: count, wh, kwh, complete });
  });

  it('refuses to split an interval at a period boundary', () => {
    expect(() => sumIntervals(intervals, { start: 1800, end: 7200 })).toThrow(/straddles/);
  });

  it('stays exact past 2^53 Wh', () => {
    const big = [
      { start: 0, duration: 1, value: Number.MAX_SAFE_INTEGER },
      { start: 1, duration: 1, value: Number.MAX_SAFE_INTEGER },
    ];
    expect(sumIntervals(big, { start: 0, end: 2 }).wh).toBe('18014398509481982');
  });
});

describe('XmlPullTokenizer', () => {
  it('reports elements, attributes and decoded text as they arrive', () => {
    const events: string[] = [];
    const t = new XmlPullTokenizer({
      open: (n, a, line) =>
        events.push(`open ${n} ${a.map((x) => `${x.name}=${x.value}`).join(' ')} @${line}`),
      close: (n) => events.push(`close ${n}`),
      text: (s) => events.push(`text ${JSON.stringify(s)}`),
    });
    for (const c of ['<r a="1 > 0" b=\'&#x41;&#66;\'>x &lt; y', '\n<e/></r>']) t.write(c);
    t.end();
    expect(events).toEqual(['open r a=1 > 0 b=AB @1', 'text "x < y\\n"', 'open e  @2', 'close e', 'close r']);
  });

  it.each([
    ['<r a="1" a="2"/>', /attribute "a" repeated/],
    ['<r/><s/>', /a second root element/],
    ['</r>', /closing tag <\/r> with no open element/],
    ['<r>&#0;</r>', /invalid character reference/],
    ['', /no root element/],
    ['<r><?xml version="1.0"?></r>', /XML declaration must come first/],
  ])('refuses %j', (xml, message) => {
    const t = new XmlPullTokenizer({ open: () => undefined, close: () => undefined, text: () => undefined });
    expect(() => {
      t.write(xml);
      t.end();
    }).toThrow(XmlError);
    const t2 = new XmlPullTokenizer({ open: () => undefined, close: () => undefined, text: () => undefined });
    expect(() => {
      t2.write(xml);
      t2.end();
    }).toThrow(message);
  });
});
