/**
 * Demo chapter: the lifecycle day. The group starts with two instances, scales out to four (one application never
 * answers its health check, so its launch is abandoned), and scales in again.
 */
import { apps } from '../../sim/apps';
import { type Chapter, HOUR } from './chapter';

export const lifecycleDay: Chapter = {
  async run({ sim, timeline, service }) {
    const group = service.autoScalingGroup;
    timeline.heading('The group starts with 2 instances; each goes through the launch hook');
    const story: string[] = [];
    const settled = [await sim.settle(HOUR)];

    timeline.heading('Scale out 2 -> 4; the application on the fourth instance never answers its health check');
    sim.account.apps.nextLaunches(1, apps.healthy());
    sim.account.apps.nextLaunches(1, apps.broken('timeout'));
    sim.account.autoscaling.setDesiredCapacity(group, 4);
    timeline.note(`SetDesiredCapacity ${group} 4`);
    settled.push(await sim.settle(4 * HOUR));

    timeline.heading('Scale in 4 -> 2: instances are deregistered, drained and removed from DNS');
    sim.account.autoscaling.setDesiredCapacity(group, 2);
    timeline.note(`SetDesiredCapacity ${group} 2`);
    settled.push(await sim.settle(4 * HOUR));
    if (settled.includes(false)) story.push('the lifecycle day did not settle within its time limit');
    return story;
  },
};
