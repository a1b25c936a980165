/**
 * Simulated AWS Certificate Manager: certificates (Amazon-issued with DNS or e-mail validation, imported, private),
 * their validation records, managed renewal, tags, the account's expiry-event setting, and ACM's EventBridge events.
 *
 * Modelled (ACM API reference: DescribeCertificate, ListCertificates, ListTagsForCertificate, AddTagsToCertificate,
 * GetAccountConfiguration, PutAccountConfiguration; CertificateDetail, RenewalSummary, DomainValidation):
 * - Status ISSUED until NotAfter, then EXPIRED. Type AMAZON_ISSUED | IMPORTED | PRIVATE. A DNS-validated name has a
 *   ResourceRecord {Name, Type CNAME, Value}; the record is the same for every certificate of the account that covers
 *   that name, and `*.example.com` shares the record of `example.com` (ACM user guide, "DNS validation"), so several
 *   certificates can depend on one record.
 * - InUseBy (API reference, CertificateDetail: the ARNs of the AWS resources that use the certificate): the load
 *   balancers whose listeners use it as default or SNI certificate — asked of the simulated ELBv2 on every read, so a
 *   ModifyListener or Add/RemoveListenerCertificates shows at once — followed by the other users a CertificateSpec
 *   declares (resources the sim does not model: CloudFront, API Gateway...). A declared load balancer ARN is only
 *   checked against the listeners (SimConfigError when they do not use the certificate), never stored: the listeners
 *   are the one source of truth. InUse (ListCertificates, the Available event) follows InUseBy.
 * - RenewalEligibility (user guide, "Managed certificate renewal"): ELIGIBLE when in use by another service (InUseBy)
 *   or exported; INELIGIBLE when imported or expired.
 * - Managed renewal (user guide, "Renewal for domains validated by DNS" / "by email", and the private-certificate
 *   page): ACM starts renewing eligible Amazon-issued and private certificates 60 days before NotAfter. A DNS-validated
 *   certificate renews only if each name's validation CNAME resolves — here: the record exists in a hosted zone of the
 *   simulated Route 53 with the value ACM asked for. Otherwise RenewalSummary is PENDING_VALIDATION and ACM keeps
 *   trying once a day. An e-mail-validated certificate waits for the owner's approval (`approveEmailRenewal`). A
 *   renewed certificate keeps its ARN with a new NotBefore/NotAfter (395 days for public certificates) and
 *   RenewalSummary SUCCESS.
 * - Events (user guide, "Amazon EventBridge support for ACM",
 *   https://docs.aws.amazon.com/acm/latest/userguide/supported-events.html; source aws.acm, resources [the ARN]):
 *   - "ACM Certificate Approaching Expiration": once a day per active certificate from DaysBeforeExpiry days before
 *     expiry (the account setting; default 45, PutAccountConfiguration changes it), detail {DaysToExpiry, CommonName}.
 *   - "ACM Certificate Renewal Action Required": when a renewal attempt fails at 45 days before expiry, and again on
 *     the further attempts at 30, 15, 3 and 1 days; detail {CertificateType, CommonName, DomainValidationMethod,
 *     RenewalStatusReason, DaysToExpiry, CertificateExpirationDate}.
 *   - "ACM Certificate Expired": at expiry, not for imported certificates.
 *   - "ACM Certificate Available": on issuance, renewal, import and re-import (detail Action ISSUANCE | RENEWAL |
 *     IMPORT | REIMPORT, CertificateType, CommonName, DomainValidationMethod, CertificateCreatedDate,
 *     CertificateExpirationDate, DaysToExpiry, InUse, Exported — "TRUE"/"FALSE" strings).
 *   The daily events come from one check per day (`runDailyCheck`, on a virtual-clock timer once a certificate
 *   exists).
 * - Errors with ACM's classes: a malformed ARN is ValidationException (the pattern message the API returns), an ARN
 *   of another account or region or service InvalidArnException, an unknown certificate ResourceNotFoundException
 *   ("Could not find certificate <arn>."); tags: keys starting "aws:" are InvalidTagException, more than 50 tags on a
 *   certificate TooManyTagsException; DaysBeforeExpiry outside 1–45 and a malformed IdempotencyToken (1–32 of \w)
 *   ValidationException. ListCertificates: CertificateStatuses, Includes.keyTypes (default RSA_1024 and RSA_2048
 *   only, as documented), SortBy CREATED_AT, MaxItems 1–1000 and an opaque NextToken (InvalidArgsException when
 *   unknown).
 *
 * Approximated: no RequestCertificate / ImportCertificate / DeleteCertificate calls (certificates are declared by the
 * scenario, `addCertificate`, `reimport`); issuance is immediate; HTTP validation and revocation are not modelled.
 */
import {
  type AddTagsToCertificateCommandInput,
  type AddTagsToCertificateCommandOutput,
  type CertificateDetail,
  type CertificateSummary,
  type DescribeCertificateCommandInput,
  type DescribeCertificateCommandOutput,
  type DomainValidation,
  type GetAccountConfigurationCommandInput,
  type GetAccountConfigurationCommandOutput,
  InvalidArgsException,
  InvalidArnException,
  InvalidTagException,
  type KeyAlgorithm,
  type ListCertificatesCommandInput,
  type ListCertificatesCommandOutput,
  type ListTagsForCertificateCommandInput,
  type ListTagsForCertificateCommandOutput,
  type PutAccountConfigurationCommandInput,
  type PutAccountConfigurationCommandOutput,
  ResourceNotFoundException,
  TooManyTagsException,
  ValidationException,
} from '@aws-sdk/client-acm';
import {
  byCodeUnit,
  isoSeconds,
  lookupIn,
  type OperationTable,
  type SimContext,
  type SimService,
  type TimerHandle,
} from './context';
import { SimConfigError, serviceError } from './errors';
import { awsEvent, type EventEnvelope } from './events';

export const DAY_MS = 86_400_000;
/** Public ACM certificates are valid for 395 days (user guide, "Renewal for domains validated by email"). */
export const PUBLIC_VALIDITY_DAYS = 395;
/** Managed renewal starts this many days before NotAfter. */
export const RENEWAL_START_DAYS = 60;
/** Days before expiry on which a failed renewal attempt raises "Renewal Action Required". */
export const ACTION_REQUIRED_DAYS = [45, 30, 15, 3, 1] as const;

export type CertificateKind = 'AMAZON_ISSUED' | 'IMPORTED' | 'PRIVATE';

export interface CertificateSpec {
  domainName: string;
  subjectAlternativeNames?: string[];
  type?: CertificateKind;
  /** Amazon-issued only; default DNS. */
  validationMethod?: 'DNS' | 'EMAIL';
  /** ISO instant or epoch ms; default now. */
  notBefore?: string | number;
  /** ISO instant or epoch ms; default notBefore + 395 days. */
  notAfter?: string | number;
  /**
   * Users besides the load balancers, whose listeners decide on their own; a load balancer named here must have a
   * listener using the certificate (checked, not stored).
   */
  inUseBy?: string[];
  exported?: boolean;
  keyAlgorithm?: KeyAlgorithm;
  tags?: Record<string, string>;
  /** A fixed ARN (a certificate a fleetpilot config names); default a new one. */
  arn?: string;
}

export type AcmDetailType =
  | 'ACM Certificate Approaching Expiration'
  | 'ACM Certificate Renewal Action Required'
  | 'ACM Certificate Expired'
  | 'ACM Certificate Available';

export type AcmEvent = EventEnvelope<'aws.acm', AcmDetailType, Record<string, string | number>>;

/** What ACM reads of ELBv2 for InUseBy (sim/elbv2-load-balancers.ts LoadBalancers). */
export interface CertificateListeners {
  /** The ARNs of the load balancers with a listener that uses the certificate. */
  usersOf(certificateArn: string): string[];
  isLoadBalancerArn(arn: string): boolean;
}

/** An account without load balancers (ACM alone, as in unit tests): every declared user is kept as declared. */
const NO_LISTENERS: CertificateListeners = { usersOf: () => [], isLoadBalancerArn: () => false };

/** What ACM reads of Route 53: the value of a CNAME record, wherever it lives in the account's zones. */
export interface CnameResolver {
  view(): Array<{ records: Array<{ Name?: string; Type?: string; ResourceRecords?: Array<{ Value?: string }> }> }>;
}

interface SimCertificate {
  arn: string;
  domainName: string;
  names: string[];
  type: CertificateKind;
  validationMethod?: 'DNS' | 'EMAIL';
  notBefore: number;
  notAfter: number;
  createdAt: number;
  /** Users declared by the scenario that are not load balancers (those come from the listeners). */
  otherUsers: string[];
  exported: boolean;
  keyAlgorithm: KeyAlgorithm;
  tags: Map<string, string>;
  status: 'ISSUED' | 'EXPIRED';
  renewal?: {
    status: 'PENDING_AUTO_RENEWAL' | 'PENDING_VALIDATION' | 'SUCCESS' | 'FAILED';
    reason?: string;
    at: number;
  };
  emailApproved: boolean;
}

type AcmOperations = {
  DescribeCertificate: readonly [DescribeCertificateCommandInput, DescribeCertificateCommandOutput];
  ListCertificates: readonly [ListCertificatesCommandInput, ListCertificatesCommandOutput];
  ListTagsForCertificate: readonly [ListTagsForCertificateCommandInput, ListTagsForCertificateCommandOutput];
  AddTagsToCertificate: readonly [AddTagsToCertificateCommandInput, AddTagsToCertificateCommandOutput];
  GetAccountConfiguration: readonly [GetAccountConfigurationCommandInput, GetAccountConfigurationCommandOutput];
  PutAccountConfiguration: readonly [PutAccountConfigurationCommandInput, PutAccountConfigurationCommandOutput];
};

/** The ARN pattern of the CertificateArn parameter (ACM API reference, DescribeCertificate). */
const ARN_PATTERN = /^arn:[\w+=/,.@-]+:acm:[\w+=/,.@-]*:[0-9]+:[\w+=,.@-]+(\/[\w+=,.@-]+)*$/;
const DEFAULT_KEY_TYPES: KeyAlgorithm[] = ['RSA_1024', 'RSA_2048'];
const MAX_TAGS = 50;

const instant = (value: string | number | undefined, fallback: number): number =>
  value === undefined ? fallback : typeof value === 'number' ? value : Date.parse(value);

/** The name whose validation record a name uses: `*.example.com` validates through `example.com`. */
const validationBase = (name: string): string => name.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
const withDot = (name: string): string => (name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`);

export class AcmService implements SimService {
  readonly name = 'acm' as const;
  private readonly certificates = new Map<string, SimCertificate>();
  /** Validation record per base name: the same for every certificate of the account. */
  private readonly validationRecords = new Map<string, { name: string; value: string }>();
  private daysBeforeExpiry = 45;
  private timer: TimerHandle | undefined;
  private readonly pageTokens = new Map<string, number>();

  constructor(
    readonly ctx: SimContext,
    private readonly dns: CnameResolver,
    specs: CertificateSpec[] = [],
    private readonly listeners: CertificateListeners = NO_LISTENERS,
  ) {
    for (const spec of specs) this.addCertificate(spec);
  }

  private readonly table: OperationTable<AcmOperations> = {
    DescribeCertificate: (input) => ({ Certificate: this.detail(this.mustCertificate(input.CertificateArn)) }),
    ListCertificates: (input) => this.listCertificates(input),
    ListTagsForCertificate: (input) => {
      const cert = this.mustCertificate(input.CertificateArn);
      return { Tags: [...cert.tags.entries()].map(([Key, Value]) => (Value === '' ? { Key } : { Key, Value })) };
    },
    AddTagsToCertificate: (input) => {
      this.addTags(input);
      return {};
    },
    GetAccountConfiguration: () => ({ ExpiryEvents: { DaysBeforeExpiry: this.daysBeforeExpiry } }),
    PutAccountConfiguration: (input) => {
      this.putAccountConfiguration(input);
      return {};
    },
  };

  readonly operationHandler = lookupIn(this.table);

  // ---- sim-side API ----

  /**
   * A certificate that exists (issued or imported); emits "ACM Certificate Available" (ISSUANCE or IMPORT) when its
   * NotBefore is now (a NotBefore in the past declares one that existed before).
   */
  addCertificate(spec: CertificateSpec): string {
    const now = this.ctx.now();
    const type = spec.type ?? 'AMAZON_ISSUED';
    const notBefore = instant(spec.notBefore, now);
    const notAfter = instant(spec.notAfter, notBefore + PUBLIC_VALIDITY_DAYS * DAY_MS);
    if (!(notAfter > notBefore)) throw new SimConfigError(`certificate ${spec.domainName}: notAfter before notBefore`);
    const arn = spec.arn ?? `arn:aws:acm:${this.ctx.region}:${this.ctx.accountId}:certificate/${this.ctx.ids.uuid()}`;
    if (this.certificates.has(arn)) throw new SimConfigError(`certificate ${arn} declared twice`);
    const names = [spec.domainName, ...(spec.subjectAlternativeNames ?? []).filter((n) => n !== spec.domainName)];
    const cert: SimCertificate = {
      arn,
      domainName: spec.domainName,
      names,
      type,
      ...(type === 'AMAZON_ISSUED' ? { validationMethod: spec.validationMethod ?? 'DNS' } : {}),
      notBefore,
      notAfter,
      createdAt: now,
      otherUsers: this.otherUsers(arn, spec.inUseBy ?? []),
      exported: spec.exported ?? false,
      keyAlgorithm: spec.keyAlgorithm ?? 'RSA_2048',
      tags: new Map(Object.entries(spec.tags ?? {})),
      status: notAfter > now ? 'ISSUED' : 'EXPIRED',
      emailApproved: false,
    };
    if (cert.validationMethod === 'DNS') for (const name of names) this.validationRecordOf(name);
    this.certificates.set(arn, cert);
    // Issued or imported now: Available. A certificate whose NotBefore lies in the past existed before the scenario.
    if (notBefore >= now) {
      this.emit(
        cert,
        'ACM Certificate Available',
        this.availableDetail(cert, type === 'IMPORTED' ? 'IMPORT' : 'ISSUANCE'),
      );
    }
    this.startDailyCheck();
    return arn;
  }

  /** The CNAME ACM asks for to validate `name` (the same for every certificate of the account). */
  validationRecordOf(name: string): { name: string; value: string } {
    const base = validationBase(name);
    let record = this.validationRecords.get(base);
    if (!record) {
      record = {
        name: `_${this.ctx.ids.hex(32)}.${base}.`,
        value: `_${this.ctx.ids.hex(32)}.${this.ctx.ids.chars('abcdefghijklmnopqrstuvwxyz', 10)}.acm-validations.aws.`,
      };
      this.validationRecords.set(base, record);
    }
    return record;
  }

  /** The owner of an e-mail-validated certificate clicks the approval link: the next renewal attempt succeeds. */
  approveEmailRenewal(arn: string): void {
    this.mustCertificate(arn).emailApproved = true;
  }

  /** An imported certificate is re-imported with a new validity (same ARN); emits Available (REIMPORT). */
  reimport(arn: string, notAfter: string | number): void {
    const cert = this.mustCertificate(arn);
    cert.notBefore = this.ctx.now();
    cert.notAfter = instant(notAfter, cert.notBefore);
    cert.status = 'ISSUED';
    this.emit(cert, 'ACM Certificate Available', this.availableDetail(cert, 'REIMPORT'));
  }

  /**
   * A story's shortcut through time: the certificate was issued at `notBefore` (valid the 395 days of a public
   * certificate from then), as if the account had been running that long. No event (nothing happened in ACM).
   */
  backdate(arn: string, notBefore: string | number): void {
    const cert = this.mustCertificate(arn);
    cert.notBefore = instant(notBefore, this.ctx.now());
    cert.notAfter = cert.notBefore + PUBLIC_VALIDITY_DAYS * DAY_MS;
    cert.status = cert.notAfter > this.ctx.now() ? 'ISSUED' : 'EXPIRED';
  }

  /**
   * The users of the certificate other than load balancers change (a resource the sim does not model); load balancer
   * ARNs are checked against the listeners, which alone decide them.
   */
  setInUseBy(arn: string, resources: string[]): void {
    const cert = this.mustCertificate(arn);
    cert.otherUsers = this.otherUsers(cert.arn, resources);
  }

  getAccountDaysBeforeExpiry(): number {
    return this.daysBeforeExpiry;
  }

  view(): CertificateDetail[] {
    return [...this.certificates.values()].map((cert) => this.detail(cert));
  }

  /**
   * What ACM does once a day: expire, attempt renewals, and send the expiry and renewal events. Runs on its own
   * timer every 24 h of virtual time from the first certificate; tests may call it directly.
   */
  runDailyCheck(): void {
    const now = this.ctx.now();
    for (const cert of [...this.certificates.values()].sort((a, b) => byCodeUnit(a.arn, b.arn))) {
      if (cert.status === 'EXPIRED') continue;
      if (now >= cert.notAfter) {
        cert.status = 'EXPIRED';
        if (cert.type !== 'IMPORTED') this.emit(cert, 'ACM Certificate Expired', this.expiredDetail(cert));
        continue;
      }
      const days = this.daysToExpiry(cert);
      if (this.eligible(cert) && days <= RENEWAL_START_DAYS) this.attemptRenewal(cert, days);
      if (cert.status === 'ISSUED' && this.daysToExpiry(cert) <= this.daysBeforeExpiry) {
        this.emit(cert, 'ACM Certificate Approaching Expiration', {
          DaysToExpiry: this.daysToExpiry(cert),
          CommonName: cert.domainName,
        });
      }
    }
  }

  // ---- internals ----

  private startDailyCheck(): void {
    if (this.timer !== undefined) return;
    const tick = () => {
      this.timer = this.ctx.schedule(DAY_MS, tick);
      this.runDailyCheck();
    };
    this.timer = this.ctx.schedule(DAY_MS, tick);
  }

  private otherUsers(arn: string, declared: string[]): string[] {
    const users = this.listeners.usersOf(arn);
    for (const resource of declared.filter((r) => this.listeners.isLoadBalancerArn(r))) {
      if (!users.includes(resource)) {
        throw new SimConfigError(
          `certificate ${arn}: in use by ${resource}, whose listeners do not use it (give the listener the certificate)`,
        );
      }
    }
    return [...new Set(declared.filter((r) => !this.listeners.isLoadBalancerArn(r)))];
  }

  /** InUseBy: the load balancers whose listeners use the certificate, then the other declared users. */
  private inUseBy(cert: SimCertificate): string[] {
    return [...this.listeners.usersOf(cert.arn), ...cert.otherUsers];
  }

  private daysToExpiry(cert: SimCertificate): number {
    return Math.max(0, Math.floor((cert.notAfter - this.ctx.now()) / DAY_MS));
  }

  private eligible(cert: SimCertificate): boolean {
    if (cert.type === 'IMPORTED' || cert.status === 'EXPIRED') return false;
    return this.inUseBy(cert).length > 0 || cert.exported;
  }

  private resolves(record: { name: string; value: string }): boolean {
    return this.dns
      .view()
      .some((zone) =>
        zone.records.some(
          (r) =>
            r.Type === 'CNAME' &&
            withDot(r.Name ?? '') === record.name &&
            (r.ResourceRecords ?? []).some((v) => withDot(v.Value ?? '') === record.value),
        ),
      );
  }

  private attemptRenewal(cert: SimCertificate, days: number): void {
    const now = this.ctx.now();
    let blocked: string | undefined;
    if (cert.validationMethod === 'DNS') {
      if (!cert.names.every((name) => this.resolves(this.validationRecordOf(name)))) blocked = 'PENDING_VALIDATION';
    } else if (cert.validationMethod === 'EMAIL' && !cert.emailApproved) {
      blocked = 'PENDING_VALIDATION';
    }
    if (blocked === undefined) {
      cert.notBefore = now;
      cert.notAfter = now + PUBLIC_VALIDITY_DAYS * DAY_MS;
      cert.renewal = { status: 'SUCCESS', at: now };
      cert.emailApproved = false;
      this.emit(cert, 'ACM Certificate Available', this.availableDetail(cert, 'RENEWAL'));
      return;
    }
    if (cert.renewal?.status !== 'PENDING_VALIDATION') cert.renewal = { status: 'PENDING_VALIDATION', at: now };
    if ((ACTION_REQUIRED_DAYS as readonly number[]).includes(days)) {
      this.emit(cert, 'ACM Certificate Renewal Action Required', {
        CertificateType: cert.type,
        CommonName: cert.domainName,
        DomainValidationMethod: cert.validationMethod ?? 'DNS',
        RenewalStatusReason: 'PENDING_DOMAIN_VALIDATION',
        DaysToExpiry: days,
        CertificateExpirationDate: isoSeconds(cert.notAfter),
      });
    }
  }

  private availableDetail(cert: SimCertificate, action: string): Record<string, string | number> {
    return {
      Action: action,
      CertificateType: cert.type,
      CommonName: cert.domainName,
      ...(cert.validationMethod ? { DomainValidationMethod: cert.validationMethod } : {}),
      CertificateCreatedDate: isoSeconds(cert.createdAt),
      CertificateExpirationDate: isoSeconds(cert.notAfter),
      DaysToExpiry: this.daysToExpiry(cert),
      InUse: this.inUseBy(cert).length > 0 ? 'TRUE' : 'FALSE',
      Exported: cert.exported ? 'TRUE' : 'FALSE',
    };
  }

  private expiredDetail(cert: SimCertificate): Record<string, string | number> {
    const detail = this.availableDetail(cert, '');
    delete detail.Action;
    return { ...detail, DaysToExpiry: 0 };
  }

  private emit(cert: SimCertificate, detailType: AcmDetailType, detail: Record<string, string | number>): void {
    this.ctx.events.emit(
      awsEvent(this.ctx, { source: 'aws.acm', detailType, resources: [cert.arn], detail }) as AcmEvent,
    );
  }

  private validationOptions(cert: SimCertificate): DomainValidation[] {
    return cert.names.map((name) => {
      if (cert.validationMethod === 'EMAIL') {
        const base = validationBase(name);
        return {
          DomainName: name,
          ValidationDomain: base,
          ValidationEmails: [`admin@${base}`, `hostmaster@${base}`, `webmaster@${base}`],
          ValidationStatus: 'SUCCESS',
          ValidationMethod: 'EMAIL',
        };
      }
      const record = this.validationRecordOf(name);
      return {
        DomainName: name,
        ValidationDomain: name,
        ValidationStatus:
          cert.renewal?.status === 'PENDING_VALIDATION' && !this.resolves(record) ? 'PENDING_VALIDATION' : 'SUCCESS',
        ResourceRecord: { Name: record.name, Type: 'CNAME', Value: record.value },
        ValidationMethod: 'DNS',
      };
    });
  }

  private detail(cert: SimCertificate): CertificateDetail {
    const imported = cert.type === 'IMPORTED';
    return {
      CertificateArn: cert.arn,
      DomainName: cert.domainName,
      SubjectAlternativeNames: [...cert.names],
      ...(cert.type === 'AMAZON_ISSUED' ? { DomainValidationOptions: this.validationOptions(cert) } : {}),
      Subject: `CN=${cert.domainName}`,
      Issuer: imported ? 'Example CA' : cert.type === 'PRIVATE' ? 'Example Private CA' : 'Amazon',
      CreatedAt: new Date(cert.createdAt),
      ...(imported ? { ImportedAt: new Date(cert.createdAt) } : { IssuedAt: new Date(cert.notBefore) }),
      Status: cert.status,
      NotBefore: new Date(cert.notBefore),
      NotAfter: new Date(cert.notAfter),
      KeyAlgorithm: cert.keyAlgorithm,
      SignatureAlgorithm: 'SHA256WITHRSA',
      InUseBy: this.inUseBy(cert),
      Type: cert.type,
      ...(cert.renewal && cert.type === 'AMAZON_ISSUED'
        ? {
            RenewalSummary: {
              RenewalStatus: cert.renewal.status,
              DomainValidationOptions: this.validationOptions(cert),
              UpdatedAt: new Date(cert.renewal.at),
            },
          }
        : {}),
      RenewalEligibility: this.eligible(cert) ? 'ELIGIBLE' : 'INELIGIBLE',
      Options: { CertificateTransparencyLoggingPreference: 'ENABLED' },
    };
  }

  private summary(cert: SimCertificate): CertificateSummary {
    return {
      CertificateArn: cert.arn,
      DomainName: cert.domainName,
      SubjectAlternativeNameSummaries: [...cert.names],
      HasAdditionalSubjectAlternativeNames: false,
      Status: cert.status,
      Type: cert.type,
      KeyAlgorithm: cert.keyAlgorithm,
      InUse: this.inUseBy(cert).length > 0,
      Exported: cert.exported,
      RenewalEligibility: this.eligible(cert) ? 'ELIGIBLE' : 'INELIGIBLE',
      NotBefore: new Date(cert.notBefore),
      NotAfter: new Date(cert.notAfter),
      CreatedAt: new Date(cert.createdAt),
      ...(cert.type === 'IMPORTED' ? { ImportedAt: new Date(cert.createdAt) } : { IssuedAt: new Date(cert.notBefore) }),
    };
  }

  private listCertificates(input: ListCertificatesCommandInput) {
    const maxItems = input.MaxItems ?? 1000;
    if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000) {
      throw serviceError(ValidationException, {
        message: `1 validation error detected: Value '${maxItems}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000`,
      });
    }
    const statuses = input.CertificateStatuses;
    const keyTypes = input.Includes?.keyTypes ?? DEFAULT_KEY_TYPES;
    let list = [...this.certificates.values()]
      .filter((c) => !statuses || statuses.length === 0 || statuses.includes(c.status))
      .filter((c) => keyTypes.includes(c.keyAlgorithm));
    if (input.SortBy === 'CREATED_AT') {
      list.sort((a, b) => a.createdAt - b.createdAt || byCodeUnit(a.arn, b.arn));
      if (input.SortOrder === 'DESCENDING') list.reverse();
    } else {
      list.sort((a, b) => byCodeUnit(a.arn, b.arn));
    }
    let start = 0;
    if (input.NextToken !== undefined) {
      const at = this.pageTokens.get(input.NextToken);
      if (at === undefined) throw serviceError(InvalidArgsException, { message: 'The nextToken is not valid.' });
      start = at;
    }
    list = list.slice(start);
    const page = list.slice(0, maxItems);
    const output: { CertificateSummaryList: CertificateSummary[]; NextToken?: string } = {
      CertificateSummaryList: page.map((c) => this.summary(c)),
    };
    if (list.length > maxItems) {
      const token = this.ctx.ids.hex(32);
      this.pageTokens.set(token, start + maxItems);
      output.NextToken = token;
    }
    return output;
  }

  private addTags(input: AddTagsToCertificateCommandInput): void {
    const cert = this.mustCertificate(input.CertificateArn);
    const tags = input.Tags ?? [];
    if (tags.length === 0) {
      throw serviceError(ValidationException, {
        message:
          "1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1",
      });
    }
    for (const tag of tags) {
      const key = tag.Key ?? '';
      if (key.toLowerCase().startsWith('aws:')) {
        throw serviceError(InvalidTagException, { message: `Tag key '${key}' uses the reserved prefix 'aws:'.` });
      }
      if (key.length < 1 || key.length > 128 || (tag.Value ?? '').length > 256) {
        throw serviceError(InvalidTagException, { message: `Tag '${key}' is not valid.` });
      }
    }
    const merged = new Map(cert.tags);
    for (const tag of tags) merged.set(tag.Key ?? '', tag.Value ?? '');
    if (merged.size > MAX_TAGS) {
      throw serviceError(TooManyTagsException, {
        message: `The request contains too many tags. A certificate can have at most ${MAX_TAGS} tags.`,
      });
    }
    cert.tags = merged;
  }

  private putAccountConfiguration(input: PutAccountConfigurationCommandInput): void {
    if (!/^\w{1,32}$/.test(input.IdempotencyToken ?? '')) {
      throw serviceError(ValidationException, {
        message: `1 validation error detected: Value '${input.IdempotencyToken ?? 'null'}' at 'idempotencyToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \\w+`,
      });
    }
    const days = input.ExpiryEvents?.DaysBeforeExpiry;
    if (days === undefined) return;
    if (!Number.isInteger(days) || days < 1 || days > 45) {
      throw serviceError(ValidationException, {
        message: `1 validation error detected: Value '${days}' at 'expiryEvents.daysBeforeExpiry' failed to satisfy constraint: Member must have value between 1 and 45`,
      });
    }
    this.daysBeforeExpiry = days;
  }

  private mustCertificate(arn: string | undefined): SimCertificate {
    const value = arn ?? '';
    if (!ARN_PATTERN.test(value)) {
      throw serviceError(ValidationException, {
        message: `1 validation error detected: Value '${value}' at 'certificateArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:acm:[\\w+=/,.@-]*:[0-9]+:[\\w+=,.@-]+(/[\\w+=,.@-]+)*`,
      });
    }
    const [, , , region, account, resource] = value.split(':');
    if (region !== this.ctx.region || account !== this.ctx.accountId || !resource?.startsWith('certificate/')) {
      throw serviceError(InvalidArnException, { message: `String '${value}' is not a valid ARN.` });
    }
    const cert = this.certificates.get(value);
    if (!cert) throw serviceError(ResourceNotFoundException, { message: `Could not find certificate ${value}.` });
    return cert;
  }
}
