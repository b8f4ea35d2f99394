import { SecretsSubjects } from '@plexmcp/contracts';
import { ReencryptSecretsController } from '@plexmcp/service-kit';
import { McpSecretsService } from './mcp-secrets.service.js';

/** Internal (CLI): re-encrypt the MCP upstream headers at rest under the current first key. */
export class McpSecretsController extends ReencryptSecretsController(
  SecretsSubjects.mcpHeaders,
  McpSecretsService,
) {}
