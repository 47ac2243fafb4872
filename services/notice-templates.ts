// A notice's templates in one language: notices/<folder>/<language>/{subject,text,html}.hbs and
// labels.json, compiled once and kept. Subject and text are plain text (no HTML escaping); the
// HTML escapes everything it is given. Strict: a name the context lacks is an error, not a blank.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { BillLanguage } from './bill-render';

type Template = (ctx: unknown) => string;

export interface NoticeTemplates<L> {
  labels: L;
  subject: Template;
  text: Template;
  html: Template;
}

/** The templates of the notice under `notices/<folder>`, per language, compiled on first use. */
export function noticeTemplates<L>(folder: string): (language: BillLanguage) => NoticeTemplates<L> {
  const dir = path.resolve(__dirname, '..', 'notices', folder);
  const cache = new Map<BillLanguage, NoticeTemplates<L>>();
  return (language) => {
    const hit = cache.get(language);
    if (hit) return hit;
    const read = (f: string) => readFileSync(path.join(dir, language, f), 'utf8');
    const plain = (src: string) => Handlebars.create().compile(src, { noEscape: true, strict: true });
    const html = (src: string) => Handlebars.create().compile(src, { strict: true });
    const t = {
      labels: JSON.parse(read('labels.json')) as L,
      subject: plain(read('subject.hbs')),
      text: plain(read('text.hbs')),
      html: html(read('html.hbs')),
    };
    cache.set(language, t);
    return t;
  };
}
