import { leadNoticeRequired, renderLeadNotice, type LeadNoticeView } from './lead-notice';

const view: LeadNoticeView = {
  language: 'en',
  customerName: 'Ana <b>Ruiz</b>',
  accountId: '100240',
  serviceAddress: '12 Elm St, Millbrook, PA 16801',
  serviceLinePublic: 'LEAD',
  serviceLinePrivate: 'LEAD_STATUS_UNKNOWN',
  occasion: { kind: 'START', startDate: '2026-11-20', orderId: 'SO-1' },
};

test.each([
  ['LEAD', 'NON_LEAD', true],
  ['NON_LEAD', 'GALVANIZED_REQUIRING_REPLACEMENT', true],
  ['NON_LEAD', 'LEAD_STATUS_UNKNOWN', true],
  ['NON_LEAD', 'NON_LEAD', false],
] as const)('a line %s / %s requires the notice: %s', (pub, priv, required) => {
  expect(leadNoticeRequired({ serviceLinePublic: pub, serviceLinePrivate: priv })).toBe(required);
});

test('the notice says what each side is made of, why it matters and what to do', () => {
  const n = renderLeadNotice(view);
  expect(n.language).toBe('en');
  expect(n.subject).toBe(
    'Important information about lead and the water service line at 12 Elm St, Millbrook, PA 16801',
  );
  expect(n.text).toMatch(/utility's side \(water main to the curb stop\): lead/);
  expect(n.text).toMatch(/Your side \(curb stop to the building\): unknown \(it may be lead\)/);
  expect(n.text).toMatch(/started on November 20, 2026/);
  expect(n.text).toMatch(/Part of this service line is made of lead/);
  expect(n.text).toMatch(/We do not yet know/);
  expect(n.text).not.toMatch(/galvanized steel/);
  expect(n.text).toMatch(/NSF\/ANSI Standard 53/);
  expect(n.text).toContain('Ana <b>Ruiz</b>'); // plain text is not HTML
  expect(n.html).toContain('Ana &lt;b&gt;Ruiz&lt;/b&gt;');
  expect(n.html).not.toContain('<b>Ruiz');
  expect(n.contentHash).toMatch(/^[0-9a-f]{64}$/);
});

test('in Spanish for Spanish speakers; in English, saying so, for other languages', () => {
  const es = renderLeadNotice({ ...view, language: 'es-MX' });
  expect(es.language).toBe('es');
  expect(es.subject).toMatch(/^Información importante sobre el plomo/);
  expect(es.text).toMatch(/comenzó el 20 de noviembre de 2026/);
  expect(es.text).toMatch(/El lado de la empresa .*: plomo/);
  const vi = renderLeadNotice({ ...view, language: 'vi' });
  expect(vi.language).toBe('en');
  expect(vi.text).toMatch(/not yet available in your preferred language/);
  expect(renderLeadNotice(view).text).not.toMatch(/preferred language/);
});

test('the yearly notice says it is the notice for the year; the occupants get their own copy', () => {
  const annual = renderLeadNotice({ ...view, occasion: { kind: 'ANNUAL', year: 2027 } });
  expect(annual.subject).toBe(
    '2027 notice: lead and the water service line at 12 Elm St, Millbrook, PA 16801',
  );
  expect(annual.text).toMatch(/every year until it has been replaced or found not to be lead/);
  expect(annual.text).toMatch(/This is the notice for 2027 \(account 100240\)/);
  expect(annual.text).not.toMatch(/Welcome/);
  expect(annual.text).toMatch(/^Dear Ana <b>Ruiz<\/b>,$/m);
  const occupants = renderLeadNotice({
    ...view,
    occasion: { kind: 'ANNUAL', year: 2027 },
    recipient: 'OCCUPANT',
  });
  expect(occupants.text).toMatch(/^To the occupants of 12 Elm St, Millbrook, PA 16801:$/m);
  expect(occupants.text).not.toMatch(/Ana|100240/);
  expect(occupants.html).toContain('To the occupants of 12 Elm St');
  const es = renderLeadNotice({ ...view, language: 'es', occasion: { kind: 'ANNUAL', year: 2027 } });
  expect(es.subject).toMatch(/^Aviso de 2027: el plomo/);
  expect(es.text).toMatch(/Este es el aviso de 2027 \(cuenta 100240\)/);
  for (const n of [annual, occupants, es]) expect(n.text).toMatch(/share this notice|comparta este aviso/);
});

test('a lead or galvanized line: the owner-replacement duty and financing; an unknown one: how to find out', () => {
  const lead = renderLeadNotice({ ...view, serviceLinePrivate: 'NON_LEAD' });
  expect(lead.text).toMatch(/must replace its side as well/);
  expect(lead.text).toMatch(/grants and loans/);
  expect(lead.text).not.toMatch(/Finding out what the line is made of/);
  const unknown = renderLeadNotice({ ...view, serviceLinePublic: 'NON_LEAD' });
  expect(unknown.text).not.toMatch(/must replace its side as well/);
  expect(unknown.text).toMatch(/Finding out what the line is made of/);
  expect(unknown.html).toMatch(/Finding out what the line is made of/);
  const es = renderLeadNotice({ ...view, language: 'es' });
  expect(es.text).toMatch(/debe reemplazar también su lado/);
  expect(es.text).toMatch(/Cómo saber de qué material es la línea/);
});
