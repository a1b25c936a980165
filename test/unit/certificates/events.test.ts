/**
 * ACM's sample events (events/README.md cites each: the current "Amazon EventBridge support for ACM" page and the
 * older sample of Approaching Expiration) parse; malformed ones are refused naming the field; the notice rules.
 */
import { parseAcmEvent } from '../../../functions/certificates/events';
import { decode, encode, reachedThreshold, severityFor, shouldNotify } from '../../../functions/certificates/notice';
import { EventValidationError } from '../../../shared/errors';
import { loadEvent } from '../../helpers/events';

describe('ACM events', () => {
  it.each([
    ['acm-certificate-approaching-expiration', 'approaching', 31],
    ['acm-certificate-approaching-expiration-legacy', 'approaching', 31],
    ['acm-certificate-expired', 'expired', 0],
    ['acm-certificate-renewal-action-required', 'action-required', 30],
    ['acm-certificate-available', 'available', 198],
  ])('parses AWS sample %s', (name, type, days) => {
    const event = parseAcmEvent(loadEvent(name));

    expect(event.type).toBe(type);
    expect(event.daysToExpiry).toBe(days);
    expect(event.certificateArn).toMatch(/^arn:aws:acm:/);
  });

  it('reads the legacy sample with its own ARN and common name', () => {
    const event = parseAcmEvent(loadEvent('acm-certificate-approaching-expiration-legacy'));

    expect(event.certificateArn).toBe(
      'arn:aws:acm:us-east-1:123456789012:certificate/61f50cd4-45b9-4259-b049-d0a53682fa4b',
    );
    expect(event.commonName).toBe('My Awesome Service');
  });

  it('reads the reason of Renewal Action Required and the action of Available', () => {
    expect(parseAcmEvent(loadEvent('acm-certificate-renewal-action-required')).renewalStatusReason).toBe('CAA_ERROR');
    expect(parseAcmEvent(loadEvent('acm-certificate-available')).action).toBe('ISSUANCE');
  });

  it('refuses an Approaching Expiration without DaysToExpiry, and a resource that is not a certificate', () => {
    const noDays = loadEvent<{ detail: Record<string, unknown> }>('acm-certificate-approaching-expiration');
    delete noDays.detail.DaysToExpiry;
    const notCert = loadEvent<{ resources: string[] }>('acm-certificate-expired');
    notCert.resources = ['arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0'];

    expect(() => parseAcmEvent(noDays)).toThrow(EventValidationError);
    expect(() => parseAcmEvent(notCert)).toThrow(/resources\[0\]|resources\.0/);
  });
});

describe('notice rules', () => {
  const thresholds = [30, 14, 7, 3, 1];

  it('finds the smallest threshold reached, none above the widest', () => {
    expect(reachedThreshold(thresholds, 31)).toBeUndefined();
    expect(reachedThreshold(thresholds, 30)).toBe(30);
    expect(reachedThreshold(thresholds, 13)).toBe(14);
    expect(reachedThreshold(thresholds, 0)).toBe(1);
  });

  it('raises severity as thresholds shrink; an imported certificate never gets info', () => {
    expect(severityFor(thresholds, 30, false)).toBe('info');
    expect(severityFor(thresholds, 14, false)).toBe('warning');
    expect(severityFor(thresholds, 7, false)).toBe('critical');
    expect(severityFor(thresholds, 30, true)).toBe('warning');
  });

  it('is silent for the same notice, and for a wider threshold after a narrower one', () => {
    const at14 = { notAfter: '2026-12-09', state: 'expiring-14' };

    expect(shouldNotify(at14, { ...at14 })).toBe(false);
    expect(shouldNotify(at14, { notAfter: '2026-12-09', state: 'expiring-30' })).toBe(false);
    expect(shouldNotify(at14, { notAfter: '2026-12-09', state: 'expiring-7' })).toBe(true);
    expect(shouldNotify(at14, { notAfter: '2026-12-09', state: 'action-PENDING_DOMAIN_VALIDATION-15' })).toBe(true);
    expect(shouldNotify(at14, { notAfter: '2027-12-24', state: 'renewed' })).toBe(true);
    expect(shouldNotify(undefined, at14)).toBe(true);
  });

  it('round-trips through the tag value and ignores a value it did not write', () => {
    const state = { notAfter: '2026-12-09', state: 'action-CAA_ERROR-30' };

    expect(decode(encode(state))).toEqual(state);
    expect(decode('someone else wrote this')).toBeUndefined();
  });
});
