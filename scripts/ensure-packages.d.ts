/** Installs the named Debian packages (keys of the script's PACKAGES table) when missing. */
export function ensurePackages(names?: readonly string[]): void;
/** ensurePackages without blocking the event loop. */
export function ensurePackagesAsync(names?: readonly string[]): Promise<void>;
/** The packages of the test Ceph cluster. */
export const CEPH_PACKAGES: readonly string[];
