import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type CreatedOrg,
  type OrganizationView,
  Subjects,
  createOrgRequestSchema,
  getOrgRequestSchema,
  updateOrgRequestSchema,
} from '@plexmcp/contracts';
import { parseRpc } from '@plexmcp/service-kit';
import { OrganizationsService } from './organizations.service.js';

/** Internal subjects: reachable on the service network only (the CLI), not through the gateway. */
@Controller()
export class OrganizationsController {
  constructor(private readonly orgs: OrganizationsService) {}

  @MessagePattern(Subjects.orgs.create)
  create(@Payload() payload: unknown): Promise<CreatedOrg> {
    return this.orgs.create(parseRpc(createOrgRequestSchema, payload));
  }

  @MessagePattern(Subjects.orgs.get)
  get(@Payload() payload: unknown): Promise<OrganizationView> {
    return this.orgs.get(parseRpc(getOrgRequestSchema, payload).id);
  }

  @MessagePattern(Subjects.orgs.update)
  update(@Payload() payload: unknown): Promise<OrganizationView> {
    return this.orgs.update(parseRpc(updateOrgRequestSchema, payload));
  }
}
