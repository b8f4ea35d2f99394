import { Controller } from '@nestjs/common';
import {
  type GetOidcConfigRequest,
  type OidcClient,
  type OidcConfigView,
  type OidcSignInRequest,
  OidcSubjects,
  type OpenedSession,
  type PutOidcConfigRequest,
  getOidcConfigRequestSchema,
  oidcClientRequestSchema,
  oidcSignInRequestSchema,
  putOidcConfigRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { OidcService } from './oidc.service.js';

/** `organization.oidc.*` for owners (through the gateway), `identity.oidc_*` for the gateway's flow. */
@Controller()
export class OidcController {
  constructor(private readonly oidc: OidcService) {}

  @RpcHandler(OidcSubjects.get, getOidcConfigRequestSchema)
  get(request: GetOidcConfigRequest): Promise<OidcConfigView> {
    return this.oidc.get(request);
  }

  @RpcHandler(OidcSubjects.put, putOidcConfigRequestSchema)
  put(request: PutOidcConfigRequest): Promise<OidcConfigView> {
    return this.oidc.put(request);
  }

  @RpcHandler(OidcSubjects.remove, getOidcConfigRequestSchema)
  remove(request: GetOidcConfigRequest): Promise<{ removed: boolean }> {
    return this.oidc.remove(request);
  }

  @RpcHandler(OidcSubjects.client, oidcClientRequestSchema)
  client({ org_id }: { org_id: string }): Promise<OidcClient> {
    return this.oidc.client(org_id);
  }

  @RpcHandler(OidcSubjects.signIn, oidcSignInRequestSchema)
  signIn(request: OidcSignInRequest): Promise<OpenedSession> {
    return this.oidc.signIn(request);
  }
}
