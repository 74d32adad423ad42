/** rdev-api's DATABASE_URL: its form and the check `npm run secrets` runs on a supplied value (constructs/database-url.ts). */
import { describe, expect, it } from 'vitest';
import { databaseUrlForm, databaseUrlProblem } from '../../constructs/database-url';

describe('databaseUrlProblem', () => {
  it('compares the endpoint as the URL parser normalizes it: IPv6 compression, upper case, the default port', () => {
    const v6 = { host: '[2001:DB8:0::50]:5432', name: 'rdev', user: 'rdev', sslMode: 'verify-full' as const };
    expect(databaseUrlProblem('postgres://rdev:pw@[2001:db8::50]/rdev?sslmode=verify-full', v6)).toBeUndefined();
    expect(databaseUrlProblem('postgres://rdev:pw@[2001:db8::51]:5432/rdev?sslmode=verify-full', v6)).toMatch(/^connects to \[2001:db8::51\]:5432/);
    const named = { host: 'db.example.com:6432', name: 'rdev', user: 'rdev', sslMode: 'verify-full' as const };
    expect(databaseUrlProblem('postgresql://rdev:pw@DB.Example.com:6432/rdev?sslmode=verify-full&sslrootcert=system', named)).toBeUndefined();
    expect(databaseUrlProblem('postgresql://rdev:pw@db.example.com/rdev?sslmode=verify-full', named)).toMatch(/^connects to db\.example\.com:5432, but rdev-api's NetworkPolicy allows only db\.example\.com:6432/);
  });

  it('accepts percent-encoded user names and passwords, and never puts the password into a problem', () => {
    const e = { host: '10.0.0.50:5432', name: 'rdev', user: 'rdev', sslMode: 'require' as const };
    expect(databaseUrlProblem('postgres://rdev:p%40ss%3Aw%2Frd%25@10.0.0.50:5432/rdev?sslmode=require', e)).toBeUndefined();
    for (const bad of ['postgres://rdev:Sup3rSecret@10.0.0.50:5432/other?sslmode=require', 'postgres://rdev:Sup3rSecret@10.0.0.50:5432/rdev?sslmode=disable']) {
      const problem = databaseUrlProblem(bad, e);
      expect(problem).toBeDefined();
      expect(problem).not.toContain('Sup3rSecret');
    }
  });

  it('says the exact form with the region values', () => {
    expect(databaseUrlForm({ host: '10.0.0.50:5432', name: 'rdev', user: 'rdev', sslMode: 'require' })).toBe('postgres://rdev:<password, percent-encoded>@10.0.0.50:5432/rdev?sslmode=require');
  });
});
