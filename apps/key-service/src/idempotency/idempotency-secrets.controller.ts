import { SecretsSubjects } from '@plexmcp/contracts';
import { ReencryptSecretsController } from '@plexmcp/service-kit';
import { IdempotencySecretsService } from './idempotency-secrets.service.js';

/** Internal (CLI): re-encrypt the stored Idempotency-Key answers under the current first key. */
export class IdempotencySecretsController extends ReencryptSecretsController(
  SecretsSubjects.idempotencyResponses,
  IdempotencySecretsService,
) {}
