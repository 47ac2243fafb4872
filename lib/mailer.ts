// One mailer, chosen by configuration: SMTP_URL when set, else the embedded SMTP catcher.
import nodemailer, { type Transporter } from 'nodemailer';

export interface Mailer {
  send(msg: {
    to: string;
    subject: string;
    text: string;
    html?: string;
    headers?: Record<string, string>;
    attachments?: { filename: string; content: Buffer; contentType: string }[];
  }): Promise<{ messageId: string }>;
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

export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport: Transporter = nodemailer.createTransport(pooledSmtpUrl(smtpUrl));
  return {
    async send(msg) {
      // Quoted-printable for every text part: left to itself nodemailer scans each body with two
      // global regular expressions to choose between QP and base64, a cost per message that a
      // bill run pays tens of thousands of times. Our bodies are mostly Latin text either way.
      const info = await transport.sendMail({ from, textEncoding: 'quoted-printable', ...msg });
      return { messageId: String(info.messageId) };
    },
    async verify() {
      return transport.verify();
    },
    close: () => transport.close(),
  };
}
