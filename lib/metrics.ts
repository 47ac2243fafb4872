// Prometheus metrics. The API counts and times every request by its route template (never the raw
// path: ids would explode the series) and exposes them with Node's process metrics at GET
// /metrics. The worker's metrics are the Temporal SDK's own (task latencies, schedule-to-start,
// activity failures, sticky cache), served by the SDK runtime on WORKER_METRICS_ADDRESS.
import type { Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  /** Counts a finished request and its duration (from `startNs`, process.hrtime.bigint()). */
  observe: (req: Request, res: Response, startNs: bigint) => void;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'opencis-api' });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'opencis_http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'opencis_http_request_duration_seconds',
    help: 'HTTP request duration by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Each series' child, found once: prom-client otherwise hashes the label set on every call.
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(v: number): void }>();
  return {
    registry,
    observe(req, res, startNs) {
      // The matched route's template; unmatched requests are one series, not one per path.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
      const series = `${req.method} ${route}`;
      const status = String(res.statusCode);
      const counted = `${series} ${status}`;
      let counter = counters.get(counted);
      if (!counter) counters.set(counted, (counter = requests.labels(req.method, route, status)));
      counter.inc();
      let timer = timers.get(series);
      if (!timer) timers.set(series, (timer = duration.labels(req.method, route)));
      timer.observe(seconds);
    },
  };
}

/** The Temporal SDK runtime's telemetry for a worker process: Prometheus on `address` when set. */
export function workerTelemetry(address: string | undefined) {
  return address ? { metrics: { prometheus: { bindAddress: address } } } : undefined;
}
