/**
 * A notification (or a burst of them for one service) as a Slack message: Block Kit blocks plus the top-level `text`
 * that Slack shows in notifications and where blocks cannot be shown.
 *
 * Block Kit limits (Slack reference, https://docs.slack.dev/reference/block-kit/blocks and the pages of each block
 * and element; the same numbers are in @slack/types' documentation comments): at most 50 blocks in a message; header
 * text at most 150 characters (plain_text); section text at most 3000 characters; at most 10 section fields of at
 * most 2000 characters each; at most 25 elements in an actions block; button text at most 75 characters and its url
 * at most 3000; at most 10 context elements. Anything longer is cut here, with a note saying what was left out: a
 * message Slack refuses (`invalid_blocks`) would be a notification lost, so rendering never fails.
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  SectionBlock,
} from '@slack/types';
import type { Notification, Severity } from '../../shared/notify/notifier';

export const BLOCK_KIT_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  contextElements: 10,
  /** Ours: the fallback text is read in a notification banner; Slack itself truncates beyond 40,000 characters. */
  text: 3000,
} as const;

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** One notification as the Slack function received it (facts the SNS size limit cut are counted). */
export interface Received {
  notification: Notification;
  factsLeftOut: number;
  /**
   * The SNS MessageId, kept as the `block_id` of the notification's first block (`sns-<id>`; block ids are at most
   * 255 characters and unique within a message): ties a Slack message to the e-mails of the same notifications.
   */
  snsMessageId?: string;
}

const blockId = (r: Received) => (r.snsMessageId ? { block_id: `sns-${r.snsMessageId}`.slice(0, 255) } : {});

/** What the message mentions: `<!here>`, `<!channel>`, `<!subteam^ID>` or nobody. */
export type Mention = string | undefined;

const emoji: Record<Severity, string> = {
  critical: ':rotating_light:',
  warning: ':warning:',
  info: ':information_source:',
};
const label: Record<Severity, string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };
const rank: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export const worstSeverity = (severities: readonly Severity[]): Severity =>
  severities.reduce<Severity>((worst, s) => (rank[s] > rank[worst] ? s : worst), 'info');

export const severityAtLeast = (severity: Severity, minimum: Severity): boolean => rank[severity] >= rank[minimum];

/** The mention syntax for a configured mention (`here`, `channel`, `subteam:S…`, `none`). */
export function mentionFor(configured: string | undefined): Mention {
  if (configured === undefined || configured === 'none') return undefined;
  if (configured === 'here' || configured === 'channel') return `<!${configured}>`;
  return `<!subteam^${configured.slice('subteam:'.length)}>`;
}

/** mrkdwn needs &, < and > escaped in text that is not markup (Slack, "Formatting text for app surfaces"). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** At most `max` characters, ending with "…" when cut (never in the middle of an escaped entity). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/&[a-z]{0,4}$/, '')}…`;
}

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: clip(text, max), emoji: true });
const mrkdwn = (text: string, max: number): MrkdwnElement => ({ type: 'mrkdwn', text: clip(text, max) });

function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(text, BLOCK_KIT_LIMITS.headerText) };
}

function section(text: string): SectionBlock {
  return { type: 'section', text: mrkdwn(text || ' ', BLOCK_KIT_LIMITS.sectionText) };
}

function context(parts: readonly string[]): ContextBlock {
  return {
    type: 'context',
    elements: [mrkdwn(parts.join('  ·  '), BLOCK_KIT_LIMITS.fieldText)],
  };
}

function buttons(n: Notification, notes: string[]): ActionsBlock[] {
  const usable = n.links.filter((link) => link.url.length <= BLOCK_KIT_LIMITS.buttonUrl);
  if (usable.length < n.links.length) {
    // A cut URL would lead somewhere else: leave the button out instead.
    notes.push(`${n.links.length - usable.length} link(s) longer than Slack's 3000 characters left out`);
  }
  const blocks: ActionsBlock[] = [];
  for (let i = 0; i < usable.length; i += BLOCK_KIT_LIMITS.actionsElements) {
    blocks.push({
      type: 'actions',
      elements: usable.slice(i, i + BLOCK_KIT_LIMITS.actionsElements).map(
        (link, j): Button => ({
          type: 'button',
          text: plain(link.label, BLOCK_KIT_LIMITS.buttonText),
          url: link.url,
          action_id: `link-${i + j}`,
        }),
      ),
    });
  }
  return blocks;
}

function factSections(facts: Notification['facts']): SectionBlock[] {
  const blocks: SectionBlock[] = [];
  for (let i = 0; i < facts.length; i += BLOCK_KIT_LIMITS.fields) {
    blocks.push({
      type: 'section',
      fields: facts
        .slice(i, i + BLOCK_KIT_LIMITS.fields)
        .map(([name, value]) =>
          mrkdwn(`*${escapeMrkdwn(name)}*\n${escapeMrkdwn(value) || ' '}`, BLOCK_KIT_LIMITS.fieldText),
        ),
    });
  }
  return blocks;
}

const title = (n: Notification) => `${n.service ? `${n.service}: ` : ''}${n.title}`;

function contextLine(n: Notification): string[] {
  return [
    `*${label[n.severity]}*`,
    ...(n.service ? [`service ${escapeMrkdwn(n.service)}`] : []),
    `\`${escapeMrkdwn(n.kind)}\``,
    `correlation id ${escapeMrkdwn(n.correlationId)}`,
  ];
}

/**
 * Keeps the first blocks and the last `tail` blocks within Slack's 50, replacing what does not fit by a note. The
 * head (header, summary) and the tail (context, notes) always stay.
 */
function within(head: KnownBlock[], middle: KnownBlock[], tail: KnownBlock[], what: string): KnownBlock[] {
  const room = BLOCK_KIT_LIMITS.blocks - head.length - tail.length;
  if (middle.length <= room) return [...head, ...middle, ...tail];
  const kept = middle.slice(0, room - 1);
  return [
    ...head,
    ...kept,
    context([`_${middle.length - kept.length} more ${what} left out (Slack shows 50 blocks)_`]),
    ...tail,
  ];
}

/** One notification: header, summary (with the mention), facts as fields, links as buttons, the context line. */
export function renderNotification(received: Received, mention: Mention): SlackMessage {
  const { notification: n, factsLeftOut } = received;
  const notes: string[] = [];
  if (factsLeftOut > 0) notes.push(`${factsLeftOut} more fact(s) did not fit in the notification; see the e-mail`);
  const cutFacts = n.facts.filter(([, value]) => value.length > BLOCK_KIT_LIMITS.fieldText - 60).length;
  if (cutFacts > 0) notes.push(`${cutFacts} long fact(s) shortened; the e-mail has them in full`);
  const summary = `${mention ? `${mention} ` : ''}*${label[n.severity]}*  ${escapeMrkdwn(n.summary)}`;
  if (summary.length > BLOCK_KIT_LIMITS.sectionText) notes.push('the summary was shortened; the e-mail has it in full');
  const actions = buttons(n, notes);
  const tail: KnownBlock[] = [
    context(contextLine(n)),
    ...(notes.length > 0 ? [context(notes.map((s) => `_${s}_`))] : []),
  ];
  const blocks = within(
    [{ ...header(`${emoji[n.severity]} ${title(n)}`), ...blockId(received) }, section(summary)],
    [...factSections(n.facts), ...actions],
    tail,
    'fact or link blocks',
  );
  const text = clip(
    `${mention ? `${mention} ` : ''}${label[n.severity]} ${title(n)}. ${n.summary}`,
    BLOCK_KIT_LIMITS.text,
  );
  return { text, blocks };
}

/**
 * A burst for one service: one message with the count, the severities, and a line per notification (its first link
 * inline), in the order they were sent.
 */
export function renderBurst(
  received: readonly Received[],
  service: string | undefined,
  mention: Mention,
): SlackMessage {
  const first = received[0];
  if (received.length === 1 && first) return renderNotification(first, mention);
  const notifications = received.map((r) => r.notification);
  const worst = worstSeverity(notifications.map((n) => n.severity));
  const counts = (['critical', 'warning', 'info'] as const)
    .map((s) => [s, notifications.filter((n) => n.severity === s).length] as const)
    .filter(([, count]) => count > 0)
    .map(([s, count]) => `${count} ${s}`)
    .join(', ');
  const who = service ?? 'fleetpilot';
  const lines = received.map((r) => {
    const n = r.notification;
    const link = n.links[0] && n.links[0].url.length <= BLOCK_KIT_LIMITS.buttonUrl ? n.links[0] : undefined;
    const more = link ? `  <${link.url}|${escapeMrkdwn(clip(link.label, BLOCK_KIT_LIMITS.buttonText))}>` : '';
    return {
      ...section(`${emoji[n.severity]} *${escapeMrkdwn(n.title)}*\n${escapeMrkdwn(n.summary)}${more}`),
      ...blockId(r),
    };
  });
  const kinds = [...new Set(notifications.map((n) => n.kind))];
  const ids = notifications.map((n) => n.correlationId);
  const blocks = within(
    [
      header(`${emoji[worst]} ${who}: ${notifications.length} notifications`),
      section(
        `${mention ? `${mention} ` : ''}*${label[worst]}*  ${notifications.length} notifications within seconds: ${counts}.`,
      ),
    ],
    lines,
    [
      context([
        `*${label[worst]}*`,
        ...(service ? [`service ${escapeMrkdwn(service)}`] : []),
        kinds.map((k) => `\`${escapeMrkdwn(k)}\``).join(' '),
        `correlation ids ${escapeMrkdwn(ids.join(', '))}`,
      ]),
    ],
    'notifications',
  );
  const text = clip(
    `${mention ? `${mention} ` : ''}${label[worst]} ${who}: ${notifications.length} notifications: ${notifications.map((n) => n.title).join('; ')}`,
    BLOCK_KIT_LIMITS.text,
  );
  return { text, blocks };
}

/** A screenshot-like text rendering of a message (the demo and the README show it next to the e-mail). */
export function renderAsText(message: SlackMessage, where: string): string[] {
  const out = [`+-- Slack ${where ? `${where} ` : ''}${'-'.repeat(Math.max(0, 60 - where.length))}`];
  const add = (text: string) => {
    for (const line of text.split('\n')) out.push(`| ${readable(line)}`);
  };
  for (const block of message.blocks) {
    if (block.type === 'header') add(`# ${block.text.text}`);
    else if (block.type === 'section') {
      if (block.text) add(block.text.text);
      const fields = (block.fields ?? []).map((f) => f.text.replace('\n', ': ').replace(/^\*([^*]*)\*/, '$1'));
      for (let i = 0; i < fields.length; i += 2) add(fields.slice(i, i + 2).join('    '));
    } else if (block.type === 'actions') {
      add(block.elements.map((e) => (e.type === 'button' ? `[ ${e.text.text} ]` : '')).join(' '));
    } else if (block.type === 'context') {
      add(block.elements.map((e) => ('text' in e ? e.text : '')).join(' '));
    }
  }
  out.push(`+${'-'.repeat(68)}`);
  return out;
}

function readable(text: string): string {
  return text
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 <$1>')
    .replace(/<!here>/g, '@here')
    .replace(/<!channel>/g, '@channel')
    .replace(/<!subteam\^([A-Z0-9]+)>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
