/** Password credentials of a project-scoped Keystone v3 user, as clouds.yaml/openrc name them. */
export interface KeystoneCredentials {
  /** The v3 base URL, e.g. http://127.0.0.1:5000/v3 */
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly userDomainName: string;
  readonly projectName: string;
  readonly projectDomainName: string;
}

/** The JSON body of a password, project-scoped `POST /v3/auth/tokens`. */
export function passwordAuthBody(creds: KeystoneCredentials): string {
  return JSON.stringify({
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: creds.username,
            domain: { name: creds.userDomainName },
            password: creds.password,
          },
        },
      },
      scope: { project: { name: creds.projectName, domain: { name: creds.projectDomainName } } },
    },
  });
}

/** Reads the OS_* lines that `start-keystone.sh env` (or an openrc) prints. */
export function credentialsFromOpenrc(text: string): KeystoneCredentials {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?(OS_[A-Z_]+)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2'));
  }
  const need = (name: string): string => {
    const v = vars.get(name);
    if (!v) throw new Error(`credentials lack ${name}`);
    return v;
  };
  return {
    authUrl: need('OS_AUTH_URL').replace(/\/+$/, ''),
    username: need('OS_USERNAME'),
    password: need('OS_PASSWORD'),
    userDomainName: vars.get('OS_USER_DOMAIN_NAME') ?? 'Default',
    projectName: need('OS_PROJECT_NAME'),
    projectDomainName: vars.get('OS_PROJECT_DOMAIN_NAME') ?? 'Default',
  };
}
