import { loadConfig } from './config';

describe('configuration', () => {
  it('read validation factors are exact decimals, checked at start-up', () => {
    expect(loadConfig({ READ_HIGH_FACTOR: '2.5', READ_LOW_FACTOR: '0.2' })).toMatchObject({
      READ_HIGH_FACTOR: '2.5',
      READ_LOW_FACTOR: '0.2',
    });
    expect(loadConfig({}).READ_HIGH_FACTOR).toBeUndefined();
    expect(() => loadConfig({ READ_HIGH_FACTOR: 'three' })).toThrow(
      /READ_HIGH_FACTOR: must be a decimal number such as 3 or 0\.25/,
    );
    expect(() => loadConfig({ READ_LOW_FACTOR: '0' })).toThrow(/READ_LOW_FACTOR: must be greater than 0/);
    expect(() => loadConfig({ READ_LOW_FACTOR: '2', READ_HIGH_FACTOR: '1.5' })).toThrow(
      /READ_LOW_FACTOR: must be below READ_HIGH_FACTOR/,
    );
  });
});
