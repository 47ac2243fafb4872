// The mailer against a real SMTP listener: a built message arrives byte for byte with its
// envelope, over the pooled path (straight to nodemailer's pool) and the unpooled one (sendMail),
// and what a server refuses comes back as an error bill delivery can sort.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createMailer, type Mailer } from '../lib/mailer';
import { buildMessage, parseMailbox } from '../lib/mime';
import { classifySendError } from '../services/bill-delivery';

interface Caught {
  from: string;
  to: string[];
  raw: Buffer;
}

let server: SMTPServer;
let url: string;
const caught: Caught[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('refused@'))
        return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      if (address.address.startsWith('busy@'))
        return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        caught.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const from = 'Millbrook Water & Light <billing@millbrook.example>';
const pdf = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256));
const message = (to: string) =>
  buildMessage({
    from: parseMailbox(from),
    to,
    subject: 'Your bill',
    // A line that starts with a dot must come through SMTP's dot-stuffing unchanged.
    text: 'Total due: $12.34\n.\n..two dots\nend',
    html: '<p>Total due: <b>$12.34</b></p>',
    attachments: [{ filename: 'bill.pdf', content: pdf, contentType: 'application/pdf' }],
  });

describe.each([
  ['pooled', ''],
  ['unpooled', '?pool=false'],
])('%s', (_name, query) => {
  let mailer: Mailer;
  beforeAll(() => {
    mailer = createMailer(`${url}${query}`, from);
  });
  afterAll(() => mailer.close());

  test('delivers the built bytes with their envelope, and names the message', async () => {
    const built = message('Ana Peña <ana@example.org>');
    const before = caught.length;
    const { messageId } = await mailer.sendBuilt(built);
    expect(messageId).toBe(`<${built.messageId}>`);
    expect(caught.length).toBe(before + 1);
    const got = caught[caught.length - 1]!;
    expect(got.from).toBe('billing@millbrook.example');
    expect(got.to).toEqual(['ana@example.org']);
    // The listener hands over the message as sent, after undoing the dot-stuffing.
    expect(got.raw.equals(built.raw)).toBe(true);
  });

  test('sends many at once, each exactly once', async () => {
    const built = Array.from({ length: 60 }, (_, i) => message(`c${i}@example.org`));
    const before = caught.length;
    await Promise.all(built.map((m) => mailer.sendBuilt(m)));
    const got = caught.slice(before);
    expect(got.map((g) => g.to[0]).sort()).toEqual(built.map((b) => b.envelope.to[0]).sort());
  });

  test('a refused recipient is refused for good; a busy one is not sent', async () => {
    const refused = await mailer.sendBuilt(message('refused@example.org')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ responseCode: 550 });
    expect(classifySendError(refused)).toBe('refused');
    const busy = await mailer.sendBuilt(message('busy@example.org')).catch((e: unknown) => e);
    expect(busy).toMatchObject({ responseCode: 451 });
    expect(classifySendError(busy)).toBe('not-sent');
    // The mailer carries on after both.
    await expect(mailer.sendBuilt(message('after@example.org'))).resolves.toBeDefined();
  });
});

test('a closed mailer sends nothing and says so', async () => {
  const mailer = createMailer(url, from);
  mailer.close();
  const before = caught.length;
  const err = await mailer.sendBuilt(message('late@example.org')).catch((e: unknown) => e);
  expect(classifySendError(err)).toBe('not-sent');
  expect(caught.length).toBe(before);
});

test('a server that is not there: nothing was sent', async () => {
  const mailer = createMailer('smtp://127.0.0.1:1', from);
  const err = await mailer.sendBuilt(message('x@example.org')).catch((e: unknown) => e);
  mailer.close();
  expect(classifySendError(err)).toBe('not-sent');
});
