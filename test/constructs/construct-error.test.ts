import { describe, expect, it } from 'vitest';
import { checkDnsSubdomain, checkPinnedImage, checkPinnedVersion, checkQuantity, ConstructPropsError } from '../../constructs/construct-error';

describe('construct checks', () => {
  it('accepts pinned images and refuses moving or missing tags and bad digests', () => {
    expect(() => checkPinnedImage('W', 'image', 'ghcr.io/org/app:v1.2.3')).not.toThrow();
    expect(() => checkPinnedImage('W', 'image', 'registry.local:5000/org/app:1.0')).not.toThrow();
    expect(() => checkPinnedImage('W', 'image', 'registry.local:5000/org/app')).toThrow(/^W: image 'registry.local:5000\/org\/app' is not a pinned image/);
    expect(() => checkPinnedImage('W', 'image', 'app:latest')).toThrow(ConstructPropsError);
    expect(() => checkPinnedImage('W', 'image', 'app@sha256:abc')).toThrow(/^W: image 'app@sha256:abc' has a malformed digest/);
  });

  it('refuses moving versions with the fix in the message', () => {
    expect(() => checkPinnedVersion('W', 'version', 'stable', '1.0.0')).toThrow(
      "W: version 'stable' is not a pinned version (expected an exact release such as '1.0.0'); pin an exact release",
    );
    expect(() => checkPinnedVersion('W', 'version', 'v2.8.3', 'v2.8.3')).not.toThrow();
  });

  it('checks quantities', () => {
    for (const ok of ['100m', '1', '0.5', '256Mi', '20Gi']) expect(() => checkQuantity('W', 'q', ok)).not.toThrow();
    for (const bad of ['20 Gi', '', 'lots', '1GB']) expect(() => checkQuantity('W', 'q', bad)).toThrow(/^W: q .* is not a Kubernetes quantity/);
  });
});

describe('checkDnsSubdomain', () => {
  it('accepts dotted storage class names and refuses upper case', () => {
    expect(() => checkDnsSubdomain('W', 'storageClassName', 'longhorn.io')).not.toThrow();
    expect(() => checkDnsSubdomain('W', 'storageClassName', 'Local_Path')).toThrow(/^W: storageClassName 'Local_Path' is not a valid object name/);
  });
});
