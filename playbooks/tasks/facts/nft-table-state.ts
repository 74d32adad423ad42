/**
 * The state of one project-owned nftables table: the sha256 of the persisted ruleset file, the sha256 of the live
 * table listing, and the listing hash recorded when the last change was confirmed (to detect drift: someone
 * flushed or edited the live table). `live` is null when the table does not exist.
 */
import { defineFact, pathSubject, sh, type Fact } from '../../core';

/** Subjects of one managed table: its files, its live ruleset, the rollback markers. */
export const nftSubjects = (family: string, table: string, file: string, recordFile: string, stateDir: string): string[] => [
  pathSubject(file),
  pathSubject(recordFile),
  `nft:${family} ${table}`,
  `nft-pending:${stateDir}`,
];

export interface NftTableState {
  readonly persistedSha256: string | null;
  readonly liveSha256: string | null;
  readonly recordedLiveSha256: string | null;
  /** Rollback markers of earlier runs that were never confirmed (`pending-<token>`). */
  readonly pending: readonly string[];
}

export function nftTableState(family: string, table: string, file: string, recordFile: string, stateDir: string): Fact<NftTableState> {
  const command = sh`f=${file}; r=${recordFile}; ` +
    sh`if [ -f "$f" ]; then echo "persisted $(sha256sum < "$f" | cut -d' ' -f1)"; else echo 'persisted -'; fi; ` +
    sh`if out=$(nft list table ${family} ${table} 2>/dev/null); then echo "live $(printf '%s\n' "$out" | sha256sum | cut -d' ' -f1)"; else echo 'live -'; fi; ` +
    sh`if [ -f "$r" ]; then echo "recorded $(cat "$r")"; else echo 'recorded -'; fi; ` +
    sh`for p in ${stateDir}/pending-*; do [ -e "$p" ] && echo "pending \${p##*/}"; done; true`;
  return defineFact(`nft.table-state:${family}:${table}:${file}`, command, ({ stdout }) => {
    const get = (k: string): string | null => {
      const v = stdout.split('\n').find((l) => l.startsWith(`${k} `))?.slice(k.length + 1).trim();
      return v && v !== '-' ? v : null;
    };
    const pending = stdout.split('\n').filter((l) => l.startsWith('pending ')).map((l) => l.slice('pending '.length).trim());
    return { persistedSha256: get('persisted'), liveSha256: get('live'), recordedLiveSha256: get('recorded'), pending };
  }, { subjects: nftSubjects(family, table, file, recordFile, stateDir) });
}
