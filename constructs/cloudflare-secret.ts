import type { SecretRequirement } from './secret-requirement';

/** Keys of the Cloudflare Secret (cert-manager's DNS-01 solver and rdev-api's DNS adapter share it). */
export const CLOUDFLARE_TOKEN_KEY = 'api-token';
export const CLOUDFLARE_ZONE_KEY = 'zone-id';

/** How to create the token: the two permissions cert-manager's Cloudflare solver needs (see below). */
export const CLOUDFLARE_TOKEN_PERMISSIONS_HELP =
  'Cloudflare dashboard > My Profile > API Tokens > Create Token > Create Custom Token, permissions Zone:DNS:Edit and Zone:Zone:Read (the "Edit zone DNS" template lacks Zone:Zone:Read, which cert-manager needs to find the zone)';

/**
 * The Cloudflare credentials a person supplies once per region. The token needs exactly two permissions
 * (cert-manager v1.21 docs, https://cert-manager.io/docs/configuration/acme/dns01/cloudflare/ "API Tokens"):
 * Zone:Zone:Read, because cert-manager's solver first looks the zone up by name (`GET /zones?name=`,
 * cert-manager `pkg/issuer/acme/dns/cloudflare/cloudflare.go:125` at v1.21.1), and Zone:DNS:Edit, to create and
 * delete the `_acme-challenge` TXT records (`:168`, `:194`) and rdev-api's tenant records. Cloudflare's
 * "Edit zone DNS" template grants only the second, so DNS-01 fails with "Found no Zones for domain" (`:144`).
 */
export function cloudflareSecretRequirement(name: string, namespace: string, domain: string): SecretRequirement {
  return {
    name,
    namespace,
    description: `Cloudflare API token and zone of ${domain} (cert-manager DNS-01, rdev-api DNS records)`,
    keys: [
      {
        key: CLOUDFLARE_TOKEN_KEY,
        source: 'supply',
        help: `${CLOUDFLARE_TOKEN_PERMISSIONS_HELP}; Zone Resources: Include > Specific zone > ${domain}`,
      },
      {
        key: CLOUDFLARE_ZONE_KEY,
        source: 'supply',
        help: `Cloudflare dashboard > ${domain} > Overview, "API" box on the right: Zone ID`,
      },
    ],
  };
}
