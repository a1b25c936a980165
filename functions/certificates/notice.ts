/**
 * No spam. ACM sends Approaching Expiration every day, EventBridge delivers at least once, and a Lambda function keeps
 * nothing between invocations; so what fleetpilot last said about a certificate is kept where AWS holds it: a tag on
 * the certificate itself (`fleetpilot:notice`), read back with ListTagsForCertificate and written with
 * AddTagsToCertificate. It needs no table or bucket of fleetpilot's own, lives and dies with the certificate, is
 * visible in the console, and a renewal (new NotAfter) starts a new story by itself because the NotAfter is part of
 * the value. Written after the notification, so a crash in between repeats a notice rather than losing it.
 */
import { type ACMClient, AddTagsToCertificateCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import type { Severity } from '../../shared/notify/notifier';
import type { Mutations } from '../../shared/runtime/mutations';

export const NOTICE_TAG = 'fleetpilot:notice';

/** `<NotAfter yyyy-mm-dd>/<state>`: expiring-<threshold>, action-<reason>-<days>, expired, renewed. */
export interface NoticeState {
  notAfter: string;
  state: string;
}

export const encode = (s: NoticeState): string => `${s.notAfter}/${s.state}`;

export function decode(value: string | undefined): NoticeState | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}|none)\/([\w.:=+@-]+)$/.exec(value ?? '');
  return m ? { notAfter: m[1] ?? '', state: m[2] ?? '' } : undefined;
}

const threshold = (state: string): number | undefined => {
  const m = /^expiring-(\d+)$/.exec(state);
  return m ? Number(m[1]) : undefined;
};

/** The threshold a certificate has reached: the smallest configured one not below the days left. */
export function reachedThreshold(thresholds: readonly number[], daysLeft: number): number | undefined {
  const reached = thresholds.filter((t) => daysLeft <= t);
  return reached.length === 0 ? undefined : Math.min(...reached);
}

/** Severity rises as thresholds shrink: the widest is info, 7 days and less critical, the rest warning. */
export function severityFor(thresholds: readonly number[], reached: number, imported: boolean): Severity {
  const widest = Math.max(...thresholds);
  const base: Severity = reached <= 7 ? 'critical' : reached === widest ? 'info' : 'warning';
  return imported && base === 'info' ? 'warning' : base;
}

/** Speak or stay silent: silent for the same notice again, and for a lower expiry threshold already announced. */
export function shouldNotify(previous: NoticeState | undefined, current: NoticeState): boolean {
  if (!previous) return true;
  if (encode(previous) === encode(current)) return false;
  if (previous.notAfter === current.notAfter) {
    const before = threshold(previous.state);
    const now = threshold(current.state);
    if (before !== undefined && now !== undefined && now >= before) return false;
  }
  return true;
}

export async function readNotice(acm: ACMClient, arn: string): Promise<NoticeState | undefined> {
  const { Tags = [] } = await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }));
  return decode(Tags.find((t) => t.Key === NOTICE_TAG)?.Value);
}

export async function writeNotice(acm: ACMClient, arn: string, state: NoticeState, mutations: Mutations) {
  await mutations.run(`tag ${arn} ${NOTICE_TAG}=${encode(state)}`, () =>
    acm.send(
      new AddTagsToCertificateCommand({ CertificateArn: arn, Tags: [{ Key: NOTICE_TAG, Value: encode(state) }] }),
    ),
  );
}
