import { isHeatingCustomer } from './heating';

test('a heating customer heats with electric or gas and the account has that service', () => {
  expect(isHeatingCustomer('ELECTRIC', ['ELECTRIC'])).toBe(true);
  expect(isHeatingCustomer('GAS', ['GAS', 'WATER'])).toBe(true);
  // Electric and gas, heated by gas: the disconnect order is for the account, gas included.
  expect(isHeatingCustomer('GAS', ['ELECTRIC', 'GAS'])).toBe(true);
  // The heat comes from a service another utility provides, or from neither.
  expect(isHeatingCustomer('GAS', ['ELECTRIC', 'WATER'])).toBe(false);
  expect(isHeatingCustomer('OIL', ['ELECTRIC'])).toBe(false);
  expect(isHeatingCustomer(null, ['ELECTRIC', 'GAS'])).toBe(false);
});
