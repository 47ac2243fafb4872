// The public agencies that receive copies of disconnection notices, per service area: the local
// health department (Illinois heating terminations Nov–Mar) and a multiple dwelling's local
// officials (New York). The collections case addresses those copies from here (activities/
// collections.ts); an area with no agency on file, and no '*' row for every area, gets no copy and
// the case says so on the account's timeline, instead of mailing one to nowhere.
import { z } from 'zod';
import type { Db, Tx } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { parseMailingAddress } from './bill-render';

export const AGENCY_ROLES = ['HEALTH_DEPARTMENT'] as const;
export type AgencyRole = (typeof AGENCY_ROLES)[number];
/** The service area of the row that serves every area without its own. */
export const EVERY_AREA = '*';

export const ZNoticeAgency = z
  .object({
    /** A premise's service area, or '*' for every area without its own. */
    serviceArea: z.string().trim().min(1).max(60),
    role: z.enum(AGENCY_ROLES),
    name: z.string().trim().min(1).max(200),
    /** Mailing address as printed: street lines, city, then 'ST 12345'. */
    address: z
      .string()
      .trim()
      .min(1)
      .max(300)
      .refine((a) => parseMailingAddress(a).zip !== '', {
        message: "must end with the city, then the state and ZIP code: '100 Main St, Springfield, IL 62701'",
      }),
    email: z.email().max(254).nullable().optional(),
  })
  .strict();

export interface NoticeAgency {
  serviceArea: string;
  role: AgencyRole;
  name: string;
  address: string;
  email: string | null;
  updatedBy: string;
  updatedAt: string;
}

const view = (r: {
  serviceArea: string;
  role: string;
  name: string;
  address: string;
  email: string | null;
  updatedBy: string;
  updatedAt: Date;
}): NoticeAgency => ({ ...r, role: r.role as AgencyRole, updatedAt: r.updatedAt.toISOString() });

/** Records (or replaces) the agency for an area and role; audited with what it replaced. */
export async function setNoticeAgency(
  db: Db,
  actor: Actor,
  input: z.infer<typeof ZNoticeAgency>,
): Promise<NoticeAgency> {
  const data = { name: input.name, address: input.address, email: input.email ?? null, updatedBy: actor.id };
  return db.$transaction(async (tx: Tx) => {
    const key = { serviceArea: input.serviceArea, role: input.role };
    const before = await tx.noticeAgency.findUnique({ where: { serviceArea_role: key } });
    const row = await tx.noticeAgency.upsert({
      where: { serviceArea_role: key },
      create: { ...key, ...data },
      update: { ...data, updatedAt: new Date() },
    });
    await recordChange(tx, actor, {
      action: before ? 'notice-agency.update' : 'notice-agency.create',
      entityType: 'notice_agency',
      entityId: `${input.serviceArea}:${input.role}`,
      before: before ? view(before) : null,
      after: view(row),
    });
    return view(row);
  });
}

export async function listNoticeAgencies(db: Db): Promise<{ items: NoticeAgency[] }> {
  const rows = await db.noticeAgency.findMany({ orderBy: [{ serviceArea: 'asc' }, { role: 'asc' }] });
  return { items: rows.map(view) };
}

/** The agency that receives `role`'s copies for a premise in `serviceArea`: its own, else '*'. */
export async function noticeAgencyFor(
  db: Db,
  serviceArea: string,
  role: AgencyRole,
): Promise<NoticeAgency | null> {
  const rows = await db.noticeAgency.findMany({
    where: { role, serviceArea: { in: [serviceArea, EVERY_AREA] } },
  });
  const row =
    rows.find((r) => r.serviceArea === serviceArea) ?? rows.find((r) => r.serviceArea === EVERY_AREA);
  return row ? view(row) : null;
}
