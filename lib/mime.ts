// Internet messages (RFC 5322 + MIME) built in one pass, for the mailer (lib/mailer.ts).
//
// A bill run sends tens of thousands of near-identical messages: text, HTML and a PDF. A general
// composer builds a tree of parts and streams each one through encoder transforms, which costs
// milliseconds of CPU per message; this builder writes the few shapes notices need straight into
// one buffer (the body encoders are a byte loop and the native base64), and the SMTP client only
// streams the result. What it writes:
//   - headers: From, To, Subject, Date, Message-ID, MIME-Version, the caller's own headers; any
//     non-ASCII text as RFC 2047 encoded words (UTF-8, base64), long lines folded at 78 columns;
//   - text only → text/plain; text + HTML → multipart/alternative; with attachments →
//     multipart/mixed around that, each attachment base64 with its filename (RFC 2231 when the
//     name is not plain ASCII);
//   - the plain-text part quoted-printable (readable in a raw .eml, safe for any line length or
//     byte); the HTML part base64, which the runtime encodes natively: quoted-printable in
//     JavaScript cost a bill's email 30 µs for its HTML alone, base64 4 µs;
//   - CRLF line ends, no line over 78 characters outside what a header value forces.
// A header value or address with a line break is refused: that is how header injection starts.
import { randomBytes, randomUUID } from 'node:crypto';
import { domainToASCII } from 'node:url';

export interface MimeAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface MimeMessage {
  /** `Name <address>` or a bare address, or a mailbox parsed once by the sender. */
  from: string | Mailbox;
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: readonly MimeAttachment[];
  /** Without angle brackets; made from a UUID and the sender's domain when absent. */
  messageId?: string;
  date?: Date;
}

export interface Mailbox {
  name: string;
  address: string;
}

const CRLF = '\r\n';
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Characters that make a display name need quoting (RFC 5322 "specials"). */
const SPECIALS = /[()<>[\]:;@\\,."]/;
const HEADER_NAME = /^[!-9;-~]+$/;
/** A plain address: something@domain, no spaces, brackets or line breaks. */
const ADDRESS = /^[^\s<>@]+@[^\s<>@]+$/;

/**
 * An address this builder cannot write. Code EENVELOPE, as the SMTP client names an address it
 * refuses: the message is refused for good, not worth retrying.
 */
export class MailAddressError extends Error {
  readonly code = 'EENVELOPE';
}

/**
 * Parses `Name <address>` or `address`; throws MailAddressError naming the problem. The local part
 * must be ASCII (a UTF-8 one needs SMTPUTF8, which not every relay offers); the domain may be
 * international.
 */
export function parseMailbox(value: string): Mailbox {
  if (/[\r\n]/.test(value))
    throw new MailAddressError(`mail address has a line break: ${JSON.stringify(value)}`);
  const m = /^\s*(.*?)\s*<([^<>]*)>\s*$/.exec(value);
  const name = m ? m[1]!.replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1') : '';
  const address = (m ? m[2]! : value).trim();
  if (!ADDRESS.test(address)) throw new MailAddressError(`not a mail address: ${JSON.stringify(value)}`);
  if (!PRINTABLE_ASCII.test(address.slice(0, address.lastIndexOf('@'))))
    throw new MailAddressError(`mail address has a non-ASCII local part: ${JSON.stringify(address)}`);
  return { name, address };
}

/** The address with its domain in ASCII (IDNA), as SMTP and a header need it. */
export function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  if (PRINTABLE_ASCII.test(domain)) return address;
  const ascii = domainToASCII(domain);
  if (!ascii) throw new MailAddressError(`mail domain cannot be written in ASCII: ${JSON.stringify(domain)}`);
  return `${address.slice(0, at + 1)}${ascii}`;
}

/** RFC 2047 encoded words (UTF-8, base64), each at most 75 characters, never splitting a character. */
function encodedWords(text: string): string[] {
  const words: string[] = [];
  // 39 bytes of UTF-8 → 52 base64 characters + 12 of framing = 64: a line with "Subject: " stays
  // within 78.
  let chunk = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > 39) {
      words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
      chunk = '';
      bytes = 0;
    }
    chunk += ch;
    bytes += n;
  }
  if (chunk) words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
  return words;
}

/**
 * One header line, folded: unstructured text as given when it is printable ASCII (folded at
 * spaces), else as encoded words, one per folded line.
 */
function header(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`mail header ${name} has a line break`);
  const pieces = PRINTABLE_ASCII.test(value) ? value.split(/(?<= )/) : encodedWords(value);
  let line = `${name}: `;
  let out = '';
  for (const piece of pieces) {
    if (line.length + piece.length > 78 && line.trim().length > name.length + 1) {
      out += `${line.replace(/ $/, '')}${CRLF}`;
      line = ' ';
    }
    line += piece;
  }
  return `${out}${line}${CRLF}`;
}

function displayName(name: string): string {
  if (!name) return '';
  if (!PRINTABLE_ASCII.test(name)) return encodedWords(name).join(' ');
  return SPECIALS.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}"` : name;
}

/** A mailbox for an address header. */
export function formatMailbox(m: Mailbox): string {
  const address = asciiAddress(m.address);
  return m.name ? `${displayName(m.name)} <${address}>` : address;
}

const HEX = '0123456789ABCDEF';

const QP_BYTE = Array.from({ length: 256 }, (_, b) => `=${HEX[b >> 4]}${HEX[b & 15]}`);
/** What quoted-printable cannot write as itself: '=', controls but tab, and everything past ASCII. */
// (A surrogate pair is matched whole; without the u flag, which makes the scan four times slower.)
const QP_UNSAFE = /[\ud800-\udbff][\udc00-\udfff]|[^\t\x20-\x3c\x3e-\x7e]/g;
const qpEscaped = new Map<string, string>();
const qpEscape = (ch: string) => {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return QP_BYTE[c]!;
  let out = qpEscaped.get(ch);
  if (out === undefined) {
    out = '';
    for (const b of Buffer.from(ch)) out += QP_BYTE[b];
    if (qpEscaped.size < 4096) qpEscaped.set(ch, out);
  }
  return out;
};

/** One line (no line break) in quoted-printable, soft-broken to at most 76 characters. */
function qpLine(line: string): string {
  let enc = line.replace(QP_UNSAFE, qpEscape);
  const last = enc.charCodeAt(enc.length - 1);
  if (last === 0x20 || last === 0x09) enc = enc.slice(0, -1) + QP_BYTE[last]!;
  if (enc.length <= 76) return enc;
  let out = '';
  let i = 0;
  while (enc.length - i > 76) {
    // 75 characters and the soft break '=', never cutting through an =XX escape.
    let cut = i + 75;
    if (enc[cut - 1] === '=') cut -= 1;
    else if (enc[cut - 2] === '=') cut -= 2;
    out += `${enc.slice(i, cut)}=${CRLF}`;
    i = cut;
  }
  return out + enc.slice(i);
}

/**
 * Quoted-printable (RFC 2045 6.7) of UTF-8 text: line breaks as CRLF, printable ASCII as itself,
 * every other byte, '=' and a space or tab ending a line as =XX, soft breaks keeping each line at
 * most 76 characters.
 */
export function quotedPrintable(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map(qpLine)
    .join(CRLF);
}

/** Base64 in lines of 76 characters. */
export function base64Lines(content: Buffer): string {
  return base64Block(content).toString('latin1');
}

/**
 * Base64 in lines of 76 characters, as bytes: copied line by line from the native encoding, never
 * through a string of 76-character pieces (which the message's final encoding would then have to
 * flatten again).
 */
function base64Block(content: Buffer): Buffer {
  const b64 = Buffer.from(content.toString('base64'), 'latin1');
  const out = Buffer.allocUnsafe(b64.length + Math.ceil(b64.length / 76) * 2);
  let o = 0;
  for (let i = 0; i < b64.length; i += 76) {
    o += b64.copy(out, o, i, Math.min(i + 76, b64.length));
    out[o++] = 0x0d;
    out[o++] = 0x0a;
  }
  return out;
}

/** A parameter value: quoted when plain ASCII, RFC 2231 percent-encoded UTF-8 otherwise. */
function parameter(name: string, value: string): string {
  if (PRINTABLE_ASCII.test(value)) return `${name}="${value.replace(/(["\\])/g, '\\$1')}"`;
  const encoded = [...Buffer.from(value)]
    .map((b) =>
      /[A-Za-z0-9!#$&+.^_`|~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${HEX[b >> 4]}${HEX[b & 15]}`,
    )
    .join('');
  return `${name}*=UTF-8''${encoded}`;
}

// Boundaries need only differ from the body and from each other, not be unpredictable: a
// per-process nonce and a counter, without drawing random bytes for every part.
const BOUNDARY_NONCE = randomBytes(8).toString('hex');
let boundaries = 0;
const newBoundary = () => `=_OpenCIS_${BOUNDARY_NONCE}_${(++boundaries).toString(36)}`;

/**
 * A piece of the message: text (ASCII by construction: headers, quoted-printable, boundaries) or
 * the bytes of a base64 body. The pieces are joined into one buffer once, at the end.
 */
type Piece = string | Buffer;

const textPart = (body: string): Piece[] => [
  `Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}${quotedPrintable(body)}`,
];

const htmlPart = (body: string): Piece[] => [
  `Content-Type: text/html; charset=utf-8${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}`,
  base64Block(Buffer.from(body)),
];

/** Parts (headers, blank line, body) inside one multipart body; the CRLF before a boundary is the boundary's. */
function multipart(subtype: 'mixed' | 'alternative', parts: readonly Piece[][]): Piece[] {
  // Quoted-printable writes '=' as =3D and base64 has no '_', so '=_' never occurs in a body.
  const boundary = newBoundary();
  const out: Piece[] = [`Content-Type: multipart/${subtype};${CRLF} boundary="${boundary}"${CRLF}${CRLF}`];
  for (const part of parts) out.push(`--${boundary}${CRLF}`, ...part, CRLF);
  out.push(`--${boundary}--${CRLF}`);
  return out;
}

function attachmentPart(a: MimeAttachment): Piece[] {
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(a.contentType))
    throw new Error(`attachment content type is not valid: ${JSON.stringify(a.contentType)}`);
  if (/[\r\n]/.test(a.filename)) throw new Error('attachment filename has a line break');
  return [
    `Content-Type: ${a.contentType};${CRLF} ${parameter('name', a.filename)}${CRLF}` +
      `Content-Transfer-Encoding: base64${CRLF}` +
      `Content-Disposition: attachment;${CRLF} ${parameter('filename', a.filename)}${CRLF}${CRLF}`,
    base64Block(a.content),
  ];
}

/** RFC 5322 date-time in UTC: 'Sat, 28 Nov 2026 08:50:00 +0000'. */
export const mailDate = (d: Date) => d.toUTCString().replace(/GMT$/, '+0000');

export interface BuiltMessage {
  raw: Buffer;
  messageId: string;
  envelope: { from: string; to: string[] };
}

/** The whole message, ready for SMTP DATA (the client adds dot-stuffing). */
export function buildMessage(msg: MimeMessage): BuiltMessage {
  const from = typeof msg.from === 'string' ? parseMailbox(msg.from) : msg.from;
  const to = parseMailbox(msg.to);
  const messageId = msg.messageId ?? `${randomUUID()}@${asciiAddress(from.address).split('@')[1]}`;
  if (!/^[^\s<>]+@[^\s<>]+$/.test(messageId)) throw new Error(`message id is not valid: ${messageId}`);
  let head =
    header('From', formatMailbox(from)) +
    header('To', formatMailbox(to)) +
    header('Subject', msg.subject) +
    header('Date', mailDate(msg.date ?? new Date())) +
    header('Message-ID', `<${messageId}>`) +
    `MIME-Version: 1.0${CRLF}`;
  for (const [name, value] of Object.entries(msg.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new Error(`mail header name is not valid: ${JSON.stringify(name)}`);
    head += header(name, value);
  }
  const text = textPart(msg.text);
  const body = msg.html ? multipart('alternative', [text, htmlPart(msg.html)]) : text;
  const attachments = msg.attachments ?? [];
  const content = attachments.length ? multipart('mixed', [body, ...attachments.map(attachmentPart)]) : body;
  return {
    raw: Buffer.concat([head, ...content].map((p) => (typeof p === 'string' ? Buffer.from(p) : p))),
    messageId,
    envelope: { from: asciiAddress(from.address), to: [asciiAddress(to.address)] },
  };
}
