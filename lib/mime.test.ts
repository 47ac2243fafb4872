import { simpleParser } from 'mailparser';
import { base64Lines, buildMessage, MailAddressError, mailDate, parseMailbox, quotedPrintable } from './mime';

const pdf = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256));

function lines(raw: Buffer): string[] {
  const s = raw.toString('latin1');
  expect(s.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/); // CRLF only, no bare CR or LF
  return s.split('\r\n');
}

describe('buildMessage', () => {
  it('reads back in a standard parser: headers, text, HTML and a byte-exact attachment', async () => {
    const text = `Total due: $1,234.56\nDue 2026-12-01.\n.\nA line that ends with a space \n=equals= and tabs\t\n${'=é'.repeat(60)}\n${'x'.repeat(300)}\n`;
    const html = `<p>Señor Peña — <b>$1,234.56</b></p>${'<td class="x">línea</td>'.repeat(40)}`;
    const { raw, messageId, envelope } = buildMessage({
      from: 'Millbrook Water & Light <billing@millbrook.example>',
      to: 'José Peña <jose.pena@example.org>',
      subject: 'Su factura de Millbrook Water & Light — vence el 1 de diciembre de 2026 (cuenta 100001)',
      text,
      html,
      headers: { 'X-OpenCIS-Bill': 'b-1' },
      attachments: [{ filename: 'bill-100001-2026-11-05.pdf', content: pdf, contentType: 'application/pdf' }],
      date: new Date('2026-11-05T12:00:00Z'),
    });
    expect(envelope).toEqual({ from: 'billing@millbrook.example', to: ['jose.pena@example.org'] });
    for (const l of lines(raw)) expect(l.length).toBeLessThanOrEqual(78);
    const m = await simpleParser(raw);
    expect(m.subject).toBe(
      'Su factura de Millbrook Water & Light — vence el 1 de diciembre de 2026 (cuenta 100001)',
    );
    expect(m.from?.value).toEqual([
      { name: 'Millbrook Water & Light', address: 'billing@millbrook.example' },
    ]);
    expect(m.to).toMatchObject({ value: [{ name: 'José Peña', address: 'jose.pena@example.org' }] });
    expect(m.messageId).toBe(`<${messageId}>`);
    expect(m.date?.toISOString()).toBe('2026-11-05T12:00:00.000Z');
    expect(m.headers.get('x-opencis-bill')).toBe('b-1');
    expect(m.text).toBe(text);
    expect(m.html).toBe(html);
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]!.filename).toBe('bill-100001-2026-11-05.pdf');
    expect(m.attachments[0]!.contentType).toBe('application/pdf');
    expect(Buffer.compare(m.attachments[0]!.content, pdf)).toBe(0);
  });

  it('sends text alone as a single part, and an international filename and domain correctly', async () => {
    const plain = buildMessage({ from: 'a@example.org', to: 'b@example.org', subject: 'Hi', text: 'Hello' });
    expect(plain.raw.toString()).toMatch(/Content-Type: text\/plain; charset=utf-8/);
    expect(plain.raw.toString()).not.toMatch(/multipart/);
    expect((await simpleParser(plain.raw)).text).toBe('Hello');

    const intl = buildMessage({
      from: 'a@example.org',
      to: 'b@bücher.example',
      subject: 'x',
      text: 'y',
      attachments: [{ filename: 'factura-año.pdf', content: pdf, contentType: 'application/pdf' }],
    });
    expect(intl.envelope.to).toEqual(['b@xn--bcher-kva.example']);
    expect((await simpleParser(intl.raw)).attachments[0]!.filename).toBe('factura-año.pdf');
  });

  it('refuses header injection and addresses it cannot write', () => {
    const base = { from: 'a@example.org', to: 'b@example.org', subject: 's', text: 't' };
    expect(() => buildMessage({ ...base, subject: 'x\r\nBcc: victim@example.org' })).toThrow(/line break/);
    expect(() => buildMessage({ ...base, headers: { 'X-A': 'v\nBcc: x@example.org' } })).toThrow(
      /line break/,
    );
    expect(() => buildMessage({ ...base, headers: { 'Bad Name': 'v' } })).toThrow(/header name/);
    expect(() => buildMessage({ ...base, to: 'b@example.org\r\nBcc: c@example.org' })).toThrow(
      MailAddressError,
    );
    expect(() => buildMessage({ ...base, to: 'not an address' })).toThrow(/not a mail address/);
    expect(() => buildMessage({ ...base, to: 'jos\u00e9@example.org' })).toThrow(/non-ASCII local part/);
    try {
      parseMailbox('nope');
    } catch (err) {
      expect((err as MailAddressError).code).toBe('EENVELOPE'); // refused for good: bills go to print
    }
  });
});

describe('encoders', () => {
  it('quoted-printable keeps lines within 76 characters and escapes what it must', () => {
    const qp = quotedPrintable(`${'a'.repeat(200)} \nx=y ñ\tend\t\n😀`);
    for (const l of qp.split('\r\n')) expect(l.length).toBeLessThanOrEqual(76);
    expect(qp).toContain('=20\r\n'); // a space ending a line
    expect(qp).toContain('x=3Dy =C3=B1\tend=09');
    expect(qp).toContain('=F0=9F=98=80'); // one character of four bytes
  });

  it('base64 in 76-character lines', () => {
    const b = base64Lines(pdf);
    expect(
      b
        .split('\r\n')
        .slice(0, -2)
        .every((l) => l.length === 76),
    ).toBe(true);
    expect(Buffer.from(b.replace(/\r\n/g, ''), 'base64').equals(pdf)).toBe(true);
  });

  it('dates in RFC 5322 form', () => {
    expect(mailDate(new Date('2026-11-28T08:05:09Z'))).toBe('Sat, 28 Nov 2026 08:05:09 +0000');
  });
});
