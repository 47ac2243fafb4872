import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  COLLECTIONS_NOTICE_TYPES,
  kebab,
  noticeViewOf,
  renderCollectionsNotice,
  RIGHTS_PROFILES,
  storedNoticeView,
  type CollectionsNoticeType,
  type CollectionsNoticeView,
  type StoredNoticeView,
} from './collections-notices';

const COLLECTIONS_DIR = path.resolve(__dirname, '..', 'notices', 'collections');

function view(over: Partial<CollectionsNoticeView> = {}): CollectionsNoticeView {
  return {
    type: 'DISCONNECT_NOTICE',
    profile: 'PA',
    language: 'en',
    recipient: { role: 'CUSTOMER', name: 'Ana Díaz', address: '12 Elm St, Millbrook, PA 16801', email: null },
    account: {
      id: '100001',
      customerName: 'Ana Díaz',
      serviceAddress: '12 Elm St, Millbrook, PA 16801',
      service: 'WATER',
    },
    amounts: {
      pastDueCents: 123456n,
      totalDueCents: 131200n,
      reconnectionFeeCents: 5000n,
      reconnectionFeeAfterHoursCents: 15000n,
      depositCents: null,
    },
    itemized: [
      { kind: 'CHARGE', date: '2026-09-05', dueDate: '2026-09-25', amountCents: 61728n },
      { kind: 'CHARGE', date: '2026-10-05', dueDate: '2026-10-25', amountCents: 61728n },
    ],
    dates: {
      issuedOn: '2026-11-02',
      disconnectOnOrAfter: '2026-11-16',
      validUntil: '2027-01-01',
      payBy: null,
    },
    reasons: [
      {
        code: 'NOTICE_LEAD',
        cite: '66 Pa.C.S. §1406(b)(1)(i); 52 Pa. Code §56.91',
        days: 10,
        business: false,
        mailDays: 0,
      },
    ],
    ...over,
  };
}

/** The HTML without tags and with its entities decoded, for asserting on what a reader sees. */
const visible = (html: string) =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&middot;/g, '·')
    .replace(/&amp;/g, '&')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ');

describe('renderCollectionsNotice', () => {
  describe.each(
    COLLECTIONS_NOTICE_TYPES.flatMap((type) => (['en', 'es'] as const).map((l) => [type, l] as const)),
  )('%s in %s', (type: CollectionsNoticeType, language) => {
    const r = renderCollectionsNotice(view({ type, language }));

    it('renders a one-line subject, a text body and an HTML document in that language', () => {
      expect(r.language).toBe(language);
      expect(r.subject).not.toMatch(/\n/);
      expect(r.subject.length).toBeGreaterThan(20);
      expect(r.text).toContain('Millbrook Water & Light');
      expect(r.text).toContain('814-555-0100');
      expect(r.html).toMatch(new RegExp(`^<!DOCTYPE html>\\n<html lang="${language}">`));
      expect(r.contentHash).toMatch(/^[0-9a-f]{64}$/);
      for (const out of [r.subject, r.text, r.html]) {
        expect(out).not.toMatch(/undefined|null|\[object Object\]|\{\{|\}\}/);
      }
    });

    it('states the amount and the service address', () => {
      // A confirmation of restored service states the remaining balance, the others what is past due.
      const amount = type === 'RECONNECTION_CONFIRMATION' ? '$1,312.00' : '$1,234.56';
      expect(r.text).toContain(amount);
      expect(r.text).toContain('12 Elm St, Millbrook, PA 16801');
      expect(visible(r.html)).toContain(amount);
    });
  });

  it('words Spanish notices in Spanish, not the English text', () => {
    for (const type of COLLECTIONS_NOTICE_TYPES) {
      const en = renderCollectionsNotice(view({ type, language: 'en' }));
      const es = renderCollectionsNotice(view({ type, language: 'es' }));
      expect(es.subject).not.toBe(en.subject);
      expect(es.text).toMatch(/servicio/);
      expect(es.text).not.toMatch(/\b(the|your|will|service)\b/i);
      expect(es.html).not.toMatch(/\b(the|your|will|service)\b/i);
    }
  });

  describe('a Pennsylvania disconnection notice', () => {
    const r = renderCollectionsNotice(view());
    const html = visible(r.html);

    it('gives the reason, the itemized amounts and the total to pay', () => {
      for (const out of [r.text, html]) {
        expect(out).toMatch(/nonpayment/);
        expect(out).toContain('Bill of September 5, 2026');
        expect(out).toContain('September 25, 2026');
        expect(out).toContain('$617.28');
        expect(out).toMatch(/Past-due amount:? \$1,234\.56/);
        expect(out).toMatch(/Total account balance:? \$1,312\.00/);
      }
      expect(r.subject).toBe(
        'DISCONNECTION NOTICE: Millbrook Water & Light account 100001, pay $1,234.56 to avoid disconnection on or after November 16, 2026',
      );
    });

    it('gives the shut-off date, how long the notice is valid and the reconnection charge', () => {
      for (const out of [r.text, html]) {
        expect(out).toContain('may be disconnected on or after November 16, 2026');
        expect(out).toContain('This notice is valid until January 1, 2027');
        expect(out).toContain('$50.00 during business hours, $150.00 after hours');
      }
    });

    it('states the rights with their citations, the PUC complaint among them', () => {
      for (const out of [r.text, html]) {
        expect(out).toContain('Pennsylvania Public Utility Commission');
        expect(out).toContain('1-800-692-7380');
        expect(out).toContain('66 Pa.C.S. §1410');
        expect(out).toContain('up to 5 years at or below 150% of the federal poverty level');
        expect(out).toContain('physician or nurse practitioner');
        expect(out).toContain('52 Pa. Code §§56.111–56.114');
        expect(out).toMatch(/Assistance:/);
      }
    });

    it("prints the reasons behind the dates and the utility's phone and address", () => {
      expect(r.text).toContain(
        'Why these dates\n- Written notice at least 10 days before service may be disconnected, counted from the day this notice is mailed (66 Pa.C.S. §1406(b)(1)(i); 52 Pa. Code §56.91).',
      );
      expect(html).toContain('52 Pa. Code §56.91');
      expect(r.text).toContain('1 Municipal Plaza, Millbrook, PA 16801');
      expect(html).toContain('1 Municipal Plaza, Millbrook, PA 16801');
    });

    it('says how long the notice lasts when the rules set no end date', () => {
      const open = renderCollectionsNotice(view({ dates: { ...view().dates, validUntil: null } }));
      expect(open.text).toContain('remains in effect until the past-due amount is paid');
    });
  });

  it('refuses a disconnection or posted notice without the disconnection date', () => {
    for (const type of ['DISCONNECT_NOTICE', 'POSTED_NOTICE'] as const) {
      expect(() =>
        renderCollectionsNotice(view({ type, dates: { issuedOn: '2026-11-02', disconnectOnOrAfter: null } })),
      ).toThrow(/dates\.disconnectOnOrAfter/);
    }
  });

  it('refuses a date that is not YYYY-MM-DD', () => {
    expect(() =>
      renderCollectionsNotice(view({ dates: { ...view().dates, validUntil: '1/1/2027' } })),
    ).toThrow(/dates\.validUntil/);
  });

  it('heads a Texas electric notice "TERMINATION NOTICE", in Spanish "AVISO DE TERMINACIÓN"', () => {
    const en = renderCollectionsNotice(
      view({ profile: 'TX_ELECTRIC', account: { ...view().account, service: 'ELECTRIC' } }),
    );
    expect(en.subject.startsWith('TERMINATION NOTICE:')).toBe(true);
    expect(en.text).toContain('*** TERMINATION NOTICE ***');
    expect(en.html).toContain('<h1 style="font-size:1.5em;margin:12px 0">TERMINATION NOTICE</h1>');
    expect(en.text).toContain('Public Utility Commission of Texas');
    const es = renderCollectionsNotice(view({ profile: 'TX_ELECTRIC', language: 'es' }));
    expect(es.text).toContain('*** AVISO DE TERMINACIÓN ***');
    expect(es.html).toContain('AVISO DE TERMINACIÓN</h1>');
    // Texas water too (16 TAC §24.167(a)(1)(A)), with every reconnect fee listed (G).
    const water = renderCollectionsNotice(view({ profile: 'TX_WATER' }));
    expect(water.text).toContain('*** TERMINATION NOTICE ***');
    expect(water.text).toMatch(/Reconnection charge: \$50\.00/);
    // Other profiles keep the plain heading.
    expect(renderCollectionsNotice(view()).text).toContain('*** DISCONNECTION NOTICE ***');
  });

  describe('an occupant copy', () => {
    const occupant = (over: Partial<CollectionsNoticeView> = {}) =>
      renderCollectionsNotice(
        view({
          profile: 'CA_WATER',
          recipient: {
            role: 'OCCUPANT',
            name: 'Ana Díaz',
            address: '12 Elm St, Millbrook, PA 16801',
            email: null,
          },
          ...over,
        }),
      );

    it('is addressed to "Occupant", never to the account holder by name', () => {
      const r = occupant();
      expect(r.text).toContain('To: Occupant\n');
      expect(r.text).toContain('To the Occupant of 12 Elm St, Millbrook, PA 16801:');
      expect(r.text).not.toContain('Dear Ana');
      expect(r.html).toContain('To: Occupant<br>');
      expect(occupant({ language: 'es' }).text).toContain('Para: Ocupante\n');
    });

    it("explains that California water tenants may become customers without the landlord's arrears", () => {
      const r = occupant();
      expect(r.text).toContain('Information for tenants and other occupants');
      expect(r.text).toContain('without paying the amount the landlord owes');
      expect(r.text).toContain('§116916');
      expect(visible(r.html)).toContain('without paying the amount the landlord owes');
      expect(occupant({ language: 'es' }).text).toContain('sin pagar lo que debe el arrendador');
    });

    it("explains New York occupants' rights under HEFPA", () => {
      const r = occupant({ profile: 'NY' });
      expect(r.text).toContain(
        "Home Energy Fair Practices Act, when service to a building is in the landlord's name",
      );
      expect(r.text).toContain('1-800-342-3377');
    });

    it('is not given to the customer', () => {
      expect(renderCollectionsNotice(view({ profile: 'CA_WATER' })).text).not.toContain(
        'Information for tenants and other occupants',
      );
    });
  });

  it('addresses third-party, landlord and health-department copies by role', () => {
    const as = (role: CollectionsNoticeView['recipient']['role'], name: string) =>
      renderCollectionsNotice(view({ recipient: { role, name, address: null, email: 'x@example.com' } }))
        .text;
    expect(as('THIRD_PARTY', 'Luis Díaz')).toContain('Ana Díaz asked us to send you copies of notices');
    expect(as('LANDLORD', 'Elm Properties LLC')).toContain('you are the owner or landlord of 12 Elm St');
    expect(as('HEALTH_DEPARTMENT', 'Centre County Health Department')).toContain(
      'To the local health department:',
    );
  });

  describe('language', () => {
    it("renders Spanish for 'es-MX'", () => {
      const r = renderCollectionsNotice(view({ language: 'es-MX' }));
      expect(r.language).toBe('es');
      expect(r.text).toContain('AVISO DE DESCONEXIÓN');
      expect(r.text).toContain('16 de noviembre de 2026');
      expect(r.text).toContain('$50.00 en horario de oficina, $150.00 fuera del horario de oficina');
      expect(r.text).toContain('Comisión de Servicios Públicos de Pensilvania');
    });

    it("renders English with the fallback sentence for 'vi'", () => {
      const r = renderCollectionsNotice(view({ language: 'vi' }));
      expect(r.language).toBe('en');
      const sentence =
        'This notice is in English because we do not yet offer notices in your preferred language.';
      expect(r.text).toContain(sentence);
      expect(visible(r.html)).toContain(sentence);
    });

    it('adds no fallback sentence for English or an unstated preference', () => {
      for (const language of ['en-US', '']) {
        expect(renderCollectionsNotice(view({ language })).text).not.toContain('This notice is in English');
      }
    });
  });

  describe('content hash', () => {
    it('is the sha256 of subject, text and html, and the same for the same view', () => {
      const a = renderCollectionsNotice(view());
      const b = renderCollectionsNotice(view());
      expect(a.contentHash).toBe(b.contentHash);
      expect(a.contentHash).toBe(
        createHash('sha256').update(`${a.subject}\0${a.text}\0${a.html}\0`, 'utf8').digest('hex'),
      );
    });

    it('changes when an amount changes', () => {
      const a = renderCollectionsNotice(view());
      const b = renderCollectionsNotice(view({ amounts: { ...view().amounts, pastDueCents: 123457n } }));
      const c = renderCollectionsNotice(
        view({ amounts: { ...view().amounts, reconnectionFeeCents: 5001n } }),
      );
      expect(b.contentHash).not.toBe(a.contentHash);
      expect(c.contentHash).not.toBe(a.contentHash);
    });
  });

  describe('escaping', () => {
    const hostile = '<script>alert(1)</script> {{7*7}}';
    const injected = (type: CollectionsNoticeType, language: string) =>
      renderCollectionsNotice(
        view({
          type,
          language,
          recipient: {
            role: 'CUSTOMER',
            name: hostile,
            address: `<img src=x onerror=alert(1)>`,
            email: null,
          },
          account: {
            ...view().account,
            customerName: hostile,
            serviceAddress: `"><b>1 Elm</b> {{constructor}}`,
          },
          itemized: [{ kind: hostile, date: '2026-09-01', dueDate: '2026-09-25', amountCents: 100n }],
          reasons: [{ code: 'VALID_FOR', cite: hostile, days: 60 }],
        }),
      );

    it.each(COLLECTIONS_NOTICE_TYPES.flatMap((t) => [[t, 'en'] as const, [t, 'es'] as const]))(
      '%s (%s): escaped in HTML, literal and inert in the subject and text',
      (type, language) => {
        const r = injected(type, language);
        expect(r.html).not.toContain('<script>');
        expect(r.html).not.toContain('<img');
        expect(r.html).not.toContain('<b>1 Elm');
        expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}');
        expect(r.html).toContain('&quot;&gt;&lt;b&gt;1 Elm&lt;/b&gt; {{constructor}}');
        // Plain text is not markup: the name arrives exactly as given, never evaluated.
        expect(r.text).toContain('{{7*7}}');
        expect(r.text).toContain('"><b>1 Elm</b> {{constructor}}');
        expect(r.text).not.toMatch(/\b49\b/);
        expect(r.text).not.toContain('&lt;');
        expect(r.subject).not.toContain('&lt;');
      },
    );
  });

  describe('what the customer reads is worded in the notice language, never the engine text', () => {
    const es = renderCollectionsNotice(
      view({
        language: 'es',
        itemized: [
          { kind: 'CHARGE', date: '2026-09-05', dueDate: '2026-09-25', amountCents: 61728n },
          { kind: 'LATE_FEE', date: '2026-09-26', dueDate: '2026-10-16', amountCents: 925n },
          { kind: 'SOMETHING_NEW', date: '2026-10-01', dueDate: '2026-10-21', amountCents: 100n },
        ],
        reasons: [
          { code: 'NOTICE_LEAD', cite: '52 Pa. Code §56.91', days: 10, business: false, mailDays: 0 },
          { code: 'MAILED_WITH_BATCH', on: '2026-11-03' },
          { code: 'VALID_FOR', cite: '52 Pa. Code §56.91', days: 60 },
        ],
      }),
    );

    it('itemizes each past-due charge by kind with the date written out in the language', () => {
      expect(es.text).toContain(
        '- Factura del 5 de septiembre de 2026 (Fecha de vencimiento: 25 de septiembre de 2026)',
      );
      expect(es.text).toContain('- Recargo por pago tardío del 26 de septiembre de 2026');
      expect(es.text).toContain('- Cargo del 1 de octubre de 2026');
      expect(visible(es.html)).toContain('Factura del 5 de septiembre de 2026');
      expect(es.text).not.toMatch(/\b\d{4}-\d{2}-\d{2}\b/);
      expect(renderCollectionsNotice(view()).text).toContain(
        '- Bill of September 5, 2026 (Due date: September 25, 2026)',
      );
    });

    it('gives only the reasons that set the dates, in the language, with their citations', () => {
      expect(es.text).toContain(
        'Por qué estas fechas\n- Aviso por escrito con al menos 10 días de anticipación a la desconexión del servicio, contados desde el día en que se envía este aviso por correo (52 Pa. Code §56.91).\n- Este aviso se envía por correo el 3 de noviembre de 2026, y su plazo se cuenta desde ese día.\n- Este aviso es válido por 60 días',
      );
      expect(visible(es.html)).toContain('Este aviso se envía por correo el 3 de noviembre de 2026');
      const cw = renderCollectionsNotice(
        view({
          profile: 'CA_WATER',
          reasons: [
            {
              code: 'DAYS_PAST_DUE',
              cite: 'Cal. Health & Safety Code §116908(a)(1)(A)',
              days: 60,
              dueDate: '2026-09-25',
            },
          ],
        }),
      );
      expect(cw.text).toContain(
        '- Service may not be disconnected before a bill has been past due for 60 days; your oldest unpaid bill was due on September 25, 2026 (Cal. Health & Safety Code §116908(a)(1)(A)).',
      );
    });
  });

  describe('the reconnection charge', () => {
    const free = { ...view().amounts, reconnectionFeeCents: 0n, reconnectionFeeAfterHoursCents: 0n };

    it('with no charge says so, and never that "this charge applies"', () => {
      const en = renderCollectionsNotice(view({ profile: 'CA_WATER', amounts: free }));
      expect(en.text).toContain(
        'Reconnection charge: none. No charge applies to restore the service if it is disconnected.',
      );
      expect(en.text).not.toContain('this charge applies');
      expect(visible(en.html)).toContain('No charge applies to restore the service');
      const es = renderCollectionsNotice(view({ profile: 'CA_WATER', amounts: free, language: 'es' }));
      expect(es.text).toContain('Cargo por reconexión: ninguno. No se cobra ningún cargo');
      expect(es.text).not.toContain('este cargo se aplica');
    });

    it('California water states the income cap only as a limit on any charge', () => {
      const en = renderCollectionsNotice(view({ profile: 'CA_WATER', amounts: free }));
      expect(en.text).toContain(
        'Reconnection charge: none. By law, if your household income is below 200% of the federal poverty level, any reconnection charge is limited to $50 during business hours and $150 after hours',
      );
    });
  });

  it.each(['en', 'es'] as const)(
    'California water (%s): how to apply for more time to pay and how to have the bill reviewed and appeal (§116908)',
    (language) => {
      const r = renderCollectionsNotice(view({ profile: 'CA_WATER', language }));
      const [extension, review] =
        language === 'en'
          ? [
              'More time to pay: to apply for an extension of time to pay',
              'Bill review and appeal: if you believe your bill is wrong',
            ]
          : [
              'Más tiempo para pagar: para solicitar una prórroga',
              'Revisión y apelación de la factura: si cree que su factura es incorrecta',
            ];
      const date = language === 'en' ? 'before November 16, 2026' : 'antes del 16 de noviembre de 2026';
      for (const out of [r.text, visible(r.html)]) {
        for (const heading of [extension, review]) {
          const para = out.slice(out.indexOf(heading), out.indexOf(heading) + 700);
          expect(para).toContain(heading);
          expect(para).toContain('814-555-0100'); // how
          expect(para).toContain('Millbrook Water & Light, 1 Municipal Plaza, Millbrook, PA 16801'); // where
          expect(para).toContain(date); // by when
        }
      }
      expect(r.text).toContain(language === 'en' ? 'you may appeal by writing' : 'puede apelar por escrito');
    },
  );

  it('a view kept in the register renders the same notice again', () => {
    const v = view({ language: 'es', amounts: { ...view().amounts, depositCents: 10000n } });
    const again = noticeViewOf(JSON.parse(JSON.stringify(storedNoticeView(v))) as StoredNoticeView);
    expect(renderCollectionsNotice(again).contentHash).toBe(renderCollectionsNotice(v).contentHash);
  });

  it('falls back to the generic rights for a composed profile code', () => {
    const r = renderCollectionsNotice(view({ profile: 'SPRINGFIELD_WATER_2026' }));
    expect(r.text).toContain('the agency that regulates or governs Millbrook Water & Light');
    expect(r.text).not.toContain('§1405');
  });

  it.each([
    ['PA', 'Pennsylvania Public Utility Commission'],
    ['NY', 'New York State Public Service Commission'],
    ['CA_ENERGY', 'California Public Utilities Commission'],
    ['CA_WATER', 'State Water Resources Control Board'],
    ['TX_ELECTRIC', 'Public Utility Commission of Texas'],
    ['IL', 'Illinois Commerce Commission'],
    ['OH', 'Public Utilities Commission of Ohio'],
    ['MUNICIPAL', 'appeal in writing to the municipal authority'],
  ])('%s names where to complain: %s', (profile, regulator) => {
    expect(renderCollectionsNotice(view({ profile })).text).toContain(regulator);
  });
});

describe('notices/collections templates', () => {
  const files = (dir: string) => readdirSync(path.join(COLLECTIONS_DIR, dir)).sort();

  it('have the same parts in English and Spanish', () => {
    expect(files('es/parts')).toEqual(files('en/parts'));
  });

  it('have a rights part for every profile code, and a generic one', () => {
    for (const language of ['en', 'es']) {
      const parts = files(`${language}/parts`);
      for (const profile of RIGHTS_PROFILES) expect(parts).toContain(`rights-${kebab(profile)}.hbs`);
      expect(parts).toContain('rights-generic.hbs');
    }
  });

  it('have subject, text and HTML templates for every type in both languages', () => {
    for (const language of ['en', 'es']) {
      const present = files(language);
      for (const type of COLLECTIONS_NOTICE_TYPES) {
        for (const kind of ['subject', 'text', 'html'])
          expect(present).toContain(`${kebab(type)}.${kind}.hbs`);
      }
    }
  });

  it('never use the unescaped triple-stash', () => {
    const all = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? all(path.join(dir, e.name))
          : e.name.endsWith('.hbs')
            ? [path.join(dir, e.name)]
            : [],
      );
    const found = all(COLLECTIONS_DIR).filter((f) => /\{\{\{|\{\{&/.test(readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
  });
});
