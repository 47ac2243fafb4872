// When a drinking-water notice's first delivery is due (domain/water-notices.ts has the rules).
// Apart from the rules because it needs the time-zone calendar, which workflows do not import.
import { zonedInstant } from './collections/calendar';
import type { WaterNoticeKind } from './water-notices';

const HOUR = 3_600_000;

/** What a notice is for: when the system learned of the situation, or the CCR's delivery year. */
export type WaterNoticeBasis =
  | { kind: Exclude<WaterNoticeKind, 'CCR'>; learnedAt: Date }
  | { kind: 'CCR'; year: number; edition: 1 | 2 };

/**
 * The instant the first delivery is due by. A CCR is due by the end of July 1 (or December 31 for
 * the second edition) in the utility's time zone.
 */
export function waterNoticeDueBy(b: WaterNoticeBasis, timeZone: string): Date {
  switch (b.kind) {
    case 'PN_TIER_1':
      return new Date(b.learnedAt.getTime() + 24 * HOUR);
    case 'PN_TIER_2':
      return new Date(b.learnedAt.getTime() + 30 * 24 * HOUR);
    case 'PN_TIER_3': {
      const t = b.learnedAt;
      const later = new Date(t.getTime());
      later.setUTCFullYear(t.getUTCFullYear() + 1);
      return later;
    }
    case 'CCR': {
      const day = b.edition === 1 ? `${b.year}-07-01` : `${b.year}-12-31`;
      return new Date(zonedInstant(day, 24 * 60, timeZone) - 1);
    }
  }
}
