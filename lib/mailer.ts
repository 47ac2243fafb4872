// One mailer, chosen by configuration: SMTP_URL when set, else the embedded SMTP catcher.
import nodemailer, { type Transporter } from 'nodemailer';

export interface Mailer {
  send(msg: {
    to: string;
    subject: string;
    text: string;
    html?: string;
    headers?: Record<string, string>;
    attachments?: { filename: string; content: Buffer; contentType: string }[];
  }): Promise<{ messageId: string }>;
  verify(): Promise<boolean>;
  close(): void;
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport: Transporter = nodemailer.createTransport(smtpUrl);
  return {
    async send(msg) {
      const info = await transport.sendMail({ from, ...msg });
      return { messageId: String(info.messageId) };
    },
    async verify() {
      return transport.verify();
    },
    close: () => transport.close(),
  };
}
