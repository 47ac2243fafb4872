// Collections notices as the customer (or a copy's recipient) reads them: a reminder, the written
// disconnection notice, the 48-hour posted notice, an arrangement default and a reconnection
// confirmation, each rendered as an email (subject, plain text, HTML) from the Handlebars templates
// under notices/collections/<language>/ (see notices/collections/README.md for what each gets).
//
// The caller brings everything the notice states: amounts in integer cents, ISO dates already
// decided by the policy engine, the reasons behind those dates (as data: domain/collections/
// notice-dates.ts) and the past-due items (ledger kind and date). Nothing here decides a date or a
// right; the wording — of each jurisdiction's rights (parts/rights-<profile>.hbs), of the reasons
// (parts/date-reasons.hbs) and of the items (labels.json) — lives in the templates, in the notice's
// language, so a lawyer can review it without reading code. The engine's own English texts never
// reach a notice.
//
// The rules of the bill renderer (services/bill-render.ts) hold here unchanged, and its helpers are
// reused: money by string arithmetic on cents (`moneyText`), language choice (`billLanguage`: en or
// es, anything else gets English with a sentence saying so), dates written out per language
// (`dateText`), the utility's name, address and phone (`utilityInfo`). Escaping: HTML templates are
// compiled with Handlebars' escaping on and use no triple-stash; subjects, plain-text bodies and the
// wording parts are plain text, compiled with `noEscape`, and reach the HTML only as data through an
// escaping `{{...}}`. Data is never compiled, so `{{7*7}}` in a name stays text.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { invalid } from '../lib/errors';
import type { NoticeDateReason } from '../domain/collections/notice-dates';
import { billLanguage, dateText, moneyText, oneLine, utilityInfo, type BillLanguage } from './bill-render';

export type CollectionsNoticeType =
  | 'REMINDER'
  | 'DISCONNECT_NOTICE'
  | 'POSTED_NOTICE'
  | 'DEFAULT_NOTICE'
  | 'RECONNECTION_CONFIRMATION';

export const COLLECTIONS_NOTICE_TYPES: readonly CollectionsNoticeType[] = [
  'REMINDER',
  'DISCONNECT_NOTICE',
  'POSTED_NOTICE',
  'DEFAULT_NOTICE',
  'RECONNECTION_CONFIRMATION',
];

export type NoticeRecipientRole = 'CUSTOMER' | 'THIRD_PARTY' | 'LANDLORD' | 'OCCUPANT' | 'HEALTH_DEPARTMENT';

export interface CollectionsNoticeView {
  type: CollectionsNoticeType;
  /** A policy profile code ('PA', 'CA_WATER', ...); any other code gets the generic rights text. */
  profile: string;
  /** The recipient's language preference (BCP 47). */
  language: string;
  /** An OCCUPANT copy is addressed to "Occupant" whatever `name` says. */
  recipient: { role: NoticeRecipientRole; name: string; address: string | null; email: string | null };
  /** `service`: 'WATER' | 'SEWER' | 'ELECTRIC' | 'GAS' is written out in the language; anything else as given. */
  account: { id: string; customerName: string; serviceAddress: string; service: string };
  amounts: {
    pastDueCents: bigint;
    totalDueCents: bigint;
    /** The reconnection charge during business hours (or the only one). */
    reconnectionFeeCents: bigint;
    reconnectionFeeAfterHoursCents?: bigint | null;
    depositCents?: bigint | null;
  };
  /**
   * The past-due bills and charges: the ledger kind ('CHARGE', 'LATE_FEE', ...) and the date it
   * carries (a bill's date), worded per language from labels.json (`items`).
   */
  itemized: NoticeItem[];
  /** YYYY-MM-DD. A disconnection or posted notice needs `disconnectOnOrAfter`. */
  dates: {
    issuedOn: string;
    disconnectOnOrAfter?: string | null;
    validUntil?: string | null;
    payBy?: string | null;
  };
  /** The reasons that set the dates, worded by parts/date-reasons.hbs under "Why these dates". */
  reasons: NoticeDateReason[];
}

export interface NoticeItem {
  kind: string;
  /** YYYY-MM-DD: the bill's date, or the day the charge was posted. */
  date: string;
  dueDate: string;
  amountCents: bigint;
}

export interface RenderedCollectionsNotice {
  subject: string;
  text: string;
  html: string;
  /** The language rendered. */
  language: BillLanguage;
  /** sha256 (hex) of subject, text and html, each followed by a NUL byte: what was sent, for the record. */
  contentHash: string;
}

/** Profiles with rights wording of their own (parts/rights-<profile-kebab>.hbs). */
export const RIGHTS_PROFILES = [
  'PA',
  'NY',
  'CA_ENERGY',
  'CA_WATER',
  'TX_ELECTRIC',
  'IL',
  'OH',
  'MUNICIPAL',
] as const;

/** 'CA_WATER' → 'ca-water': the file name part of a profile's or a type's templates. */
export function kebab(code: string): string {
  return code.toLowerCase().replace(/_/g, '-');
}

// Texas heads the written notice "termination notice" (16 TAC §25.483; §24.167 for water).
const TERMINATION_HEADING_PROFILES: ReadonlySet<string> = new Set(['TX_ELECTRIC', 'TX_WATER']);

// Dates without which a notice would not say what the rules require it to say.
const REQUIRED_DATES: Record<CollectionsNoticeType, readonly (keyof CollectionsNoticeView['dates'])[]> = {
  REMINDER: [],
  DISCONNECT_NOTICE: ['disconnectOnOrAfter'],
  POSTED_NOTICE: ['disconnectOnOrAfter'],
  DEFAULT_NOTICE: [],
  RECONNECTION_CONFIRMATION: [],
};

// ---- templates ---------------------------------------------------------------------------------

const COLLECTIONS_DIR = path.resolve(__dirname, '..', 'notices', 'collections');

interface NoticeLabels {
  headings: Record<CollectionsNoticeType, string>;
  /** A past-due item by ledger kind, with `{date}`; `itemOther` for any other kind. */
  items: Record<string, string>;
  itemOther: string;
  terminationHeading: string;
  occupantName: string;
  months: string[];
  dateFormat: string;
  services: Record<string, string>;
}

type Template = Handlebars.TemplateDelegate;
interface LanguageTemplates {
  labels: NoticeLabels;
  types: Record<CollectionsNoticeType, { subject: Template; text: Template; html: Template }>;
  /** parts/*.hbs by file name without the extension ('rights-pa', 'how-to-pay'). */
  parts: Map<string, Template>;
  languageFallback: Template | null;
}

const read = (...p: string[]) => readFileSync(path.join(COLLECTIONS_DIR, ...p), 'utf8');

const templates = new Map<BillLanguage, LanguageTemplates>();
function templatesFor(language: BillLanguage): LanguageTemplates {
  const cached = templates.get(language);
  if (cached) return cached;
  // Plain text: no HTML escaping. HTML: escaping on. Both strict, so a misspelt field is an error.
  const textEnv = Handlebars.create();
  const htmlEnv = Handlebars.create();
  const plain = (src: string) => textEnv.compile(src, { noEscape: true, strict: true });
  const html = (src: string) => htmlEnv.compile(src, { strict: true });
  // shared/<name>.text.hbs and shared/<name>.html.hbs are the layout partials ({{> name}}); their
  // words come from labels.json and the parts, so one layout serves every language.
  for (const file of readdirSync(path.join(COLLECTIONS_DIR, 'shared'))) {
    const m = /^(.+)\.(text|html)\.hbs$/.exec(file);
    if (!m?.[1]) continue;
    const src = read('shared', file);
    if (m[2] === 'text') textEnv.registerPartial(m[1], plain(src));
    else htmlEnv.registerPartial(m[1], html(src));
  }
  const parts = new Map<string, Template>();
  for (const file of readdirSync(path.join(COLLECTIONS_DIR, language, 'parts'))) {
    if (file.endsWith('.hbs')) parts.set(file.slice(0, -'.hbs'.length), plain(read(language, 'parts', file)));
  }
  const types = {} as LanguageTemplates['types'];
  for (const type of COLLECTIONS_NOTICE_TYPES) {
    const base = kebab(type);
    types[type] = {
      subject: plain(read(language, `${base}.subject.hbs`)),
      text: plain(read(language, `${base}.text.hbs`)),
      html: html(read(language, `${base}.html.hbs`)),
    };
  }
  // Only the fallback language (English) needs the sentence saying a notice is not in the
  // recipient's language.
  const fallbackFile = path.join(COLLECTIONS_DIR, language, 'language-fallback.hbs');
  const languageFallback = existsSync(fallbackFile) ? plain(readFileSync(fallbackFile, 'utf8')) : null;
  const t: LanguageTemplates = {
    labels: JSON.parse(read(language, 'labels.json')) as NoticeLabels,
    types,
    parts,
    languageFallback,
  };
  templates.set(language, t);
  return t;
}

function part(t: LanguageTemplates, name: string): Template {
  const p = t.parts.get(name);
  if (!p) throw new Error(`notices/collections: missing part ${name}.hbs`);
  return p;
}

/** The profile's own part (`<prefix>-<profile>.hbs`) or, for any other profile, `<prefix>-generic.hbs`. */
function profilePart(t: LanguageTemplates, prefix: string, profile: string): Template {
  return t.parts.get(`${prefix}-${kebab(profile)}`) ?? part(t, `${prefix}-generic`);
}

/** A part with one item per line, as a list of trimmed lines. */
const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

// ---- the view as the templates see it ----------------------------------------------------------

function isoDate(field: string, value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value))
    throw invalid(field, `${field} must be YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return value;
}

function noticeContext(view: CollectionsNoticeView, language: BillLanguage, t: LanguageTemplates) {
  const labels = t.labels;
  const when = (field: string, iso: string | null | undefined) =>
    iso == null || iso === '' ? null : dateText(isoDate(field, iso), labels);
  for (const d of REQUIRED_DATES[view.type]) {
    if (!view.dates[d]) throw invalid(`dates.${d}`, `a ${view.type} needs dates.${d}`);
  }
  const a = view.amounts;
  const afterHours = a.reconnectionFeeAfterHoursCents ?? null;
  const role = view.recipient.role;
  const primary = view.language.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  const service = view.account.service;
  return {
    type: view.type,
    profile: view.profile,
    language,
    preferredLanguage: view.language,
    // An unstated preference is not a language we failed to offer.
    languageFallback: primary !== '' && primary !== language,
    recipient: {
      role,
      name: role === 'OCCUPANT' ? labels.occupantName : view.recipient.name,
      address: view.recipient.address ?? null,
      email: view.recipient.email ?? null,
    },
    is: {
      customer: role === 'CUSTOMER',
      thirdParty: role === 'THIRD_PARTY',
      landlord: role === 'LANDLORD',
      occupant: role === 'OCCUPANT',
      healthDepartment: role === 'HEALTH_DEPARTMENT',
    },
    account: {
      id: view.account.id,
      customerName: view.account.customerName,
      serviceAddress: view.account.serviceAddress,
      service,
      serviceText: labels.services[service.toUpperCase()] ?? service,
    },
    amounts: {
      pastDueText: moneyText(a.pastDueCents),
      totalDueText: moneyText(a.totalDueCents),
      reconnectionFeeText: moneyText(a.reconnectionFeeCents),
      reconnectionFeeAfterHoursText: afterHours === null ? null : moneyText(afterHours),
      reconnectionFeeFree: a.reconnectionFeeCents === 0n && (afterHours ?? 0n) === 0n,
      depositText: a.depositCents == null || a.depositCents === 0n ? null : moneyText(a.depositCents),
    },
    itemized: view.itemized.map((i, n) => ({
      label: (Object.hasOwn(labels.items, i.kind) ? labels.items[i.kind]! : labels.itemOther).replace(
        '{date}',
        dateText(isoDate(`itemized[${n}].date`, i.date), labels),
      ),
      dueDate: i.dueDate,
      dueDateText: dateText(isoDate(`itemized[${n}].dueDate`, i.dueDate), labels),
      amountText: moneyText(i.amountCents),
    })),
    dates: {
      issuedOn: view.dates.issuedOn,
      issuedOnText: dateText(isoDate('dates.issuedOn', view.dates.issuedOn), labels),
      disconnectOnOrAfterText: when('dates.disconnectOnOrAfter', view.dates.disconnectOnOrAfter),
      validUntilText: when('dates.validUntil', view.dates.validUntil),
      payByText: when('dates.payBy', view.dates.payBy),
    },
    reasons: lines(
      part(
        t,
        'date-reasons',
      )({
        // Every field on every reason: the parts are compiled strict.
        reasons: view.reasons.map((r) => ({
          lead: r.code === 'NOTICE_LEAD',
          pastDue: r.code === 'DAYS_PAST_DUE',
          mailed: r.code === 'MAILED_WITH_BATCH',
          validFor: r.code === 'VALID_FOR',
          days: 'days' in r ? r.days : null,
          business: r.code === 'NOTICE_LEAD' && r.business,
          mailDays: r.code === 'NOTICE_LEAD' ? r.mailDays : 0,
          dueDateText:
            r.code === 'DAYS_PAST_DUE' ? dateText(isoDate('reasons.dueDate', r.dueDate), labels) : null,
          onText: r.code === 'MAILED_WITH_BATCH' ? dateText(isoDate('reasons.on', r.on), labels) : null,
          cite: 'cite' in r ? r.cite : null,
        })),
      }),
    ),
    utility: utilityInfo(),
    t: labels,
  };
}

type NoticeContext = ReturnType<typeof noticeContext>;

/** The wording in the notice's language, rendered as plain text from the parts. */
function noticeNotes(view: CollectionsNoticeView, ctx: NoticeContext, t: LanguageTemplates) {
  const heading =
    view.type === 'DISCONNECT_NOTICE' && TERMINATION_HEADING_PROFILES.has(view.profile)
      ? t.labels.terminationHeading
      : t.labels.headings[view.type];
  // The reconnection charge first: the rights texts quote it.
  const reconnectionCharge = oneLine(part(t, 'reconnection-charge')(ctx));
  const withCharge = { ...ctx, notes: { reconnectionCharge } };
  return {
    heading,
    reconnectionCharge,
    languageFallback: ctx.languageFallback && t.languageFallback ? oneLine(t.languageFallback(ctx)) : null,
    addressee: lines(part(t, 'addressee')(withCharge)),
    rights: lines(profilePart(t, 'rights', view.profile)(withCharge)),
    occupantRights: ctx.is.occupant ? lines(profilePart(t, 'occupant', view.profile)(withCharge)) : null,
    howToPay: lines(part(t, 'how-to-pay')(withCharge)),
    contact: oneLine(part(t, 'contact')(withCharge)),
  };
}

/** A collections notice as an email: subject, plain text and HTML, in the recipient's language. */
export function renderCollectionsNotice(view: CollectionsNoticeView): RenderedCollectionsNotice {
  if (!COLLECTIONS_NOTICE_TYPES.includes(view.type)) {
    throw invalid('type', `unknown notice type ${JSON.stringify(view.type)}`);
  }
  const language = billLanguage(view.language);
  const t = templatesFor(language);
  const ctx = noticeContext(view, language, t);
  const context = { ...ctx, notes: noticeNotes(view, ctx, t) };
  const tpl = t.types[view.type];
  const subject = oneLine(tpl.subject(context));
  const text = tpl.text(context).replace(/\n{3,}/g, '\n\n');
  const html = tpl.html(context);
  const contentHash = createHash('sha256').update(`${subject}\0${text}\0${html}\0`, 'utf8').digest('hex');
  return { subject, text, html, language, contentHash };
}

// ---- the view on record ------------------------------------------------------------------------

/** A view as the notice register keeps it: JSON, cents as decimal strings. */
export type StoredNoticeView = Omit<CollectionsNoticeView, 'amounts' | 'itemized'> & {
  amounts: Record<keyof CollectionsNoticeView['amounts'], string | null>;
  itemized: (Omit<NoticeItem, 'amountCents'> & { amountCents: string })[];
};

/**
 * The view a notice was rendered from, for its register row: a letter whose dates move before it
 * is printed (services/notice-print.ts) is rendered again from it, word for word but the dates.
 */
export function storedNoticeView(view: CollectionsNoticeView): StoredNoticeView {
  const a = view.amounts;
  const cents = (c: bigint | null | undefined) => (c == null ? null : c.toString());
  return {
    ...view,
    amounts: {
      pastDueCents: cents(a.pastDueCents),
      totalDueCents: cents(a.totalDueCents),
      reconnectionFeeCents: cents(a.reconnectionFeeCents),
      reconnectionFeeAfterHoursCents: cents(a.reconnectionFeeAfterHoursCents),
      depositCents: cents(a.depositCents),
    },
    itemized: view.itemized.map((i) => ({ ...i, amountCents: i.amountCents.toString() })),
  };
}

/** The view back from the register row. */
export function noticeViewOf(stored: StoredNoticeView): CollectionsNoticeView {
  const a = stored.amounts;
  const cents = (c: string | null) => (c == null ? null : BigInt(c));
  return {
    ...stored,
    amounts: {
      pastDueCents: BigInt(a.pastDueCents ?? '0'),
      totalDueCents: BigInt(a.totalDueCents ?? '0'),
      reconnectionFeeCents: BigInt(a.reconnectionFeeCents ?? '0'),
      reconnectionFeeAfterHoursCents: cents(a.reconnectionFeeAfterHoursCents),
      depositCents: cents(a.depositCents),
    },
    itemized: stored.itemized.map((i) => ({ ...i, amountCents: BigInt(i.amountCents) })),
  };
}
