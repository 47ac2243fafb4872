import { laneRanges } from './lanes';

test('no split point is one lane over every account', () => {
  expect(laneRanges([])).toEqual([{ after: null, through: null }]);
});

test('split points make contiguous lanes that cover the whole key space', () => {
  expect(laneRanges(['100000', '200000', '300000'])).toEqual([
    { after: null, through: '100000' },
    { after: '100000', through: '200000' },
    { after: '200000', through: '300000' },
    { after: '300000', through: null },
  ]);
});

test('repeated split points (fewer accounts than lanes) make no empty lane twice', () => {
  expect(laneRanges(['100001', '100001'])).toEqual([
    { after: null, through: '100001' },
    { after: '100001', through: null },
  ]);
});

test('every account falls in exactly one lane', () => {
  const ranges = laneRanges(['100020', '100050']);
  for (let n = 100000; n < 100080; n++) {
    const id = String(n);
    const hits = ranges.filter(
      (r) => (r.after === null || id > r.after) && (r.through === null || id <= r.through),
    );
    expect(hits).toHaveLength(1);
  }
});
