/**
 * Renders Gitea's app.ini from region settings. No secret ever appears here: the secret key, the
 * internal token and the JWT secrets are read from files (`*_URI = file:`) of a mounted Secret, and the
 * database password comes from the env var GITEA__database__PASSWD (the rootless entrypoint's
 * environment-to-ini writes it into the in-memory copy of app.ini at start).
 *
 * The JWT secrets must be there: with INSTALL_LOCK and no valid JWT secret Gitea generates one and saves
 * it into app.ini (modules/setting/oauth2.go:139-156, lfs.go:81-98), which here is an emptyDir that is gone
 * at the next start, so every token signed with it breaks on a restart.
 */

import type { k8s } from 'cdk8s-plus-28';
import { containerSecurityContext, resources } from './workload';

export type GiteaDatabaseSettings =
  | { readonly type: 'sqlite3' }
  | { readonly type: 'postgres'; readonly host: string; readonly name: string; readonly user: string; readonly sslMode?: 'disable' | 'require' | 'verify-full' };

export interface GiteaAppIniSettings {
  /** Public HTTP host, e.g. `git.example.com`. */
  readonly host: string;
  /** Host in SSH clone URLs. */
  readonly sshHost: string;
  /** External SSH port (the LoadBalancer's), shown in clone URLs. */
  readonly sshPort: number;
  /** Port the rootless built-in SSH server listens on inside the pod. */
  readonly sshListenPort: number;
  readonly httpPort: number;
  readonly database: GiteaDatabaseSettings;
  /** Hosts Gitea may send webhooks to (Gitea's ALLOWED_HOST_LIST). */
  readonly webhookAllowedHosts: readonly string[];
  /** Directory the Secret with `secret-key`, `internal-token`, `jwt-secret` (and `lfs-jwt-secret`) is mounted at. */
  readonly secretsDir: string;
  /** Serve Git LFS (objects under `<workPath>/data/lfs`, tokens signed with `lfs-jwt-secret`). */
  readonly lfs: boolean;
  /** Gitea's work path (the data volume). */
  readonly workPath: string;
}

type Section = readonly (readonly [string, string | number | boolean])[];

export function renderGiteaAppIni(s: GiteaAppIniSettings): string {
  const data = `${s.workPath}/data`;
  const database: Section =
    s.database.type === 'sqlite3'
      ? [
          ['DB_TYPE', 'sqlite3'],
          ['PATH', `${data}/gitea.db`],
        ]
      : [
          ['DB_TYPE', 'postgres'],
          ['HOST', s.database.host],
          ['NAME', s.database.name],
          ['USER', s.database.user],
          ['SSL_MODE', s.database.sslMode ?? 'disable'],
        ];
  const sections: readonly (readonly [string, Section])[] = [
    ['', [['APP_NAME', 'Gitea'], ['RUN_MODE', 'prod'], ['RUN_USER', 'git'], ['WORK_PATH', s.workPath]]],
    ['server', [
      ['PROTOCOL', 'http'],
      ['DOMAIN', s.host],
      ['ROOT_URL', `https://${s.host}/`],
      ['HTTP_PORT', s.httpPort],
      ['APP_DATA_PATH', data],
      ['START_SSH_SERVER', true],
      ['BUILTIN_SSH_SERVER_USER', 'git'],
      ['SSH_DOMAIN', s.sshHost],
      ['SSH_PORT', s.sshPort],
      ['SSH_LISTEN_PORT', s.sshListenPort],
      ['LFS_START_SERVER', s.lfs],
      // LFS_JWT_SECRET(_URI) is read from [server] (modules/setting/lfs.go:81)
      ...(s.lfs ? ([['LFS_JWT_SECRET_URI', `file:${s.secretsDir}/lfs-jwt-secret`]] as const) : []),
      ['OFFLINE_MODE', true],
    ]],
    ...(s.lfs ? ([['lfs', [['PATH', `${data}/lfs`]]]] as const) : []),
    ['database', database],
    ['repository', [['ROOT', `${s.workPath}/git/repositories`], ['DEFAULT_BRANCH', 'main']]],
    ['security', [
      ['INSTALL_LOCK', true],
      ['SECRET_KEY_URI', `file:${s.secretsDir}/secret-key`],
      ['INTERNAL_TOKEN_URI', `file:${s.secretsDir}/internal-token`],
    ]],
    // RS256 with a key file on the data volume: OAuth2 tokens (Woodpecker's login) survive restarts.
    // JWT_SECRET is Gitea's general token-signing secret all the same (oauth2.go:133-156, stored by
    // generalSigningSecret): without it Gitea makes a new one at every start.
    ['oauth2', [
      ['JWT_SIGNING_ALGORITHM', 'RS256'],
      ['JWT_SIGNING_PRIVATE_KEY_FILE', `${data}/jwt/private.pem`],
      ['JWT_SECRET_URI', `file:${s.secretsDir}/jwt-secret`],
    ]],
    ['service', [['DISABLE_REGISTRATION', true], ['REQUIRE_SIGNIN_VIEW', false]]],
    // Served over HTTPS only (TLS ends at Traefik).
    ['session', [['COOKIE_SECURE', true]]],
    ['webhook', [['ALLOWED_HOST_LIST', s.webhookAllowedHosts.join(',')]]],
    ['cron.update_checker', [['ENABLED', false]]],
    ['log', [['MODE', 'console'], ['LEVEL', 'info']]],
  ];
  const lines: string[] = [];
  for (const [name, entries] of sections) {
    if (name !== '') lines.push('', `[${name}]`);
    for (const [key, value] of entries) lines.push(`${key} = ${iniValue(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function iniValue(value: string | number | boolean): string {
  const text = String(value);
  if (/[\r\n]/.test(text)) throw new Error(`app.ini value ${JSON.stringify(text)} contains a line break (expected one line); remove it`);
  return text;
}

/** Where the ConfigMap with the rendered app.ini is mounted, and the writable (in-memory) copy Gitea reads and updates. */
export const APP_INI_TEMPLATE_DIR = '/etc/gitea-template';
export const APP_INI_DIR = '/etc/gitea';

/**
 * The init container that copies the rendered app.ini from the ConfigMap (volume `config-template`) into the
 * writable emptyDir (volume `config`): the rootless image's entrypoint writes app.ini at start (environment-to-ini),
 * which a ConfigMap mount would refuse. Used by the server and by the users Job, so both read the same config.
 */
export function appIniCopyContainer(image: string): k8s.Container {
  return {
    name: 'init-config',
    image,
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', `cp ${APP_INI_TEMPLATE_DIR}/app.ini ${APP_INI_DIR}/app.ini && chmod 0600 ${APP_INI_DIR}/app.ini`],
    securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
    resources: resources({ cpuRequest: '10m', memoryRequest: '16Mi', cpuLimit: '100m', memoryLimit: '64Mi' }),
    volumeMounts: [
      { name: 'config-template', mountPath: APP_INI_TEMPLATE_DIR, readOnly: true },
      { name: 'config', mountPath: APP_INI_DIR },
    ],
  };
}
