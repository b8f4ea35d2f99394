import { Controller } from '@nestjs/common';
import {
  type CreateOrgRequest,
  type CreatedOrg,
  type ListOrgsRequest,
  type OrganizationView,
  type Page,
  Subjects,
  type GetOwnOrgRequest,
  type UpdateOrgRequest,
  type UpdateOwnOrgRequest,
  createOrgRequestSchema,
  getOrgRequestSchema,
  getOwnOrgRequestSchema,
  listOrgsRequestSchema,
  updateOrgRequestSchema,
  updateOwnOrgRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { OrganizationsService } from './organizations.service.js';

/**
 * `orgs.*`: internal subjects, reachable on the service network only (the CLI), not through the
 * gateway. `organization.*`: the caller's own organization, named by the actor the gateway sends.
 */
@Controller()
export class OrganizationsController {
  constructor(private readonly orgs: OrganizationsService) {}

  @RpcHandler(Subjects.orgs.create, createOrgRequestSchema)
  create(request: CreateOrgRequest): Promise<CreatedOrg> {
    return this.orgs.create(request);
  }

  @RpcHandler(Subjects.orgs.get, getOrgRequestSchema)
  get({ id }: { id: string }): Promise<OrganizationView> {
    return this.orgs.get(id);
  }

  @RpcHandler(Subjects.orgs.list, listOrgsRequestSchema)
  list(request: ListOrgsRequest): Promise<Page<OrganizationView>> {
    return this.orgs.list(request);
  }

  @RpcHandler(Subjects.orgs.update, updateOrgRequestSchema)
  update(request: UpdateOrgRequest): Promise<OrganizationView> {
    return this.orgs.update(request);
  }

  @RpcHandler(Subjects.organization.get, getOwnOrgRequestSchema)
  getOwn(request: GetOwnOrgRequest): Promise<OrganizationView> {
    return this.orgs.getOwn(request);
  }

  @RpcHandler(Subjects.organization.update, updateOwnOrgRequestSchema)
  updateOwn(request: UpdateOwnOrgRequest): Promise<OrganizationView> {
    return this.orgs.updateOwn(request);
  }
}
