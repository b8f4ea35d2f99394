import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module.js';
import { OrganizationsRepository } from '../organizations/organizations.repository.js';
import { LeakedKeysController } from './leaked-keys.controller.js';
import { LeakedKeysService } from './leaked-keys.service.js';

@Module({
  imports: [KeysModule],
  controllers: [LeakedKeysController],
  providers: [LeakedKeysService, OrganizationsRepository],
})
export class SecretScanningModule {}
