// Each jurisdiction preset walks a delinquent account from hand-off to disconnection through
// Temporal's time-skipping server, and the disconnect order may only go out when that state's
// rules allow: New York 8am–4pm Monday–Thursday, never before a holiday, 15 days after a notice
// sent at least 20 days past due; California water never before 60 days delinquent; Texas held
// through a heat advisory and the two days after it, and refused when no weather is on record.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';
import { ledgerFixtures } from './helpers/ledger-fixtures';
import {
  caseStateQuery,
  collectionsCase,
  collectionsHandoffSignal,
  collectionsWorkflowId,
  type CaseState,
} from '../workflows/collections-case';
import { getProfile, holidayName, type ProfileCode } from '../domain/collections';
import { localDate, wallClock } from '../domain/collections/calendar';

jest.setTimeout(300_000);

let app: TestApp;
const fx = ledgerFixtures(() => app, {
  customer: 'Preset',
  street: 'Oak St',
  chargeKeyPrefix: 'preset-charge',
});
const DAY = 86_400_000;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const dateNo = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
const addDays = (iso: string, n: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

async function presetCase(
  n: number,
  profile: ProfileCode,
  state: string,
  service: 'WATER' | 'ELECTRIC',
  premiseData: { heating?: 'ELECTRIC' } = {},
) {
  const seeded = await seedAccount(app, 200 + n);
  const premise = await app.t.db.premise.update({
    where: { id: seeded.premiseId },
    data: { jurisdictionProfile: profile, state, serviceArea: `Area-${n}`, ...premiseData },
  });
  if (service === 'ELECTRIC') {
    const m = await app.call('supervisor', 'POST', '/meters', {
      id: `ETEST${n}`,
      premiseId: premise.id,
      service: 'ELECTRIC',
      readUnit: 'KWH',
      dials: 5,
      multiplier: 1,
    });
    expect(m.status).toBe(201);
  }
  await app.call('csr', 'PUT', `/accounts/${seeded.accountId}/income`, {
    incomePctFpl: 400,
    verifiedOn: '2026-11-01',
  });
  const now = await app.env.currentTimeMs();
  const due = new Date(now - 20 * DAY).toISOString().slice(0, 10);
  await fx.charge(seeded.accountId, 20_000, new Date(now - 40 * DAY).toISOString().slice(0, 10), due);
  await app.t.db.collectionsEpisode.create({
    data: {
      accountId: seeded.accountId,
      episode: 1,
      workflowId: collectionsWorkflowId(seeded.accountId, 1),
      pastDueCents: 20_000n,
    },
  });
  await app.env.client.workflow.signalWithStart(collectionsCase, {
    taskQueue: app.taskQueue,
    workflowId: collectionsWorkflowId(seeded.accountId, 1),
    args: [{ accountId: seeded.accountId, episode: 1 }],
    signal: collectionsHandoffSignal,
    signalArgs: [
      { runId: 'preset-run', asOf: new Date(now).toISOString().slice(0, 10), pastDueCents: '20000' },
    ],
  });
  return {
    accountId: seeded.accountId,
    due,
    area: `Area-${n}`,
    tz: getProfile(profile, '2026-12-01').timeZone,
  };
}

const state = (accountId: string): Promise<CaseState> =>
  app.env.client.workflow.getHandle(collectionsWorkflowId(accountId, 1)).query(caseStateQuery);

async function advanceUntil(
  accountId: string,
  done: (s: CaseState) => boolean,
  maxDays = 90,
): Promise<CaseState> {
  const start = await app.env.currentTimeMs();
  for (;;) {
    const s = await state(accountId);
    if (done(s)) return s;
    if ((await app.env.currentTimeMs()) - start > maxDays * DAY)
      throw new Error(`case never got there: ${JSON.stringify(s)}`);
    const next = s.nextActionAt ? Date.parse(s.nextActionAt) - (await app.env.currentTimeMs()) : 3_600_000;
    await app.env.sleep(Math.max(60_000, Math.min(next + 1_000, DAY)));
  }
}

/** Completes any door-hanger order and returns the disconnect order when it is opened. */
async function untilDisconnectOrder(accountId: string) {
  for (;;) {
    const s = await advanceUntil(accountId, (x) => x.stage === 'POSTING' || x.stage === 'DISCONNECT_ORDERED');
    if (s.stage === 'DISCONNECT_ORDERED') {
      const o = s.orders.find((x) => x.type === 'DISCONNECT' && x.status === 'OPEN')!;
      return app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: o.orderId } });
    }
    const hanger = s.orders.find((x) => x.type === 'DOOR_HANGER' && x.status === 'OPEN')!;
    await app.call('supervisor', 'POST', `/service-orders/${hanger.orderId}/assign`, { crewId: 'CREW-A' });
    await app.call('crew-a', 'POST', `/field/orders/${hanger.orderId}/complete`, {
      outcome: 'COMPLETED_OK',
      notes: 'Posted',
    });
    await advanceUntil(accountId, (x) => x.stage !== 'POSTING');
  }
}

async function noticeOf(accountId: string) {
  return app.t.db.collectionsAction.findFirstOrThrow({
    where: { accountId, kind: 'DISCONNECT_NOTICE', method: 'MAIL' },
    orderBy: { occurredAt: 'asc' },
  });
}

test('New York: 8am–4pm Monday–Thursday, not before a holiday, 15 days after a notice sent 20 days past due', async () => {
  const c = await presetCase(1, 'NY', 'NY', 'WATER');
  const order = await untilDisconnectOrder(c.accountId);
  const at = order.createdAt.getTime();
  const day = localDate(at, c.tz);
  const ny = getProfile('NY', day);
  expect([1, 2, 3, 4]).toContain(new Date(`${day}T12:00:00Z`).getUTCDay());
  const minutes = wallClock(at, c.tz).minutes;
  expect(minutes).toBeGreaterThanOrEqual(8 * 60);
  expect(minutes).toBeLessThan(16 * 60);
  expect(holidayName(ny, day)).toBeNull();
  expect(holidayName(ny, addDays(day, 1))).toBeNull();
  const notice = await noticeOf(c.accountId);
  const noticeDay = localDate(notice.occurredAt.getTime(), c.tz);
  expect(dateNo(noticeDay) - dateNo(c.due)).toBeGreaterThanOrEqual(20);
  expect(dateNo(day) - dateNo(noticeDay)).toBeGreaterThanOrEqual(15);
});

test('Ohio: the crew confirms the notice left on the day, or the disconnection is not recorded (OAC 4901:1-18-06)', async () => {
  const c = await presetCase(6, 'OH', 'OH', 'ELECTRIC');
  const order = await untilDisconnectOrder(c.accountId);
  expect(
    (await app.call('supervisor', 'POST', `/service-orders/${order.id}/assign`, { crewId: 'CREW-A' })).status,
  ).toBe(200);
  const view = await app.call('crew-a', 'GET', `/field/orders/${order.id}`);
  expect(view.body.disconnectCheck).toMatchObject({
    permitted: true,
    conditionCodes: ['OH_DAY_OF_DISCONNECTION_NOTICE'],
  });
  expect(view.body.disconnectCheck.conditions[0]).toMatch(
    /^on the day: personal notice .*\(OAC 4901:1-18-06\)$/,
  );
  const complete = (body: Record<string, unknown>) =>
    app.call('crew-a', 'POST', `/field/orders/${order.id}/complete`, {
      outcome: 'COMPLETED_OK',
      readValue: 4321,
      ...body,
    });
  const unconfirmed = await complete({ notes: 'Meter pulled' });
  expect(unconfirmed.status).toBe(400);
  expect(unconfirmed.body.error.field).toBe('conditionsMet');
  expect(unconfirmed.body.error.message).toMatch(/OH_DAY_OF_DISCONNECTION_NOTICE/);
  expect((await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: order.id } })).status).toBe(
    'ASSIGNED',
  );
  const wrong = await complete({ notes: 'Meter pulled', conditionsMet: ['NY_COLD_PERIOD_VISIT'] });
  expect(wrong.status).toBe(400);
  const done = await complete({ notes: 'Meter pulled', conditionsMet: ['OH_DAY_OF_DISCONNECTION_NOTICE'] });
  expect(done.status).toBe(200);
  const closed = await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: order.id } });
  expect(closed.status).toBe('COMPLETED');
  expect((closed.completion as { conditionsMet?: string[] }).conditionsMet).toEqual([
    'OH_DAY_OF_DISCONNECTION_NOTICE',
  ]);
});

test('Illinois, winter heating: the notice copy goes to the health department on file for the area; an area without one gets none, and the timeline says so', async () => {
  const agency = await app.call('supervisor', 'PUT', '/notice-agencies', {
    serviceArea: 'Area-7',
    role: 'HEALTH_DEPARTMENT',
    name: 'Sangamon County Health Department',
    address: '2833 S Grand Ave E, Springfield, IL 62703',
  });
  expect(agency.status).toBe(200);
  expect(
    (await app.call('csr', 'PUT', '/notice-agencies', { ...agency.body, serviceArea: 'X' })).status,
  ).toBe(403);
  const bad = await app.call('supervisor', 'PUT', '/notice-agencies', {
    serviceArea: 'Area-7',
    role: 'HEALTH_DEPARTMENT',
    name: 'Nowhere',
    address: 'On file with the utility',
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.field).toBe('address');
  expect((await app.call('auditor', 'GET', '/notice-agencies')).body.items).toEqual([
    expect.objectContaining({ serviceArea: 'Area-7', name: 'Sangamon County Health Department' }),
  ]);

  const listed = await presetCase(7, 'IL', 'IL', 'ELECTRIC', { heating: 'ELECTRIC' });
  const unlisted = await presetCase(8, 'IL', 'IL', 'ELECTRIC', { heating: 'ELECTRIC' });
  const start = await app.env.currentTimeMs();
  const winterMonth = new Date(start).getUTCMonth();
  expect([10, 11, 0, 1, 2]).toContain(winterMonth); // Nov–Mar: the health department copy is due
  const notices = (accountId: string) =>
    app.t.db.notice.findMany({ where: { accountId, type: 'DISCONNECT_NOTICE' } });
  while ((await notices(listed.accountId)).length === 0 || (await notices(unlisted.accountId)).length === 0) {
    if ((await app.env.currentTimeMs()) - start > 40 * DAY)
      throw new Error('no disconnection notice went out');
    await app.env.sleep(DAY / 2);
  }
  const copies = (await notices(listed.accountId)).filter((r) => r.recipient.includes('Health Department'));
  expect(copies.length).toBeGreaterThan(0);
  expect(copies[0]!.recipient).toBe(
    'Sangamon County Health Department, 2833 S Grand Ave E, Springfield, IL 62703',
  );
  expect(copies[0]!.channel).toBe('PRINT');
  const none = await notices(unlisted.accountId);
  expect(none.some((r) => /health|on file/i.test(r.recipient))).toBe(false);
  const timeline = await app.call(
    'csr',
    'GET',
    `/accounts/${unlisted.accountId}/timeline?kind=collections.*&limit=100`,
  );
  expect(
    timeline.body.items.find((i: { kind: string }) => i.kind === 'collections.notice.no_recipient').summary,
  ).toMatch(/to the health department: no agency on file for service area Area-8 \(PUT \/notice-agencies\)$/);
});

test('California water: never before 60 days delinquent', async () => {
  const c = await presetCase(2, 'CA_WATER', 'CA', 'WATER');
  const order = await untilDisconnectOrder(c.accountId);
  const day = localDate(order.createdAt.getTime(), c.tz);
  expect(dateNo(day) - dateNo(c.due)).toBeGreaterThanOrEqual(60);
  // Contact at least 7 business days before: the written notice counts (H&S Code §116908).
  const notice = await noticeOf(c.accountId);
  // The date the notice gives the customer is no earlier than the 60 days either.
  const printed = (notice.data as { disconnectOnOrAfter?: string }).disconnectOnOrAfter!;
  expect(dateNo(printed) - dateNo(c.due)).toBeGreaterThanOrEqual(60);
  expect(dateNo(day) - dateNo(localDate(notice.occurredAt.getTime(), c.tz))).toBeGreaterThanOrEqual(7);
});

test('Texas electric: no weather on record → no disconnection; held through a heat advisory and the two days after', async () => {
  const c = await presetCase(3, 'TX_ELECTRIC', 'TX', 'ELECTRIC');
  // Nothing recorded: the case gets past the notice period but will not disconnect, and says why.
  await advanceUntil(c.accountId, (x) => x.stage === 'NOTICED');
  const notice = await noticeOf(c.accountId);
  const noticeDay = localDate(notice.occurredAt.getTime(), c.tz);
  const until = notice.occurredAt.getTime() + 14 * DAY;
  while ((await app.env.currentTimeMs()) < until) await app.env.sleep(DAY / 2);
  let s = await state(c.accountId);
  expect(s.orders.filter((o) => o.type === 'DISCONNECT')).toEqual([]);
  expect([...s.blocking, ...s.reasons].join(' ')).toMatch(/weather/i);

  // Weather recorded for the next six weeks: mild, except a heat advisory in effect today.
  const today = localDate(await app.env.currentTimeMs(), c.tz);
  const advisory = today;
  const observations = Array.from({ length: 42 }, (_, i) => {
    const d = addDays(today, i - 3);
    return {
      serviceArea: c.area,
      day: d,
      forecastHighF: 75,
      forecastLowF: 55,
      observedHighF: 74,
      observedLowF: 54,
      heatAdvisory: d === advisory,
      source: 'NWS forecast',
    };
  });
  const w = await app.call('supervisor', 'POST', '/weather', { observations });
  expect(w.status).toBe(200);
  const order = await untilDisconnectOrder(c.accountId);
  const day = localDate(order.createdAt.getTime(), c.tz);
  expect(dateNo(day) - dateNo(noticeDay)).toBeGreaterThanOrEqual(10);
  // Not the advisory day, nor either of the two days after it (16 TAC §25.483(j)).
  expect([advisory, addDays(advisory, 1), addDays(advisory, 2)]).not.toContain(day);
  expect(dateNo(day)).toBeGreaterThan(dateNo(advisory) + 2);
  s = await state(c.accountId);
  expect(s.stage).toBe('DISCONNECT_ORDERED');
});

test('Texas electric: a bill that fell due under a heat advisory gets a deferred plan, the weather of its due date read from the record (16 TAC §25.483)', async () => {
  const c = await presetCase(9, 'TX_ELECTRIC', 'TX', 'ELECTRIC');
  // The bill fell due 20 days ago, under a heat advisory in the premise's service area (recorded,
  // without one, on the two days before): older than the days a case's own decisions read.
  const observations = [-2, -1, 0].map((back) => ({
    serviceArea: c.area,
    day: addDays(c.due, back),
    forecastHighF: 98,
    forecastLowF: 78,
    observedHighF: 97,
    observedLowF: 77,
    heatAdvisory: back === 0,
    source: 'NWS',
  }));
  const w = await app.call('supervisor', 'POST', '/weather', { observations });
  expect(w.status).toBe(200);
  const first = addDays(localDate(await app.env.currentTimeMs(), c.tz), 10);
  const advisory = `bill due ${c.due} ($200.00 open) fell due in an extreme-weather emergency (the weather rules read for ${c.due} as for a disconnection that day: TX_HEAT_ADVISORY: heat advisory on ${c.due}`;

  // Longer than the plan allows (6 months, the ordinary maximum): refused, and the answer says what
  // the customer may have.
  const tooLong = await app.call(
    'csr',
    'POST',
    `/accounts/${c.accountId}/arrangements`,
    { downPaymentCents: 0, installments: 7, firstDueDate: first },
    { 'idempotency-key': 'tx-weather-plan-long' },
  );
  expect(tooLong.status).toBe(200);
  expect(tooLong.body.accepted).toBe(false);
  const refusedText = (tooLong.body.reasons as string[]).join('\n');
  expect(refusedText).toContain(advisory);
  expect(refusedText).toContain(
    "the customer may have a deferred plan of up to 6 monthly installments, no down payment required, but not as asked: 7 monthly installments exceed the plan's 6 (16 TAC §25.483(j))",
  );
  expect(refusedText).not.toMatch(/not recorded/);

  const granted = await app.call(
    'csr',
    'POST',
    `/accounts/${c.accountId}/arrangements`,
    { downPaymentCents: 0, installments: 3, firstDueDate: first },
    { 'idempotency-key': 'tx-weather-plan' },
  );
  expect(granted.status).toBe(200);
  expect(granted.body.accepted).toBe(true);
  expect((granted.body.schedule as { amountCents: string }[]).map((i) => i.amountCents)).toEqual([
    '6666',
    '6666',
    '6668',
  ]);
  const grantedText = (granted.body.reasons as string[]).join('\n');
  expect(grantedText).toContain(advisory);
  expect(grantedText).toContain('the ordinary terms grant this request (16 TAC §25.483(j))');
  const row = await app.t.db.paymentArrangement.findFirstOrThrow({ where: { accountId: c.accountId } });
  expect(row.arrearsCents).toBe(20_000n);
  expect((row.reasons as string[]).join('\n')).toContain(advisory);
});

test('Texas electric, critical-care household: the customer and the emergency contact are called, then a visit with a door hanger, before the disconnect order (16 TAC §25.483(g)(2)(B))', async () => {
  const c = await presetCase(4, 'TX_ELECTRIC', 'TX', 'ELECTRIC');
  // No designation yet: a call to an emergency contact is refused, naming the field.
  const refused = await app.call(
    'csr',
    'POST',
    `/accounts/${c.accountId}/contacts`,
    { method: 'PHONE', outcome: 'REACHED', recipient: 'EMERGENCY_CONTACT' },
    { 'Idempotency-Key': 'critical-care-refused' },
  );
  expect(refused.status).toBe(400);
  expect(refused.body.error).toMatchObject({ code: 'validation_failed', field: 'recipient' });
  expect(await app.t.db.collectionsAction.count({ where: { accountId: c.accountId } })).toBe(0);
  const today = localDate(await app.env.currentTimeMs(), c.tz);
  const designated = await app.call('csr', 'PUT', `/accounts/${c.accountId}/critical-care`, {
    from: today,
    emergencyContact: { name: 'Rosa Preset', phone: '+1 512 555 0142' },
    reason: 'Application approved: home oxygen concentrator',
  });
  expect(designated.status).toBe(200);
  // Two years by the rule (§25.497(a)(4)), the last day inclusive.
  expect(designated.body.until).toBe(addDays(`${Number(today.slice(0, 4)) + 2}${today.slice(4)}`, -1));
  const w = await app.call('supervisor', 'POST', '/weather', {
    observations: Array.from({ length: 60 }, (_, i) => ({
      serviceArea: c.area,
      day: addDays(today, i - 3),
      forecastHighF: 75,
      forecastLowF: 55,
      observedHighF: 74,
      observedLowF: 54,
      heatAdvisory: false,
      source: 'NWS forecast',
    })),
  });
  expect(w.status).toBe(200);

  const posting = await advanceUntil(
    c.accountId,
    (x) => x.stage === 'POSTING' || x.stage === 'DISCONNECT_ORDERED',
  );
  expect(posting.stage).toBe('POSTING');
  const calls = await app.t.db.collectionsAction.findMany({
    where: { accountId: c.accountId, kind: 'CONTACT_ATTEMPT' },
    orderBy: { id: 'asc' },
  });
  expect(calls.map((a) => (a.data as { recipientRole?: string }).recipientRole ?? 'CUSTOMER').sort()).toEqual(
    ['CUSTOMER', 'EMERGENCY_CONTACT'],
  );
  const notice = await noticeOf(c.accountId);
  for (const call of calls) expect(call.occurredAt.getTime()).toBeGreaterThan(notice.occurredAt.getTime());
  const hangerRef = posting.orders.find((o) => o.type === 'DOOR_HANGER' && o.status === 'OPEN')!;
  const hanger = await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: hangerRef.orderId } });
  expect(hanger.reason).toMatch(
    /^Critical-care household .*visit the premises; if nobody answers, leave a door hanger/,
  );
  const timeline = await app.call('auditor', 'GET', `/accounts/${c.accountId}/timeline?limit=100`);
  expect(JSON.stringify(timeline.body)).toContain('Automated call to the emergency contact (Rosa Preset)');

  // The door hanger carries the notice it posts, to the occupant, with the amount and the date.
  const copy = (
    hanger.details as { postedNotice: { text: string; contentHash: string; disconnectOnOrAfter: string } }
  ).postedNotice;
  expect(copy.text).toContain('This is your 48-hour notice.');
  expect(copy.text).toContain(`${c.accountId}`);
  expect(copy.text).toMatch(/\$\d+\.\d\d/);
  // The crew's time to post (48 hours) plus the notice's own 48 hours, then the next day.
  expect(copy.disconnectOnOrAfter >= addDays(localDate(hanger.createdAt.getTime(), c.tz), 5)).toBe(true);
  const pdf = await fetch(`${app.baseUrl}/service-orders/${hanger.id}/posted-notice`, {
    headers: { authorization: `Bearer ${app.keys.supervisor}` },
  });
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  expect(pdf.headers.get('x-notice-content-hash')).toBe(copy.contentHash);
  const printed = pdfText(Buffer.from(await pdf.arrayBuffer()));
  expect(printed).toContain('Occupant');
  expect(printed).toMatch(/This is your\s+48-hour\s+notice\./);
  // A csr reads it too; another order has none (404).
  expect((await app.call('csr', 'GET', `/service-orders/${hanger.id}/posted-notice`)).status).toBe(200);

  const order = await untilDisconnectOrder(c.accountId);
  const posted = await app.t.db.collectionsAction.findFirstOrThrow({
    where: { accountId: c.accountId, kind: 'POSTED_NOTICE' },
  });
  expect(order.createdAt.getTime()).toBeGreaterThanOrEqual(posted.occurredAt.getTime());
  expect((await app.call('csr', 'GET', `/service-orders/${order.id}/posted-notice`)).status).toBe(404);
  // The register keeps what was posted, by the hash of what the crew printed.
  const register = await app.t.db.notice.findFirstOrThrow({
    where: { accountId: c.accountId, type: 'POSTED_NOTICE' },
  });
  expect(register.contentHash).toBe(copy.contentHash);
  expect((register.content as { text: string }).text).toBe(copy.text);
  expect((await state(c.accountId)).reasons.join(' ')).toMatch(/door hanger left/);
});

test('New York: a written certificate confirming a phone one is not a renewal; a renewal needs a showing that the customer cannot pay (16 NYCRR 11.5)', async () => {
  const c = await presetCase(5, 'NY', 'NY', 'WATER');
  const now = await app.env.currentTimeMs();
  const cert = (kind: 'PHONE' | 'WRITTEN', offsetDays: number, extra: Record<string, unknown> = {}) =>
    app.call('csr', 'POST', `/accounts/${c.accountId}/medical-certificates`, {
      kind,
      receivedAt: new Date(now + offsetDays * DAY).toISOString(),
      validUntil: addDays(localDate(now, c.tz), offsetDays + 30),
      certifiedBy: 'Dr. M. Chen',
      ...extra,
    });
  const phone = await cert('PHONE', 0);
  const written = await cert('WRITTEN', 2);
  expect([phone.body.renewalNumber, written.body.renewalNumber]).toEqual([0, 0]);
  expect([phone.body.protects, written.body.protects]).toEqual([true, true]);
  const renewal = await cert('WRITTEN', 30);
  expect(renewal.body).toMatchObject({
    renewalNumber: 1,
    protects: false,
    unmet: ['a renewal needs a showing that the customer cannot pay, and none is recorded'],
  });
  // The one that fell short used up nothing: the next is still the first renewal.
  const shown = await cert('WRITTEN', 31, { inabilityToPay: true });
  expect(shown.body).toMatchObject({ renewalNumber: 1, protects: true });
});

/** What a PDF says, read back by pdftotext (poppler-utils). */
function pdfText(pdf: Buffer): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'posted-notice-')), 'notice.pdf');
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}
