/**
 * Section 5 of the bench splits one AMI refresh's AWS calls by step: the image event's calls end with
 * StartInstanceRefresh, the refresh events read the refresh and move the default version, and retention's calls are
 * told apart from the Succeeded invocation around them; the lifecycle functions' calls go to none of the steps.
 */
import { join } from 'node:path';
import { measureAmiRefresh } from '../../../scripts/bench/ami-refresh';
import { loadConfig } from '../../../shared/config/load';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');

describe('bench: AWS calls per AMI refresh step', () => {
  it('attributes each call of one refresh of the example service to its step', async () => {
    const result = await measureAmiRefresh(loadConfig(EXAMPLE), 'fleetpilot.example.yml');

    expect(result.refreshStatus).toBe('Successful');
    expect(result.replaced).toBe(2);
    const step = (name: string) => result.steps.find((s) => s.step === name)?.byOperation ?? {};
    expect(step('image')).toMatchObject({
      'ec2:CreateLaunchTemplateVersion': 1,
      'autoScaling:StartInstanceRefresh': 1,
      'sns:Publish': 1,
    });
    expect(step('refresh')).toMatchObject({ 'ec2:ModifyLaunchTemplate': 1 });
    expect(step('refresh')['ec2:DeregisterImage']).toBeUndefined();
    expect(step('retention')).toMatchObject({ 'ec2:DeregisterImage': 2, 'ec2:DeleteSnapshot': 2 });
    expect(step('retention')['sns:Publish']).toBeUndefined();
    for (const s of result.steps) {
      expect(Object.keys(s.byOperation).some((op) => /Lifecycle|Targets|ChangeResourceRecordSets|sqs:/.test(op))).toBe(
        false,
      );
    }
    expect(result.lifecycleCalls).toBeGreaterThan(0);
    expect(result.total).toBe(result.steps.reduce((n, s) => n + s.calls, 0));
  });
});
