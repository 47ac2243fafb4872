// A small incremental XML tokenizer for well-formed, DTD-free documents such as Green Button
// (NAESB ESPI) Atom feeds. No XML parser is installed (no sax, saxes or fast-xml-parser), so this
// one does only what those feeds need, and refuses the rest loudly:
//   - elements, attributes, text, CDATA, comments, processing instructions;
//   - the five predefined entities and numeric character references;
//   - DOCTYPE and ENTITY declarations are refused (entity-expansion attacks: "billion laughs",
//     external entities), as is any other "<!" declaration;
//   - well-formedness: matching tags, one root, nothing but whitespace outside it; every error
//     names the line.
// Feed it chunks with write() and finish with end(); events go to the handler as they are found,
// so memory holds one token (plus what the handler keeps).

export interface XmlAttribute {
  readonly name: string;
  readonly value: string;
}

export interface XmlHandler {
  open(name: string, attributes: readonly XmlAttribute[], line: number): void;
  close(name: string, line: number): void;
  text(text: string, line: number): void;
}

export class XmlError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super(`XML error at line ${line}: ${reason}`);
    this.name = 'XmlError';
  }
}

const NAME = /^[A-Za-z_:\u00C0-\uFFFF][A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]*$/;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Replaces entity and character references; throws XmlError for anything undeclared. */
export function decodeEntities(s: string, line: number): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s<]*)(;?)/g, (_m, ref: string, semi: string) => {
    if (semi !== ';') throw new XmlError(`"&" must start a reference such as &amp; (found "&${ref}")`, line);
    if (ref.startsWith('#')) {
      const hex = /^#x([0-9A-Fa-f]+)$/.exec(ref);
      const dec = /^#([0-9]+)$/.exec(ref);
      const code = hex ? parseInt(hex[1] ?? '', 16) : dec ? parseInt(dec[1] ?? '', 10) : NaN;
      const legal =
        code === 0x9 ||
        code === 0xa ||
        code === 0xd ||
        (code >= 0x20 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) ||
        (code >= 0x10000 && code <= 0x10ffff);
      if (!legal) throw new XmlError(`invalid character reference &${ref};`, line);
      return String.fromCodePoint(code);
    }
    if (Object.hasOwn(PREDEFINED, ref)) return PREDEFINED[ref] ?? '';
    throw new XmlError(
      `undefined entity &${ref}; (no DTD is allowed, so only &lt; &gt; &amp; &quot; &apos;)`,
      line,
    );
  });
}

const countLines = (s: string) => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

export class XmlPullTokenizer {
  private buf = '';
  private pos = 0;
  private line = 1;
  private readonly stack: { name: string; line: number }[] = [];
  private rootSeen = false;
  private ended = false;
  private consumedAny = false;

  constructor(private readonly handler: XmlHandler) {}

  write(chunk: string): void {
    if (this.ended) throw new Error('write() after end()');
    this.buf += !this.consumedAny && this.buf === '' && chunk.startsWith('\uFEFF') ? chunk.slice(1) : chunk;
    this.run(false);
    if (this.pos > 65536) {
      this.buf = this.buf.slice(this.pos);
      this.pos = 0;
    }
  }

  end(): void {
    this.run(true);
    this.ended = true;
    const open = this.stack[this.stack.length - 1];
    if (open) {
      throw new XmlError(`the document ends inside <${open.name}> opened at line ${open.line}`, this.line);
    }
    if (!this.rootSeen) throw new XmlError('no root element', this.line);
  }

  private fail(reason: string, line = this.line): never {
    throw new XmlError(reason, line);
  }

  /** Consumes the buffer up to `to` and moves the line counter over it. */
  private advance(to: number): void {
    this.line += countLines(this.buf.slice(this.pos, to));
    this.pos = to;
    this.consumedAny = true;
  }

  private run(final: boolean): void {
    const b = () => this.buf;
    while (this.pos < b().length) {
      const start = this.pos;
      const line = this.line;
      if (b()[start] !== '<') {
        const lt = b().indexOf('<', start);
        if (lt === -1 && !final) return;
        const end = lt === -1 ? b().length : lt;
        const raw = b().slice(start, end);
        this.advance(end);
        this.onText(decodeEntities(raw, line), raw, line);
        continue;
      }
      // Decide what the markup is; wait for more input when the prefix is cut off.
      const rest = b().slice(start, start + 9);
      const need = (prefix: string) => prefix.startsWith(rest) && rest.length < prefix.length && !final;
      if (need('<!--') || need('<![CDATA[') || need('<!DOCTYPE') || need('<?')) return;

      if (rest.startsWith('<?')) {
        const close = b().indexOf('?>', start + 2);
        if (close === -1) {
          if (final) this.fail('unterminated processing instruction', line);
          return;
        }
        const target = /^<\?([^\s?]+)/.exec(b().slice(start, close))?.[1] ?? '';
        if (target.toLowerCase() === 'xml' && this.consumedAny)
          this.fail('the XML declaration must come first', line);
        this.advance(close + 2);
        continue;
      }
      if (rest.startsWith('<!--')) {
        const close = b().indexOf('-->', start + 4);
        if (close === -1) {
          if (final) this.fail('unterminated comment', line);
          return;
        }
        this.advance(close + 3);
        continue;
      }
      if (rest.startsWith('<![CDATA[')) {
        const close = b().indexOf(']]>', start + 9);
        if (close === -1) {
          if (final) this.fail('unterminated CDATA section', line);
          return;
        }
        const text = b().slice(start + 9, close);
        this.advance(close + 3);
        this.onText(text, text, line);
        continue;
      }
      if (rest.startsWith('<!')) {
        const word = /^<!([A-Za-z]*)/.exec(b().slice(start, start + 12))?.[1]?.toUpperCase() ?? '';
        if (word === 'DOCTYPE' || word === 'ENTITY')
          this.fail(
            `${word} declarations are not allowed: a DTD can define entities that expand without bound ` +
              `("billion laughs") or read local files (external entities), so the document is refused`,
            line,
          );
        this.fail(`markup declaration "<!${word}" is not allowed`, line);
      }

      // A start or end tag: find its ">" outside quoted attribute values.
      let quote = '';
      let close = -1;
      for (let i = start + 1; i < b().length; i++) {
        const c = b()[i];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') {
          close = i;
          break;
        } else if (c === '<') this.fail('"<" inside a tag', this.line + countLines(b().slice(start, i)));
      }
      if (close === -1) {
        if (final) this.fail('unterminated tag', line);
        return;
      }
      const tag = b().slice(start + 1, close);
      this.advance(close + 1);
      if (tag.startsWith('/')) this.onClose(tag.slice(1).trim(), line);
      else this.onOpen(tag, line);
    }
  }

  private onText(text: string, raw: string, line: number): void {
    if (this.stack.length === 0) {
      if (raw.trim() !== '')
        this.fail(this.rootSeen ? 'text after the root element' : 'text before the root element', line);
      return;
    }
    if (text !== '') this.handler.text(text, line);
  }

  private onOpen(tag: string, line: number): void {
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^[^\s/]*/.exec(body)?.[0] ?? '';
    if (!NAME.test(name)) this.fail(`invalid element name "${name}"`, line);
    if (this.stack.length === 0 && this.rootSeen) this.fail(`a second root element <${name}>`, line);
    const attributes: XmlAttribute[] = [];
    const attrRe = /\s*([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/y;
    let i = name.length;
    const seen = new Set<string>();
    while (i < body.length) {
      if (/^\s*$/.test(body.slice(i))) break;
      if (!/^\s/.test(body.slice(i, i + 1)))
        this.fail(`attributes of <${name}> must be separated by whitespace`, line);
      attrRe.lastIndex = i;
      const m = attrRe.exec(body);
      if (!m) this.fail(`malformed attribute in <${name}>`, line);
      const attrName = m[1] ?? '';
      if (!NAME.test(attrName)) this.fail(`invalid attribute name "${attrName}" in <${name}>`, line);
      if (seen.has(attrName)) this.fail(`attribute "${attrName}" repeated in <${name}>`, line);
      seen.add(attrName);
      attributes.push({ name: attrName, value: decodeEntities(m[3] ?? m[4] ?? '', line) });
      i = attrRe.lastIndex;
    }
    this.rootSeen = true;
    this.stack.push({ name, line });
    this.handler.open(name, attributes, line);
    if (selfClosing) this.onClose(name, line);
  }

  private onClose(name: string, line: number): void {
    const top = this.stack.pop();
    if (!top) this.fail(`closing tag </${name}> with no open element`, line);
    if (top.name !== name)
      this.fail(`expected </${top.name}> (opened at line ${top.line}) but found </${name}>`, line);
    this.handler.close(name, line);
  }
}
