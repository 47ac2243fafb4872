// Builders for the collections tests: a plain account that is past due and otherwise
// unprotected, plus short notice/contact records. Kept out of the *.test.ts files so every suite
// reads the same baseline.
import type { AccountSnapshot, Channel, NoticeRecord } from './types';

export function account(over: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return {
    accountId: 'ACC-1',
    service: 'ELECTRIC',
    customerClass: 'RES',
    heating: false,
    incomePctFpl: 400,
    incomeVerifiedOn: '2026-06-01',
    incomeChangedOn: null,
    age65OrDependentAdult: false,
    tenantOccupied: false,
    thirdPartyDesignee: false,
    language: 'en',
    oldestUnpaidDueDate: '2026-10-20',
    pastDueCents: 25_000n,
    billMailedOn: '2026-09-30',
    averageMonthlyBillCents: null,
    notices: [],
    medicalCertificates: [],
    disputes: [],
    supervisorHold: null,
    arrangement: null,
    arrangementDefaults: [],
    weather: [],
    disconnectedAt: null,
    ...over,
  };
}

export const notice = (sentAt: string, channel: Channel = 'MAIL'): NoticeRecord => ({
  step: 'DISCONNECT_NOTICE',
  sentAt,
  channel,
  expiresOn: null,
});

export const contact = (
  sentAt: string,
  channel: Channel = 'IN_PERSON',
  outcome: 'REACHED' | 'NOT_REACHED' = 'REACHED',
): NoticeRecord => ({ step: 'SHORT_NOTICE_CONTACT', sentAt, channel, expiresOn: null, outcome });

export const posted = (sentAt: string): NoticeRecord => ({
  step: 'POSTED_NOTICE',
  sentAt,
  channel: 'POSTED',
  expiresOn: null,
});

export const winterNotice = (sentAt: string, channel: Channel = 'MAIL'): NoticeRecord => ({
  step: 'WINTER_NOTICE',
  sentAt,
  channel,
  expiresOn: null,
});

export const codes = (list: { code: string }[]): string[] => list.map((c) => c.code);
