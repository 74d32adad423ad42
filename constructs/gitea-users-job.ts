import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { sha256 } from './checksum';
import { fail } from './construct-error';
import { appIniCopyContainer } from './gitea-app-ini';
import { appLabels, selectorLabels } from './labels';
import { placementSpec, type Placement } from './placement';
import type { SecretRequirement } from './secret-requirement';
import { containerSecurityContext, podSecurityContext, resources, secretEnv } from './workload';

/** A Gitea account the platform needs, created once by the users Job. */
export interface GiteaUserSpec {
  /** Login name, e.g. `platform-admin` or `rdev-api`. */
  readonly username: string;
  readonly email: string;
  /** Site administrator. @default false */
  readonly admin?: boolean;
  /** Organisations this user creates (as their owner) when they do not exist yet, e.g. the default org. @default none */
  readonly organizations?: readonly string[];
}

export interface GiteaUsersJobProps {
  readonly namespace: string;
  /** Gitea release (label) and its rootless image: the Job runs the same `gitea` binary as the server. */
  readonly version: string;
  readonly image: string;
  readonly users: readonly GiteaUserSpec[];
  /** In-cluster base URL of Gitea's HTTP Service, e.g. `http://gitea-http.platform.svc.cluster.local:3000`. */
  readonly giteaUrl: string;
  /** Labels of the Gitea pod (sqlite: the Job runs next to it, on the node that holds the data volume). */
  readonly giteaPodLabels: Readonly<Record<string, string>>;
  /** The ConfigMap with app.ini, the Secret its `*_URI` keys read, and the database password env, as the server has them. */
  readonly configMapName: string;
  readonly secretsName: string;
  readonly secretsDir: string;
  readonly workPath: string;
  readonly env: readonly k8s.EnvVar[];
  /** sqlite: the server's data claim (`data-gitea-0`), mounted at workPath; postgres: undefined (an emptyDir). */
  readonly dataClaimName?: string;
  /** How long the Job waits for Gitea's /api/healthz (Gitea's own startup window plus scheduling). */
  readonly waitSeconds: number;
  readonly placement?: Placement;
}

/** Gitea's reserved user names (models/user/user.go reservedUsernames) and patterns (reservedUserPatterns). */
const RESERVED = new Set(['.', '..', '.well-known', 'admin', 'api', 'assets', 'attachments', 'avatar', 'avatars', 'captcha', 'commits', 'debug', 'error', 'explore', 'favicon.ico', 'ghost', 'issues', 'login', 'manifest.json', 'metrics', 'milestones', 'new', 'notifications', 'org', 'pulls', 'raw', 'repo', 'repo-avatars', 'robots.txt', 'search', 'serviceworker.js', 'ssh_info', 'swagger.v1.json', 'user', 'v2', 'gitea-actions']);
const RESERVED_SUFFIXES = ['.keys', '.gpg', '.rss', '.atom', '.png'];
/** Gitea's username rule (modules/validation IsValidUsername): alphanumerics, - _ . inside, no leading/trailing or doubled specials. */
const USERNAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[-_.](?=[A-Za-z0-9])){0,39}$/;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** Secret key of a user's password in `gitea-users`. */
export function passwordKey(username: string): string {
  return `${username}-password`;
}

/**
 * One-shot, idempotent creation of the platform's Gitea accounts (the admin, the rdev-api user) and of the
 * organisations they own, as a Job:
 *
 * - waits (bounded) until Gitea answers `GET /api/healthz`, i.e. it runs and its migrations are done;
 * - per user: `gitea admin user list`; when the name is absent, `gitea admin user create --username --email
 *   --password --must-change-password=false [--admin]` with the generated password of Secret `gitea-users`
 *   (cmd/admin_user_create.go: `CreateUser` fails when the user exists, so existence is checked first and a
 *   user that exists is left as it is, its password not reset);
 * - per organisation: `GET /api/v1/orgs/<org>` as its owner, `POST /api/v1/orgs` when it is 404.
 *
 * The name carries a hash of the Job's spec: a Job's pod template is immutable, so a changed spec (a Gitea
 * bump, another user) is a new Job rather than a `kubectl apply` that fails; an unchanged spec re-applies as
 * no change. `ttlSecondsAfterFinished` removes a finished Job after a day; the next `kubectl apply -k` then
 * creates it again and it finds everything in place (exit 0, nothing changed).
 *
 * Passwords reach the pod only as env from the Secret; they are never printed and never in the spec.
 */
export class GiteaUsersJob extends Construct {
  readonly job: k8s.KubeJob;
  readonly jobName: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly secret: SecretRequirement;
  static readonly SECRET_NAME = 'gitea-users';

  constructor(scope: Construct, id: string, props: GiteaUsersJobProps) {
    super(scope, id);
    const where = `GiteaUsersJob '${id}'`;
    if (props.users.length === 0) fail(where, 'users', props.users, 'is empty', 'at least one user', 'leave the Job out when there is nobody to create');
    const seen = new Set<string>();
    const emails = new Set<string>();
    props.users.forEach((u, i) => {
      const field = `users[${i}]`;
      if (!USERNAME.test(u.username)) {
        fail(where, `${field}.username`, u.username, 'is not a valid Gitea user name', 'letters, digits and single - _ . between them, at most 40 characters, e.g. rdev-api', 'pick a name Gitea accepts (modules/validation IsValidUsername)');
      }
      if (RESERVED.has(u.username.toLowerCase()) || RESERVED_SUFFIXES.some((s) => u.username.toLowerCase().endsWith(s))) {
        fail(where, `${field}.username`, u.username, 'is reserved by Gitea (CreateUser: name is reserved)', "a name not in models/user/user.go reservedUsernames, e.g. 'platform-admin'", 'rename the user');
      }
      if (seen.has(u.username.toLowerCase())) fail(where, `${field}.username`, u.username, 'appears twice (Gitea user names are case-insensitive)', 'each user once', 'remove the duplicate');
      seen.add(u.username.toLowerCase());
      if (!EMAIL.test(u.email)) fail(where, `${field}.email`, u.email, 'is not an e-mail address', "e.g. 'ops@example.com'", 'give the user a real address');
      if (emails.has(u.email.toLowerCase())) fail(where, `${field}.email`, u.email, 'is used by another user (Gitea requires unique e-mail addresses)', 'one address per user', 'give each user its own address');
      emails.add(u.email.toLowerCase());
      for (const org of u.organizations ?? []) {
        if (!USERNAME.test(org) || RESERVED.has(org.toLowerCase())) {
          fail(where, `${field}.organizations`, org, 'is not a valid, unreserved Gitea organisation name', 'letters, digits and single - _ . between them', 'pick another name');
        }
        if (seen.has(org.toLowerCase())) fail(where, `${field}.organizations`, org, 'is also a user name (users and organisations share one namespace)', 'a name no user has', 'rename the organisation');
      }
    });
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(props.giteaUrl)) {
      fail(where, 'giteaUrl', props.giteaUrl, 'is not a base URL', "e.g. 'http://gitea-http.platform.svc.cluster.local:3000' (no path, no trailing slash)", "pass Gitea's in-cluster Service URL");
    }

    const ns = props.namespace;
    this.podLabels = selectorLabels({ name: 'gitea-users', component: 'git-users', version: props.version });
    const labels = appLabels({ name: 'gitea-users', component: 'git-users', version: props.version });
    this.secret = {
      name: GiteaUsersJob.SECRET_NAME,
      namespace: ns,
      description: `Passwords of the Gitea users the platform creates (${props.users.map((u) => u.username).join(', ')}); the gitea-users Job sets them once, at creation`,
      keys: props.users.map((u) => ({ key: passwordKey(u.username), source: 'generate' as const, bytes: 24 })),
    };

    const passwordEnv = (i: number): string => `GITEA_USER_${i}_PASSWORD`;
    const env: k8s.EnvVar[] = [
      ...props.env,
      { name: 'GITEA_URL', value: props.giteaUrl },
      { name: 'WAIT_SECONDS', value: String(props.waitSeconds) },
      ...props.users.map((u, i) => secretEnv(passwordEnv(i), GiteaUsersJob.SECRET_NAME, passwordKey(u.username))),
    ];
    const steps = [
      ...props.users.map((u, i) => `ensure_user '${u.username}' '${u.email}' ${u.admin === true ? 'true' : 'false'} ${passwordEnv(i)}`),
      ...props.users.flatMap((u, i) => (u.organizations ?? []).map((org) => `ensure_org '${org}' '${u.username}' ${passwordEnv(i)}`)),
    ];
    const script = `${GITEA_USERS_SCRIPT}\nwait_for_gitea\n${steps.join('\n')}\nsay 'done'\n`;

    const volumes: k8s.Volume[] = [
      { name: 'config-template', configMap: { name: props.configMapName } },
      { name: 'config', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
      { name: 'secrets', secret: { secretName: props.secretsName, defaultMode: 0o440 } },
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
      props.dataClaimName
        ? { name: 'data', persistentVolumeClaim: { claimName: props.dataClaimName } }
        : { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
    ];
    const activeDeadlineSeconds = props.waitSeconds + 900;
    const spec: k8s.JobSpec = {
      backoffLimit: 4,
      activeDeadlineSeconds,
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(1000),
          ...placementSpec(props.placement),
          // sqlite: the data volume is the server's; run on its node (a local-path volume pins it there anyway,
          // a network RWO volume could not attach to a second node)
          ...(props.dataClaimName
            ? {
                affinity: {
                  podAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [
                      { labelSelector: { matchLabels: { ...props.giteaPodLabels } }, topologyKey: 'kubernetes.io/hostname' },
                    ],
                  },
                },
              }
            : {}),
          initContainers: [
            appIniCopyContainer(props.image),
          ],
          containers: [
            {
              name: 'users',
              image: props.image,
              imagePullPolicy: 'IfNotPresent',
              // args only: the image's entrypoint (docker-entrypoint.sh -> docker-setup.sh) applies the GITEA__*
              // env to app.ini first, exactly as in the server pod, then runs these args
              args: ['/bin/bash', '-c', script],
              env,
              securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
              resources: resources({ cpuRequest: '20m', memoryRequest: '64Mi', cpuLimit: '500m', memoryLimit: '384Mi' }),
              volumeMounts: [
                { name: 'data', mountPath: props.workPath },
                { name: 'config', mountPath: '/etc/gitea' },
                { name: 'secrets', mountPath: props.secretsDir, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes,
        },
      },
    };
    // the hash covers everything kubectl apply would have to change in the immutable template
    this.jobName = `gitea-users-${sha256(JSON.stringify(k8s.KubeJob.manifest({ spec }))).slice(0, 10)}`;
    this.job = new k8s.KubeJob(this, 'Job', { metadata: { name: this.jobName, namespace: ns, labels }, spec });
  }
}

/**
 * The Job's script (bash, in the rootless image). Functions only; the construct appends the calls. Every wait is
 * bounded (WAIT_SECONDS for Gitea, --max-time on each request); no password is printed or put on a command line
 * other than gitea's own `--password` (visible only inside this pod's process namespace).
 */
export const GITEA_USERS_SCRIPT = String.raw`set -euo pipefail
say() { printf 'gitea-users: %s\n' "$*"; }
die() { printf 'gitea-users: %s\n' "$*" >&2; exit 1; }
gitea_cli() { "${"$"}{GITEA_BIN:-/app/gitea/gitea}" --config "$GITEA_APP_INI" "$@"; }
wait_for_gitea() {
  local deadline=$(( $(date +%s) + WAIT_SECONDS ))
  until curl -fsS -o /dev/null --max-time 5 "$GITEA_URL/api/healthz" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || die "Gitea did not answer $GITEA_URL/api/healthz within $WAIT_SECONDS s (still migrating, or not running: see the gitea pod's log); the Job retries"
    sleep 5
  done
  say "Gitea answers $GITEA_URL/api/healthz"
}
user_names() { gitea_cli admin user list | awk '$1 == "ID" && $2 == "Username" { header = 1; next } header { print $2 }'; }
has_user() {
  local names
  names=$(user_names) || die "gitea admin user list failed (see above)"
  printf '%s\n' "$names" | grep -ixF -- "$1" >/dev/null
}
ensure_user() {
  local name=$1 email=$2 admin=$3 password_var=$4
  if has_user "$name"; then say "user $name exists, left as it is (its password is not reset)"; return 0; fi
  local password=${"$"}{!password_var:-}
  [ -n "$password" ] || die "no password for $name in $password_var (Secret gitea-users): run npm run secrets"
  local flags=(--username "$name" --email "$email" --password "$password" --must-change-password=false)
  [ "$admin" = true ] && flags+=(--admin)
  gitea_cli admin user create "${"$"}{flags[@]}" || die "gitea admin user create $name failed (see above)"
  has_user "$name" || die "user $name is still not listed after it was created"
  say "user $name created$([ "$admin" = true ] && echo ' (site administrator)')"
}
api() {
  # api METHOD PATH OWNER PASSWORD_VAR [JSON]: basic auth through a curl config on stdin, never on the command line
  local method=$1 path=$2 owner=$3 password_var=$4 body=${"$"}{5:-}
  local args=(-sS -o /tmp/gitea-users.out -w '%{http_code}' --max-time 20 -K - -X "$method")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
  printf 'user = "%s:%s"\n' "$owner" "${"$"}{!password_var}" | curl "${"$"}{args[@]}" "$GITEA_URL$path"
}
ensure_org() {
  local org=$1 owner=$2 password_var=$3 code
  code=$(api GET "/api/v1/orgs/$org" "$owner" "$password_var") || die "GET /api/v1/orgs/$org failed"
  case $code in
    200) say "organization $org exists, left as it is"; return 0 ;;
    404) ;;
    401) die "GET /api/v1/orgs/$org: $owner's password is not the one in Secret gitea-users (changed by hand?); set it back, or create $org by hand" ;;
    *) die "GET /api/v1/orgs/$org answered HTTP $code" ;;
  esac
  code=$(api POST /api/v1/orgs "$owner" "$password_var" "{\"username\":\"$org\",\"visibility\":\"private\"}") || die "POST /api/v1/orgs failed"
  case $code in
    201) say "organization $org created, owned by $owner" ;;
    422) die "organization $org cannot be created: the name is taken (by a user, or an org $owner cannot see); make $owner an owner of it" ;;
    *) die "POST /api/v1/orgs answered HTTP $code: $(head -c 300 /tmp/gitea-users.out)" ;;
  esac
}`;
