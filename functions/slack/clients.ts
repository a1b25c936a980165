/** The SDK clients the Slack function uses: SSM for the secret; SNS because every entry's notifier has it. */
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { ClientsFor } from '../../shared/aws/clients';

export const slackClientClasses = { ssm: SSMClient, sns: SNSClient };

export type SlackClients = ClientsFor<typeof slackClientClasses>;
