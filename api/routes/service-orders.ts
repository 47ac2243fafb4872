// Service orders and the field crews' API, as routes of the one route table: open an order (its
// workflow starts), list (the supervisors' dashboard: `?slaBreached=true`), read, dispatch (assign,
// reassign, schedule and priority), cancel with a reason, waive a held start's deposit; and for a
// crew, its own orders only — list, read, complete (safe to retry).
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import { ZIdParams } from '../schemas';
import type { Response } from 'express';
import * as orders from '../../services/service-orders';
import { postedNoticePdf } from '../../services/posted-notice';
import {
  ZAssignOrder,
  ZCancelOrder,
  ZDepositWaiver,
  ZFieldCompletion,
  ZScheduleOrder,
  ZServiceOrderOpen,
  ZServiceOrderQuery,
} from '../../services/service-orders.types';

export function registerServiceOrderRoutes(t: RouteTable, deps: ApiDeps): void {
  const d = { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue };
  const now = deps.now ?? (async () => new Date());
  t.add({
    method: 'post',
    path: '/service-orders',
    tag: 'service orders',
    summary:
      'Open a service order (starts its workflow). TRANSFER_SERVICE takes details.toPremiseId; ' +
      'METER_EXCHANGE takes meterId and details.newMeter; a START_SERVICE whose deposit is unpaid is held',
    permission: 'service-order:create',
    body: ZServiceOrderOpen,
    status: 202,
    handler: async ({ actor, body, res }) => {
      const o = await orders.openServiceOrder(d, actor, body);
      res.setHeader('Location', `/service-orders/${o.id}`);
      return o;
    },
  });
  t.add({
    method: 'get',
    path: '/service-orders',
    tag: 'service orders',
    summary: 'List service orders (slaBreached=true: the breached ones, latest breach first)',
    permission: 'service-order:read',
    query: ZServiceOrderQuery,
    handler: ({ query }) => orders.listServiceOrders(deps.db, query),
  });
  t.add({
    method: 'get',
    path: '/service-orders/:id',
    tag: 'service orders',
    summary: 'A service order, live from its workflow',
    permission: 'service-order:read',
    params: ZIdParams,
    handler: ({ params }) => orders.getServiceOrder(d, params.id),
  });
  t.add({
    method: 'get',
    path: '/service-orders/:id/posted-notice',
    tag: 'service orders',
    summary: 'A door hanger’s notice as a PDF to print and post (the register keeps its hash)',
    permission: 'service-order:read',
    params: ZIdParams,
    produces: ['application/pdf'],
    handler: async ({ res, params }) =>
      sendPostedNotice(res, await postedNoticePdf(deps.db, params.id), params.id),
  });
  t.add({
    method: 'post',
    path: '/service-orders/:id/assign',
    tag: 'service orders',
    summary: 'Assign or reassign a crew',
    permission: 'service-order:dispatch',
    params: ZIdParams,
    body: ZAssignOrder,
    handler: ({ actor, params, body }) => orders.assignServiceOrder(d, actor, params.id, body.crewId),
  });
  t.add({
    method: 'post',
    path: '/service-orders/:id/schedule',
    tag: 'service orders',
    summary: 'Set the priority (the SLA moves with it) and/or the scheduling window',
    permission: 'service-order:dispatch',
    params: ZIdParams,
    body: ZScheduleOrder,
    handler: ({ actor, params, body }) => orders.scheduleServiceOrder(d, actor, params.id, body),
  });
  t.add({
    method: 'post',
    path: '/service-orders/:id/cancel',
    tag: 'service orders',
    summary: 'Cancel with a reason',
    permission: 'service-order:cancel',
    params: ZIdParams,
    body: ZCancelOrder,
    handler: ({ actor, params, body }) => orders.cancelServiceOrder(d, actor, params.id, body.reason),
  });
  t.add({
    method: 'post',
    path: '/service-orders/:id/deposit-waiver',
    tag: 'service orders',
    summary:
      'Waive the security deposit a start of service is held for (reverses its charge, releases the order)',
    permission: 'bill:adjust',
    params: ZIdParams,
    body: ZDepositWaiver,
    handler: ({ actor, params, body }) => orders.waiveDepositForOrder(d, actor, params.id, body.reason),
  });
  t.add({
    method: 'get',
    path: '/field/orders',
    tag: 'field',
    summary: "The calling crew's open orders",
    permission: 'field:work',
    handler: ({ actor }) => orders.listCrewOrders(deps.db, actor),
  });
  t.add({
    method: 'get',
    path: '/field/orders/:id',
    tag: 'field',
    summary: "One of the calling crew's orders",
    permission: 'field:work',
    params: ZIdParams,
    handler: async ({ actor, params }) => orders.getCrewOrder(deps.db, actor, params.id, await now()),
  });
  t.add({
    method: 'get',
    path: '/field/orders/:id/posted-notice',
    tag: 'field',
    summary: "The notice one of the calling crew's door hangers posts, as a PDF",
    permission: 'field:work',
    params: ZIdParams,
    produces: ['application/pdf'],
    handler: async ({ actor, res, params }) =>
      sendPostedNotice(res, await orders.crewPostedNotice(deps.db, actor, params.id), params.id),
  });
  t.add({
    method: 'post',
    path: '/field/orders/:id/complete',
    tag: 'field',
    summary: 'Complete an order with the readings, outcome, notes and photo references (safe to retry)',
    permission: 'field:work',
    params: ZIdParams,
    body: ZFieldCompletion,
    handler: async ({ actor, params, body }) =>
      orders.completeCrewOrder(d, actor, params.id, body, await now()),
  });
}

function sendPostedNotice(res: Response, n: { pdf: Buffer; contentHash: string }, orderId: string): void {
  res
    .type('application/pdf')
    .setHeader('Content-Disposition', `inline; filename="posted-notice-${orderId}.pdf"`)
    .setHeader('X-Notice-Content-Hash', n.contentHash)
    .send(n.pdf);
}
