import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listCaughtMail, startSmtpCatcher } from './smtp-catcher';

/** Opens a session, starts a message and resets the connection mid-DATA, as a killed sender does. */
function resetMidMessage(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    const commands = [
      'EHLO test\r\n',
      'MAIL FROM:<a@example.org>\r\n',
      'RCPT TO:<b@example.org>\r\n',
      'DATA\r\n',
    ];
    let next = 0;
    s.on('data', () => {
      if (next < commands.length) s.write(commands[next++]!);
      else {
        s.write('Subject: cut off\r\n\r\nhalf a mess');
        setTimeout(() => {
          s.resetAndDestroy();
          resolve();
        }, 50);
      }
    });
  });
}

test('a sender that dies mid-message ends its session, not the process hosting the catcher', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opencis-catcher-'));
  const catcher = await startSmtpCatcher({ mailDir: dir, port: 0 });
  try {
    for (let i = 0; i < 3; i++) await resetMidMessage(catcher.port);
    await new Promise((r) => setTimeout(r, 200));
    // Still serving, and nothing half-received was kept.
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(catcher.port, '127.0.0.1', () => resolve());
      s.on('error', reject);
      s.on('connect', () => s.end());
    });
    expect(await listCaughtMail(dir)).toEqual([]);
  } finally {
    await catcher.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
