import type { SecretRequirement } from './secret-requirement';

/** Keys of the Cloudflare Secret (cert-manager's DNS-01 solver and rdev-api's DNS adapter share it). */
export const CLOUDFLARE_TOKEN_KEY = 'api-token';
export const CLOUDFLARE_ZONE_KEY = 'zone-id';

/** The Cloudflare credentials a person supplies once per region. */
export function cloudflareSecretRequirement(name: string, namespace: string, domain: string): SecretRequirement {
  return {
    name,
    namespace,
    description: `Cloudflare API token and zone of ${domain} (cert-manager DNS-01, rdev-api DNS records)`,
    keys: [
      {
        key: CLOUDFLARE_TOKEN_KEY,
        source: 'supply',
        help: `Cloudflare dashboard > My Profile > API Tokens > Create Token, template "Edit zone DNS", zone resources: include ${domain}`,
      },
      {
        key: CLOUDFLARE_ZONE_KEY,
        source: 'supply',
        help: `Cloudflare dashboard > ${domain} > Overview, "API" box on the right: Zone ID`,
      },
    ],
  };
}
