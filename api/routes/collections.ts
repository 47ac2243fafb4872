// The facts a collections case is judged on, and the case itself, as routes of the one route table.
// Every write wakes the account's open case, which re-asks the policy evaluator.
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import { idempotencyKeyOf } from '../idempotency-key';
import { isoDate, isoDateTime, ZPhone } from '../schemas';
import * as cases from '../../services/collections';
import { listNoticeAgencies, setNoticeAgency, ZNoticeAgency } from '../../services/notice-agencies';

const accountParams = z.object({ id: z.string().trim().min(1).max(40) }).strict();
const reason = z.string().trim().min(1).max(500);

export function registerCollectionsRoutes(t: RouteTable, deps: ApiDeps): void {
  const d = { db: deps.db, temporal: deps.temporal, ...(deps.now ? { now: deps.now } : {}) };
  t.add({
    method: 'get',
    path: '/notice-agencies',
    tag: 'collections',
    summary:
      'Public agencies that receive copies of disconnection notices (the local health department, local officials), per service area',
    permission: 'case:read',
    handler: () => listNoticeAgencies(deps.db),
  });
  t.add({
    method: 'put',
    path: '/notice-agencies',
    tag: 'collections',
    summary:
      "Record the agency that receives a role's copies in a service area ('*' = every area without its own); audited",
    permission: 'agency:write',
    body: ZNoticeAgency,
    handler: ({ actor, body }) => setNoticeAgency(deps.db, actor, body),
  });
  t.add({
    method: 'post',
    path: '/accounts/:id/medical-certificates',
    tag: 'collections',
    summary: 'Record a medical certificate (phone or written): it stops disconnection while valid',
    permission: 'case:write',
    params: accountParams,
    body: z
      .object({
        kind: z.enum(['PHONE', 'WRITTEN']),
        validUntil: isoDate,
        certifiedBy: z.string().trim().min(1).max(200),
        receivedAt: isoDateTime.optional(),
        writtenFollowUpBy: isoDate.optional(),
        /** Who certified it (default PHYSICIAN); the profile names whom it accepts. */
        certifier: z
          .enum(['PHYSICIAN', 'NURSE_PRACTITIONER', 'PHYSICIAN_ASSISTANT', 'BOARD_OF_HEALTH', 'OTHER'])
          .optional(),
        /** The customer showed they cannot pay (CA: every certificate; NY: a renewal). */
        inabilityToPay: z.boolean().optional(),
        /** The customer agreed to an amortization / payment plan (CA). */
        agreesToPlan: z.boolean().optional(),
      })
      .strict(),
    status: 201,
    handler: ({ actor, params, body }) => cases.recordMedicalCertificate(d, actor, params.id, body),
  });
  t.add({
    method: 'post',
    path: '/accounts/:id/disputes',
    tag: 'collections',
    summary: 'Open a dispute: no disconnection while it is under investigation',
    permission: 'case:write',
    params: accountParams,
    body: z.object({ summary: reason }).strict(),
    status: 201,
    handler: ({ actor, params, body }) => cases.openDispute(d, actor, params.id, body),
  });
  t.add({
    method: 'post',
    path: '/accounts/:id/disputes/:disputeId/resolve',
    tag: 'collections',
    summary: 'Resolve a dispute',
    permission: 'case:write',
    params: z.object({ id: z.string().trim().min(1).max(40), disputeId: z.uuid() }).strict(),
    body: z.object({ resolution: reason }).strict(),
    handler: ({ actor, params, body }) => cases.resolveDispute(d, actor, params.id, params.disputeId, body),
  });
  t.add({
    method: 'post',
    path: '/accounts/:id/collections-hold',
    tag: 'collections',
    summary: "Put the account's collections case on hold (hold: true) or release it (hold: false)",
    permission: 'case:hold',
    params: accountParams,
    body: z.object({ hold: z.boolean(), reason }).strict(),
    handler: ({ actor, params, body }) => cases.setHold(d, actor, params.id, body),
  });
  t.add({
    method: 'put',
    path: '/accounts/:id/income',
    tag: 'collections',
    summary: 'Record household income as a percentage of the federal poverty level',
    permission: 'case:write',
    params: accountParams,
    body: z
      .object({
        // Stored to the hundredth of a percent; a household above 1,000% of the poverty level
        // is treated the same as one at 1,000% by every profile.
        incomePctFpl: z
          .number()
          .min(0)
          .max(1000)
          .transform((v) => Math.round(v * 100) / 100),
        verifiedOn: isoDate.nullable(),
      })
      .strict(),
    handler: ({ actor, params, body }) => cases.setIncome(d, actor, params.id, body),
  });
  t.add({
    method: 'put',
    path: '/accounts/:id/critical-care',
    tag: 'collections',
    summary:
      "Record a critical-care designation (life-sustaining electric equipment in the home) and its emergency contact; the term defaults to the profile's (TX: two years)",
    permission: 'case:write',
    params: accountParams,
    body: z
      .object({
        from: isoDate,
        until: isoDate.optional(),
        emergencyContact: z
          .object({ name: z.string().trim().min(1).max(200), phone: ZPhone })
          .strict()
          .nullable(),
        reason: reason.optional(),
      })
      .strict(),
    handler: ({ actor, params, body }) => cases.setCriticalCare(d, actor, params.id, body),
  });
  t.add({
    method: 'delete',
    path: '/accounts/:id/critical-care',
    tag: 'collections',
    summary: 'End a critical-care designation',
    permission: 'case:write',
    params: accountParams,
    body: z.object({ reason }).strict(),
    handler: ({ actor, params, body }) => cases.endCriticalCare(d, actor, params.id, body),
  });
  t.add({
    method: 'post',
    path: '/accounts/:id/contacts',
    tag: 'collections',
    summary: "Record a representative's contact before disconnection (Idempotency-Key header required)",
    permission: 'case:write',
    params: accountParams,
    body: z
      .object({
        method: z.enum(['PHONE', 'IN_PERSON']),
        outcome: z.enum(['REACHED', 'NOT_REACHED']),
        /** EMERGENCY_CONTACT: the one a critical-care designation names (TX §25.483(g)). */
        recipient: z.enum(['CUSTOMER', 'EMERGENCY_CONTACT']).default('CUSTOMER'),
        at: isoDateTime.optional(),
        note: z.string().trim().max(500).optional(),
      })
      .strict(),
    status: 201,
    handler: ({ req, actor, params, body }) =>
      cases.recordContact(d, actor, params.id, { ...body, requestKey: idempotencyKeyOf(req, 'contact') }),
  });
  t.add({
    method: 'post',
    path: '/accounts/:id/disconnect-affidavits',
    tag: 'collections',
    summary:
      "Record an affidavit filed with the regulator before a winter termination (Maryland: the PSC, 24 hours ahead, Nov 1–Mar 31) for the account's open case (Idempotency-Key header required)",
    permission: 'case:affidavit',
    params: accountParams,
    body: z
      .object({
        /** When it was filed with the Commission: not in the future. */
        filedAt: isoDateTime,
        /** The Commission's reference for it: docket, confirmation number. */
        reference: z.string().trim().min(1).max(200),
      })
      .strict(),
    status: 201,
    handler: ({ req, actor, params, body }) =>
      cases.recordAffidavit(d, actor, params.id, { ...body, requestKey: idempotencyKeyOf(req, 'affidavit') }),
  });
  t.add({
    method: 'post',
    path: '/accounts/:id/arrangements',
    tag: 'collections',
    summary:
      "Request a payment arrangement: accepted or refused against the profile's terms, with reasons (Idempotency-Key header required)",
    permission: 'case:write',
    params: accountParams,
    body: z
      .object({
        downPaymentCents: z.number().int('must be whole cents').min(0).max(100_000_000),
        installments: z.number().int().min(1).max(120),
        firstDueDate: isoDate,
      })
      .strict(),
    handler: ({ req, actor, params, body }) =>
      cases.requestArrangement(d, actor, params.id, {
        ...body,
        requestKey: idempotencyKeyOf(req, 'arrangement'),
      }),
  });
  t.add({
    method: 'get',
    path: '/accounts/:id/collections/:episode',
    tag: 'collections',
    summary: 'A collections case as its workflow knows it: stage, next action and when, protections, reasons',
    permission: 'case:read',
    params: z
      .object({ id: z.string().trim().min(1).max(40), episode: z.coerce.number().int().min(1) })
      .strict(),
    handler: ({ params }) => cases.caseState(d, params.id, params.episode),
  });
}
