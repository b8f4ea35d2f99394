import { Controller } from '@nestjs/common';
import {
  type ApiKeyView,
  type CreateKeyRequest,
  type ExpiringKeysReply,
  type ExpiringKeysRequest,
  expiringKeysRequestSchema,
  type CreatedKey,
  type KeyByIdRequest,
  type ListKeysRequest,
  type Page,
  type RotateKeyRequest,
  type RotatedKey,
  Subjects,
  type UpdateKeyRequest,
  type ValidateKeyReply,
  type ValidateKeyRequest,
  createKeyRequestSchema,
  keyByIdRequestSchema,
  listKeysRequestSchema,
  rotateKeyRequestSchema,
  updateKeyRequestSchema,
  validateKeyRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { ApiKeysService } from './api-keys.service.js';

@Controller()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @RpcHandler(Subjects.keys.validate, validateKeyRequestSchema)
  validate(request: ValidateKeyRequest): Promise<ValidateKeyReply> {
    return this.keys.validate(request.key_hash);
  }

  /** The usage-service's question for expiry warnings of keys that may never be used. */
  @RpcHandler(Subjects.keys.expiring, expiringKeysRequestSchema)
  expiring(request: ExpiringKeysRequest): Promise<ExpiringKeysReply> {
    return this.keys.expiring(request);
  }

  @RpcHandler(Subjects.keys.create, createKeyRequestSchema)
  create({ actor, body, idempotency }: CreateKeyRequest): Promise<CreatedKey> {
    return this.keys.create(actor, body, idempotency);
  }

  @RpcHandler(Subjects.keys.list, listKeysRequestSchema)
  list(request: ListKeysRequest): Promise<Page<ApiKeyView>> {
    return this.keys.list(request);
  }

  @RpcHandler(Subjects.keys.get, keyByIdRequestSchema)
  get(request: KeyByIdRequest): Promise<ApiKeyView> {
    return this.keys.get(request);
  }

  @RpcHandler(Subjects.keys.update, updateKeyRequestSchema)
  update(request: UpdateKeyRequest): Promise<ApiKeyView> {
    return this.keys.update(request);
  }

  @RpcHandler(Subjects.keys.revoke, keyByIdRequestSchema)
  revoke(request: KeyByIdRequest): Promise<ApiKeyView> {
    return this.keys.revoke(request);
  }

  @RpcHandler(Subjects.keys.rotate, rotateKeyRequestSchema)
  rotate(request: RotateKeyRequest): Promise<RotatedKey> {
    return this.keys.rotate(request);
  }
}
