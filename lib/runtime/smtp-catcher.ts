// A development SMTP server that accepts every message and keeps it as an .eml file under
// DATA_DIR/mail, so notices sent in development can be read in the dashboard and through
// GET /mail. Used only when SMTP_URL is not set.
import { mkdirSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface SmtpCatcher {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function startSmtpCatcher(opts: {
  mailDir: string;
  port: number;
  host?: string;
}): Promise<SmtpCatcher> {
  mkdirSync(opts.mailDir, { recursive: true });
  let counter = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const name = `${Date.now()}-${process.pid}-${++counter}.eml`;
        writeFileSync(path.join(opts.mailDir, name), Buffer.concat(chunks));
        callback();
      });
    },
  });
  // Replies go out at once: with Nagle's algorithm on, each short reply waits for the client's
  // delayed ACK, which caps a pooled sender at a few dozen messages a second.
  server.server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  // Once listening, an error is one client's connection failing (a sender killed with its pooled
  // connections open resets them): that session ends, the catcher carries on. Without a listener
  // the 'error' event would end the process hosting it.
  server.removeAllListeners('error');
  server.on('error', () => undefined);
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    url: `smtp://${host}:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface CaughtMail {
  id: string;
  receivedAt: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  attachments: { filename: string | undefined; contentType: string; size: number }[];
}

/** Messages the catcher kept, newest first. */
export async function listCaughtMail(mailDir: string, limit = 100): Promise<CaughtMail[]> {
  let files: string[];
  try {
    files = readdirSync(mailDir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  files.sort((a, b) => parseInt(b, 10) - parseInt(a, 10) || b.localeCompare(a));
  const out: CaughtMail[] = [];
  for (const f of files.slice(0, limit)) {
    const parsed = await simpleParser(readFileSync(path.join(mailDir, f)));
    out.push({
      id: f.replace(/\.eml$/, ''),
      receivedAt: new Date(parseInt(f, 10)).toISOString(),
      from: parsed.from?.text ?? '',
      to: Array.isArray(parsed.to) ? parsed.to.map((t) => t.text).join(', ') : (parsed.to?.text ?? ''),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : null,
      attachments: parsed.attachments.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        size: a.size,
      })),
    });
  }
  return out;
}
