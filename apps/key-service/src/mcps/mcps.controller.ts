import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type McpView,
  type Page,
  type ResolveMcpReply,
  Subjects,
  createMcpRequestSchema,
  listMcpsRequestSchema,
  mcpByIdRequestSchema,
  resolveMcpRequestSchema,
  updateMcpRequestSchema,
} from '@plexmcp/contracts';
import { parseRpc } from '@plexmcp/service-kit';
import { McpsService } from './mcps.service.js';

@Controller()
export class McpsController {
  constructor(private readonly mcps: McpsService) {}

  @MessagePattern(Subjects.mcps.create)
  create(@Payload() payload: unknown): Promise<McpView> {
    const { actor, body } = parseRpc(createMcpRequestSchema, payload);
    return this.mcps.create(actor, body);
  }

  @MessagePattern(Subjects.mcps.list)
  list(@Payload() payload: unknown): Promise<Page<McpView>> {
    return this.mcps.list(parseRpc(listMcpsRequestSchema, payload));
  }

  @MessagePattern(Subjects.mcps.get)
  get(@Payload() payload: unknown): Promise<McpView> {
    return this.mcps.get(parseRpc(mcpByIdRequestSchema, payload));
  }

  @MessagePattern(Subjects.mcps.update)
  update(@Payload() payload: unknown): Promise<McpView> {
    return this.mcps.update(parseRpc(updateMcpRequestSchema, payload));
  }

  @MessagePattern(Subjects.mcps.delete)
  delete(@Payload() payload: unknown): Promise<McpView> {
    return this.mcps.delete(parseRpc(mcpByIdRequestSchema, payload));
  }

  @MessagePattern(Subjects.mcps.resolve)
  async resolve(@Payload() payload: unknown): Promise<ResolveMcpReply> {
    return { route: await this.mcps.resolve(parseRpc(resolveMcpRequestSchema, payload).id) };
  }
}
