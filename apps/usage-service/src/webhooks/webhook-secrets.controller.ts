import { SecretsSubjects } from '@plexmcp/contracts';
import { ReencryptSecretsController } from '@plexmcp/service-kit';
import { WebhookSecretsService } from './webhook-secrets.service.js';

/** Internal (CLI): re-encrypt the webhook signing secrets at rest under the current first key. */
export class WebhookSecretsController extends ReencryptSecretsController(
  SecretsSubjects.webhookSecrets,
  WebhookSecretsService,
) {}
