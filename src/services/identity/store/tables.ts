/**
 * The identity service's tables as Kysely sees them. Conventions of core/db: times are
 * fixed-width UTC ISO text, booleans integer 0/1, JSON as text, every table prefixed
 * `identity_`. Column names follow Keystone's where one exists, so operators reading the
 * database find what they expect.
 */
import type { Generated } from 'kysely';

/** Keystone's sentinel for "no domain" (global roles) and for the parent of domains. */
export const NULL_DOMAIN = '<<null>>';
export const ROOT_DOMAIN = '<<keystone.domain.root>>';

export interface ProjectTable {
  id: string;
  name: string;
  /** The owning domain, or ROOT_DOMAIN for a project that is a domain. */
  domain_id: string;
  parent_id: string | null;
  is_domain: number;
  enabled: number;
  description: string;
  /** Extra attributes a client set that the API does not define (Keystone keeps them). */
  extra: string;
  /** Resource options such as `immutable`. */
  options: string;
}

export interface ProjectTagTable {
  project_id: string;
  name: string;
}

export interface UserTable {
  id: string;
  domain_id: string;
  name: string;
  enabled: number;
  default_project_id: string | null;
  description: string | null;
  extra: string;
  options: string;
  created_at: string;
  last_active_at: string | null;
  /** PCI-DSS lockout bookkeeping. */
  failed_auth_count: number;
  failed_auth_at: string | null;
}

export interface PasswordTable {
  id: Generated<number>;
  user_id: string;
  password_hash: string;
  created_at: string;
  expires_at: string | null;
  /** Set by the user's own change-password call (minimum password age applies to these). */
  self_service: number;
}

export interface GroupTable {
  id: string;
  domain_id: string;
  name: string;
  description: string;
  extra: string;
}

export interface GroupMembershipTable {
  user_id: string;
  group_id: string;
}

export interface RoleTable {
  id: string;
  name: string;
  /** NULL_DOMAIN for global roles. */
  domain_id: string;
  description: string | null;
  options: string;
  extra: string;
}

export interface ImpliedRoleTable {
  prior_role_id: string;
  implied_role_id: string;
}

export type AssignmentType =
  | 'UserProject'
  | 'GroupProject'
  | 'UserDomain'
  | 'GroupDomain'
  | 'UserSystem'
  | 'GroupSystem';

export interface AssignmentTable {
  type: AssignmentType;
  actor_id: string;
  /** Project or domain id; `system` for system assignments. */
  target_id: string;
  role_id: string;
  inherited: number;
}

export interface RegionTable {
  id: string;
  description: string;
  parent_region_id: string | null;
  extra: string;
}

export interface ServiceTable {
  id: string;
  type: string;
  enabled: number;
  /** name, description and anything else the client sent. */
  extra: string;
}

export interface EndpointTable {
  id: string;
  service_id: string;
  interface: string;
  url: string;
  region_id: string | null;
  enabled: number;
  extra: string;
}

export interface EndpointGroupTable {
  id: string;
  name: string;
  description: string;
  filters: string;
}

export interface ProjectEndpointTable {
  endpoint_id: string;
  project_id: string;
}

export interface ProjectEndpointGroupTable {
  endpoint_group_id: string;
  project_id: string;
}

export interface CredentialTable {
  id: string;
  user_id: string;
  project_id: string | null;
  type: string;
  /** The blob encrypted with the credential key repository. */
  encrypted_blob: string;
  /** Which credential key encrypted it, so a rotation can find rows to re-encrypt. */
  key_hash: string;
  extra: string;
}

export interface ApplicationCredentialTable {
  id: string;
  name: string;
  secret_hash: string;
  description: string | null;
  user_id: string;
  project_id: string | null;
  system: string | null;
  expires_at: string | null;
  unrestricted: number;
  created_at: string;
}

export interface ApplicationCredentialRoleTable {
  application_credential_id: string;
  role_id: string;
}

export interface AccessRuleTable {
  id: string;
  user_id: string;
  service: string;
  path: string;
  method: string;
}

export interface ApplicationCredentialAccessRuleTable {
  application_credential_id: string;
  access_rule_id: string;
}

export interface TrustTable {
  id: string;
  trustor_user_id: string;
  trustee_user_id: string;
  project_id: string | null;
  impersonation: number;
  expires_at: string | null;
  remaining_uses: number | null;
  deleted_at: string | null;
  redelegated_trust_id: string | null;
  redelegation_count: number | null;
  extra: string;
}

export interface TrustRoleTable {
  trust_id: string;
  role_id: string;
}

export interface RevocationEventTable {
  id: Generated<number>;
  domain_id: string | null;
  project_id: string | null;
  user_id: string | null;
  role_id: string | null;
  trust_id: string | null;
  consumer_id: string | null;
  access_token_id: string | null;
  audit_id: string | null;
  audit_chain_id: string | null;
  /** Tokens issued before this instant that match the other fields are revoked. */
  issued_before: string;
  expires_at: string | null;
  revoked_at: string;
}

export interface RegisteredLimitTable {
  id: string;
  service_id: string;
  region_id: string | null;
  resource_name: string;
  default_limit: number;
  description: string | null;
}

export interface LimitTable {
  id: string;
  /** The project or domain the limit applies to. */
  project_id: string | null;
  domain_id: string | null;
  service_id: string;
  region_id: string | null;
  resource_name: string;
  resource_limit: number;
  description: string | null;
}

export interface PolicyTable {
  id: string;
  type: string;
  blob: string;
  extra: string;
}

export interface DomainConfigTable {
  domain_id: string;
  group_name: string;
  option_name: string;
  /** JSON-encoded value. */
  value: string;
  sensitive: number;
}

export interface OAuthConsumerTable {
  id: string;
  description: string | null;
  secret_hash: string;
  extra: string;
}

export interface IdentityTables {
  identity_project: ProjectTable;
  identity_project_tag: ProjectTagTable;
  identity_user: UserTable;
  identity_password: PasswordTable;
  identity_group: GroupTable;
  identity_group_membership: GroupMembershipTable;
  identity_role: RoleTable;
  identity_implied_role: ImpliedRoleTable;
  identity_assignment: AssignmentTable;
  identity_region: RegionTable;
  identity_service: ServiceTable;
  identity_endpoint: EndpointTable;
  identity_endpoint_group: EndpointGroupTable;
  identity_project_endpoint: ProjectEndpointTable;
  identity_project_endpoint_group: ProjectEndpointGroupTable;
  identity_credential: CredentialTable;
  identity_application_credential: ApplicationCredentialTable;
  identity_application_credential_role: ApplicationCredentialRoleTable;
  identity_access_rule: AccessRuleTable;
  identity_application_credential_access_rule: ApplicationCredentialAccessRuleTable;
  identity_trust: TrustTable;
  identity_trust_role: TrustRoleTable;
  identity_revocation_event: RevocationEventTable;
  identity_registered_limit: RegisteredLimitTable;
  identity_limit: LimitTable;
  identity_policy: PolicyTable;
  identity_domain_config: DomainConfigTable;
  identity_oauth_consumer: OAuthConsumerTable;
}
