// The development SMTP catcher (lib/runtime/smtp-catcher.ts) in a process of its own, for the
// billing benchmark: the worker under measurement should not also pay for receiving its mail, as
// it does not in production. Prints the catcher's smtp:// URL on stdout once it listens, stops on
// SIGTERM or SIGINT.
//
//   node --import tsx bench/smtp-catcher-process.ts <mailDir>
import { startSmtpCatcher } from '../lib/runtime/smtp-catcher';

async function main(): Promise<void> {
  const mailDir = process.argv[2];
  if (!mailDir) throw new Error('usage: smtp-catcher-process.ts <mailDir>');
  const catcher = await startSmtpCatcher({ mailDir, port: 0 });
  const stop = () => void catcher.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${catcher.url}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`smtp catcher failed: ${(err as Error).message}\n`);
  process.exit(1);
});
