import bcrypt from 'bcrypt';

/**
 * Password hashing with bcrypt (Keystone's default algorithm), run on libuv's thread pool
 * so a slow hash never blocks the event loop. bcrypt reads at most 72 bytes; like
 * Keystone we accept longer passwords but only those bytes count.
 */
export class PasswordHasher {
  constructor(private readonly rounds: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.rounds);
  }

  async verify(password: string, hash: string): Promise<boolean> {
    if (!hash.startsWith('$2')) return false;
    try {
      return await bcrypt.compare(password, hash);
    } catch {
      return false;
    }
  }

  /**
   * A fixed hash to compare against when the user does not exist, so an unknown user
   * costs the same time as a wrong password and timing does not reveal which it was.
   */
  private decoy: Promise<string> | undefined;
  async burn(password: string): Promise<void> {
    this.decoy ??= this.hash('strata-decoy-password');
    await this.verify(password, await this.decoy);
  }
}
