import type { Logger } from 'pino';

/** A one-time link to send to a person (set password, reset password, invitation). */
export interface LinkMail {
  to: string;
  subject: string;
  link: string;
}

/**
 * How the key-service delivers one-time links (`MAIL_TRANSPORT`). `log` (the default, for
 * development and single-operator installs) writes the link in one log line — the only place the
 * token ever appears outside the recipient's hands; anything else refuses to start until a
 * transport exists for it.
 */
export interface MailTransport {
  send(mail: LinkMail): Promise<void>;
}

export class LogMailTransport implements MailTransport {
  constructor(private readonly logger: Logger) {}

  send(mail: LinkMail): Promise<void> {
    this.logger.info({ mail_to: mail.to, subject: mail.subject, link: mail.link }, `mail: ${mail.subject}`);
    return Promise.resolve();
  }
}

/** Nest token of the configured transport. */
export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/**
 * A transport given to `bootstrap()` by the process that embeds the key-service (the test worlds
 * and the browser suites' harness keep the mail they would have sent); without one, the configured
 * transport.
 */
export const EMBEDDER_MAIL_TRANSPORT = Symbol('EMBEDDER_MAIL_TRANSPORT');
