/** What web-download may fetch from (Glance's [import_filtering_opts]). */
export interface ImportUriFilter {
  readonly allowedSchemes: readonly string[];
  readonly allowedHosts: readonly string[];
  readonly disallowedHosts: readonly string[];
  readonly allowedPorts: readonly string[];
}

export function uriFilterOf(settings: {
  import_allowed_schemes: readonly string[];
  import_allowed_hosts: readonly string[];
  import_disallowed_hosts: readonly string[];
  import_allowed_ports: readonly string[];
}): ImportUriFilter {
  return {
    allowedSchemes: settings.import_allowed_schemes,
    allowedHosts: settings.import_allowed_hosts,
    disallowedHosts: settings.import_disallowed_hosts,
    allowedPorts: settings.import_allowed_ports,
  };
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' };

/**
 * Whether web-download may fetch `uri` (Glance's validate_import_uri): the scheme must be an
 * allowed one; the host an allowed one, or, with no allowed list, not a disallowed one; the
 * port an allowed one. Unlike Glance, a URL without an explicit port is checked with its
 * scheme's default port, so `http://host/` is refused when 80 is not allowed. Every redirect
 * target passes the same check before it is followed (web-source.ts).
 */
export function importUriAllowed(uri: unknown, filter: ImportUriFilter): boolean {
  if (typeof uri !== 'string' || uri === '') return false;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (!filter.allowedSchemes.map((s) => s.toLowerCase()).includes(scheme)) return false;
  // URL keeps brackets around IPv6 literals; the lists name hosts without them.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (!host) return false;
  if (url.username || url.password) return false;
  const hosts = (list: readonly string[]) =>
    list.map((h) => h.toLowerCase().replace(/^\[(.*)\]$/, '$1'));
  if (filter.allowedHosts.length > 0) {
    if (!hosts(filter.allowedHosts).includes(host)) return false;
  } else if (hosts(filter.disallowedHosts).includes(host)) {
    return false;
  }
  const port = url.port || DEFAULT_PORTS[scheme];
  if (
    filter.allowedPorts.length > 0 &&
    (port === undefined || !filter.allowedPorts.map((p) => p.trim()).includes(port))
  )
    return false;
  return true;
}
