import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type ReencryptSecretsReply,
  SecretsSubjects,
  reencryptSecretsRequestSchema,
} from '@plexmcp/contracts';
import { parseRpc } from '@plexmcp/service-kit';
import { McpSecretsService } from './mcp-secrets.service.js';

/** Internal (CLI): re-encrypt the MCP upstream headers at rest under the current first key. */
@Controller()
export class McpSecretsController {
  constructor(private readonly secrets: McpSecretsService) {}

  @MessagePattern(SecretsSubjects.mcpHeaders)
  reencrypt(@Payload() payload: unknown): Promise<ReencryptSecretsReply> {
    parseRpc(reencryptSecretsRequestSchema, payload);
    return this.secrets.reencrypt();
  }
}
