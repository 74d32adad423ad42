/**
 * Judges a supplied secret value against its requirement's check (constructs/secret-requirement.ts). Returns the
 * problem, phrased to follow "the value ...", or undefined; a problem never contains the value.
 */
import { databaseUrlProblem } from './database-url';
import { dockerConfigJsonProblem } from './pull-secret';
import type { SecretValueCheck } from './secret-requirement';

export function secretValueProblem(check: SecretValueCheck, value: string): string | undefined {
  switch (check.kind) {
    case 'database-url':
      return databaseUrlProblem(value, check.database);
    case 'dockerconfigjson':
      return dockerConfigJsonProblem(value, check.registry);
  }
}
