// The API on its own (production). Needs DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL.
import { loadConfig } from '../lib/config';
import { apiDeps, startSystem } from '../lib/system';
import { createApp } from '../api/app';

async function main() {
  const config = loadConfig();
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL'] as const) {
    if (!config[name])
      throw new Error(`${name} must be set for a stand-alone API (npm start runs everything embedded)`);
  }
  const sys = await startSystem(config, { embedded: false });
  const app = createApp(apiDeps(sys));
  const server = app.listen(config.API_PORT, config.API_HOST, () =>
    sys.logger.info({ port: config.API_PORT }, 'API listening'),
  );
  const stop = () => server.close(() => void sys.stop().then(() => process.exit(0)));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`API failed: ${(err as Error).message}\n`);
  process.exit(1);
});
