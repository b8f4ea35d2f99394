import { Module } from '@nestjs/common';
import { OidcController } from './oidc.controller.js';
import { OrganizationController } from './organization.controller.js';

@Module({ controllers: [OrganizationController, OidcController] })
export class OrganizationModule {}
