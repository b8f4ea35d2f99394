import { Controller } from '@nestjs/common';
import {
  type CreateOrgRequest,
  type CreatedOrg,
  type ListOrgsRequest,
  type OrganizationView,
  type Page,
  Subjects,
  type UpdateOrgRequest,
  createOrgRequestSchema,
  getOrgRequestSchema,
  listOrgsRequestSchema,
  updateOrgRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { OrganizationsService } from './organizations.service.js';

/** Internal subjects: reachable on the service network only (the CLI), not through the gateway. */
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
}
