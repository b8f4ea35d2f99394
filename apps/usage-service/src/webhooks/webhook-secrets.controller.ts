import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type ReencryptSecretsReply,
  SecretsSubjects,
  reencryptSecretsRequestSchema,
} from '@plexmcp/contracts';
import { parseRpc } from '@plexmcp/service-kit';
import { WebhookSecretsService } from './webhook-secrets.service.js';

/** Internal (CLI): re-encrypt the webhook signing secrets at rest under the current first key. */
@Controller()
export class WebhookSecretsController {
  constructor(private readonly secrets: WebhookSecretsService) {}

  @MessagePattern(SecretsSubjects.webhookSecrets)
  reencrypt(@Payload() payload: unknown): Promise<ReencryptSecretsReply> {
    parseRpc(reencryptSecretsRequestSchema, payload);
    return this.secrets.reencrypt();
  }
}
