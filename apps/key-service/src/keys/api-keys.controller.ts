import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type ApiKeyView,
  type CreatedKey,
  type Page,
  type RotatedKey,
  Subjects,
  type ValidateKeyReply,
  createKeyRequestSchema,
  keyByIdRequestSchema,
  listKeysRequestSchema,
  rotateKeyRequestSchema,
  updateKeyRequestSchema,
  validateKeyRequestSchema,
} from '@plexmcp/contracts';
import { parseRpc } from '@plexmcp/service-kit';
import { ApiKeysService } from './api-keys.service.js';

@Controller()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @MessagePattern(Subjects.keys.validate)
  validate(@Payload() payload: unknown): Promise<ValidateKeyReply> {
    return this.keys.validate(parseRpc(validateKeyRequestSchema, payload).key_hash);
  }

  @MessagePattern(Subjects.keys.create)
  create(@Payload() payload: unknown): Promise<CreatedKey> {
    const { actor, body } = parseRpc(createKeyRequestSchema, payload);
    return this.keys.create(actor, body);
  }

  @MessagePattern(Subjects.keys.list)
  list(@Payload() payload: unknown): Promise<Page<ApiKeyView>> {
    return this.keys.list(parseRpc(listKeysRequestSchema, payload));
  }

  @MessagePattern(Subjects.keys.get)
  get(@Payload() payload: unknown): Promise<ApiKeyView> {
    return this.keys.get(parseRpc(keyByIdRequestSchema, payload));
  }

  @MessagePattern(Subjects.keys.update)
  update(@Payload() payload: unknown): Promise<ApiKeyView> {
    return this.keys.update(parseRpc(updateKeyRequestSchema, payload));
  }

  @MessagePattern(Subjects.keys.revoke)
  revoke(@Payload() payload: unknown): Promise<ApiKeyView> {
    return this.keys.revoke(parseRpc(keyByIdRequestSchema, payload));
  }

  @MessagePattern(Subjects.keys.rotate)
  rotate(@Payload() payload: unknown): Promise<RotatedKey> {
    return this.keys.rotate(parseRpc(rotateKeyRequestSchema, payload));
  }
}
