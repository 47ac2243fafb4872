// One mailer, chosen by configuration: SMTP_URL when set, else the embedded SMTP catcher.
//
// Messages are built here (lib/mime.ts) and handed to nodemailer as raw bytes with their envelope:
// nodemailer's own composer costs milliseconds of CPU per message, which a bill run of tens of
// thousands of emails cannot afford; nodemailer still does what it is good at (the SMTP session,
// pooling, TLS, authentication), with a faster dot-stuffing transform (lib/smtp-dot-stuffing.ts).
import net from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import SMTPPool from 'nodemailer/lib/smtp-pool';
import { buildMessage, parseMailbox, type BuiltMessage, type Mailbox } from './mime';
import { installFastDotStuffing } from './smtp-dot-stuffing';

export interface Mailer {
  /**
   * The sender (MAIL_FROM), parsed once. A bulk sender builds its messages from it where the CPU is
   * free (the bill render threads) and hands them to `sendBuilt`.
   */
  readonly from: Mailbox;
  send(msg: {
    to: string;
    subject: string;
    text: string;
    html?: string;
    headers?: Record<string, string>;
    attachments?: { filename: string; content: Buffer; contentType: string }[];
  }): Promise<{ messageId: string }>;
  /** Sends a message `buildMessage` (lib/mime.ts) built from `from`; the id is its Message-ID. */
  sendBuilt(msg: BuiltMessage): Promise<{ messageId: string }>;
  verify(): Promise<boolean>;
  close(): void;
}

/**
 * A bill run sends tens of thousands of messages: they go over a few long-lived SMTP connections
 * instead of one connection (and handshake) each. SMTP_URL's own `pool`, `maxConnections` and
 * `maxMessages` parameters win, e.g. `smtp://relay:25?pool=false` for a relay that dislikes them.
 */
export const SMTP_POOL_DEFAULTS = { pool: 'true', maxConnections: '8', maxMessages: '500' } as const;

export function pooledSmtpUrl(smtpUrl: string): string {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    return smtpUrl; // not a URL nodemailer can pool (it reports the problem itself)
  }
  if (!/^smtps?:$/.test(url.protocol)) return smtpUrl;
  for (const [key, value] of Object.entries(SMTP_POOL_DEFAULTS))
    if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  return url.toString();
}

const CONNECT_TIMEOUT_MS = 120_000;

/**
 * A plain TCP connection to the relay with Nagle's algorithm off. SMTP is a conversation of small
 * writes (the end of DATA, the next MAIL FROM); with Nagle on, each waits for the relay's delayed
 * ACK (40 ms on Linux), which caps a pooled connection near 15 messages a second. Implicit TLS
 * (smtps, port 465) keeps nodemailer's own connect.
 */
function noDelaySocket(
  options: { host?: string; port?: number; secure?: boolean; connectionTimeout?: number },
  callback: (err: Error | null, socketOptions?: { connection: net.Socket }) => void,
): void {
  if (options.secure) return callback(null);
  const socket = net.connect({ host: options.host ?? 'localhost', port: options.port ?? 587, noDelay: true });
  const timer = setTimeout(
    () => socket.destroy(Object.assign(new Error('SMTP connection timed out'), { code: 'ETIMEDOUT' })),
    options.connectionTimeout ?? CONNECT_TIMEOUT_MS,
  );
  const failed = (err: Error) => {
    clearTimeout(timer);
    // As nodemailer tags a failed connect: nothing was sent (bill-delivery's classifySendError).
    callback(Object.assign(err, { code: 'ECONNECTION', command: 'CONN' }));
  };
  socket.once('error', failed);
  socket.once('connect', () => {
    clearTimeout(timer);
    socket.removeListener('error', failed);
    callback(null, { connection: socket });
  });
}

/**
 * What the pool's connections read of a message (a MimeNode's envelope, id, header and stream). A
 * class, so its methods are made once: the worker runs under tsx, which would name each arrow
 * function of an object literal as it is created, four per email.
 */
class PooledMessage {
  constructor(
    private readonly raw: Buffer,
    private readonly id: string,
    private readonly envelope: BuiltMessage['envelope'],
  ) {}

  getEnvelope() {
    return { from: this.envelope.from, to: [...this.envelope.to] };
  }

  messageId() {
    return this.id;
  }

  getHeader(name: string) {
    return name.toLowerCase() === 'message-id' ? this.id : undefined;
  }

  createReadStream() {
    return this.raw;
  }
}

/**
 * A built message straight to nodemailer's SMTP pool. `sendMail` would first wrap the raw bytes in
 * its message tree (MimeNode) and stream them out of it: about 60 µs of CPU per message that a
 * bill run's tens of thousands of emails gain nothing from. The pool takes a message as this
 * object (what its connections read of a MimeNode: envelope, id, header, stream) and sends the
 * bytes as they are; its errors are the ones `sendMail` reports.
 */
function sendPooled(
  pool: SMTPPool,
  raw: Buffer,
  id: string,
  envelope: BuiltMessage['envelope'],
): Promise<void> {
  const message = new PooledMessage(raw, id, envelope);
  return new Promise((resolve, reject) => {
    const queued = (
      pool as unknown as { send(mail: unknown, done: (err: Error | null) => void): boolean }
    ).send({ data: {}, message }, (err) => (err ? reject(err) : resolve()));
    // A closed pool drops the message without a word: nothing was sent.
    if (!queued)
      reject(Object.assign(new Error('the mailer is closed'), { code: 'ECONNECTION', command: 'CONN' }));
  });
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  const sender = parseMailbox(from); // a bad sender address fails here, at start, not per message
  installFastDotStuffing();
  const pooled = pooledSmtpUrl(smtpUrl);
  const transport: Transporter = /^smtp:/i.test(pooled)
    ? nodemailer.createTransport({ ...parseConnectionUrl(pooled), getSocket: noDelaySocket } as never)
    : nodemailer.createTransport(pooled);
  const pool = (transport as unknown as { transporter: unknown }).transporter;
  const sendBuilt = async ({ raw, messageId, envelope }: BuiltMessage) => {
    const id = `<${messageId}>`; // as in the Message-ID header
    if (pool instanceof SMTPPool) await sendPooled(pool, raw, id, envelope);
    // The id is already in the raw message; given here too, nodemailer does not draw a random
    // one of its own for every message.
    else await transport.sendMail({ envelope, raw, messageId: id });
    return { messageId: id };
  };
  return {
    from: sender,
    send: async (msg) => sendBuilt(buildMessage({ ...msg, from: sender })),
    sendBuilt,
    async verify() {
      return transport.verify();
    },
    close: () => transport.close(),
  };
}
