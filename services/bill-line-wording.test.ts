import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lineWording, type BillLabels } from './bill-render';

const labels = (language: string) =>
  JSON.parse(
    readFileSync(path.join(__dirname, '..', 'notices', 'bill', language, 'labels.json'), 'utf8'),
  ) as BillLabels;
const es = labels('es');

test.each([
  ['Base charge, 5/8" meter', 'Cargo base, medidor de 5/8"'],
  ['Base charge, 1" meter, 17 of 30 days', 'Cargo base, medidor de 1", 17 de 30 días'],
  ['Volume charge, first 3,000 gal', 'Cargo por volumen, primeros 3,000 gal'],
  ['Volume charge, next 7,000 gal (3,000–10,000)', 'Cargo por volumen, siguientes 7,000 gal (3,000–10,000)'],
  ['Volume charge, over 10,000 gal, summer rate', 'Cargo por volumen, más de 10,000 gal, tarifa de verano'],
  [
    'Volume charge, first 1,700 gal, blocks prorated 17/30 days',
    'Cargo por volumen, primeros 1,700 gal, bloques prorrateados 17/30 días',
  ],
  ['Sewer charge, use capped at 12,000 gal', 'Cargo de alcantarillado, uso limitado a 12,000 gal'],
  ['Customer charge', 'Cargo al cliente'],
  ['Energy charge, over 1,000 kWh', 'Cargo por energía, más de 1,000 kWh'],
  ['Power cost adjustment, November 2026', 'Ajuste por costo de energía, noviembre de 2026'],
  ['Municipal utility tax, 6% of $165.46', 'Impuesto municipal de servicios públicos, 6% de $165.46'],
  [
    'Credit for over-estimated use 2026-10-02..2026-11-02: Volume charge, first 3,000 gal',
    'Crédito por uso sobreestimado 2026-10-02..2026-11-02: Cargo por volumen, primeros 3,000 gal',
  ],
  [
    'Meter W1 exchanged for W2 on 2026-11-20: 3000 on W1 (100 → 400) + 3500 on W2 = 6500',
    'Medidor W1 cambiado por W2 el 2026-11-20: 3000 en W1 (100 → 400) + 3500 en W2 = 6500',
  ],
])('in Spanish, %s reads %s', (english, spanish) => {
  expect(lineWording(english, es)).toBe(spanish);
});

test('English lines are printed as the tariff words them', () => {
  const en = labels('en');
  expect(lineWording('Volume charge, over 10,000 gal, summer rate', en)).toBe(
    'Volume charge, over 10,000 gal, summer rate',
  );
});
