import { Controller } from '@nestjs/common';
import {
  type CreateMcpRequest,
  type ListMcpsRequest,
  type McpByIdRequest,
  type McpView,
  type Page,
  type ResolveMcpReply,
  Subjects,
  type UpdateMcpRequest,
  createMcpRequestSchema,
  listMcpsRequestSchema,
  mcpByIdRequestSchema,
  resolveMcpRequestSchema,
  updateMcpRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { McpsService } from './mcps.service.js';

@Controller()
export class McpsController {
  constructor(private readonly mcps: McpsService) {}

  @RpcHandler(Subjects.mcps.create, createMcpRequestSchema)
  create({ actor, body, idempotency }: CreateMcpRequest): Promise<McpView> {
    return this.mcps.create(actor, body, idempotency);
  }

  @RpcHandler(Subjects.mcps.list, listMcpsRequestSchema)
  list(request: ListMcpsRequest): Promise<Page<McpView>> {
    return this.mcps.list(request);
  }

  @RpcHandler(Subjects.mcps.get, mcpByIdRequestSchema)
  get(request: McpByIdRequest): Promise<McpView> {
    return this.mcps.get(request);
  }

  @RpcHandler(Subjects.mcps.update, updateMcpRequestSchema)
  update(request: UpdateMcpRequest): Promise<McpView> {
    return this.mcps.update(request);
  }

  @RpcHandler(Subjects.mcps.delete, mcpByIdRequestSchema)
  delete(request: McpByIdRequest): Promise<McpView> {
    return this.mcps.delete(request);
  }

  @RpcHandler(Subjects.mcps.resolve, resolveMcpRequestSchema)
  async resolve({ id }: { id: string }): Promise<ResolveMcpReply> {
    return { route: await this.mcps.resolve(id) };
  }
}
