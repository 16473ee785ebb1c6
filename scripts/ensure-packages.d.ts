/** Installs the named Debian packages (keys of the script's PACKAGES table) when missing. */
export function ensurePackages(names?: readonly string[]): void;
