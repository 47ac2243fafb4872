// Configuration is read once from the environment and validated; a bad value stops the process
// with a message naming the variable. Every variable is listed in .env.example.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

/** When the print vendor's batch of letters closes (Monday to Friday) unless NOTICE_PRINT_TIME says otherwise: HH:MM, local. */
export const DEFAULT_NOTICE_PRINT_TIME = '16:00';

/** When the yearly lead service-line notice goes out unless LEAD_NOTICE_ANNUAL_DATE says otherwise: MM-DD. */
export const DEFAULT_LEAD_NOTICE_ANNUAL_DATE = '01-15';

/** A positive decimal factor as text ("3", "0.25"): exact, as read validation compares it. */
const decimalFactor = z
  .string()
  .regex(/^(?:0|[1-9]\d{0,3})(?:\.\d{1,4})?$/, 'must be a decimal number such as 3 or 0.25')
  .refine((v) => Number(v) > 0, 'must be greater than 0');

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATA_DIR: z.string().default('.data'),
  API_PORT: port.default(3000),
  API_HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_ADMIN_URL: z.string().url().optional(),
  EMBEDDED_PG_PORT: port.default(54329),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_TASK_QUEUE: z.string().default('opencis'),
  SMTP_URL: z.string().optional(),
  SMTP_CATCHER_PORT: port.default(2525),
  MAIL_FROM: z.string().default('Millbrook Water & Light <billing@millbrook.example>'),
  /** 32 bytes, base64 or hex: encrypts dates of birth and bank account numbers at rest. */
  DATA_ENCRYPTION_KEY: z.string().optional(),
  /** host:port where the worker's Temporal SDK metrics are served for Prometheus (off when unset). */
  WORKER_METRICS_ADDRESS: z.string().optional(),
  /** Workflows the worker keeps in memory between tasks (lib/worker.ts DEFAULT_MAX_CACHED_WORKFLOWS). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).optional(),
  /** Threads that render a large bill delivery (services/bill-render-pool.ts; 0: on the worker's own). */
  DELIVERY_RENDER_THREADS: z.coerce.number().int().min(0).max(16).optional(),
  /** When the day's batch of printed notices closes for the print vendor: HH:MM, the utility's local time. */
  NOTICE_PRINT_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM (24-hour)')
    .default(DEFAULT_NOTICE_PRINT_TIME),
  /** The day each year the lead service-line notice goes out again (40 CFR 141.85(e)): MM-DD, at 10:00 local. */
  LEAD_NOTICE_ANNUAL_DATE: z
    .string()
    .regex(/^(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])$/, 'must be a day of the year MM-DD (day 01 to 28)')
    .default(DEFAULT_LEAD_NOTICE_ANNUAL_DATE),
  /** Read validation: HIGH_USE above this multiple of the premise's baseline (decimal, default 3). */
  READ_HIGH_FACTOR: decimalFactor.optional(),
  /** Read validation: LOW_USE below this multiple of the baseline (decimal, default 0.25). */
  READ_LOW_FACTOR: decimalFactor.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.refine(
    (c) => Number(c.READ_LOW_FACTOR ?? '0.25') < Number(c.READ_HIGH_FACTOR ?? '3'),
    { message: 'must be below READ_HIGH_FACTOR (3 when unset)', path: ['READ_LOW_FACTOR'] },
  ).safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
