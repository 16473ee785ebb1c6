/**
 * Who asks for a volume operation, as the domain code needs it: the project it acts in,
 * whether it is a cloud admin (Cinder's context.is_admin), the token to call other services
 * on its behalf, and the policy checks the operation makes beyond the route's rule.
 */
export interface Caller {
  readonly projectId: string;
  readonly userId: string;
  readonly isAdmin: boolean;
  /** The caller's token, for calls to the image service made on its behalf. */
  readonly token: string;
  /** The request that started the operation (user messages carry it). */
  readonly requestId: string;
  /** Throws 403 unless the caller passes `rule` for `target`. */
  authorize(rule: string, target: Readonly<Record<string, unknown>>): void;
}
