// Who gets a copy of the written termination notice besides the customer.
import { inSeason, seasonLabel } from './calendar';
import type { AccountSnapshot, Citation, PolicyProfile, RecipientRole } from './types';

/**
 * Everyone the written notice goes to. `onDate` (YYYY-MM-DD, optional) limits seasonal recipients
 * to their season; without it they are listed with their season named.
 */
export function requiredNoticeRecipients(
  profile: PolicyProfile,
  snapshot: AccountSnapshot,
  onDate?: string,
): { role: RecipientRole; reason: Citation }[] {
  const r = profile.recipients;
  const out: { role: RecipientRole; reason: Citation }[] = [
    {
      role: 'CUSTOMER',
      reason: {
        code: profile.notice.code,
        cite: profile.notice.cite,
        text: snapshot.tenantOccupied
          ? 'the customer of record (the landlord of a tenant-occupied premises)'
          : 'the customer of record',
      },
    },
  ];
  if (r.thirdPartyDesignee && snapshot.thirdPartyDesignee)
    out.push({
      role: 'THIRD_PARTY',
      reason: { ...r.thirdPartyDesignee, text: 'the third party the customer designated gets a copy' },
    });
  if (r.seniorOrDependentAdult && snapshot.age65OrDependentAdult)
    out.push({
      role: 'THIRD_PARTY',
      reason: {
        ...r.seniorOrDependentAdult,
        text: 'customer 65 or older or a dependent adult: third-party notice',
      },
    });
  if (r.tenantOccupied && snapshot.tenantOccupied) {
    const { code, cite } = r.tenantOccupied;
    for (const role of r.tenantOccupied.roles)
      out.push({
        role,
        reason: {
          code,
          cite,
          text:
            role === 'OCCUPANT'
              ? 'tenant-occupied: a notice to the residents addressed to "Occupant"'
              : 'tenant-occupied: a copy to the landlord',
        },
      });
    if (r.tenantOccupied.localOfficials)
      out.push({
        role: 'HEALTH_DEPARTMENT',
        reason: {
          code,
          cite,
          text: 'multiple dwelling: local officials (health and social services) are notified',
        },
      });
  }
  const hd = r.healthDepartment;
  if (hd && (!hd.heatingOnly || snapshot.heating) && (!onDate || inSeason(hd.season, onDate)))
    out.push({
      role: 'HEALTH_DEPARTMENT',
      reason: {
        code: hd.code,
        cite: hd.cite,
        text: `${onDate ? '' : `${seasonLabel(hd.season)} only: `}winter heating termination: the local health department is notified`,
      },
    });
  return out;
}
