/**
 * Simulated Amazon EC2, launch templates and their numbered versions.
 *
 * Modelled (EC2 API reference, CreateLaunchTemplate, CreateLaunchTemplateVersion, DescribeLaunchTemplates,
 * DescribeLaunchTemplateVersions, ModifyLaunchTemplate; EC2 user guide, "Modify a launch template (manage launch
 * template versions)"):
 * - Ids `lt-` + 17 hex digits; names of 3–128 characters `[A-Za-z0-9().\-/_]`, unique in the region
 *   (InvalidLaunchTemplateName.MalformedException, InvalidLaunchTemplateName.AlreadyExistsException). A new template
 *   has version 1, which is its default and latest version.
 * - CreateLaunchTemplateVersion numbers versions 2, 3, … (never reused). With SourceVersion the new version starts
 *   from the source version's data, and every LaunchTemplateData parameter given replaces the source's parameter of
 *   the same name (top-level parameters, as the API reference describes: "launch parameters that you specify
 *   for the new version overwrite the corresponding parameters in the source version"); without SourceVersion it is
 *   exactly the data given. A repeated ClientToken returns the version it created the first time (idempotency).
 * - Versions given as numbers, `$Latest` or `$Default`; MinVersion/MaxVersion; results newest first.
 * - ModifyLaunchTemplate DefaultVersion moves the default.
 * - Errors (EC2 API reference, "Error codes"): InvalidLaunchTemplateId.Malformed, InvalidLaunchTemplateId.NotFound,
 *   InvalidLaunchTemplateName.NotFoundException, InvalidLaunchTemplateId.VersionNotFound, MissingParameter.
 *
 * Approximated: LaunchTemplateData is stored as given (no validation of its contents; the response returns the
 * request's shape); no DeleteLaunchTemplate(Versions), no tags on templates, no 10,000-version limit.
 */
import type {
  CreateLaunchTemplateCommandInput,
  CreateLaunchTemplateVersionCommandInput,
  DescribeLaunchTemplatesCommandInput,
  DescribeLaunchTemplateVersionsCommandInput,
  LaunchTemplate,
  LaunchTemplateVersion,
  ModifyLaunchTemplateCommandInput,
  RequestLaunchTemplateData,
  ResponseLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import { byCodeUnit, cloneData, type SimContext } from '../context';
import { SimConfigError } from '../errors';
import { ec2Error, page } from './shared';

/** A launch template that exists when the account is created. */
export interface LaunchTemplateSpec {
  name: string;
  imageId: string;
  instanceType?: string;
}

interface SimLaunchTemplateVersion {
  number: number;
  createdAt: number;
  description?: string;
  data: RequestLaunchTemplateData;
  clientToken?: string;
}

export interface SimLaunchTemplate {
  id: string;
  name: string;
  createdAt: number;
  defaultVersion: number;
  latestVersion: number;
  versions: Map<number, SimLaunchTemplateVersion>;
}

/** What a group launches with: the template, the resolved version number, image and instance type. */
export interface ResolvedLaunchTemplate {
  id: string;
  name: string;
  versionNumber: number;
  imageId: string | undefined;
  instanceType: string | undefined;
}

const TEMPLATE_ID = /^lt-[0-9a-f]{17}$/;
const TEMPLATE_NAME = /^[A-Za-z0-9().\-/_]{3,128}$/;

export class Ec2LaunchTemplates {
  private readonly templates = new Map<string, SimLaunchTemplate>();

  constructor(
    private readonly ctx: SimContext,
    specs: LaunchTemplateSpec[] = [],
  ) {
    for (const spec of specs) {
      this.createLaunchTemplate({
        LaunchTemplateName: spec.name,
        LaunchTemplateData: { ImageId: spec.imageId, InstanceType: (spec.instanceType ?? 't3.micro') as never },
      });
    }
  }

  // ---- sim-side API ----

  /** The template named `name`, if any. */
  byName(name: string): SimLaunchTemplate | undefined {
    return [...this.templates.values()].find((template) => template.name === name);
  }

  byId(id: string): SimLaunchTemplate | undefined {
    return this.templates.get(id);
  }

  /** The version number `version` (a number, `$Latest`, `$Default`; default `$Default`) names, if it exists. */
  versionNumber(template: SimLaunchTemplate, version = '$Default'): number | undefined {
    if (version === '$Latest') return template.latestVersion;
    if (version === '$Default') return template.defaultVersion;
    if (!/^\d+$/.test(version)) return undefined;
    const number = Number(version);
    return template.versions.has(number) ? number : undefined;
  }

  /** What an instance launched from `templateId` at `version` gets. Throws SimConfigError if it does not exist. */
  resolve(templateId: string, version: string): ResolvedLaunchTemplate {
    const template = this.templates.get(templateId);
    if (!template) throw new SimConfigError(`unknown launch template ${templateId}`);
    const number = this.versionNumber(template, version);
    const data = number === undefined ? undefined : template.versions.get(number)?.data;
    if (number === undefined || !data) {
      throw new SimConfigError(`launch template ${templateId} has no version ${version}`);
    }
    return {
      id: template.id,
      name: template.name,
      versionNumber: number,
      imageId: data.ImageId,
      instanceType: data.InstanceType,
    };
  }

  list(): SimLaunchTemplate[] {
    return [...this.templates.values()].sort((a, b) => a.createdAt - b.createdAt || byCodeUnit(a.id, b.id));
  }

  // ---- operations ----

  createLaunchTemplate(input: CreateLaunchTemplateCommandInput) {
    const name = input.LaunchTemplateName;
    if (!name) throw ec2Error('MissingParameter', 'The request must contain the parameter LaunchTemplateName');
    if (!input.LaunchTemplateData) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter LaunchTemplateData');
    }
    if (!TEMPLATE_NAME.test(name)) {
      throw ec2Error(
        'InvalidLaunchTemplateName.MalformedException',
        `The launch template name '${name}' is not valid: use 3 to 128 letters, digits and ( ) . - / _`,
      );
    }
    if (this.byName(name)) {
      throw ec2Error('InvalidLaunchTemplateName.AlreadyExistsException', 'Launch template name already in use.');
    }
    let id = `lt-${this.ctx.ids.hex(17)}`;
    while (this.templates.has(id)) id = `lt-${this.ctx.ids.hex(17)}`;
    const now = this.ctx.now();
    const template: SimLaunchTemplate = {
      id,
      name,
      createdAt: now,
      defaultVersion: 1,
      latestVersion: 1,
      versions: new Map([
        [
          1,
          {
            number: 1,
            createdAt: now,
            ...(input.VersionDescription !== undefined ? { description: input.VersionDescription } : {}),
            data: cloneData(input.LaunchTemplateData),
          },
        ],
      ]),
    };
    this.templates.set(id, template);
    return { LaunchTemplate: this.templateToSdk(template) };
  }

  createLaunchTemplateVersion(input: CreateLaunchTemplateVersionCommandInput) {
    const template = this.find(input.LaunchTemplateId, input.LaunchTemplateName);
    if (!input.LaunchTemplateData) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter LaunchTemplateData');
    }
    if (input.ClientToken !== undefined) {
      const earlier = [...template.versions.values()].find((version) => version.clientToken === input.ClientToken);
      if (earlier) return { LaunchTemplateVersion: this.versionToSdk(template, earlier) };
    }
    let base: RequestLaunchTemplateData = {};
    if (input.SourceVersion !== undefined) {
      const number = this.versionNumber(template, input.SourceVersion);
      const source = number === undefined ? undefined : template.versions.get(number);
      if (!source) throw this.versionNotFound(template, input.SourceVersion);
      base = cloneData(source.data);
    }
    const number = template.latestVersion + 1;
    const version: SimLaunchTemplateVersion = {
      number,
      createdAt: this.ctx.now(),
      ...(input.VersionDescription !== undefined ? { description: input.VersionDescription } : {}),
      data: { ...base, ...cloneData(input.LaunchTemplateData) },
      ...(input.ClientToken !== undefined ? { clientToken: input.ClientToken } : {}),
    };
    template.versions.set(number, version);
    template.latestVersion = number;
    return { LaunchTemplateVersion: this.versionToSdk(template, version) };
  }

  describeLaunchTemplates(input: DescribeLaunchTemplatesCommandInput) {
    const ids = input.LaunchTemplateIds ?? [];
    const names = input.LaunchTemplateNames ?? [];
    const selected =
      ids.length === 0 && names.length === 0
        ? this.list()
        : [...ids.map((id) => this.find(id, undefined)), ...names.map((name) => this.find(undefined, name))];
    const { items, ...rest } = page(selected, input.MaxResults, input.NextToken);
    return { LaunchTemplates: items.map((template) => this.templateToSdk(template)), ...rest };
  }

  describeLaunchTemplateVersions(input: DescribeLaunchTemplateVersionsCommandInput) {
    const template = this.find(input.LaunchTemplateId, input.LaunchTemplateName);
    let numbers: number[];
    if (input.Versions && input.Versions.length > 0) {
      numbers = input.Versions.map((version) => {
        const number = this.versionNumber(template, version);
        if (number === undefined) throw this.versionNotFound(template, version);
        return number;
      });
      numbers = [...new Set(numbers)];
    } else {
      numbers = [...template.versions.keys()];
    }
    const min = input.MinVersion !== undefined ? this.versionNumber(template, input.MinVersion) : undefined;
    const max = input.MaxVersion !== undefined ? this.versionNumber(template, input.MaxVersion) : undefined;
    if (input.MinVersion !== undefined && min === undefined) throw this.versionNotFound(template, input.MinVersion);
    if (input.MaxVersion !== undefined && max === undefined) throw this.versionNotFound(template, input.MaxVersion);
    const filters = (input.Filters ?? []).map((filter) => this.versionFilter(template, filter));
    const selected = numbers
      .filter((number) => (min === undefined || number >= min) && (max === undefined || number <= max))
      .sort((a, b) => b - a)
      .map((number) => template.versions.get(number))
      .filter((version): version is SimLaunchTemplateVersion => version !== undefined)
      .filter((version) => filters.every((matches) => matches(version)));
    const { items, ...rest } = page(selected, input.MaxResults, input.NextToken);
    return { LaunchTemplateVersions: items.map((version) => this.versionToSdk(template, version)), ...rest };
  }

  /**
   * The DescribeLaunchTemplateVersions filters fleetpilot and its tests use (EC2 API reference,
   * DescribeLaunchTemplateVersions: image-id, instance-type, is-default-version); values are exact, any matches.
   */
  private versionFilter(
    template: SimLaunchTemplate,
    filter: { Name?: string; Values?: string[] },
  ): (version: SimLaunchTemplateVersion) => boolean {
    const values = filter.Values ?? [];
    switch (filter.Name) {
      case 'image-id':
        return (version) => values.includes(version.data.ImageId ?? '');
      case 'instance-type':
        return (version) => values.includes(version.data.InstanceType ?? '');
      case 'is-default-version':
        return (version) => values.includes(String(version.number === template.defaultVersion));
      default:
        throw ec2Error('InvalidParameterValue', `The filter '${filter.Name ?? ''}' is invalid`);
    }
  }

  modifyLaunchTemplate(input: ModifyLaunchTemplateCommandInput) {
    const template = this.find(input.LaunchTemplateId, input.LaunchTemplateName);
    if (input.DefaultVersion !== undefined) {
      const number = /^\d+$/.test(input.DefaultVersion) ? Number(input.DefaultVersion) : undefined;
      if (number === undefined || !template.versions.has(number)) {
        throw this.versionNotFound(template, input.DefaultVersion);
      }
      template.defaultVersion = number;
    }
    return { LaunchTemplate: this.templateToSdk(template) };
  }

  // ---- helpers ----

  private find(id: string | undefined, name: string | undefined): SimLaunchTemplate {
    if (id !== undefined && name !== undefined) {
      throw ec2Error(
        'InvalidParameterCombination',
        'You can specify either a launch template ID or a launch template name in the request, but not both',
      );
    }
    if (id !== undefined) {
      if (!TEMPLATE_ID.test(id)) {
        throw ec2Error(
          'InvalidLaunchTemplateId.Malformed',
          `The specified ID for the launch template (${id}) is not valid.`,
        );
      }
      const template = this.templates.get(id);
      if (!template) {
        throw ec2Error(
          'InvalidLaunchTemplateId.NotFound',
          `The specified launch template, with template ID ${id}, does not exist.`,
        );
      }
      return template;
    }
    if (name !== undefined) {
      const template = this.byName(name);
      if (!template) {
        throw ec2Error(
          'InvalidLaunchTemplateName.NotFoundException',
          `The specified launch template, with template name ${name}, does not exist.`,
        );
      }
      return template;
    }
    throw ec2Error('MissingParameter', 'The request must contain the parameter LaunchTemplateName or LaunchTemplateId');
  }

  private versionNotFound(template: SimLaunchTemplate, version: string): Error {
    return ec2Error(
      'InvalidLaunchTemplateId.VersionNotFound',
      `The specified launch template version, with template ID ${template.id} and version ${version}, does not exist.`,
    );
  }

  private templateToSdk(template: SimLaunchTemplate): LaunchTemplate {
    return {
      LaunchTemplateId: template.id,
      LaunchTemplateName: template.name,
      CreateTime: new Date(template.createdAt),
      CreatedBy: `arn:aws:iam::${this.ctx.accountId}:root`,
      DefaultVersionNumber: template.defaultVersion,
      LatestVersionNumber: template.latestVersion,
    };
  }

  private versionToSdk(template: SimLaunchTemplate, version: SimLaunchTemplateVersion): LaunchTemplateVersion {
    return {
      LaunchTemplateId: template.id,
      LaunchTemplateName: template.name,
      VersionNumber: version.number,
      ...(version.description !== undefined ? { VersionDescription: version.description } : {}),
      CreateTime: new Date(version.createdAt),
      CreatedBy: `arn:aws:iam::${this.ctx.accountId}:root`,
      DefaultVersion: version.number === template.defaultVersion,
      // The request and response shapes of launch template data differ only in nested tag/interface types.
      LaunchTemplateData: cloneData(version.data) as ResponseLaunchTemplateData,
    };
  }
}
