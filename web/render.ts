// Server-side pages: every web/views/*.hbs is a page, rendered inside layout.hbs (the layout picks
// the page by name with a dynamic partial, so no rendered HTML is ever passed through unescaped);
// web/views/partials/*.hbs are shared pieces. Handlebars escapes every `{{ }}`; a template that
// uses the triple-stash or `{{& }}` is refused at start, so escaping cannot be switched off by
// accident in one page.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';

const VIEWS_DIR = path.resolve(__dirname, 'views');
const UNESCAPED = /\{\{\{|\{\{~?\s*&/;

export type Render = (view: string, model: Record<string, unknown>) => string;

function templatesIn(dir: string): { name: string; source: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hbs'))
    .map((f) => {
      const source = readFileSync(path.join(dir, f), 'utf8');
      if (UNESCAPED.test(source))
        throw new Error(
          `${path.relative(process.cwd(), path.join(dir, f))}: unescaped output is not allowed`,
        );
      return { name: f.slice(0, -'.hbs'.length), source };
    });
}

export function createRenderer(): Render {
  const hbs = Handlebars.create();
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  const pages = new Set<string>();
  for (const t of templatesIn(path.join(VIEWS_DIR, 'partials'))) hbs.registerPartial(t.name, t.source);
  let layout: Handlebars.TemplateDelegate | null = null;
  for (const t of templatesIn(VIEWS_DIR)) {
    if (t.name === 'layout') layout = hbs.compile(t.source, { strict: false });
    else {
      hbs.registerPartial(`page-${t.name}`, t.source);
      pages.add(t.name);
    }
  }
  if (!layout) throw new Error('web/views/layout.hbs is missing');
  const page = layout;
  return (view, model) => {
    if (!pages.has(view)) throw new Error(`No dashboard view ${view}`);
    return page({ ...model, page: `page-${view}` });
  };
}
